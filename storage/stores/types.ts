/**
 * The one interface every backend implements (S3, Azure, local directory, memory).
 * The sync engine only ever talks to an {@linkcode ObjectStore}.
 *
 * Keys are POSIX `/` strings without a leading `/`. A store never interprets a key as a
 * local path; turning keys into local paths is the job of `storage/keys.ts`.
 *
 * @module
 */
import type { BandwidthLimiter } from "../bandwidth.ts";

/**
 * One object as a store lists it.
 *
 * @example
 * ```ts
 * import type { StoreObject } from "accsr/storage";
 * const o: StoreObject = { key: "data/a.txt", size: 3, etag: "900150983cd24fb0d6963f7d28e17f72", md5: "900150983cd24fb0d6963f7d28e17f72" };
 * ```
 */
export interface StoreObject {
  /** Full key including any base path, never starting with "/". */
  key: string;
  /** Size in bytes (for a `head` with `partNumber`: the size of that part). */
  size: number;
  /** Entity tag without quotes, when the store has one. */
  etag?: string;
  /**
   * MD5 of the whole content (lower-case hex) when the store knows it: a plain-MD5 ETag,
   * the `md5` metadata entry written by accsr, Azure's Content-MD5, or the file store's record.
   */
  md5?: string;
  /** Last modification time, when known. */
  lastModified?: Date;
  /** User metadata, when the listing or head carries it. */
  metadata?: Record<string, string>;
  /** Number of parts of a multipart object, when the store reports it (`head` with `partNumber`). */
  partsCount?: number;
  /**
   * Checksum headers of a `head` (`x-amz-checksum-crc64nvme`, `x-amz-checksum-type`,
   * `x-goog-hash`…; names lower-case), when the store returned any.
   */
  checksums?: Record<string, string>;
  /**
   * Version id of this content on a versioned bucket (from `head` and `put`; S3 listings do
   * not carry it). Absent on unversioned buckets.
   */
  versionId?: string;
}

/**
 * What to upload: bytes already in memory (small files, read once and hashed), or a file
 * to stream from (large files).
 *
 * @example
 * ```ts
 * import type { UploadBody } from "accsr/storage";
 * const small: UploadBody = { data: new TextEncoder().encode("abc") };
 * const large: UploadBody = { path: "/data/big.bin", size: 1 << 30 };
 * ```
 */
export type UploadBody = { data: Uint8Array } | { path: string; size: number };

/**
 * Options of {@linkcode ObjectStore.put}.
 *
 * @example
 * ```ts
 * import type { PutOptions } from "accsr/storage";
 * const o: PutOptions = { md5: "900150983cd24fb0d6963f7d28e17f72", ifNoneMatch: true };
 * ```
 */
export interface PutOptions {
  /**
   * MD5 of the whole content (lower-case hex). Stores keep it as metadata `md5` (S3:
   * `x-amz-meta-md5`; Azure: Content-MD5) and send it as `Content-MD5` where the protocol
   * lets the server verify the body.
   */
  md5: string;
  /** Extra user metadata (from `addExtraToUpload`). */
  metadata?: Record<string, string>;
  /** Content type (from `addExtraToUpload`). */
  contentType?: string;
  /** Create only: fail with code `PRECONDITION_FAILED` when the key already exists. */
  ifNoneMatch?: boolean;
  /** Overwrite only if the current ETag equals this one; else code `PRECONDITION_FAILED`. */
  ifMatch?: string;
  /** Cancels the upload (multipart uploads are aborted). */
  signal?: AbortSignal;
  /** Called with the number of bytes sent since the previous call. */
  onProgress?: (bytes: number) => void;
  /** Shared rate limit of the run (`bandwidthLimit`): the store takes each chunk from it. */
  bandwidth?: BandwidthLimiter;
  /**
   * The MD5 of every part of a path body, computed in the same read as `md5` (see
   * {@linkcode ObjectStore.uploadPartSize}). A store whose part size matches sends them as
   * the parts' `Content-MD5` without hashing the file again; otherwise it hashes itself.
   */
  partMd5s?: { partSize: number; md5s: readonly string[] };
}

/**
 * Options of {@linkcode ObjectStore.get}.
 *
 * @example
 * ```ts
 * import type { GetOptions } from "accsr/storage";
 * const o: GetOptions = { onProgress: (n) => console.log(n) };
 * ```
 */
export interface GetOptions {
  /** Cancels the download. */
  signal?: AbortSignal;
  /** Called with the number of bytes received since the previous call. */
  onProgress?: (bytes: number) => void;
  /** Shared rate limit of the run (`bandwidthLimit`): the store takes each chunk from it. */
  bandwidth?: BandwidthLimiter;
  /**
   * Resume: when `destinationPath` already holds the first bytes of the object and its ETag
   * is still this one, fetch only the rest (ranged GET with `If-Match`; the MD5 covers the
   * whole file). Stores that cannot resume (or an object that changed) start from byte 0.
   */
  resumeEtag?: string;
  /** On failure, leave what was written in `destinationPath` (for a later resume). */
  keepPartial?: boolean;
  /**
   * Read this version of the object (versioned buckets) instead of the current one; fails
   * with `NOT_FOUND` when the store has no such version of the key.
   */
  versionId?: string;
}

/**
 * Result of {@linkcode ObjectStore.get}: what was written.
 *
 * @example
 * ```ts
 * import type { GetResult } from "accsr/storage";
 * const r: GetResult = { size: 3, md5: "900150983cd24fb0d6963f7d28e17f72" };
 * ```
 */
export interface GetResult {
  /** Bytes written. */
  size: number;
  /** MD5 of the bytes written (lower-case hex), computed while streaming. */
  md5: string;
}

/**
 * Something {@linkcode ObjectStore.cleanup} found (and, unless a dry run, removed): an
 * incomplete multipart upload, or a stale temporary file of the store.
 *
 * @example
 * ```ts
 * import type { CleanupEntry } from "accsr/storage";
 * const e: CleanupEntry = { kind: "multipart_upload", key: "data/big.bin", uploadId: "2~x", started: new Date() };
 * ```
 */
export interface CleanupEntry {
  /** What it is. */
  kind: "multipart_upload" | "temporary_file";
  /** Object key (multipart upload). */
  key?: string;
  /** Upload id (multipart upload). */
  uploadId?: string;
  /** Path of a temporary file. */
  path?: string;
  /** When the upload started or the file was last written, when known. */
  started?: Date;
}

/**
 * Options of {@linkcode ObjectStore.cleanup}.
 *
 * @example
 * ```ts
 * import type { StoreCleanupOptions } from "accsr/storage";
 * const o: StoreCleanupOptions = { olderThanMs: 24 * 3600_000, dryrun: true };
 * ```
 */
export interface StoreCleanupOptions {
  /** Only what started (or was last written) at least this long ago; 0: everything. */
  olderThanMs: number;
  /** Only report. */
  dryrun?: boolean;
  /** Only keys this accepts (e.g. `data` itself and `data/…`, not `database`). */
  keyFilter?: (key: string) => boolean;
  /** Cancels the cleanup. */
  signal?: AbortSignal;
}

/**
 * A bucket of an object store. Errors are `StorageError`s with these codes where they apply:
 * `BUCKET_NOT_FOUND`, `BUCKET_EXISTS`, `ACCESS_DENIED`, `NOT_FOUND`, `PRECONDITION_FAILED`,
 * `ENDPOINT_UNREACHABLE`, `ABORTED`; anything else `STORAGE_ERROR`.
 *
 * @example
 * ```ts
 * import type { ObjectStore } from "accsr/storage";
 * async function count(store: ObjectStore): Promise<number> {
 *   let n = 0;
 *   for await (const _ of store.list("")) n++;
 *   return n;
 * }
 * ```
 */
export interface ObjectStore {
  /** Provider id, e.g. `"s3"`, `"file"`, `"memory"`, `"azure_blobs"`. */
  readonly provider: string;
  /** Bucket (container) name. */
  readonly bucket: string;
  /** Where the bucket lives, for messages; never contains a secret (e.g. `s3://b at http://127.0.0.1:7480`). */
  readonly location: string;
  /**
   * Creates the bucket. With `existOk` (default true) a bucket that already exists and is
   * yours is fine; a bucket owned by someone else is always an error. With `versioning`, the
   * bucket (new or existing) keeps every version of its objects where the store supports it
   * (S3, file, memory); stores without versions ignore it.
   */
  createBucket(
    options?: { existOk?: boolean; versioning?: boolean; signal?: AbortSignal },
  ): Promise<void>;
  /** Every object whose key starts with `prefix` (string prefix, all depths), in any order. */
  list(prefix: string, options?: { signal?: AbortSignal }): AsyncIterable<StoreObject>;
  /**
   * One object's properties including metadata, or `undefined` if it does not exist. With
   * `partNumber`, `size` is the length of that part and `partsCount` the number of parts
   * (where the store supports it; otherwise the whole object).
   */
  head(
    key: string,
    options?: { partNumber?: number; signal?: AbortSignal },
  ): Promise<StoreObject | undefined>;
  /**
   * The part size a path body of `size` bytes would be uploaded in, or `undefined` when it
   * goes up in one request (or the store hashes no parts). Lets the caller compute the
   * whole-file MD5 and the part MD5s in one read and pass them as `partMd5s`.
   */
  uploadPartSize?(size: number): number | undefined;
  /** Writes an object and returns what the store now holds for the key. */
  put(key: string, body: UploadBody, options: PutOptions): Promise<StoreObject>;
  /**
   * Streams an object into `destinationPath` (created or truncated; the caller passes a
   * temporary path and renames it). Fails with `NOT_FOUND` when the key does not exist.
   */
  get(key: string, destinationPath: string, options?: GetOptions): Promise<GetResult>;
  /** Deletes the keys (missing keys are not an error). */
  delete(keys: readonly string[], options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Aborts incomplete multipart uploads of keys starting with `prefix`, whoever started them,
   * and removes the store's own stale temporary files (those of no running process);
   * returns what it removed (or, with `dryrun`, would remove). Stores without such debris
   * leave it out.
   */
  cleanup?(prefix: string, options: StoreCleanupOptions): Promise<CleanupEntry[]>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
