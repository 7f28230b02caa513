/**
 * A lean `PutObject` for small bodies: SigV4 signing with `node:crypto` and one `node:http(s)`
 * request on the store's keep-alive agent, bypassing the AWS SDK's middleware stack (which
 * costs ≈3× the client CPU per small request). Used by the S3 store only for path-style
 * requests to an explicit endpoint with static credentials; everything else goes through
 * the SDK. Errors are shaped like SDK errors (`name` = S3 error code, `$metadata`) so the
 * same mapping applies.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { retryDelay, retryKind, type RetryPolicy } from "./_s3_errors.ts";

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
 * One `PutObject` request.
 *
 * @example
 * ```ts
 * import type { FastPutRequest } from "./_s3_fast.ts";
 * const r: FastPutRequest = { bucket: "b", key: "a.txt", body: new Uint8Array(3), contentMD5: "kAFQmDzST7DWlj99KOF/cg==" };
 * ```
 */
export interface FastPutRequest {
  /** Bucket name. */
  bucket: string;
  /** Object key. */
  key: string;
  /** The whole body. */
  body: Uint8Array;
  /** Base64 MD5 of the body. */
  contentMD5: string;
  /** Content type. */
  contentType?: string;
  /** User metadata (sent as `x-amz-meta-*`). */
  metadata?: Record<string, string>;
  /** Value of `If-None-Match`. */
  ifNoneMatch?: string;
  /** Value of `If-Match`. */
  ifMatch?: string;
  /** Cancels the request (and retries). */
  signal?: AbortSignal;
}

/** Options of {@linkcode FastS3Put}. */
interface FastS3PutOptions {
  endpoint: URL;
  region: string;
  credentials: FastCredentials;
  agent: http.Agent;
  retry: RetryPolicy;
  connectionTimeout: number;
  socketTimeout: number;
}

/**
 * Signs and sends small `PutObject` requests directly (path-style URLs).
 *
 * @example
 * ```ts
 * import http from "node:http";
 * import { FastS3Put } from "./_s3_fast.ts";
 * const agent = new http.Agent({ keepAlive: true });
 * const fast = new FastS3Put({
 *   endpoint: new URL("http://127.0.0.1:7480"), region: "us-east-1",
 *   credentials: { accessKeyId: "test", secretAccessKey: "testtesttest" },
 *   agent, connectionTimeout: 5000, socketTimeout: 30000,
 *   retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000, maxRetryTimeMs: 20000 },
 * });
 * ```
 */
export class FastS3Put {
  readonly #endpoint: URL;
  readonly #basePath: string;
  readonly #region: string;
  readonly #credentials: FastCredentials;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  readonly #retry: RetryPolicy;
  readonly #connectionTimeout: number;
  readonly #socketTimeout: number;
  #signingKey: { date: string; key: Buffer } | undefined;
  /** Retries made so far (for tests and diagnostics). */
  retries = 0;

  /** Prepares the signer; makes no request. */
  constructor(options: FastS3PutOptions) {
    this.#endpoint = options.endpoint;
    this.#basePath = options.endpoint.pathname.replace(/\/+$/, "");
    this.#region = options.region;
    this.#credentials = options.credentials;
    this.#agent = options.agent;
    this.#request = options.endpoint.protocol === "https:" ? https.request : http.request;
    this.#retry = options.retry;
    this.#connectionTimeout = options.connectionTimeout;
    this.#socketTimeout = options.socketTimeout;
  }

  /** Uploads the body; resolves with the ETag (quotes included, as S3 sends it). */
  async put(request: FastPutRequest): Promise<{ etag: string }> {
    const path = `${this.#basePath}/${encodePathSegment(request.bucket)}/${
      request.key.split("/").map(encodePathSegment).join("/")
    }`;
    const headers: Record<string, string> = {
      "content-length": String(request.body.byteLength),
      "content-md5": request.contentMD5,
      "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
    };
    if (request.contentType !== undefined) headers["content-type"] = request.contentType;
    if (request.ifNoneMatch !== undefined) headers["if-none-match"] = request.ifNoneMatch;
    if (request.ifMatch !== undefined) headers["if-match"] = request.ifMatch;
    for (const [name, value] of Object.entries(request.metadata ?? {})) {
      headers[`x-amz-meta-${name.toLowerCase()}`] = value;
    }
    if (this.#credentials.sessionToken) {
      headers["x-amz-security-token"] = this.#credentials.sessionToken;
    }
    let firstFailureAt: number | undefined;
    for (let retry = 0;; retry++) {
      try {
        return await this.#send("PUT", path, headers, request.body, request.signal);
      } catch (e) {
        if (request.signal?.aborted) throw e;
        firstFailureAt ??= Date.now();
        const kind = retryKind(e);
        const delay = kind && retryDelay(this.#retry, retry, kind, firstFailureAt);
        if (delay === undefined) throw e;
        this.retries++;
        await sleep(delay, request.signal);
      }
    }
  }

  #send(
    method: string,
    path: string,
    baseHeaders: Record<string, string>,
    body: Uint8Array,
    signal: AbortSignal | undefined,
  ): Promise<{ etag: string }> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const headers = this.#sign(method, path, baseHeaders);
    return new Promise((resolve, reject) => {
      let settled = false;
      let connectTimer: ReturnType<typeof setTimeout> | undefined;
      const finish = (error: unknown, value?: { etag: string }) => {
        if (settled) return;
        settled = true;
        if (connectTimer !== undefined) clearTimeout(connectTimer);
        signal?.removeEventListener("abort", onAbort);
        if (error !== undefined) reject(error);
        else resolve(value!);
      };
      const req = this.#request({
        host: this.#endpoint.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: this.#endpoint.port || undefined,
        method,
        path,
        headers,
        agent: this.#agent,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e) => finish(e));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            finish(undefined, { etag: String(res.headers.etag ?? "") });
            return;
          }
          finish(s3Error(status, Buffer.concat(chunks).toString("utf8"), res.headers));
        });
      });
      const onAbort = () => {
        req.destroy();
        finish(abortError(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      // Only the connection phase is timed here (not the wait for a free pooled socket).
      req.on("socket", (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(() => {
          req.destroy();
          finish(Object.assign(
            new Error(
              `the request socket did not establish a connection with the server within ${this.#connectionTimeout} ms`,
            ),
            { name: "TimeoutError" },
          ));
        }, this.#connectionTimeout);
        socket.once("connect", () => clearTimeout(connectTimer));
      });
      req.setTimeout(this.#socketTimeout, () => {
        req.destroy();
        finish(Object.assign(new Error("socket idle timeout"), { name: "TimeoutError" }));
      });
      req.on("error", (e) => finish(e));
      req.end(body);
    });
  }

  /** AWS Signature Version 4 with an unsigned payload (the body is covered by Content-MD5). */
  #sign(method: string, path: string, baseHeaders: Record<string, string>): Record<string, string> {
    const now = new Date();
    const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const date = amzDate.slice(0, 8);
    const headers: Record<string, string> = {
      ...baseHeaders,
      host: this.#endpoint.host,
      "x-amz-date": amzDate,
    };
    const names = Object.keys(headers).sort();
    const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, " ")}\n`)
      .join("");
    const signedHeaders = names.join(";");
    const canonicalRequest =
      `${method}\n${path}\n\n${canonicalHeaders}\n${signedHeaders}\nUNSIGNED-PAYLOAD`;
    const scope = `${date}/${this.#region}/s3/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${
      createHash("sha256").update(canonicalRequest).digest("hex")
    }`;
    if (this.#signingKey?.date !== date) {
      const kDate = hmac(`AWS4${this.#credentials.secretAccessKey}`, date);
      const kRegion = hmac(kDate, this.#region);
      const kService = hmac(kRegion, "s3");
      this.#signingKey = { date, key: hmac(kService, "aws4_request") };
    }
    const signature = createHmac("sha256", this.#signingKey.key).update(stringToSign).digest("hex");
    headers.authorization =
      `AWS4-HMAC-SHA256 Credential=${this.#credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** RFC 3986 encoding of one path segment, as SigV4 wants it for S3. */
function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** An error shaped like the SDK's: `name` = S3 code, `$metadata.httpStatusCode`. */
function s3Error(status: number, body: string, headers: http.IncomingHttpHeaders): Error {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ??
    (status === 404
      ? "NotFound"
      : status === 403
      ? "Forbidden"
      : status === 412
      ? "PreconditionFailed"
      : `HTTP${status}`);
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? code;
  return Object.assign(new Error(message), {
    name: code,
    Code: code,
    $metadata: {
      httpStatusCode: status,
      requestId: headers["x-amz-request-id"] as string | undefined,
    },
  });
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error("The operation was aborted"), {
    name: "AbortError",
    cause: signal.reason,
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
