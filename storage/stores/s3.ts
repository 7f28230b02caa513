/**
 * The S3 {@linkcode ObjectStore} (AWS S3, MinIO, Ceph radosgw, Google Cloud Storage's
 * interoperability API…) with a keep-alive connection pool.
 *
 * Listings, HEADs, GETs, single PUTs and multipart uploads go through a lean built-in SigV4
 * signer (`_s3_fast.ts`) for every addressing (AWS regional endpoints or any endpoint,
 * virtual-hosted or path-style, http or https) and every source of credentials (static keys,
 * or the AWS SDK's default provider chain: only `@aws-sdk/credential-provider-node` is loaded
 * then), and so do `createBucket`, `delete` and every other request (`_s3_fast_bucket.ts`):
 * the AWS SDK v3 client (`_s3_sdk.ts`) is not even loaded. With flexible checksums (`checksumMode: "WHEN_SUPPORTED"`) or `fastPut: false`
 * every request goes through the SDK.
 *
 * Small bodies go up in one `PutObject` with `Content-MD5` (the server verifies the body);
 * bodies above `multipartThreshold` are streamed from the file as a multipart upload whose
 * parts carry their own `Content-MD5`. The whole-file MD5 is kept in the object metadata
 * (`x-amz-meta-md5`) so that equality stays decidable for multipart objects, whose ETag is
 * not an MD5.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
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
  type RetryPolicy,
  type S3ErrorContext,
  S3RetryStrategy,
  toStorageError,
} from "./_s3_errors.ts";
import { UploadStates } from "../resume_state.ts";
import { FastS3 } from "./_s3_fast.ts";
import { CredentialSource, staticCredentials } from "./_s3_credentials.ts";
import { type BucketOps, LeanBucketOps } from "./_s3_fast_bucket.ts";
import type { ObjectHeaders, S3Ops } from "./_s3_ops.ts";
import { uploadMechanism } from "./_s3_plain_etag.ts";
import type { SdkS3, SdkS3Options } from "./_s3_sdk.ts";
import type { ListPage } from "./_s3_xml.ts";
import type { UploadListing } from "./_s3_multipart.ts";
import {
  CONNECTION_TIMEOUT_MS,
  DEFERRED_ABORT_TIMEOUT_MS,
  MAX_PARTS,
  MAX_RETRY_TIME_MS,
  MAX_SINGLE_PUT,
  MiB,
  MIN_PART_SIZE,
  RETRY_BASE_DELAY_MS,
  RETRY_MAX_DELAY_MS,
  type S3StoreOptions,
  SOCKET_IDLE_TIMEOUT_MS,
} from "./_s3_options.ts";
import { headToObject, httpStatus, objectMd5, plainMd5, positiveInt, unquote } from "./_s3_util.ts";
import { putMultipart, putSingle, type UploadEnv } from "./_s3_upload.ts";
import { download } from "./_s3_download.ts";
import { abortOldUploads, deleteKeys } from "./_s3_delete.ts";

let sdkModule: Promise<typeof import("./_s3_sdk.ts")> | undefined;
let sdkLoaded = false;

/**
 * Whether an {@linkcode S3Store} of this process has loaded the AWS SDK
 * (`@aws-sdk/client-s3`). Stores on the lean path (every store unless `fastPut: false` or
 * `checksumMode: "WHEN_SUPPORTED"`) never do.
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

export type { S3StoreOptions } from "./_s3_options.ts";

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
  #leanBucket: LeanBucketOps | undefined;
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

    const credentials = staticCredentials(options);

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
    if ((options.fastPut ?? true) && checksumMode === "WHEN_REQUIRED") {
      const url = endpoint === undefined ? undefined : new URL(endpoint);
      this.#fast = new FastS3({
        endpoint: url,
        region: this.region,
        bucket: this.bucket,
        forcePathStyle,
        credentials: credentials ?? CredentialSource.chain(),
        agent: url?.protocol === "http:" ? this.#httpAgent : this.#httpsAgent,
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
      await (await this.#bucketOps()).createBucket(options.signal);
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
        await (await this.#bucketOps()).enableVersioning(options.signal);
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
    return headToObject(key, out, options.partNumber);
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
      if ("data" in body) return await putSingle(this.#uploadEnv(), key, body.data, options, ctx);
      const mechanism = uploadMechanism(body.size, {
        multipartThreshold: this.#multipartThreshold,
        plainEtags: this.#plainEtags,
        key,
        bucket: this.bucket,
      });
      if (mechanism === "multipart") {
        return await putMultipart(this.#uploadEnv(), key, body.path, body.size, options, ctx);
      }
      if (body.size > this.#multipartThreshold) {
        // plain ETags: one PUT streamed from the file (Content-MD5 guards the content)
        try {
          return await putSingle(
            this.#uploadEnv(),
            key,
            { path: body.path, size: body.size },
            options,
            ctx,
          );
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
      return await putSingle(this.#uploadEnv(), key, data, options, ctx);
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
  get(key: string, destinationPath: string, options: GetOptions = {}): Promise<GetResult> {
    return download(
      {
        ops: () => this.#ops(),
        seen: () => {
          this.#bucketSeen = true;
        },
        where: this.#where,
        bucket: this.bucket,
        objectMd5: (h) => objectMd5(h),
        ctx: (action, key, signal) => this.#ctx(action, key, signal),
      },
      key,
      destinationPath,
      options,
    );
  }

  /**
   * Deletes the keys: `DeleteObjects` in batches of 1000 (quiet mode; per-key failures are
   * reported), or parallel `DeleteObject`s when `batchDelete` is off. Missing keys are fine.
   */
  delete(keys: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    return deleteKeys(
      {
        bucketOps: () => this.#bucketOps(),
        batchDelete: this.#batchDelete,
        ctx: (action, key, signal) => this.#ctx(action, key, signal),
        bucket: this.bucket,
      },
      keys,
      options,
    );
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
  cleanup(prefix: string, options: StoreCleanupOptions): Promise<CleanupEntry[]> {
    return abortOldUploads(
      this.listIncompleteUploads(prefix, options),
      () => this.#ops(),
      (action, key, signal) => this.#ctx(action, key, signal),
      options,
    );
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

  /** The bucket-level and delete requests: the lean path when it applies, else the SDK. */
  async #bucketOps(): Promise<BucketOps> {
    return this.#fast ? (this.#leanBucket ??= new LeanBucketOps(this.#fast)) : await this.#sdkOps();
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
      return (await (await this.#bucketOps()).listBucketNames(signal)).includes(this.bucket);
    } catch {
      return false;
    }
  }

  /** What the upload functions need of the store. */
  #uploadEnv(): UploadEnv {
    return {
      ops: () => this.#ops(),
      head: (key, o) => this.head(key, o),
      seen: () => {
        this.#bucketSeen = true;
      },
      uploadPartSize: (size) => this.uploadPartSize(size),
      where: this.#where,
      bucket: this.bucket,
      changedError: (ctx, path, size) => this.#changedError(ctx, path, size),
      partConcurrency: this.#partConcurrency,
      abortUpload: (key, id) => this.#abortUpload(key, id),
      location: this.location,
      uploadStates: this.#uploadStates,
    };
  }
}
