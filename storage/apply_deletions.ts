/**
 * Running the planned deletions of a mirror (`--delete`), after every transfer succeeded.
 *
 * @module
 */
import { lstat, rmdir, stat, unlink } from "node:fs/promises";
import * as path from "node:path";
import { StorageError } from "../errors.ts";
import type { SyncEvents } from "./progress.ts";
import type { TransactionSummary } from "./summary.ts";
import type { ObjectStore } from "./stores/types.ts";

/**
 * What {@linkcode applyDeletions} needs of the apply options.
 *
 * @example
 * ```ts
 * import type { DeletionOptions } from "./apply_deletions.ts";
 * import { MemoryStore } from "accsr/storage";
 * const o: DeletionOptions = { store: new MemoryStore("b"), events: {} };
 * ```
 */
export interface DeletionOptions {
  /** The store the push deletes from. */
  store: ObjectStore;
  /** Where warnings and log lines go. */
  events: SyncEvents;
  /** Stops before the next deletion. */
  signal?: AbortSignal;
  /** Pull: the mirrored folder (emptied folders below it are removed, never it). */
  mirrorRoot?: string;
}

/**
 * Runs the planned deletions of a mirror: one batched delete of the remote keys (push), or
 * the local files (pull) — each only if it is still the file that was planned (same size
 * and modification time; a changed file is kept, with a warning), then the folders the
 * deletions emptied. Records what was deleted in `deletedFiles`.
 *
 * @example
 * ```ts
 * import { applyDeletions } from "./apply_deletions.ts";
 * import { MemoryStore } from "accsr/storage";
 * import { TransactionSummary } from "./summary.ts";
 * await applyDeletions(new TransactionSummary("push"), { store: new MemoryStore("b"), events: {} });
 * ```
 */
export async function applyDeletions(
  summary: TransactionSummary,
  o: DeletionOptions,
): Promise<void> {
  const doomed = summary.filesToDelete;
  if (doomed.length === 0) return;
  o.signal?.throwIfAborted();
  const direction = summary.syncDirection;
  if (direction === "push") {
    o.events.log?.("info", `Deleting ${doomed.length} object(s) from ${o.store.bucket}`);
    try {
      // the keys as listed, in batches (S3: DeleteObjects of up to 1000 keys)
      await o.store.delete(doomed.map((d) => d.remoteObj?.name ?? d.remotePath), {
        signal: o.signal,
      });
    } catch (e) {
      const err = e instanceof StorageError ? e : undefined;
      const wrapped = new StorageError(
        `Cannot push: every transfer succeeded, but deleting ${doomed.length} object(s) failed: ${
          (e as Error).message
        } (run the push again to finish the mirror)`,
        {
          code: err?.code ?? "STORAGE_ERROR",
          statusCode: err?.statusCode,
          key: err?.key,
          bucket: o.store.bucket,
          cause: e,
        },
      );
      wrapped.synced = [...summary.syncedFiles];
      wrapped.summary = summary;
      throw wrapped;
    }
    summary.deletedFiles.push(...doomed);
    return;
  }
  const emptied = new Set<string>();
  for (const d of doomed) {
    o.signal?.throwIfAborted();
    const p = d.localPath!;
    let st;
    try {
      st = await lstat(p);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") continue; // already gone
      throw e;
    }
    // a symbolic link was planned with its target's size and time; the link itself is deleted
    const cur = st.isSymbolicLink() ? await stat(p).catch(() => st) : st;
    if (
      cur.isDirectory() || cur.size !== d.localSize ||
      (d.localMtimeMs !== undefined && cur.mtimeMs !== d.localMtimeMs)
    ) {
      o.events.log?.("warn", `Not deleting ${p}: it changed after planning`);
      continue;
    }
    await unlink(p);
    summary.deletedFiles.push(d);
    emptied.add(path.dirname(p));
  }
  // folders the deletions emptied, deepest first, never the mirrored folder itself (rmdir
  // fails on a folder that is not empty)
  const root = o.mirrorRoot;
  if (root === undefined) return;
  for (let dir of [...emptied].sort((a, b) => b.length - a.length)) {
    while (dir.startsWith(root + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }
}
