/**
 * Options of {@linkcode RemoteStorage.push}, `pull`, `delete` and `cleanup`, and the result of
 * `cleanup` (re-exported by `remote_storage.ts`).
 *
 * @module
 */
import type { TransferFilters } from "./filters.ts";
import type { PathPattern } from "./patterns.ts";
import type { CleanupEntry } from "./stores/types.ts";

/**
 * Options of {@linkcode RemoteStorage.push}.
 *
 * @example
 * ```ts
 * import type { PushOptions } from "accsr/storage";
 * const o: PushOptions = { localPathPrefix: "/data", includeRegex: ".*\\.csv$", dryrun: true };
 * ```
 */
export interface PushOptions extends TransferFilters {
  /**
   * Total transfer rate of this push in bytes/s, shared fairly by its parallel transfers
   * (uploads on every store; a one-request upload is paced per object). @default {unlimited}
   */
  bandwidthLimit?: number;
  /** Folder the path is relative to (keys are relative to it too). */
  localPathPrefix?: string;
  /** Overwrite remote files whose MD5 differs. @default {false} */
  force?: boolean;
  /** Only plan: return the summary, transfer nothing. @default {false} */
  dryrun?: boolean;
  /** Progress bar on/off for this call (default: the config's `usePbar`). */
  usePbar?: boolean;
  /** Only local paths (as globbed) matching this regex at their start. */
  includeRegex?: PathPattern;
  /** Skip local paths matching this regex at their start (wins over include). */
  excludeRegex?: PathPattern;
  /** Cancels the push. */
  signal?: AbortSignal;
  /** Parallel transfers. @default {16} */
  concurrency?: number;
  /**
   * Mirror: also delete the remote objects below the pushed folder that have no local file
   * (except those the regexes skip or `.accsrignore` ignores, and the reserved `.accsr/`).
   * Deletions run only after every upload succeeded, in batches. @default {false}
   */
  delete?: boolean;
  /**
   * With `delete`: more planned deletions than this refuse the whole transaction before
   * anything moves (`MaxDeleteExceededError`, code `MAX_DELETE_EXCEEDED`).
   */
  maxDelete?: number;
  /** Honour `.accsrignore` files (gitignore syntax) in the pushed tree. @default {true} */
  ignoreFiles?: boolean;
  /**
   * Record snapshot `snapshot` of the pushed folder (see {@linkcode RemoteStorage.createSnapshot})
   * after every transfer of this push succeeded; a refused, failed or interrupted push (or a
   * dry run) records none. The name is checked (valid, not taken) before anything moves.
   */
  snapshot?: string;
  /**
   * Symbolic links in pushed folders. `undefined` (default, accsr's behaviour): file links are
   * read (a warning names each whose target lies outside the pushed folder), directory links
   * are not walked (a warning each). `false`: every link is skipped with a warning. `true`:
   * directory links are walked too; a link leading back to a folder above it (a loop) is
   * skipped with a warning. Skipped links are listed in `skippedFiles`.
   */
  followSymlinks?: boolean;
}

/**
 * Options of {@linkcode RemoteStorage.pull}.
 *
 * @example
 * ```ts
 * import type { PullOptions } from "accsr/storage";
 * const o: PullOptions = { localBaseDir: "data", excludeRegex: "tmp/" };
 * ```
 */
export interface PullOptions extends TransferFilters {
  /**
   * Total transfer rate of this pull in bytes/s, shared fairly by its parallel downloads.
   * @default {unlimited}
   */
  bandwidthLimit?: number;
  /** Folder the remote tree (below the base path) is mirrored into. @default {process.cwd()} */
  localBaseDir?: string;
  /** Overwrite local files whose MD5 differs. @default {false} */
  force?: boolean;
  /** Only plan. @default {false} */
  dryrun?: boolean;
  /** Progress bar on/off for this call. */
  usePbar?: boolean;
  /** Only keys (relative to the base path) matching this regex at their start. */
  includeRegex?: PathPattern;
  /** Skip keys matching this regex at their start (wins over include). */
  excludeRegex?: PathPattern;
  /** Replace `\` by `/` in the remote path. @default {true} */
  convertToLinuxPath?: boolean;
  /** Strip this folder from an absolute remote path (path-component aware). */
  stripAbspathPrefix?: string;
  /** With an absolute `localBaseDir`, strip it from an absolute remote path. @default {true} */
  stripAbsLocalBaseDir?: boolean;
  /** Cancels the pull. */
  signal?: AbortSignal;
  /** Parallel transfers. @default {16} */
  concurrency?: number;
  /**
   * Mirror: also delete the local files below the pulled path that are not on the remote —
   * never files outside that path, files `.accsrignore` ignores or the regexes skip, or
   * accsr's own files (`.accsr-*.part`, `.accsr-meta/`, `.accsr/`, `.accsrignore`).
   * Deletions run only after every download succeeded. @default {false}
   */
  delete?: boolean;
  /** With `delete`: more planned deletions than this refuse the whole transaction. */
  maxDelete?: number;
  /** Protect files that `.accsrignore` files ignore from `delete`. @default {true} */
  ignoreFiles?: boolean;
  /**
   * Restore snapshot `snapshot` instead of pulling the current objects: the files it
   * recorded below the pulled path (`""`: all), planned against its MD5s (files already
   * right locally do not move), recorded versions read by version id. On an unversioned
   * bucket, objects changed or deleted since refuse the whole restore (code
   * `SNAPSHOT_OBJECT_CHANGED`, nothing written). Not combinable with `delete`.
   */
  snapshot?: string;
}

/**
 * Options of {@linkcode RemoteStorage.delete}.
 *
 * @example
 * ```ts
 * import type { DeleteOptions } from "accsr/storage";
 * const o: DeleteOptions = { includeRegex: "d/", dryrun: true };
 * ```
 */
export interface DeleteOptions {
  /** Only keys (relative to the base path) matching this regex at their start. */
  includeRegex?: string | RegExp;
  /** Skip keys matching this regex at their start. */
  excludeRegex?: string | RegExp;
  /** Only return what would be deleted. @default {false} */
  dryrun?: boolean;
  /** Cancels the delete. */
  signal?: AbortSignal;
}

/**
 * Options of {@linkcode RemoteStorage.cleanup}.
 *
 * @example
 * ```ts
 * import type { CleanupOptions } from "accsr/storage";
 * const o: CleanupOptions = { remotePath: "data", olderThanMs: 0, dryrun: true };
 * ```
 */
export interface CleanupOptions {
  /** Only below `<basePath>/<remotePath>`. @default {""} (the whole base path) */
  remotePath?: string;
  /** Only what started at least this long ago; 0 means everything. @default {86400000} (24 h) */
  olderThanMs?: number;
  /** Only report what would be removed. @default {false} */
  dryrun?: boolean;
  /** Cancels the cleanup. */
  signal?: AbortSignal;
}

/**
 * What {@linkcode RemoteStorage.cleanup} removed (or, with `dryrun`, would remove).
 *
 * @example
 * ```ts
 * import type { CleanupResult } from "accsr/storage";
 * const r: CleanupResult = { prefix: "ns/", olderThanMs: 0, dryrun: true, removed: [] };
 * ```
 */
export interface CleanupResult {
  /** The key prefix that was searched (base path and remote path). */
  prefix: string;
  /** The age limit applied. */
  olderThanMs: number;
  /** Whether this was a dry run. */
  dryrun: boolean;
  /** Incomplete multipart uploads aborted and stale temporary files removed. */
  removed: CleanupEntry[];
}
