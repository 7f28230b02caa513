/**
 * Planning a push or a pull: one remote listing per transaction, local scan, hashing of only
 * the files that need comparing (through the hash cache), then the pure matching of
 * `plan.ts`, into a {@linkcode TransactionSummary}.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import * as path from "node:path";
import process from "node:process";
import { setImmediate } from "node:timers";
import { AccsrError, NoFilesFoundError } from "../errors.ts";
import { listedRemoteHash, resolveRemoteHash } from "./equality.ts";
import { filterPredicate } from "./filters.ts";
import { type FileVersion, HashCache } from "./hashing.ts";
import { IgnoreMatcher } from "./ignore_files.ts";
import { commonPrefix, joinKey, keyToLocalPath, relativeKey } from "./keys.ts";
import { localFs } from "./local_fs.ts";
import { findLocalFiles, hasGlobMagic, type LocalFile, type SkipEntry } from "./local_files.ts";
import { skipPredicate } from "./patterns.ts";
import { isReservedRemoteKey, matchPull, matchPush, type PushMatch } from "./plan.ts";
import type { PlanContext } from "./plan_context.ts";
import { planPullDeleted, planPushDeleted } from "./plan_deletions.ts";
import { runPool } from "./pool.ts";
import { type SkippedFile, SyncObject, TransactionSummary } from "./summary.ts";
import type { ObjectStore, StoreObject } from "./stores/types.ts";

/** Reason text of a file the include/exclude regexes skip. */
const REGEX_REASON = "include/exclude regex";

/** The skip hook of a scan that honours the `.accsrignore` files below `root`. */
function ignoreHook(matcher: IgnoreMatcher | undefined): SkipEntry | undefined {
  return matcher === undefined ? undefined : (abs, isDir) => matcher.ignores(abs, isDir);
}

async function statOrUndefined(p: string) {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}

/** Whether `child` (absolute) is `parent` or lies below it. */
function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

async function listAll(
  store: ObjectStore,
  prefix: string,
  signal?: AbortSignal,
): Promise<StoreObject[]> {
  const out: StoreObject[] = [];
  for await (const o of store.list(prefix, { signal })) out.push(o);
  return out;
}

/** Longest file name most local file systems accept (ext4, XFS, APFS: 255 bytes). */
const MAX_NAME_BYTES = 255;

/** Refuses, while planning, a file the upload could not read (nothing has moved yet). */
async function requireReadable(absPath: string, displayPath: string): Promise<void> {
  try {
    await access(absPath, constants.R_OK);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new AccsrError(
      `Cannot push "${displayPath}": ${
        code === "EACCES" || code === "EPERM" ? "permission denied" : (e as Error).message
      } (check permissions; nothing was transferred)`,
      { code: "LOCAL_PATH_INVALID", cause: e },
    );
  }
}

/** Refuses a local base directory that is a file (or lies below one). */
async function requireDirectoryOrMissing(dir: string): Promise<void> {
  let problem: string | undefined;
  try {
    if (!(await stat(dir)).isDirectory()) problem = "it is a file, not a directory";
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOTDIR") problem = "a parent of it is a file, not a directory";
    else if (code !== "ENOENT") throw e;
  }
  if (problem !== undefined) {
    throw new AccsrError(
      `Cannot pull into "${dir}": ${problem} (pass a directory as localBaseDir)`,
      { code: "LOCAL_PATH_INVALID" },
    );
  }
}

/**
 * Maps a local path (relative or absolute, OS separators) to its key below the base path.
 *
 * @example
 * ```ts
 * import { pushKey } from "./planner.ts";
 * pushKey("base", "data/a.txt"); // "base/data/a.txt"
 * ```
 */
export function pushKey(basePath: string, localPath: string): string {
  const posix = path.sep === "/" ? localPath : localPath.split(path.sep).join("/");
  if (
    posix.includes("..") && (posix === ".." || posix.startsWith("../") ||
      posix.endsWith("/..") || posix.includes("/../"))
  ) {
    throw new RangeError(
      `Cannot push "${localPath}": the remote key would contain ".." (pass localPathPrefix so the path is relative to it)`,
    );
  }
  // the walk's display paths are already normal: no empty or "." segment to drop
  if (
    posix !== "" && posix[0] !== "/" && !posix.endsWith("/") && !posix.includes("//") &&
    !posix.startsWith("./") && !posix.includes("/./") && !posix.endsWith("/.") && posix !== "."
  ) {
    const base = basePath === "" ? "" : joinKey(basePath);
    return base === "" ? posix : `${base}/${posix}`;
  }
  return joinKey(basePath, posix);
}

/**
 * Plans a push of `localPath` (file, directory or glob).
 *
 * @example
 * ```ts
 * import { planPush } from "./planner.ts";
 * import { MemoryStore } from "accsr/storage";
 * const store = new MemoryStore("b");
 * await store.createBucket();
 * const summary = await planPush({ store, basePath: "", events: {}, concurrency: 4 }, "README.md");
 * summary.printShortSummary();
 * ```
 */
export async function planPush(
  ctx: PlanContext,
  localPath: string,
  localPathPrefix?: string,
): Promise<TransactionSummary> {
  if (typeof localPath !== "string" || localPath === "") {
    throw new TypeError("Cannot push: path must be a non-empty string");
  }
  const prefix = localPathPrefix ? path.resolve(localPathPrefix) : undefined;
  let p = localPath;
  if (prefix !== undefined && path.isAbsolute(p)) {
    const rel = path.relative(prefix, p);
    if (rel.startsWith("..") || path.isAbsolute(rel)) {
      throw new RangeError(
        `Cannot push "${localPath}": it is not inside localPathPrefix "${prefix}" (pass a path below the prefix)`,
      );
    }
    p = rel === "" ? "." : rel;
  }
  const scanBase = prefix ?? process.cwd();
  ctx.events.log?.("info", `Scanning files in ${path.resolve(scanBase, p)}`);
  // Without glob characters every key starts with the path's own key: list while scanning.
  let earlyKey: string | undefined;
  try {
    earlyKey = hasGlobMagic(p) ? undefined : pushKey(ctx.basePath, p) || undefined;
  } catch { /* ".." in the path: reported below for the files found */ }
  let early = earlyKey === undefined ? undefined : listAll(ctx.store, earlyKey, ctx.signal);
  early?.catch(() => {}); // awaited below; the scan may fail first
  // the pushed folder (for delete, and as the root of ignore files outside the scan base)
  const glob = hasGlobMagic(p);
  const posix = p.split(path.sep).join("/");
  const display = (path.isAbsolute(posix) ? "/" : "") +
    posix.split("/").filter((s) => s !== "" && s !== ".").join("/");
  const pushedAbs = path.resolve(scanBase, glob ? "." : display || ".");
  const pushedStat = glob ? undefined : await statOrUndefined(pushedAbs);
  const mirrorDir = ctx.delete === true && pushedStat?.isDirectory() === true;
  if (ctx.delete === true && glob) {
    throw new RangeError(
      `Cannot push "${localPath}" with delete: a glob has no folder to mirror (pass a folder)`,
    );
  }
  let matcher: IgnoreMatcher | undefined;
  if (ctx.ignoreFiles !== false) {
    const root = isInside(scanBase, pushedAbs)
      ? scanBase
      : pushedStat?.isDirectory()
      ? pushedAbs
      : path.dirname(pushedAbs);
    matcher = new IgnoreMatcher(root);
  }
  const special: SkippedFile[] = [];
  const links: SkippedFile[] = [];
  const files = await findLocalFiles(p, scanBase, {
    skip: ignoreHook(matcher),
    onSpecial: (f) => special.push({ path: f.absPath, reason: f.reason }),
    followSymlinks: ctx.followSymlinks,
    onSymlink: (f) => links.push({ path: f.absPath, reason: f.reason }),
    insideOf: glob
      ? globRoot(scanBase, p)
      : pushedStat?.isDirectory()
      ? pushedAbs
      : path.dirname(pushedAbs),
    onOutsideLink: (f) =>
      ctx.events.log?.(
        "warn",
        `Pushing "${f.absPath}": a symbolic link to "${f.target}", outside the pushed folder (its target's bytes are uploaded; pass --no-follow-symlinks to skip links)`,
      ),
  });
  for (const f of special) {
    ctx.events.log?.(
      "warn",
      `Skipping "${f.path}": it is a ${f.reason}, not a regular file (not pushed)`,
    );
  }
  links.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  for (const f of links) ctx.events.log?.("warn", `Skipping "${f.path}": ${f.reason}`);
  special.push(...links);
  if (files.length === 0 && !mirrorDir) {
    const err = new NoFilesFoundError(localPath, prefix);
    if (
      matcher !== undefined &&
      (await findLocalFiles(p, scanBase, { followSymlinks: ctx.followSymlinks })).length > 0
    ) {
      // every file was left out by an ignore file: say so, not "no files found"
      err.message =
        `Cannot push "${localPath}": every file it matches is ignored by .accsrignore files (check them, or pass ignoreFiles: false)`;
    }
    throw err;
  }
  // the hash cache of the synced tree: the folder pushed (a file's folder; a glob's fixed part)
  const cacheOpening = HashCache.open(
    glob ? globRoot(scanBase, p) : pushedStat?.isDirectory() ? pushedAbs : path.dirname(pushedAbs),
  );
  const skip = skipPredicate(ctx.includeRegex, ctx.excludeRegex);
  const filtered = filterPredicate(ctx.filters, Date.now());
  const reasons = new Map<LocalFile, string>();
  let entries = files.map((file) => {
    let reason = skip(file.displayPath) ? REGEX_REASON : undefined;
    if (reason === undefined && filtered !== undefined) {
      reason = filtered({ path: file.displayPath, size: file.size, mtimeMs: file.mtimeMs });
    }
    if (reason !== undefined) reasons.set(file, reason);
    return { file, key: pushKey(ctx.basePath, file.displayPath), skip: reason !== undefined };
  }).filter((e) => {
    // the reserved .accsr/ prefix holds accsr's own records (snapshot manifests)
    const rel = relativeKey(ctx.basePath, e.key);
    if (rel === undefined || !isReservedRemoteKey(rel)) return true;
    ctx.events.log?.(
      "warn",
      `Skipping "${e.file.displayPath}": its key "${e.key}" is in accsr's reserved .accsr/ prefix (not pushed)`,
    );
    return false;
  });
  let active = entries.filter((e) => !e.skip).map((e) => e.key);
  const scopeKey = mirrorDir ? pushKey(ctx.basePath, display) : "";
  let listing: StoreObject[] | undefined = mirrorDir
    ? (early !== undefined && scopeKey.startsWith(earlyKey!)
      ? await early
      : await listAll(ctx.store, scopeKey, ctx.signal))
    : active.length === 0
    ? []
    : early !== undefined && active.every((k) => k.startsWith(earlyKey!))
    ? await early
    : await listAll(ctx.store, commonPrefix(active), ctx.signal);
  // what is matched is dropped: the listing (a quarter of a plan's memory), the entries
  early = undefined;
  active = [];
  const matches = matchPush(entries, listing);
  const deletions = mirrorDir
    ? await planPushDeleted(ctx, listing, {
      scopeKey,
      display,
      pushedAbs,
      localKeys: new Set(entries.map((e) => e.key)),
      skip,
      matcher,
      filtered,
    })
    : [];
  listing = undefined;
  entries = [];

  const cache = await cacheOpening;
  ctx.hashCache = cache;
  const summary = new TransactionSummary("push");
  summary.skippedFiles.push(...special);
  const objs = await comparePushed(ctx, cache, matches, reasons);
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    summary.addEntry(objs[i], { skip: m.skip, collidesWith: m.collidesWith });
  }
  if (ctx.delete === true) {
    summary.deleteEnabled = true;
    summary.maxDelete = ctx.maxDelete;
    summary.filesToDelete.push(...deletions);
  }
  return summary;
}

/** Files hashed in the calling thread between two yields to the event loop. */
const HASH_BATCH = 64;

/**
 * The sync objects of a push's matches, in order. Most files are decided synchronously: a
 * file whose MD5 is cached (or small enough to hash right here from one synchronous read)
 * and whose remote hash the listing carries needs no promise at all; only the rest (new
 * files to check for readability, larger files, remote objects needing a HEAD) go through
 * the pool.
 */
async function comparePushed(
  ctx: PlanContext,
  cache: HashCache,
  matches: readonly PushMatch[],
  reasons: ReadonlyMap<LocalFile, string>,
): Promise<SyncObject[]> {
  const baseOf = (m: (typeof matches)[number]) => ({
    syncDirection: "push" as const,
    remotePath: m.key,
    localPath: m.file.absPath,
    existsLocally: true,
    localSize: m.file.size,
    displayPath: m.file.displayPath,
    remoteObj: m.remote,
    skipReason: reasons.get(m.file),
  });
  const objs: SyncObject[] = new Array(matches.length);
  const slow: number[] = [];
  let read = 0;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    const base = baseOf(m);
    // Only files that will be read for an upload without being hashed here are checked for
    // readability (an access() per unchanged file was a quarter of a warm plan's CPU); the
    // others are read below when their MD5 is not cached, or not read at all.
    if (!m.skip && m.remote === undefined) {
      slow.push(i);
      continue;
    }
    if (m.skip || m.collidesWith.length > 0 || m.remote === undefined) {
      objs[i] = new SyncObject(base);
      continue;
    }
    const listed = listedRemoteHash(m.remote, m.file.size, ctx.remoteHashExtractor);
    const v = versionOf(m.file);
    let md5 = listed === undefined || v === undefined ? undefined : cache.get(v);
    if (md5 === undefined && listed !== undefined && v !== undefined && v.size <= SYNC_HASH_MAX) {
      if (++read >= HASH_BATCH) {
        read = 0;
        ctx.signal?.throwIfAborted();
        await yieldToLoop();
      }
      md5 = cache.md5Sync(v); // undefined on any error: the pool below reports it
    }
    if (md5 === undefined || listed === undefined) {
      slow.push(i);
      continue;
    }
    objs[i] = new SyncObject({
      ...base,
      localHash: md5,
      remoteHash: listed.remoteHash,
    });
  }
  const done = await runPool(slow, ctx.concurrency, async (i) => {
    const m = matches[i];
    const base = baseOf(m);
    if (m.remote === undefined) {
      await requireReadable(m.file.absPath, m.file.displayPath);
      return new SyncObject(base);
    }
    const f = m.file;
    const v = versionOf(f) ?? await versionNow(f.absPath);
    let md5: string;
    try {
      md5 = await cache.md5(v, ctx.signal);
    } catch (e) {
      const code = (e as { code?: string; cause?: { code?: string } }).cause?.code ??
        (e as { code?: string }).code;
      if (code === "EACCES" || code === "EPERM") {
        await requireReadable(f.absPath, f.displayPath); // the refusal, with its message
      }
      throw e;
    }
    const r = await resolveRemoteHash(ctx.store, m.remote, {
      absPath: v.absPath,
      size: v.size,
      md5,
    }, {
      extractor: ctx.remoteHashExtractor,
      signal: ctx.signal,
      cache,
    });
    return new SyncObject({
      ...base,
      localSize: v.size,
      localHash: md5,
      remoteObj: r.remoteObj ?? m.remote,
      remoteHash: r.remoteHash,
      uncomparable: r.uncomparable,
    });
  }, { signal: ctx.signal, stopOnError: true });
  ctx.signal?.throwIfAborted();
  done.forEach((r, j) => {
    if (r?.status === "rejected") throw r.reason;
    objs[slow[j]] = r!.value;
  });
  return objs;
}

/** Files up to this size are hashed in the calling thread from one synchronous read. */
const SYNC_HASH_MAX = 64 * 1024;

/** The version of a scanned file (from the walk's `lstat`), if the walk had every field. */
function versionOf(f: LocalFile): FileVersion | undefined {
  if (f.ctimeMs === undefined) return undefined;
  return { absPath: f.absPath, size: f.size, mtimeMs: f.mtimeMs, ctimeMs: f.ctimeMs, ino: f.ino };
}

/** The version of a file now. */
async function versionNow(absPath: string): Promise<FileVersion> {
  const st = await stat(absPath);
  return { absPath, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

/** Lets timers and I/O callbacks run (a resolved promise would only run microtasks). */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Options of {@linkcode planPull} beyond the context.
 *
 * @example
 * ```ts
 * import type { PullPlanOptions } from "./planner.ts";
 * const o: PullPlanOptions = { localBaseDir: "/data" };
 * ```
 */
export interface PullPlanOptions {
  /** Absolute local base directory. */
  localBaseDir: string;
}

/**
 * Plans a pull of `remotePath` (already stripped and converted) into `localBaseDir`.
 *
 * @example
 * ```ts
 * import { planPull } from "./planner.ts";
 * import { MemoryStore } from "accsr/storage";
 * const store = new MemoryStore("b");
 * await store.createBucket();
 * const s = await planPull({ store, basePath: "", events: {}, concurrency: 4 }, "", { localBaseDir: "/tmp/out" });
 * console.log(s.filesToSync.length); // 0
 * ```
 */
export async function planPull(
  ctx: PlanContext,
  remotePath: string,
  options: PullPlanOptions,
): Promise<TransactionSummary> {
  const full = joinKey(ctx.basePath, remotePath);
  await requireDirectoryOrMissing(options.localBaseDir);
  ctx.events.log?.("info", `Scanning remote paths in ${ctx.store.bucket}/${full}`);
  const listing = await listAll(ctx.store, full, ctx.signal);
  const regexSkip = skipPredicate(ctx.includeRegex, ctx.excludeRegex);
  const filtered = filterPredicate(ctx.filters, Date.now());
  const reasons = new Map<string, string>();
  const matches = matchPull(listing, {
    basePath: ctx.basePath,
    fullPrefix: full,
    skip: regexSkip,
  });
  for (const m of matches) {
    if (m.skip) reasons.set(m.key, REGEX_REASON);
    else if (filtered !== undefined) {
      const reason = filtered({
        path: m.relKey,
        size: m.remote.size,
        mtimeMs: m.remote.lastModified?.getTime(),
      });
      if (reason !== undefined) {
        m.skip = true;
        reasons.set(m.key, reason);
      }
    }
  }
  const cache = await HashCache.open(pulledTree(options.localBaseDir, remotePath, matches));
  ctx.hashCache = cache;
  const summary = new TransactionSummary("pull");
  const results = await runPool(matches, ctx.concurrency, async (m) => {
    if (m.skip) {
      return {
        obj: new SyncObject({
          syncDirection: "pull",
          remoteObj: m.remote,
          skipReason: reasons.get(m.key),
        }),
      };
    }
    if (m.problem !== undefined) {
      return {
        obj: new SyncObject({ syncDirection: "pull", remoteObj: m.remote }),
        collision: m.problem,
      };
    }
    const localPath = keyToLocalPath(options.localBaseDir, m.relKey);
    const long = m.relKey.split("/").find((seg) => Buffer.byteLength(seg) > MAX_NAME_BYTES);
    if (long !== undefined) {
      return {
        obj: new SyncObject({ syncDirection: "pull", remoteObj: m.remote, localPath }),
        collision:
          `a path segment is longer than ${MAX_NAME_BYTES} bytes, too long for a local file name: ${
            long.slice(0, 40)
          }…`,
      };
    }
    let st;
    try {
      // synchronous: one call per listed object, most of them missing locally on a first
      // pull (no thread-pool hand-off, and Node builds no error for a missing file)
      st = localFs.statIfExists(localPath);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ENAMETOOLONG") {
        return {
          obj: new SyncObject({ syncDirection: "pull", remoteObj: m.remote, localPath }),
          collision: `the local path is too long for the file system: ${localPath}`,
        };
      }
      if (code === "ENOTDIR") {
        return {
          obj: new SyncObject({ syncDirection: "pull", remoteObj: m.remote, localPath }),
          collision: `a parent of the local path is a file, not a directory: ${localPath}`,
        };
      }
      if (code !== "ENOENT") throw e;
    }
    if (st === undefined) {
      return { obj: new SyncObject({ syncDirection: "pull", remoteObj: m.remote, localPath }) };
    }
    if (st.isDirectory) {
      return {
        obj: new SyncObject({ syncDirection: "pull", remoteObj: m.remote, localPath }),
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
    const r = await resolveRemoteHash(ctx.store, m.remote, {
      absPath: localPath,
      size: st.size,
      md5,
    }, {
      extractor: ctx.remoteHashExtractor,
      signal: ctx.signal,
      cache,
    });
    return {
      obj: new SyncObject({
        syncDirection: "pull",
        remoteObj: r.remoteObj ?? m.remote,
        localPath,
        existsLocally: true,
        localSize: st.size,
        localHash: md5,
        remoteHash: r.remoteHash,
        uncomparable: r.uncomparable,
      }),
    };
  }, { signal: ctx.signal, stopOnError: true });
  ctx.signal?.throwIfAborted();
  results.forEach((r, i) => {
    if (r?.status === "rejected") throw r.reason;
    const { obj, collision } = r!.value;
    summary.addEntry(obj, { skip: matches[i].skip, collidesWith: collision });
  });
  if (summary.allFilesAnalyzed.length === 0) {
    ctx.events.log?.("warn", `No files found in remote storage under path: ${remotePath}`);
  }
  if (ctx.delete === true) {
    summary.deleteEnabled = true;
    summary.maxDelete = ctx.maxDelete;
    summary.filesToDelete.push(
      ...await planPullDeleted(ctx, remotePath, options.localBaseDir, matches, filtered),
    );
  }
  return summary;
}

/** The fixed part of a glob (the folder its matches are below). */
function globRoot(scanBase: string, p: string): string {
  const fixed: string[] = [];
  for (const seg of p.split(/[\\/]/)) {
    if (hasGlobMagic(seg)) break;
    fixed.push(seg);
  }
  return path.resolve(scanBase, fixed.join(path.sep));
}

/** The local folder a pull works on (the same tree a push of that folder uses). */
function pulledTree(
  localBaseDir: string,
  remotePath: string,
  matches: readonly { relKey: string }[],
): string {
  const rel = remotePath.replace(/\/+$/, "");
  if (rel === "") return localBaseDir;
  try {
    const local = keyToLocalPath(localBaseDir, rel);
    return matches.some((m) => m.relKey === rel) ? path.dirname(local) : local;
  } catch {
    return localBaseDir;
  }
}
