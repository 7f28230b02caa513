/**
 * The pure part of planning: match local files and remote objects by key, find collisions
 * and unsafe keys. No I/O here; `planner.ts` adds hashing and listing around it.
 *
 * @module
 */
import { relativeKey, unsafeKeyReason } from "./keys.ts";
import type { LocalFile } from "./local_files.ts";
import type { RemoteObject } from "./summary.ts";
import type { StoreObject } from "./stores/types.ts";
import { isTempFileName } from "./temp_files.ts";

/**
 * The public form of a listed object.
 *
 * @example
 * ```ts
 * import { toRemoteObject } from "./plan.ts";
 * toRemoteObject({ key: "a.txt", size: 3, etag: "e", md5: "m" }); // { name: "a.txt", size: 3, hash: "m", etag: "e" }
 * ```
 */
export function toRemoteObject(o: StoreObject, name?: string): RemoteObject {
  const n = name ?? (o.key.startsWith("/") ? o.key.replace(/^\/+/, "") : o.key);
  if (o.etag !== undefined && o.lastModified !== undefined && o.metadata === undefined) {
    // the usual listed object, built in one shape (no property added later: 100,000 of them
    // would each get an extra property array)
    return {
      name: n,
      size: o.size,
      hash: o.md5 ?? o.etag,
      etag: o.etag,
      lastModified: o.lastModified,
    };
  }
  const r: RemoteObject = { name: n, size: o.size };
  const hash = o.md5 ?? o.etag;
  if (hash !== undefined) r.hash = hash;
  if (o.etag !== undefined) r.etag = o.etag;
  if (o.lastModified !== undefined) r.lastModified = o.lastModified;
  if (o.metadata !== undefined) r.metadata = o.metadata;
  return r;
}

const NONE_KEYS: string[] = [];

/** Sorted keys with a fast "anything below `key/`?" query. */
function childrenIndex(keys: readonly string[]): (key: string) => string[] {
  const sorted = [...keys].sort();
  return (key: string) => {
    const p = key + "/";
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= sorted.length || !sorted[lo].startsWith(p)) return NONE_KEYS;
    const out: string[] = [];
    for (let i = lo; i < sorted.length && sorted[i].startsWith(p); i++) out.push(sorted[i]);
    return out;
  };
}

/**
 * One local file of a push, matched with the remote.
 *
 * @example
 * ```ts
 * import type { PushMatch } from "./plan.ts";
 * function show(m: PushMatch) { console.log(m.key, m.remote?.size, m.collidesWith.length); }
 * ```
 */
export interface PushMatch {
  file: LocalFile;
  key: string;
  skip: boolean;
  /** The remote object with exactly this key. */
  remote?: RemoteObject;
  /** Remote objects below `key/` (a remote "directory" where the local side has a file). */
  collidesWith: RemoteObject[];
}

/** The empty collision list shared by every match without collisions (never mutated). */
const NONE: RemoteObject[] = [];

/**
 * Matches local files (with their keys and skip flags) against a listing.
 *
 * @example
 * ```ts
 * import { matchPush } from "./plan.ts";
 * const file = { displayPath: "a.txt", absPath: "/w/a.txt", size: 1, mtimeMs: 0, ino: 1 };
 * const [m] = matchPush([{ file, key: "a.txt", skip: false }], [{ key: "a.txt/x", size: 1 }]);
 * console.log(m.collidesWith.map((o) => o.name)); // ["a.txt/x"]
 * ```
 */
export function matchPush(
  entries: readonly { file: LocalFile; key: string; skip: boolean }[],
  listing: readonly StoreObject[],
): PushMatch[] {
  const byKey = new Map<string, StoreObject>();
  // a pushed key never starts with "/": an object "/a.txt" is another object than "a.txt"
  for (const o of listing) if (!o.key.startsWith("/")) byKey.set(o.key, o);
  const children = childrenIndex([...byKey.keys()]);
  return entries.map(({ file, key, skip }) => {
    const remote = byKey.get(key);
    const found = skip ? NONE_KEYS : children(key);
    // one shared empty list for the (usual) files without collisions: 100,000 files, 100,000
    // arrays less
    const below = found.length === 0 ? NONE : found.map((k) => toRemoteObject(byKey.get(k)!));
    return {
      file,
      key,
      skip,
      // the local key's string as the name (equal, and one string per file instead of two)
      remote: remote === undefined ? undefined : toRemoteObject(remote, key),
      collidesWith: below,
    };
  });
}

/**
 * One remote object of a pull, mapped to the local side.
 *
 * @example
 * ```ts
 * import type { PullMatch } from "./plan.ts";
 * function show(m: PullMatch) { console.log(m.relKey, m.problem ?? "ok"); }
 * ```
 */
export interface PullMatch {
  remote: RemoteObject;
  /** The key exactly as the store lists it (for requests; `remote.name` drops a leading "/"). */
  key: string;
  /** Key relative to the base path (what the regexes see, and the local path below the base dir). */
  relKey: string;
  skip: boolean;
  /** Why this object cannot be pulled (unsafe key, or another key below it), if so. */
  problem?: string;
}

/**
 * Selects and maps the listed objects of a pull: drops folder markers (keys ending in `/`)
 * and prefix false positives (`file.txt` never pulls `file.txt.collision`), applies the
 * skip predicate to the key relative to the base path, and flags unsafe keys and keys that
 * have other keys below them.
 *
 * @example
 * ```ts
 * import { matchPull } from "./plan.ts";
 * const m = matchPull([{ key: "a.txt", size: 1 }, { key: "a.txt.collision", size: 1 }], {
 *   basePath: "", fullPrefix: "a.txt", skip: () => false,
 * });
 * console.log(m.map((x) => x.relKey)); // ["a.txt"]
 * ```
 */
export function matchPull(
  listing: readonly StoreObject[],
  options: {
    basePath: string;
    fullPrefix: string;
    skip: (relKey: string) => boolean;
    /** Keep folder markers (keys ending in "/"), for delete. */
    keepFolderMarkers?: boolean;
    /**
     * Keep objects of the reserved `.accsr/` prefix (snapshot manifests). By default they
     * are dropped unless `fullPrefix` itself lies in it (asked for by name).
     */
    includeReserved?: boolean;
  },
): PullMatch[] {
  const { basePath, fullPrefix } = options;
  const prefixRel = relativeKey(basePath, fullPrefix.replace(/\/+$/, ""));
  const keepReserved = options.includeReserved === true ||
    (prefixRel !== undefined && isReservedRemoteKey(prefixRel));
  const selected: { o: StoreObject; key: string; rel: string }[] = [];
  for (const o of listing) {
    const key = o.key.replace(/^\/+/, "");
    if (key.endsWith("/") && !options.keepFolderMarkers) continue; // folder marker
    if (
      fullPrefix !== "" && !fullPrefix.endsWith("/") && key !== fullPrefix &&
      !key.startsWith(fullPrefix + "/")
    ) continue; // prefix false positive: "a.txt" listed "a.txt.collision"
    const rel = relativeKey(basePath, key);
    if (rel === undefined) continue;
    if (!keepReserved && isReservedRemoteKey(rel)) continue; // accsr's own records
    selected.push({ o, key, rel });
  }
  const children = childrenIndex(selected.map((s) => s.rel));
  return selected.map(({ o, rel }) => {
    const skip = options.skip(rel);
    let problem: string | undefined;
    if (!skip) {
      // a key "/x" cannot be fetched by its name "x", and would shadow the object "x"
      const reason = o.key.startsWith("/") ? "is an absolute path" : unsafeKeyReason(rel);
      if (reason !== undefined) {
        problem = `unsafe key: it ${reason}; it would not stay inside the local base directory`;
      } else if (children(rel).length > 0) {
        problem =
          `other objects exist below "${rel}/": a local file and a directory cannot share a name`;
      }
    }
    return { remote: toRemoteObject(o), key: o.key, relKey: rel, skip, problem };
  });
}

/** Remote prefix (relative to the base path) reserved for accsr's own records (snapshots). */
const RESERVED_REMOTE = ".accsr";

/**
 * Whether a key relative to the base path lies in accsr's reserved remote prefix `.accsr/`
 * (snapshot manifests), which a mirror never deletes.
 *
 * @example
 * ```ts
 * import { isReservedRemoteKey } from "accsr/storage";
 * isReservedRemoteKey(".accsr/snapshots/v1.json"); // true
 * isReservedRemoteKey("data/.accsr-notes.txt"); // false
 * ```
 */
export function isReservedRemoteKey(relKey: string): boolean {
  return relKey === RESERVED_REMOTE || relKey.startsWith(`${RESERVED_REMOTE}/`);
}

/**
 * Whether a local path (relative, `/`-separated) is accsr's own state, a temporary file of
 * a transfer or an ignore file, which `pull --delete` never removes: `.accsr-*.part`
 * (downloads in progress), anything in a `.accsr-meta/` or `.accsr/` folder, `.accsrignore`.
 *
 * @example
 * ```ts
 * import { isProtectedLocalPath } from "./plan.ts";
 * isProtectedLocalPath("d/.accsr-1f2e3d.part"); // true
 * isProtectedLocalPath("d/.accsrignore"); // true
 * isProtectedLocalPath("d/a.txt"); // false
 * ```
 */
export function isProtectedLocalPath(relPath: string): boolean {
  const segments = relPath.split("/");
  const name = segments[segments.length - 1];
  if (name === ".accsrignore" || isTempFileName(name)) return true;
  return segments.slice(0, -1).some((s) => s === ".accsr-meta" || s === RESERVED_REMOTE);
}

/**
 * Remote objects a push with `delete` removes: listed below the pushed folder's key
 * (`scopeKey`, `""` for the whole base path) with no local file among `localKeys`, except
 * folder markers, keys no local file could have, accsr's reserved `.accsr/` prefix and keys
 * `protect` says to keep (their local path is skipped by the regexes or ignored).
 *
 * @example
 * ```ts
 * import { planPushDeletions } from "./plan.ts";
 * const gone = planPushDeletions(
 *   [{ key: "d/a.txt", size: 1 }, { key: "d/old.txt", size: 1 }, { key: "other.txt", size: 1 }],
 *   { basePath: "", scopeKey: "d", localKeys: new Set(["d/a.txt"]), protect: () => false },
 * );
 * console.log(gone.map((o) => o.key)); // ["d/old.txt"]
 * ```
 */
export function planPushDeletions(
  listing: readonly StoreObject[],
  options: {
    basePath: string;
    scopeKey: string;
    localKeys: ReadonlySet<string>;
    /** Keeps an object; gets the key relative to the scope. */
    protect: (restKey: string) => boolean;
  },
): StoreObject[] {
  const prefix = options.scopeKey === "" ? "" : `${options.scopeKey}/`;
  const out: StoreObject[] = [];
  for (const o of listing) {
    const key = o.key;
    if (key.startsWith("/") || key.endsWith("/") || !key.startsWith(prefix)) continue;
    if (options.localKeys.has(key)) continue;
    const rel = relativeKey(options.basePath, key);
    if (rel === undefined || isReservedRemoteKey(rel)) continue;
    const rest = key.slice(prefix.length);
    if (unsafeKeyReason(rest) !== undefined) continue;
    if (options.protect(rest)) continue;
    out.push(o);
  }
  return out.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * Local files a pull with `delete` removes: those (given by their key relative to the base
 * path) that no listed remote object has, except accsr's own files
 * ({@linkcode isProtectedLocalPath}) and those `protect` says to keep (skipped by the
 * regexes). Ignored files never reach this function: the scan leaves them out.
 *
 * @example
 * ```ts
 * import { planPullDeletions } from "./plan.ts";
 * const gone = planPullDeletions(["d/a.txt", "d/old.txt"], new Set(["d/a.txt"]), () => false);
 * console.log(gone); // ["d/old.txt"]
 * ```
 */
export function planPullDeletions(
  localRelKeys: readonly string[],
  remoteRelKeys: ReadonlySet<string>,
  protect: (relKey: string) => boolean,
): string[] {
  return localRelKeys.filter((rel) =>
    !remoteRelKeys.has(rel) && !isProtectedLocalPath(rel) && !protect(rel)
  ).sort();
}
