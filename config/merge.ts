/**
 * Deep merge of configuration objects.
 *
 * @module
 */
import { cloneDeep, isPlainObject, type PlainObject, setOwn } from "./_objects.ts";

/**
 * Merges `override` into `base` and returns a new object; neither input is changed and the
 * result shares no object or array with them.
 *
 * For every key of `override`: when both values are plain objects they are merged
 * recursively; otherwise the value of `override` replaces the one of `base` — arrays are
 * replaced, never concatenated, `null` replaces too, and an object replaces a scalar (where
 * accsr crashed).
 *
 * @param base The lower-precedence object, e.g. the content of `config.json`.
 * @param override The higher-precedence object, e.g. the content of `config_local.json`.
 * @returns A new merged object.
 *
 * @example
 * ```ts
 * import { deepMerge } from "accsr/config";
 * const merged = deepMerge(
 *   { db: { host: "localhost", port: 5432 }, tags: ["a", "b"] },
 *   { db: { port: 6543 }, tags: ["c"] },
 * );
 * console.log(merged); // { db: { host: "localhost", port: 6543 }, tags: ["c"] }
 * ```
 */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<
  string,
  unknown
> {
  const result: PlainObject = cloneDeep(base);
  for (const [key, value] of Object.entries(override)) {
    const current = Object.hasOwn(result, key) ? result[key] : undefined;
    setOwn(
      result,
      key,
      isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : cloneDeep(value),
    );
  }
  return result;
}
