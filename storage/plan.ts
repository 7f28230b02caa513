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

/**
 * The public form of a listed object.
 *
 * @example
 * ```ts
 * import { toRemoteObject } from "./plan.ts";
 * toRemoteObject({ key: "a.txt", size: 3, etag: "e", md5: "m" }); // { name: "a.txt", size: 3, hash: "m", etag: "e" }
 * ```
 */
export function toRemoteObject(o: StoreObject): RemoteObject {
  const r: RemoteObject = { name: o.key.replace(/^\/+/, ""), size: o.size };
  const hash = o.md5 ?? o.etag;
  if (hash !== undefined) r.hash = hash;
  if (o.etag !== undefined) r.etag = o.etag;
  if (o.lastModified !== undefined) r.lastModified = o.lastModified;
  if (o.metadata !== undefined) r.metadata = o.metadata;
  return r;
}

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
    const below = skip ? [] : children(key).map((k) => toRemoteObject(byKey.get(k)!));
    return {
      file,
      key,
      skip,
      remote: remote === undefined ? undefined : toRemoteObject(remote),
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
  },
): PullMatch[] {
  const { basePath, fullPrefix } = options;
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
