/**
 * Turns errors of the AWS SDK (and of the HTTP layer below it) into {@linkcode StorageError}s
 * with accsr's codes and message shape. Internal to the S3 store.
 *
 * @module
 */

import { StorageError } from "../../errors.ts";

/**
 * What was being done when an error happened, for the message.
 *
 * @example
 * ```ts
 * import type { S3ErrorContext } from "./_s3_errors.ts";
 * const ctx: S3ErrorContext = {
 *   action: "list", what: "s3://b/prefix", where: " at http://127.0.0.1:7480",
 *   endpoint: "http://127.0.0.1:7480", bucket: "b",
 * };
 * ```
 */
export interface S3ErrorContext {
  /** Verb of the message: `list`, `put`, `get`, `head`, `delete`, `create bucket`. */
  action: string;
  /** The object or prefix URL, e.g. `s3://b/key`. */
  what: string;
  /** Where the bucket lives, e.g. ` at http://127.0.0.1:7480` (with its leading space). */
  where: string;
  /** Endpoint for "unreachable" messages (no credentials in it). */
  endpoint: string;
  /** Bucket name. */
  bucket: string;
  /** Object key, when the operation concerns one. */
  key?: string;
  /** The caller's signal: an error after it fired is `ABORTED`. */
  signal?: AbortSignal;
  /** A 404 without an error code (HEAD) means the bucket is missing, not the key. */
  bucketLevel?: boolean;
  /** What a 412 means here, e.g. "object already exists". */
  preconditionState?: string;
}

const NETWORK_UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
]);
const NETWORK_LOST = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
]);
const ACCESS_DENIED_NAMES = new Set([
  "AccessDenied",
  "AllAccessDisabled",
  "SignatureDoesNotMatch",
  "InvalidAccessKeyId",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "AccountProblem",
  "InvalidSecurity",
  "NotSignedUp",
  "CredentialsProviderError",
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  cause?: unknown;
}

/**
 * Maps any error thrown by an S3 call to a {@linkcode StorageError}: `NoSuchBucket` →
 * `BUCKET_NOT_FOUND`; 403 and signature/key errors → `ACCESS_DENIED`; 412 and
 * `ConditionalRequestConflict` → `PRECONDITION_FAILED`; `NoSuchKey`/404 → `NOT_FOUND`;
 * refused connections, unknown hosts and connect timeouts → `ENDPOINT_UNREACHABLE`; an abort
 * → `ABORTED`; anything else `STORAGE_ERROR`. A `StorageError` passes through unchanged.
 *
 * @example
 * ```ts
 * import { toStorageError } from "./_s3_errors.ts";
 * const e = toStorageError(Object.assign(new Error("x"), { name: "NoSuchBucket", $metadata: { httpStatusCode: 404 } }), {
 *   action: "list", what: "s3://b/", where: " at http://127.0.0.1:7480", endpoint: "http://127.0.0.1:7480", bucket: "b",
 * });
 * console.log(e.code); // "BUCKET_NOT_FOUND"
 * ```
 */
export function toStorageError(error: unknown, ctx: S3ErrorContext): StorageError {
  if (error instanceof StorageError) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkLikeError;
  const name = e.name ?? "";
  const code = e.Code ?? e.code ?? "";
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const base = { bucket: ctx.bucket, key: ctx.key, cause: sanitizeCause(error) };
  const fail = (errorCode: string, state: string, hint?: string, statusCode = status) =>
    new StorageError(
      `Cannot ${ctx.action} "${ctx.what}"${ctx.where}: ${state}${hint ? ` (${hint})` : ""}`,
      { ...base, code: errorCode, statusCode },
    );

  if (ctx.signal?.aborted || name === "AbortError" || code === "ABORT_ERR") {
    return fail("ABORTED", "aborted", undefined, undefined);
  }
  if (name === "NoSuchBucket" || code === "NoSuchBucket" || (status === 404 && ctx.bucketLevel)) {
    return fail("BUCKET_NOT_FOUND", "bucket does not exist", "run `accsr create-bucket`");
  }
  if (name === "NoSuchKey" || code === "NoSuchKey" || status === 404) {
    return fail("NOT_FOUND", "object does not exist", "check the key");
  }
  if (name === "BucketAlreadyOwnedByYou") {
    return fail("BUCKET_EXISTS", "bucket already exists", "pass existOk to accept it");
  }
  if (name === "BucketAlreadyExists") {
    return fail(
      "BUCKET_EXISTS",
      "the bucket name is taken by another account",
      "choose another bucket name",
    );
  }
  if (
    name === "PreconditionFailed" || name === "ConditionalRequestConflict" || status === 412
  ) {
    return fail(
      "PRECONDITION_FAILED",
      ctx.preconditionState ?? "precondition failed",
      "the object was written concurrently; compare again",
    );
  }
  if (ACCESS_DENIED_NAMES.has(name) || ACCESS_DENIED_NAMES.has(code) || status === 403) {
    if (name === "CredentialsProviderError") {
      return fail(
        "ACCESS_DENIED",
        "no credentials found",
        "set key and secret, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
      );
    }
    const detail = name === "SignatureDoesNotMatch"
      ? " (signature does not match)"
      : name === "InvalidAccessKeyId"
      ? " (unknown access key)"
      : name === "ExpiredToken" || name === "InvalidToken"
      ? " (session token invalid or expired)"
      : "";
    return fail(
      "ACCESS_DENIED",
      `access denied for bucket ${ctx.bucket}${detail}`,
      "check key and secret",
      status ?? 403,
    );
  }
  if (name === "PermanentRedirect" || name === "AuthorizationHeaderMalformed" || status === 301) {
    return fail("STORAGE_ERROR", "the bucket is in another region", "set the region");
  }
  if (name === "BadDigest" || name === "InvalidDigest") {
    return fail(
      "STORAGE_ERROR",
      `${name}: the content does not match its MD5`,
      "the file changed while uploading? retry",
    );
  }
  if (
    ctx.endpoint.startsWith("https:") &&
    (code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
      causeCode(error) === "ERR_SSL_WRONG_VERSION_NUMBER" ||
      /wrong version number|InvalidContentType/.test(e.message ?? ""))
  ) {
    return fail(
      "ENDPOINT_NOT_TLS",
      `the endpoint ${ctx.endpoint} does not speak https`,
      `use ${ctx.endpoint.replace(/^https:/, "http:")}`,
      undefined,
    );
  }
  const tlsCode = [code, causeCode(error)].find((c) => c !== undefined && TLS_TRUST.has(c));
  if (tlsCode !== undefined || /invalid peer certificate/i.test(e.message ?? "")) {
    return fail(
      "STORAGE_ERROR",
      `the TLS certificate of ${ctx.endpoint} is not trusted (${tlsCode ?? e.message})`,
      tlsCode === "ERR_TLS_CERT_ALTNAME_INVALID" || tlsCode === "CERT_HAS_EXPIRED"
        ? "fix the server's certificate"
        : "trust its CA: NODE_EXTRA_CA_CERTS=/path/to/ca.pem",
      undefined,
    );
  }
  const netCode = networkCode(error);
  if (netCode !== undefined && NETWORK_UNREACHABLE.has(netCode)) {
    return fail(
      "ENDPOINT_UNREACHABLE",
      `endpoint ${ctx.endpoint} is unreachable (${netCode})`,
      "check the endpoint and the network",
      undefined,
    );
  }
  if (name === "TimeoutError" && /establish a connection/.test(e.message ?? "")) {
    return fail(
      "ENDPOINT_UNREACHABLE",
      `endpoint ${ctx.endpoint} is unreachable (connection timed out)`,
      "check the endpoint and the network",
      undefined,
    );
  }
  if (name === "TimeoutError" || (netCode !== undefined && NETWORK_LOST.has(netCode))) {
    return fail(
      "STORAGE_ERROR",
      `connection to ${ctx.endpoint} lost (${netCode ?? "timed out"})`,
      "retry",
      undefined,
    );
  }
  const described = [name || "Error", status ? `HTTP ${status}` : undefined].filter(Boolean)
    .join(", ");
  const message = e.message && e.message !== "UnknownError" && e.message !== name
    ? `: ${e.message}`
    : "";
  return fail("STORAGE_ERROR", `${described}${message}`);
}

/** Certificate errors of `node:tls` (a TLS front the process does not trust). */
const TLS_TRUST = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The `code` of the first error in the cause chain that has one. */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const c = current as { code?: unknown; cause?: unknown };
    if (typeof c.code === "string") return c.code;
    current = c.cause;
  }
  return undefined;
}

/** The Node-style error code (`ECONNREFUSED`…) of `error` or of one of its causes. */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const c = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof c.code === "string" && /^E[A-Z_]+$/.test(c.code)) return c.code;
    // AggregateError from happy-eyeballs connects
    if (Array.isArray(c.errors) && c.errors.length > 0) {
      current = c.errors[0];
      continue;
    }
    current = c.cause;
  }
  return undefined;
}

/**
 * A copy of an SDK / network error that keeps what helps debugging (name, message, codes,
 * status, request id, attempts, socket address) and drops everything else: SDK exceptions
 * carry the raw HTTP exchange (`$response`), whose request headers include the session
 * token — a `StorageError` must not expose it through `cause`.
 */
function sanitizeCause(error: unknown, depth = 0): unknown {
  if (typeof error !== "object" || error === null) return error;
  const e = error as Record<string, unknown>;
  const copy = new Error(typeof e.message === "string" ? e.message : String(e.name ?? "Error"));
  copy.name = typeof e.name === "string" ? e.name : "Error";
  const extra: Record<string, unknown> = {};
  for (const field of ["code", "Code", "errno", "syscall", "address", "port", "RequestId"]) {
    const value = e[field];
    if (typeof value === "string" || typeof value === "number") extra[field] = value;
  }
  const meta = e.$metadata as Record<string, unknown> | undefined;
  if (meta !== undefined && typeof meta === "object") {
    extra.$metadata = {
      httpStatusCode: meta.httpStatusCode,
      requestId: meta.requestId,
      attempts: meta.attempts,
      totalRetryDelay: meta.totalRetryDelay,
    };
  }
  if (e.cause !== undefined && depth < 3) extra.cause = sanitizeCause(e.cause, depth + 1);
  if (typeof e.stack === "string") copy.stack = e.stack;
  return Object.assign(copy, extra);
}

// ------------------------------------------------------------------------------------------
// Retries: one policy for the SDK (as its retry strategy) and for the fast PUT path.

/**
 * How transient failures are retried: at most `maxAttempts` attempts per request, waits of
 * `random(0, min(maxDelayMs, baseDelayMs · 2^retry))` (full jitter; throttling starts at
 * `5 · baseDelayMs`), and no new attempt once `maxRetryTimeMs` have passed since the
 * request's first failure — so a dead server fails a call in bounded time.
 *
 * @example
 * ```ts
 * import type { RetryPolicy } from "./_s3_errors.ts";
 * const p: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5_000, maxRetryTimeMs: 20_000 };
 * ```
 */
export interface RetryPolicy {
  /** Attempts per request, the first included (1 = no retries). */
  maxAttempts: number;
  /** Base of the exponential backoff, ms. */
  baseDelayMs: number;
  /** Cap of one wait, ms. */
  maxDelayMs: number;
  /** No retry starts later than this after the request's first failure, ms. */
  maxRetryTimeMs: number;
}

const THROTTLING_NAMES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "BandwidthLimitExceeded",
]);
const TRANSIENT_NAMES = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
  "OperationAborted",
]);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
/** Network failures worth another attempt (a restarting server, a dropped connection). */
const TRANSIENT_NETWORK = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EAI_AGAIN",
]);

/**
 * Whether a failed S3 request is worth retrying: `"throttling"` (429, `SlowDown`…),
 * `"transient"` (5xx, timeouts, connection reset / refused), or `undefined` for permanent
 * failures (4xx such as 400, 403, 404, 412) and aborts.
 *
 * @example
 * ```ts
 * import { retryKind } from "./_s3_errors.ts";
 * retryKind(Object.assign(new Error("x"), { name: "SlowDown", $metadata: { httpStatusCode: 503 } })); // "throttling"
 * retryKind(Object.assign(new Error("x"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } })); // undefined
 * ```
 */
export function retryKind(error: unknown): "throttling" | "transient" | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as SdkLikeError & {
    $retryable?: { throttling?: boolean };
    $metadata?: { httpStatusCode?: number; clockSkewCorrected?: boolean };
  };
  const name = e.name ?? "";
  if (name === "AbortError" || e.code === "ABORT_ERR") return undefined;
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || THROTTLING_NAMES.has(name) || e.$retryable?.throttling) {
    return "throttling";
  }
  if (
    (status !== undefined && TRANSIENT_STATUS.has(status)) || TRANSIENT_NAMES.has(name) ||
    e.$retryable !== undefined || e.$metadata?.clockSkewCorrected
  ) return "transient";
  if (status !== undefined && status >= 300) return undefined; // a definite HTTP answer
  const net = networkCode(error);
  return net !== undefined && TRANSIENT_NETWORK.has(net) ? "transient" : undefined;
}

/**
 * The wait before retry number `retry + 1` (0-based `retry` = retries done so far), or
 * `undefined` when the policy allows no further attempt.
 *
 * @example
 * ```ts
 * import { retryDelay } from "./_s3_errors.ts";
 * const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5_000, maxRetryTimeMs: 20_000 };
 * retryDelay(policy, 0, "transient", Date.now()); // 0…100
 * retryDelay(policy, 2, "transient", Date.now()); // undefined: 3 attempts made
 * ```
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  kind: "throttling" | "transient",
  firstFailureAt: number,
  now: number = Date.now(),
): number | undefined {
  if (retry + 1 >= policy.maxAttempts) return undefined;
  const base = kind === "throttling" ? policy.baseDelayMs * 5 : policy.baseDelayMs;
  const delay = Math.floor(Math.random() * Math.min(policy.maxDelayMs, base * 2 ** retry));
  if (now + delay - firstFailureAt > policy.maxRetryTimeMs) return undefined;
  return delay;
}

/**
 * The SDK retry token of {@linkcode S3RetryStrategy}.
 *
 * @example
 * ```ts
 * import type { RetryPolicyToken } from "./_s3_errors.ts";
 * const t: RetryPolicyToken = { getRetryCount: () => 0, getRetryDelay: () => 0 };
 * ```
 */
export interface RetryPolicyToken {
  /** Retries made so far. */
  getRetryCount(): number;
  /** Wait before the next attempt, ms. */
  getRetryDelay(): number;
  /** When the request first failed (epoch ms), once it has. */
  firstFailureAt?: number;
}

/**
 * {@linkcode RetryPolicy} as an AWS SDK v3 retry strategy (`retryStrategy` of the client
 * config). Unlike the SDK's standard strategy it has no client-wide retry quota: every
 * request gets its attempts, bounded in number and time.
 *
 * @example
 * ```ts
 * import { S3RetryStrategy } from "./_s3_errors.ts";
 * const strategy = new S3RetryStrategy({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5_000, maxRetryTimeMs: 20_000 });
 * ```
 */
export class S3RetryStrategy {
  readonly #policy: RetryPolicy;
  /** Retries granted so far (for tests and diagnostics). */
  retries = 0;

  /** Wraps `policy`. */
  constructor(policy: RetryPolicy) {
    this.#policy = policy;
  }

  /** SDK hook: a fresh request. */
  acquireInitialRetryToken(_scope: string): Promise<RetryPolicyToken> {
    return Promise.resolve(token(0, 0));
  }

  /** SDK hook: the request failed; resolves with the next token or rejects (no retry). */
  refreshRetryTokenForRetry(
    previous: RetryPolicyToken,
    info: { error?: unknown; errorType?: string },
  ): Promise<RetryPolicyToken> {
    const kind = retryKind(info.error);
    const first = previous.firstFailureAt ?? Date.now();
    const retry = previous.getRetryCount();
    const delay = kind === undefined ? undefined : retryDelay(this.#policy, retry, kind, first);
    if (delay === undefined) return Promise.reject(new Error("no retry"));
    this.retries++;
    return Promise.resolve(token(retry + 1, delay, first));
  }

  /** SDK hook: the request succeeded. */
  recordSuccess(_token: RetryPolicyToken): void {}
}

function token(count: number, delay: number, firstFailureAt?: number): RetryPolicyToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay, firstFailureAt };
}
