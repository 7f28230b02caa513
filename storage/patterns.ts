/**
 * Include/exclude patterns with Python `re.match` semantics: a pattern matches when it
 * matches at the start of the path (not necessarily the whole path). Pattern strings are
 * Python regexes, translated construct by construct (`\A`, `\Z`, `(?i)`, Unicode `\w`, …);
 * a construct that cannot be translated faithfully is refused by name (see
 * `docs/patterns.md`). A `RegExp` object keeps JavaScript semantics.
 *
 * @module
 */

import { leadingFlags, translatePythonRegex } from "./_python_regex.ts";

/**
 * A pattern accepted by push, pull and delete: source text or a `RegExp`.
 *
 * @example
 * ```ts
 * import type { PathPattern } from "accsr/storage";
 * const p: PathPattern = /^data\/.*\.csv$/;
 * ```
 */
export type PathPattern = string | RegExp;

/**
 * Compiles a pattern into an anchored-at-start matcher. A string is a Python regex and
 * selects what Python's `re.match` selects; a construct that cannot be translated, or a
 * pattern Python rejects, throws a `RangeError` naming the pattern and the construct.
 *
 * @example
 * ```ts
 * import { compilePattern } from "accsr/storage";
 * const m = compilePattern("sample", "include");
 * m?.("sample_dir/a.txt"); // true
 * m?.("d/sample.txt"); // false
 * ```
 */
export function compilePattern(
  pattern: PathPattern | null | undefined,
  what = "pattern",
): ((path: string) => boolean) | undefined {
  if (pattern === null || pattern === undefined) return undefined;
  let re: RegExp;
  if (pattern instanceof RegExp) {
    re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, "") + "y");
  } else if (typeof pattern === "string") {
    try {
      const t = translatePythonRegex(pattern);
      re = new RegExp(t.source, t.flags + "y");
    } catch (e) {
      throw new RangeError(
        `Cannot use ${what} regex "${pattern}": ${(e as Error).message} (check the pattern)`,
      );
    }
  } else {
    throw new TypeError(
      `Cannot use ${what} regex: expected a string or RegExp, got ${typeof pattern}`,
    );
  }
  return (path: string) => {
    re.lastIndex = 0;
    return re.test(path);
  };
}

/**
 * A predicate that says whether a path is skipped: it does not match `include` (when given)
 * or it matches `exclude`. Exclude wins over include.
 *
 * @example
 * ```ts
 * import { skipPredicate } from "accsr/storage";
 * const skip = skipPredicate("d/", "d/sub");
 * skip("d/a.txt"); // false
 * skip("d/sub/b.txt"); // true
 * skip("top.txt"); // true
 * ```
 */
export function skipPredicate(
  include?: PathPattern | null,
  exclude?: PathPattern | null,
): (path: string) => boolean {
  const inc = compilePattern(include, "include");
  const exc = compilePattern(exclude, "exclude");
  return (p: string) => (inc !== undefined && !inc(p)) || (exc !== undefined && exc(p));
}

/**
 * Joins several Python patterns into one that matches when any of them matches (what
 * repeated `--include` / `--exclude` flags mean). Leading inline flags such as `(?i)` are
 * hoisted to the front; patterns with different leading flags cannot be joined.
 *
 * @throws {RangeError} The patterns carry different leading inline flags.
 *
 * @example
 * ```ts
 * import { joinPatterns } from "accsr/storage";
 * joinPatterns(["a/", "b/"]); // "(?:a/)|(?:b/)"
 * joinPatterns(["(?i)a/", "(?i)b/"]); // "(?i)(?:a/)|(?:b/)"
 * ```
 */
export function joinPatterns(patterns: readonly string[]): string {
  if (patterns.length === 1) return patterns[0];
  const parts = patterns.map(leadingFlags);
  const norm = (f: string) => [...f].sort().join("");
  const flags = norm(parts[0].flags);
  if (parts.some((p) => norm(p.flags) !== flags)) {
    throw new RangeError(
      `Cannot join regexes ${
        patterns.map((p) => `"${p}"`).join(", ")
      }: their leading inline flags differ ` +
        `(give every pattern the same flags, e.g. "(?i)")`,
    );
  }
  const end = flags.includes("x") ? "\n)" : ")";
  return (flags === "" ? "" : `(?${flags})`) + parts.map((p) => `(?:${p.rest}${end}`).join("|");
}
