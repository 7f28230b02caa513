/**
 * Object keys are POSIX `/` strings everywhere. This module is the only place that joins
 * keys, normalises base paths and turns keys into local paths; it refuses keys that would
 * land outside the local base directory.
 *
 * @module
 */
import * as path from "node:path";

/**
 * Normalises a base path: trims white space, drops empty and `.` segments (so no key ever
 * has `//`, a leading `/` or a trailing `/`). `..` segments are refused.
 *
 * @example
 * ```ts
 * import { normalizeBasePath } from "./keys.ts";
 * normalizeBasePath(" /a//b/ "); // "a/b"
 * normalizeBasePath(null); // ""
 * ```
 */
export function normalizeBasePath(basePath: string | null | undefined): string {
  if (basePath === null || basePath === undefined) return "";
  if (typeof basePath !== "string") {
    throw new TypeError(`Cannot use base path ${String(basePath)}: expected a string`);
  }
  const segments = basePath.trim().split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) {
    throw new RangeError(`Cannot use base path "${basePath}": ".." segments are not allowed`);
  }
  return segments.join("/");
}

/**
 * Joins key parts with `/`, dropping empty and `.` segments. A trailing `/` of the last
 * part is kept when `keepTrailingSlash` is set (used for explicit "directory" prefixes).
 *
 * @example
 * ```ts
 * import { joinKey } from "./keys.ts";
 * joinKey("base", "/d/a.txt"); // "base/d/a.txt"
 * joinKey("", "x"); // "x"
 * ```
 */
export function joinKey(...parts: string[]): string {
  const segments: string[] = [];
  for (const part of parts) {
    for (const s of part.split("/")) if (s !== "" && s !== ".") segments.push(s);
  }
  return segments.join("/");
}

/**
 * The key of `key` relative to `basePath` (which must be normalised), or `undefined` when
 * the key is not below the base path.
 *
 * @example
 * ```ts
 * import { relativeKey } from "./keys.ts";
 * relativeKey("ns/v1", "ns/v1/d/a.txt"); // "d/a.txt"
 * relativeKey("ns", "nsx/a"); // undefined
 * ```
 */
export function relativeKey(basePath: string, key: string): string | undefined {
  const k = key.replace(/^\/+/, "");
  if (basePath === "") return k;
  if (k === basePath) return "";
  if (k.startsWith(basePath + "/")) return k.slice(basePath.length + 1);
  return undefined;
}

/**
 * Why a relative key cannot be mapped to a local file, or `undefined` when it can: `..` or
 * `.` segments, an absolute path, a drive letter, backslashes, NUL, empty segments or an
 * empty key are refused.
 *
 * @example
 * ```ts
 * import { unsafeKeyReason } from "./keys.ts";
 * unsafeKeyReason("a/../../x"); // 'contains a ".." segment'
 * unsafeKeyReason("d/a.txt"); // undefined
 * ```
 */
export function unsafeKeyReason(relKey: string): string | undefined {
  if (relKey === "") return "is empty (it names the base path itself)";
  if (relKey.includes("\0")) return "contains a NUL character";
  if (relKey.includes("\\")) return "contains a backslash";
  if (relKey.startsWith("/")) return "is an absolute path";
  if (/^[A-Za-z]:/.test(relKey)) return "starts with a drive letter";
  const segments = relKey.split("/");
  if (segments.includes("..")) return 'contains a ".." segment';
  if (segments.includes(".")) return 'contains a "." segment';
  if (segments.includes("")) return "contains an empty segment";
  return undefined;
}

/**
 * The local path of a relative key below `localBaseDir` (absolute), or throws a `RangeError`
 * when the key is unsafe (see {@linkcode unsafeKeyReason}).
 *
 * @example
 * ```ts
 * import { keyToLocalPath } from "./keys.ts";
 * keyToLocalPath("/data", "d/a.txt"); // "/data/d/a.txt"
 * ```
 */
export function keyToLocalPath(localBaseDir: string, relKey: string): string {
  const reason = unsafeKeyReason(relKey);
  if (reason !== undefined) {
    throw new RangeError(`Cannot map key "${relKey}" to a local path: it ${reason}`);
  }
  const base = path.resolve(localBaseDir);
  const local = path.join(base, ...relKey.split("/"));
  const rel = path.relative(base, local);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new RangeError(`Cannot map key "${relKey}" to a local path: it leaves "${base}"`);
  }
  return local;
}

/**
 * The longest common string prefix of keys: one listing of this prefix sees every key and
 * everything below each key.
 *
 * @example
 * ```ts
 * import { commonPrefix } from "./keys.ts";
 * commonPrefix(["d/a.txt", "d/sub/b.txt"]); // "d/"
 * ```
 */
export function commonPrefix(keys: readonly string[]): string {
  if (keys.length === 0) return "";
  let prefix = keys[0];
  for (const k of keys) {
    let i = 0;
    const n = Math.min(prefix.length, k.length);
    while (i < n && prefix.charCodeAt(i) === k.charCodeAt(i)) i++;
    prefix = prefix.slice(0, i);
    if (prefix === "") break;
  }
  return prefix;
}
