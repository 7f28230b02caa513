/**
 * accsr — configuration and remote storage for data and ML projects.
 *
 * - **config**: read `config.json` + `config_local.json` (JSON or YAML), merge them deeply,
 *   resolve `"env:VAR"` values at access time, typed configuration classes with default
 *   data paths.
 * - **storage**: git-like `push` / `pull` / `delete` / `listObjects` between a local folder
 *   and a bucket namespace on S3 (and S3-compatible servers), Google Cloud Storage, Azure
 *   Blob Storage or a local directory. Only what is missing or changed moves.
 * - **loading**: `downloadFile`, `openFileInTar`, `md5sum`, JSON conversions.
 *
 * @example
 * ```ts
 * import { DefaultDataConfiguration, RemoteStorage } from "accsr";
 *
 * const config = new DefaultDataConfiguration({ configDirectory: "." });
 * const storage = new RemoteStorage(config.getEntry("remote_storage"));
 * await storage.pull("data/raw", { localBaseDir: config.configDirectory });
 * ```
 * @module
 */
export * from "./errors.ts";
export * from "./config/mod.ts";
export * from "./storage/mod.ts";
export * from "./loading/mod.ts";
