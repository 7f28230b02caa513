/**
 * Picks and builds the {@linkcode ObjectStore} for a normalised config. Backends are loaded
 * on first use, so a user of the `file` store never loads the AWS or Azure SDK.
 *
 * @module
 */
import { uploadStateDir } from "../resume_state.ts";
import { isAbsolute, resolve } from "node:path";
import type { NormalizedStorageConfig } from "../storage_config.ts";
import { S3_COMPATIBLE_PROVIDERS } from "../storage_config.ts";
import type { ObjectStore } from "./types.ts";

/**
 * Builds the store for `conf` (`s3` and S3-compatible ids, `google_storage`, `azure_blobs`,
 * `file`, `memory`).
 *
 * @example
 * ```ts
 * import { createStore } from "accsr/storage";
 * import { normalizeStorageConfig } from "accsr/storage";
 * const store = await createStore(normalizeStorageConfig({ provider: "memory", bucket: "b" }));
 * await store.createBucket();
 * ```
 */
export async function createStore(conf: NormalizedStorageConfig): Promise<ObjectStore> {
  if (conf.provider === "memory") {
    const { MemoryStore } = await import("./memory.ts");
    return new MemoryStore(conf.bucket);
  }
  if (conf.provider === "file") {
    const { FileStore } = await import("./fs.ts");
    // a relative root: against the config directory when known (as in the CLI), else the cwd
    const root = conf.configDirectory !== undefined && !isAbsolute(conf.root!)
      ? resolve(conf.configDirectory, conf.root!)
      : conf.root!;
    return new FileStore(root, conf.bucket);
  }
  if (conf.provider === "azure_blobs") {
    const { AzureBlobStore } = await import("./azure.ts");
    const ep = conf.endpoint;
    const isConnString = ep !== undefined &&
      /(AccountName|BlobEndpoint|SharedAccessSignature)=/i.test(ep);
    const [url, sas] = ep !== undefined && !isConnString && ep.includes("?")
      ? ep.split("?", 2)
      : [ep, undefined];
    return new AzureBlobStore({
      container: conf.bucket,
      accountName: conf.key,
      accountKey: conf.secret,
      endpoint: isConnString ? undefined : url,
      connectionString: isConnString ? ep : undefined,
      sasToken: sas,
      singleShotThreshold: conf.multipartThreshold,
      blockSize: conf.partSize,
    });
  }
  const { S3Store } = await import("./s3.ts");
  const resumeDir = uploadStateDir();
  const tuning = {
    ...(resumeDir ? { resumeDir } : {}),
    ...(conf.multipartThreshold ? { multipartThreshold: conf.multipartThreshold } : {}),
    ...(conf.partSize ? { partSize: conf.partSize } : {}),
    ...(conf.maxAttempts ? { maxAttempts: conf.maxAttempts } : {}),
    ...(conf.maxRetryTime ? { maxRetryTime: conf.maxRetryTime } : {}),
    ...(conf.connectionTimeout ? { connectionTimeout: conf.connectionTimeout } : {}),
    ...(conf.socketTimeout ? { socketTimeout: conf.socketTimeout } : {}),
    ...(conf.plainEtags ? { plainEtags: true } : {}),
  };
  if (conf.provider === "google_storage") {
    const { gcsS3StoreOptions } = await import("./gcs.ts");
    return new S3Store({
      ...gcsS3StoreOptions({
        bucket: conf.bucket,
        key: conf.key,
        secret: conf.secret,
        endpoint: conf.endpoint,
        region: conf.region,
      }),
      ...tuning,
    });
  }
  if (!S3_COMPATIBLE_PROVIDERS.includes(conf.provider)) {
    throw new RangeError(`Cannot create a store for provider "${conf.provider}"`);
  }
  return new S3Store({
    bucket: conf.bucket,
    endpoint: conf.endpoint,
    region: conf.region ?? "us-east-1",
    accessKeyId: conf.key,
    secretAccessKey: conf.secret,
    sessionToken: conf.sessionToken,
    provider: conf.provider,
    checksumMode: conf.checksumMode,
    ...(conf.forcePathStyle !== undefined ? { forcePathStyle: conf.forcePathStyle } : {}),
    ...tuning,
  });
}
