/**
 * Include/exclude patterns with Python `re.match` semantics: a pattern matches when it
 * matches at the start of the path (not necessarily the whole path).
 *
 * @module
 */

/**
 * A pattern accepted by push, pull and delete: source text or a `RegExp`.
 *
 * @example
 * ```ts
 * import type { PathPattern } from "./patterns.ts";
 * const p: PathPattern = /^data\/.*\.csv$/;
 * ```
 */
export type PathPattern = string | RegExp;

/**
 * Compiles a pattern into an anchored-at-start matcher. Python's named groups `(?P<n>…)`
 * are accepted and translated; an invalid pattern throws a `RangeError` naming it.
 *
 * @example
 * ```ts
 * import { compilePattern } from "./patterns.ts";
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
      re = new RegExp(pattern.replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>"), "y");
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
 * import { skipPredicate } from "./patterns.ts";
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
