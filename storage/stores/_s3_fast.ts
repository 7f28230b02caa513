/**
 * The lean S3 request path: SigV4 signing with `node:crypto` (unsigned payload: object and
 * part bodies carry `Content-MD5` instead) and plain `node:http(s)` requests on the store's keep-alive
 * agent, bypassing the AWS SDK (whose middleware stack, XML parser and payload SHA-256 cost
 * several times the client CPU, and whose module takes ≈0.15 s to load). Used by the S3
 * store for every addressing (`_s3_address.ts`: virtual-hosted or path-style, AWS's regional
 * endpoints or any endpoint, http or https) and every source of credentials
 * (`_s3_credentials.ts`: static keys or the SDK's provider chain, refreshed before they
 * expire and once more when the server says the token expired). A bucket in another region
 * is found as the SDK finds it: an answer 301 (or 400) naming `x-amz-bucket-region` switches
 * the region (and AWS host) and the request is sent again, once. Transient
 * failures are retried with the store's {@linkcode RetryPolicy}; errors are shaped like SDK
 * errors (`name` = the S3 error code read from the error XML, `$metadata`) so the same
 * mapping applies.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import http from "node:http";
import https from "node:https";
import { retryDelay, retryKind, type RetryPolicy } from "./_s3_errors.ts";
import { sendAttempt } from "./_http_attempt.ts";
import {
  type BodyConsumer,
  bodyLength,
  type CompleteInput,
  type FileBody,
  type ObjectHeaders,
  type PutObjectInput,
  type RangeRequest,
  type S3Ops,
} from "./_s3_ops.ts";
import { childText, type ListPage, parseListObjectsV2 } from "./_s3_xml.ts";
import { type S3Target, s3Target } from "./_s3_address.ts";
import { EMPTY_SHA256, SigV4Signer } from "./_s3_sigv4.ts";
import {
  CredentialSource,
  EXPIRED_TOKEN_CODES,
  type SigningCredentials,
} from "./_s3_credentials.ts";
import {
  parseListParts,
  parseListUploads,
  type PartsPage,
  type UploadsPage,
} from "./_s3_multipart.ts";
import {
  abortError,
  addMetadata,
  canonicalQuery,
  encodeRfc3986,
  escapeXml,
  objectHeaders,
  readAll,
  s3Error,
  sleep,
  xmlResult,
} from "./_s3_http.ts";

/**
 * Static credentials for signing. Kept by the caller in a private field.
 *
 * @example
 * ```ts
 * import type { FastCredentials } from "./_s3_fast.ts";
 * const c: FastCredentials = { accessKeyId: "test", secretAccessKey: "testtesttest" };
 * ```
 */
export interface FastCredentials {
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token of temporary credentials. */
  sessionToken?: string;
}

/**
 * Options of {@linkcode FastS3}.
 *
 * @example
 * ```ts
 * import http from "node:http";
 * import type { FastS3Options } from "./_s3_fast.ts";
 * const o: FastS3Options = {
 *   endpoint: new URL("http://127.0.0.1:7480"), region: "us-east-1", bucket: "b",
 *   credentials: { accessKeyId: "test", secretAccessKey: "testtesttest" },
 *   agent: new http.Agent({ keepAlive: true }), connectionTimeout: 5000, socketTimeout: 30000,
 *   retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000, maxRetryTimeMs: 20000 },
 * };
 * ```
 */
export interface FastS3Options {
  /** Server URL; undefined → AWS's endpoint of the region (`https://s3.<region>.amazonaws.com`). */
  endpoint?: URL;
  /** Region for signing (replaced by the bucket's region when the server names another). */
  region: string;
  /** Bucket of every request. */
  bucket: string;
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`); default: virtual-hosted where possible. */
  forcePathStyle?: boolean;
  /** Static signing credentials, or a source of them (the SDK's provider chain). */
  credentials: FastCredentials | CredentialSource;
  /** Keep-alive agent (`https.Agent` for an https endpoint). */
  agent: http.Agent;
  /** Retries of transient failures. */
  retry: RetryPolicy;
  /** Connect timeout per attempt, ms. */
  connectionTimeout: number;
  /** An attempt whose socket is idle this long fails, ms. */
  socketTimeout: number;
}

/**
 * One signed request.
 *
 * @example
 * ```ts
 * import type { FastRequest } from "./_s3_fast.ts";
 * const r: FastRequest = { method: "GET", query: { "list-type": "2", prefix: "raw/" } };
 * ```
 */
export interface FastRequest {
  /** HTTP method. */
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  /** Object key; undefined for a request on the bucket itself. */
  key?: string;
  /** Query parameters (undefined values are left out). */
  query?: Record<string, string | undefined>;
  /** Extra headers, names in lower case. */
  headers?: Record<string, string>;
  /** Request body: bytes, or a file streamed (read anew on each attempt). */
  body?: Uint8Array | FileBody;
  /** Cancels the request and its retries. */
  signal?: AbortSignal;
  /** Extra headers computed before each attempt (e.g. the `Range` of a resumed download). */
  headersFor?: () => Record<string, string>;
  /** A request on the service, not the bucket (`ListBuckets`: `GET /` on the endpoint). */
  service?: boolean;
}

/**
 * Lean signed requests for one bucket: every {@linkcode S3Ops} operation, plus
 * {@linkcode FastS3.request} for anything else.
 *
 * @example
 * ```ts
 * import http from "node:http";
 * import { FastS3 } from "./_s3_fast.ts";
 * const fast = new FastS3({
 *   endpoint: new URL("http://127.0.0.1:7480"), region: "us-east-1", bucket: "data",
 *   credentials: { accessKeyId: "test", secretAccessKey: "testtesttest" },
 *   agent: new http.Agent({ keepAlive: true }), connectionTimeout: 5000, socketTimeout: 30000,
 *   retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000, maxRetryTimeMs: 20000 },
 * });
 * const page = await fast.listPage("raw/", undefined);
 * console.log(page.objects.length);
 * ```
 */
export class FastS3 implements S3Ops {
  readonly #endpoint: URL | undefined;
  readonly #bucket: string;
  readonly #forcePathStyle: boolean;
  #target: S3Target;
  #region: string;
  readonly #credentials: CredentialSource;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  readonly #retry: RetryPolicy;
  readonly #connectionTimeout: number;
  readonly #socketTimeout: number;
  readonly #signer = new SigV4Signer();
  /** Retries made so far (for tests and diagnostics). */
  retries = 0;

  /** Prepares the signer; makes no request. */
  constructor(options: FastS3Options) {
    this.#endpoint = options.endpoint;
    this.#bucket = options.bucket;
    this.#forcePathStyle = options.forcePathStyle ?? false;
    this.#region = options.region;
    this.#target = s3Target(options.bucket, options.region, options.endpoint, this.#forcePathStyle);
    this.#credentials = options.credentials instanceof CredentialSource
      ? options.credentials
      : CredentialSource.fixed(options.credentials);
    this.#agent = options.agent;
    this.#request = this.#target.protocol === "https:" ? https.request : http.request;
    this.#retry = options.retry;
    this.#connectionTimeout = options.connectionTimeout;
    this.#socketTimeout = options.socketTimeout;
  }

  /** The signing region: the configured one, or the bucket's once the server named it. */
  get region(): string {
    return this.#region;
  }

  /** One `ListObjectsV2` page (at most 1000 keys). */
  async listPage(
    prefix: string,
    token: string | undefined,
    signal?: AbortSignal,
  ): Promise<ListPage> {
    const query = {
      "list-type": "2",
      "max-keys": "1000",
      prefix: prefix === "" ? undefined : prefix,
      "continuation-token": token,
    };
    const res = await this.request({ method: "GET", query, signal });
    return parseListObjectsV2(res.body);
  }

  /** `HeadObject`. */
  async head(key: string, partNumber?: number, signal?: AbortSignal): Promise<ObjectHeaders> {
    const query = { partNumber: partNumber === undefined ? undefined : String(partNumber) };
    // Ask for the stored checksums (full-object CRCs decide equality of multipart objects).
    const headers = { "x-amz-checksum-mode": "ENABLED" };
    return objectHeaders(
      (await this.request({ method: "HEAD", key, query, headers, signal })).headers,
    );
  }

  /** `HeadBucket`. */
  async headBucket(signal?: AbortSignal): Promise<void> {
    await this.request({ method: "HEAD", signal });
  }

  /** `GetObject`: `consume` reads the body; on a transient failure it is called again. */
  get(
    key: string,
    consume: BodyConsumer,
    signal?: AbortSignal,
    range?: () => RangeRequest | undefined,
    versionId?: string,
  ): Promise<void> {
    const query = versionId === undefined ? undefined : { versionId };
    const headersFor = range === undefined ? undefined : (): Record<string, string> => {
      const r = range();
      return r === undefined ? {} : { range: `bytes=${r.offset}-`, "if-match": `"${r.etag}"` };
    };
    return this.#withRetries(
      { method: "GET", key, query, signal, headersFor },
      (res, body) => consume(objectHeaders(res.headers), body),
    );
  }

  /** `PutObject`; resolves with the ETag as sent. */
  async put(input: PutObjectInput): Promise<string> {
    const headers: Record<string, string> = { "content-md5": input.contentMD5 };
    if (input.contentType !== undefined) headers["content-type"] = input.contentType;
    if (input.ifNoneMatch) headers["if-none-match"] = "*";
    if (input.ifMatch !== undefined) headers["if-match"] = input.ifMatch;
    addMetadata(headers, input.metadata);
    const res = await this.request({
      method: "PUT",
      key: input.key,
      headers,
      body: input.body,
      signal: input.signal,
    });
    return String(res.headers.etag ?? "");
  }

  /** `CreateMultipartUpload`; resolves with the upload id. */
  async createMultipart(
    key: string,
    contentType: string | undefined,
    metadata: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<string> {
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers["content-type"] = contentType;
    addMetadata(headers, metadata);
    const res = await this.request({
      method: "POST",
      key,
      query: { uploads: "" },
      headers,
      signal,
    });
    const uploadId = childText(xmlResult(res), "UploadId");
    if (!uploadId) throw new Error("CreateMultipartUpload returned no UploadId");
    return uploadId;
  }

  /** `UploadPart` with `Content-MD5`; resolves with the part's ETag as sent. */
  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    contentMD5: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const res = await this.request({
      method: "PUT",
      key,
      query: { partNumber: String(partNumber), uploadId },
      headers: { "content-md5": contentMD5 },
      body,
      signal,
    });
    return String(res.headers.etag ?? "");
  }

  /** `CompleteMultipartUpload`; an error in a 200 answer is thrown like any other. */
  async completeMultipart(input: CompleteInput): Promise<string> {
    const parts = input.parts.map((p) =>
      `<Part><ETag>${escapeXml(p.etag)}</ETag><PartNumber>${p.partNumber}</PartNumber></Part>`
    ).join("");
    const headers: Record<string, string> = { "content-type": "application/xml" };
    if (input.ifNoneMatch) headers["if-none-match"] = "*";
    if (input.ifMatch !== undefined) headers["if-match"] = input.ifMatch;
    const res = await this.request({
      method: "POST",
      key: input.key,
      query: { uploadId: input.uploadId },
      headers,
      body: Buffer.from(
        `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts}</CompleteMultipartUpload>`,
      ),
      signal: input.signal,
    });
    return childText(xmlResult(res), "ETag") ?? "";
  }

  /** `AbortMultipartUpload`. */
  async abortMultipart(key: string, uploadId: string, signal?: AbortSignal): Promise<void> {
    await this.request({ method: "DELETE", key, query: { uploadId }, signal });
  }

  /** One `ListMultipartUploads` page of `prefix`. */
  async listUploads(
    prefix: string,
    markers: { keyMarker: string; uploadIdMarker: string } | undefined,
    signal?: AbortSignal,
  ): Promise<UploadsPage> {
    const query = {
      uploads: "",
      "max-uploads": "1000",
      prefix: prefix === "" ? undefined : prefix,
      "key-marker": markers?.keyMarker,
      "upload-id-marker": markers?.uploadIdMarker || undefined,
    };
    const res = await this.request({ method: "GET", query, signal });
    return parseListUploads(res.body.toString("utf8"));
  }

  /** One `ListParts` page of an upload. */
  async listParts(
    key: string,
    uploadId: string,
    partNumberMarker: string | undefined,
    signal?: AbortSignal,
  ): Promise<PartsPage> {
    const query = {
      uploadId,
      "max-parts": "1000",
      "part-number-marker": partNumberMarker,
    };
    const res = await this.request({ method: "GET", key, query, signal });
    return parseListParts(res.body.toString("utf8"));
  }

  /**
   * Sends a signed request (retrying transient failures) and reads the whole answer. A non-2xx
   * answer rejects with an SDK-shaped error named after the S3 error code.
   */
  request(
    request: FastRequest,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return this.#withRetries(request, async (res, body) => ({
      status: res.statusCode ?? 0,
      headers: res.headers,
      body: await readAll(body),
    }), true);
  }

  /** `whole`: the answer is read whole anyway (collected before `handle` sees it). */
  async #withRetries<T>(
    request: FastRequest,
    handle: (res: http.IncomingMessage, body: AsyncIterable<Uint8Array>) => Promise<T>,
    whole = false,
  ): Promise<T> {
    const signal = request.signal;
    const query = canonicalQuery(request.query);
    const bucketPath = this.#targetOf(request).bucketPath;
    const path = this.#pathOf(request);
    // Bodies go unsigned (objects and parts carry Content-MD5); no body: the SHA-256 of "".
    const length = request.body === undefined ? 0 : bodyLength(request.body);
    const headers: Record<string, string> = {
      ...request.headers,
      "x-amz-content-sha256": length ? "UNSIGNED-PAYLOAD" : EMPTY_SHA256,
    };
    if (length) headers["content-length"] = String(length);
    let firstFailureAt: number | undefined;
    let redirected = false;
    let refreshed = false;
    for (let retry = 0;; retry++) {
      const credentials = this.#credentials.current() ?? await this.#credentials.get();
      const target = this.#targetOf(request);
      const region = this.#region;
      try {
        return await this.#attempt(
          request.method,
          target.bucketPath === bucketPath ? path : this.#pathOf(request),
          query,
          request.headersFor ? { ...headers, ...request.headersFor() } : headers,
          request.body,
          signal,
          handle,
          credentials,
          target,
          whole,
          region,
        );
      } catch (e) {
        if (signal?.aborted) throw e;
        if (!redirected && this.#followRegion(e, region)) {
          redirected = true;
          retry--;
          continue;
        }
        if (
          !refreshed && this.#credentials.fromChain &&
          EXPIRED_TOKEN_CODES.has((e as { name?: string }).name ?? "")
        ) {
          refreshed = true;
          await this.#credentials.refresh(credentials);
          retry--;
          continue;
        }
        firstFailureAt ??= Date.now();
        const kind = retryKind(e);
        const delay = kind && retryDelay(this.#retry, retry, kind, firstFailureAt);
        if (delay === undefined) throw e;
        this.retries++;
        await sleep(delay, signal);
      }
    }
  }

  #targetOf(request: FastRequest): S3Target {
    return request.service
      ? s3Target("", this.#region, this.#endpoint, true) // "/" on the endpoint's host
      : this.#target;
  }

  #pathOf(request: FastRequest): string {
    const bucketPath = this.#targetOf(request).bucketPath;
    return request.key === undefined
      ? bucketPath || "/"
      : `${bucketPath}/${request.key.split("/").map(encodeRfc3986).join("/")}`;
  }

  /**
   * Region discovery as the SDK's `followRegionRedirects`: an answer 301, 307 or 400 that
   * names another region in `x-amz-bucket-region` switches this client to it (host included
   * when the endpoint is AWS's); true when the request should be sent again.
   */
  #followRegion(error: unknown, signedFor: string): boolean {
    const e = error as { $metadata?: { httpStatusCode?: number }; bucketRegion?: string };
    const status = e?.$metadata?.httpStatusCode;
    const region = e?.bucketRegion;
    if (typeof region !== "string" || region === "" || region === signedFor) return false;
    if (status !== 301 && status !== 307 && status !== 400) return false;
    // Requests sent meanwhile get the same answer: the first one switches, all are resent.
    if (region !== this.#region) {
      this.#region = region;
      this.#target = s3Target(this.#bucket, region, this.#endpoint, this.#forcePathStyle);
    }
    return true;
  }

  /**
   * One attempt; settles only once `handle` has settled (no stray writes after a retry).
   * Once a socket is assigned, the attempt fails when no byte moves (body written to the
   * socket, answer received) for `socketTimeout` ms, in either direction.
   */
  #attempt<T>(
    method: string,
    path: string,
    query: string,
    baseHeaders: Record<string, string>,
    body: Uint8Array | FileBody | undefined,
    signal: AbortSignal | undefined,
    handle: (res: http.IncomingMessage, body: AsyncIterable<Uint8Array>) => Promise<T>,
    credentials: SigningCredentials,
    target: S3Target,
    whole: boolean,
    region: string,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const headers = this.#signer.sign(
      method,
      path,
      query,
      baseHeaders,
      credentials,
      target.host,
      region,
    );
    return sendAttempt({
      request: this.#request,
      options: {
        host: target.hostname,
        port: target.port || undefined,
        method,
        path: query === "" ? path : `${path}?${query}`,
        headers,
        agent: this.#agent,
        ...(target.lookup ? { lookup: target.lookup } : {}),
      },
      body,
      signal,
      handle,
      whole,
      httpError: s3Error,
      idleTimeoutMs: this.#socketTimeout,
      connectTimeoutMs: this.#connectionTimeout,
      connectTimeoutError: () =>
        Object.assign(
          new Error(
            `the request socket did not establish a connection with the server within ${this.#connectionTimeout} ms`,
          ),
          { name: "TimeoutError" },
        ),
    });
  }
}
