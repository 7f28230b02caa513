/**
 * Node parity of the small-file workloads: the npm build's `accsr` binary under Node (tool
 * `accsr-node`, W1–W3) against accsr under Deno in the same run, by median client CPU (the
 * issue's target: W2 and W3 within 1.1× of Deno).
 *
 * @module
 */
import type { Results } from "./_report.ts";
import { fmtS } from "./_util.ts";

/**
 * The comparison as text lines (none when Node did not run).
 *
 * @example
 * ```ts
 * import { nodeParityLines } from "./_node.ts";
 * console.log(nodeParityLines({ accsr: {}, "accsr-node": {} }).join("\n"));
 * ```
 */
export function nodeParityLines(results: Results): string[] {
  const node = results["accsr-node"];
  const deno = results["accsr"];
  if (node === undefined || deno === undefined) return [];
  const out = ["Node parity (npm build under Node vs Deno, median client CPU; target ≤ 1.1×):"];
  for (const w of ["W1", "W2", "W3"] as const) {
    const n = node[w]?.cpuS;
    const d = deno[w]?.cpuS;
    out.push(
      `  ${w}  deno ${fmtS(d).padStart(7)}  node ${fmtS(n).padStart(7)}  node/deno ${
        n !== undefined && d !== undefined && d > 0 ? `${(n / d).toFixed(2)}×` : "-"
      }${node[w]?.error ? `  (${node[w]!.error!.split("\n")[0]})` : ""}`,
    );
  }
  return out;
}
