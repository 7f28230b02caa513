/**
 * Planning the restore of a {@linkcode Snapshot} into a local folder: a pull planned against
 * the snapshot's MD5s instead of the current objects. Files already right locally are not
 * transferred; recorded versions are read by version id; on an unversioned bucket, objects
 * whose current content differs from the snapshot (or that are gone) refuse the whole restore.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import * as path from "node:path";
import { AccsrError } from "../errors.ts";
import { HashCache } from "./hashing.ts";
import { joinKey, keyToLocalPath, unsafeKeyReason } from "./keys.ts";
import { skipPredicate } from "./patterns.ts";
import type { PlanContext } from "./plan_context.ts";
import { runPool } from "./pool.ts";
import type { Snapshot } from "./snapshots.ts";
import { type RemoteObject, SyncObject, TransactionSummary } from "./summary.ts";
import type { StoreObject } from "./stores/types.ts";

/**
 * Plans restoring `snap` into `localBaseDir` (keys relative to the base path map to paths
 * below it, as for a pull). Throws `AccsrError` with code `SNAPSHOT_OBJECT_CHANGED` when a
 * file that must be transferred has no recorded version and its current object differs
 * from the snapshot or is gone.
 *
 * @example
 * ```ts
 * import { planSnapshotRestore } from "./snapshot_restore.ts";
 * import { MemoryStore } from "accsr/storage";
 * const store = new MemoryStore("b");
 * await store.createBucket();
 * const snap = { name: "v1", created: "2026-01-01T00:00:00Z", path: "", files: [] };
 * const s = await planSnapshotRestore({ store, basePath: "", events: {}, concurrency: 4 }, snap, "/tmp/out");
 * ```
 */
export async function planSnapshotRestore(
  ctx: PlanContext,
  snap: Snapshot,
  localBaseDir: string,
): Promise<TransactionSummary> {
  const skip = skipPredicate(ctx.includeRegex, ctx.excludeRegex);
  const root = snap.path === "" ? localBaseDir : keyToLocalPath(localBaseDir, snap.path);
  const cache = await HashCache.open(
    snap.files.some((f) => f.key === snap.path) ? path.dirname(root) : root,
  );
  ctx.hashCache = cache;
  const summary = new TransactionSummary("pull");
  const planned = await runPool(snap.files, ctx.concurrency, async (f) => {
    const remoteObj: RemoteObject = {
      name: joinKey(ctx.basePath, f.key),
      size: f.size,
      hash: f.md5,
      ...(f.etag === undefined ? {} : { etag: f.etag }),
      ...(f.versionId === undefined ? {} : { versionId: f.versionId }),
    };
    if (skip(f.key)) {
      return { obj: new SyncObject({ syncDirection: "pull", remoteObj }), skip: true };
    }
    const reason = unsafeKeyReason(f.key);
    if (reason !== undefined) {
      return {
        obj: new SyncObject({ syncDirection: "pull", remoteObj }),
        collision: `unsafe key: it ${reason}`,
      };
    }
    const localPath = keyToLocalPath(localBaseDir, f.key);
    const st = await stat(localPath).catch(() => undefined);
    if (st === undefined) {
      return { obj: new SyncObject({ syncDirection: "pull", remoteObj, localPath }) };
    }
    if (st.isDirectory()) {
      return {
        obj: new SyncObject({ syncDirection: "pull", remoteObj, localPath }),
        collision: `local path is a directory: ${localPath}`,
      };
    }
    const md5 = await cache.md5({
      absPath: localPath,
      size: st.size,
      mtimeMs: st.mtimeMs,
      ctimeMs: st.ctimeMs,
      ino: st.ino,
    }, ctx.signal);
    return {
      obj: new SyncObject({
        syncDirection: "pull",
        remoteObj,
        localPath,
        existsLocally: true,
        localSize: st.size,
        localHash: md5,
        remoteHash: f.md5,
      }),
    };
  }, { signal: ctx.signal, stopOnError: true });
  ctx.signal?.throwIfAborted();
  planned.forEach((r) => {
    if (r?.status === "rejected") throw r.reason;
    const { obj, collision, skip } = r!.value as {
      obj: SyncObject;
      collision?: string;
      skip?: boolean;
    };
    summary.addEntry(obj, { skip, collidesWith: collision });
  });
  await refuseChangedUnversioned(ctx, snap, summary);
  return summary;
}

/**
 * The files to transfer without a recorded version must still be current: compares their
 * current MD5 (listing, then HEAD where the listing has none) with the snapshot's.
 */
async function refuseChangedUnversioned(
  ctx: PlanContext,
  snap: Snapshot,
  summary: TransactionSummary,
): Promise<void> {
  const needed = summary.filesToSync.filter((o) => o.remoteObj?.versionId === undefined);
  if (needed.length === 0) return;
  const listed = new Map<string, StoreObject>();
  for await (const o of ctx.store.list(joinKey(ctx.basePath, snap.path), { signal: ctx.signal })) {
    listed.set(o.key, o);
  }
  const checks = await runPool(needed, ctx.concurrency, async (o) => {
    const want = o.remoteObj!.hash!;
    let cur = listed.get(o.remoteObj!.name);
    if (cur === undefined) return o.remoteObj!.name;
    if (cur.md5 !== want && cur.size === o.remoteObj!.size) {
      cur = await ctx.store.head(cur.key, { signal: ctx.signal }) ?? cur;
    }
    return cur.md5 === want && cur.size === o.remoteObj!.size ? undefined : o.remoteObj!.name;
  }, { signal: ctx.signal, stopOnError: true });
  const changed: string[] = [];
  for (const r of checks) {
    if (r?.status === "rejected") throw r.reason;
    if (r!.value !== undefined) changed.push(r!.value);
  }
  if (changed.length === 0) return;
  changed.sort();
  const shown = changed.slice(0, 10).join(", ") +
    (changed.length > 10 ? `, … (${changed.length - 10} more)` : "");
  throw new AccsrError(
    `Cannot restore snapshot "${snap.name}": ${changed.length} object(s) changed or were deleted since it was taken and the bucket keeps no versions of them: ${shown} (nothing was written; enable versioning with accsr create-bucket --versioning before taking snapshots so that restores bring back overwritten and deleted objects)`,
    { code: "SNAPSHOT_OBJECT_CHANGED" },
  );
}
