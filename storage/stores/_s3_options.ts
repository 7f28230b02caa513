/**
 * Options and limits of the S3 store (`s3.ts`).
 *
 * @module
 */

/**
 * Options of {@linkcode S3Store}.
 *
 * @example
 * ```ts
 * import type { S3StoreOptions } from "./s3.ts";
 * const o: S3StoreOptions = {
 *   bucket: "data",
 *   endpoint: "http://127.0.0.1:7480",
 *   accessKeyId: "test",
 *   secretAccessKey: "testtesttest",
 * };
 * ```
 */
export interface S3StoreOptions {
  /** Bucket name. */
  bucket: string;
  /** Full URL, e.g. `http://127.0.0.1:7480`; undefined → AWS's endpoint for the region. */
  endpoint?: string;
  /** Region, default `"us-east-1"`. */
  region?: string;
  /** Access key id; `null`/`undefined` (with the secret) → the SDK's default credential chain. */
  accessKeyId?: string | null;
  /** Secret access key; never shown in messages, `String`, JSON or `inspect`. */
  secretAccessKey?: string | null;
  /** Session token of temporary credentials; never shown either. */
  sessionToken?: string | null;
  /** Path-style URLs (`endpoint/bucket/key`); default true when `endpoint` is given. */
  forcePathStyle?: boolean;
  /** When the SDK computes/validates flexible checksums; default `"WHEN_REQUIRED"`. */
  checksumMode?: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
  /** Bodies larger than this (bytes) use multipart; default 64 MiB, at most 5 GiB. */
  multipartThreshold?: number;
  /** Part size of multipart uploads; default 16 MiB, at least 5 MiB (raised for 10,000 parts). */
  partSize?: number;
  /** Parts uploaded in parallel per multipart upload; default 4. */
  partConcurrency?: number;
  /** Size of the keep-alive connection pool; default 64. */
  maxSockets?: number;
  /** Reported provider id; default `"s3"` (e.g. `"google_storage"`). */
  provider?: string;
  /**
   * Folder of the resume states of multipart uploads (`storage/resume_state.ts`; the storage
   * layer passes the one beside the hash cache). With it, a multipart upload interrupted by
   * anything (kill, crash, lost network, abort) stays open and the next `put` of the same
   * unchanged file resumes it, sending only the parts the server does not hold (`ListParts`,
   * each part's ETag compared with the MD5 of the same local bytes). Without it, a failed
   * upload is aborted.
   */
  resumeDir?: string;
  /** `DeleteObjects` in batches of 1000 (default true); false: parallel `DeleteObject`s. */
  batchDelete?: boolean;
  /**
   * Attempts per request including retries of transient errors (5xx, `SlowDown`, timeouts,
   * connection reset or refused; never 4xx such as 400, 403, 404, 412); default 5. Waits
   * between attempts grow exponentially with full jitter.
   */
  maxAttempts?: number;
  /** No retry starts later than this (ms) after a request's first failure; default 20 000. */
  maxRetryTime?: number;
  /** Base of the exponential backoff (ms); default 100 (throttling: 5×). */
  retryBaseDelay?: number;
  /** Connect timeout per attempt (ms); default 5 000. */
  connectionTimeout?: number;
  /** An attempt whose socket is idle (no byte either way) this long (ms) fails; default 30 000. */
  socketTimeout?: number;
  /**
   * Send listings, HEADs, GETs and uploads (single and multipart) with a lean built-in SigV4
   * signer instead of the AWS SDK (several times less client CPU per request, and the SDK
   * client module is not even loaded). Default true; used with any endpoint (or AWS's),
   * virtual-hosted or path-style, http or https, static keys or the default credential chain,
   * whenever `checksumMode` is `"WHEN_REQUIRED"`.
   */
  fastPut?: boolean;
  /**
   * Every object written gets an ETag equal to the MD5 of its content: files above
   * `multipartThreshold` go up in one streamed PUT instead of parts (up to 5 GiB; larger
   * files are refused with `PLAIN_ETAG_TOO_LARGE`). See `_s3_plain_etag.ts` for why.
   * @default {false}
   */
  plainEtags?: boolean;
}

export const MiB = 1024 * 1024;
/** S3's limits: parts of 5 MiB … 5 GiB, at most 10,000 of them; single PUT ≤ 5 GiB. */
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PARTS = 10_000;
export const MAX_SINGLE_PUT = 5 * 1024 * MiB;
/** Connect timeout per attempt: an unreachable endpoint fails in bounded time. */
export const CONNECTION_TIMEOUT_MS = 5_000;
/** A socket idle this long (no byte either way) fails the attempt. */
export const SOCKET_IDLE_TIMEOUT_MS = 30_000;
/** No retry starts later than this after a request's first failure. */
export const MAX_RETRY_TIME_MS = 20_000;
/** Base of the exponential backoff between attempts. */
export const RETRY_BASE_DELAY_MS = 100;
/** Longest single wait between attempts. */
export const RETRY_MAX_DELAY_MS = 5_000;
/** How long a deferred multipart abort may take (server still down: try again later). */
export const DEFERRED_ABORT_TIMEOUT_MS = 5_000;
/** Parallel single-object deletes when `batchDelete` is off. */
export const DELETE_CONCURRENCY = 16;
/** Parallel `DeleteObjects` batches. */
export const BATCH_DELETE_CONCURRENCY = 4;
