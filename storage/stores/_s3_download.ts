/**
 * Downloads of the S3 store: streamed into a file, hashed on the fly, resumed with a ranged
 * GET conditioned on the ETag after a transient failure.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { type FileHandle, open, rm } from "node:fs/promises";
import { StorageError } from "../../errors.ts";
import { localFs } from "../local_fs.ts";
import type { GetOptions, GetResult } from "./types.ts";
import { type S3ErrorContext, toStorageError } from "./_s3_errors.ts";
import type { ObjectHeaders, S3Ops } from "./_s3_ops.ts";
import {
  hashPrefix,
  httpStatus,
  rangeStart,
  rangeTotal,
  type Transfer,
  unquote,
} from "./_s3_util.ts";

/**
 * What the download functions need of the store.
 *
 * @example
 * ```ts
 * import type { DownloadEnv } from "./_s3_download.ts";
 * function bucketOf(env: DownloadEnv): string { return env.bucket; }
 * ```
 */
export interface DownloadEnv {
  /** The request path (lean or SDK). */
  ops(): Promise<S3Ops>;
  /** Records that the bucket exists. */
  seen(): void;
  /** ` at <endpoint>` for messages. */
  where: string;
  /** Bucket name. */
  bucket: string;
  /** The MD5 a response declares for the whole content. */
  objectMd5(headers: ObjectHeaders): string | undefined;
  /** The error context of an action. */
  ctx(action: string, key: string | undefined, signal?: AbortSignal): S3ErrorContext;
}

/**
 * Streams the object into `destinationPath`, hashing on the fly. A transfer that fails
 * midway on a transient error (lean path) continues where it stopped (a ranged GET
 * conditioned on the ETag; from the first byte when the server ignores the range);
 * progress is reported once per byte of the object. With `resumeEtag`, bytes already in
 * `destinationPath` are kept (and hashed) and only the rest is fetched, if the object's
 * ETag is still that one (else it starts over). Fails with `NOT_FOUND` for a missing key,
 * with `STORAGE_ERROR` when fewer bytes arrive than announced, and with `CORRUPT_DOWNLOAD`
 * when the content's MD5 differs from the one the response declares (`md5` metadata or a
 * plain-MD5 ETag); the partial file is removed on failure unless `keepPartial` (never
 * after a corrupt download).
 */
export async function download(
  env: DownloadEnv,
  key: string,
  destinationPath: string,
  options: GetOptions,
): Promise<GetResult> {
  const ctx = env.ctx("get", key, options.signal);
  const t: Transfer = {
    hash: createHash("md5"),
    size: 0,
    reported: 0,
    etag: options.resumeEtag === undefined ? undefined : unquote(options.resumeEtag),
  };
  let file: Promise<FileHandle> | undefined;
  let keep = options.keepPartial === true;
  try {
    if (options.signal?.aborted) throw options.signal.reason;
    const resumed = t.etag === undefined
      ? undefined
      : await open(destinationPath, "r+").catch(() => {
        t.etag = undefined; // nothing to resume
        return undefined;
      });
    if (resumed !== undefined) {
      file = Promise.resolve(resumed);
      await hashPrefix(resumed, t, options.signal);
      if (t.size > 0) options.onProgress?.(t.size); // the bar counts the kept bytes as done
    }
    // otherwise the file is created when the answer arrives (a small body: written at once)
    const sink: Sink = {
      path: destinationPath,
      file: () => file ??= open(destinationPath, "w"),
      opened: () => file,
    };
    for (let attempt = 0;; attempt++) {
      try {
        await getInto(env, key, sink, t, options);
        break;
      } catch (e) {
        // the object changed since the partial file was written (412), or the partial
        // file is already whole (416): start over once, from the first byte
        const status = httpStatus(e);
        if (attempt > 0 || t.ranged !== true || (status !== 412 && status !== 416)) throw e;
        await (await file)?.truncate(0);
        Object.assign(t, { hash: createHash("md5"), size: 0, etag: undefined });
      }
    }
    env.seen();
    await (await file)?.close();
  } catch (e) {
    await file?.then((f) => f.close()).catch(() => {});
    if (!keep) await rm(destinationPath, { force: true }).catch(() => {});
    throw toStorageError(e, ctx);
  }
  if (t.expected !== undefined && t.size !== t.expected) {
    if (!keep) await rm(destinationPath, { force: true }).catch(() => {});
    throw new StorageError(
      `Cannot get "${ctx.what}"${env.where}: received ${t.size} of ${t.expected} bytes (connection dropped; retry)`,
      { key, bucket: env.bucket },
    );
  }
  const md5 = t.hash.digest("hex");
  if (t.expectedMd5 !== undefined && md5 !== t.expectedMd5) {
    keep = false;
    await rm(destinationPath, { force: true }).catch(() => {});
    throw new StorageError(
      `Cannot get "${ctx.what}"${env.where}: received content has MD5 ${md5}, expected ${t.expectedMd5} (corrupted in transit; retry)`,
      { code: "CORRUPT_DOWNLOAD", key, bucket: env.bucket },
    );
  }
  return { size: t.size, md5 };
}

/**
 * Bodies up to this size whose file is not open yet are collected in memory and written with
 * one synchronous write (open, write, close on this thread: for a small file much cheaper
 * than three hand-offs to the thread pool).
 */
export const SMALL_BODY_BYTES = 64 * 1024;

/** Where a download goes: the file is opened on first use. */
interface Sink {
  path: string;
  /** The open file (opened now if need be). */
  file(): Promise<FileHandle>;
  /** The file if it was opened. */
  opened(): Promise<FileHandle> | undefined;
}

/** One GET (with its retries) appending to the sink's file from `t.size`. */
async function getInto(
  env: DownloadEnv,
  key: string,
  sink: Sink,
  t: Transfer,
  options: GetOptions,
): Promise<void> {
  const range = () => {
    t.ranged = t.size > 0 && t.etag !== undefined;
    return t.ranged ? { offset: t.size, etag: t.etag! } : undefined;
  };
  await (await env.ops()).get(
    key,
    async (headers, body) => {
      const from = rangeStart(headers.contentRange);
      if (from === undefined || from !== t.size) {
        // a whole body (the server ignored the range, or nothing to continue): from byte 0
        if (from !== undefined && from !== 0) {
          throw new Error(`the server answered with bytes from ${from}, not ${t.size}`);
        }
        await (await sink.opened())?.truncate(0);
        t.hash = createHash("md5");
        t.size = 0;
      }
      t.etag ??= unquote(headers.etag) || undefined;
      t.expected = rangeTotal(headers.contentRange) ?? headers.size;
      t.expectedMd5 = env.objectMd5(headers);
      if (
        sink.opened() === undefined && t.size === 0 && headers.size !== undefined &&
        headers.size <= SMALL_BODY_BYTES
      ) {
        // all or nothing: a body cut short is fetched again from byte 0 (nothing written)
        const chunks: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of body) {
          await options.bandwidth?.take(chunk.byteLength, options.signal);
          chunks.push(chunk);
          size += chunk.byteLength;
          if (size > t.reported) {
            options.onProgress?.(size - t.reported);
            t.reported = size;
          }
        }
        const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        localFs.writeFile(sink.path, data);
        t.hash.update(data);
        t.size = size;
        return;
      }
      const file = await sink.file();
      for await (const chunk of body) {
        await options.bandwidth?.take(chunk.byteLength, options.signal);
        t.hash.update(chunk);
        await file.write(chunk, 0, chunk.byteLength, t.size);
        t.size += chunk.byteLength;
        if (t.size > t.reported) {
          options.onProgress?.(t.size - t.reported);
          t.reported = t.size;
        }
      }
    },
    options.signal,
    range,
    options.versionId,
  );
}
