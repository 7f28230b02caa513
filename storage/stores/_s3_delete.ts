/**
 * Deletes of the S3 store: `DeleteObjects` in batches of 1000 (quiet mode; per-key failures
 * reported), or parallel single `DeleteObject`s; aborting old incomplete multipart uploads.
 *
 * @module
 */
import { StorageError } from "../../errors.ts";
import { type S3ErrorContext, toStorageError } from "./_s3_errors.ts";
import type { BucketOps } from "./_s3_fast_bucket.ts";
import { BATCH_DELETE_CONCURRENCY, DELETE_CONCURRENCY } from "./_s3_options.ts";
import { httpStatus, runPool } from "./_s3_util.ts";
import type { S3Ops } from "./_s3_ops.ts";
import type { UploadListing } from "./_s3_multipart.ts";
import type { CleanupEntry, StoreCleanupOptions } from "./types.ts";

/**
 * What the delete function needs of the store.
 *
 * @example
 * ```ts
 * import type { DeleteEnv } from "./_s3_delete.ts";
 * function bucketOf(env: DeleteEnv): string { return env.bucket; }
 * ```
 */
export interface DeleteEnv {
  /** The delete requests (the lean path's, or the SDK's). */
  bucketOps(): Promise<BucketOps>;
  /** `DeleteObjects` batches, else single deletes. */
  batchDelete: boolean;
  /** The error context of an action. */
  ctx(action: string, key: string | undefined, signal?: AbortSignal): S3ErrorContext;
  /** Bucket name. */
  bucket: string;
}

/** Deletes the keys (missing keys are fine). */
export async function deleteKeys(
  env: DeleteEnv,
  keys: readonly string[],
  options: { signal?: AbortSignal },
): Promise<void> {
  if (keys.length === 0) return;
  const signal = options.signal;
  const sdk = await env.bucketOps();
  if (env.batchDelete) {
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += 1000) batches.push(keys.slice(i, i + 1000));
    await runPool(batches, BATCH_DELETE_CONCURRENCY, signal, async (batch, poolSignal) => {
      const ctx = env.ctx("delete", batch[0], signal);
      let failures;
      try {
        failures = await sdk.deleteObjects(batch, poolSignal);
      } catch (e) {
        throw toStorageError(e, ctx);
      }
      const errors = failures.filter((err) => err.Code !== "NoSuchKey");
      if (errors.length > 0) {
        const first = errors[0];
        const key = first.Key ?? batch[0];
        const cause = Object.assign(new Error(first.Message ?? first.Code ?? "error"), {
          name: first.Code ?? "DeleteError",
          $metadata: { httpStatusCode: first.Code === "AccessDenied" ? 403 : undefined },
        });
        const mapped = toStorageError(cause, env.ctx("delete", key, signal));
        throw new StorageError(
          `${mapped.message}${errors.length > 1 ? ` — ${errors.length} keys not deleted` : ""}`,
          { code: mapped.code, statusCode: mapped.statusCode, key, bucket: env.bucket, cause },
        );
      }
    });
  } else {
    await runPool(keys, DELETE_CONCURRENCY, signal, async (key, poolSignal) => {
      try {
        await sdk.deleteObject(key, poolSignal);
      } catch (e) {
        if ((e as { name?: string }).name === "NoSuchKey") return;
        throw toStorageError(e, env.ctx("delete", key, signal));
      }
    });
  }
}

/** Aborts the listed uploads started at least `options.olderThanMs` ago (see `S3Store.cleanup`). */
export async function abortOldUploads(
  uploads: AsyncIterable<UploadListing>,
  ops: () => Promise<S3Ops>,
  ctx: (action: string, key: string | undefined, signal?: AbortSignal) => S3ErrorContext,
  options: StoreCleanupOptions,
): Promise<CleanupEntry[]> {
  const cutoff = Date.now() - options.olderThanMs;
  const found: CleanupEntry[] = [];
  for await (const u of uploads) {
    const old = u.initiated === undefined
      ? options.olderThanMs <= 0
      : u.initiated.getTime() <= cutoff;
    if (!old || options.keyFilter?.(u.key) === false) continue;
    if (!options.dryrun) {
      try {
        await (await ops()).abortMultipart(u.key, u.uploadId, options.signal);
      } catch (e) {
        if ((e as { name?: string }).name === "NoSuchUpload" || httpStatus(e) === 404) continue;
        throw toStorageError(e, ctx("abort multipart upload of", u.key, options.signal));
      }
    }
    found.push({
      kind: "multipart_upload",
      key: u.key,
      uploadId: u.uploadId,
      started: u.initiated,
    });
  }
  return found;
}
