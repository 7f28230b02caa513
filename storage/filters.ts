/**
 * Size, age and list filters of a push or pull (`maxSize`, `minSize`, `maxAgeMs`,
 * `minAgeMs`, `filesFrom`), planned like the include/exclude regexes: a file they reject is
 * skipped and listed in `skippedSourceFiles` with the reason. Pure: no I/O.
 *
 * @module
 */

/**
 * The filters of one transaction. Sizes in bytes, ages in milliseconds before the start of
 * planning (local mtime on push, remote `lastModified` on pull).
 *
 * @example
 * ```ts
 * import type { TransferFilters } from "accsr/storage";
 * const f: TransferFilters = { maxSize: 1024 ** 3, minAgeMs: 3_600_000 };
 * ```
 */
export interface TransferFilters {
  /** Skip files larger than this many bytes. */
  maxSize?: number;
  /** Skip files smaller than this many bytes. */
  minSize?: number;
  /** Skip files modified longer ago than this (milliseconds). */
  maxAgeMs?: number;
  /** Skip files modified more recently than this (milliseconds). */
  minAgeMs?: number;
  /** Only these paths (as the regexes see them: relative, `/`-separated). */
  filesFrom?: readonly string[];
}

/**
 * Checks the filter values (`RangeError` for a negative or non-numeric one).
 *
 * @example
 * ```ts
 * import { checkFilters } from "./filters.ts";
 * checkFilters({ maxSize: 10 }); // ok
 * ```
 */
export function checkFilters(f: TransferFilters): void {
  for (const k of ["maxSize", "minSize", "maxAgeMs", "minAgeMs"] as const) {
    const v = f[k];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
      throw new RangeError(`${k} must be a non-negative number, got ${String(v)}`);
    }
  }
  if (f.filesFrom !== undefined && !Array.isArray(f.filesFrom)) {
    throw new RangeError("filesFrom must be an array of paths");
  }
}

/** Normalises a listed path: `/` separators, no leading `./` or `/`, no trailing `/`. */
function normalise(p: string): string {
  return p.replace(/\\/g, "/").replace(/^(\.\/)+/, "").replace(/^\/+/, "").replace(/\/+$/, "");
}

/**
 * The paths of a `--files-from` file: one per line, blank lines and lines starting with
 * `#` ignored, surrounding whitespace trimmed.
 *
 * @example
 * ```ts
 * import { parseFilesFrom } from "accsr/storage";
 * parseFilesFrom("# wanted\ndata/a.csv\n\n./b.txt\n"); // ["data/a.csv", "b.txt"]
 * ```
 */
export function parseFilesFrom(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    out.push(normalise(line));
  }
  return out;
}

/**
 * A function giving why a file is skipped by the filters (`undefined`: it is kept). `now`
 * is the reference time of the ages.
 *
 * @example
 * ```ts
 * import { filterPredicate } from "./filters.ts";
 * const why = filterPredicate({ maxSize: 10 }, Date.now());
 * why!({ path: "a.bin", size: 11, mtimeMs: 0 }); // "larger than max-size (11 > 10 bytes)"
 * ```
 */
export function filterPredicate(
  f: TransferFilters | undefined,
  now: number,
): ((file: { path: string; size: number; mtimeMs?: number }) => string | undefined) | undefined {
  if (f === undefined) return undefined;
  const { maxSize, minSize, maxAgeMs, minAgeMs } = f;
  const list = f.filesFrom === undefined ? undefined : new Set(f.filesFrom.map(normalise));
  if (
    maxSize === undefined && minSize === undefined && maxAgeMs === undefined &&
    minAgeMs === undefined && list === undefined
  ) return undefined;
  return ({ path, size, mtimeMs }) => {
    if (list !== undefined && !list.has(normalise(path))) return "not in files-from";
    if (maxSize !== undefined && size > maxSize) {
      return `larger than max-size (${size} > ${maxSize} bytes)`;
    }
    if (minSize !== undefined && size < minSize) {
      return `smaller than min-size (${size} < ${minSize} bytes)`;
    }
    if (mtimeMs !== undefined) {
      const age = now - mtimeMs;
      if (maxAgeMs !== undefined && age > maxAgeMs) return `older than max-age (${ageText(age)})`;
      if (minAgeMs !== undefined && age < minAgeMs) return `newer than min-age (${ageText(age)})`;
    }
    return undefined;
  };
}

function ageText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s old`;
  if (s < 7200) return `${Math.round(s / 60)}m old`;
  if (s < 172800) return `${Math.round(s / 3600)}h old`;
  return `${Math.round(s / 86400)}d old`;
}
