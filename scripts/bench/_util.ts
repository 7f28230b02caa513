/**
 * Small helpers of the benchmark: running a command as a whole process while measuring its
 * wall time, CPU (user + sys of the whole child tree) and peak RSS, locating and installing
 * programs, statistics and formatting.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import * as path from "node:path";
import process from "node:process";

/**
 * What one measured process run gave.
 *
 * @example
 * ```ts
 * import type { Measured } from "./_util.ts";
 * const m: Measured = { code: 0, wallS: 1.2, cpuS: 0.9, rssMiB: 80, stdout: "", stderr: "" };
 * ```
 */
export interface Measured {
  /** Exit code. */
  code: number;
  /** Wall time in seconds (spawn to exit, measured by the benchmark). */
  wallS: number;
  /** User + system CPU seconds of the process and the children it waited for. */
  cpuS?: number;
  /** Peak resident set size in MiB (of the largest process of the tree). */
  rssMiB?: number;
  /** Captured standard output. */
  stdout: string;
  /** Captured standard error. */
  stderr: string;
}

/**
 * How a command is run by {@linkcode measure}.
 *
 * @example
 * ```ts
 * import type { RunSpec } from "./_util.ts";
 * const r: RunSpec = { cmd: "rclone", args: ["version"], cwd: "/tmp", env: { RCLONE_CONFIG: "/dev/null" } };
 * ```
 */
export interface RunSpec {
  /** Program (absolute path or a name on PATH). */
  cmd: string;
  /** Arguments. */
  args: string[];
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables (merged into the benchmark's environment, see {@linkcode childEnv}). */
  env?: Record<string, string>;
}

let timeBinary: string | null | undefined;

/**
 * The environment of a child: the benchmark's own minus every inherited `AWS_*` and
 * `RCLONE_*` variable (a machine-wide `AWS_CA_BUNDLE`, profile or key would change how a
 * tool behaves, and rclone's SDK refuses a CA bundle on its transport), plus `extra`.
 *
 * @example
 * ```ts
 * import { childEnv } from "./_util.ts";
 * console.log(childEnv({ RCLONE_CONFIG: "/dev/null" }).RCLONE_CONFIG);
 * ```
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  for (const k of Object.keys(env)) if (/^(AWS_|RCLONE_)/.test(k)) delete env[k];
  return { ...env, ...extra };
}

/**
 * Finds GNU time (`/usr/bin/time`), installing the apt package `time` when allowed.
 * Returns `null` when it is not available (CPU then comes from bash's `times`, no RSS).
 *
 * @example
 * ```ts
 * import { ensureGnuTime } from "./_util.ts";
 * console.log(await ensureGnuTime(false));
 * ```
 */
export async function ensureGnuTime(install: boolean): Promise<string | null> {
  if (timeBinary !== undefined) return timeBinary;
  if (!existsSync("/usr/bin/time") && install) await aptInstall(["time"]);
  timeBinary = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
  return timeBinary;
}

/**
 * Runs a command to completion and measures it: wall time here, CPU and peak RSS through GNU
 * time (`%U %S %M`, which includes every descendant the child waited for), else CPU from
 * bash's `times` builtin. Output is captured.
 *
 * @example
 * ```ts
 * import { measure } from "./_util.ts";
 * const m = await measure({ cmd: "true", args: [] }, "/tmp/time.out");
 * console.log(m.wallS, m.cpuS, m.rssMiB);
 * ```
 */
export async function measure(spec: RunSpec, scratchFile: string): Promise<Measured> {
  const gnuTime = await ensureGnuTime(false);
  let cmd: string;
  let args: string[];
  if (gnuTime) {
    cmd = gnuTime;
    args = ["-f", "%U %S %M", "-o", scratchFile, "--", spec.cmd, ...spec.args];
  } else {
    cmd = "bash";
    args = [
      "-c",
      `"$@"; rc=$?; times > "${scratchFile}"; exit $rc`,
      "bench",
      spec.cmd,
      ...spec.args,
    ];
  }
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, {
    args,
    cwd: spec.cwd,
    env: childEnv(spec.env),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallS = (performance.now() - t0) / 1000;
  const m: Measured = {
    code: out.code,
    wallS,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  let text = "";
  try {
    text = await readFile(scratchFile, "utf8");
  } catch { /* killed before writing */ }
  await rm(scratchFile, { force: true });
  if (gnuTime) {
    // GNU time prefixes "Command exited with non-zero status N" on failures
    const last = text.trim().split("\n").pop() ?? "";
    const [u, s, rssKiB] = last.split(/\s+/).map(Number);
    if (Number.isFinite(u) && Number.isFinite(s)) m.cpuS = u + s;
    if (Number.isFinite(rssKiB)) m.rssMiB = rssKiB / 1024;
  } else {
    // `times`: line 2 holds the children's "XmY.YYYs XmY.YYYs"
    const child = text.trim().split("\n")[1] ?? "";
    const secs = [...child.matchAll(/(\d+)m([\d.]+)s/g)].map((x) =>
      Number(x[1]) * 60 + Number(x[2])
    );
    if (secs.length === 2) m.cpuS = secs[0] + secs[1];
  }
  return m;
}

/**
 * Runs a command (not measured), returning exit code and output.
 *
 * @example
 * ```ts
 * import { run } from "./_util.ts";
 * const r = await run("rclone", ["version"]);
 * console.log(r.code, r.stdout);
 * ```
 */
export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: options.cwd,
      env: childEnv(options.env),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (e) {
    return { code: 127, stdout: "", stderr: String(e) };
  }
}

/**
 * Absolute path of a program on PATH (or the given absolute path if executable), else `null`.
 *
 * @example
 * ```ts
 * import { which } from "./_util.ts";
 * console.log(which("rclone"));
 * ```
 */
export function which(name: string): string | null {
  if (name.includes("/")) return isExecutable(name) ? name : null;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir === "") continue;
    const p = path.join(dir, name);
    if (isExecutable(p)) return p;
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    const st = Deno.statSync(p);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Whether this process may install apt packages (root and `apt-get` present).
 *
 * @example
 * ```ts
 * import { canApt } from "./_util.ts";
 * console.log(canApt());
 * ```
 */
export function canApt(): boolean {
  return Deno.uid?.() === 0 && which("apt-get") !== null;
}

/**
 * `apt-get install -y` the packages (waiting up to 10 minutes for a dpkg lock other
 * installs hold). Returns whether it succeeded; never throws.
 *
 * @example
 * ```ts
 * import { aptInstall } from "./_util.ts";
 * await aptInstall(["rclone"]);
 * ```
 */
export async function aptInstall(packages: string[]): Promise<boolean> {
  if (!canApt()) return false;
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const args = [
    "-o",
    "DPkg::Lock::Timeout=600",
    "install",
    "-y",
    "--no-install-recommends",
    ...packages,
  ];
  let r = await run("apt-get", args, { env });
  if (r.code !== 0) {
    await run("apt-get", ["-o", "DPkg::Lock::Timeout=600", "update"], { env });
    r = await run("apt-get", args, { env });
  }
  return r.code === 0;
}

/**
 * Median of the numbers (undefined entries ignored); `undefined` for none.
 *
 * @example
 * ```ts
 * import { median } from "./_util.ts";
 * console.log(median([3, 1, 2])); // 2
 * ```
 */
export function median(xs: readonly (number | undefined)[]): number | undefined {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) =>
    a - b
  );
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/**
 * Seconds as text: `0.312s`, `12.3s`, or `-` for undefined.
 *
 * @example
 * ```ts
 * import { fmtS } from "./_util.ts";
 * console.log(fmtS(0.3123)); // "0.312s"
 * ```
 */
export function fmtS(s: number | undefined): string {
  if (s === undefined) return "-";
  return s < 10 ? `${s.toFixed(3)}s` : `${s.toFixed(1)}s`;
}

/**
 * Last lines of a process's output, for error messages.
 *
 * @example
 * ```ts
 * import { tail } from "./_util.ts";
 * console.log(tail("a\nb\nc", 2)); // "b\nc"
 * ```
 */
export function tail(text: string, lines = 12): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Number of regular files below a directory (recursively); 0 if it does not exist.
 *
 * @example
 * ```ts
 * import { countFiles } from "./_util.ts";
 * console.log(await countFiles("/tmp"));
 * ```
 */
export async function countFiles(dir: string): Promise<number> {
  let n = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile) n++;
      else if (e.isDirectory) n += await countFiles(path.join(dir, e.name));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return n;
}
