/**
 * Conversion of values to JSON-compatible ones (the TypeScript counterpart of accsr's
 * numpy conversions).
 *
 * @module
 */

/**
 * Converts `value` to something `JSON.stringify` represents faithfully:
 *
 * | input | output |
 * |---|---|
 * | `number` | itself; `NaN` → `"nan"`, `Infinity` → `"inf"`, `-Infinity` → `"-inf"` |
 * | `string`, `boolean`, `null` | itself |
 * | `undefined` | `null` |
 * | `bigint` | a `number` when it is a safe integer, else its decimal string |
 * | typed array (`Float64Array`, `Int32Array`, `BigInt64Array`…), array, `Set` | a plain array of converted items |
 * | `ArrayBuffer`, `DataView` | a plain array of the bytes |
 * | `Date` | its ISO string (`"Invalid Date"` when invalid) |
 * | `Map` | an object; keys become strings, values are converted |
 * | plain object (prototype `Object.prototype` or `null`) | an object of converted values |
 * | other object with a `toJSON()` method | its `toJSON()` result, converted |
 * | anything else (functions, symbols, class instances…) | `String(value)` |
 *
 * Unlike accsr, conversion is recursive: values inside arrays and objects are converted too
 * (accsr leaves `nan` inside arrays and turns nested dicts into their `str()`). A cyclic
 * structure throws a `TypeError`.
 *
 * @example
 * ```ts
 * import { toJsonCompatibleValue } from "accsr/loading";
 * console.log(toJsonCompatibleValue(Float64Array.of(1.5, NaN))); // [1.5, "nan"]
 * console.log(toJsonCompatibleValue(2n ** 64n)); // "18446744073709551616"
 * console.log(toJsonCompatibleValue(new Date(0))); // "1970-01-01T00:00:00.000Z"
 * ```
 */
export function toJsonCompatibleValue(value: unknown): unknown {
  return convert(value, new Set());
}

/**
 * Converts every value of the object `d` with {@linkcode toJsonCompatibleValue} (own
 * enumerable string keys; recursive, unlike accsr).
 *
 * @example
 * ```ts
 * import { toJsonCompatibleDict } from "accsr/loading";
 * const d = toJsonCompatibleDict({ a: 1, b: Int32Array.of(1, 2), c: { x: NaN } });
 * console.log(JSON.stringify(d)); // {"a":1,"b":[1,2],"c":{"x":"nan"}}
 * ```
 */
export function toJsonCompatibleDict(d: Record<string, unknown>): Record<string, unknown> {
  if (typeof d !== "object" || d === null || Array.isArray(d)) {
    throw new TypeError(
      `Cannot convert to a JSON-compatible dict: expected an object, got ${
        d === null ? "null" : Array.isArray(d) ? "an array" : typeof d
      }`,
    );
  }
  const ancestors = new Set<object>([d]);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(d)) out[key] = convert(item, ancestors);
  return out;
}

function convertNumber(n: number): number | string {
  if (Number.isNaN(n)) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  return n;
}

function convertBigint(n: bigint): number | string {
  const asNumber = Number(n);
  return Number.isSafeInteger(asNumber) ? asNumber : n.toString();
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function convert(value: unknown, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case "number":
      return convertNumber(value);
    case "string":
    case "boolean":
      return value;
    case "undefined":
      return null;
    case "bigint":
      return convertBigint(value);
    case "object":
      if (value === null) return null;
      return convertObject(value, ancestors);
    default:
      return String(value);
  }
}

function convertObject(value: object, ancestors: Set<object>): unknown {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  }
  if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
  if (value instanceof DataView) {
    return Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
  if (ArrayBuffer.isView(value)) {
    // typed arrays: numbers or bigints (BigInt64Array, BigUint64Array)
    return Array.from(
      value as unknown as ArrayLike<number | bigint>,
      (item) => typeof item === "bigint" ? convertBigint(item) : convertNumber(item),
    );
  }
  const isContainer = Array.isArray(value) || value instanceof Set || value instanceof Map ||
    isPlainObject(value);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (!isContainer && typeof toJSON !== "function") return String(value);
  if (ancestors.has(value)) {
    throw new TypeError("Cannot convert a cyclic structure to a JSON-compatible value");
  }
  ancestors.add(value);
  try {
    if (typeof toJSON === "function") return convert(toJSON.call(value), ancestors);
    if (Array.isArray(value)) {
      // Array.from visits holes too (as undefined → null), like JSON.stringify
      return Array.from(value, (item) => convert(item, ancestors));
    }
    if (value instanceof Set) return Array.from(value, (item) => convert(item, ancestors));
    const out: Record<string, unknown> = {};
    const entries = value instanceof Map ? value.entries() : Object.entries(value);
    for (const [key, item] of entries) out[String(key)] = convert(item, ancestors);
    return out;
  } finally {
    ancestors.delete(value);
  }
}
