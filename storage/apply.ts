/**
 * Applying a plan: refuse the whole transaction on collisions or on overwrites without
 * `force` (before any byte moves), then transfer the files with bounded parallelism.
 * Uploads are conditional (create-only, or overwrite-only-what-was-planned); downloads go to
 * a temporary file in the target folder, are verified, then moved into place.
 *
 * @module
 */
import type { BandwidthLimiter } from "./bandwidth.ts";
import { createHash } from "node:crypto";
import { link, mkdir, readFile, rename, stat, unlink } from "node:fs/promises";
import * as path from "node:path";
import { AccsrError, StorageError, SyncConflictError } from "../errors.ts";
import { digestFile, md5Bytes } from "../hashing/md5.ts";
import { localDiskFailure } from "./local_errors.ts";
import { applyDeletions } from "./apply_deletions.ts";
import { localFs } from "./local_fs.ts";
import { toRemoteObject } from "./plan.ts";
import { names, refuseIfConflicting } from "./refusal.ts";
import { runPool } from "./pool.ts";
import { readableSize, type SyncEvents } from "./progress.ts";
import { type RemoteObject, SyncObject, type TransactionSummary } from "./summary.ts";
import type { ObjectStore, StoreObject } from "./stores/types.ts";
import type { HashCache } from "./hashing.ts";
import { forgetTempFile, removeStaleTempFiles, tempFileName, trackTempFile } from "./temp_files.ts";

/**
 * Options of {@linkcode applyPlan}.
 *
 * @example
 * ```ts
 * import type { ApplyOptions } from "./apply.ts";
 * const o: Partial<ApplyOptions> = { force: false, dryrun: true, concurrency: 16 };
 * ```
 */
export interface ApplyOptions {
  store: ObjectStore;
  force: boolean;
  dryrun: boolean;
  concurrency: number;
  events: SyncEvents;
  signal?: AbortSignal;
  addExtraToUpload?: (
    o: SyncObject,
  ) => { metadata?: Record<string, string>; contentType?: string } | undefined;
  remoteHashExtractor?: (o: RemoteObject) => string | undefined;
  /** The content type of an upload when `addExtraToUpload` gives none (from the local path). */
  contentTypeOf?: (localPath: string) => string | undefined;
  /** Files up to this size are read into memory once (hash + upload from one read). */
  inMemoryLimit?: number;
  /** Records the MD5 of every file uploaded or downloaded, so the next plan need not hash it. */
  hashCache?: HashCache;
  /** Pull with delete: the local folder mirrored; folders emptied below it are removed. */
  mirrorRoot?: string;
  /**
   * Attempts per download whose content arrives corrupted (MD5 or size differs), like the
   * store's attempts per request on a reset connection.
   * @default {5}
   */
  maxAttempts?: number;
  /** The run's shared rate limit (`bandwidthLimit`), passed to every put and get. */
  bandwidth?: BandwidthLimiter;
}

/** Per-transaction state shared by the transfers. */
interface TransferState {
  /** Folders created (or being created) for downloads: one `mkdir -p` per folder. */
  dirs: Map<string, Promise<unknown>>;
  /** Where retried transfers are counted. */
  summary: TransactionSummary;
  /** Resume tokens of the planned large downloads (their partial files survive the sweep). */
  resumable: Set<string>;
  /** Partial files of dead runs found by the sweep: folder → token → path. */
  partials: Map<string, Map<string, string>>;
}

/** Downloads at least this large keep their partial file when interrupted, and resume. */
export const RESUMABLE_DOWNLOAD_BYTES = 8 * 1024 * 1024;

/**
 * The token naming the partial file of a resumable download: the same object version (key,
 * ETag, size) gives the same token, so the next run finds the file; another version does not.
 */
function resumeToken(remote: RemoteObject): string | undefined {
  if (remote.size < RESUMABLE_DOWNLOAD_BYTES || !remote.etag) return undefined;
  const h = createHash("sha256").update(`${remote.name}\0${remote.etag}\0${remote.size}`);
  return `r-${h.digest("hex").slice(0, 20)}`;
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/;
const MULTIPART_ETAG = /^[0-9a-f]{32}-\d+$/;

/** Files up to this size are read, written, moved and stat'ed with synchronous calls. */
const SMALL_FILE_BYTES = 128 * 1024;

export { refuseIfConflicting };

async function upload(
  obj: SyncObject,
  o: ApplyOptions,
  warnOnce: (m: string) => void,
): Promise<SyncObject> {
  const localPath = obj.localPath!;
  const started = Date.now();
  // a small file (as planned): synchronous calls (each a few microseconds; a hand-off to the
  // thread pool costs more than the call)
  const small = obj.localSize !== undefined && obj.localSize <= SMALL_FILE_BYTES;
  const before = small ? localFs.stat(localPath) : await stat(localPath);
  const limit = o.inMemoryLimit ?? 8 * 1024 * 1024;
  let md5: string;
  let body: { data: Uint8Array } | { path: string; size: number };
  let partMd5s: { partSize: number; md5s: string[] } | undefined;
  if (before.size <= limit) {
    const data = before.size <= SMALL_FILE_BYTES
      ? localFs.readFile(localPath)
      : await readFile(localPath, { signal: o.signal });
    md5 = md5Bytes(data);
    body = { data };
  } else {
    const partSize = o.store.uploadPartSize?.(before.size);
    if (partSize !== undefined) {
      // whole-file MD5 and part MD5s from one read (in a worker thread); the store then only
      // reads and sends
      const digest = await digestFile(localPath, { partSize, signal: o.signal, size: before.size });
      md5 = digest.md5;
      partMd5s = { partSize, md5s: digest.parts! };
    } else {
      // the cache knows files hashed by an earlier run (e.g. a push of the same data elsewhere)
      md5 = obj.localHash ?? (o.hashCache
        ? await o.hashCache.md5({
          absPath: localPath,
          size: before.size,
          mtimeMs: before.mtimeMs,
          ctimeMs: before.ctimeMs,
          ino: before.ino,
        }, o.signal)
        : (await digestFile(localPath, { signal: o.signal, size: before.size })).md5);
    }
    body = { path: localPath, size: before.size };
  }
  // accsr's hook sees the local MD5 (its documented use: `{ md5: o.localHash }`), also for
  // files new on the remote, which the planner does not hash
  const hooked = obj.localHash === md5 || !o.addExtraToUpload ? obj : new SyncObject({
    syncDirection: "push",
    localPath,
    remotePath: obj.remotePath,
    remoteObj: obj.remoteObj,
    existsLocally: true,
    localSize: before.size,
    localHash: md5,
    remoteHash: obj.remoteHash,
    displayPath: obj.displayPath,
    uncomparable: obj.uncomparable,
  });
  const extra = o.addExtraToUpload?.(hooked) ?? {};
  const conditional = {
    ifNoneMatch: !obj.existsOnRemote,
    ifMatch: obj.existsOnRemote ? obj.remoteObj?.etag : undefined,
  };
  const put = (cond: typeof conditional) =>
    o.store.put(obj.remotePath, body, {
      md5,
      metadata: extra.metadata,
      contentType: extra.contentType ?? o.contentTypeOf?.(localPath),
      ...cond,
      partMd5s,
      signal: o.signal,
      onProgress: (n) => o.events.bytes?.(n),
      ...(o.bandwidth === undefined ? {} : { bandwidth: o.bandwidth }),
    });
  let stored: StoreObject;
  try {
    stored = await put(conditional);
  } catch (e) {
    const same = await sameContent(e, obj.remotePath, md5, before.size, o);
    if (same !== undefined) {
      // Another writer (or an earlier attempt whose answer was lost) stored exactly these
      // bytes: nothing would be overwritten, so this is not a conflict.
      stored = same;
    } else if (e instanceof StorageError && e.statusCode === 501) {
      warnOnce(
        `${o.store.location} does not support conditional writes; writing without the race check`,
      );
      stored = await put({ ifNoneMatch: false, ifMatch: undefined });
    } else throw e;
  }
  const after = small ? localFs.stat(localPath) : await stat(localPath);
  // ctime and inode too: an in-place rewrite with the old mtime restored, or a replacement.
  // Where ctime has only whole seconds (Deno) and the file's ctime falls in a second the
  // upload overlapped, a rewrite keeping size and times is invisible to stat: files read into
  // memory are then hashed again. Streamed files were checked against their MD5 by the store
  // while they were read.
  const coarseRecent = after.ctimeMs % 1000 === 0 &&
    after.ctimeMs >= Math.floor(started / 1000) * 1000;
  if (
    after.size !== before.size || after.mtimeMs !== before.mtimeMs ||
    after.ctimeMs !== before.ctimeMs || after.ino !== before.ino ||
    ("data" in body && coarseRecent &&
      md5Bytes(await readFile(localPath, { signal: o.signal })) !== md5)
  ) {
    throw new AccsrError(
      `Cannot push "${localPath}": the file changed while it was uploaded; the remote holds the version read before the change (run the push again with force to upload the current content)`,
      { code: "LOCAL_FILE_CHANGED" },
    );
  }
  o.hashCache?.set({
    absPath: localPath,
    size: after.size,
    mtimeMs: after.mtimeMs,
    ctimeMs: after.ctimeMs,
    ino: after.ino,
  }, md5);
  // the multipart ETag of this upload names this content: the next comparison of the
  // unchanged file with the object decides from the listing alone (no HEAD)
  if (partMd5s !== undefined && MULTIPART_ETAG.test(stored.etag ?? "")) {
    o.hashCache?.setRemoteContent(stored.etag!, md5, partMd5s.partSize);
  }
  const remoteObj = toRemoteObject({ ...stored, md5: stored.md5 ?? md5 });
  return new SyncObject({
    syncDirection: "push",
    localPath,
    remotePath: obj.remotePath,
    remoteObj,
    existsLocally: true,
    localSize: before.size,
    localHash: md5,
    remoteHash: o.remoteHashExtractor ? o.remoteHashExtractor(remoteObj) : remoteObj.hash,
    displayPath: obj.displayPath,
  });
}

/** Bytes still to write: every file to sync not synced yet (`current` included). */
function remainingBytes(summary: TransactionSummary, current: SyncObject): number {
  const done = new Set(summary.syncedFiles.map((f) => f.name));
  let n = 0;
  for (const f of summary.filesToSync) {
    if (!done.has(f.name) || f === current) n += f.getBytesTransferred();
  }
  return n;
}

/** After a lost create/overwrite race: the object, when it already holds exactly `md5`. */
async function sameContent(
  e: unknown,
  key: string,
  md5: string,
  size: number,
  o: ApplyOptions,
): Promise<StoreObject | undefined> {
  if (!(e instanceof StorageError) || e.code !== "PRECONDITION_FAILED") return undefined;
  const current = await o.store.head(key, { signal: o.signal }).catch(() => undefined);
  if (current === undefined || current.md5 !== md5 || current.size !== size) return undefined;
  o.events.bytes?.(size);
  return current;
}

/** Whether the local file at `p` holds exactly `size` bytes with this MD5. */
async function holds(p: string, size: number, md5: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const s = await stat(p);
    return s.isFile() && s.size === size && (await digestFile(p, { signal, size })).md5 === md5;
  } catch {
    return false;
  }
}

/**
 * Downloads into `tmp` and checks size and MD5. Corrupted content (a flipped bit on the way)
 * is fetched again like a reset connection, at most `maxAttempts` times in all; each retry is
 * recorded in the summary's `retriedFiles`. Then fails naming the object.
 */
async function verifiedGet(
  obj: SyncObject,
  tmp: string,
  o: ApplyOptions,
  st: TransferState,
  resume: { resumeEtag?: string; keepPartial: boolean },
): Promise<{ size: number; md5: string }> {
  const remote = obj.remoteObj!;
  const attempts = Math.max(1, o.maxAttempts ?? 5);
  const expected = remote.hash !== undefined && PLAIN_MD5.test(remote.hash)
    ? remote.hash
    : undefined;
  let reported = 0; // bytes reported to the progress so far (a retry reports no byte twice)
  for (let attempt = 1;; attempt++) {
    let seen = 0;
    try {
      const got = await o.store.get(remote.name, tmp, {
        signal: o.signal,
        ...(o.bandwidth === undefined ? {} : { bandwidth: o.bandwidth }),
        ...(remote.versionId === undefined ? {} : { versionId: remote.versionId }),
        // a corrupt resumed download is fetched anew
        resumeEtag: attempt === 1 ? resume.resumeEtag : undefined,
        keepPartial: resume.keepPartial,
        onProgress: (n) => {
          seen += n;
          if (seen > reported) {
            o.events.bytes?.(seen - reported);
            reported = seen;
          }
        },
      });
      const detail = got.size !== remote.size
        ? `received ${got.size} bytes, expected ${remote.size}`
        : expected !== undefined && got.md5 !== expected
        ? `received content has MD5 ${got.md5}, expected ${expected}`
        : undefined;
      if (detail === undefined) return got;
      throw new StorageError(`Cannot pull "${remote.name}": ${detail}`, {
        code: "CORRUPT_DOWNLOAD",
        key: remote.name,
        bucket: o.store.bucket,
      });
    } catch (e) {
      const corrupt = e instanceof StorageError && e.code === "CORRUPT_DOWNLOAD";
      if (!corrupt) throw e;
      if (attempt >= attempts || o.signal?.aborted) {
        throw new StorageError(
          `${
            e.message.replace(/ \(corrupted in transit; retry\)$/, "")
          } (corrupted in transit, ${attempt} attempt(s); run the pull again)`,
          { code: "CORRUPT_DOWNLOAD", key: remote.name, bucket: o.store.bucket, cause: e },
        );
      }
      st.summary.retriedFiles.push({ file: obj, error: e });
      o.events.log?.("warn", `Retrying ${remote.name}: ${e.message}`);
    }
  }
}

async function download(obj: SyncObject, o: ApplyOptions, st: TransferState): Promise<SyncObject> {
  const localPath = obj.localPath!;
  const remote = obj.remoteObj!;
  const dir = path.dirname(localPath);
  let made = st.dirs.get(dir);
  if (made === undefined) {
    // once per folder: create it, and remove temporary files left by runs that died
    // (except the partial downloads this run can resume)
    const found = new Map<string, string>();
    st.partials.set(dir, found);
    made = mkdir(dir, { recursive: true }).then(() =>
      removeStaleTempFiles(dir, {
        keep: (token) => st.resumable.has(token),
        onKept: (token, p) => found.set(token, p),
      })
    );
    st.dirs.set(dir, made);
  }
  await made;
  const token = resumeToken(remote);
  // Short and of bounded length: fits wherever the final name fits (no ENAMETOOLONG).
  const tmp = path.join(dir, tempFileName(token));
  let placed = false; // renamed into place: nothing left to remove
  let keep = false; // an interrupted large download keeps its partial file
  let resume = false;
  const partial = token === undefined ? undefined : st.partials.get(dir)?.get(token);
  if (partial !== undefined) {
    st.partials.get(dir)!.delete(token!);
    // claim the dead run's partial file (atomic: a concurrent run cannot claim it too)
    resume = await rename(partial, tmp).then(() => true, () => false);
  }
  trackTempFile(tmp);
  try {
    let got;
    try {
      got = await verifiedGet(obj, tmp, o, st, {
        resumeEtag: resume ? remote.etag : undefined,
        keepPartial: token !== undefined,
      });
    } catch (e) {
      // kept for the next run, unless the user interrupted (Ctrl-C leaves nothing behind)
      // or the bytes were wrong
      keep = token !== undefined && !o.signal?.aborted &&
        !(e instanceof StorageError && e.code === "CORRUPT_DOWNLOAD");
      throw e;
    }
    // a small file: synchronous calls (each a few microseconds; a hand-off to the thread
    // pool costs more than the call)
    const small = got.size <= SMALL_FILE_BYTES;
    if (obj.existsLocally) {
      if (small) localFs.rename(tmp, localPath);
      else await rename(tmp, localPath);
      placed = true;
    } else {
      try {
        // create-only: never clobbers a file that appeared meanwhile
        if (small) localFs.link(tmp, localPath);
        else await link(tmp, localPath);
        // drop the temporary name now: the unlink changes the file's ctime, which the hash
        // cache entry below must already include
        try {
          if (small) localFs.unlink(tmp);
          else await unlink(tmp);
        } catch {
          // removed by someone else: fine
        }
        placed = true;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "EEXIST" && await holds(localPath, got.size, got.md5, o.signal)) {
          // another writer (e.g. a second pull into this folder) wrote exactly these bytes
          return new SyncObject({
            syncDirection: "pull",
            localPath,
            remoteObj: remote,
            existsLocally: true,
            localSize: got.size,
            localHash: got.md5,
            remoteHash: obj.remoteHash,
          });
        }
        if (code === "EEXIST") {
          throw new SyncConflictError(
            `Cannot pull "${remote.name}": "${localPath}" was created by someone else after planning (run the pull again)`,
            [obj.name],
          );
        }
        if (code === "EPERM" || code === "ENOTSUP" || code === "EXDEV" || code === "EOPNOTSUPP") {
          await rename(tmp, localPath); // file systems without hard links
          placed = true;
        } else throw e;
      }
    }
    if (o.hashCache) {
      const v = small ? localFs.stat(localPath) : await stat(localPath);
      o.hashCache.set(
        { absPath: localPath, size: v.size, mtimeMs: v.mtimeMs, ctimeMs: v.ctimeMs, ino: v.ino },
        got.md5,
      );
    }
    return new SyncObject({
      syncDirection: "pull",
      localPath,
      remoteObj: remote,
      existsLocally: true,
      localSize: got.size,
      localHash: got.md5,
      remoteHash: obj.remoteHash,
    });
  } finally {
    if (!placed && !keep) await unlink(tmp).catch(() => {});
    forgetTempFile(tmp);
  }
}

/**
 * Applies a planned summary: refuses conflicts, honours `dryrun`, transfers `filesToSync`
 * and records them in `syncedFiles`. On failure, stops starting new transfers, lets running
 * ones finish, records failures in `failedFiles` and throws a `StorageError` (or a
 * `SyncConflictError` when another writer won a race) carrying the summary.
 *
 * @example
 * ```ts
 * import { applyPlan } from "./apply.ts";
 * import { planPush } from "./planner.ts";
 * import { MemoryStore } from "accsr/storage";
 * const store = new MemoryStore("b");
 * await store.createBucket();
 * const plan = await planPush({ store, basePath: "", events: {}, concurrency: 4 }, "README.md");
 * await applyPlan(plan, { store, force: false, dryrun: false, concurrency: 4, events: {} });
 * ```
 */
export async function applyPlan(
  summary: TransactionSummary,
  o: ApplyOptions,
): Promise<TransactionSummary> {
  try {
    return await applyPlanned(summary, o);
  } finally {
    // the hashes learnt while planning and transferring: one write per transaction
    await o.hashCache?.save();
  }
}

async function applyPlanned(
  summary: TransactionSummary,
  o: ApplyOptions,
): Promise<TransactionSummary> {
  const direction = summary.syncDirection;
  if (o.dryrun) {
    summary.dryRun = true;
    o.events.log?.("info", `Skipping ${direction} because dryrun=True`);
    if (summary.hasUnresolvableCollisions) {
      o.events.log?.("warn", "This transaction has unresolvable collisions and would not succeed.");
    }
    if (summary.requiresForce && !o.force) {
      o.events.log?.(
        "warn",
        "This transaction requires overwriting of files and would not succeed without force=True",
      );
    }
    if (summary.exceedsMaxDelete) {
      o.events.log?.(
        "warn",
        `This transaction plans ${summary.filesToDelete.length} deletions, more than maxDelete=${summary.maxDelete}, and would be refused`,
      );
    }
    return summary;
  }
  refuseIfConflicting(summary, o.force);
  for (const u of summary.uncomparableFiles) {
    o.events.log?.(
      "warn",
      `Cannot compare ${u.name}: ${u.uncomparable}; overwriting because force is set`,
    );
  }
  const files = summary.filesToSync;
  if (files.length === 0) {
    o.events.log?.("info", "No files to be updated");
    await applyDeletions(summary, o);
    return summary;
  }
  const total = files.length;
  o.events.transferStart?.({
    direction: direction!,
    files: total,
    bytes: summary.sizeFilesToSync(),
    force: o.force,
    ...(o.bandwidth === undefined ? {} : { bandwidthLimit: o.bandwidth.rate }),
  });
  let warned = false;
  const warnOnce = (m: string) => {
    if (!warned) o.events.log?.("warn", m);
    warned = true;
  };
  let counter = 0;
  const state: TransferState = {
    dirs: new Map(),
    summary,
    resumable: new Set(),
    partials: new Map(),
  };
  if (direction === "pull") {
    for (const f of files) {
      const token = f.remoteObj && resumeToken(f.remoteObj);
      if (token !== undefined) state.resumable.add(token);
    }
  }
  const results = await runPool(files, o.concurrency, async (obj) => {
    const n = ++counter;
    const size = readableSize(obj.getBytesTransferred());
    o.events.log?.(
      "info",
      direction === "push"
        ? `Uploading file ${n}/${total} to ${o.store.bucket}: ${obj.name} (${size})`
        : `Downloading file ${n}/${total} from ${o.store.bucket}: ${obj.name} (${size})`,
    );
    o.events.fileStart?.(obj, n, total);
    try {
      const synced = direction === "push"
        ? await upload(obj, o, warnOnce)
        : await download(obj, o, state);
      summary.syncedFiles.push(synced);
      o.events.fileDone?.(synced, n, total);
      return synced;
    } catch (e) {
      const local = direction === "pull" && !o.signal?.aborted
        ? await localDiskFailure(e, obj.localPath!, remainingBytes(summary, obj))
        : undefined;
      const err = local ?? (e instanceof Error ? e : new Error(String(e)));
      summary.failedFiles.push({ file: obj, error: err });
      o.events.fileDone?.(obj, n, total, err);
      throw err;
    }
  }, { stopOnError: true, signal: o.signal });
  o.events.transferEnd?.();
  const failures = summary.failedFiles;
  const notStarted = results.filter((r) => r === undefined).length;
  if (failures.length === 0 && notStarted === 0) {
    // deletions only after every transfer succeeded: an interrupted mirror loses nothing
    await applyDeletions(summary, o);
    return summary;
  }
  const first = failures[0]?.error;
  // a full disk or a write-protected folder: the message says what to do before a rerun
  const local = first instanceof StorageError &&
    (first.code === "NO_SPACE" || first.code === "PERMISSION_DENIED");
  const suffix = `${summary.syncedFiles.length} of ${total} file(s) were transferred${
    local ? "" : `; run the ${direction} again to finish`
  }`;
  if (first === undefined || o.signal?.aborted) {
    const err = new StorageError(`Cannot ${direction}: aborted (${suffix})`, {
      code: "ABORTED",
      bucket: o.store.bucket,
      cause: o.signal?.reason,
    });
    err.synced = [...summary.syncedFiles];
    err.summary = summary;
    throw err;
  }
  const raced = failures.filter((f) =>
    f.error instanceof SyncConflictError ||
    (f.error instanceof StorageError && f.error.code === "PRECONDITION_FAILED")
  );
  if (raced.length === failures.length) {
    const moved = summary.syncedFiles.length;
    // Nothing moved: still a refusal (SYNC_CONFLICT). Some files moved: CONCURRENT_CHANGE,
    // never to be mistaken for "nothing happened".
    throw new SyncConflictError(
      moved === 0
        ? `Cannot ${direction}: another writer changed ${raced.length} file(s) after planning, they were not overwritten, nothing was transferred (run the ${direction} again after checking them with a dry run): ${
          names(raced.map((f) => f.file.name))
        }`
        : `Cannot ${direction}: another writer changed ${raced.length} file(s) after planning, they were not overwritten; ${moved} of ${total} file(s) were transferred (run the ${direction} again to transfer the rest; a dry run shows what differs): ${
          names(raced.map((f) => f.file.name))
        }`,
      raced.map((f) => f.file.name),
      { summary, cause: first, code: moved === 0 ? "SYNC_CONFLICT" : "CONCURRENT_CHANGE" },
    );
  }
  const err = new StorageError(
    `${first.message}; ${suffix}`,
    {
      code: first instanceof AccsrError ? first.code : "STORAGE_ERROR",
      statusCode: first instanceof StorageError ? first.statusCode : undefined,
      key: failures[0].file.name,
      bucket: o.store.bucket,
      cause: first,
    },
  );
  err.synced = [...summary.syncedFiles];
  err.summary = summary;
  throw err;
}
