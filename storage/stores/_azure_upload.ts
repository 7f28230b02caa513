/**
 * Staged uploads of the Azure Blob store: blocks of `blockSize` staged in parallel, each with
 * its transactional MD5 (from the caller's read of the file when given, so nothing is hashed
 * here), then committed with the whole-file MD5 and the write conditions.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { StorageError } from "../../errors.ts";
import type { AzureLean } from "./_azure_lean.ts";
import type { PutOptions, StoreObject, UploadBody } from "./types.ts";
import { azureErrorCode } from "./_azure_errors.ts";
import { linkedController, MAX_BLOCK_SIZE, MAX_BLOCKS, quote } from "./_azure_util.ts";

/**
 * What the staged upload needs of the store.
 *
 * @example
 * ```ts
 * import type { StagedEnv } from "./_azure_upload.ts";
 * function bucketOf(env: StagedEnv): string { return env.bucket; }
 * ```
 */
export interface StagedEnv {
  /** The error of a file that changed while it was uploaded. */
  changed(key: string, path: string, expected: number, actual?: number): StorageError;
  /** `azure://<container>/<key>` for messages. */
  what(key?: string): string;
  /** Configured block size. */
  blockSize: number;
  /** Container name. */
  bucket: string;
  /** Blocks in flight. */
  concurrency: number;
  /** The store's `head`. */
  head(key: string, o: { signal?: AbortSignal }): Promise<StoreObject | undefined>;
  /** Counts a block actually staged (not found already staged by an interrupted upload). */
  countStaged(): void;
  /** The lean request path. */
  lean: AzureLean;
}

/** Stages `source` in blocks of `blockSize` (from memory, or read from the file) and commits. */
export async function putStaged(
  env: StagedEnv,
  key: string,
  source: UploadBody,
  size: number,
  headers: Record<string, string>,
  options: PutOptions,
): Promise<{ etag?: string; lastModified?: Date }> {
  const conditions = { ifNoneMatch: headers["if-none-match"], ifMatch: headers["if-match"] };
  const data = "data" in source ? source.data : undefined;
  const path = "path" in source ? source.path : "";
  if (data !== undefined && createHash("md5").update(data).digest("hex") !== options.md5) {
    throw new StorageError(
      `Cannot upload "${
        env.what(key)
      }": the content does not match the declared MD5 ${options.md5.toLowerCase()} (retry the push)`,
      { key, bucket: env.bucket },
    );
  }
  // Fail before sending gigabytes when the precondition already does not hold; the commit
  // repeats the condition, so a race is still caught there.
  if (conditions.ifNoneMatch !== undefined || conditions.ifMatch !== undefined) {
    const current = await env.head(key, { signal: options.signal });
    if (conditions.ifNoneMatch !== undefined && current !== undefined) {
      throw Object.assign(new Error("exists"), {
        statusCode: 409,
        details: { errorCode: "BlobAlreadyExists" },
      });
    }
    if (
      conditions.ifMatch !== undefined &&
      (current === undefined || quote(current.etag ?? "") !== conditions.ifMatch)
    ) {
      throw Object.assign(new Error("changed"), {
        statusCode: current === undefined ? 404 : 412,
        details: { errorCode: current === undefined ? "BlobNotFound" : "ConditionNotMet" },
      });
    }
  }
  const blockSize = Math.max(env.blockSize, Math.ceil(size / MAX_BLOCKS));
  if (blockSize > MAX_BLOCK_SIZE) {
    throw new StorageError(
      `Cannot upload "${
        env.what(key)
      }": ${size} bytes exceed the block blob limit (split the file)`,
      { key, bucket: env.bucket },
    );
  }
  const controller = linkedController(options.signal);
  const abortSignal = controller.signal;
  // Block ids name the content (whole-file MD5 and block index): the blocks an interrupted
  // upload of the same file left uncommitted (Azure keeps them for a week) are not staged
  // again. In-memory bodies get random ids.
  const idPrefix = data === undefined
    ? options.md5.toLowerCase().slice(0, 16)
    : randomBytes(8).toString("hex");
  const uncommitted = new Map<string, number>();
  if (data === undefined) {
    try {
      for (const [id, n] of await env.lean.uncommittedBlocks(key, abortSignal)) {
        uncommitted.set(id, n);
      }
    } catch {
      // no blob and no blocks yet
    }
  }
  const blockIds: string[] = [];
  // Block MD5s computed by the caller in the same read as the whole-file MD5: nothing to hash
  // here (the service checks each block against its MD5, so the blob is exactly the content
  // whose MD5 was declared)
  const count = Math.max(1, Math.ceil(size / blockSize));
  const given = data === undefined && options.partMd5s?.partSize === blockSize &&
      options.partMd5s.md5s.length === count
    ? options.partMd5s.md5s
    : undefined;
  const whole = given === undefined ? createHash("md5") : undefined;
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const fh = data === undefined ? await open(path, "r") : undefined;
  // block buffers reused once their block is staged: at most `concurrency` + 1 in memory
  const pool: Buffer[] = [];
  try {
    for (let offset = 0, index = 0; offset < size; offset += blockSize, index++) {
      if (failure !== undefined || abortSignal.aborted) break;
      const length = Math.min(blockSize, size - offset);
      let buf: Buffer;
      let pooled: Buffer | undefined;
      if (fh === undefined) {
        buf = Buffer.from(data!.buffer, data!.byteOffset + offset, length);
      } else {
        pooled = pool.pop() ?? Buffer.allocUnsafe(blockSize);
        buf = pooled.subarray(0, length);
        let filled = 0;
        while (filled < length) {
          const { bytesRead } = await fh.read(buf, filled, length - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled !== length) throw env.changed(key, path, size, offset + filled);
      }
      await options.bandwidth?.take(length, options.signal);
      whole?.update(buf);
      const blockId = Buffer.from(`${idPrefix}-${String(index).padStart(6, "0")}`).toString(
        "base64",
      );
      blockIds.push(blockId);
      if (uncommitted.get(blockId) === length) {
        // staged by an interrupted upload of this same file (same MD5, index and size)
        options.onProgress?.(length);
        if (pooled !== undefined) pool.push(pooled);
        continue;
      }
      env.countStaged();
      const blockMd5 = given !== undefined
        ? Buffer.from(given[index], "hex")
        : createHash("md5").update(buf).digest();
      const task: Promise<void> = env.lean
        .stageBlock(key, blockId, buf, blockMd5, abortSignal)
        .then(() => options.onProgress?.(length))
        .catch((error) => {
          // a block that no longer has the MD5 it was hashed with: the file changed
          // (Azure: Md5Mismatch; Azurite: InvalidOperation "contentMD5 doesn't match")
          const code = azureErrorCode(error);
          const changed = given !== undefined && (code === "Md5Mismatch" ||
            (code === "InvalidOperation" && /md5/i.test(String((error as Error)?.message))));
          if (failure === undefined) {
            failure = { error: changed ? env.changed(key, path, size) : error };
          }
          controller.abort();
        })
        .finally(() => {
          inFlight.delete(task);
          // every attempt of this block is over: its buffer may hold the next block
          if (pooled !== undefined) pool.push(pooled);
        });
      inFlight.add(task);
      if (inFlight.size >= env.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
    if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");
    const extra = await fh?.read(Buffer.alloc(1), 0, 1, size);
    if (extra !== undefined && extra.bytesRead !== 0) throw env.changed(key, path, size);
  } catch (e) {
    controller.abort();
    await Promise.allSettled(inFlight);
    throw e;
  } finally {
    await fh?.close();
  }
  if (whole !== undefined && whole.digest("hex") !== options.md5.toLowerCase()) {
    throw env.changed(key, path, size);
  }
  // the whole-file MD5 is the blob's Content-MD5 (x-ms-blob-content-md5 in `headers`)
  return await env.lean.commitBlocks(key, blockIds, headers, options.signal);
}
