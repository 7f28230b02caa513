/**
 * The start-up breakdown of a no-op (W5: the large files pushed again, unchanged): how much of
 * it is the runtime starting, how much loading accsr's CLI module graph (`accsr --version`),
 * and how much the work (listing, stat, hash cache). Under Deno always; under Node too when the
 * npm build exists (`deno task build:npm` writes the `accsr` binary, `npm/esm/_bin/cli.js`, a
 * bundle; older builds: `npm/esm/cli.js`). Medians of a few runs.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { fmtS, measure, type RunSpec } from "./_util.ts";

/**
 * One row of the breakdown.
 *
 * @example
 * ```ts
 * import type { StartupRow } from "./_startup.ts";
 * const r: StartupRow = { runtime: "deno", step: "runtime start", wallS: 0.02, cpuS: 0.02 };
 * ```
 */
export interface StartupRow {
  /** `deno` or `node`. */
  runtime: string;
  /** What ran. */
  step: string;
  /** Median wall seconds. */
  wallS: number;
  /** Median CPU seconds. */
  cpuS?: number;
}

/**
 * The npm build's `accsr` binary in `repo` (the bundled one when the build made it).
 *
 * @example
 * ```ts
 * import { nodeCliOf } from "./_startup.ts";
 * console.log(nodeCliOf("/work/main")); // /work/main/npm/esm/_bin/cli.js
 * ```
 */
export function nodeCliOf(repo: string): string {
  const bundled = path.join(repo, "npm", "esm", "_bin", "cli.js");
  return existsSync(bundled) ? bundled : path.join(repo, "npm", "esm", "cli.js");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Measures the breakdown. `noop` is accsr's (Deno) W5 command; its CLI arguments are reused
 * for `--version` and for the Node build.
 *
 * @example
 * ```ts
 * import { startupBreakdown } from "./_startup.ts";
 * const rows = await startupBreakdown({ cmd: "deno", args: ["run", "-A", "cli.ts", "push", "x"] }, "/work/main", "/tmp", 3);
 * console.log(rows.length);
 * ```
 */
export async function startupBreakdown(
  noop: RunSpec,
  repo: string,
  workDir: string,
  reps: number,
): Promise<StartupRow[]> {
  const scratch = path.join(workDir, "startup-time.out");
  const empty = path.join(workDir, "empty.mjs");
  await writeFile(empty, "");
  const cliAt = noop.args.findIndex((a) => a.endsWith("cli.ts"));
  const denoPrefix = noop.args.slice(0, cliAt + 1);
  const cliArgs = noop.args.slice(cliAt + 1);
  const nodeCli = nodeCliOf(repo);
  const runs: { runtime: string; step: string; spec: RunSpec }[] = [
    {
      runtime: "deno",
      step: "runtime start (empty script)",
      spec: { ...noop, args: ["run", empty] },
    },
    {
      runtime: "deno",
      step: "+ CLI modules (accsr --version)",
      spec: { ...noop, args: [...denoPrefix, "--version"] },
    },
    { runtime: "deno", step: "+ work (W5 no-op push)", spec: noop },
    {
      runtime: "deno",
      step: "accsr --help (alone)",
      spec: { ...noop, args: [...denoPrefix, "--help"] },
    },
  ];
  if (existsSync(nodeCli)) {
    runs.push(
      {
        runtime: "node",
        step: "runtime start (empty script)",
        spec: { ...noop, cmd: "node", args: [empty] },
      },
      {
        runtime: "node",
        step: "+ CLI modules (accsr --version)",
        spec: { ...noop, cmd: "node", args: [nodeCli, "--version"] },
      },
      {
        runtime: "node",
        step: "+ work (W5 no-op push)",
        spec: { ...noop, cmd: "node", args: [nodeCli, ...cliArgs] },
      },
      {
        runtime: "node",
        step: "accsr --help (alone)",
        spec: { ...noop, cmd: "node", args: [nodeCli, "--help"] },
      },
    );
  }
  const rows: StartupRow[] = [];
  for (const r of runs) {
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < reps; i++) {
      const m = await measure(r.spec, scratch);
      if (m.code !== 0) {
        throw new Error(`${r.runtime} ${r.step} failed (exit ${m.code}): ${m.stderr}`);
      }
      walls.push(m.wallS);
      if (m.cpuS !== undefined) cpus.push(m.cpuS);
    }
    rows.push({
      runtime: r.runtime,
      step: r.step,
      wallS: median(walls),
      cpuS: cpus.length ? median(cpus) : undefined,
    });
  }
  return rows;
}

/**
 * The breakdown as text lines (cumulative figures and the increment of each step).
 *
 * @example
 * ```ts
 * import { startupLines } from "./_startup.ts";
 * console.log(startupLines([{ runtime: "deno", step: "runtime start", wallS: 0.02, cpuS: 0.02 }]).join("\n"));
 * ```
 */
export function startupLines(rows: readonly StartupRow[]): string[] {
  const out: string[] = [];
  let prev: StartupRow | undefined;
  for (const r of rows) {
    if (r.step.endsWith("(alone)")) {
      // not a step of the breakdown: its own figures
      out.push(
        `  ${r.runtime.padEnd(5)} ${r.step.padEnd(32)} wall ${fmtS(r.wallS).padStart(7)}${
          " ".repeat(12)
        }  cpu ${fmtS(r.cpuS).padStart(7)}`,
      );
      continue;
    }
    if (prev?.runtime !== r.runtime) prev = undefined;
    const dWall = prev ? r.wallS - prev.wallS : r.wallS;
    const dCpu = prev && prev.cpuS !== undefined && r.cpuS !== undefined
      ? r.cpuS - prev.cpuS
      : r.cpuS;
    out.push(
      `  ${r.runtime.padEnd(5)} ${r.step.padEnd(32)} wall ${fmtS(r.wallS).padStart(7)} (+${
        fmtS(dWall)
      })  cpu ${fmtS(r.cpuS).padStart(7)} (+${fmtS(dCpu)})`,
    );
    prev = r;
  }
  return out;
}
