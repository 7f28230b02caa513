/**
 * W6 (scale): 100,000 files of 100–500 B that are already in the bucket and on disk. Rows:
 * accsr `push --dry-run` with an empty hash cache against `rclone check` (both read and hash
 * every local file, list the remote), and with a warm hash cache against `rclone sync
 * --dry-run --checksum`; wall, client CPU and peak RSS of each whole process.
 *
 * The files are written (seeded PRNG) and uploaded once per bench run, by rclone with 64
 * transfers when it is there, else by accsr with concurrency 64.
 *
 * Standalone (development: reuses data and bucket when they exist):
 * `deno run -A scripts/bench/_w6.ts --endpoint URL --bucket NAME --data DIR [--files N] [--reps N]`
 *
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { Prng } from "./_data.ts";
import type { S3Endpoint } from "./_server.ts";
import { prepareAccsrCwd } from "./_tools.ts";
import { fmtS, measure, type Measured, median, run, type RunSpec, tail, which } from "./_util.ts";

/**
 * Files of W6 in each mode.
 *
 * @example
 * ```ts
 * import { W6_FILES } from "./_w6.ts";
 * console.log(W6_FILES.full); // 100000
 * ```
 */
export const W6_FILES = { full: 100_000, smoke: 1_000 } as const;

/** Files per folder of the W6 tree. */
const PER_DIR = 1000;

/**
 * Writes `count` files of 100–500 bytes (size and content from the seed) below `dir`, 1,000
 * per folder (`d000/f000000.bin`, …). Returns the total bytes.
 *
 * @example
 * ```ts
 * import { writeTinyFiles } from "./_w6.ts";
 * await writeTinyFiles("/dev/shm/w6", 10, 6);
 * ```
 */
export async function writeTinyFiles(dir: string, count: number, seed: number): Promise<number> {
  const prng = new Prng(seed);
  let bytes = 0;
  let batch: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const sub = path.join(dir, `d${String(Math.floor(i / PER_DIR)).padStart(3, "0")}`);
    if (i % PER_DIR === 0) await mkdir(sub, { recursive: true });
    const buf = new Uint8Array(100 + prng.next() % 401);
    prng.fill(buf);
    bytes += buf.byteLength;
    batch.push(writeFile(path.join(sub, `f${String(i).padStart(6, "0")}.bin`), buf));
    if (batch.length >= 128) {
      await Promise.all(batch);
      batch = [];
    }
  }
  await Promise.all(batch);
  return bytes;
}

/** Number of files below `dir` (0 when missing). */
async function fileCount(dir: string): Promise<number> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).length;
  } catch {
    return 0;
  }
}

/**
 * Where W6 runs and what it may use.
 *
 * @example
 * ```ts
 * import type { W6Env } from "./_w6.ts";
 * const e: W6Env = { repo: "/work/main", work: "/tmp/b", data: "/dev/shm/b", endpoint: { url: "http://127.0.0.1:18480", key: "test", secret: "testtesttest" }, bucket: "bench-w6", files: 2000, reps: 1 };
 * ```
 */
export interface W6Env {
  /** Repository root (for `cli.ts`). */
  repo: string;
  /** Scratch folder (configs, caches). */
  work: string;
  /** Data folder (tmpfs when possible); the tree is `<data>/w6`. */
  data: string;
  /** The S3 server. */
  endpoint: S3Endpoint;
  /** A bucket that exists; W6 uses the prefix `w6/`. */
  bucket: string;
  /** Files in the tree. */
  files: number;
  /** Timed passes (medians are reported). */
  reps: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** One W6 row: a tool on one phase. */
interface Row {
  id: string;
  label: string;
  runs: Measured[];
  error?: string;
}

/**
 * The W6 figures: four rows, medians of the passes.
 *
 * @example
 * ```ts
 * import type { W6Result } from "./_w6.ts";
 * function show(r: W6Result) { console.log(r.lines.join("\n")); }
 * ```
 */
export interface W6Result {
  files: number;
  bytes: number;
  seedS?: number;
  seededBy: string;
  rows: {
    id: string;
    label: string;
    wallS?: number;
    cpuS?: number;
    rssMiB?: number;
    error?: string;
  }[];
  /** cold / warm: accsr over its peer (wall, CPU); and peak RSS. */
  ratios: { cold?: number; coldCpu?: number; warm?: number; warmCpu?: number };
  /** The report's lines. */
  lines: string[];
}

function rcloneEnv(workDir: string, e: S3Endpoint): Record<string, string> {
  return {
    RCLONE_CONFIG: path.join(workDir, "rclone-w6.conf"),
    RCLONE_CONFIG_BENCH_TYPE: "s3",
    RCLONE_CONFIG_BENCH_PROVIDER: "Ceph",
    RCLONE_CONFIG_BENCH_ENDPOINT: e.url,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: e.key,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: e.secret,
  };
}

/**
 * Runs W6: writes the tree and uploads it (unless both are there already), then the timed
 * passes. Throws only when accsr fails.
 *
 * @example
 * ```ts
 * import { runW6 } from "./_w6.ts";
 * const r = await runW6({ repo: ".", work: "/tmp/w6", data: "/dev/shm/w6", endpoint: { url: "http://127.0.0.1:18480", key: "test", secret: "testtesttest" }, bucket: "bench-w6", files: 2000, reps: 1 });
 * console.log(r.lines.join("\n"));
 * ```
 */
export async function runW6(env: W6Env): Promise<W6Result> {
  const log = env.log ?? ((l: string) => console.error(l));
  const tree = path.join(env.data, "w6");
  const scratch = path.join(env.work, "w6-time.out");
  await mkdir(env.work, { recursive: true });
  const rclone = which("rclone");
  const rEnv = rcloneEnv(env.work, env.endpoint);
  await writeFile(rEnv.RCLONE_CONFIG, "");
  const remote = `bench:${env.bucket}/w6`;
  const deno = Deno.execPath();
  const cwd = path.join(env.work, "w6-accsr-cwd");
  await prepareAccsrCwd({
    endpoint: env.endpoint.url,
    key: env.endpoint.key,
    secret: env.endpoint.secret,
    bucket: env.bucket,
    prefix: "",
  }, cwd);
  const accsr = (args: string[], cacheDir: string): RunSpec => ({
    cmd: deno,
    args: [
      "run",
      "-A",
      "--config",
      path.join(env.repo, "deno.json"),
      path.join(env.repo, "cli.ts"),
      ...args,
    ],
    cwd,
    env: { ACCSR_CACHE_DIR: cacheDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });

  // ---- data and seeding (once)
  let bytes = 0;
  if ((await fileCount(tree)) !== env.files) {
    await rm(tree, { recursive: true, force: true });
    log(`W6: writing ${env.files.toLocaleString("en-US")} files of 100–500 B …`);
    bytes = await writeTinyFiles(tree, env.files, 6);
  }
  let seedS: number | undefined;
  let seededBy = "already in the bucket";
  const listed = rclone
    ? await run(rclone, ["size", "--json", remote], { env: rEnv })
    : { code: 1, stdout: "", stderr: "" };
  let have = -1;
  try {
    have = JSON.parse(listed.stdout).count;
  } catch { /* unknown: seed */ }
  if (bytes === 0) {
    try {
      bytes = JSON.parse((await run("du", ["-sb", "--apparent-size", tree])).stdout.split("\t")[0]);
    } catch { /* only for the label */ }
  }
  if (have !== env.files) {
    log(`W6: seeding ${env.files.toLocaleString("en-US")} objects into ${env.bucket}/w6 …`);
    const t0 = performance.now();
    let r;
    if (rclone) {
      seededBy = "rclone copy --transfers 64 --checkers 64 --s3-no-head";
      r = await run(rclone, [
        "copy",
        tree,
        remote,
        "--transfers",
        "64",
        "--checkers",
        "64",
        "--s3-no-head",
        "-q",
      ], { env: rEnv });
    } else {
      seededBy = "accsr push --concurrency 64";
      const s = accsr(
        [
          "push",
          tree,
          "--local-path-prefix",
          env.data,
          "--concurrency",
          "64",
          "--no-progress",
          "--force",
        ],
        path.join(env.work, "w6-seed-cache"),
      );
      r = await run(s.cmd, s.args, { cwd: s.cwd, env: s.env });
    }
    seedS = (performance.now() - t0) / 1000;
    if (r.code !== 0) throw new Error(`W6 seeding failed (exit ${r.code}): ${tail(r.stderr)}`);
  }

  // ---- timed passes
  const rows: Row[] = [
    { id: "accsr-cold", label: "accsr push --dry-run, empty hash cache", runs: [] },
    { id: "rclone-check", label: "rclone check --checkers 16", runs: [] },
    { id: "accsr-warm", label: "accsr push --dry-run, warm hash cache", runs: [] },
    { id: "rclone-sync", label: "rclone sync --dry-run --checksum --checkers 16", runs: [] },
  ];
  const byId = (id: string) => rows.find((r) => r.id === id)!;
  const pushArgs = [
    "push",
    tree,
    "--local-path-prefix",
    env.data,
    "--dry-run",
    "--no-progress",
    "--json=summary",
  ];
  const checkAccsr = (m: Measured, what: string) => {
    let ok = false;
    try {
      const j = JSON.parse(m.stdout);
      ok = m.code === 0 && j.summary.files_to_sync === 0 && j.refused === false;
    } catch { /* reported below */ }
    if (!ok) {
      throw new Error(`accsr W6 ${what} failed (exit ${m.code}): ${tail(m.stderr + m.stdout, 6)}`);
    }
  };
  for (let r = 1; r <= env.reps; r++) {
    const cache = await mkdtemp(path.join(env.work, "w6-cache-"));
    const cold = await measure(accsr(pushArgs, cache), scratch);
    checkAccsr(cold, "cold dry run");
    byId("accsr-cold").runs.push(cold);
    const warm = await measure(accsr(pushArgs, cache), scratch);
    checkAccsr(warm, "warm dry run");
    byId("accsr-warm").runs.push(warm);
    await rm(cache, { recursive: true, force: true });
    if (rclone) {
      const common = ["--checkers", "16", "-q"];
      const check = await measure({
        cmd: rclone,
        args: ["check", tree, remote, ...common],
        env: rEnv,
      }, scratch);
      const row = byId("rclone-check");
      if (check.code === 0) row.runs.push(check);
      else row.error = `exit ${check.code}: ${tail(check.stderr, 3)}`;
      const sync = await measure({
        cmd: rclone,
        args: ["sync", tree, remote, "--dry-run", "--checksum", ...common],
        env: rEnv,
      }, scratch);
      const srow = byId("rclone-sync");
      if (sync.code === 0) srow.runs.push(sync);
      else srow.error = `exit ${sync.code}: ${tail(sync.stderr, 3)}`;
    }
    for (const row of rows) {
      const m = row.runs[row.runs.length - 1];
      if (m && row.runs.length === r) {
        log(
          `  W6 r${r} ${row.id.padEnd(13)} ${fmtS(m.wallS).padStart(7)} cpu ${
            fmtS(m.cpuS).padStart(7)
          } rss ${m.rssMiB?.toFixed(0) ?? "-"} MiB`,
        );
      }
    }
  }
  const med = rows.map((row) => ({
    id: row.id,
    label: row.label,
    wallS: median(row.runs.map((m) => m.wallS)),
    cpuS: median(row.runs.map((m) => m.cpuS)),
    rssMiB: median(row.runs.map((m) => m.rssMiB)),
    ...(row.error === undefined ? {} : { error: row.error }),
  }));
  const get = (id: string) => med.find((m) => m.id === id)!;
  const ratio = (a?: number, b?: number) =>
    a === undefined || b === undefined || b === 0 ? undefined : a / b;
  const ratios = {
    cold: ratio(get("accsr-cold").wallS, get("rclone-check").wallS),
    coldCpu: ratio(get("accsr-cold").cpuS, get("rclone-check").cpuS),
    warm: ratio(get("accsr-warm").wallS, get("rclone-sync").wallS),
    warmCpu: ratio(get("accsr-warm").cpuS, get("rclone-sync").cpuS),
  };
  const f2 = (x?: number) => x === undefined ? "-" : x.toFixed(2);
  const lines = [
    `W6 (scale): ${env.files.toLocaleString("en-US")} files of 100–500 B (${
      (bytes / 2 ** 20).toFixed(1)
    } MiB) already in the bucket and on disk; ${seededBy}${
      seedS === undefined ? "" : ` in ${fmtS(seedS)}`
    }; medians of ${env.reps} pass(es)`,
    ...med.map((m) =>
      `  ${m.label.padEnd(48)} wall ${fmtS(m.wallS).padStart(7)}  CPU ${
        fmtS(m.cpuS).padStart(7)
      }  peak RSS ${m.rssMiB === undefined ? "-" : `${m.rssMiB.toFixed(0)} MiB`}${
        m.error ? `  FAILED ${m.error.split("\n")[0]}` : ""
      }`
    ),
    `  cold / rclone check: wall ${f2(ratios.cold)} (target <= 1.0), CPU ${f2(ratios.coldCpu)}; ` +
    `warm / rclone sync --checksum: wall ${f2(ratios.warm)} (target <= 0.6), CPU ${
      f2(ratios.warmCpu)
    }; accsr peak RSS ${
      get("accsr-cold").rssMiB?.toFixed(0) ?? "-"
    } MiB cold (target <= 250 at 100k)`,
  ];
  return { files: env.files, bytes, seedS, seededBy, rows: med, ratios, lines };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      endpoint: { type: "string" },
      bucket: { type: "string" },
      data: { type: "string" },
      files: { type: "string" },
      reps: { type: "string" },
    },
  });
  const endpoint = {
    url: values.endpoint ?? process.env.S3_ENDPOINT ?? "http://127.0.0.1:18480",
    key: process.env.S3_ACCESS_KEY ?? "test",
    secret: process.env.S3_SECRET_KEY ?? "testtesttest",
  };
  const data = values.data ??
    (existsSync("/dev/shm") ? "/dev/shm/accsr-w6" : path.join(os.tmpdir(), "accsr-w6"));
  const work = await mkdtemp(path.join(os.tmpdir(), "accsr-w6-"));
  try {
    const rclone = which("rclone");
    if (rclone) {
      // the bucket: created by rclone (idempotent)
      const e = rcloneEnv(work, endpoint);
      await writeFile(e.RCLONE_CONFIG, "");
      await run(rclone, ["mkdir", `bench:${values.bucket ?? "bench-w6"}`], { env: e });
    }
    const r = await runW6({
      repo: path.resolve(import.meta.dirname!, "..", ".."),
      work,
      data,
      endpoint,
      bucket: values.bucket ?? "bench-w6",
      files: Number(values.files ?? W6_FILES.full),
      reps: Number(values.reps ?? 1),
    });
    console.log(r.lines.join("\n"));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
