/**
 * `RemoteStorageConfig`: where the remote bucket is and how to reach it. Accepts accsr's
 * snake_case keys (`base_path`, `use_pbar`) as well as camelCase, validates, and keeps the
 * secret out of every string form.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { isSecretKey, redactDeep, REDACTED } from "../redact.ts";
import { normalizeBasePath } from "./keys.ts";

/**
 * Configuration of a remote storage (accsr's `RemoteStorageConfig`).
 *
 * @example
 * ```ts
 * import type { RemoteStorageConfig } from "accsr/storage";
 * const conf: RemoteStorageConfig = {
 *   provider: "s3", bucket: "my-bucket", key: "AKIA…", secret: "…",
 *   endpoint: "http://127.0.0.1:9000", basePath: "project/v1",
 * };
 * ```
 */
export interface RemoteStorageConfig {
  /** `"s3"`, `"google_storage"`, `"azure_blobs"`, `"file"`, `"memory"`, or an S3-compatible id (`"minio"`, `"ceph"`, `"r2"`, `"wasabi"`, …). */
  provider: "s3" | "google_storage" | "azure_blobs" | "file" | "memory" | string;
  /** Bucket (Azure: container). */
  bucket: string;
  /** Access key id (Azure: account name). `null` → the provider's default credential chain. */
  key?: string | null;
  /** Secret access key (Azure: account key). Never shown by `String`, `JSON.stringify` or `inspect`. */
  secret?: string | null;
  /** Region; S3 default `us-east-1`. */
  region?: string | null;
  /** Host of an S3-compatible server (with `port` and `secure`); alternative to `endpoint`. */
  host?: string | null;
  /** Port of the server. */
  port?: number | string | null;
  /**
   * Use https with `host`/`port`.
   * @default {true}
   */
  secure?: boolean;
  /** Full endpoint URL (Azure: also a connection string or a URL with a SAS token). */
  endpoint?: string;
  /**
   * Namespace inside the bucket; every key starts with it.
   * @default {""}
   */
  basePath?: string;
  /** accsr's spelling of `basePath`. */
  base_path?: string;
  /**
   * Show progress bars (on a terminal); otherwise progress is logged.
   * @default {true}
   */
  usePbar?: boolean;
  /** accsr's spelling of `usePbar`. */
  use_pbar?: boolean;
  /**
   * Provider `file`: directory holding the buckets. A relative `root` resolves against
   * `configDirectory` when given (as the CLI does for a root written in a config file),
   * otherwise against the working directory.
   */
  root?: string;
  /**
   * The directory a relative `root` resolves against, typically the directory of the config
   * file it was read from: `{ ...config.getEntry("remote_storage"), configDirectory:
   * config.configDirectory }`. `config_directory` is accepted too.
   * @default {the working directory}
   */
  configDirectory?: string;
  /** Temporary session token (S3). Never shown. */
  sessionToken?: string | null;
  /**
   * Uploads above this size use multipart (S3) or staged blocks (Azure).
   * @default {67108864}
   */
  multipartThreshold?: number;
  /** Part size of multipart uploads. @default {16777216} */
  partSize?: number;
  /** S3 checksum mode; `WHEN_REQUIRED` works with every S3-compatible server. @default {"WHEN_REQUIRED"} */
  checksumMode?: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
  /** Attempts per request on transient errors. @default {5} */
  maxAttempts?: number;
  /** No retry starts later than this many ms after a request's first failure (S3). @default {20000} */
  maxRetryTime?: number;
  /** Connect timeout per attempt in ms (S3). @default {5000} */
  connectionTimeout?: number;
  /** An attempt whose socket is idle this many ms fails (S3). @default {30000} */
  socketTimeout?: number;
  /**
   * Every object written gets an ETag equal to the MD5 of its content (S3: multipart uploads
   * are followed by a server-side copy onto themselves), so ETag-comparing tools such as Python
   * accsr see equal files as equal. Config key `plain_etags`.
   * @default {false}
   */
  plainEtags?: boolean;
  /** accsr-style spelling of `plainEtags`. */
  plain_etags?: boolean;
  /**
   * S3: path-style requests (`<endpoint>/<bucket>/<key>`) instead of virtual-hosted ones
   * (`<bucket>.<host>/<key>`). Default: path-style with an `endpoint`, virtual-hosted on AWS
   * (where the bucket name allows it, as the AWS SDK does). Config key `force_path_style`.
   */
  forcePathStyle?: boolean;
  /** Snake-case spelling of `forcePathStyle`. */
  force_path_style?: boolean;
  /**
   * Send a content type guessed from the file extension with every upload.
   * @default {true}
   */
  guessContentType?: boolean;
  /** Snake-case spelling of `guessContentType`. */
  guess_content_type?: boolean;
  /** Extension → content type, over the built-in table (e.g. `{ ".parquet": "application/vnd.apache.parquet" }`). */
  contentTypes?: Record<string, string>;
  /** Snake-case spelling of `contentTypes`. */
  content_types?: Record<string, string>;
}

/**
 * S3-compatible provider ids handled by the S3 store.
 *
 * @example
 * ```ts
 * import { S3_COMPATIBLE_PROVIDERS } from "accsr/storage";
 * S3_COMPATIBLE_PROVIDERS.includes("minio"); // true
 * ```
 */
export const S3_COMPATIBLE_PROVIDERS: readonly string[] = [
  "s3",
  "minio",
  "ceph",
  "r2",
  "wasabi",
  "digitalocean_spaces",
  "scaleway",
  "backblaze_b2",
  "aliyun_oss",
  "ovh",
];

/**
 * Every provider id accepted.
 *
 * @example
 * ```ts
 * import { SUPPORTED_PROVIDERS } from "accsr/storage";
 * SUPPORTED_PROVIDERS.includes("azure_blobs"); // true
 * ```
 */
export const SUPPORTED_PROVIDERS: readonly string[] = [
  ...S3_COMPATIBLE_PROVIDERS,
  "google_storage",
  "azure_blobs",
  "file",
  "local",
  "memory",
];

/**
 * The validated, normalised form the engine uses.
 *
 * @example
 * ```ts
 * import { normalizeStorageConfig } from "accsr/storage";
 * const n = normalizeStorageConfig({ provider: "s3", bucket: "b", host: "127.0.0.1", port: "9000", secure: false });
 * console.log(n.endpoint); // http://127.0.0.1:9000
 * ```
 */
export interface NormalizedStorageConfig {
  /** Provider id (`local` becomes `file`). */
  provider: string;
  /** Bucket or container. */
  bucket: string;
  /** Access key id / account name. */
  key?: string;
  /** Secret / account key. */
  secret?: string;
  /** Session token. */
  sessionToken?: string;
  /** Region. */
  region?: string;
  /** Endpoint URL (from `endpoint`, or `host` + `port` + `secure`). */
  endpoint?: string;
  /** Base path without leading, trailing or double slashes. */
  basePath: string;
  /** Progress bars on or off. */
  usePbar: boolean;
  /** Root folder of the `file` provider (relative: against `configDirectory`, else the cwd). */
  root?: string;
  /** The directory a relative `root` resolves against, when given. */
  configDirectory?: string;
  /** Multipart threshold in bytes. */
  multipartThreshold?: number;
  /** Multipart part size in bytes. */
  partSize?: number;
  /** S3 checksum mode. */
  checksumMode?: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
  /** Attempts per request. */
  maxAttempts?: number;
  /** Retry time budget in ms. */
  maxRetryTime?: number;
  /** Connect timeout in ms. */
  connectionTimeout?: number;
  /** Idle socket timeout in ms. */
  socketTimeout?: number;
  /** Objects written get ETag = MD5 of the content. */
  plainEtags: boolean;
  /** S3 path-style requests; undefined: the store's default. */
  forcePathStyle?: boolean;
  /** Guess content types from extensions. */
  guessContentType: boolean;
  /** Extension → content type overrides. */
  contentTypes?: Record<string, string>;
}

function bad(field: string, state: string, hint: string): ConfigError {
  return new ConfigError(`Cannot use remote storage config "${field}": ${state} (${hint})`, {
    code: "INVALID_STORAGE_CONFIG",
  });
}

function optString(conf: Record<string, unknown>, field: string): string | undefined {
  const v = conf[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    throw bad(field, `expected a string, got ${typeof v}`, "fix the config");
  }
  return v;
}

/**
 * Why a bucket name is invalid for the provider, or `undefined` when it is fine.
 *
 * @example
 * ```ts
 * import { bucketNameProblem } from "accsr/storage";
 * bucketNameProblem("s3", "My_Bucket"); // a sentence explaining the rules
 * ```
 */
export function bucketNameProblem(provider: string, bucket: string): string | undefined {
  if (provider === "azure_blobs") {
    if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
      return "Azure container names have 3–63 characters: lower-case letters, digits and single hyphens, starting and ending with a letter or digit";
    }
    return undefined;
  }
  if (!/^[a-z0-9][a-z0-9.\-_]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes("..")) {
    return "bucket names have 3–63 characters: lower-case letters, digits, dots, hyphens (and underscores for local stores), starting and ending with a letter or digit";
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return "bucket names must not look like an IP address";
  return undefined;
}

/**
 * Validates a config and normalises it: snake_case keys, endpoint from host/port/secure,
 * base path without empty segments. Invalid values throw a `ConfigError` (code
 * `INVALID_STORAGE_CONFIG`) naming the field.
 *
 * @example
 * ```ts
 * import { normalizeStorageConfig } from "accsr/storage";
 * normalizeStorageConfig({ provider: "file", bucket: "b", root: "/tmp/store", base_path: "/x/" }).basePath; // "x"
 * ```
 */
export function normalizeStorageConfig(conf: RemoteStorageConfig): NormalizedStorageConfig {
  if (conf === null || typeof conf !== "object") {
    throw new TypeError("Cannot create RemoteStorage: the config must be an object");
  }
  const c = conf as unknown as Record<string, unknown>;
  const provider = optString(c, "provider");
  if (provider === undefined || provider === "") {
    throw bad("provider", "missing", `set one of ${SUPPORTED_PROVIDERS.join(", ")}`);
  }
  if (!SUPPORTED_PROVIDERS.includes(provider)) {
    throw bad(
      "provider",
      `unknown provider "${provider}"`,
      `use one of ${SUPPORTED_PROVIDERS.join(", ")}`,
    );
  }
  const bucket = optString(c, "bucket");
  if (bucket === undefined || bucket === "") throw bad("bucket", "missing", "set the bucket name");
  const problem = bucketNameProblem(provider, bucket);
  if (problem !== undefined) throw bad("bucket", `invalid name "${bucket}"`, problem);

  let port: number | undefined;
  if (c.port !== undefined && c.port !== null && c.port !== "") {
    port = typeof c.port === "number"
      ? c.port
      : /^\d+$/.test(String(c.port))
      ? Number(c.port)
      : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw bad(
        "port",
        `"${String(c.port)}" is not a port number`,
        "use an integer from 1 to 65535",
      );
    }
  }
  if (c.secure !== undefined && typeof c.secure !== "boolean") {
    throw bad(
      "secure",
      `expected true or false, got ${JSON.stringify(c.secure)}`,
      "fix the config",
    );
  }
  const secure = (c.secure as boolean | undefined) ?? true;
  const host = optString(c, "host");
  let endpoint = optString(c, "endpoint");
  if (endpoint === undefined && host !== undefined && host !== "") {
    const hostPart = /^https?:\/\//.test(host) ? host : `${secure ? "https" : "http"}://${host}`;
    endpoint = port === undefined ? hostPart : `${hostPart.replace(/:\d+$/, "")}:${port}`;
    // emulators (Azurite) address accounts by path; real Azure hosts carry the account in the name
    const local = /^(https?:\/\/)?(localhost|127\.\d+\.\d+\.\d+|\[::1\]|\d+\.\d+\.\d+\.\d+)(:|$)/
      .test(host);
    if (provider === "azure_blobs" && c.key && local) endpoint += `/${String(c.key)}`;
  }
  if (endpoint !== undefined && provider !== "azure_blobs") {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw bad("endpoint", `"${endpoint}" is not a URL`, "use e.g. http://127.0.0.1:9000");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw bad(
        "endpoint",
        `"${endpoint}" has the unsupported scheme "${url.protocol.slice(0, -1)}"`,
        "use http:// or https://",
      );
    }
  }
  const usePbar = c.usePbar ?? c.use_pbar ?? true;
  if (typeof usePbar !== "boolean") {
    throw bad("usePbar", "expected true or false", "fix the config");
  }
  const basePathRaw = c.basePath ?? c.base_path;
  if (basePathRaw !== undefined && basePathRaw !== null && typeof basePathRaw !== "string") {
    throw bad("base_path", `expected a string, got ${typeof basePathRaw}`, "fix the config");
  }
  let basePath: string;
  try {
    basePath = normalizeBasePath(basePathRaw as string | undefined);
  } catch (e) {
    throw bad("base_path", (e as Error).message, 'remove the ".." segments');
  }
  const num = (field: string): number | undefined => {
    const v = c[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !(v > 0)) {
      throw bad(field, "expected a positive number", "fix the config");
    }
    return v;
  };
  const bool = (camel: string, snake: string, dflt: boolean): boolean => {
    const v = c[camel] ?? c[snake];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== "boolean") {
      throw bad(snake, `expected true or false, got ${JSON.stringify(v)}`, "fix the config");
    }
    return v;
  };
  const pathStyle = c.forcePathStyle ?? c.force_path_style;
  const forcePathStyle = pathStyle === undefined || pathStyle === null
    ? undefined
    : bool("forcePathStyle", "force_path_style", true);
  const contentTypes = c.contentTypes ?? c.content_types;
  if (
    contentTypes !== undefined && contentTypes !== null &&
    (typeof contentTypes !== "object" || Array.isArray(contentTypes) ||
      Object.values(contentTypes).some((v) => typeof v !== "string"))
  ) {
    throw bad(
      "content_types",
      "expected an object of extension → content type strings",
      'e.g. {".parquet": "application/vnd.apache.parquet"}',
    );
  }
  const plainEtags = bool("plainEtags", "plain_etags", false);
  if (plainEtags && provider === "azure_blobs") {
    throw bad(
      "plain_etags",
      'not possible with provider "azure_blobs": Azure ETags are never an MD5 of the content',
      "remove plain_etags; Azure keeps the MD5 in Content-MD5",
    );
  }
  const root = optString(c, "root");
  if ((provider === "file" || provider === "local") && (root === undefined || root === "")) {
    throw bad("root", "missing", 'set "root" to the folder that holds the buckets');
  }
  return {
    provider: provider === "local" ? "file" : provider,
    bucket,
    key: optString(c, "key"),
    secret: optString(c, "secret"),
    sessionToken: optString(c, "sessionToken") ?? optString(c, "session_token"),
    region: optString(c, "region"),
    endpoint,
    basePath,
    usePbar,
    root,
    configDirectory: optString(c, "configDirectory") ?? optString(c, "config_directory"),
    multipartThreshold: num("multipartThreshold") ?? num("multipart_threshold"),
    partSize: num("partSize") ?? num("part_size"),
    checksumMode: (optString(c, "checksumMode") as NormalizedStorageConfig["checksumMode"]) ??
      undefined,
    maxAttempts: num("maxAttempts") ?? num("max_attempts"),
    maxRetryTime: num("maxRetryTime") ?? num("max_retry_time"),
    connectionTimeout: num("connectionTimeout") ?? num("connection_timeout"),
    socketTimeout: num("socketTimeout") ?? num("socket_timeout"),
    plainEtags,
    forcePathStyle,
    guessContentType: bool("guessContentType", "guess_content_type", true),
    contentTypes: (contentTypes ?? undefined) as Record<string, string> | undefined,
  };
}

/**
 * A copy of the config whose secret fields stay readable (`conf.secret`) but never appear in
 * `String(conf)`, `JSON.stringify(conf)`, `Deno.inspect` or `util.inspect`.
 *
 * @example
 * ```ts
 * import { redactedConfig } from "accsr/storage";
 * const c = redactedConfig({ provider: "s3", bucket: "b", key: "k", secret: "s3cr3t" });
 * console.log(c.secret, JSON.stringify(c)); // s3cr3t {"provider":"s3","bucket":"b","key":"k","secret":"***"}
 * ```
 */
export function redactedConfig(conf: RemoteStorageConfig): RemoteStorageConfig {
  const out: Record<string, unknown> = {};
  const secretFields: string[] = [];
  for (const [k, v] of Object.entries(conf)) {
    if (isSecretKey(k)) {
      Object.defineProperty(out, k, { value: v, enumerable: false });
      secretFields.push(k);
    } else out[k] = v;
  }
  const visible = (): Record<string, unknown> => {
    const r = redactDeep({ ...out }) as Record<string, unknown>;
    for (const k of secretFields) {
      r[k] = (out as Record<string, unknown>)[k] == null ? null : REDACTED;
    }
    return r;
  };
  const str = (): string =>
    `RemoteStorageConfig(${
      Object.entries(visible()).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")
    })`;
  Object.defineProperties(out, {
    toJSON: { value: visible, enumerable: false },
    toString: { value: str, enumerable: false },
    [Symbol.for("nodejs.util.inspect.custom")]: { value: str, enumerable: false },
    [Symbol.for("Deno.customInspect")]: { value: str, enumerable: false },
  });
  return Object.freeze(out) as unknown as RemoteStorageConfig;
}
