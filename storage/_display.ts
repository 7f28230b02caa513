/**
 * HTML tables for rich display in Jupyter notebooks (private helper).
 *
 * @module
 */

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/** An HTML table of rows (all rows share the first row's columns). */
export function htmlTable(rows: readonly Record<string, string>[]): string {
  if (rows.length === 0) return "<table><tr><td><i>no files</i></td></tr></table>";
  const cols = Object.keys(rows[0]);
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) =>
    `<tr>${cols.map((c) => `<td>${escapeHtml(r[c] ?? "")}</td>`).join("")}</tr>`
  ).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * Gives an array a rich display in Deno's Jupyter kernel (an HTML table), as a
 * non-enumerable property: the array stays a plain array for equality checks and JSON.
 */
export function withTableDisplay<T>(
  items: T[],
  rows: (items: readonly T[]) => Record<string, string>[],
): T[] {
  Object.defineProperty(items, Symbol.for("Jupyter.display"), {
    value: () => ({
      "text/plain": `${items.length} item(s)`,
      "text/html": htmlTable(rows(items)),
    }),
    enumerable: false,
  });
  return items;
}
