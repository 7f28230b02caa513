/**
 * The error classes of accsr. Every error the library throws on purpose is an
 * {@linkcode AccsrError} with a stable string `code`; programming mistakes (wrong argument
 * types, contradictory options) are built-in `TypeError` / `RangeError`.
 *
 * Messages follow one shape: `Cannot <action> "<what>": <state> (<hint>)`, and never contain
 * a secret.
 *
 * @example
 * ```ts
 * import { AccsrError, ConfigKeyError } from "accsr";
 * try {
 *   throw new ConfigKeyError(["remote_storage", "bucket"]);
 * } catch (e) {
 *   if (e instanceof AccsrError) console.log(e.code); // "CONFIG_KEY_MISSING"
 * }
 * ```
 * @module
 */

/**
 * Options common to every accsr error.
 *
 * @example
 * ```ts
 * import { AccsrError } from "accsr";
 * new AccsrError("Cannot do it", { code: "EXAMPLE", cause: new Error("inner") });
 * ```
 */
export interface AccsrErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Overrides the class's default `code`. */
  code?: string;
}

/**
 * Base class of every error accsr throws on purpose.
 *
 * @example
 * ```ts
 * import { AccsrError } from "accsr";
 * const e = new AccsrError("Cannot do it", { code: "EXAMPLE" });
 * console.log(e.name, e.code); // "AccsrError EXAMPLE"
 * ```
 */
export class AccsrError extends Error {
  /** Stable machine-readable code, e.g. `"CONFIG_ERROR"`. */
  readonly code: string;

  /** Creates an error with a message and an optional code and cause. */
  constructor(message: string, options: AccsrErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? "ACCSR_ERROR";
  }
}

/**
 * A configuration file could not be read, parsed or validated, or no configuration was found.
 *
 * @example
 * ```ts
 * import { ConfigError } from "accsr";
 * const e = new ConfigError('Cannot read config file "config.json": line 1, column 2: bad JSON', {
 *   file: "/p/config.json",
 * });
 * console.log(e.code, e.file); // "CONFIG_ERROR /p/config.json"
 * ```
 */
export class ConfigError extends AccsrError {
  /** Absolute path of the file concerned, when there is one. */
  readonly file?: string;
  /** 1-based line of a parse error, when known. */
  readonly line?: number;
  /** 1-based column of a parse error, when known. */
  readonly column?: number;

  /** Creates a configuration error; `file`, `line` and `column` locate it when known. */
  constructor(
    message: string,
    options: AccsrErrorOptions & { file?: string; line?: number; column?: number } = {},
  ) {
    super(message, { code: "CONFIG_ERROR", ...options });
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
  }
}

/**
 * A configuration key is missing or `null` (or the path walks through a non-object).
 * The message names the dotted key path.
 *
 * @example
 * ```ts
 * import { ConfigKeyError } from "accsr";
 * const e = new ConfigKeyError(["nested", "x"]);
 * console.log(e.message); // Cannot get config entry "nested.x": not set in the configuration (...)
 * console.log(e.keyPath); // ["nested", "x"]
 * ```
 */
export class ConfigKeyError extends ConfigError {
  /** The key path that was asked for. */
  readonly keyPath: readonly string[];

  /** Creates the error for `keyPath`; `detail` replaces the default "not set" explanation. */
  constructor(keyPath: readonly string[], detail?: string, options: AccsrErrorOptions = {}) {
    const dotted = keyPath.join(".");
    super(
      `Cannot get config entry "${dotted}": ${
        detail ?? "not set in the configuration"
      } (add it to config.json or config_local.json)`,
      { code: "CONFIG_KEY_MISSING", ...options },
    );
    this.keyPath = [...keyPath];
  }
}

/**
 * A push found no local file to consider. The message names the path (and prefix).
 *
 * @example
 * ```ts
 * import { NoFilesFoundError } from "accsr";
 * const e = new NoFilesFoundError("data/*.csv");
 * console.log(e.code, e.path); // "NO_FILES_FOUND data/*.csv"
 * ```
 */
export class NoFilesFoundError extends AccsrError {
  /** The path or glob that matched nothing. */
  readonly path: string;
  /** The local path prefix it was resolved against, if any. */
  readonly localPathPrefix?: string;

  /** Creates the error for `path` (resolved against `localPathPrefix` when given). */
  constructor(path: string, localPathPrefix?: string, options: AccsrErrorOptions = {}) {
    super(
      `Cannot push "${path}": no files found${
        localPathPrefix === undefined ? "" : ` under local path prefix "${localPathPrefix}"`
      } (check the path or glob)`,
      { code: "NO_FILES_FOUND", ...options },
    );
    this.path = path;
    this.localPathPrefix = localPathPrefix;
  }
}

/**
 * A transaction was refused as a whole, before anything was transferred: files would be
 * overwritten without `force`, or files collide with directories (code `SYNC_CONFLICT`).
 * `names` lists the affected object names. When a local directory blocks a pull, the
 * message contains `directory:` followed by the path.
 *
 * With code `CONCURRENT_CHANGE`, the transaction had started: another writer changed the
 * files in `names` after planning (they were left as the other writer wrote them), while
 * other files were already transferred (`summary.syncedFiles`); the message says how many.
 * The CLI exits 3 only for `SYNC_CONFLICT` (nothing moved) and 1 for `CONCURRENT_CHANGE`.
 *
 * @example
 * ```ts
 * import { SyncConflictError } from "accsr";
 * const e = new SyncConflictError("Cannot push: 1 file would be overwritten", ["a.txt"]);
 * console.log(e.code, e.names); // "SYNC_CONFLICT ["a.txt"]"
 * ```
 */
export class SyncConflictError extends AccsrError {
  /** The names (remote paths) concerned. */
  readonly names: string[];
  /** The planned transaction, when available (a `TransactionSummary`). */
  readonly summary?: unknown;

  /** Creates the error; `summary` carries the refused plan when known. */
  constructor(
    message: string,
    names: readonly string[],
    options: AccsrErrorOptions & { summary?: unknown } = {},
  ) {
    super(message, { code: "SYNC_CONFLICT", ...options });
    this.names = [...names];
    this.summary = options.summary;
  }
}

/**
 * A mirror (`delete: true`) planned more deletions than `maxDelete` allows: the whole
 * transaction was refused before anything moved (nothing transferred, nothing deleted).
 * `names` lists the planned deletions; the CLI exits with 3 as for every refusal.
 *
 * @example
 * ```ts
 * import { MaxDeleteExceededError } from "accsr";
 * const e = new MaxDeleteExceededError("Cannot push: 3 deletions planned, --max-delete is 2", ["a", "b", "c"], 2);
 * console.log(e.code, e.planned, e.maxDelete); // "MAX_DELETE_EXCEEDED 3 2"
 * ```
 */
export class MaxDeleteExceededError extends SyncConflictError {
  /** The limit that was exceeded. */
  readonly maxDelete: number;

  /** Creates the refusal for the planned deletions `names` and the limit. */
  constructor(
    message: string,
    names: readonly string[],
    maxDelete: number,
    options: AccsrErrorOptions & { summary?: unknown } = {},
  ) {
    super(message, names, { code: "MAX_DELETE_EXCEEDED", ...options });
    this.maxDelete = maxDelete;
  }

  /** Number of deletions the plan held. */
  get planned(): number {
    return this.names.length;
  }
}

/**
 * A storage backend failed (network, permissions, missing bucket, corrupt transfer…).
 * Never contains a secret.
 *
 * @example
 * ```ts
 * import { StorageError } from "accsr";
 * const e = new StorageError('Cannot list "s3://b/x": access denied (check key and secret)', {
 *   code: "ACCESS_DENIED",
 *   statusCode: 403,
 *   bucket: "b",
 * });
 * console.log(e.statusCode, e.code); // 403 "ACCESS_DENIED"
 * ```
 */
export class StorageError extends AccsrError {
  /** HTTP status code of the failed request, when there was one. */
  readonly statusCode?: number;
  /** Object key concerned, when there is one. */
  readonly key?: string;
  /** Bucket concerned, when known. */
  readonly bucket?: string;
  /** What a failed transaction had already synced, when the failure happened mid-transaction. */
  synced?: unknown[];
  /** The transaction summary at the time of failure, when the failure happened mid-transaction. */
  summary?: unknown;

  /** Creates a storage error; `code` defaults to `"STORAGE_ERROR"`. */
  constructor(
    message: string,
    options: AccsrErrorOptions & { statusCode?: number; key?: string; bucket?: string } = {},
  ) {
    super(message, { code: "STORAGE_ERROR", ...options });
    this.statusCode = options.statusCode;
    this.key = options.key;
    this.bucket = options.bucket;
  }
}

/**
 * A download or archive read failed (HTTP error, bad archive, ambiguous member…).
 *
 * @example
 * ```ts
 * import { LoadingError } from "accsr";
 * const e = new LoadingError('Cannot download "http://x/y": HTTP 404 Not Found', { statusCode: 404 });
 * console.log(e.code); // "LOADING_ERROR"
 * ```
 */
export class LoadingError extends AccsrError {
  /** HTTP status code, when the failure was an HTTP response. */
  readonly statusCode?: number;

  /** Creates a loading error; `code` defaults to `"LOADING_ERROR"`. */
  constructor(message: string, options: AccsrErrorOptions & { statusCode?: number } = {}) {
    super(message, { code: "LOADING_ERROR", ...options });
    this.statusCode = options.statusCode;
  }
}
