/**
 * Google Cloud Storage through its S3-compatible XML API ("interoperability"), authenticated
 * with HMAC keys. {@linkcode gcsS3StoreOptions} turns accsr's `google_storage` settings into
 * options for the S3 store.
 *
 * @example
 * ```ts
 * import { gcsS3StoreOptions } from "./gcs.ts";
 * import { S3Store } from "./s3.ts";
 * const store = new S3Store(gcsS3StoreOptions({ bucket: "my-bucket", key: "GOOG1E…", secret: "…" }));
 * ```
 * @module
 */

import type { S3StoreOptions } from "./s3.ts";

/**
 * The XML API endpoint of Google Cloud Storage.
 *
 * @example
 * ```ts
 * import { GCS_S3_ENDPOINT } from "./gcs.ts";
 * console.log(GCS_S3_ENDPOINT); // https://storage.googleapis.com
 * ```
 */
export const GCS_S3_ENDPOINT = "https://storage.googleapis.com";

/**
 * Settings of a Google Cloud Storage bucket reached through the S3 interoperability API.
 *
 * @example
 * ```ts
 * import type { GcsS3Config } from "./gcs.ts";
 * const c: GcsS3Config = { bucket: "my-bucket", key: "GOOG1EXAMPLE", secret: "hmac-secret" };
 * ```
 */
export interface GcsS3Config {
  /** Bucket name. */
  bucket: string;
  /** HMAC access id (`GOOG1…`), from `gcloud storage hmac create SERVICE_ACCOUNT_EMAIL`. */
  key?: string | null;
  /** HMAC secret. */
  secret?: string | null;
  /**
   * XML API endpoint.
   * @default "https://storage.googleapis.com"
   */
  endpoint?: string;
  /**
   * Signing region; Google accepts `auto` (and any location name).
   * @default "auto"
   */
  region?: string | null;
}

/**
 * Options for the S3 store that reach a Google Cloud Storage bucket: endpoint
 * `https://storage.googleapis.com`, region `auto`, provider `google_storage`, path-style
 * URLs, checksums only when required (GCS rejects the SDK's default streaming checksums),
 * and per-object deletes (`batchDelete: false`: the XML API has no multi-object delete,
 * `POST ?delete`).
 *
 * @example
 * ```ts
 * import { gcsS3StoreOptions } from "./gcs.ts";
 * const o = gcsS3StoreOptions({ bucket: "my-bucket", key: "GOOG1EXAMPLE", secret: "hmac-secret" });
 * console.log(o.endpoint, o.region, o.batchDelete); // https://storage.googleapis.com auto false
 * ```
 */
export function gcsS3StoreOptions(config: GcsS3Config): S3StoreOptions {
  const endpoint = config.endpoint?.trim() || GCS_S3_ENDPOINT;
  const region = config.region?.trim() || "auto";
  const options: S3StoreOptions = {
    bucket: config.bucket,
    endpoint: endpoint.replace(/\/+$/, ""),
    region,
    provider: "google_storage",
    forcePathStyle: true,
    checksumMode: "WHEN_REQUIRED",
    batchDelete: false,
  };
  const key = config.key?.trim();
  const secret = config.secret?.trim();
  if (key) options.accessKeyId = key;
  if (secret) options.secretAccessKey = secret;
  return options;
}
