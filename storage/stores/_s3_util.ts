/**
 * Small helpers of the S3 store: ETag and range parsing, a cancellable pool, the state of a
 * download.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, type Hash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { MiB } from "./_s3_options.ts";
import type { ObjectHeaders } from "./_s3_ops.ts";
import type { StoreObject } from "./types.ts";

/** The state of one download across its attempts. */
export interface Transfer {
  /** MD5 of the bytes in the file so far. */
  hash: Hash;
  /** Bytes in the file so far. */
  size: number;
  /** Bytes reported to `onProgress`. */
  reported: number;
  /** ETag the rest must come from (the first answer's, or the resumed file's). */
  etag?: string;
  /** Whether the last attempt asked for a range. */
  ranged?: boolean;
  /** Size of the whole object, as the answer says. */
  expected?: number;
  /** MD5 of the whole object, as the answer says. */
  expectedMd5?: string;
}

/** Hashes the bytes already in `file` (a resumed download) into `t`. */
export async function hashPrefix(
  file: FileHandle,
  t: Transfer,
  signal?: AbortSignal,
): Promise<void> {
  const buffer = Buffer.allocUnsafe(MiB);
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, t.size);
    if (bytesRead === 0) break;
    t.hash.update(buffer.subarray(0, bytesRead));
    t.size += bytesRead;
  }
  t.reported = t.size;
}

/** `bytes 100-199/1000` → 100. */
export function rangeStart(range: string | undefined): number | undefined {
  const m = range === undefined ? null : /bytes (\d+)-/.exec(range);
  return m ? Number(m[1]) : undefined;
}

/** `bytes 100-199/1000` → 1000. */
export function rangeTotal(range: string | undefined): number | undefined {
  const m = range === undefined ? null : /\/(\d+)$/.exec(range);
  return m ? Number(m[1]) : undefined;
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. On the first failure (or when
 * `signal` fires) the others are cancelled through the pool's signal, and the call rejects
 * with that first error once every running task has settled.
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  fn: (item: T, signal: AbortSignal, worker: number) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) throw signal.reason;
  signal?.addEventListener("abort", onAbort, { once: true });
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (w: number) => {
    while (failure === undefined && next < items.length) {
      if (controller.signal.aborted) {
        failure ??= { error: signal?.reason ?? controller.signal.reason };
        return;
      }
      const item = items[next++];
      try {
        await fn(item, controller.signal, w);
      } catch (e) {
        failure ??= { error: e };
        controller.abort(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, (_, w) => worker(w)));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (failure !== undefined) throw failure.error;
}

export function positiveInt(
  value: number | undefined,
  fallback: number,
  name: string,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min || Math.floor(value) !== value) {
    throw new RangeError(`S3Store: ${name} must be an integer ≥ ${min} (got ${value})`);
  }
  return value;
}

export function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

/** The ETag when it is a plain MD5 (32 hex digits, no `-N` multipart suffix). */
export function plainMd5(etag: string): string | undefined {
  return /^[0-9a-fA-F]{32}$/.test(etag) ? etag.toLowerCase() : undefined;
}

export function etagPartsCount(etag: string): number | undefined {
  const m = /-(\d+)$/.exec(etag);
  return m ? Number(m[1]) : undefined;
}

/** `bytes 0-99/1000` covers less than the whole object. */
export function isPartialRange(range: string | undefined): boolean {
  const m = range === undefined ? null : /bytes (\d+)-(\d+)\/(\d+)/.exec(range);
  return m !== null && Number(m[2]) - Number(m[1]) + 1 < Number(m[3]);
}

/**
 * The ETag S3 and radosgw give a multipart object — the MD5 of the parts' binary MD5s and
 * `-<parts>` — when every part's ETag is the MD5 that was sent (else `undefined`).
 */
export function multipartEtag(parts: readonly { etag: string; md5: string }[]): string | undefined {
  const hash = createHash("md5");
  for (const p of parts) {
    if (unquote(p.etag).toLowerCase() !== p.md5) return undefined;
    hash.update(Buffer.from(p.md5, "hex"));
  }
  return `${hash.digest("hex")}-${parts.length}`;
}

export function hexToBase64(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

export function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
}

/** The `md5` metadata entry, else the ETag when it is a plain MD5 of the content. */
export function objectMd5(out: ObjectHeaders): string | undefined {
  const metaMd5 = out.metadata.md5;
  if (metaMd5 !== undefined && /^[0-9a-fA-F]{32}$/.test(metaMd5)) return metaMd5.toLowerCase();
  // SSE-KMS / SSE-C ETags are 32 hex digits but not an MD5 of the content.
  const encrypted = out.sseCustomerAlgorithm !== undefined ||
    (out.serverSideEncryption !== undefined && out.serverSideEncryption !== "AES256");
  return encrypted ? undefined : plainMd5(unquote(out.etag));
}

/** A HEAD answer as a store object. */
export function headToObject(key: string, out: ObjectHeaders, partNumber?: number): StoreObject {
  const etag = unquote(out.etag);
  const result: StoreObject = {
    key,
    size: out.size ?? 0,
    etag,
    md5: objectMd5(out),
    lastModified: out.lastModified,
    metadata: { ...out.metadata },
  };
  if (out.checksums !== undefined) result.checksums = out.checksums;
  // "null": written before versioning was enabled (or while suspended), not addressable
  if (out.versionId !== undefined && out.versionId !== "null") result.versionId = out.versionId;
  if (partNumber !== undefined) {
    let partsCount = out.partsCount;
    if (partsCount === undefined && isPartialRange(out.contentRange)) {
      partsCount = etagPartsCount(etag);
    }
    if (partsCount !== undefined) result.partsCount = partsCount;
  }
  return result;
}
