/**
 * Private helpers for the plain JSON-like values a configuration is made of.
 *
 * @module
 */

/** A plain object as produced by `JSON.parse` or the YAML parser. */
export type PlainObject = Record<string, unknown>;

/**
 * Whether `value` is a plain object (prototype `Object.prototype` or `null`), not an array,
 * a `Date` or a class instance.
 *
 * @example
 * ```ts
 * import { isPlainObject } from "./_objects.ts";
 * console.log(isPlainObject({ a: 1 }), isPlainObject([1])); // true false
 * ```
 */
export function isPlainObject(value: unknown): value is PlainObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Sets an own enumerable property, also for the key `__proto__` (which plain assignment would
 * turn into a prototype change).
 *
 * @example
 * ```ts
 * import { setOwn } from "./_objects.ts";
 * const o: Record<string, unknown> = {};
 * setOwn(o, "__proto__", 1);
 * console.log(Object.keys(o)); // ["__proto__"]
 * ```
 */
export function setOwn(target: PlainObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Deep copy of plain objects and arrays; any other value is returned as it is.
 *
 * @example
 * ```ts
 * import { cloneDeep } from "./_objects.ts";
 * const a = { l: [1, { b: 2 }] };
 * console.log(cloneDeep(a).l !== a.l); // true
 * ```
 */
export function cloneDeep<T>(value: T): T {
  return mapDeep(value, (leaf) => leaf);
}

/**
 * Deep copy of plain objects and arrays in which every other value is replaced by `leaf(value)`.
 *
 * @example
 * ```ts
 * import { mapDeep } from "./_objects.ts";
 * console.log(mapDeep({ a: [1, 2] }, (v) => typeof v === "number" ? v * 10 : v)); // { a: [10, 20] }
 * ```
 */
export function mapDeep<T>(value: T, leaf: (value: unknown) => unknown): T {
  if (Array.isArray(value)) return value.map((v) => mapDeep(v, leaf)) as T;
  if (isPlainObject(value)) {
    const copy: PlainObject = {};
    for (const [k, v] of Object.entries(value)) setOwn(copy, k, mapDeep(v, leaf));
    return copy as T;
  }
  return leaf(value) as T;
}

/**
 * As {@linkcode mapDeep}, and `leaf` also gets the key path of the value (array indexes as
 * strings), starting with `keyPath`.
 *
 * @example
 * ```ts
 * import { mapDeepWithPath } from "./_objects.ts";
 * mapDeepWithPath({ a: [1] }, [], (v, path) => path.join(".")); // { a: ["a.0"] }
 * ```
 */
export function mapDeepWithPath<T>(
  value: T,
  keyPath: readonly string[],
  leaf: (value: unknown, keyPath: readonly string[]) => unknown,
): T {
  if (Array.isArray(value)) {
    return value.map((v, i) => mapDeepWithPath(v, [...keyPath, String(i)], leaf)) as T;
  }
  if (isPlainObject(value)) {
    const copy: PlainObject = {};
    for (const [k, v] of Object.entries(value)) {
      setOwn(copy, k, mapDeepWithPath(v, [...keyPath, k], leaf));
    }
    return copy as T;
  }
  return leaf(value, keyPath) as T;
}

/**
 * Freezes plain objects and arrays recursively and returns `value`.
 *
 * @example
 * ```ts
 * import { freezeDeep } from "./_objects.ts";
 * console.log(Object.isFrozen(freezeDeep({ a: { b: 1 } }).a)); // true
 * ```
 */
export function freezeDeep<T>(value: T): T {
  if (Array.isArray(value) || isPlainObject(value)) {
    for (const v of Object.values(value)) freezeDeep(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Structural equality of plain objects and arrays (other values compared with `Object.is`);
 * a key whose value is `undefined` counts as absent.
 *
 * @example
 * ```ts
 * import { deepEqual } from "./_objects.ts";
 * console.log(deepEqual({ a: [1], b: undefined }, { a: [1] })); // true
 * ```
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set(
      [...Object.keys(a), ...Object.keys(b)].filter((k) =>
        a[k] !== undefined || b[k] !== undefined
      ),
    );
    for (const k of keys) {
      if (!Object.hasOwn(a, k) || !Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return false;
}

/** Result of {@linkcode lookup}. */
export type LookupResult =
  | { found: true; value: unknown }
  | { found: false; failedAt: number; nonObject: boolean };

/**
 * Walks `keyPath` through nested plain objects (own properties only). `found` is false when a
 * key is absent (`nonObject: false`) or a step meets a value that is not a plain object
 * (`nonObject: true`); `failedAt` is the index of the key that could not be looked up.
 *
 * @example
 * ```ts
 * import { lookup } from "./_objects.ts";
 * console.log(lookup({ a: { b: 1 } }, ["a", "b"])); // { found: true, value: 1 }
 * ```
 */
export function lookup(root: unknown, keyPath: readonly string[]): LookupResult {
  let value = root;
  for (let i = 0; i < keyPath.length; i++) {
    if (!isPlainObject(value)) return { found: false, failedAt: i, nonObject: true };
    if (!Object.hasOwn(value, keyPath[i]) || value[keyPath[i]] === undefined) {
      return { found: false, failedAt: i, nonObject: false };
    }
    value = value[keyPath[i]];
  }
  return { found: true, value };
}

/**
 * A short description of a value's type for messages: `"null"`, `"an array"`, `"a string"`…
 *
 * @example
 * ```ts
 * import { describeType } from "./_objects.ts";
 * console.log(describeType([]), describeType(3)); // an array a number
 * ```
 */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (isPlainObject(value)) return "an object";
  const t = typeof value;
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
