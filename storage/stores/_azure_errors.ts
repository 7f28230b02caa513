/**
 * Turns errors of `@azure/storage-blob` into {@linkcode StorageError}s with accsr's codes and
 * message shape, without any secret (account key, SAS token, connection string).
 *
 * @module
 */

import { StorageError } from "../../errors.ts";

/** Network error codes that mean the endpoint could not be reached at all. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Azure error codes that mean the credentials were refused. */
const ACCESS_DENIED_CODES = new Set([
  "AuthenticationFailed",
  "AuthorizationFailure",
  "AuthorizationPermissionMismatch",
  "AuthorizationProtocolMismatch",
  "AuthorizationResourceTypeMismatch",
  "AuthorizationServiceMismatch",
  "AuthorizationSourceIPMismatch",
  "InsufficientAccountPermissions",
  "AccountIsDisabled",
  "NoAuthenticationInformation",
]);

/**
 * Removes secrets from a text: the given secret strings (account key, SAS token) and the
 * values of SAS signature and account-key fields wherever they appear.
 *
 * @example
 * ```ts
 * import { redact } from "./_azure_errors.ts";
 * console.log(redact("GET /c?sv=2024&sig=abc%3D", [])); // GET /c?sv=2024&sig=REDACTED
 * ```
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("REDACTED");
  }
  return out
    .replace(/([?&;]sig=)[^&\s"';]*/gi, "$1REDACTED")
    .replace(/(AccountKey=)[^;\s"']*/gi, "$1REDACTED")
    .replace(/(SharedAccessSignature=)[^;\s"']*/gi, "$1REDACTED");
}

/** What the failing operation was, for the message. */
export interface AzureErrorContext {
  /** Verb of the message, e.g. `"list"`, `"upload"`. */
  action: string;
  /** What was acted on, e.g. `azure://container/key`. */
  what: string;
  /** Container name. */
  container: string;
  /** Endpoint without query string, for "unreachable" and "container missing" messages. */
  endpoint: string;
  /** Object key concerned, when there is one. */
  key?: string;
  /** Secrets to remove from any text taken from the underlying error. */
  secrets: readonly string[];
  /** The caller's abort signal: when it fired, the failure is reported as `ABORTED`. */
  signal?: AbortSignal;
}

interface RestErrorLike {
  name?: string;
  message?: string;
  code?: string;
  statusCode?: number;
  details?: { errorCode?: string; message?: string } & Record<string, unknown>;
  cause?: unknown;
}

/**
 * The Azure error code of an SDK error (`BlobNotFound`, `ContainerNotFound`, …); for HEAD
 * requests the SDK only has it in `details.errorCode`.
 *
 * @example
 * ```ts
 * import { azureErrorCode } from "./_azure_errors.ts";
 * console.log(azureErrorCode({ statusCode: 404, details: { errorCode: "BlobNotFound" } })); // BlobNotFound
 * ```
 */
export function azureErrorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as RestErrorLike;
  const fromDetails = e.details?.errorCode;
  if (typeof fromDetails === "string" && fromDetails !== "") return fromDetails;
  return typeof e.code === "string" && e.code !== "" ? e.code : undefined;
}

/**
 * The HTTP status of an SDK error, if the server answered.
 *
 * @example
 * ```ts
 * import { azureStatus } from "./_azure_errors.ts";
 * console.log(azureStatus({ statusCode: 412 })); // 412
 * ```
 */
export function azureStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const s = (error as RestErrorLike).statusCode;
  return typeof s === "number" && s > 0 ? s : undefined;
}

/**
 * Whether an error is an abort (of the SDK or of node streams).
 *
 * @example
 * ```ts
 * import { isAbortError } from "./_azure_errors.ts";
 * console.log(isAbortError(new DOMException("x", "AbortError"))); // true
 * ```
 */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as RestErrorLike;
  return e.name === "AbortError" || e.code === "ABORT_ERR";
}

function networkCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === "object" && e !== null; depth++) {
    const code = (e as RestErrorLike).code;
    if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return code;
    e = (e as RestErrorLike).cause;
  }
  return undefined;
}

/** First line of the server's or SDK's message, secrets removed. */
/** A TLS handshake answered with plain HTTP (an `https://` URL of an http-only server). */
function speaksPlainHttp(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === "object" && e !== null; depth++) {
    const x = e as RestErrorLike;
    if (x.code === "ERR_SSL_WRONG_VERSION_NUMBER") return true;
    if (/wrong version number|InvalidContentType/.test(String(x.message ?? ""))) return true;
    e = x.cause;
  }
  return false;
}

function detail(error: unknown, secrets: readonly string[]): string {
  const raw = typeof error === "object" && error !== null
    ? String((error as RestErrorLike).message ?? "")
    : String(error);
  const line = raw.split(/\r?\n/)[0].trim();
  return redact(line.length > 300 ? `${line.slice(0, 300)}…` : line, secrets);
}

/**
 * A secret-free stand-in for an SDK error, kept as `cause` (the SDK error itself carries
 * the request URL, which may hold a SAS token).
 */
function safeCause(error: unknown, secrets: readonly string[]): Error {
  const e = (typeof error === "object" && error !== null ? error : {}) as RestErrorLike;
  const cause = new Error(detail(error, secrets));
  cause.name = typeof e.name === "string" ? e.name : "Error";
  const extra = cause as Error & { code?: string; statusCode?: number };
  const code = azureErrorCode(error) ?? networkCode(error);
  if (code !== undefined) extra.code = code;
  const status = azureStatus(error);
  if (status !== undefined) extra.statusCode = status;
  return cause;
}

/**
 * Maps any error of an Azure operation to a {@linkcode StorageError}:
 * `ContainerNotFound` → `BUCKET_NOT_FOUND`, `ContainerAlreadyExists` → `BUCKET_EXISTS`,
 * 403 / authentication failures → `ACCESS_DENIED`, `BlobNotFound` / 404 → `NOT_FOUND`,
 * `BlobAlreadyExists` (409 of a conditional create) / 412 → `PRECONDITION_FAILED`,
 * connection failures → `ENDPOINT_UNREACHABLE`, aborts → `ABORTED`, else `STORAGE_ERROR`.
 * A `StorageError` passes through unchanged.
 *
 * @example
 * ```ts
 * import { toStorageError } from "./_azure_errors.ts";
 * const e = toStorageError({ statusCode: 404, details: { errorCode: "ContainerNotFound" } }, {
 *   action: "list", what: "azure://c/", container: "c",
 *   endpoint: "http://127.0.0.1:10000/devstoreaccount1", secrets: [],
 * });
 * console.log(e.code); // BUCKET_NOT_FOUND
 * ```
 */
export function toStorageError(error: unknown, ctx: AzureErrorContext): StorageError {
  if (error instanceof StorageError) return error;
  const base = { key: ctx.key, bucket: ctx.container };
  const head = `Cannot ${ctx.action} "${ctx.what}"`;
  if (ctx.signal?.aborted || isAbortError(error)) {
    return new StorageError(`${head}: aborted`, { ...base, code: "ABORTED" });
  }
  const cause = safeCause(error, ctx.secrets);
  const status = azureStatus(error);
  const code = azureErrorCode(error);
  const opts = { ...base, cause, statusCode: status };
  if (status === undefined && ctx.endpoint.startsWith("https:") && speaksPlainHttp(error)) {
    return new StorageError(
      `${head}: the endpoint ${ctx.endpoint} does not speak https ` +
        `(use ${ctx.endpoint.replace(/^https:/, "http:")})`,
      { ...opts, code: "ENDPOINT_NOT_TLS" },
    );
  }
  if (status === undefined) {
    const net = networkCode(error);
    if (net !== undefined) {
      return new StorageError(
        `${head}: endpoint ${ctx.endpoint} is unreachable (${net}) ` +
          `(check the endpoint, account name and network; is the storage service running?)`,
        { ...opts, code: "ENDPOINT_UNREACHABLE" },
      );
    }
  }
  if (code === "ContainerNotFound") {
    return new StorageError(
      `${head}: container "${ctx.container}" does not exist at ${ctx.endpoint} ` +
        "(run `accsr create-bucket`)",
      { ...opts, code: "BUCKET_NOT_FOUND" },
    );
  }
  if (code === "ContainerAlreadyExists") {
    return new StorageError(`${head}: container "${ctx.container}" already exists (pass existOk)`, {
      ...opts,
      code: "BUCKET_EXISTS",
    });
  }
  if (status === 403 || (code !== undefined && ACCESS_DENIED_CODES.has(code))) {
    return new StorageError(
      `${head}: access denied${code ? ` (${code})` : ""} ` +
        "(check the account name and key, SAS token or connection string, and their permissions)",
      { ...opts, code: "ACCESS_DENIED" },
    );
  }
  if (code === "BlobAlreadyExists" || code === "ConditionNotMet" || status === 412) {
    return new StorageError(
      `${head}: ${
        code === "BlobAlreadyExists" ? "the blob already exists" : "the blob changed meanwhile"
      } (precondition failed; list again and retry, or use force)`,
      { ...opts, code: "PRECONDITION_FAILED" },
    );
  }
  if (code === "BlobNotFound" || status === 404) {
    return new StorageError(`${head}: no such blob (list the container to see what exists)`, {
      ...opts,
      code: "NOT_FOUND",
    });
  }
  if (code === "InvalidResourceName" || code === "OutOfRangeInput") {
    return new StorageError(
      `${head}: invalid name (${code}) ` +
        (ctx.key === undefined
          ? "(container names are 3-63 lower-case letters, digits and single hyphens)"
          : "(blob names have 1-1024 characters and at most 254 segments)"),
      { ...opts, code: "STORAGE_ERROR" },
    );
  }
  const text = detail(error, ctx.secrets);
  const state = [status === undefined ? undefined : `HTTP ${status}`, code, text]
    .filter((x) => x !== undefined && x !== "")
    .join(" ");
  return new StorageError(`${head}: ${state || "failed"} (see the cause for details)`, {
    ...opts,
    code: "STORAGE_ERROR",
  });
}
