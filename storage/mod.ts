/**
 * Remote storage: git-like `push` / `pull` / `delete` / `listObjects` between a local folder
 * and a namespace (`basePath`) inside a bucket of S3 (and S3-compatible servers), Google
 * Cloud Storage, Azure Blob Storage, a local directory, or memory.
 *
 * Only what is missing or changed moves (MD5 equality); a transaction that would overwrite
 * without `force`, or that hits a file/directory collision, is refused as a whole before
 * anything moves; `dryrun` returns the plan.
 *
 * @example
 * ```ts
 * import { RemoteStorage } from "accsr/storage";
 *
 * const storage = new RemoteStorage({ provider: "file", root: "/tmp/accsr-store", bucket: "demo", basePath: "v1" });
 * await storage.createBucket();
 * const plan = await storage.push("data", { dryrun: true });
 * plan.printShortSummary();
 * await storage.push("data");
 * const pulled = await storage.pull("data", { localBaseDir: "/tmp/copy" });
 * console.log(pulled.syncedFiles.length);
 * ```
 * @module
 */
export { RemoteStorage } from "./remote_storage.ts";
export type {
  CleanupOptions,
  CleanupResult,
  DeleteOptions,
  PlannedPush,
  PullOptions,
  PushOptions,
  RemoteStorageOptions,
} from "./remote_storage.ts";
export {
  bucketNameProblem,
  normalizeStorageConfig,
  redactedConfig,
  S3_COMPATIBLE_PROVIDERS,
  SUPPORTED_PROVIDERS,
} from "./storage_config.ts";
export type { NormalizedStorageConfig, RemoteStorageConfig } from "./storage_config.ts";
export { SyncObject, TransactionSummary } from "./summary.ts";
export type {
  FailedTransfer,
  RemoteObject,
  ShortSummary,
  SkippedFile,
  SyncDirection,
  SyncObjectInit,
} from "./summary.ts";
export { defaultReporter, logLevelFromEnv, readableSize } from "./progress.ts";
export type {
  DefaultReporterOptions,
  Logger,
  LogLevel,
  ReporterStream,
  SyncEvents,
} from "./progress.ts";
export { compilePattern, joinPatterns, skipPredicate } from "./patterns.ts";
export { isReservedRemoteKey } from "./plan.ts";
export {
  buildSnapshot,
  deleteSnapshot,
  listSnapshots,
  parseSnapshot,
  readSnapshot,
  snapshotKey,
  storeSnapshot,
  validateSnapshotName,
  withSnapshotDisplay,
} from "./snapshots.ts";
export type { Snapshot, SnapshotFile } from "./snapshots.ts";
export type { PathPattern } from "./patterns.ts";
export { parseFilesFrom } from "./filters.ts";
export { BandwidthLimiter } from "./bandwidth.ts";
export type { TransferFilters } from "./filters.ts";
export { createStore } from "./stores/create.ts";
export { FileStore } from "./stores/fs.ts";
export { MemoryStore } from "./stores/memory.ts";
export type {
  CleanupEntry,
  GetOptions,
  GetResult,
  ObjectStore,
  PutOptions,
  StoreCleanupOptions,
  StoreObject,
  UploadBody,
} from "./stores/types.ts";
export {
  isTempFileName,
  removeLiveTempFilesSync,
  removeStaleTempFiles,
  TEMP_FILE_PATTERN,
} from "./temp_files.ts";
