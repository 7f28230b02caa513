/**
 * HTML tables for rich display in Jupyter notebooks (private helper): at most
 * {@linkcode DISPLAY_ROWS} rows and a "… N more" line, so that a plan of thousands of files
 * stays a small cell output.
 *
 * @module
 */

/** Rows a notebook table shows before its "… N more" line. */
export const DISPLAY_ROWS = 50;

/** `s` with `& < > "` escaped for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

/**
 * An HTML table of rows (all rows share the first row's columns). `total` is the number of
 * items the rows were taken from: when it exceeds the rows, a last line says "… N more".
 */
export function htmlTable(
  rows: readonly Record<string, string>[],
  total: number = rows.length,
): string {
  if (rows.length === 0) return "<table><tr><td><i>no files</i></td></tr></table>";
  const cols = Object.keys(rows[0]);
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) =>
    `<tr>${cols.map((c) => `<td>${escapeHtml(r[c] ?? "")}</td>`).join("")}</tr>`
  ).join("");
  const more = total > rows.length
    ? `<tr><td colspan="${cols.length}"><i>… ${total - rows.length} more</i></td></tr>`
    : "";
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}${more}</tbody></table>`;
}

/**
 * Gives an array a rich display in Deno's Jupyter kernel (a line of totals and an HTML table
 * of the first {@linkcode DISPLAY_ROWS} items), as a non-enumerable property: the array stays
 * a plain array for equality checks and JSON.
 */
export function withTableDisplay<T>(
  items: T[],
  rows: (items: readonly T[]) => Record<string, string>[],
  totals: (items: readonly T[]) => string = (all) => `${all.length} item(s)`,
): T[] {
  Object.defineProperty(items, Symbol.for("Jupyter.display"), {
    value: () => ({
      "text/plain": totals(items),
      "text/html": `<p>${escapeHtml(totals(items))}</p>` +
        htmlTable(rows(items.slice(0, DISPLAY_ROWS)), items.length),
    }),
    enumerable: false,
  });
  return items;
}
