/**
 * The contenders: accsr (its CLI, or the library driver while `cli.ts` does not exist),
 * rclone (three variants), `aws s3 sync` and s3-sync-client. Each is run as a whole process;
 * this module finds (or installs) them and builds their command lines.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { aptInstall, canApt, run, type RunSpec, tail, which } from "./_util.ts";
import { nodeCliOf } from "./_startup.ts";

/**
 * Where a tool pushes to / pulls from: `s3://<bucket>/<prefix>/<name>` (S3), or a file-store
 * root (accsr only, when no S3 server is available in smoke mode).
 *
 * @example
 * ```ts
 * import type { Target } from "./_tools.ts";
 * const t: Target = { endpoint: "http://127.0.0.1:27480", key: "test", secret: "testtesttest", bucket: "b", prefix: "r1" };
 * ```
 */
export interface Target {
  /** S3 endpoint URL; undefined → accsr's `file` provider below `fileRoot`. */
  endpoint?: string;
  /** Access key id. */
  key: string;
  /** Secret access key. */
  secret: string;
  /** Bucket. */
  bucket: string;
  /** Key prefix of this run (fresh per pass). */
  prefix: string;
  /** Root of accsr's `file` provider (no S3 server). */
  fileRoot?: string;
}

/**
 * Command lines of one tool for one target.
 *
 * @example
 * ```ts
 * import type { Commands } from "./_tools.ts";
 * function show(c: Commands) {
 *   console.log(c.push("/dev/shm/src", "w1"), c.pull("w1", "/dev/shm/dst"));
 * }
 * ```
 */
export interface Commands {
  /** Upload `<srcRoot>/<name>` to `<prefix>/<name>/`. */
  push(srcRoot: string, name: string): RunSpec;
  /** Download `<prefix>/<name>/` into `<dstRoot>/<name>`. */
  pull(name: string, dstRoot: string): RunSpec;
}

/**
 * One contender.
 *
 * @example
 * ```ts
 * import type { Tool } from "./_tools.ts";
 * function describe(t: Tool) {
 *   console.log(t.id, t.label, t.available ? t.version : t.note);
 * }
 * ```
 */
export interface Tool {
  /** Stable id (`accsr`, `rclone`, `rclone-nohead`, `rclone-checksum`, `aws`, `s3-sync-client`). */
  id: string;
  /** Column header. */
  label: string;
  /** A peer (not accsr). */
  peer: boolean;
  /** `rclone` for the rclone variants; else the id. */
  family: string;
  /** Whether it can run. */
  available: boolean;
  /** Version string, when available. */
  version?: string;
  /** Why it is not available, or how it runs. */
  note?: string;
  /** Prepares a target (writes config files; accsr also runs `create-bucket`) in `workDir`. */
  prepare(target: Target, workDir: string): Promise<Commands>;
  /** Only these workloads (all when absent). */
  workloads?: readonly string[];
}

/**
 * What the tools need to know about the benchmark's environment.
 *
 * @example
 * ```ts
 * import type { ToolEnv } from "./_tools.ts";
 * const e: ToolEnv = { repo: "/work/main", workDir: "/tmp/bench", install: true, npmCache: "/tmp/accsr-bench-npm" };
 * ```
 */
export interface ToolEnv {
  /** Repository root. */
  repo: string;
  /** Scratch folder for config files. */
  workDir: string;
  /** Install missing peers (apt, npm). */
  install: boolean;
  /** Folder kept across runs for the npm install of s3-sync-client. */
  npmCache: string;
}

const RCLONE_VARIANTS: { id: string; label: string; flags: string[] }[] = [
  { id: "rclone", label: "rclone", flags: [] },
  { id: "rclone-nohead", label: "rclone --s3-no-head", flags: ["--s3-no-head"] },
  { id: "rclone-checksum", label: "rclone --checksum", flags: ["--checksum"] },
];

/**
 * Finds every tool, installing missing peers when `env.install` (apt needs root). Tools that
 * cannot run come back with `available: false` and a note.
 *
 * @example
 * ```ts
 * import { detectTools } from "./_tools.ts";
 * const tools = await detectTools({ repo: ".", workDir: "/tmp/b", install: false, npmCache: "/tmp/n" });
 * console.log(tools.map((t) => t.id));
 * ```
 */
export async function detectTools(env: ToolEnv): Promise<Tool[]> {
  return [
    accsrTool(env),
    accsrNodeTool(env),
    ...(await rcloneTools(env)),
    await awsTool(env),
    await s3SyncClientTool(env),
  ];
}

function writeAccsrConfig(target: Target, cwd: string): Promise<void> {
  const remote = target.endpoint === undefined
    ? { provider: "file", root: target.fileRoot, bucket: target.bucket, base_path: target.prefix }
    : {
      provider: "s3",
      endpoint: target.endpoint,
      key: target.key,
      secret: target.secret,
      bucket: target.bucket,
      base_path: target.prefix,
    };
  return writeFile(
    path.join(cwd, "config.json"),
    JSON.stringify({ remote_storage: remote }, null, 2),
  );
}

function accsrTool(env: ToolEnv): Tool {
  const cli = path.join(env.repo, "cli.ts");
  const driver = path.join(env.repo, "scripts", "bench", "_accsr_driver.ts");
  const useCli = existsSync(cli);
  const deno = Deno.execPath();
  const base = ["run", "-A", "--config", path.join(env.repo, "deno.json"), useCli ? cli : driver];
  return {
    id: "accsr",
    label: "accsr",
    peer: false,
    family: "accsr",
    available: true,
    version: `deno ${Deno.version.deno}`,
    note: useCli
      ? "CLI (cli.ts)"
      : "library driver (scripts/bench/_accsr_driver.ts; cli.ts not found)",
    async prepare(target, workDir) {
      const cwd = path.join(workDir, "accsr-cwd");
      await mkdir(cwd, { recursive: true });
      await writeAccsrConfig(target, cwd);
      const cacheDir = path.join(workDir, "accsr-hash-cache");
      const spec = (args: string[]): RunSpec => ({
        cmd: deno,
        args: [...base, ...args],
        cwd,
        env: { ACCSR_CACHE_DIR: cacheDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      });
      // untimed; also warms Deno's module cache
      const cb = spec(["create-bucket"]);
      const r = await run(cb.cmd, cb.args, { cwd, env: cb.env });
      if (r.code !== 0) {
        throw new Error(
          `accsr create-bucket failed (exit ${r.code}):\n${tail(r.stdout + r.stderr)}`,
        );
      }
      return {
        push: (srcRoot, name) =>
          spec(["push", path.join(srcRoot, name), "--local-path-prefix", srcRoot, "--no-progress"]),
        pull: (name, dstRoot) => spec(["pull", name, "--to", dstRoot, "--no-progress"]),
      };
    },
  };
}

/**
 * accsr's npm build under Node (the `accsr` binary of `npm/`, built by `deno task build:npm`):
 * W1–W3 only (Node parity of the small-file workloads; W5's no-op is in the start-up
 * breakdown).
 */
function accsrNodeTool(env: ToolEnv): Tool {
  const bin = nodeCliOf(env.repo);
  const node = which("node");
  const available = existsSync(bin) && node !== null;
  return {
    id: "accsr-node",
    label: "accsr (node)",
    peer: false,
    family: "accsr-node",
    available,
    workloads: ["W1", "W2", "W3"],
    note: available
      ? `npm build under Node (${path.relative(env.repo, bin)})`
      : "no npm build (run `deno task build:npm`) or no node",
    async prepare(target, workDir) {
      const cwd = path.join(workDir, "accsr-cwd");
      await mkdir(cwd, { recursive: true });
      await writeAccsrConfig(target, cwd);
      const cacheDir = path.join(workDir, "accsr-hash-cache");
      const spec = (args: string[]): RunSpec => ({
        cmd: node!,
        args: [bin, ...args],
        cwd,
        env: { ACCSR_CACHE_DIR: cacheDir, NO_COLOR: "1" },
      });
      const cb = spec(["create-bucket"]);
      const r = await run(cb.cmd, cb.args, { cwd, env: cb.env });
      if (r.code !== 0) {
        throw new Error(
          `accsr (node) create-bucket failed (exit ${r.code}):\n${tail(r.stdout + r.stderr)}`,
        );
      }
      return {
        push: (srcRoot, name) =>
          spec(["push", path.join(srcRoot, name), "--local-path-prefix", srcRoot, "--no-progress"]),
        pull: (name, dstRoot) => spec(["pull", name, "--to", dstRoot, "--no-progress"]),
      };
    },
  };
}

/**
 * The driver-based accsr invocation of a push dry run (the memory check): never the CLI,
 * whose dry run lists every file.
 *
 * @example
 * ```ts
 * import { accsrPlanSpec } from "./_tools.ts";
 * console.log(accsrPlanSpec("/work/main", "/tmp/cwd", "/dev/shm/plan", "/dev/shm", "/tmp/cache"));
 * ```
 */
export function accsrPlanSpec(
  repo: string,
  cwd: string,
  dir: string,
  prefix: string,
  cacheDir: string,
): RunSpec {
  return {
    cmd: Deno.execPath(),
    args: [
      "run",
      "-A",
      "--config",
      path.join(repo, "deno.json"),
      path.join(repo, "scripts", "bench", "_accsr_driver.ts"),
      "plan",
      dir,
      "--local-path-prefix",
      prefix,
    ],
    cwd,
    env: { ACCSR_CACHE_DIR: cacheDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  };
}

/**
 * Writes accsr's `config.json` for a target into `cwd` (used by the memory check).
 *
 * @example
 * ```ts
 * import { prepareAccsrCwd } from "./_tools.ts";
 * await prepareAccsrCwd({ endpoint: "http://127.0.0.1:27480", key: "k", secret: "s", bucket: "b", prefix: "p" }, "/tmp/cwd");
 * ```
 */
export async function prepareAccsrCwd(target: Target, cwd: string): Promise<void> {
  await mkdir(cwd, { recursive: true });
  await writeAccsrConfig(target, cwd);
}

async function findOrInstall(
  names: string[],
  aptPackage: string,
  install: boolean,
): Promise<{ bin?: string; note?: string }> {
  for (const n of names) {
    const b = which(n);
    if (b) return { bin: b };
  }
  if (!install) {
    return {
      note: `not installed (${aptPackage}); run without --no-install as root to install it`,
    };
  }
  if (!canApt()) {
    return {
      note: `not installed and cannot apt-get install ${aptPackage} (needs root + apt-get)`,
    };
  }
  if (!(await aptInstall([aptPackage]))) return { note: `apt-get install ${aptPackage} failed` };
  for (const n of names) {
    const b = which(n);
    if (b) return { bin: b };
  }
  return { note: `${aptPackage} installed but no binary found` };
}

async function rcloneTools(env: ToolEnv): Promise<Tool[]> {
  const found = await findOrInstall(["rclone"], "rclone", env.install);
  let version: string | undefined;
  if (found.bin) version = (await run(found.bin, ["version"])).stdout.split("\n")[0]?.trim();
  return RCLONE_VARIANTS.map((v) => ({
    id: v.id,
    label: v.label,
    peer: true,
    family: "rclone",
    available: found.bin !== undefined,
    version,
    note: found.note,
    async prepare(target, workDir) {
      if (target.endpoint === undefined) throw new Error("rclone needs an S3 endpoint");
      const conf = path.join(workDir, "rclone.conf");
      await writeFile(conf, "");
      const e = {
        RCLONE_CONFIG: conf,
        RCLONE_CONFIG_BENCH_TYPE: "s3",
        RCLONE_CONFIG_BENCH_PROVIDER: "Ceph",
        RCLONE_CONFIG_BENCH_ENDPOINT: target.endpoint,
        RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: target.key,
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: target.secret,
      };
      const common = ["--transfers", "16", "--checkers", "16", "-q", ...v.flags];
      const remote = (name: string) => `bench:${target.bucket}/${target.prefix}/${name}`;
      return {
        push: (srcRoot, name) => ({
          cmd: found.bin!,
          args: ["copy", path.join(srcRoot, name), remote(name), ...common],
          env: e,
        }),
        pull: (name, dstRoot) => ({
          cmd: found.bin!,
          args: ["copy", remote(name), path.join(dstRoot, name), ...common],
          env: e,
        }),
      };
    },
  }));
}

async function awsTool(env: ToolEnv): Promise<Tool> {
  // apt's aws-cli v2 (/usr/bin/aws) first: a pyenv/pip `aws` earlier on PATH may be v1
  const found = await findOrInstall(["/usr/bin/aws", "aws"], "awscli", env.install);
  let version: string | undefined;
  if (found.bin) {
    const r = await run(found.bin, ["--version"]);
    version = (r.stdout + r.stderr).trim().split(/\s+/)[0];
  }
  return {
    id: "aws",
    label: "aws s3 sync",
    peer: true,
    family: "aws",
    available: found.bin !== undefined,
    version,
    note: found.note,
    async prepare(target, workDir) {
      if (target.endpoint === undefined) throw new Error("aws needs an S3 endpoint");
      const e = {
        AWS_CONFIG_FILE: path.join(workDir, "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, "aws-credentials"),
        AWS_ACCESS_KEY_ID: target.key,
        AWS_SECRET_ACCESS_KEY: target.secret,
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_PAGER: "",
        AWS_EC2_METADATA_DISABLED: "true",
      };
      const r = await run(found.bin!, [
        "configure",
        "set",
        "default.s3.max_concurrent_requests",
        "16",
      ], { env: e });
      if (r.code !== 0) throw new Error(`aws configure set failed: ${tail(r.stderr)}`);
      const common = ["--endpoint-url", target.endpoint, "--only-show-errors", "--no-progress"];
      const remote = (name: string) => `s3://${target.bucket}/${target.prefix}/${name}`;
      return {
        push: (srcRoot, name) => ({
          cmd: found.bin!,
          args: ["s3", "sync", path.join(srcRoot, name), remote(name), ...common],
          env: e,
        }),
        pull: (name, dstRoot) => ({
          cmd: found.bin!,
          args: ["s3", "sync", remote(name), path.join(dstRoot, name), ...common],
          env: e,
        }),
      };
    },
  };
}

const S3_SYNC_RUNNER = `"use strict";
// Drives s3-sync-client: node runner.cjs push <dir> <bucket/prefix> | pull <bucket/prefix> <dir>
const { S3Client } = require("@aws-sdk/client-s3");
const { S3SyncClient } = require("s3-sync-client");
async function main() {
  const [mode, a, b] = process.argv.slice(2);
  const client = new S3Client({
    endpoint: process.env.BENCH_S3_ENDPOINT,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.BENCH_S3_KEY, secretAccessKey: process.env.BENCH_S3_SECRET },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const sync = new S3SyncClient({ client });
  const options = { maxConcurrentTransfers: 16 };
  if (mode === "push") await sync.sync(a, "s3://" + b, options);
  else await sync.sync("s3://" + a, b, options);
  client.destroy();
}
main().catch((e) => { console.error(e); process.exit(1); });
`;

async function s3SyncClientTool(env: ToolEnv): Promise<Tool> {
  const dir = env.npmCache;
  const marker = path.join(dir, "node_modules", "s3-sync-client", "package.json");
  const node = which("node");
  const npm = which("npm");
  let note: string | undefined;
  if (!node) note = "node not found";
  else if (!existsSync(marker)) {
    if (!env.install) note = `not installed in ${dir}; run without --no-install to npm install it`;
    else if (!npm) note = "npm not found";
    else {
      await mkdir(dir, { recursive: true });
      const r = await run(npm, [
        "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        "--prefix",
        dir,
        "s3-sync-client@~4.3.0",
        "@aws-sdk/client-s3@^3",
      ]);
      if (r.code !== 0) note = `npm install failed: ${tail(r.stderr, 3)}`;
    }
  }
  const available = note === undefined && existsSync(marker);
  let version: string | undefined;
  if (available) {
    const pkg = JSON.parse(await Deno.readTextFile(marker));
    version = `s3-sync-client ${pkg.version}, node ${
      (await run(node!, ["--version"])).stdout.trim()
    }`;
    await writeFile(path.join(dir, "runner.cjs"), S3_SYNC_RUNNER);
  }
  return {
    id: "s3-sync-client",
    label: "s3-sync-client",
    peer: true,
    family: "s3-sync-client",
    available,
    version,
    note,
    prepare(target) {
      if (target.endpoint === undefined) {
        return Promise.reject(new Error("s3-sync-client needs S3"));
      }
      const e = {
        BENCH_S3_ENDPOINT: target.endpoint,
        BENCH_S3_KEY: target.key,
        BENCH_S3_SECRET: target.secret,
      };
      const runner = path.join(dir, "runner.cjs");
      const remote = (name: string) => `${target.bucket}/${target.prefix}/${name}`;
      return Promise.resolve({
        push: (srcRoot, name) => ({
          cmd: node!,
          args: [runner, "push", path.join(srcRoot, name), remote(name)],
          env: e,
        }),
        pull: (name, dstRoot) => ({
          cmd: node!,
          args: [runner, "pull", remote(name), path.join(dstRoot, name)],
          env: e,
        }),
      });
    },
  };
}

/**
 * Default folder for the npm install of s3-sync-client (kept across runs).
 *
 * @example
 * ```ts
 * import { defaultNpmCache } from "./_tools.ts";
 * console.log(defaultNpmCache());
 * ```
 */
export function defaultNpmCache(): string {
  return path.join(os.tmpdir(), "accsr-bench-s3-sync-client-4.3");
}
