/**
 * Azure Blob rows of the benchmark: accsr against rclone's `azureblob` backend (`--transfers 16
 * --checkers 16`, by size and modification time, and with `--checksum`) on Azurite, Microsoft's
 * emulator, on 127.0.0.1. Workloads: A1 push N × 1 KiB, A2 A1 again (no-op), A3 pull the N files
 * into an empty folder, A4 push 2 large files (empty hash cache), A5 A4 again (no-op). Each tool
 * runs as a whole process into its own container and a fresh prefix per pass; the median of the
 * passes is reported (wall, client CPU, peak RSS) with the ratio to the best peer and #17's
 * targets (push ≤ 0.80, no-op ≤ 0.60, pull ≤ 0.75, big push ≤ 0.90, big no-op ≤ 1.0).
 *
 * Azurite: `--azure-endpoint URL`, else `$AZURE_BLOB_ENDPOINT`, else a private one started with
 * `scripts/azurite/start.sh` (free port, its own `AZURITE_RUN_DIR`, stopped by PID at the end).
 * Without Azurite or rclone the rows are skipped with a note (accsr-only rows when only rclone
 * is missing). The account is Azurite's public development account.
 *
 * Standalone: `deno run -A scripts/bench/_azure.ts [--smoke] [--reps N] [--azure-endpoint URL]`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { writeLargeFiles, writeSmallFiles } from "./_data.ts";
import { textTable } from "./_report.ts";
import { countFiles, fmtS, measure, median, run, type RunSpec, tail, which } from "./_util.ts";

const MiB = 2 ** 20;
const ACCOUNT = "devstoreaccount1";
/** Azurite's public, documented development key (not a secret). */
const ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/**
 * Sizes of the Azure rows.
 *
 * @example
 * ```ts
 * import { AZURE_FULL } from "./_azure.ts";
 * console.log(AZURE_FULL.smallFiles); // 2000
 * ```
 */
export interface AzureSizes {
  /** Files of A1–A3. */
  smallFiles: number;
  /** Bytes per small file. */
  smallSize: number;
  /** Files of A4/A5. */
  largeFiles: number;
  /** Bytes per large file. */
  largeSize: number;
  /** Timed passes. */
  reps: number;
}

/** The issue's sizes (2,000 × 1 KiB; 2 × 128 MiB). */
export const AZURE_FULL: AzureSizes = {
  smallFiles: 2000,
  smallSize: 1024,
  largeFiles: 2,
  largeSize: 128 * MiB,
  reps: 3,
};

/** CI smoke sizes. */
export const AZURE_SMOKE: AzureSizes = {
  smallFiles: 40,
  smallSize: 1024,
  largeFiles: 1,
  largeSize: 3 * MiB,
  reps: 1,
};

type Aid = "A1" | "A2" | "A3" | "A4" | "A5";
const TARGETS: Record<Aid, number> = { A1: 0.8, A2: 0.6, A3: 0.75, A4: 0.9, A5: 1.0 };

interface AzTool {
  id: string;
  label: string;
  peer: boolean;
  prepare(container: string, prefix: string, workDir: string): Promise<{
    push(srcRoot: string, name: string): RunSpec;
    pull(name: string, dstRoot: string): RunSpec;
  }>;
}

interface ARun {
  wallS: number;
  cpuS?: number;
  rssMiB?: number;
}

/**
 * What {@linkcode azureBench} hands back: report lines and the raw figures.
 *
 * @example
 * ```ts
 * import type { AzureBenchResult } from "./_azure.ts";
 * function show(r: AzureBenchResult) { console.log(r.lines.join("\n")); }
 * ```
 */
export interface AzureBenchResult {
  /** Report lines (tables, targets, or the reason the rows were skipped). */
  lines: string[];
  /** Medians per tool and workload (JSON output). */
  results: Record<
    string,
    Partial<Record<Aid, { wallS?: number; cpuS?: number; rssMiB?: number; error?: string }>>
  >;
  /** Where Azurite came from, or why the rows were skipped. */
  note: string;
}

/**
 * Options of {@linkcode azureBench}.
 *
 * @example
 * ```ts
 * import type { AzureBenchOptions } from "./_azure.ts";
 * const o: AzureBenchOptions = { repo: ".", work: "/tmp/w", data: "/dev/shm/d", smoke: true };
 * ```
 */
export interface AzureBenchOptions {
  /** Repository root. */
  repo: string;
  /** Scratch folder (configs, Azurite run dir), removed by the caller. */
  work: string;
  /** Data folder (tmpfs when possible), removed by the caller. */
  data: string;
  /** Smoke sizes, one pass. */
  smoke: boolean;
  /** Passes (default from the sizes). */
  reps?: number;
  /** Azurite blob endpoint (`http://127.0.0.1:<port>/devstoreaccount1`); else env / private. */
  endpoint?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

async function startAzurite(
  repo: string,
  runDir: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const env = { AZURITE_RUN_DIR: runDir };
  const r = await run("bash", [path.join(repo, "scripts", "azurite", "start.sh")], { env });
  const m = /AZURE_BLOB_ENDPOINT=(\S+)/.exec(r.stdout);
  if (r.code !== 0 || m === null) {
    throw new Error(`scripts/azurite/start.sh failed: ${tail(r.stdout + r.stderr, 4)}`);
  }
  return {
    url: m[1],
    stop: async () => {
      await run("bash", [path.join(repo, "scripts", "azurite", "stop.sh")], { env });
    },
  };
}

function accsrTool(repo: string, endpoint: string): AzTool {
  const cli = path.join(repo, "cli.ts");
  const base = ["run", "-A", "--config", path.join(repo, "deno.json"), cli];
  return {
    id: "accsr",
    label: "accsr",
    peer: false,
    async prepare(container, prefix, workDir) {
      const cwd = path.join(workDir, "accsr-cwd");
      await mkdir(cwd, { recursive: true });
      const remote = {
        provider: "azure_blobs",
        endpoint,
        key: ACCOUNT,
        secret: ACCOUNT_KEY,
        bucket: container,
        base_path: prefix,
      };
      await writeFile(path.join(cwd, "config.json"), JSON.stringify({ remote_storage: remote }));
      const cacheDir = path.join(workDir, "accsr-hash-cache");
      const spec = (args: string[]): RunSpec => ({
        cmd: Deno.execPath(),
        args: [...base, ...args],
        cwd,
        env: { ACCSR_CACHE_DIR: cacheDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      });
      const cb = spec(["create-bucket"]); // untimed; warms Deno's module cache too
      const r = await run(cb.cmd, cb.args, { cwd, env: cb.env });
      if (r.code !== 0) throw new Error(`accsr create-bucket: ${tail(r.stdout + r.stderr, 6)}`);
      return {
        push: (srcRoot, name) =>
          spec(["push", path.join(srcRoot, name), "--local-path-prefix", srcRoot, "--no-progress"]),
        pull: (name, dstRoot) => spec(["pull", name, "--to", dstRoot, "--no-progress"]),
      };
    },
  };
}

function rcloneTool(
  bin: string,
  endpoint: string,
  id: string,
  label: string,
  flags: string[],
): AzTool {
  return {
    id,
    label,
    peer: true,
    async prepare(container, prefix, workDir) {
      const conf = path.join(workDir, "rclone.conf");
      await writeFile(conf, "");
      // rclone 1.60 takes `endpoint` as a host suffix (https://<account>.<endpoint>): an
      // Azurite URL goes in as an account SAS URL instead
      const env = {
        RCLONE_CONFIG: conf,
        RCLONE_CONFIG_AZ_TYPE: "azureblob",
        RCLONE_CONFIG_AZ_SAS_URL: `${endpoint}?${accountSas()}`,
      };
      const r = await run(bin, ["mkdir", `az:${container}`], { env });
      if (r.code !== 0) throw new Error(`rclone mkdir: ${tail(r.stdout + r.stderr, 4)}`);
      const common = ["--transfers", "16", "--checkers", "16", "-q", ...flags];
      const remote = (name: string) => `az:${container}/${prefix}/${name}`;
      return {
        push: (srcRoot, name) => ({
          cmd: bin,
          args: ["copy", path.join(srcRoot, name), remote(name), ...common],
          env,
        }),
        pull: (name, dstRoot) => ({
          cmd: bin,
          args: ["copy", remote(name), path.join(dstRoot, name), ...common],
          env,
        }),
      };
    },
  };
}

/** An account SAS (blob service, every right, one day) signed with the development key. */
function accountSas(): string {
  const f = {
    sv: "2020-10-02",
    ss: "b",
    srt: "sco",
    sp: "rwdlacup",
    se: new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    spr: "https,http",
  };
  const toSign = [ACCOUNT, f.sp, f.ss, f.srt, "", f.se, "", f.spr, f.sv, ""].join("\n");
  const sig = createHmac("sha256", Buffer.from(ACCOUNT_KEY, "base64")).update(toSign, "utf8")
    .digest("base64");
  return new URLSearchParams({ ...f, sig }).toString();
}

/** Deletes a container through the Blob REST API (signed with the development key). */
async function deleteContainer(endpoint: string, container: string): Promise<void> {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import(
    "npm:@azure/storage-blob@~12.32.0"
  );
  const client = new BlobServiceClient(
    endpoint,
    new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY),
  );
  await client.getContainerClient(container).deleteIfExists();
}

/**
 * Runs the Azure rows; never throws for a missing Azurite or rclone (the rows are skipped
 * with a note), throws when accsr itself fails.
 *
 * @example
 * ```ts
 * import { azureBench } from "./_azure.ts";
 * const r = await azureBench({ repo: ".", work: "/tmp/w", data: "/tmp/d", smoke: true });
 * console.log(r.lines.join("\n"));
 * ```
 */
export async function azureBench(o: AzureBenchOptions): Promise<AzureBenchResult> {
  const log = o.log ?? ((l: string) => console.error(l));
  const sizes: AzureSizes = { ...(o.smoke ? AZURE_SMOKE : AZURE_FULL) };
  if (o.reps !== undefined) sizes.reps = o.reps;
  const skipped = (why: string): AzureBenchResult => ({
    lines: [`Azure Blob rows skipped: ${why}`],
    results: {},
    note: why,
  });
  let endpoint = o.endpoint ?? process.env.AZURE_BLOB_ENDPOINT?.trim();
  let note: string;
  let stop: (() => Promise<void>) | undefined;
  if (endpoint) {
    endpoint = endpoint.replace(/\/+$/, "");
    note = `existing Azurite at ${endpoint}`;
  } else {
    try {
      const started = await startAzurite(o.repo, path.join(o.work, "azurite"));
      endpoint = started.url;
      stop = started.stop;
      note = `private Azurite (in memory) at ${endpoint}, stopped by PID at the end`;
    } catch (e) {
      return skipped(`no Azurite (${String(e).split("\n")[0]})`);
    }
  }
  try {
    const rclone = which("rclone");
    const tools: AzTool[] = [accsrTool(o.repo, endpoint)];
    if (rclone) {
      tools.push(rcloneTool(rclone, endpoint, "rclone", "rclone", []));
      tools.push(
        rcloneTool(rclone, endpoint, "rclone-checksum", "rclone --checksum", ["--checksum"]),
      );
    } else note += "; rclone not installed: accsr rows only";
    log(`Azure rows: ${note}`);

    const src = path.join(o.data, "azure-src");
    await writeSmallFiles(path.join(src, "a1"), {
      count: sizes.smallFiles,
      size: sizes.smallSize,
      perDir: 100,
      seed: 11,
    });
    await writeLargeFiles(path.join(src, "a4"), {
      count: sizes.largeFiles,
      size: sizes.largeSize,
      seed: 14,
    });
    const ids: Aid[] = ["A1", "A2", "A3", "A4", "A5"];
    const runs: Record<string, Partial<Record<Aid, ARun[]>>> = {};
    const errors: Record<string, Partial<Record<Aid, string>>> = {};
    const runId = Date.now().toString(36);
    const scratch = path.join(o.work, "azure-time.out");
    for (let r = 1; r <= sizes.reps; r++) {
      for (const t of tools) {
        const container = `bench-${runId}-${t.id}-r${r}`;
        const workDir = path.join(o.work, `azure-${t.id}-r${r}`);
        await mkdir(workDir, { recursive: true });
        runs[t.id] ??= {};
        errors[t.id] ??= {};
        try {
          const cmds = await t.prepare(container, `r${r}`, workDir);
          for (const id of ids) {
            const name = id === "A4" || id === "A5" ? "a4" : "a1";
            const dst = path.join(o.data, "azure-pull", `${t.id}-r${r}`);
            const spec = id === "A3" ? cmds.pull(name, dst) : cmds.push(src, name);
            const m = await measure(spec, scratch);
            let problem = m.code !== 0
              ? `exit ${m.code}: ${tail(m.stderr || m.stdout, 6)}`
              : undefined;
            if (!problem && id === "A3") {
              const n = await countFiles(path.join(dst, name));
              if (n !== sizes.smallFiles) {
                problem = `${n} files pulled, expected ${sizes.smallFiles}`;
              }
              await rm(dst, { recursive: true, force: true });
            }
            log(
              `  r${r} azure ${t.id.padEnd(16)} ${id} ${fmtS(m.wallS).padStart(7)} cpu ${
                fmtS(m.cpuS).padStart(7)
              } rss ${m.rssMiB?.toFixed(0) ?? "-"} MiB${
                problem ? `  FAILED ${problem.split("\n")[0]}` : ""
              }`,
            );
            if (problem) {
              if (!t.peer) throw new Error(`accsr ${id} on Azure failed: ${problem}`);
              errors[t.id][id] = problem;
              break;
            }
            (runs[t.id][id] ??= []).push({ wallS: m.wallS, cpuS: m.cpuS, rssMiB: m.rssMiB });
          }
        } catch (e) {
          if (!t.peer) throw e;
          errors[t.id].A1 ??= String(e);
        } finally {
          // Azurite keeps blobs in memory: free them after each pass
          await deleteContainer(endpoint, container).catch((e) =>
            log(`  cleanup ${container}: ${e}`)
          );
        }
      }
    }

    const results: AzureBenchResult["results"] = {};
    for (const t of tools) {
      results[t.id] = {};
      for (const id of ids) {
        const rs = runs[t.id]?.[id] ?? [];
        results[t.id][id] = {
          wallS: median(rs.map((x) => x.wallS)),
          cpuS: median(rs.map((x) => x.cpuS)),
          rssMiB: median(rs.map((x) => x.rssMiB)),
          error: errors[t.id]?.[id],
        };
      }
    }
    const n = sizes.smallFiles.toLocaleString("en-US");
    const labels: Record<Aid, string> = {
      A1: `push ${n} × ${sizes.smallSize / 1024} KiB`,
      A2: "A1 again, unchanged",
      A3: `pull the ${n} files`,
      A4: `push ${sizes.largeFiles} × ${sizes.largeSize / MiB} MiB`,
      A5: "A4 again, unchanged",
    };
    const cell = (t: AzTool, id: Aid, f: "wallS" | "cpuS" | "rssMiB") => {
      const c = results[t.id][id];
      if (c?.error) return "failed";
      const v = c?.[f];
      return v === undefined ? "-" : f === "rssMiB" ? `${v.toFixed(0)}` : fmtS(v);
    };
    const best = (id: Aid) => {
      let b: { label: string; wallS: number } | undefined;
      for (const t of tools) {
        const w = results[t.id][id]?.wallS;
        if (
          t.peer && w !== undefined && !results[t.id][id]?.error && (b === undefined || w < b.wallS)
        ) {
          b = { label: t.label, wallS: w };
        }
      }
      return b;
    };
    const table = (title: string, f: "wallS" | "cpuS" | "rssMiB") =>
      textTable([
        [title, ...tools.map((t) => t.label), ...(f === "wallS" ? ["accsr / best peer"] : [])],
        ...ids.map((id) => {
          const b = best(id);
          const a = results.accsr[id]?.wallS;
          return [
            `${id} ${labels[id]}`,
            ...tools.map((t) => cell(t, id, f)),
            ...(f === "wallS" ? [b && a !== undefined ? (a / b.wallS).toFixed(2) : "-"] : []),
          ];
        }),
      ]);
    const targets = ids.map((id) => {
      const b = best(id);
      const a = results.accsr[id]?.wallS;
      const ratio = b && a !== undefined ? a / b.wallS : undefined;
      const status = o.smoke
        ? "smoke: not judged"
        : ratio === undefined
        ? "no peer"
        : ratio <= TARGETS[id]
        ? "met"
        : `NOT met (${(ratio / TARGETS[id]).toFixed(2)}× the target)`;
      return [
        `${id} ≤ ${TARGETS[id].toFixed(2)}× best peer`,
        ratio === undefined ? "-" : `${ratio.toFixed(2)} (vs ${b!.label})`,
        status,
      ];
    });
    const lines = [
      `Azure Blob (${note}; median of ${sizes.reps} pass(es); rclone azureblob --transfers 16 --checkers 16, account SAS):`,
      table("wall", "wallS"),
      "",
      table("client CPU (user+sys)", "cpuS"),
      "",
      table("peak RSS MiB", "rssMiB"),
      "",
      textTable([["Azure target", "measured", "status"], ...targets]),
    ];
    return { lines, results, note };
  } finally {
    await stop?.();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      smoke: { type: "boolean", default: false },
      reps: { type: "string" },
      "azure-endpoint": { type: "string" },
    },
  });
  const repo = path.resolve(import.meta.dirname!, "..", "..");
  const work = await mkdtemp(path.join(os.tmpdir(), "accsr-bench-az-"));
  const data = await mkdtemp(path.join("/dev/shm", "accsr-bench-az-"));
  try {
    const r = await azureBench({
      repo,
      work,
      data,
      smoke: values.smoke!,
      reps: values.reps === undefined ? undefined : Number(values.reps),
      endpoint: values["azure-endpoint"],
    });
    console.log(r.lines.join("\n"));
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(data, { recursive: true, force: true });
  }
}
