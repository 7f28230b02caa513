/**
 * Deletes of the Azure Blob store: Blob Batch requests of up to 256 deletes, 4 at a time, or
 * single deletes where batches are refused. Missing blobs are fine; a key no blob can have is
 * never sent (it would address another blob).
 *
 * @module
 */
import type { ContainerClient } from "npm:@azure/storage-blob@~12.32.0";
import { StorageError } from "../../errors.ts";
import { azureErrorCode, azureStatus } from "./_azure_errors.ts";
import { azureKeyProblem, DELETE_CONCURRENCY, forEachLimited } from "./_azure_util.ts";

/** Azure's limit on the sub-requests of one Blob Batch request. */
const BATCH_SIZE = 256;

/**
 * What the delete function needs of the store.
 *
 * @example
 * ```ts
 * import type { DeleteEnv } from "./_azure_delete.ts";
 * function bucketOf(env: DeleteEnv): string { return env.bucket; }
 * ```
 */
export interface DeleteEnv {
  /** The container. */
  container: ContainerClient;
  /** Whether Blob Batch requests are (still) used. */
  batch: boolean;
  /** Batches were refused: single deletes from now on. */
  disableBatch(): void;
  /** Counts a Blob Batch request sent. */
  countBatch(): void;
  /** The store's error mapping. */
  error(e: unknown, action: string, key: string | undefined, signal?: AbortSignal): StorageError;
  /** Container name. */
  bucket: string;
}

/** Deletes the blobs (missing ones are fine). */
export async function deleteBlobs(
  env: DeleteEnv,
  keys: readonly string[],
  options: { signal?: AbortSignal },
): Promise<void> {
  const signal = options.signal;
  // a key no blob can have is missing; sending it would delete another blob
  const deletable = [...new Set(keys)].filter((k) => azureKeyProblem(k) === undefined);
  if (deletable.length === 0) return;
  if (deletable.length > 1 && env.batch) {
    const batches: string[][] = [];
    for (let i = 0; i < deletable.length; i += BATCH_SIZE) {
      batches.push(deletable.slice(i, i + BATCH_SIZE));
    }
    let refused = false;
    await forEachLimited(batches, 4, async (batch) => {
      if (refused) return;
      if (signal?.aborted) throw env.error(signal.reason, "delete", batch[0], signal);
      let response;
      try {
        response = await env.container.getBlobBatchClient().deleteBlobs(
          batch.map((k) => env.container.getBlobClient(k)),
          { deleteSnapshots: "include", abortSignal: signal },
        );
        env.countBatch();
      } catch (e) {
        const status = azureStatus(e);
        if (signal?.aborted || status === undefined || status >= 500) {
          throw env.error(e, "delete", batch[0], signal);
        }
        refused = true; // 4xx for the batch itself: not supported here, use single deletes
        return;
      }
      const failed = response.subResponses.filter((r) =>
        r.status >= 300 && r.errorCode !== "BlobNotFound"
      );
      if (failed.length > 0) {
        const first = failed[0];
        const key = batch[response.subResponses.indexOf(first)] ?? batch[0];
        const err = Object.assign(new Error(first.errorCode ?? first.statusMessage), {
          statusCode: first.status,
          code: first.errorCode,
        });
        const mapped = env.error(err, "delete", key, signal);
        throw new StorageError(
          `${mapped.message}${failed.length > 1 ? ` — ${failed.length} blobs not deleted` : ""}`,
          {
            code: mapped.code,
            statusCode: mapped.statusCode,
            key,
            bucket: env.bucket,
            cause: err,
          },
        );
      }
    });
    if (!refused) return;
    env.disableBatch();
  }
  await forEachLimited(deletable, DELETE_CONCURRENCY, async (key) => {
    if (signal?.aborted) throw env.error(signal.reason, "delete", key, signal);
    try {
      await env.container.getBlobClient(key).delete({
        deleteSnapshots: "include",
        abortSignal: signal,
      });
    } catch (e) {
      if (azureErrorCode(e) === "BlobNotFound") return;
      throw env.error(e, "delete", key, signal);
    }
  });
}
