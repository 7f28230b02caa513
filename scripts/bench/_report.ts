/**
 * Results of the benchmark and their presentation: median per tool and workload, the tables
 * (wall time, CPU, RSS, requests; best rclone variant marked; accsr / best peer ratio; W4
 * throughput) and the targets, each MET / NOT MET.
 *
 * @module
 */
import type { Counts } from "./_proxy.ts";
import { fmtS, median } from "./_util.ts";

/** Workload ids. */
export type WorkloadId = "W1" | "W2" | "W3" | "W4" | "W5";

/**
 * One workload.
 *
 * @example
 * ```ts
 * import type { Workload } from "./_report.ts";
 * const w: Workload = { id: "W1", label: "push 5,000 × 1 KiB", files: 5000, bytes: 5000 * 1024 };
 * ```
 */
export interface Workload {
  /** `W1` … `W5`. */
  id: WorkloadId;
  /** What it does. */
  label: string;
  /** Files moved (or compared). */
  files: number;
  /** Bytes moved (or compared). */
  bytes: number;
}

/**
 * One timed run.
 *
 * @example
 * ```ts
 * import type { RunRecord } from "./_report.ts";
 * const r: RunRecord = { wallS: 1.5, cpuS: 1.1, rssMiB: 90 };
 * ```
 */
export interface RunRecord {
  /** Wall seconds. */
  wallS: number;
  /** User + sys CPU seconds. */
  cpuS?: number;
  /** Peak RSS (MiB). */
  rssMiB?: number;
  /** 1-minute load average of the machine right after the run. */
  load1?: number;
}

/**
 * Everything measured for one tool and workload.
 *
 * @example
 * ```ts
 * import type { Cell } from "./_report.ts";
 * const c: Cell = { runs: [{ wallS: 1 }], wallS: 1 };
 * ```
 */
export interface Cell {
  /** Timed runs (without the counting proxy). */
  runs: RunRecord[];
  /** Median wall seconds. */
  wallS?: number;
  /** Median CPU seconds. */
  cpuS?: number;
  /** Median peak RSS (MiB). */
  rssMiB?: number;
  /** Requests of the counting pass. */
  requests?: Counts;
  /** Why a run failed or was skipped. */
  error?: string;
}

/** Results by tool id, then workload. */
export type Results = Record<string, Partial<Record<WorkloadId, Cell>>>;

/**
 * The columns of the tables.
 *
 * @example
 * ```ts
 * import type { Column } from "./_report.ts";
 * const c: Column = { id: "rclone", label: "rclone", peer: true, family: "rclone" };
 * ```
 */
export interface Column {
  /** Tool id. */
  id: string;
  /** Header. */
  label: string;
  /** Whether it is a peer. */
  peer: boolean;
  /** Family (`rclone` for its variants). */
  family: string;
}

/**
 * Fills the medians of every cell from its runs.
 *
 * @example
 * ```ts
 * import { summarize } from "./_report.ts";
 * const r = { accsr: { W1: { runs: [{ wallS: 2 }, { wallS: 1 }, { wallS: 3 }] } } };
 * summarize(r);
 * console.log(r.accsr.W1); // wallS 2
 * ```
 */
export function summarize(results: Results): void {
  for (const byW of Object.values(results)) {
    for (const cell of Object.values(byW)) {
      if (!cell) continue;
      cell.wallS = median(cell.runs.map((r) => r.wallS));
      cell.cpuS = median(cell.runs.map((r) => r.cpuS));
      cell.rssMiB = median(cell.runs.map((r) => r.rssMiB));
    }
  }
}

/**
 * The fastest peer (median wall time) of a workload.
 *
 * @example
 * ```ts
 * import { bestPeer } from "./_report.ts";
 * const best = bestPeer({ aws: { W1: { runs: [], wallS: 3 } } }, [{ id: "aws", label: "aws", peer: true, family: "aws" }], "W1");
 * console.log(best?.id); // "aws"
 * ```
 */
export function bestPeer(
  results: Results,
  columns: readonly Column[],
  w: WorkloadId,
  family?: string,
): { id: string; label: string; wallS: number } | undefined {
  let best: { id: string; label: string; wallS: number } | undefined;
  for (const c of columns) {
    if (!c.peer || (family !== undefined && c.family !== family)) continue;
    const cell = results[c.id]?.[w];
    if (cell?.wallS === undefined || cell.error !== undefined) continue;
    if (best === undefined || cell.wallS < best.wallS) {
      best = { id: c.id, label: c.label, wallS: cell.wallS };
    }
  }
  return best;
}

/**
 * Renders rows as an aligned text table (first column left-aligned, others right-aligned).
 *
 * @example
 * ```ts
 * import { textTable } from "./_report.ts";
 * console.log(textTable([["w", "a"], ["W1", "1.0s"]]));
 * ```
 */
export function textTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join("\n");
}

function fmtCount(c: Counts | undefined): string {
  if (!c) return "-";
  const abbrev: Record<string, string> = { GET: "G", PUT: "P", HEAD: "H", POST: "PO", DELETE: "D" };
  const order = Object.keys(abbrev);
  const rank = (m: string) => (order.includes(m) ? order.indexOf(m) : order.length);
  const parts = Object.entries(c.byMethod)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([m, n]) => `${abbrev[m] ?? m}${n}`);
  return `${c.total} (${parts.join(" ")})`;
}

/**
 * The four tables (wall, CPU, RSS, requests), rows W1…W5, one column per tool. The fastest
 * rclone variant of each row is marked `*`; the wall table ends with `accsr / best peer` and
 * has a W4 MiB/s row.
 *
 * @example
 * ```ts
 * import { renderTables } from "./_report.ts";
 * console.log(renderTables({}, [], []));
 * ```
 */
export function renderTables(
  results: Results,
  columns: readonly Column[],
  workloads: readonly Workload[],
): string {
  const head = ["", ...columns.map((c) => c.label)];
  const rowLabel = (w: Workload) => `${w.id} ${w.label}`;
  const many = columns.filter((x) => x.family === "rclone").length > 1;
  const cellText = (c: Column, w: Workload, f: (cell: Cell) => string, mark = true): string => {
    const cell = results[c.id]?.[w.id];
    if (!cell) return "n/a";
    if (cell.error !== undefined) return "failed";
    const best = c.family === "rclone" ? bestPeer(results, columns, w.id, "rclone") : undefined;
    return f(cell) + (mark && many && best?.id === c.id ? "*" : "");
  };
  const out: string[] = [];

  const wall = [[...head, "accsr / best peer"]];
  for (const w of workloads) {
    const best = bestPeer(results, columns, w.id);
    const a = results.accsr?.[w.id]?.wallS;
    const ratio = best && a !== undefined ? `${(a / best.wallS).toFixed(2)} (${best.label})` : "-";
    wall.push([rowLabel(w), ...columns.map((c) => cellText(c, w, (x) => fmtS(x.wallS))), ratio]);
  }
  const w4 = workloads.find((w) => w.id === "W4");
  if (w4) {
    const mibs = (id: string) => {
      const s = results[id]?.W4;
      return s?.wallS === undefined || s.error !== undefined
        ? undefined
        : w4.bytes / 2 ** 20 / s.wallS;
    };
    const best = bestPeer(results, columns, "W4");
    const a = mibs("accsr");
    const ratio = best && a !== undefined ? `${(a / mibs(best.id)!).toFixed(2)} (throughput)` : "-";
    wall.push([
      "W4 throughput (MiB/s)",
      ...columns.map((c) => cellText(c, w4, () => (mibs(c.id) ?? 0).toFixed(0))),
      ratio,
    ]);
  }
  out.push("Wall time (median; * = fastest rclone variant)", textTable(wall), "");

  const cpu = [head];
  for (const w of workloads) {
    cpu.push([
      rowLabel(w),
      ...columns.map((c) => cellText(c, w, (x) => fmtS(x.cpuS))),
    ]);
  }
  out.push("Client CPU, user + sys of the process tree (median)", textTable(cpu), "");

  const rss = [head];
  for (const w of workloads) {
    rss.push([
      rowLabel(w),
      ...columns.map((c) =>
        cellText(c, w, (x) => (x.rssMiB === undefined ? "-" : `${x.rssMiB.toFixed(0)} MiB`))
      ),
    ]);
  }
  out.push("Peak RSS of the client (median)", textTable(rss), "");

  const req = [head];
  for (const w of workloads) {
    req.push([
      rowLabel(w),
      ...columns.map((c) => cellText(c, w, (x) => fmtCount(x.requests), false)),
    ]);
  }
  out.push(
    "HTTP requests (separate pass through a counting proxy; G=GET P=PUT H=HEAD PO=POST D=DELETE)",
  );
  out.push(textTable(req));
  return out.join("\n");
}

/**
 * One target of the issue and whether it is met.
 *
 * @example
 * ```ts
 * import type { TargetCheck } from "./_report.ts";
 * const t: TargetCheck = { name: "W2 accsr ≤ 0.60 × best peer", figure: "0.43", status: "MET" };
 * ```
 */
export interface TargetCheck {
  /** The target. */
  name: string;
  /** The measured figure (and what it was compared with). */
  figure: string;
  /** `MET`, `NOT MET`, or why it was not judged. */
  status: string;
}

/**
 * Judges the round-2 targets (issue #17): wall time against the best peer of the same run W1 ≤
 * 0.80×, W2 ≤ 0.60×, W3 ≤ 0.75×, W4 ≤ 0.90×, W5 ≤ 1.00×; W4 client CPU ≤ 3 s per GiB; plan of
 * 100k files < 300 MB RSS. (W6, start-up, Node, credential chain and Azure are judged by their
 * own modules.) In smoke mode nothing is judged.
 *
 * @example
 * ```ts
 * import { checkTargets } from "./_report.ts";
 * console.log(checkTargets({}, [], 2 ** 30, undefined, true));
 * ```
 */
export function checkTargets(
  results: Results,
  columns: readonly Column[],
  w4Bytes: number,
  plan: { files: number; rssMiB?: number } | undefined,
  smoke: boolean,
): TargetCheck[] {
  const judge = (ok: boolean | undefined) =>
    smoke ? "not judged (smoke sizes)" : ok === undefined ? "NOT MEASURED" : ok ? "MET" : "NOT MET";
  const out: TargetCheck[] = [];
  // round 2 (issue #17): wall time against the best peer of the same run
  for (
    const [w, ratio] of [["W1", 0.8], ["W2", 0.6], ["W3", 0.75], ["W4", 0.9], ["W5", 1.0]] as const
  ) {
    const a = results.accsr?.[w]?.wallS;
    const b = bestPeer(results, columns, w);
    out.push({
      name: `${w} accsr ≤ ${ratio.toFixed(2)} × best peer`,
      figure: a === undefined || !b
        ? "-"
        : `${fmtS(a)} / ${fmtS(b.wallS)} = ${(a / b.wallS).toFixed(2)} (${b.label})`,
      status: judge(a === undefined || !b ? undefined : a <= ratio * b.wallS),
    });
  }
  {
    const cpu = results.accsr?.W4?.cpuS;
    const perGiB = cpu === undefined ? undefined : cpu / (w4Bytes / 2 ** 30);
    out.push({
      name: "W4 accsr client CPU ≤ 3 s per GiB",
      figure: perGiB === undefined ? "-" : `${perGiB.toFixed(2)} s/GiB`,
      status: judge(perGiB === undefined ? undefined : perGiB <= 3),
    });
  }
  {
    const mb = plan?.rssMiB === undefined ? undefined : (plan.rssMiB * 2 ** 20) / 1e6;
    out.push({
      name: `plan (dry-run push) of ${
        plan?.files.toLocaleString("en-US") ?? "?"
      } files < 300 MB RSS`,
      figure: mb === undefined ? "-" : `${mb.toFixed(0)} MB`,
      status: judge(mb === undefined ? undefined : mb < 300),
    });
  }
  return out;
}
