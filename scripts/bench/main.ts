/**
 * `deno task bench`: accsr against rclone, `aws s3 sync` and s3-sync-client on a private Ceph
 * radosgw (127.0.0.1 only). Workloads: W1 push 5,000 × 1 KiB files into an empty prefix, W2
 * the same push again (nothing changed), W3 pull them into an empty folder, W4 push 4 × 256
 * MiB, W5 W4 again; plus a memory check (dry-run plan of 100,000 tiny files) and W6 (scale:
 * 100,000 files of 100–500 B already in the bucket, see `_w6.ts`). Every tool runs
 * as a whole process into its own bucket and a fresh prefix per pass; the median of 3 passes
 * is reported, with wall time, client CPU, peak RSS and (from a separate pass through a
 * counting proxy) request counts, and the issue's targets are judged.
 *
 * Usage: `deno run -A scripts/bench/main.ts [--smoke] [--out FILE] [--reps N] [--no-azure]
 *   [--tools accsr,rclone,…] [--endpoint URL] [--install | --no-install] [--no-count]`
 *
 * - `--smoke`: few files, tiny sizes, 1 pass, 2,000-file plan; finishes well within 60 s;
 *   installs nothing unless `--install` (peers that are missing are skipped with a note); uses
 *   the S3 server of `$S3_ENDPOINT` if set, else starts its own, else falls back to accsr's
 *   `file` provider (no peers). Never fails on a number, only when accsr errors.
 * - `--endpoint URL`: use a running S3 server (key/secret from `$S3_ACCESS_KEY` /
 *   `$S3_SECRET_KEY`, default test/testtesttest) instead of starting one.
 * - `--out FILE`: also write every result as JSON.
 * - Azure Blob rows (A1–A5, accsr vs rclone azureblob on Azurite, `_azure.ts`): on Azurite at
 *   `--azure-endpoint URL`, else `$AZURE_BLOB_ENDPOINT`, else a private one on a free port;
 *   skipped with a note when Azurite cannot start; `--no-azure` leaves them out.
 *
 * The private server uses S3 port 27480, MON 26789, OSD 26800-26899 and its own RUN_DIR under
 * a temporary folder; it is stopped by PID on exit (also on Ctrl-C).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { writeLargeFiles, writeSmallFiles } from "./_data.ts";
import { type CountingProxy, startProxy } from "./_proxy.ts";
import { nodeCliOf, startupBreakdown, startupLines } from "./_startup.ts";
import { nodeParityLines } from "./_node.ts";
import { credentialBench, credentialLines, type CredentialResult } from "./_credentials.ts";
import { runW6, W6_FILES, type W6Result } from "./_w6.ts";
import { azureBench, type AzureBenchResult } from "./_azure.ts";
import {
  type Cell,
  checkTargets,
  type Column,
  renderTables,
  type Results,
  summarize,
  textTable,
  type Workload,
  type WorkloadId,
} from "./_report.ts";
import { Admin, type S3Endpoint, type Server, startServer } from "./_server.ts";
import {
  accsrPlanSpec,
  type Commands,
  defaultNpmCache,
  detectTools,
  prepareAccsrCwd,
  type Target,
  type Tool,
} from "./_tools.ts";
import { countFiles, ensureGnuTime, fmtS, measure, type RunSpec, tail } from "./_util.ts";

const MiB = 2 ** 20;

/**
 * Sizes of one benchmark mode.
 *
 * @example
 * ```ts
 * import { FULL } from "./main.ts";
 * console.log(FULL.smallFiles); // 5000
 * ```
 */
export interface Sizes {
  /** Files of W1–W3. */
  smallFiles: number;
  /** Bytes per small file. */
  smallSize: number;
  /** Files of W4/W5. */
  largeFiles: number;
  /** Bytes per large file. */
  largeSize: number;
  /** Files of the memory check. */
  planFiles: number;
  /** Timed passes. */
  reps: number;
  /** Memstore capacity of the private server. */
  memstoreBytes: number;
}

/** The issue's sizes. */
export const FULL: Sizes = {
  smallFiles: 5000,
  smallSize: 1024,
  largeFiles: 4,
  largeSize: 256 * MiB,
  planFiles: 100_000,
  reps: 3,
  memstoreBytes: 12 * 1024 * MiB,
};

/** CI smoke sizes. */
export const SMOKE: Sizes = {
  smallFiles: 50,
  smallSize: 1024,
  largeFiles: 2,
  largeSize: 3 * MiB,
  planFiles: 2000,
  reps: 1,
  memstoreBytes: 1024 * MiB,
};

/** Ports of the private server (distinct from the dev server and the test task's). */
const PORTS = { s3: 27480, mon: 26789, msMin: 26800, msMax: 26899 };

class AccsrError extends Error {
  override name = "AccsrError";
}

function log(msg: string): void {
  console.error(msg);
}

function workloadsFor(s: Sizes): Workload[] {
  const n = s.smallFiles.toLocaleString("en-US");
  const small = s.smallSize >= 1024 ? `${s.smallSize / 1024} KiB` : `${s.smallSize} B`;
  const big = `${s.largeSize / MiB} MiB`;
  return [
    {
      id: "W1",
      label: `push ${n} × ${small}`,
      files: s.smallFiles,
      bytes: s.smallFiles * s.smallSize,
    },
    {
      id: "W2",
      label: "W1 again, unchanged",
      files: s.smallFiles,
      bytes: s.smallFiles * s.smallSize,
    },
    { id: "W3", label: `pull ${n} files`, files: s.smallFiles, bytes: s.smallFiles * s.smallSize },
    {
      id: "W4",
      label: `push ${s.largeFiles} × ${big}`,
      files: s.largeFiles,
      bytes: s.largeFiles * s.largeSize,
    },
    {
      id: "W5",
      label: "W4 again, unchanged",
      files: s.largeFiles,
      bytes: s.largeFiles * s.largeSize,
    },
  ];
}

/**
 * Runs the benchmark; returns the exit code (1 only when accsr itself failed or, outside
 * smoke mode, when the S3 server could not be started).
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * Deno.exit(await main(["--smoke"]));
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const { values: flags } = parseArgs({
    args: argv,
    options: {
      smoke: { type: "boolean", default: false },
      out: { type: "string" },
      reps: { type: "string" },
      tools: { type: "string" },
      endpoint: { type: "string" },
      install: { type: "boolean" },
      "no-install": { type: "boolean" },
      "no-count": { type: "boolean", default: false },
      "no-azure": { type: "boolean", default: false },
      "azure-endpoint": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (flags.help) {
    console.log(
      "deno task bench [--smoke] [--out FILE] [--reps N] [--tools accsr,rclone,rclone-nohead,rclone-checksum,aws,s3-sync-client]\n" +
        "                [--endpoint URL] [--install | --no-install] [--no-count]\n" +
        "                [--no-azure] [--azure-endpoint URL]",
    );
    return 0;
  }
  const smoke = flags.smoke!;
  const sizes: Sizes = { ...(smoke ? SMOKE : FULL) };
  if (flags.reps !== undefined) sizes.reps = Math.max(1, Number(flags.reps) | 0);
  const install = flags["no-install"] ? false : flags.install ?? !smoke;
  const repo = path.resolve(import.meta.dirname!, "..", "..");
  const started = Date.now();
  const load = () => os.loadavg().map((x) => x.toFixed(1)).join(" ");
  const loadStart = load();

  const cleanups: (() => Promise<void> | void)[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        log(`cleanup: ${e}`);
      }
    }
  };
  const onSignal = () => {
    log("interrupted: cleaning up");
    cleanup().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  cleanups.push(() => {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  });

  try {
    const work = await mkdtemp(path.join(os.tmpdir(), "accsr-bench-"));
    cleanups.push(() => rm(work, { recursive: true, force: true }));
    const shmOk = existsSync("/dev/shm") && (await Deno.stat("/dev/shm")).isDirectory;
    const data = await mkdtemp(path.join(shmOk ? "/dev/shm" : os.tmpdir(), "accsr-bench-"));
    cleanups.push(() => rm(data, { recursive: true, force: true }));
    const gnuTime = await ensureGnuTime(install);

    // ---- S3 server
    let endpoint: S3Endpoint | undefined;
    let server: Server | undefined;
    let serverNote: string;
    const envEndpoint = smoke ? process.env.S3_ENDPOINT : undefined;
    if (flags.endpoint || envEndpoint) {
      endpoint = {
        url: (flags.endpoint ?? envEndpoint)!,
        key: process.env.S3_ACCESS_KEY ?? "test",
        secret: process.env.S3_SECRET_KEY ?? "testtesttest",
      };
      serverNote = `existing S3 server at ${endpoint.url}`;
    } else {
      log(`starting a private Ceph radosgw on 127.0.0.1:${PORTS.s3} …`);
      try {
        server = await startServer(
          {
            repo,
            runDir: path.join(work, "ceph"),
            port: PORTS.s3,
            monPort: PORTS.mon,
            msPortMin: PORTS.msMin,
            msPortMax: PORTS.msMax,
            memstoreBytes: sizes.memstoreBytes,
          },
          install ||
            existsSync(path.join(process.env.CEPH_ROOT ?? "/tmp/ceph-rgw/root", "usr/bin/radosgw")),
        );
        cleanups.push(() => server!.stop());
        endpoint = server.endpoint;
        serverNote =
          `private Ceph radosgw (memstore ${
            sizes.memstoreBytes / 1024 / MiB
          } GiB) at ${endpoint.url}, ` +
          `MON ${PORTS.mon}, OSD ${PORTS.msMin}-${PORTS.msMax}, stopped by PID at exit`;
      } catch (e) {
        if (!smoke) throw e;
        serverNote = `no S3 server (${
          String(e).split("\n")[0]
        }): smoke run of accsr on its file provider only`;
      }
    }

    // ---- tools
    const all = await detectTools({ repo, workDir: work, install, npmCache: defaultNpmCache() });
    const wanted = flags.tools?.split(",").map((t) => t.trim());
    const tools = all.filter((t) =>
      (wanted === undefined || wanted.includes(t.id)) && (endpoint || !t.peer)
    );
    if (!tools.some((t) => t.id === "accsr")) tools.unshift(all[0]);
    const runnable = tools.filter((t) => t.available);
    const columns: Column[] = runnable.map((t) => ({
      id: t.id,
      label: t.label,
      peer: t.peer,
      family: t.family,
    }));

    // ---- data
    const workloads = workloadsFor(sizes);
    const src = path.join(data, "src");
    log(`generating data under ${src} …`);
    const tGen = performance.now();
    await writeSmallFiles(path.join(src, "w1"), {
      count: sizes.smallFiles,
      size: sizes.smallSize,
      perDir: 100,
      seed: 1,
    });
    await writeLargeFiles(path.join(src, "w4"), {
      count: sizes.largeFiles,
      size: sizes.largeSize,
      seed: 4,
    });
    const genS = (performance.now() - tGen) / 1000;

    // ---- header
    const header = [
      `accsr benchmark (${smoke ? "SMOKE: tiny sizes, numbers not judged" : "full"}) — ${
        new Date().toISOString()
      }`,
      `machine: ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ""}, ${
        (os.totalmem() / 2 ** 30).toFixed(1)
      } GiB RAM, ` +
      `${Deno.build.os}/${Deno.build.arch}, deno ${Deno.version.deno}; load average at start ${loadStart} ` +
      `(other processes compete for the CPUs when it is above ${os.cpus().length})`,
      `server: ${serverNote}`,
      `data: generated deterministically (seeded xorshift128, ${fmtS(genS)}) under ${src} ` +
      `(${shmOk ? "tmpfs /dev/shm" : "NOT tmpfs: /dev/shm missing"}); W3 pulls into ${
        path.join(data, "pull")
      } (same filesystem)`,
      `method: each tool as a whole process, own bucket, fresh prefix per pass; median of ${sizes.reps} pass(es); ` +
      `CPU/RSS ${
        gnuTime ? "by GNU time (%U+%S, %M)" : "by bash `times` (no RSS: GNU time missing)"
      }; ` +
      `requests from ${
        flags["no-count"] || !endpoint ? "no" : smoke ? "an accsr-only" : "a separate"
      } counting-proxy pass`,
      "tools:",
      ...all.map((t) =>
        `  ${t.label.padEnd(20)} ${
          t.available
            ? `${t.version ?? ""}${t.note ? ` — ${t.note}` : ""}`
            : `SKIPPED: ${t.note ?? "not available"}`
        }${
          t.available && !runnable.includes(t)
            ? " (not selected)"
            : !endpoint && t.peer
            ? " (no S3 server)"
            : ""
        }`
      ),
      "accsr: concurrency 16 (default), hash cache in a fresh ACCSR_CACHE_DIR per pass (W2/W5 may use what W1/W4 cached), DENO_NO_UPDATE_CHECK=1",
    ];
    log(header.join("\n"));

    // ---- buckets
    const admin = endpoint ? new Admin(endpoint) : undefined;
    if (admin) cleanups.push(() => admin.close());
    const runId = `${Date.now().toString(36)}`;
    const bucketOf = (t: Tool) => `bench-${runId}-${t.id}`;
    if (admin) { for (const t of runnable) await admin.createBucket(bucketOf(t)); }

    const results: Results = {};
    for (const t of runnable) results[t.id] = {};
    const scratch = path.join(work, "time.out");
    const fileRoot = path.join(work, "filestore");

    const runTool = async (tool: Tool, pass: string, proxy?: CountingProxy) => {
      const workDir = path.join(work, `${tool.id}-${pass}`);
      await mkdir(workDir, { recursive: true });
      const target: Target = {
        endpoint: proxy ? proxy.url : endpoint?.url,
        key: endpoint?.key ?? "",
        secret: endpoint?.secret ?? "",
        bucket: bucketOf(tool),
        prefix: pass,
        fileRoot: endpoint ? undefined : fileRoot,
      };
      let cmds: Commands;
      try {
        cmds = await tool.prepare(target, workDir);
      } catch (e) {
        if (!tool.peer) throw new AccsrError(String(e));
        for (const w of workloads) results[tool.id][w.id] ??= { runs: [], error: `prepare: ${e}` };
        return;
      }
      const failed = new Set<WorkloadId>();
      for (const w of workloads) {
        if (tool.workloads !== undefined && !tool.workloads.includes(w.id)) continue;
        const cell: Cell = (results[tool.id][w.id] ??= { runs: [] });
        const dep = w.id === "W2" || w.id === "W3" ? "W1" : w.id === "W5" ? "W4" : undefined;
        if (dep && failed.has(dep)) {
          failed.add(w.id);
          continue;
        }
        const name = w.id === "W4" || w.id === "W5" ? "w4" : "w1";
        const dst = path.join(data, "pull", `${tool.id}-${pass}`);
        const spec: RunSpec = w.id === "W3" ? cmds.pull(name, dst) : cmds.push(src, name);
        proxy?.reset();
        const m = await measure(spec, scratch);
        let problem = m.code !== 0 ? `exit ${m.code}: ${tail(m.stderr || m.stdout, 6)}` : undefined;
        if (!problem && (w.id === "W1" || w.id === "W4") && admin) {
          const n = await admin.count(target.bucket, `${pass}/${name}/`);
          if (n !== w.files) {
            problem = `${n} objects below ${pass}/${name}/ after the push, expected ${w.files}`;
          }
        }
        if (!problem && w.id === "W3") {
          const n = await countFiles(path.join(dst, name));
          if (n !== w.files) problem = `${n} files pulled, expected ${w.files}`;
          await rm(dst, { recursive: true, force: true });
        }
        log(
          `  ${pass.padEnd(5)} ${tool.id.padEnd(16)} ${w.id} ${fmtS(m.wallS).padStart(7)} cpu ${
            fmtS(m.cpuS).padStart(7)
          } rss ${m.rssMiB?.toFixed(0) ?? "-"} MiB${proxy ? ` req ${proxy.counts().total}` : ""}${
            problem ? `  FAILED ${problem.split("\n")[0]}` : ""
          }`,
        );
        if (problem) {
          if (!tool.peer) {
            throw new AccsrError(
              `accsr ${w.id} (${pass}) failed: ${problem}\n${spec.cmd} ${spec.args.join(" ")}`,
            );
          }
          failed.add(w.id);
          cell.error = problem;
          continue;
        }
        if (proxy) cell.requests = proxy.counts();
        else {cell.runs.push({
            wallS: m.wallS,
            cpuS: m.cpuS,
            rssMiB: m.rssMiB,
            load1: os.loadavg()[0],
          });}
      }
      // free the memstore: large objects are only gone once radosgw's GC ran
      if (admin) {
        await admin.empty(target.bucket, `${pass}/w4/`);
        await server?.collectGarbage();
      }
    };

    for (let r = 1; r <= sizes.reps; r++) {
      for (const t of runnable) await runTool(t, `r${r}`);
    }
    if (!flags["no-count"] && endpoint) {
      const proxy = await startProxy(endpoint.url);
      cleanups.push(() => proxy.close());
      // smoke: only accsr's counting pass (keeps the CI run short; peers' counts are not news)
      for (const t of runnable) {
        if ((!smoke || !t.peer) && t.id !== "accsr-node") await runTool(t, "count", proxy);
      }
    }
    summarize(results);

    // ---- memory check
    log(`memory check: generating ${sizes.planFiles} tiny files …`);
    const planDir = path.join(data, "plan");
    await writeSmallFiles(planDir, { count: sizes.planFiles, size: 16, perDir: 1000, seed: 7 });
    const planCwd = path.join(work, "plan-cwd");
    await prepareAccsrCwd({
      endpoint: endpoint?.url,
      key: endpoint?.key ?? "",
      secret: endpoint?.secret ?? "",
      bucket: bucketOf(all[0]),
      prefix: "plan",
      fileRoot: endpoint ? undefined : fileRoot,
    }, planCwd);
    const pm = await measure(
      accsrPlanSpec(repo, planCwd, planDir, data, path.join(work, "plan-cache")),
      scratch,
    );
    let planned: { files: number; toSync: number } | undefined;
    try {
      planned = JSON.parse(pm.stdout.trim().split("\n").pop() ?? "");
    } catch { /* reported below */ }
    if (pm.code !== 0 || planned?.files !== sizes.planFiles) {
      throw new AccsrError(
        `accsr plan of ${sizes.planFiles} files failed (exit ${pm.code}):\n${
          tail(pm.stderr + pm.stdout)
        }`,
      );
    }
    await rm(planDir, { recursive: true, force: true });
    const plan = { files: sizes.planFiles, wallS: pm.wallS, cpuS: pm.cpuS, rssMiB: pm.rssMiB };

    // ---- W6: scale (100,000 tiny files already in the bucket; 1,000 in smoke mode)
    let w6: W6Result | undefined;
    if (endpoint && admin && existsSync(path.join(repo, "cli.ts"))) {
      const w6Bucket = `bench-${runId}-w6`;
      await admin.createBucket(w6Bucket);
      cleanups.push(() => admin.empty(w6Bucket, ""));
      try {
        w6 = await runW6({
          repo,
          work: path.join(work, "w6"),
          data,
          endpoint,
          bucket: w6Bucket,
          files: smoke ? W6_FILES.smoke : W6_FILES.full,
          reps: sizes.reps,
          log,
        });
      } catch (e) {
        throw new AccsrError(String(e));
      }
    }

    // ---- start-up breakdown of a no-op (W5) under Deno (and Node when the npm build exists)
    log("start-up breakdown …");
    const accsrTool = runnable.find((t) => t.id === "accsr")!;
    const suTarget: Target = {
      endpoint: endpoint?.url,
      key: endpoint?.key ?? "",
      secret: endpoint?.secret ?? "",
      bucket: bucketOf(accsrTool),
      prefix: "startup",
      fileRoot: endpoint ? undefined : fileRoot,
    };
    const suDir = path.join(work, "accsr-startup");
    await mkdir(suDir, { recursive: true });
    const noop = (await accsrTool.prepare(suTarget, suDir)).push(src, "w4");
    const first = await measure(noop, scratch); // uploads once; the timed runs are no-ops
    if (first.code !== 0) throw new AccsrError(`accsr start-up push failed: ${tail(first.stderr)}`);
    const startup = await startupBreakdown(noop, repo, suDir, smoke ? 1 : 5);
    if (admin) {
      await admin.empty(suTarget.bucket, "startup/w4/");
      await server?.collectGarbage();
    }

    // ---- credential chain vs static keys (S3 only)
    let credentials: CredentialResult | undefined;
    if (endpoint) {
      log("credential chain vs static keys …");
      credentials = await credentialBench({
        repo,
        endpoint,
        bucket: bucketOf(accsrTool),
        files: smoke ? 20 : 2000,
        reps: sizes.reps,
        work,
      }).catch((e) => {
        throw new AccsrError(String(e));
      });
    }
    // ---- Azure Blob rows vs rclone azureblob (scripts/bench/_azure.ts)
    const azure: AzureBenchResult | undefined = flags["no-azure"] ? undefined : await azureBench({
      repo,
      work,
      data,
      smoke,
      reps: flags.reps === undefined ? undefined : sizes.reps,
      endpoint: flags["azure-endpoint"],
      log,
    });

    // ---- report
    const targets = checkTargets(results, columns, sizes.largeFiles * sizes.largeSize, plan, smoke);
    const report = [
      "",
      renderTables(results, columns, workloads),
      "",
      `Memory check: accsr push --dry-run plan of ${
        plan.files.toLocaleString("en-US")
      } tiny files (library driver, empty prefix): ` +
      `peak RSS ${plan.rssMiB?.toFixed(0) ?? "-"} MiB, wall ${fmtS(plan.wallS)}, CPU ${
        fmtS(plan.cpuS)
      }`,
      "",
      ...(w6 ? [...w6.lines, ""] : ["W6: not run (needs an S3 server and cli.ts)", ""]),
      "Start-up breakdown of a no-op push (W5), medians; each step includes the ones above it:",
      ...startupLines(startup),
      existsSync(nodeCliOf(repo))
        ? `  (node rows: the npm build's binary, ${path.relative(repo, nodeCliOf(repo))})`
        : "  (no node rows: run `deno task build:npm` first to measure the npm build under Node)",
      ...(results["accsr-node"] ? ["", ...nodeParityLines(results)] : []),
      ...(credentials ? ["", ...credentialLines(credentials, smoke)] : []),
      ...(azure === undefined ? [] : ["", ...azure.lines]),
      "",
      "Targets",
      textTable([
        ["target", "measured", "status"],
        ...targets.map((t) => [t.name, t.figure, t.status]),
      ]),
    ];
    const failures = Object.entries(results).flatMap(([id, byW]) =>
      Object.entries(byW).filter(([, c]) => c?.error).map(([w, c]) =>
        `  ${id} ${w}: ${c!.error!.split("\n")[0]}`
      )
    );
    if (failures.length > 0) report.push("", "Peer failures (not counted):", ...failures);
    report.push(
      "",
      `total bench time ${fmtS((Date.now() - started) / 1000)}; load average at the end ${load()}`,
    );
    console.log([...header, ...report].join("\n"));

    if (flags.out) {
      await writeFile(
        flags.out,
        JSON.stringify(
          {
            mode: smoke ? "smoke" : "full",
            date: new Date(started).toISOString(),
            header,
            sizes,
            server: serverNote,
            dataDir: src,
            tmpfs: shmOk,
            tools: all.map((t) => ({
              id: t.id,
              label: t.label,
              available: t.available,
              version: t.version,
              note: t.note,
            })),
            workloads,
            results,
            memoryCheck: plan,
            w6: w6 && { files: w6.files, rows: w6.rows, ratios: w6.ratios, seededBy: w6.seededBy },
            startup,
            credentials,
            targets,
            azure: azure === undefined ? undefined : { note: azure.note, results: azure.results },
          },
          null,
          2,
        ) + "\n",
      );
      log(`results written to ${flags.out}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof AccsrError) {
      console.error(`error: accsr failed: ${e.message}`);
      return 1;
    }
    console.error(`error: ${e instanceof Error ? e.stack ?? e.message : e}`);
    return 1;
  } finally {
    await cleanup();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
