/**
 * Uploads of the S3 store: single `PutObject`s with `Content-MD5`, and multipart uploads whose
 * part MD5s come from the caller's read of the file (or one read here, in a worker thread), so
 * the upload itself only reads and sends; conditional writes (`ifNoneMatch` / `ifMatch`).
 *
 * @module
 */
import { takeAll } from "../bandwidth.ts";
import { Buffer } from "node:buffer";
import { type FileHandle, open } from "node:fs/promises";
import { digestFile, md5Bytes } from "../../hashing/md5.ts";
import { StorageError } from "../../errors.ts";
import type { PutOptions, StoreObject } from "./types.ts";
import type { HeldUploadState, UploadState, UploadStates } from "../resume_state.ts";
import { retryKind, type S3ErrorContext, toStorageError } from "./_s3_errors.ts";
import { bodyLength, type FileBody, type S3Ops } from "./_s3_ops.ts";
import { hexToBase64, httpStatus, multipartEtag, runPool, unquote } from "./_s3_util.ts";

/** Attempts of a part the server received damaged (its MD5 check failed, the file unchanged). */
const CORRUPTED_PART_ATTEMPTS = 3;

/** Server errors saying a body does not match its declared digest. */
const DIGEST_MISMATCH = new Set(["BadDigest", "XAmzContentSHA256Mismatch"]);

/**
 * What the upload functions need of the store.
 *
 * @example
 * ```ts
 * import type { UploadEnv } from "./_s3_upload.ts";
 * function bucketOf(env: UploadEnv): string { return env.bucket; }
 * ```
 */
export interface UploadEnv {
  /** The request path (lean or SDK). */
  ops(): Promise<S3Ops>;
  /** The store's `head`. */
  head(key: string, o: { signal?: AbortSignal }): Promise<StoreObject | undefined>;
  /** Records that the bucket exists. */
  seen(): void;
  /** The store's part size for a body of this size. */
  uploadPartSize(size: number): number | undefined;
  /** ` at <endpoint>` for messages. */
  where: string;
  /** Bucket name. */
  bucket: string;
  /** The error of a file that changed while it was uploaded. */
  changedError(ctx: S3ErrorContext, path: string, size: number): StorageError;
  /** Parts in flight per upload. */
  partConcurrency: number;
  /** Aborts a multipart upload (or remembers it for later). */
  abortUpload(key: string, uploadId: string): Promise<void>;
  /** The store's location (recorded with resumable upload states). */
  location: string;
  /** Where interrupted multipart uploads are remembered, if anywhere. */
  uploadStates: UploadStates | undefined;
}

export async function putSingle(
  env: UploadEnv,
  key: string,
  data: Uint8Array | FileBody,
  options: PutOptions,
  ctx: S3ErrorContext,
): Promise<StoreObject> {
  const md5 = options.md5.toLowerCase();
  const ops = await env.ops();
  // one request: its bytes are taken from the run's rate before it is sent
  await takeAll(
    options.bandwidth,
    data instanceof Uint8Array ? data.byteLength : data.size,
    options.signal,
  );
  const send = (ifMatch: string | undefined): Promise<string> =>
    ops.put({
      key,
      body: data,
      contentMD5: hexToBase64(md5),
      contentType: options.contentType,
      metadata: { ...options.metadata, md5 },
      ifNoneMatch: options.ifNoneMatch,
      ifMatch,
      signal: options.signal,
    });
  let etag: string;
  try {
    // Unquoted If-Match: radosgw compares the raw value, MinIO strips quotes.
    etag = await send(options.ifMatch === undefined ? undefined : unquote(options.ifMatch));
  } catch (e) {
    const status = httpStatus(e);
    const missingKey = status === 404 && (e as { name?: string }).name !== "NoSuchBucket";
    const conditional = options.ifNoneMatch || options.ifMatch !== undefined;
    if (conditional && (status === 412 || (options.ifMatch !== undefined && missingKey))) {
      const current = status === 412 ? await env.head(key, { signal: options.signal }) : undefined;
      if (current !== undefined && current.md5 === md5) {
        // The key already holds exactly this content: an earlier attempt of this request
        // succeeded but its answer was lost (retried after a reset or timeout), or another
        // writer stored the same bytes. Nothing would be overwritten — done.
        env.seen();
        options.onProgress?.(bodyLength(data));
        return { key, size: bodyLength(data), etag: current.etag, md5 };
      }
      // A server insisting on a quoted ETag: retry once if the ETag really is current.
      if (
        options.ifMatch !== undefined && current?.etag !== undefined &&
        current.etag === unquote(options.ifMatch)
      ) {
        try {
          etag = await send(`"${current.etag}"`);
        } catch (e2) {
          // radosgw 16 answers 412 to every If-Match PUT on a versioned bucket, even with
          // the current ETag: there the overwrite goes unconditional — nothing is lost, as
          // the replaced content stays readable as its own version
          if (httpStatus(e2) !== 412 || current.versionId === undefined) throw e2;
          etag = await send(undefined);
        }
      } else {
        throw toStorageError(
          Object.assign(new Error("precondition failed"), {
            name: "PreconditionFailed",
            $metadata: { httpStatusCode: 412 },
            cause: e,
          }),
          ctx,
        );
      }
    } else {
      throw e;
    }
  }
  env.seen();
  options.onProgress?.(bodyLength(data));
  return { key, size: bodyLength(data), etag: unquote(etag), md5 };
}

/** Checks `ifNoneMatch` / `ifMatch` with a HEAD (multipart: before the completion). */
export async function checkPrecondition(
  env: UploadEnv,
  key: string,
  options: PutOptions,
  ctx: S3ErrorContext,
): Promise<void> {
  if (!options.ifNoneMatch && options.ifMatch === undefined) return;
  const current = await env.head(key, { signal: options.signal });
  const failed = options.ifNoneMatch
    ? current !== undefined
    : current === undefined || current.etag !== unquote(options.ifMatch);
  if (failed) {
    throw toStorageError(
      Object.assign(new Error("precondition failed"), {
        name: "PreconditionFailed",
        $metadata: { httpStatusCode: 412 },
      }),
      ctx,
    );
  }
}

export async function putMultipart(
  env: UploadEnv,
  key: string,
  path: string,
  size: number,
  options: PutOptions,
  ctx: S3ErrorContext,
): Promise<StoreObject> {
  const md5 = options.md5.toLowerCase();
  const partSize = env.uploadPartSize(size)!;
  const count = Math.max(1, Math.ceil(size / partSize));

  // The part MD5s: from the caller's read of the file (which also gave `md5`), else from
  // one read here (in a worker thread) that also checks the declared whole-file MD5. The
  // upload below then only reads and sends; the server checks every part against its
  // MD5, so a file changed since it was hashed fails the upload (BadDigest).
  let partMd5s = options.partMd5s?.partSize === partSize &&
      options.partMd5s.md5s.length === count
    ? options.partMd5s.md5s
    : undefined;
  if (partMd5s === undefined) {
    let digest;
    try {
      digest = await digestFile(path, { partSize, signal: options.signal, size });
    } catch (e) {
      if (options.signal?.aborted) throw e;
      throw new StorageError(
        `Cannot put "${ctx.what}"${env.where}: cannot read "${path}": ${(e as Error).message}`,
        { key, bucket: env.bucket, cause: e },
      );
    }
    if (digest.size !== size) throw env.changedError(ctx, path, size);
    if (digest.md5 !== md5) {
      throw new StorageError(
        `Cannot put "${ctx.what}"${env.where}: the content read from "${path}" has MD5 ${digest.md5}, not the declared ${md5} (the file changed while uploading; retry)`,
        { code: "LOCAL_FILE_CHANGED", key, bucket: env.bucket },
      );
    }
    partMd5s = digest.parts!;
  }
  const partHashes = partMd5s;

  const ops = await env.ops();
  let file: FileHandle;
  try {
    file = await open(path, "r");
  } catch (e) {
    throw new StorageError(
      `Cannot put "${ctx.what}"${env.where}: cannot read "${path}": ${(e as Error).message}`,
      { key, bucket: env.bucket, cause: e },
    );
  }
  let uploadId: string | undefined;
  // resumable: the upload stays open when interrupted, and is resumed by the next put
  const held = await env.uploadStates?.acquire(env.location, key);
  try {
    const metadata = { ...options.metadata, md5 };
    const resumed = await resumableUpload(env, held, key, size, md5, partSize, options.signal);
    uploadId = resumed?.uploadId ??
      await ops.createMultipart(key, options.contentType, metadata, options.signal);
    env.seen();
    const id = uploadId;
    const onServer = resumed?.parts ?? new Map<number, { etag: string; size: number }>();
    if (resumed === undefined) {
      await held?.write({
        version: 1,
        location: env.location,
        key,
        uploadId: id,
        size,
        md5,
        partSize,
        created: new Date().toISOString(),
      });
    }
    const parts: { partNumber: number; etag: string; md5: string }[] = new Array(count);
    const indexes = Array.from({ length: count }, (_, i) => i);
    const workers = Math.min(env.partConcurrency, count);
    // one buffer per worker, reused for each of its parts (no copy per part)
    const buffers: Buffer[] = [];
    await runPool(indexes, workers, options.signal, async (i, poolSignal, worker) => {
      const offset = i * partSize;
      const length = Math.min(partSize, size - offset);
      const have = onServer.get(i + 1);
      if (
        have !== undefined && have.size === length &&
        unquote(have.etag).toLowerCase() === partHashes[i]
      ) {
        // an earlier run sent exactly these bytes (same MD5 of the same range) as this part
        parts[i] = { partNumber: i + 1, etag: have.etag, md5: partHashes[i] };
        options.onProgress?.(length);
        return;
      }
      buffers[worker] ??= Buffer.allocUnsafe(Math.min(partSize, size));
      const body = buffers[worker].subarray(0, length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await file.read(body, filled, length - filled, offset + filled);
        if (bytesRead === 0) throw env.changedError(ctx, path, size);
        filled += bytesRead;
      }
      await options.bandwidth?.take(length, options.signal);
      let etag;
      for (let attempt = 1;; attempt++) {
        try {
          etag = await ops.uploadPart(key, id, i + 1, body, hexToBase64(partHashes[i]), poolSignal);
          break;
        } catch (e) {
          if (!DIGEST_MISMATCH.has((e as { name?: string }).name ?? "")) throw e;
          // The server's MD5 (SDK path: also SHA-256) of what it received differs from the
          // declared one: either the file changed since it was hashed, or the bytes were
          // damaged on the way. The bytes sent are still in `body`: hash them to tell which
          // (only on this rare path).
          if (md5Bytes(body) !== partHashes[i]) {
            throw new StorageError(
              `Cannot put "${ctx.what}"${env.where}: part ${
                i + 1
              } of "${path}" no longer has the MD5 it had when the file was hashed (the file changed while uploading; retry)`,
              { code: "LOCAL_FILE_CHANGED", key, bucket: env.bucket, cause: e },
            );
          }
          if (attempt >= CORRUPTED_PART_ATTEMPTS) {
            throw new StorageError(
              `Cannot put "${ctx.what}"${env.where}: part ${
                i + 1
              } of "${path}" arrived damaged ${attempt} times (the server's MD5 check failed; the local bytes are unchanged): check the network path to the server (proxies, NICs)`,
              { key, bucket: env.bucket, cause: e },
            );
          }
        }
      }
      etag = etag!;
      parts[i] = { partNumber: i + 1, etag, md5: partHashes[i] };
      options.onProgress?.(length);
    });
    // The file must not have grown either.
    if ((await file.stat()).size !== size) throw env.changedError(ctx, path, size);

    // radosgw 16 ignores If-None-Match / If-Match on CompleteMultipartUpload: check with a
    // HEAD first (a write landing between this HEAD and the completion is not detected
    // there; servers that honour the headers — AWS — close that window). A conflicting
    // key is thus only noticed after the upload; the engine has just listed it, so that is
    // rare, and one HEAD per upload is cheaper than a second one before it.
    await checkPrecondition(env, key, options, ctx);
    let etag;
    try {
      etag = await ops.completeMultipart({
        key,
        uploadId: id,
        parts,
        ifNoneMatch: options.ifNoneMatch,
        ifMatch: options.ifMatch === undefined ? undefined : `"${unquote(options.ifMatch)}"`,
        signal: options.signal,
      });
    } catch (e) {
      // A retried completion whose first attempt succeeded (answer lost): NoSuchUpload,
      // and the object with this upload's MD5 and size is in place.
      if ((e as { name?: string }).name !== "NoSuchUpload") throw e;
      const current = await env.head(key, { signal: options.signal });
      if (current === undefined || current.md5 !== md5 || current.size !== size) throw e;
      etag = current.etag;
    }
    uploadId = undefined; // completed: nothing to abort any more
    await held?.remove();
    // radosgw 16 returns an empty ETag from CompleteMultipartUpload: derive it from the
    // parts' ETags like the server does, or ask.
    etag = unquote(etag) || multipartEtag(parts) ||
      unquote((await ops.head(key, undefined, options.signal)).etag);
    return { key, size, etag, md5 };
  } catch (e) {
    // interrupted (abort, lost network, server errors): kept for the next put to resume;
    // anything else (the file changed, a precondition failed, access denied): aborted
    const resumable = held !== undefined &&
      (options.signal?.aborted === true || retryKind(e) !== undefined);
    if (uploadId !== undefined && !resumable) {
      await env.abortUpload(key, uploadId);
      await held?.remove();
    }
    throw toStorageError(e, ctx);
  } finally {
    await held?.release();
    await file.close().catch(() => {});
  }
}

/**
 * The upload an earlier run left for this unchanged file (same size, MD5 and part size)
 * with the parts the server holds, or `undefined`. An upload of another version of the
 * file is aborted; one the server no longer knows (completed, aborted) is forgotten.
 */
async function resumableUpload(
  env: UploadEnv,
  held: HeldUploadState | undefined,
  key: string,
  size: number,
  md5: string,
  partSize: number,
  signal: AbortSignal | undefined,
): Promise<{ uploadId: string; parts: Map<number, { etag: string; size: number }> } | undefined> {
  const state: UploadState | undefined = await held?.read();
  if (state === undefined) return undefined;
  if (state.key !== key || state.location !== env.location) return undefined;
  if (state.size !== size || state.md5 !== md5 || state.partSize !== partSize) {
    await env.abortUpload(key, state.uploadId); // the file changed: start anew
    await held!.remove();
    return undefined;
  }
  const ops = await env.ops();
  const parts = new Map<number, { etag: string; size: number }>();
  let marker: string | undefined;
  try {
    do {
      const page = await ops.listParts(key, state.uploadId, marker, signal);
      for (const p of page.parts) parts.set(p.partNumber, { etag: p.etag, size: p.size });
      marker = page.nextPartNumberMarker;
    } while (marker !== undefined);
  } catch (e) {
    if ((e as { name?: string }).name === "NoSuchUpload" || httpStatus(e) === 404) {
      await held!.remove();
      return undefined;
    }
    throw e;
  }
  return { uploadId: state.uploadId, parts };
}
