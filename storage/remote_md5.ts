/**
 * The whole-content MD5 and full-object checksums that uploaders record next to an object:
 * accsr's own metadata `md5` (hex), rclone's `md5chksum` (base64), s3cmd's `s3cmd-attrs`
 * (`…/md5:<hex>/…`), Google's `x-goog-hash: md5=<base64>` header, and the S3 full-object
 * checksums (`x-amz-checksum-crc64nvme` / `-crc32c` / `-crc32` with
 * `x-amz-checksum-type: FULL_OBJECT`) that current AWS SDKs and CLIs ask the server for.
 *
 * Pure parsing, no I/O: the stores hand over user metadata (names without `x-amz-meta-`,
 * lower-case) and the checksum headers (`StoreObject.checksums`, header names lower-case).
 *
 * @module
 */
import { Buffer } from "node:buffer";

const HEX_MD5 = /^[0-9a-fA-F]{32}$/;

/** Base64 (standard or URL alphabet) of exactly 16 bytes → lower-case hex, else `undefined`. */
function base64Md5(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^[A-Za-z0-9+/_-]{22}(==)?$/.test(v)) return undefined;
  const bytes = Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return bytes.length === 16 ? bytes.toString("hex") : undefined;
}

function lowerKeys(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) out[k.toLowerCase()] = v;
  return out;
}

/**
 * Where a recorded MD5 came from, for messages and tests.
 *
 * @example
 * ```ts
 * import type { Md5Source } from "./remote_md5.ts";
 * const s: Md5Source = "rclone md5chksum";
 * ```
 */
export type Md5Source = "md5" | "rclone md5chksum" | "s3cmd-attrs" | "x-goog-hash";

/**
 * The MD5 of the whole content that an uploader recorded in the object's user metadata
 * (lower-case hex), with where it came from: accsr's `md5`, rclone's `md5chksum`, s3cmd's
 * `s3cmd-attrs`; `undefined` when there is none (or it is malformed).
 *
 * @example
 * ```ts
 * import { recordedMd5 } from "./remote_md5.ts";
 * recordedMd5({ md5chksum: "kAFQmDzST7DWlj99KOF/cg==" });
 * // { md5: "900150983cd24fb0d6963f7d28e17f72", source: "rclone md5chksum" }
 * recordedMd5({ "s3cmd-attrs": "atime:1/md5:900150983cd24fb0d6963f7d28e17f72/mode:33188" })?.md5;
 * ```
 */
export function recordedMd5(
  metadata: Record<string, string> | undefined,
): { md5: string; source: Md5Source } | undefined {
  if (metadata === undefined) return undefined;
  const m = lowerKeys(metadata);
  if (m.md5 !== undefined && HEX_MD5.test(m.md5.trim())) {
    return { md5: m.md5.trim().toLowerCase(), source: "md5" };
  }
  const rclone = base64Md5(m.md5chksum);
  if (rclone !== undefined) return { md5: rclone, source: "rclone md5chksum" };
  const attrs = m["s3cmd-attrs"];
  if (attrs !== undefined) {
    for (const field of attrs.split("/")) {
      const i = field.indexOf(":");
      if (i > 0 && field.slice(0, i).trim() === "md5") {
        const v = field.slice(i + 1).trim();
        if (HEX_MD5.test(v)) return { md5: v.toLowerCase(), source: "s3cmd-attrs" };
      }
    }
  }
  return undefined;
}

/**
 * The MD5 in a Google Cloud Storage `x-goog-hash` header (`crc32c=…,md5=<base64>`; composite
 * objects have no `md5`), as lower-case hex.
 *
 * @example
 * ```ts
 * import { googHashMd5 } from "./remote_md5.ts";
 * googHashMd5("crc32c=n03x6A==,md5=kAFQmDzST7DWlj99KOF/cg=="); // "900150983cd24fb0d6963f7d28e17f72"
 * ```
 */
export function googHashMd5(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const item of header.split(",")) {
    const i = item.indexOf("=");
    if (i > 0 && item.slice(0, i).trim().toLowerCase() === "md5") {
      return base64Md5(item.slice(i + 1));
    }
  }
  return undefined;
}

/**
 * Full-object checksum algorithms accsr can compute locally.
 *
 * @example
 * ```ts
 * import type { ChecksumAlgorithm } from "./remote_md5.ts";
 * const a: ChecksumAlgorithm = "crc64nvme";
 * ```
 */
export type ChecksumAlgorithm = "crc64nvme" | "crc32c" | "crc32";

/**
 * A checksum of the whole content as the server declares it.
 *
 * @example
 * ```ts
 * import type { FullObjectChecksum } from "./remote_md5.ts";
 * const c: FullObjectChecksum = { algorithm: "crc64nvme", value: "rosUhgp5mIg=" };
 * ```
 */
export interface FullObjectChecksum {
  /** The algorithm. */
  algorithm: ChecksumAlgorithm;
  /** The checksum as S3 sends it: base64 of the big-endian value. */
  value: string;
}

/**
 * The full-object checksum a HEAD response declares, preferring CRC64NVME: only
 * `x-amz-checksum-type: FULL_OBJECT` checksums qualify (a `COMPOSITE` checksum of a multipart
 * object is a checksum of part checksums, which depends on the part size). CRC64NVME is
 * always full-object, also when the type header is missing. `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { fullObjectChecksum } from "./remote_md5.ts";
 * fullObjectChecksum({ "x-amz-checksum-crc64nvme": "rosUhgp5mIg=", "x-amz-checksum-type": "FULL_OBJECT" });
 * // { algorithm: "crc64nvme", value: "rosUhgp5mIg=" }
 * ```
 */
export function fullObjectChecksum(
  headers: Record<string, string> | undefined,
): FullObjectChecksum | undefined {
  if (headers === undefined) return undefined;
  const h = lowerKeys(headers);
  const type = h["x-amz-checksum-type"]?.trim().toUpperCase();
  const valid = (v: string | undefined, bytes: number) =>
    v !== undefined && /^[A-Za-z0-9+/]+=*$/.test(v.trim()) &&
    Buffer.from(v.trim(), "base64").length === bytes;
  const crc64 = h["x-amz-checksum-crc64nvme"];
  if (valid(crc64, 8) && (type === undefined || type === "FULL_OBJECT")) {
    return { algorithm: "crc64nvme", value: crc64!.trim() };
  }
  if (type !== "FULL_OBJECT") return undefined;
  for (const algorithm of ["crc32c", "crc32"] as const) {
    const v = h[`x-amz-checksum-${algorithm}`];
    if (valid(v, 4)) return { algorithm, value: v!.trim() };
  }
  return undefined;
}

/**
 * The checksum headers of an HTTP response worth keeping for equality checks
 * (`x-amz-checksum-*`, `x-goog-hash`), names lower-case.
 *
 * @example
 * ```ts
 * import { checksumHeaders } from "./remote_md5.ts";
 * checksumHeaders({ "X-Amz-Checksum-Type": "FULL_OBJECT", "content-length": "3" });
 * // { "x-amz-checksum-type": "FULL_OBJECT" }
 * ```
 */
export function checksumHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    const n = name.toLowerCase();
    if (!n.startsWith("x-amz-checksum-") && n !== "x-goog-hash") continue;
    const v = Array.isArray(value) ? value.join(",") : value;
    if (v === undefined) continue;
    (out ??= {})[n] = v;
  }
  return out;
}
