/**
 * The plan and outcome of a push or pull: {@linkcode SyncObject} (one local path ↔ one
 * remote object) and {@linkcode TransactionSummary} (every file, classified).
 *
 * @module
 */
import { DISPLAY_ROWS, htmlTable, withTableDisplay } from "./_display.ts";

/**
 * A remote object as the public API shows it.
 *
 * @example
 * ```ts
 * import type { RemoteObject } from "accsr/storage";
 * const o: RemoteObject = { name: "base/a.txt", size: 3, hash: "900150983cd24fb0d6963f7d28e17f72" };
 * ```
 */
export interface RemoteObject {
  /** Full key including the base path, never starting with "/". */
  name: string;
  /** Size in bytes. */
  size: number;
  /** MD5 of the content when known (plain ETag or stored metadata), else the raw ETag. */
  hash?: string;
  /** The raw entity tag (without quotes), when the store has one. */
  etag?: string;
  /** Last modification time, when known. */
  lastModified?: Date;
  /** User metadata, when the listing carries it. */
  metadata?: Record<string, string>;
  /** Version to read (a snapshot restore on a versioned bucket). */
  versionId?: string;
}

/**
 * Direction of a transaction.
 *
 * @example
 * ```ts
 * import type { SyncDirection } from "accsr/storage";
 * const d: SyncDirection = "pull";
 * ```
 */
export type SyncDirection = "push" | "pull";

/**
 * What a {@linkcode SyncObject} is made from (internal; the engine builds them).
 *
 * @example
 * ```ts
 * import type { SyncObjectInit } from "accsr/storage";
 * const init: SyncObjectInit = { syncDirection: "push", remotePath: "a.txt", localPath: "/w/a.txt", existsLocally: true, localSize: 3 };
 * ```
 */
export interface SyncObjectInit {
  /** Direction. */
  syncDirection: SyncDirection;
  /** Remote key (full, with base path). Defaults to `remoteObj.name`. */
  remotePath?: string;
  /** Absolute local path, when there is one. */
  localPath?: string;
  /** The remote object, when it exists. */
  remoteObj?: RemoteObject;
  /** Whether the local file exists. */
  existsLocally?: boolean;
  /** Local size in bytes (0 when missing). */
  localSize?: number;
  /** Local MD5, when computed. */
  localHash?: string;
  /** Remote hash used for equality (override or `remoteObj.hash`). */
  remoteHash?: string;
  /** The local path as the push regexes saw it. */
  displayPath?: string;
  /** Why equality could not be decided, when it could not. */
  uncomparable?: string;
  /** Modification time of the local file when it was planned (for a planned deletion). */
  localMtimeMs?: number;
  /** Why a skipped file was skipped (`include/exclude regex`, `larger than max-size …`). */
  skipReason?: string;
}

/**
 * State of one local path ↔ remote object pair.
 *
 * @example
 * ```ts
 * import { SyncObject } from "accsr/storage";
 * const o = new SyncObject({ syncDirection: "pull", remoteObj: { name: "a.txt", size: 3, hash: "x" } });
 * console.log(o.name, o.existsOnRemote, o.existsOnTarget); // a.txt true false
 * ```
 */
export class SyncObject {
  /** `"push"` or `"pull"`. */
  readonly syncDirection: SyncDirection;
  /** Remote key (same as `remotePath`). */
  readonly name: string;
  /** Remote key, full, without a leading "/". */
  readonly remotePath: string;
  /** Absolute local path, when there is one. */
  readonly localPath?: string;
  /** The remote object, when it exists. */
  readonly remoteObj?: RemoteObject;
  /** Local size in bytes (0 when the file does not exist). */
  readonly localSize: number;
  /** MD5 of the local file, when it was needed (files new on the remote are hashed while uploading). */
  readonly localHash?: string;
  /** Remote hash used for equality. */
  readonly remoteHash?: string;
  /** Whether the local file exists. */
  readonly existsLocally: boolean;
  /** The local path as the push regexes saw it (push only). */
  readonly displayPath?: string;
  /** Why equality could not be decided (e.g. a multipart ETag of unknown part size). */
  readonly uncomparable?: string;
  /** Modification time of the local file when it was planned (set for planned deletions). */
  readonly localMtimeMs?: number;
  /** Why the file was skipped, when it was (regexes, size, age, files-from). */
  readonly skipReason?: string;

  /** Builds a sync object; throws `TypeError` when neither a local path nor a remote object is given. */
  constructor(init: SyncObjectInit) {
    if (init.syncDirection !== "push" && init.syncDirection !== "pull") {
      throw new TypeError(
        `sync direction must be "push" or "pull", got ${String(init.syncDirection)}`,
      );
    }
    if (init.localPath === undefined && init.remoteObj === undefined) {
      throw new TypeError("Either a local path or a remote object has to be passed.");
    }
    const remotePath = (init.remotePath ?? init.remoteObj?.name)?.replace(/^\/+/, "");
    if (remotePath === undefined) {
      throw new TypeError("Either remotePath or remoteObj must be given");
    }
    this.syncDirection = init.syncDirection;
    this.remotePath = remotePath;
    this.name = remotePath;
    this.localPath = init.localPath;
    this.remoteObj = init.remoteObj;
    this.existsLocally = init.existsLocally ?? false;
    this.localSize = this.existsLocally ? init.localSize ?? 0 : 0;
    this.localHash = init.localHash;
    this.remoteHash = init.remoteHash ?? init.remoteObj?.hash;
    this.displayPath = init.displayPath;
    this.uncomparable = init.uncomparable;
    this.localMtimeMs = init.localMtimeMs;
    this.skipReason = init.skipReason;
  }

  /** Whether the remote object exists. */
  get existsOnRemote(): boolean {
    return this.remoteObj !== undefined;
  }

  /** Whether both the local file and the remote object exist (accsr's name). */
  get existsOnTarget(): boolean {
    return this.existsLocally && this.existsOnRemote;
  }

  /** Whether both exist and their MD5 sums are equal. */
  get equalMd5HashSum(): boolean {
    return this.existsOnTarget && this.localHash !== undefined &&
      this.localHash === this.remoteHash;
  }

  /** Bytes a transfer of this object moves: local size for a push, remote size for a pull. */
  getBytesTransferred(): number {
    return this.syncDirection === "push" ? this.localSize : this.remoteObj?.size ?? 0;
  }

  /** Serialisable form with accsr's snake_case keys. */
  toJSON(): Record<string, unknown> {
    return {
      sync_direction: this.syncDirection,
      remote_path: this.remotePath,
      local_path: this.localPath ?? null,
      remote_obj: this.remoteObj === undefined ? null : remoteObjectJson(this.remoteObj),
      local_size: this.localSize,
      local_hash: this.localHash ?? null,
      remote_hash: this.remoteHash ?? null,
      exists_locally: this.existsLocally,
      exists_on_remote: this.existsOnRemote,
      exists_on_target: this.existsOnTarget,
      equal_md5_hash_sum: this.equalMd5HashSum,
      ...(this.uncomparable === undefined ? {} : { uncomparable: this.uncomparable }),
      ...(this.skipReason === undefined ? {} : { skip_reason: this.skipReason }),
    };
  }

  /** `SyncObject(push a.txt)`-style one-liner. */
  toString(): string {
    return `SyncObject(${this.syncDirection} ${this.name})`;
  }

  /** Rich display in Deno's Jupyter kernel. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return {
      "text/plain": JSON.stringify(this.toJSON(), null, 2),
      "text/html": htmlTable(syncObjectRows([this])),
    };
  }
}

/**
 * JSON form of a remote object (dates as ISO strings).
 *
 * @example
 * ```ts
 * import { remoteObjectJson } from "./summary.ts";
 * remoteObjectJson({ name: "a.txt", size: 1 }); // { name: "a.txt", size: 1, hash: null }
 * ```
 */
export function remoteObjectJson(o: RemoteObject): Record<string, unknown> {
  return {
    name: o.name,
    size: o.size,
    hash: o.hash ?? null,
    ...(o.etag === undefined ? {} : { etag: o.etag }),
    ...(o.lastModified === undefined ? {} : { last_modified: o.lastModified.toISOString() }),
    ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
  };
}

/**
 * Rows of a display table for sync objects (status, name, sizes, local path).
 *
 * @example
 * ```ts
 * import { SyncObject, syncObjectRows } from "./summary.ts";
 * syncObjectRows([new SyncObject({ syncDirection: "pull", remoteObj: { name: "a", size: 1 } })]);
 * ```
 */
export function syncObjectRows(objs: readonly SyncObject[], status?: (o: SyncObject) => string) {
  return objs.map((o) => ({
    status: status?.(o) ??
      (o.equalMd5HashSum
        ? "equal"
        : o.uncomparable !== undefined
        ? "cannot compare"
        : o.existsOnTarget
        ? "differs"
        : "new"),
    name: o.name,
    bytes: String(o.getBytesTransferred()),
    local: o.localPath ?? "",
  }));
}

/** An empty list of sync objects that renders as a table in Jupyter. */
function syncObjectList(): SyncObject[] {
  return withTableDisplay<SyncObject>([], (objs) => syncObjectRows(objs));
}

/**
 * Rows of a display table for remote objects.
 *
 * @example
 * ```ts
 * import { remoteObjectRows } from "./summary.ts";
 * remoteObjectRows([{ name: "a.txt", size: 1 }]);
 * ```
 */
export function remoteObjectRows(objs: readonly RemoteObject[]): Record<string, string>[] {
  return remoteObjectRowsOf(objs);
}

/**
 * The totals line of a list of remote objects, e.g. `3 object(s), 1234 bytes`.
 *
 * @example
 * ```ts
 * import { remoteObjectTotals } from "./summary.ts";
 * remoteObjectTotals([{ name: "a.txt", size: 1 }]); // "1 object(s), 1 bytes"
 * ```
 */
export function remoteObjectTotals(objs: readonly RemoteObject[]): string {
  return `${objs.length} object(s), ${objs.reduce((n, o) => n + o.size, 0)} bytes`;
}

function remoteObjectRowsOf(objs: readonly RemoteObject[]): Record<string, string>[] {
  return objs.map((o) => ({
    name: o.name,
    size: String(o.size),
    hash: o.hash ?? "",
    "last modified": o.lastModified?.toISOString() ?? "",
  }));
}

/**
 * The short summary `printShortSummary` prints (accsr's keys, in accsr's order).
 *
 * @example
 * ```ts
 * import type { ShortSummary } from "accsr/storage";
 * const s: ShortSummary = { sync_direction: "push", files_to_sync: 1, total_size: 3, unresolvable_collisions: 0, synced_files: 0 };
 * ```
 */
export interface ShortSummary {
  /** Direction. */
  sync_direction: string | undefined;
  /** Number of files the plan transfers. */
  files_to_sync: number;
  /** Bytes the plan transfers. */
  total_size: number;
  /** Number of unresolvable collisions. */
  unresolvable_collisions: number;
  /** Number of files transferred. */
  synced_files: number;
  /** Number of files the plan deletes on the target (only in a transaction with `delete`). */
  files_to_delete?: number;
  /** Number of files deleted (only in a transaction with `delete`). */
  deleted_files?: number;
}

/**
 * A failure of one file during a transaction.
 *
 * @example
 * ```ts
 * import type { FailedTransfer } from "accsr/storage";
 * function show(f: FailedTransfer) { console.log(f.file.name, f.error.message); }
 * ```
 */
export interface FailedTransfer {
  /** The file. */
  file: SyncObject;
  /** What went wrong. */
  error: Error;
}

/**
 * A local entry a push skipped because it is not a regular file (or a directory or a
 * symbolic link to one).
 *
 * @example
 * ```ts
 * import type { SkippedFile } from "accsr/storage";
 * const s: SkippedFile = { path: "/w/data/pipe", reason: "named pipe (FIFO)" };
 * ```
 */
export interface SkippedFile {
  /** Absolute local path. */
  path: string;
  /** What it is, e.g. `named pipe (FIFO)`, `socket`, `character device`, `block device`. */
  reason: string;
}

/**
 * Every file a push or pull considered, classified; the plan before a transfer and its
 * outcome after.
 *
 * @example
 * ```ts
 * import { SyncObject, TransactionSummary } from "accsr/storage";
 * const s = new TransactionSummary("push");
 * s.addEntry(new SyncObject({ syncDirection: "push", remotePath: "a.txt", localPath: "/w/a.txt", existsLocally: true, localSize: 3 }));
 * console.log(s.filesToSync.length, s.sizeFilesToSync()); // 1 3
 * s.printShortSummary();
 * ```
 */
export class TransactionSummary {
  /** Direction, or `undefined` for an empty summary. */
  readonly syncDirection: SyncDirection | undefined;
  /** Files that matched the path and the regexes. */
  readonly matchedSourceFiles: SyncObject[] = syncObjectList();
  /** Matched files that do not exist on the target. */
  readonly notOnTarget: SyncObject[] = syncObjectList();
  /** Matched files that exist on both sides with equal MD5 (never transferred). */
  readonly onTargetEqMd5: SyncObject[] = syncObjectList();
  /** Matched files that exist on both sides with different (or undecidable) MD5 (need `force`). */
  readonly onTargetNeqMd5: SyncObject[] = syncObjectList();
  /** Names that collide: remote objects below a local file's key (push), a local directory or an unsafe key (pull). */
  readonly unresolvableCollisions: Record<string, unknown> = {};
  /** Files skipped by the include/exclude regexes. */
  readonly skippedSourceFiles: SyncObject[] = syncObjectList();
  /** Files transferred (filled while the transaction runs). */
  readonly syncedFiles: SyncObject[] = syncObjectList();
  /** Files whose transfer failed (empty unless the transaction failed). */
  readonly failedFiles: FailedTransfer[] = [];
  /**
   * Files the plan deletes on the target after every transfer succeeded (`delete: true`):
   * remote objects without a local file (push), local files without a remote object (pull).
   */
  readonly filesToDelete: SyncObject[] = syncObjectList();
  /** Files deleted (filled when the deletions ran). */
  readonly deletedFiles: SyncObject[] = syncObjectList();
  /** Whether this transaction mirrors (`delete: true`): the target loses what the source lacks. */
  deleteEnabled = false;
  /** Whether this is the plan of a dry run (`dryrun: true`): nothing was transferred. */
  dryRun = false;
  /** With `delete`: more planned deletions than this refuse the whole transaction. */
  maxDelete?: number;
  /**
   * Transfers retried by the engine, one entry per retry (e.g. a download whose MD5 did not
   * match); retries of single requests inside a store are not listed.
   */
  readonly retriedFiles: FailedTransfer[] = [];
  /** Local entries that cannot be synced (FIFOs, sockets, devices), skipped with a warning. */
  readonly skippedFiles: SkippedFile[] = [];

  /** Creates an empty summary. */
  constructor(syncDirection?: SyncDirection) {
    if (syncDirection !== undefined && syncDirection !== "push" && syncDirection !== "pull") {
      throw new TypeError(
        `sync_direction can only be set to pull, push or undefined, instead got: ${syncDirection}`,
      );
    }
    this.syncDirection = syncDirection;
  }

  /** Classifies one file (skipped, colliding, equal, different, or new). */
  addEntry(obj: SyncObject, options: { collidesWith?: unknown; skip?: boolean } = {}): void {
    if (options.skip) {
      this.skippedSourceFiles.push(obj);
      return;
    }
    this.matchedSourceFiles.push(obj);
    const c = options.collidesWith;
    if (c !== undefined && c !== null && !(Array.isArray(c) && c.length === 0)) {
      this.unresolvableCollisions[obj.name] = c;
    } else if (obj.existsOnTarget) {
      (obj.equalMd5HashSum ? this.onTargetEqMd5 : this.onTargetNeqMd5).push(obj);
    } else {
      this.notOnTarget.push(obj);
    }
  }

  /** Files the transaction transfers: new ones, then different ones. */
  get filesToSync(): SyncObject[] {
    return [...this.notOnTarget, ...this.onTargetNeqMd5];
  }

  /** Whether some file would be overwritten (needs `force`). */
  get requiresForce(): boolean {
    return this.onTargetNeqMd5.length !== 0;
  }

  /** Whether names collide (the transaction cannot run, even with `force`). */
  get hasUnresolvableCollisions(): boolean {
    return Object.keys(this.unresolvableCollisions).length !== 0;
  }

  /** Skipped files, then matched files. */
  get allFilesAnalyzed(): SyncObject[] {
    return [...this.skippedSourceFiles, ...this.matchedSourceFiles];
  }

  /** Files whose equality could not be decided (reported in `onTargetNeqMd5` too). */
  get uncomparableFiles(): SyncObject[] {
    return this.onTargetNeqMd5.filter((o) => o.uncomparable !== undefined);
  }

  /** Whether the planned deletions exceed `maxDelete` (a real run is refused). */
  get exceedsMaxDelete(): boolean {
    return this.maxDelete !== undefined && this.filesToDelete.length > this.maxDelete;
  }

  /** Bytes the transaction transfers. */
  sizeFilesToSync(): number {
    return this.filesToSync.reduce((n, o) => n + o.getBytesTransferred(), 0);
  }

  /**
   * accsr's short summary, computed from the plan (plus the number of files synced); a
   * transaction with `delete` adds `files_to_delete` and `deleted_files`.
   */
  getShortSummaryDict(): ShortSummary {
    const dict: ShortSummary = {
      sync_direction: this.syncDirection,
      files_to_sync: this.filesToSync.length,
      total_size: this.sizeFilesToSync(),
      unresolvable_collisions: Object.keys(this.unresolvableCollisions).length,
      synced_files: this.syncedFiles.length,
    };
    if (this.deleteEnabled) {
      dict.files_to_delete = this.filesToDelete.length;
      dict.deleted_files = this.deletedFiles.length;
    }
    return dict;
  }

  /** Prints the short summary as 2-space-indented JSON on stdout. */
  printShortSummary(): void {
    console.log(JSON.stringify(this.getShortSummaryDict(), null, 2));
  }

  /** Full serialisable form (accsr's snake_case keys); contains no secrets. */
  toJSON(): Record<string, unknown> {
    const collisions: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.unresolvableCollisions)) {
      collisions[k] = Array.isArray(v)
        ? v.map((o) =>
          typeof o === "object" && o !== null && "name" in o
            ? remoteObjectJson(o as RemoteObject)
            : o
        )
        : v;
    }
    return {
      sync_direction: this.syncDirection ?? null,
      matched_source_files: this.matchedSourceFiles.map((o) => o.toJSON()),
      not_on_target: this.notOnTarget.map((o) => o.toJSON()),
      on_target_eq_md5: this.onTargetEqMd5.map((o) => o.toJSON()),
      on_target_neq_md5: this.onTargetNeqMd5.map((o) => o.toJSON()),
      unresolvable_collisions: collisions,
      skipped_source_files: this.skippedSourceFiles.map((o) => o.toJSON()),
      synced_files: this.syncedFiles.map((o) => o.toJSON()),
      failed_files: this.failedFiles.map((f) => ({ name: f.file.name, error: f.error.message })),
      files_to_delete: this.filesToDelete.map((o) => o.toJSON()),
      deleted_files: this.deletedFiles.map((o) => o.toJSON()),
      retried_files: this.retriedFiles.map((f) => ({ name: f.file.name, error: f.error.message })),
      skipped_files: this.skippedFiles.map((f) => ({ path: f.path, reason: f.reason })),
    };
  }

  /** `TransactionSummary: {...short summary}`. */
  toString(): string {
    return `TransactionSummary: ${JSON.stringify(this.getShortSummaryDict())}`;
  }

  /** Rich display in Deno's Jupyter kernel: the short summary and a table of files. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const syncedNames = new Set(this.syncedFiles.map((o) => o.name));
    const failedNames = new Set(this.failedFiles.map((f) => f.file.name));
    const eq = new Set(this.onTargetEqMd5);
    const neq = new Set(this.onTargetNeqMd5);
    const skipped = new Set(this.skippedSourceFiles);
    const deleted = new Set(this.deletedFiles);
    const toDelete = new Set(this.filesToDelete);
    const status = (o: SyncObject): string => {
      if (syncedNames.has(o.name)) return "synced";
      if (failedNames.has(o.name)) return "failed";
      if (o.name in this.unresolvableCollisions) return "collision";
      if (eq.has(o)) return "equal";
      if (neq.has(o)) return o.uncomparable !== undefined ? "cannot compare" : "differs";
      if (skipped.has(o)) return "skipped";
      if (deleted.has(o)) return "deleted";
      if (toDelete.has(o)) return "delete";
      return "new";
    };
    const s = this.getShortSummaryDict();
    const deletions = this.deleteEnabled
      ? `, ${s.files_to_delete} to delete, ${s.deleted_files} deleted`
      : "";
    const badge = this.dryRun
      ? '<span style="background:#b45309;color:#fff;padding:1px 6px;border-radius:3px;font-weight:bold">DRY RUN</span> '
      : "";
    const all = [...this.allFilesAnalyzed, ...this.filesToDelete];
    const head =
      `<p>${badge}<b>${s.sync_direction ?? "no"} transaction</b>${
        this.dryRun ? " (plan only, nothing was transferred)" : ""
      }: ${s.files_to_sync} file(s) to sync, ` +
      `${s.total_size} bytes, ${s.unresolvable_collisions} collision(s), ${s.synced_files} synced${deletions}; ` +
      `${all.length} file(s) analysed, ${this.onTargetEqMd5.length} equal</p>`;
    return {
      "text/plain": (this.dryRun ? "DRY RUN " : "") + JSON.stringify(s, null, 2),
      "text/html": head + htmlTable(syncObjectRows(all.slice(0, DISPLAY_ROWS), status), all.length),
    };
  }
}
