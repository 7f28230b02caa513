/**
 * The S3 requests on the AWS SDK v3: every {@linkcode S3Ops} operation and the bucket-level
 * and delete requests ({@linkcode BucketOps}), used only when the lean path does not apply
 * (flexible checksums `checksumMode: "WHEN_SUPPORTED"`, or `fastPut: false`). The S3 store
 * imports this module — and with it the SDK — only then, on first use. Internal to the S3
 * store.
 *
 * @module
 */

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from "npm:@aws-sdk/client-s3@^3.1169.0";
import type http from "node:http";
import process from "node:process";
import type https from "node:https";
import { createReadStream } from "node:fs";
import { PassThrough, pipeline, Readable, Transform } from "node:stream";
import { chunkedBody, idleTimeoutError, IdleWatch } from "./_idle.ts";
import { bodyLength } from "./_s3_ops.ts";
import type {
  BodyConsumer,
  CompleteInput,
  ObjectHeaders,
  PutObjectInput,
  RangeRequest,
  S3Ops,
} from "./_s3_ops.ts";
import type { PartsPage, UploadsPage } from "./_s3_multipart.ts";
import type { BucketOps } from "./_s3_fast_bucket.ts";
import { retryDelay, retryKind, type RetryPolicy, type S3RetryStrategy } from "./_s3_errors.ts";
import type { ListPage } from "./_s3_xml.ts";
import { checksumHeaders } from "../remote_md5.ts";

const SILENT_LOGGER = { debug() {}, info() {}, warn() {}, error() {}, trace() {} };

/**
 * Options of {@linkcode SdkS3}.
 *
 * @example
 * ```ts
 * import http from "node:http";
 * import https from "node:https";
 * import { S3RetryStrategy } from "./_s3_errors.ts";
 * import type { SdkS3Options } from "./_s3_sdk.ts";
 * const o: SdkS3Options = {
 *   bucket: "b", region: "us-east-1", endpoint: "http://127.0.0.1:7480", forcePathStyle: true,
 *   credentials: { accessKeyId: "test", secretAccessKey: "testtesttest" },
 *   checksumMode: "WHEN_REQUIRED", maxAttempts: 5,
 *   retryStrategy: new S3RetryStrategy({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000, maxRetryTimeMs: 20000 }),
 *   httpAgent: new http.Agent({ keepAlive: true }), httpsAgent: new https.Agent({ keepAlive: true }),
 *   connectionTimeout: 5000, socketTimeout: 30000,
 * };
 * ```
 */
export interface SdkS3Options {
  /** Bucket of every object request. */
  bucket: string;
  /** Region. */
  region: string;
  /** Endpoint URL; undefined → AWS. */
  endpoint?: string;
  /** Path-style URLs. */
  forcePathStyle: boolean;
  /** Static credentials; undefined → the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Flexible checksum mode. */
  checksumMode: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
  /** Attempts per request. */
  maxAttempts: number;
  /** The store's retry policy as an SDK strategy. */
  retryStrategy: S3RetryStrategy;
  /** Keep-alive agents shared with the lean path. */
  httpAgent: http.Agent;
  /** Keep-alive agents shared with the lean path. */
  httpsAgent: https.Agent;
  /** Connect timeout per attempt, ms. */
  connectionTimeout: number;
  /** Idle timeout per attempt (no byte moving in either direction), ms. */
  socketTimeout: number;
  /** Retries of a GET whose body fails midway (after the SDK returned); default: none. */
  retry?: RetryPolicy;
}

/**
 * {@linkcode S3Ops} and the bucket-level requests on an `S3Client`.
 *
 * @example
 * ```ts
 * import type { SdkS3 } from "./_s3_sdk.ts";
 * async function buckets(sdk: SdkS3): Promise<string[]> {
 *   return await sdk.listBucketNames();
 * }
 * ```
 */
export class SdkS3 implements S3Ops, BucketOps {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #retry: RetryPolicy | undefined;

  /** Builds the client (no request is made). */
  constructor(options: SdkS3Options) {
    const config: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      // a bucket in another region is found as the lean path finds it (x-amz-bucket-region)
      followRegionRedirects: true,
      requestChecksumCalculation: options.checksumMode,
      responseChecksumValidation: options.checksumMode,
      maxAttempts: options.maxAttempts,
      retryStrategy: options.retryStrategy as unknown as S3ClientConfig["retryStrategy"],
      // Silent, not the SDK's NoOpLogger: with that, the SDK prints "An error was encountered in
      // a non-retryable streaming request." on the console for a failed streamed PUT (which
      // put() retries itself).
      logger: SILENT_LOGGER,
      // Options object: the SDK builds its NodeHttpHandler around the keep-alive agents.
      requestHandler: {
        httpAgent: options.httpAgent,
        httpsAgent: options.httpsAgent,
        connectionTimeout: options.connectionTimeout,
        socketTimeout: options.socketTimeout,
      },
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    this.#client = withoutNodeVersionWarning(() => new S3Client(config));
    // The SDK built its NodeHttpHandler from the options above; every request goes through
    // it by way of config.requestHandler, read when a command is first sent.
    const resolved = this.#client.config as unknown as { requestHandler: SdkHandler };
    resolved.requestHandler = new IdleTimeoutHandler(
      resolved.requestHandler,
      options.socketTimeout,
    );
    this.#bucket = options.bucket;
    this.#retry = options.retry;
  }

  /** `ListObjectsV2`, 1000 keys per page. */
  async listPage(
    prefix: string,
    token: string | undefined,
    signal?: AbortSignal,
  ): Promise<ListPage> {
    const page = await this.#client.send(
      new ListObjectsV2Command({
        Bucket: this.#bucket,
        Prefix: prefix === "" ? undefined : prefix,
        ContinuationToken: token,
        MaxKeys: 1000,
      }),
      { abortSignal: signal },
    );
    const objects = [];
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      objects.push({ key: o.Key, size: o.Size ?? 0, etag: o.ETag, lastModified: o.LastModified });
    }
    return { objects, nextToken: page.IsTruncated ? page.NextContinuationToken : undefined };
  }

  /** `HeadObject`. */
  async head(key: string, partNumber?: number, signal?: AbortSignal): Promise<ObjectHeaders> {
    return headers(
      await this.#client.send(
        new HeadObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          PartNumber: partNumber,
          ChecksumMode: "ENABLED",
        }),
        { abortSignal: signal },
      ),
    );
  }

  /** `HeadBucket`. */
  async headBucket(signal?: AbortSignal): Promise<void> {
    await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }), {
      abortSignal: signal,
    });
  }

  /**
   * `GetObject`; the body is destroyed when `signal` fires. A body that fails midway on a
   * transient error (reset, idle timeout) is fetched again (`consume` is called again);
   * `range`, asked before each request, makes it a ranged GET conditioned on the ETag.
   */
  async get(
    key: string,
    consume: BodyConsumer,
    signal?: AbortSignal,
    range?: () => RangeRequest | undefined,
    versionId?: string,
  ): Promise<void> {
    let firstFailureAt: number | undefined;
    for (let retry = 0;; retry++) {
      const started = { body: false };
      try {
        return await this.#getOnce(key, consume, started, signal, range?.(), versionId);
      } catch (e) {
        // failures before the body are the SDK's to retry (already done)
        if (!started.body || signal?.aborted || this.#retry === undefined) throw e;
        firstFailureAt ??= Date.now();
        const kind = retryKind(e);
        const delay = kind && retryDelay(this.#retry, retry, kind, firstFailureAt);
        if (delay === undefined) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async #getOnce(
    key: string,
    consume: BodyConsumer,
    started: { body: boolean },
    signal?: AbortSignal,
    r?: RangeRequest,
    versionId?: string,
  ): Promise<void> {
    const out = await this.#client.send(
      new GetObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        VersionId: versionId,
        Range: r === undefined ? undefined : `bytes=${r.offset}-`,
        IfMatch: r === undefined ? undefined : `"${r.etag}"`,
      }),
      { abortSignal: signal },
    );
    started.body = true;
    const body = (out.Body as Readable | undefined) ?? Readable.from([]);
    const onAbort = () => body.destroy(Object.assign(new Error("aborted"), { name: "AbortError" }));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await consume(headers(out), body);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (!body.readableEnded) body.destroy();
    }
  }

  /**
   * `PutObject`. A file body is streamed, opened anew for each attempt: the SDK does not retry
   * streaming requests, so transient failures of a file body are retried here with the store's
   * retry policy.
   */
  async put(input: PutObjectInput): Promise<string> {
    const body = input.body;
    if (body instanceof Uint8Array || body.size === 0) {
      return await this.#putOnce(input, body instanceof Uint8Array ? body : new Uint8Array(0));
    }
    let firstFailureAt: number | undefined;
    for (let retry = 0;; retry++) {
      const stream = createReadStream(body.path, { start: 0, end: body.size - 1 });
      try {
        return await this.#putOnce(input, stream);
      } catch (e) {
        if (input.signal?.aborted || this.#retry === undefined) throw e;
        firstFailureAt ??= Date.now();
        const kind = retryKind(e);
        const delay = kind && retryDelay(this.#retry, retry, kind, firstFailureAt);
        if (delay === undefined) throw e;
        await new Promise((r) => setTimeout(r, delay));
      } finally {
        stream.destroy();
      }
    }
  }

  async #putOnce(input: PutObjectInput, body: Uint8Array | Readable): Promise<string> {
    const out = await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: input.key,
        Body: body,
        ContentLength: bodyLength(input.body),
        ContentMD5: input.contentMD5,
        ContentType: input.contentType,
        Metadata: input.metadata,
        IfNoneMatch: input.ifNoneMatch ? "*" : undefined,
        IfMatch: input.ifMatch,
      }),
      { abortSignal: input.signal },
    );
    return out.ETag ?? "";
  }

  /** `CreateMultipartUpload`. */
  async createMultipart(
    key: string,
    contentType: string | undefined,
    metadata: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<string> {
    const out = await this.#client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.#bucket,
        Key: key,
        ContentType: contentType,
        Metadata: metadata,
      }),
      { abortSignal: signal },
    );
    if (!out.UploadId) throw new Error("CreateMultipartUpload returned no UploadId");
    return out.UploadId;
  }

  /** `UploadPart` with `Content-MD5`. */
  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    contentMD5: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const out = await this.#client.send(
      new UploadPartCommand({
        Bucket: this.#bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.byteLength,
        ContentMD5: contentMD5,
      }),
      { abortSignal: signal },
    );
    return out.ETag ?? "";
  }

  /** `CompleteMultipartUpload`. */
  async completeMultipart(input: CompleteInput): Promise<string> {
    const out = await this.#client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.#bucket,
        Key: input.key,
        UploadId: input.uploadId,
        MultipartUpload: {
          Parts: input.parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
        },
        IfNoneMatch: input.ifNoneMatch ? "*" : undefined,
        IfMatch: input.ifMatch,
      }),
      { abortSignal: input.signal },
    );
    return out.ETag ?? "";
  }

  /** `AbortMultipartUpload`. */
  async abortMultipart(key: string, uploadId: string, signal?: AbortSignal): Promise<void> {
    await this.#client.send(
      new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId: uploadId }),
      { abortSignal: signal },
    );
  }

  /** `ListMultipartUploads`, 1000 uploads per page. */
  async listUploads(
    prefix: string,
    markers: { keyMarker: string; uploadIdMarker: string } | undefined,
    signal?: AbortSignal,
  ): Promise<UploadsPage> {
    const out = await this.#client.send(
      new ListMultipartUploadsCommand({
        Bucket: this.#bucket,
        Prefix: prefix === "" ? undefined : prefix,
        KeyMarker: markers?.keyMarker,
        UploadIdMarker: markers?.uploadIdMarker || undefined,
        MaxUploads: 1000,
      }),
      { abortSignal: signal },
    );
    const uploads = (out.Uploads ?? []).flatMap((u) =>
      u.Key === undefined || !u.UploadId
        ? []
        : [{ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated }]
    );
    return {
      uploads,
      next: out.IsTruncated && out.NextKeyMarker
        ? { keyMarker: out.NextKeyMarker, uploadIdMarker: out.NextUploadIdMarker ?? "" }
        : undefined,
    };
  }

  /** `ListParts`, 1000 parts per page. */
  async listParts(
    key: string,
    uploadId: string,
    partNumberMarker: string | undefined,
    signal?: AbortSignal,
  ): Promise<PartsPage> {
    const out = await this.#client.send(
      new ListPartsCommand({
        Bucket: this.#bucket,
        Key: key,
        UploadId: uploadId,
        PartNumberMarker: partNumberMarker,
        MaxParts: 1000,
      }),
      { abortSignal: signal },
    );
    const parts = (out.Parts ?? []).flatMap((p) =>
      p.PartNumber === undefined
        ? []
        : [{ partNumber: p.PartNumber, etag: p.ETag ?? "", size: p.Size ?? 0 }]
    );
    return {
      parts,
      nextPartNumberMarker: out.IsTruncated && out.NextPartNumberMarker
        ? String(out.NextPartNumberMarker)
        : undefined,
    };
  }

  /** `CreateBucket`. */
  async createBucket(signal?: AbortSignal): Promise<void> {
    await this.#client.send(new CreateBucketCommand({ Bucket: this.#bucket }), {
      abortSignal: signal,
    });
  }

  /** `PutBucketVersioning` with status `Enabled`. */
  async enableVersioning(signal?: AbortSignal): Promise<void> {
    await this.#client.send(
      new PutBucketVersioningCommand({
        Bucket: this.#bucket,
        VersioningConfiguration: { Status: "Enabled" },
      }),
      { abortSignal: signal },
    );
  }

  /** `ListBuckets`: the names of the caller's own buckets. */
  async listBucketNames(signal?: AbortSignal): Promise<string[]> {
    const out = await this.#client.send(new ListBucketsCommand({}), { abortSignal: signal });
    return (out.Buckets ?? []).flatMap((b) => b.Name === undefined ? [] : [b.Name]);
  }

  /** `DeleteObjects` (quiet); resolves with the per-key failures. */
  async deleteObjects(
    keys: string[],
    signal?: AbortSignal,
  ): Promise<{ Key?: string; Code?: string; Message?: string }[]> {
    const out = await this.#client.send(
      new DeleteObjectsCommand({
        Bucket: this.#bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
      { abortSignal: signal },
    );
    return out.Errors ?? [];
  }

  /** `DeleteObject`. */
  async deleteObject(key: string, signal?: AbortSignal): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }), {
      abortSignal: signal,
    });
  }

  /** Releases the client (the agents belong to the store). */
  destroy(): void {
    this.#client.destroy();
  }
}

function headers(out: Omit<GetObjectCommandOutput, "Body">): ObjectHeaders {
  return {
    etag: out.ETag,
    size: out.ContentLength,
    lastModified: out.LastModified,
    metadata: { ...(out.Metadata ?? {}) },
    sseCustomerAlgorithm: out.SSECustomerAlgorithm,
    serverSideEncryption: out.ServerSideEncryption,
    partsCount: out.PartsCount,
    contentRange: out.ContentRange,
    checksums: checksumHeaders({
      "x-amz-checksum-type": out.ChecksumType,
      "x-amz-checksum-crc64nvme": out.ChecksumCRC64NVME,
      "x-amz-checksum-crc32c": out.ChecksumCRC32C,
      "x-amz-checksum-crc32": out.ChecksumCRC32,
    }),
    versionId: out.VersionId,
  };
}

/**
 * Runs `fn` (which builds an `S3Client`) with the SDK's Node-version warning switched off, as
 * the CLI does: a library prints nothing its caller did not ask for. The SDK decides once, when
 * the first client is built; the variable is restored afterwards.
 */
function withoutNodeVersionWarning<T>(fn: () => T): T {
  const name = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";
  let saved: string | undefined;
  let set = false;
  try {
    saved = process.env[name];
    if (saved === undefined) {
      process.env[name] = "true";
      set = true;
    }
  } catch {
    // no permission to read or write the environment: build the client as it is
  }
  try {
    return fn();
  } finally {
    if (set) {
      try {
        delete process.env[name];
      } catch {
        // ignore
      }
    }
  }
}

/** The part of the SDK's request handler interface used here. */
interface SdkHandler {
  handle(
    request: { body?: unknown },
    options?: { abortSignal?: AbortSignal; requestTimeout?: number },
  ): Promise<{ response: { body?: unknown } }>;
  destroy?(): void;
  updateHttpClientConfig?(key: never, value: never): void;
  httpHandlerConfigs?(): unknown;
  metadata?: unknown;
}

/**
 * Wraps the SDK's handler: an attempt fails with a `TimeoutError` (retried like any timeout)
 * when no byte moved for `idleMs` — request body pieces taken by the socket, the answer's
 * headers and body bytes. (The SDK's own socket timeout re-arms once while a body is being
 * written and starts 3 s late: a stalled upload took 63 s to notice with 30 s configured.)
 */
class IdleTimeoutHandler implements SdkHandler {
  readonly #inner: SdkHandler;
  readonly #idleMs: number;

  constructor(inner: SdkHandler, idleMs: number) {
    this.#inner = inner;
    this.#idleMs = idleMs;
  }

  get metadata(): unknown {
    return this.#inner.metadata;
  }

  destroy(): void {
    this.#inner.destroy?.();
  }

  updateHttpClientConfig(key: never, value: never): void {
    this.#inner.updateHttpClientConfig?.(key, value);
  }

  httpHandlerConfigs(): unknown {
    return this.#inner.httpHandlerConfigs?.() ?? {};
  }

  async handle(
    request: { body?: unknown },
    options: { abortSignal?: AbortSignal; requestTimeout?: number } = {},
  ): Promise<{ response: { body?: unknown } }> {
    const outer = options.abortSignal;
    const controller = new AbortController();
    const forward = () => controller.abort(outer?.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener("abort", forward, { once: true });
    let body: Readable | undefined;
    let stalled = false;
    const watch = new IdleWatch(this.#idleMs, () => {
      stalled = true;
      if (body !== undefined) body.destroy(idleTimeoutError(this.#idleMs));
      else controller.abort(idleTimeoutError(this.#idleMs));
    });
    const touch = () => watch.touch();
    const data = request.body;
    const sent = data instanceof Uint8Array && data.byteLength > 0
      ? { ...request, body: chunkedBody(data, touch) }
      : data instanceof Readable
      ? { ...request, body: touchingStream(data, touch) } // a file body (plain ETags)
      : request;
    try {
      const out = await this.#inner.handle(sent, { ...options, abortSignal: controller.signal });
      touch();
      const res = out.response.body;
      if (!(res instanceof Readable)) {
        watch.stop();
        return out;
      }
      body = res;
      const pass = new PassThrough();
      res.on("data", touch);
      pipeline(res, pass, () => watch.stop());
      return { ...out, response: Object.assign(out.response, { body: pass }) };
    } catch (e) {
      watch.stop();
      throw stalled ? idleTimeoutError(this.#idleMs) : e;
    } finally {
      outer?.removeEventListener("abort", forward);
    }
  }
}

/** `source` passed through, calling `touch` for every chunk the request takes. */
function touchingStream(source: Readable, touch: () => void): Readable {
  const out = new Transform({
    transform(chunk, _encoding, callback) {
      touch();
      callback(null, chunk);
    },
  });
  pipeline(source, out, () => {});
  return out;
}
