/**
 * Structural checks of a JSON config text that `JSON.parse` does not make: nesting deeper
 * than a sane limit (`JSON.parse` and everything recursive after it would overflow the stack)
 * and duplicate keys in one object (`JSON.parse` silently keeps the last one, YAML refuses
 * them). One iterative pass, no recursion, positions 1-based.
 *
 * @module
 */
import { lineAndColumn } from "./_json_error.ts";

/**
 * Deepest nesting of objects and arrays a config file may have.
 *
 * @example
 * ```ts
 * import { MAX_CONFIG_DEPTH } from "./_json_checks.ts";
 * console.log(MAX_CONFIG_DEPTH); // 1000
 * ```
 */
export const MAX_CONFIG_DEPTH = 1000;

/**
 * A structural problem of a JSON text.
 *
 * @example
 * ```ts
 * import type { JsonStructureProblem } from "./_json_checks.ts";
 * const p: JsonStructureProblem = { kind: "duplicate", line: 3, column: 5, reason: 'duplicate key "bucket"' };
 * ```
 */
export interface JsonStructureProblem {
  /** `depth`: nested too deeply; `duplicate`: a key repeated in one object. */
  kind: "depth" | "duplicate";
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** What is wrong, e.g. `duplicate key "bucket"`. */
  reason: string;
}

/**
 * The first nesting problem and the first duplicate key of `text`, scanned as JSON (the text
 * need not be valid; a syntax error is `JSON.parse`'s to report).
 *
 * @example
 * ```ts
 * import { checkJsonStructure } from "./_json_checks.ts";
 * checkJsonStructure('{"a": 1,\n "a": 2}').duplicate?.reason; // 'duplicate key "a"'
 * checkJsonStructure("[".repeat(2000)).depth?.kind; // "depth"
 * ```
 */
export function checkJsonStructure(
  text: string,
  maxDepth: number = MAX_CONFIG_DEPTH,
): { depth?: JsonStructureProblem; duplicate?: JsonStructureProblem } {
  // per open container: the keys seen (objects) or undefined (arrays)
  const stack: (Set<string> | undefined)[] = [];
  let duplicate: JsonStructureProblem | undefined;
  // whether the next string in the current object is a key
  let expectKey = false;
  const at = (offset: number) => lineAndColumn(text, offset);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{" || c === "[") {
      stack.push(c === "{" ? new Set() : undefined);
      expectKey = c === "{";
      if (stack.length > maxDepth) {
        return {
          depth: {
            kind: "depth",
            ...at(i),
            reason: `nested deeper than ${maxDepth} levels`,
          },
          duplicate,
        };
      }
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") {
      expectKey = stack[stack.length - 1] !== undefined;
    } else if (c === '"') {
      const start = i;
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      i = j;
      const keys = stack[stack.length - 1];
      if (expectKey && keys !== undefined) {
        let key: string;
        try {
          key = JSON.parse(text.slice(start, j + 1)) as string;
        } catch {
          key = text.slice(start + 1, j);
        }
        if (keys.has(key) && duplicate === undefined) {
          duplicate = { kind: "duplicate", ...at(start), reason: `duplicate key "${key}"` };
        }
        keys.add(key);
      }
      expectKey = false;
    }
  }
  return { duplicate };
}

/**
 * How deeply objects and arrays nest in `value` (0 for a scalar), counted without recursion
 * and stopping once past `limit`.
 *
 * @example
 * ```ts
 * import { nestingDepth } from "./_json_checks.ts";
 * nestingDepth({ a: [1, { b: 2 }] }); // 3
 * ```
 */
export function nestingDepth(value: unknown, limit: number = MAX_CONFIG_DEPTH): number {
  let deepest = 0;
  const seen = new Set<object>(); // YAML aliases may share (or even contain) a node
  const todo: [unknown, number][] = [[value, 0]];
  while (todo.length > 0) {
    const [v, d] = todo.pop()!;
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    const depth = d + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Object.values(v)) todo.push([child, depth]);
  }
  return deepest;
}
