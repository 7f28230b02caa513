/**
 * The S3 {@linkcode ObjectStore} (AWS S3, MinIO, Ceph radosgw, Google Cloud Storage's
 * interoperability API…) with a keep-alive connection pool.
 *
 * With an explicit endpoint, path-style URLs and static credentials, listings, HEADs, GETs,
 * single PUTs and multipart uploads go through a lean built-in SigV4 signer
 * (`_s3_fast.ts`); the AWS SDK v3 (`_s3_sdk.ts`) is then imported only for `createBucket`
 * and `delete`. Otherwise (AWS's default credential chain, virtual-host URLs, flexible
 * checksums, `fastPut: false`) every request goes through the SDK.
 *
 * Small bodies go up in one `PutObject` with `Content-MD5` (the server verifies the body);
 * bodies above `multipartThreshold` are streamed from the file as a multipart upload whose
 * parts carry their own `Content-MD5`. The whole-file MD5 is kept in the object metadata
 * (`x-amz-meta-md5`) so that equality stays decidable for multipart objects, whose ETag is
 * not an MD5.
 *
 * @module
 */

import { takeAll } from "../bandwidth.ts";
import { Buffer } from "node:buffer";
import { createHash, type Hash } from "node:crypto";
import { digestFile } from "../../hashing/md5.ts";
import { type FileHandle, open, readFile, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { StorageError } from "../../errors.ts";
import type {
  CleanupEntry,
  GetOptions,
  GetResult,
  ObjectStore,
  PutOptions,
  StoreCleanupOptions,
  StoreObject,
  UploadBody,
} from "./types.ts";
import {
  retryKind,
  type RetryPolicy,
  type S3ErrorContext,
  S3RetryStrategy,
  toStorageError,
} from "./_s3_errors.ts";
import { type HeldUploadState, type UploadState, UploadStates } from "../resume_state.ts";
import { FastS3 } from "./_s3_fast.ts";
import { bodyLength, type FileBody, type ObjectHeaders, type S3Ops } from "./_s3_ops.ts";
import { uploadMechanism } from "./_s3_plain_etag.ts";
import type { SdkS3, SdkS3Options } from "./_s3_sdk.ts";
import type { ListPage } from "./_s3_xml.ts";
import type { UploadListing } from "./_s3_multipart.ts";

const MiB = 1024 * 1024;
/** S3's limits: parts of 5 MiB … 5 GiB, at most 10,000 of them; single PUT ≤ 5 GiB. */
const MIN_PART_SIZE = 5 * MiB;
const MAX_PARTS = 10_000;
const MAX_SINGLE_PUT = 5 * 1024 * MiB;
/** Connect timeout per attempt: an unreachable endpoint fails in bounded time. */
const CONNECTION_TIMEOUT_MS = 5_000;
/** A socket idle this long (no byte either way) fails the attempt. */
const SOCKET_IDLE_TIMEOUT_MS = 30_000;
/** No retry starts later than this after a request's first failure. */
const MAX_RETRY_TIME_MS = 20_000;
/** Base of the exponential backoff between attempts. */
const RETRY_BASE_DELAY_MS = 100;
/** Longest single wait between attempts. */
const RETRY_MAX_DELAY_MS = 5_000;
/** How long a deferred multipart abort may take (server still down: try again later). */
const DEFERRED_ABORT_TIMEOUT_MS = 5_000;
/** Parallel single-object deletes when `batchDelete` is off. */
const DELETE_CONCURRENCY = 16;
/** Parallel `DeleteObjects` batches. */
const BATCH_DELETE_CONCURRENCY = 4;

let sdkModule: Promise<typeof import("./_s3_sdk.ts")> | undefined;
let sdkLoaded = false;

/**
 * Whether an {@linkcode S3Store} of this process has loaded the AWS SDK
 * (`@aws-sdk/client-s3`). Stores on the lean path load it only for `createBucket` and
 * `delete`; a listing, HEAD, GET or upload never does.
 *
 * @example
 * ```ts
 * import { awsSdkLoaded, S3Store } from "./s3.ts";
 * const store = new S3Store({ bucket: "b", endpoint: "http://127.0.0.1:7480", accessKeyId: "test", secretAccessKey: "testtesttest" });
 * for await (const _ of store.list("")) break;
 * console.log(awsSdkLoaded()); // false
 * await store.close();
 * ```
 */
export function awsSdkLoaded(): boolean {
  return sdkLoaded;
}

function loadSdk(): Promise<typeof import("./_s3_sdk.ts")> {
  return sdkModule ??= import("./_s3_sdk.ts").then((m) => {
    sdkLoaded = true;
    return m;
  });
}

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
   * module is not even loaded). Default true; used only with an explicit `endpoint`,
   * path-style URLs, static credentials and `checksumMode` `"WHEN_REQUIRED"`.
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

/**
 * An {@linkcode ObjectStore} for one S3 bucket. Credentials and the request clients live in
 * private fields, so neither `String(store)`, `JSON.stringify(store)` nor `inspect(store)`
 * shows them.
 *
 * @example
 * ```ts
 * import { S3Store } from "./s3.ts";
 * const store = new S3Store({
 *   bucket: "data",
 *   endpoint: "http://127.0.0.1:7480",
 *   accessKeyId: "test",
 *   secretAccessKey: "testtesttest",
 * });
 * try {
 *   await store.createBucket();
 *   for await (const o of store.list("raw/")) console.log(o.key, o.size, o.md5);
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export class S3Store implements ObjectStore {
  /** Provider id (`"s3"` unless overridden). */
  readonly provider: string;
  /** Bucket name. */
  readonly bucket: string;
  /** `s3://<bucket> at <endpoint>` or `s3://<bucket> (AWS <region>)`. */
  readonly location: string;
  /** The endpoint URL without any user info, or undefined for AWS. */
  readonly endpoint: string | undefined;
  /** Region used for signing. */
  readonly region: string;

  /** The lean request path, when it applies. */
  readonly #fast: FastS3 | undefined;
  readonly #sdkOptions: SdkS3Options;
  /** The SDK client, created on first use. */
  #sdk: Promise<SdkS3> | undefined;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;
  readonly #where: string;
  readonly #endpointLabel: string;
  readonly #multipartThreshold: number;
  readonly #plainEtags: boolean;
  readonly #partSize: number;
  readonly #partConcurrency: number;
  readonly #batchDelete: boolean;
  readonly #retryStrategy: S3RetryStrategy;
  readonly #uploadStates: UploadStates | undefined;
  /** Multipart uploads whose abort failed (server unreachable): retried by later calls. */
  readonly #pendingAborts = new Map<string, string>();
  #flushing: Promise<void> | undefined;
  /** Set once the bucket was seen to exist (a 404 from HEAD then means "no such key"). */
  #bucketSeen = false;
  #closed = false;

  /** Creates the store (no request is made until the first operation). */
  constructor(options: S3StoreOptions) {
    if (typeof options?.bucket !== "string" || options.bucket === "") {
      throw new TypeError("S3Store: bucket must be a non-empty string");
    }
    this.bucket = options.bucket;
    this.provider = options.provider ?? "s3";
    this.region = options.region || "us-east-1";

    let endpoint: string | undefined;
    if (options.endpoint !== undefined && options.endpoint !== "") {
      let url: URL;
      try {
        url = new URL(options.endpoint);
      } catch {
        throw new TypeError(
          `S3Store: endpoint must be a full URL such as http://127.0.0.1:9000 (got a value that is not a URL)`,
        );
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new TypeError(`S3Store: endpoint must use http or https, not ${url.protocol}`);
      }
      url.username = "";
      url.password = "";
      url.search = "";
      url.hash = "";
      endpoint = url.href.replace(/\/+$/, "");
    }
    this.endpoint = endpoint;
    this.#endpointLabel = endpoint ?? `https://s3.${this.region}.amazonaws.com`;
    this.#where = endpoint !== undefined ? ` at ${endpoint}` : ` (AWS ${this.region})`;
    this.location = `s3://${this.bucket}${this.#where}`;

    this.#multipartThreshold = positiveInt(
      options.multipartThreshold,
      64 * MiB,
      "multipartThreshold",
      0,
    );
    if (this.#multipartThreshold > MAX_SINGLE_PUT) {
      throw new RangeError(
        "S3Store: multipartThreshold must be at most 5 GiB (S3's single PUT limit)",
      );
    }
    this.#plainEtags = options.plainEtags ?? false;
    this.#partSize = positiveInt(options.partSize, 16 * MiB, "partSize", MIN_PART_SIZE);
    this.#partConcurrency = positiveInt(options.partConcurrency, 4, "partConcurrency", 1);
    const maxSockets = positiveInt(options.maxSockets, 64, "maxSockets", 1);
    const maxAttempts = positiveInt(options.maxAttempts, 5, "maxAttempts", 1);
    const retry: RetryPolicy = {
      maxAttempts,
      baseDelayMs: positiveInt(options.retryBaseDelay, RETRY_BASE_DELAY_MS, "retryBaseDelay", 0),
      maxDelayMs: RETRY_MAX_DELAY_MS,
      maxRetryTimeMs: positiveInt(options.maxRetryTime, MAX_RETRY_TIME_MS, "maxRetryTime", 0),
    };
    const connectionTimeout = positiveInt(
      options.connectionTimeout,
      CONNECTION_TIMEOUT_MS,
      "connectionTimeout",
      1,
    );
    const socketTimeout = positiveInt(
      options.socketTimeout,
      SOCKET_IDLE_TIMEOUT_MS,
      "socketTimeout",
      1,
    );
    this.#retryStrategy = new S3RetryStrategy(retry);
    this.#batchDelete = options.batchDelete ?? true;
    this.#uploadStates = options.resumeDir ? new UploadStates(options.resumeDir) : undefined;

    const hasKey = options.accessKeyId != null && options.accessKeyId !== "";
    const hasSecret = options.secretAccessKey != null && options.secretAccessKey !== "";
    if (hasKey !== hasSecret) {
      throw new TypeError(
        "S3Store: accessKeyId and secretAccessKey must be given together (or both left unset for the default credential chain)",
      );
    }
    const credentials = hasKey
      ? {
        accessKeyId: options.accessKeyId as string,
        secretAccessKey: options.secretAccessKey as string,
        ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
      }
      : undefined;

    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.#httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
    const checksumMode = options.checksumMode ?? "WHEN_REQUIRED";
    const forcePathStyle = options.forcePathStyle ?? endpoint !== undefined;
    this.#sdkOptions = {
      bucket: this.bucket,
      region: this.region,
      endpoint,
      forcePathStyle,
      credentials,
      checksumMode,
      maxAttempts,
      retryStrategy: this.#retryStrategy,
      httpAgent: this.#httpAgent,
      httpsAgent: this.#httpsAgent,
      connectionTimeout,
      socketTimeout,
      retry,
    };
    if (
      (options.fastPut ?? true) && endpoint !== undefined && forcePathStyle &&
      credentials !== undefined && checksumMode === "WHEN_REQUIRED"
    ) {
      const url = new URL(endpoint);
      this.#fast = new FastS3({
        endpoint: url,
        region: this.region,
        bucket: this.bucket,
        credentials,
        agent: url.protocol === "https:" ? this.#httpsAgent : this.#httpAgent,
        retry,
        connectionTimeout,
        socketTimeout,
      });
    }
  }

  /**
   * Creates the bucket. An existing bucket of yours is fine with `existOk` (default true),
   * else `BUCKET_EXISTS`; a bucket name taken by another account is always `BUCKET_EXISTS`.
   */
  async createBucket(
    options: { existOk?: boolean; versioning?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const existOk = options.existOk ?? true;
    const ctx = this.#ctx("create bucket", undefined, options.signal);
    ctx.what = `s3://${this.bucket}`;
    if (!existOk) {
      // Some servers (radosgw, AWS us-east-1 legacy) answer 200 to re-creating your own
      // bucket, so ask first.
      const state = await this.#bucketState(options.signal, ctx);
      if (state !== "missing") {
        throw new StorageError(
          `Cannot create bucket "s3://${this.bucket}"${this.#where}: ${
            state === "owned"
              ? "bucket already exists (pass existOk to accept it)"
              : "the bucket name is taken by another account (choose another bucket name)"
          }`,
          { code: "BUCKET_EXISTS", bucket: this.bucket, statusCode: 409 },
        );
      }
    }
    try {
      await (await this.#sdkOps()).createBucket(options.signal);
      this.#bucketSeen = true;
    } catch (e) {
      const name = (e as { name?: string }).name;
      const mine = (name === "BucketAlreadyOwnedByYou" && existOk) ||
        (name === "BucketAlreadyExists" && existOk && await this.#ownsBucket(options.signal));
      if (!mine) throw toStorageError(e, ctx);
      this.#bucketSeen = true;
    }
    if (options.versioning) {
      try {
        await (await this.#sdkOps()).enableVersioning(options.signal);
      } catch (e) {
        throw toStorageError(e, ctx);
      }
    }
  }

  /**
   * Every object under `prefix` (`ListObjectsV2`, 1000 per page; the next page is requested
   * while the caller handles the current one). Listings carry no metadata.
   */
  async *list(prefix: string, options: { signal?: AbortSignal } = {}): AsyncIterable<StoreObject> {
    const ctx = this.#ctx("list", prefix, options.signal);
    ctx.key = undefined;
    await this.#flushPendingAborts();
    const fetchPage = async (token: string | undefined) => {
      if (options.signal?.aborted) throw options.signal.reason;
      return await (await this.#ops()).listPage(prefix, token, options.signal);
    };
    let next: Promise<ListPage> | undefined = fetchPage(undefined);
    while (next !== undefined) {
      let page;
      try {
        page = await next;
      } catch (e) {
        throw toStorageError(e, ctx);
      }
      this.#bucketSeen = true;
      // The next page is requested while the caller works through this one.
      next = page.nextToken === undefined ? undefined : fetchPage(page.nextToken);
      next?.catch(() => {}); // a caller that stops early never awaits it
      for (const o of page.objects) {
        const etag = unquote(o.etag);
        yield { key: o.key, size: o.size, etag, md5: plainMd5(etag), lastModified: o.lastModified };
      }
    }
  }

  /**
   * The object's properties and metadata, or `undefined`. `md5` comes from the `md5`
   * metadata entry, else from a plain-MD5 ETag. With `partNumber`, servers that support it
   * (AWS, MinIO) report the part's size and `partsCount`; others (radosgw 16) ignore it
   * and the whole object is returned without `partsCount`.
   */
  async head(
    key: string,
    options: { partNumber?: number; signal?: AbortSignal } = {},
  ): Promise<StoreObject | undefined> {
    const ctx = this.#ctx("head", key, options.signal);
    let out: ObjectHeaders;
    try {
      out = await (await this.#ops()).head(key, options.partNumber, options.signal);
    } catch (e) {
      if (httpStatus(e) === 404 && !options.signal?.aborted) {
        // HEAD has no body: a 404 is "no such key" or "no such bucket".
        if (!this.#bucketSeen && await this.#bucketState(options.signal, ctx) === "missing") {
          throw toStorageError(e, { ...ctx, bucketLevel: true });
        }
        return undefined;
      }
      throw toStorageError(e, ctx);
    }
    this.#bucketSeen = true;
    return this.#headToObject(key, out, options.partNumber);
  }

  /**
   * The part size of a multipart upload of a path body of `size` bytes (the configured
   * `partSize`, raised to stay within 10,000 parts), or `undefined` when it goes up in one
   * `PutObject`.
   */
  uploadPartSize(size: number): number | undefined {
    if (size <= this.#multipartThreshold) return undefined;
    return Math.ceil(size / this.#partSize) > MAX_PARTS
      ? Math.ceil(size / MAX_PARTS / MiB) * MiB
      : this.#partSize;
  }

  /**
   * Uploads `body`. Small bodies: one `PutObject` with `Content-MD5`; a path body above
   * `multipartThreshold`: a multipart upload read from the file at offsets.
   */
  async put(key: string, body: UploadBody, options: PutOptions): Promise<StoreObject> {
    if (typeof options?.md5 !== "string" || !/^[0-9a-fA-F]{32}$/.test(options.md5)) {
      throw new TypeError("S3Store.put: options.md5 must be a 32-digit hex MD5");
    }
    const ctx = this.#ctx("put", key, options.signal);
    ctx.preconditionState = options.ifNoneMatch
      ? "object already exists"
      : "object changed since it was listed";
    try {
      if (options.signal?.aborted) throw options.signal.reason;
      await this.#flushPendingAborts();
      if ("data" in body) return await this.#putSingle(key, body.data, options, ctx);
      const mechanism = uploadMechanism(body.size, {
        multipartThreshold: this.#multipartThreshold,
        plainEtags: this.#plainEtags,
        key,
        bucket: this.bucket,
      });
      if (mechanism === "multipart") {
        return await this.#putMultipart(key, body.path, body.size, options, ctx);
      }
      if (body.size > this.#multipartThreshold) {
        // plain ETags: one PUT streamed from the file (Content-MD5 guards the content)
        try {
          return await this.#putSingle(key, { path: body.path, size: body.size }, options, ctx);
        } catch (e) {
          const name = (e as { name?: string }).name;
          if (name === "LocalFileChanged") throw this.#changedError(ctx, body.path, body.size);
          if (name === "BadDigest" || (e as { code?: string }).code === "BAD_DIGEST") {
            // the bytes read from the file no longer have the MD5 planned for it
            throw new StorageError(
              `Cannot put "${ctx.what}"${this.#where}: the content read from "${body.path}" no longer has MD5 ${options.md5} (the file changed while uploading; retry)`,
              { code: "LOCAL_FILE_CHANGED", key, bucket: this.bucket, cause: e },
            );
          }
          throw e;
        }
      }
      let data: Uint8Array;
      try {
        data = await readFile(body.path, { signal: options.signal });
      } catch (e) {
        if (options.signal?.aborted) throw e;
        throw new StorageError(
          `Cannot put "${ctx.what}"${this.#where}: cannot read "${body.path}": ${
            (e as Error).message
          }`,
          { key, bucket: this.bucket, cause: e },
        );
      }
      if (data.byteLength !== body.size) throw this.#changedError(ctx, body.path, body.size);
      return await this.#putSingle(key, data, options, ctx);
    } catch (e) {
      throw toStorageError(e, ctx);
    }
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
  async get(key: string, destinationPath: string, options: GetOptions = {}): Promise<GetResult> {
    const ctx = this.#ctx("get", key, options.signal);
    const t: Transfer = {
      hash: createHash("md5"),
      size: 0,
      reported: 0,
      etag: options.resumeEtag === undefined ? undefined : unquote(options.resumeEtag),
    };
    let file: FileHandle | undefined;
    let keep = options.keepPartial === true;
    try {
      if (options.signal?.aborted) throw options.signal.reason;
      file = t.etag === undefined ? undefined : await open(destinationPath, "r+").catch(() => {
        t.etag = undefined; // nothing to resume
        return undefined;
      });
      if (file !== undefined) {
        await hashPrefix(file, t, options.signal);
        if (t.size > 0) options.onProgress?.(t.size); // the bar counts the kept bytes as done
      } else file = await open(destinationPath, "w");
      for (let attempt = 0;; attempt++) {
        try {
          await this.#getInto(key, file!, t, options);
          break;
        } catch (e) {
          // the object changed since the partial file was written (412), or the partial
          // file is already whole (416): start over once, from the first byte
          const status = httpStatus(e);
          if (attempt > 0 || t.ranged !== true || (status !== 412 && status !== 416)) throw e;
          await file!.truncate(0);
          Object.assign(t, { hash: createHash("md5"), size: 0, etag: undefined });
        }
      }
      this.#bucketSeen = true;
      await file!.close();
    } catch (e) {
      await file?.close().catch(() => {});
      if (!keep) await rm(destinationPath, { force: true }).catch(() => {});
      throw toStorageError(e, ctx);
    }
    if (t.expected !== undefined && t.size !== t.expected) {
      if (!keep) await rm(destinationPath, { force: true }).catch(() => {});
      throw new StorageError(
        `Cannot get "${ctx.what}"${this.#where}: received ${t.size} of ${t.expected} bytes (connection dropped; retry)`,
        { key, bucket: this.bucket },
      );
    }
    const md5 = t.hash.digest("hex");
    if (t.expectedMd5 !== undefined && md5 !== t.expectedMd5) {
      keep = false;
      await rm(destinationPath, { force: true }).catch(() => {});
      throw new StorageError(
        `Cannot get "${ctx.what}"${this.#where}: received content has MD5 ${md5}, expected ${t.expectedMd5} (corrupted in transit; retry)`,
        { code: "CORRUPT_DOWNLOAD", key, bucket: this.bucket },
      );
    }
    return { size: t.size, md5 };
  }

  /** One GET (with its retries) appending to `file` from `t.size`. */
  async #getInto(key: string, file: FileHandle, t: Transfer, options: GetOptions): Promise<void> {
    const range = () => {
      t.ranged = t.size > 0 && t.etag !== undefined;
      return t.ranged ? { offset: t.size, etag: t.etag! } : undefined;
    };
    await (await this.#ops()).get(
      key,
      async (headers, body) => {
        const from = rangeStart(headers.contentRange);
        if (from === undefined || from !== t.size) {
          // a whole body (the server ignored the range, or nothing to continue): from byte 0
          if (from !== undefined && from !== 0) {
            throw new Error(`the server answered with bytes from ${from}, not ${t.size}`);
          }
          await file.truncate(0);
          t.hash = createHash("md5");
          t.size = 0;
        }
        t.etag ??= unquote(headers.etag) || undefined;
        t.expected = rangeTotal(headers.contentRange) ?? headers.size;
        t.expectedMd5 = this.#objectMd5(headers);
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

  /**
   * Deletes the keys: `DeleteObjects` in batches of 1000 (quiet mode; per-key failures are
   * reported), or parallel `DeleteObject`s when `batchDelete` is off. Missing keys are fine.
   */
  async delete(keys: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    if (keys.length === 0) return;
    const signal = options.signal;
    const sdk = await this.#sdkOps();
    if (this.#batchDelete) {
      const batches: string[][] = [];
      for (let i = 0; i < keys.length; i += 1000) batches.push(keys.slice(i, i + 1000));
      await runPool(batches, BATCH_DELETE_CONCURRENCY, signal, async (batch, poolSignal) => {
        const ctx = this.#ctx("delete", batch[0], signal);
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
          const mapped = toStorageError(cause, this.#ctx("delete", key, signal));
          throw new StorageError(
            `${mapped.message}${errors.length > 1 ? ` — ${errors.length} keys not deleted` : ""}`,
            { code: mapped.code, statusCode: mapped.statusCode, key, bucket: this.bucket, cause },
          );
        }
      });
    } else {
      await runPool(keys, DELETE_CONCURRENCY, signal, async (key, poolSignal) => {
        try {
          await sdk.deleteObject(key, poolSignal);
        } catch (e) {
          if ((e as { name?: string }).name === "NoSuchKey") return;
          throw toStorageError(e, this.#ctx("delete", key, signal));
        }
      });
    }
  }

  /**
   * Every incomplete multipart upload of a key starting with `prefix`
   * (`ListMultipartUploads`, 1000 per page), whoever started it.
   */
  async *listIncompleteUploads(
    prefix: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncIterable<UploadListing> {
    const ctx = this.#ctx("list multipart uploads of", prefix, options.signal);
    ctx.key = undefined;
    let markers: { keyMarker: string; uploadIdMarker: string } | undefined;
    do {
      let page;
      try {
        page = await (await this.#ops()).listUploads(prefix, markers, options.signal);
      } catch (e) {
        throw toStorageError(e, ctx);
      }
      this.#bucketSeen = true;
      yield* page.uploads;
      markers = page.next;
    } while (markers !== undefined);
  }

  /**
   * Aborts the incomplete multipart uploads below `prefix` started at least `olderThanMs`
   * ago (all with 0; an upload whose start the server does not report counts only then).
   */
  async cleanup(prefix: string, options: StoreCleanupOptions): Promise<CleanupEntry[]> {
    const cutoff = Date.now() - options.olderThanMs;
    const found: CleanupEntry[] = [];
    for await (const u of this.listIncompleteUploads(prefix, options)) {
      const old = u.initiated === undefined
        ? options.olderThanMs <= 0
        : u.initiated.getTime() <= cutoff;
      if (!old || options.keyFilter?.(u.key) === false) continue;
      if (!options.dryrun) {
        try {
          await (await this.#ops()).abortMultipart(u.key, u.uploadId, options.signal);
        } catch (e) {
          if ((e as { name?: string }).name === "NoSuchUpload" || httpStatus(e) === 404) continue;
          throw toStorageError(e, this.#ctx("abort multipart upload of", u.key, options.signal));
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

  /** Retries made so far by this store (both request paths), for diagnostics and tests. */
  get retryCount(): number {
    return this.#retryStrategy.retries + (this.#fast?.retries ?? 0);
  }

  /**
   * Multipart uploads that could not be aborted when they failed (the server was
   * unreachable). Later calls (`list`, `put`, `close`) try again to abort them.
   */
  get pendingAborts(): number {
    return this.#pendingAborts.size;
  }

  /**
   * Tries once more (bounded in time) to abort pending multipart uploads, then destroys the
   * SDK client (if one was made) and the connection pool. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#flushPendingAborts();
    this.#closed = true;
    (await this.#sdk?.catch(() => undefined))?.destroy();
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  /** The location, e.g. `s3://b at http://127.0.0.1:7480`. */
  toString(): string {
    return this.location;
  }

  /** What `JSON.stringify` shows: no credentials. */
  toJSON(): Record<string, string | undefined> {
    return {
      provider: this.provider,
      bucket: this.bucket,
      location: this.location,
      endpoint: this.endpoint,
      region: this.region,
    };
  }

  // ---------------------------------------------------------------------------------------

  /** The SDK requests, loading the SDK on first use. */
  #sdkOps(): Promise<SdkS3> {
    return this.#sdk ??= loadSdk().then((m) => new m.SdkS3(this.#sdkOptions));
  }

  /** The object requests: the lean path when it applies, else the SDK. */
  async #ops(): Promise<S3Ops> {
    return this.#fast ?? await this.#sdkOps();
  }

  #ctx(action: string, key: string | undefined, signal?: AbortSignal): S3ErrorContext {
    return {
      action,
      what: `s3://${this.bucket}/${key ?? ""}`,
      where: this.#where,
      endpoint: this.#endpointLabel,
      bucket: this.bucket,
      key,
      signal,
    };
  }

  #changedError(ctx: S3ErrorContext, path: string, size: number): StorageError {
    return new StorageError(
      `Cannot put "${ctx.what}"${this.#where}: file "${path}" is no longer ${size} bytes long (it changed while uploading; retry)`,
      { key: ctx.key, bucket: this.bucket },
    );
  }

  /** Aborts a multipart upload; when that fails (server gone), remembers it for later. */
  async #abortUpload(key: string, uploadId: string): Promise<void> {
    try {
      await (await this.#ops()).abortMultipart(key, uploadId);
    } catch (e) {
      if ((e as { name?: string }).name !== "NoSuchUpload" && httpStatus(e) !== 404) {
        this.#pendingAborts.set(uploadId, key);
      }
    }
  }

  /** Best effort, bounded in time: aborts uploads whose abort failed earlier. */
  async #flushPendingAborts(): Promise<void> {
    if (this.#pendingAborts.size === 0 || this.#closed) return;
    this.#flushing ??= (async () => {
      for (const [uploadId, key] of [...this.#pendingAborts]) {
        try {
          await (await this.#ops()).abortMultipart(
            key,
            uploadId,
            AbortSignal.timeout(DEFERRED_ABORT_TIMEOUT_MS),
          );
          this.#pendingAborts.delete(uploadId);
        } catch (e) {
          if ((e as { name?: string }).name === "NoSuchUpload" || httpStatus(e) === 404) {
            this.#pendingAborts.delete(uploadId);
          } else break; // still unreachable: later
        }
      }
    })().finally(() => this.#flushing = undefined);
    await this.#flushing;
  }

  /** The `md5` metadata entry, else the ETag when it is a plain MD5 of the content. */
  #objectMd5(out: ObjectHeaders): string | undefined {
    const metaMd5 = out.metadata.md5;
    if (metaMd5 !== undefined && /^[0-9a-fA-F]{32}$/.test(metaMd5)) return metaMd5.toLowerCase();
    // SSE-KMS / SSE-C ETags are 32 hex digits but not an MD5 of the content.
    const encrypted = out.sseCustomerAlgorithm !== undefined ||
      (out.serverSideEncryption !== undefined && out.serverSideEncryption !== "AES256");
    return encrypted ? undefined : plainMd5(unquote(out.etag));
  }

  #headToObject(key: string, out: ObjectHeaders, partNumber?: number): StoreObject {
    const etag = unquote(out.etag);
    const result: StoreObject = {
      key,
      size: out.size ?? 0,
      etag,
      md5: this.#objectMd5(out),
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

  /** `"owned"` (HEAD 200), `"foreign"` (403/301: exists, not accessible), or `"missing"`. */
  async #bucketState(
    signal: AbortSignal | undefined,
    ctx: S3ErrorContext,
  ): Promise<"owned" | "foreign" | "missing"> {
    try {
      await (await this.#ops()).headBucket(signal);
      this.#bucketSeen = true;
      return "owned";
    } catch (e) {
      const status = httpStatus(e);
      if (status === 404) return "missing";
      if (status === 403 || status === 301) return "foreign";
      throw toStorageError(e, { ...ctx, bucketLevel: true });
    }
  }

  /** Whether `ListBuckets` (your own buckets only) contains the bucket. */
  async #ownsBucket(signal?: AbortSignal): Promise<boolean> {
    try {
      return (await (await this.#sdkOps()).listBucketNames(signal)).includes(this.bucket);
    } catch {
      return false;
    }
  }

  async #putSingle(
    key: string,
    data: Uint8Array | FileBody,
    options: PutOptions,
    ctx: S3ErrorContext,
  ): Promise<StoreObject> {
    const md5 = options.md5.toLowerCase();
    const ops = await this.#ops();
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
        const current = status === 412
          ? await this.head(key, { signal: options.signal })
          : undefined;
        if (current !== undefined && current.md5 === md5) {
          // The key already holds exactly this content: an earlier attempt of this request
          // succeeded but its answer was lost (retried after a reset or timeout), or another
          // writer stored the same bytes. Nothing would be overwritten — done.
          this.#bucketSeen = true;
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
    this.#bucketSeen = true;
    options.onProgress?.(bodyLength(data));
    return { key, size: bodyLength(data), etag: unquote(etag), md5 };
  }

  /** Checks `ifNoneMatch` / `ifMatch` with a HEAD (multipart: before the completion). */
  async #checkPrecondition(key: string, options: PutOptions, ctx: S3ErrorContext): Promise<void> {
    if (!options.ifNoneMatch && options.ifMatch === undefined) return;
    const current = await this.head(key, { signal: options.signal });
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

  async #putMultipart(
    key: string,
    path: string,
    size: number,
    options: PutOptions,
    ctx: S3ErrorContext,
  ): Promise<StoreObject> {
    const md5 = options.md5.toLowerCase();
    const partSize = this.uploadPartSize(size)!;
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
          `Cannot put "${ctx.what}"${this.#where}: cannot read "${path}": ${(e as Error).message}`,
          { key, bucket: this.bucket, cause: e },
        );
      }
      if (digest.size !== size) throw this.#changedError(ctx, path, size);
      if (digest.md5 !== md5) {
        throw new StorageError(
          `Cannot put "${ctx.what}"${this.#where}: the content read from "${path}" has MD5 ${digest.md5}, not the declared ${md5} (the file changed while uploading; retry)`,
          { code: "LOCAL_FILE_CHANGED", key, bucket: this.bucket },
        );
      }
      partMd5s = digest.parts!;
    }
    const partHashes = partMd5s;

    const ops = await this.#ops();
    let file: FileHandle;
    try {
      file = await open(path, "r");
    } catch (e) {
      throw new StorageError(
        `Cannot put "${ctx.what}"${this.#where}: cannot read "${path}": ${(e as Error).message}`,
        { key, bucket: this.bucket, cause: e },
      );
    }
    let uploadId: string | undefined;
    // resumable: the upload stays open when interrupted, and is resumed by the next put
    const held = await this.#uploadStates?.acquire(this.location, key);
    try {
      const metadata = { ...options.metadata, md5 };
      const resumed = await this.#resumableUpload(held, key, size, md5, partSize, options.signal);
      uploadId = resumed?.uploadId ??
        await ops.createMultipart(key, options.contentType, metadata, options.signal);
      this.#bucketSeen = true;
      const id = uploadId;
      const onServer = resumed?.parts ?? new Map<number, { etag: string; size: number }>();
      if (resumed === undefined) {
        await held?.write({
          version: 1,
          location: this.location,
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
      const workers = Math.min(this.#partConcurrency, count);
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
          if (bytesRead === 0) throw this.#changedError(ctx, path, size);
          filled += bytesRead;
        }
        await options.bandwidth?.take(length, options.signal);
        let etag;
        try {
          etag = await ops.uploadPart(key, id, i + 1, body, hexToBase64(partHashes[i]), poolSignal);
        } catch (e) {
          if ((e as { name?: string }).name === "BadDigest") {
            throw new StorageError(
              `Cannot put "${ctx.what}"${this.#where}: part ${
                i + 1
              } of "${path}" no longer has the MD5 it had when the file was hashed (the file changed while uploading; retry)`,
              { code: "LOCAL_FILE_CHANGED", key, bucket: this.bucket, cause: e },
            );
          }
          throw e;
        }
        parts[i] = { partNumber: i + 1, etag, md5: partHashes[i] };
        options.onProgress?.(length);
      });
      // The file must not have grown either.
      if ((await file.stat()).size !== size) throw this.#changedError(ctx, path, size);

      // radosgw 16 ignores If-None-Match / If-Match on CompleteMultipartUpload: check with a
      // HEAD first (a write landing between this HEAD and the completion is not detected
      // there; servers that honour the headers — AWS — close that window). A conflicting
      // key is thus only noticed after the upload; the engine has just listed it, so that is
      // rare, and one HEAD per upload is cheaper than a second one before it.
      await this.#checkPrecondition(key, options, ctx);
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
        const current = await this.head(key, { signal: options.signal });
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
        await this.#abortUpload(key, uploadId);
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
  async #resumableUpload(
    held: HeldUploadState | undefined,
    key: string,
    size: number,
    md5: string,
    partSize: number,
    signal: AbortSignal | undefined,
  ): Promise<{ uploadId: string; parts: Map<number, { etag: string; size: number }> } | undefined> {
    const state: UploadState | undefined = await held?.read();
    if (state === undefined) return undefined;
    if (state.key !== key || state.location !== this.location) return undefined;
    if (state.size !== size || state.md5 !== md5 || state.partSize !== partSize) {
      await this.#abortUpload(key, state.uploadId); // the file changed: start anew
      await held!.remove();
      return undefined;
    }
    const ops = await this.#ops();
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
}

/** The state of one download across its attempts. */
interface Transfer {
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
async function hashPrefix(file: FileHandle, t: Transfer, signal?: AbortSignal): Promise<void> {
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
function rangeStart(range: string | undefined): number | undefined {
  const m = range === undefined ? null : /bytes (\d+)-/.exec(range);
  return m ? Number(m[1]) : undefined;
}

/** `bytes 100-199/1000` → 1000. */
function rangeTotal(range: string | undefined): number | undefined {
  const m = range === undefined ? null : /\/(\d+)$/.exec(range);
  return m ? Number(m[1]) : undefined;
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. On the first failure (or when
 * `signal` fires) the others are cancelled through the pool's signal, and the call rejects
 * with that first error once every running task has settled.
 */
async function runPool<T>(
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

function positiveInt(
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

function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

/** The ETag when it is a plain MD5 (32 hex digits, no `-N` multipart suffix). */
function plainMd5(etag: string): string | undefined {
  return /^[0-9a-fA-F]{32}$/.test(etag) ? etag.toLowerCase() : undefined;
}

function etagPartsCount(etag: string): number | undefined {
  const m = /-(\d+)$/.exec(etag);
  return m ? Number(m[1]) : undefined;
}

/** `bytes 0-99/1000` covers less than the whole object. */
function isPartialRange(range: string | undefined): boolean {
  const m = range === undefined ? null : /bytes (\d+)-(\d+)\/(\d+)/.exec(range);
  return m !== null && Number(m[2]) - Number(m[1]) + 1 < Number(m[3]);
}

/**
 * The ETag S3 and radosgw give a multipart object — the MD5 of the parts' binary MD5s and
 * `-<parts>` — when every part's ETag is the MD5 that was sent (else `undefined`).
 */
function multipartEtag(parts: readonly { etag: string; md5: string }[]): string | undefined {
  const hash = createHash("md5");
  for (const p of parts) {
    if (unquote(p.etag).toLowerCase() !== p.md5) return undefined;
    hash.update(Buffer.from(p.md5, "hex"));
  }
  return `${hash.digest("hex")}-${parts.length}`;
}

function hexToBase64(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
}
