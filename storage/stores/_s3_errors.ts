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
