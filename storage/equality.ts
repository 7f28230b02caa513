/**
 * Decides the remote MD5 of an object for equality checks, also for objects whose ETag is
 * not an MD5: the MD5 accsr stores in metadata, else — for multipart ETags `<md5>-N`
 * written by other tools — the local file's multipart ETag for the part size the object was
 * uploaded with (asked from the server with `partNumber: 1`, else the usual sizes).
 *
 * @module
 */
import { multipartEtag, USUAL_PART_SIZES } from "./hashing.ts";
import type { RemoteObject } from "./summary.ts";
import type { ObjectStore } from "./stores/types.ts";

const PLAIN_MD5 = /^[0-9a-f]{32}$/;
const MULTIPART = /^[0-9a-f]{32}-(\d+)$/;

/**
 * Outcome of {@linkcode resolveRemoteHash}.
 *
 * @example
 * ```ts
 * import type { RemoteHash } from "./equality.ts";
 * const r: RemoteHash = { remoteHash: "900150983cd24fb0d6963f7d28e17f72" };
 * ```
 */
export interface RemoteHash {
  /** The hash to compare with the local MD5. */
  remoteHash?: string;
  /** Set when equality cannot be decided (the file counts as different and is flagged). */
  uncomparable?: string;
  /** The remote object, enriched with head metadata when a head was made. */
  remoteObj?: RemoteObject;
}

/**
 * The remote hash to compare with a local file (`local.md5`), using the cheapest way that
 * decides: a user extractor, a plain-MD5 hash, the `md5` metadata, a multipart ETag
 * recomputed locally.
 *
 * @example
 * ```ts
 * import { resolveRemoteHash } from "./equality.ts";
 * import { MemoryStore } from "accsr/storage";
 * const r = await resolveRemoteHash(new MemoryStore("b"), { name: "a", size: 1, hash: "0cc175b9c0f1b6a831c399e269772661" }, { absPath: "/w/a", size: 1, md5: "0cc175b9c0f1b6a831c399e269772661" });
 * console.log(r.remoteHash);
 * ```
 */
export async function resolveRemoteHash(
  store: ObjectStore,
  remote: RemoteObject,
  local: { absPath: string; size: number; md5: string },
  options: { extractor?: (o: RemoteObject) => string | undefined; signal?: AbortSignal } = {},
): Promise<RemoteHash> {
  if (options.extractor) return { remoteHash: options.extractor(remote) };
  if (remote.hash !== undefined && PLAIN_MD5.test(remote.hash)) return { remoteHash: remote.hash };
  const head = await store.head(remote.name, { signal: options.signal });
  if (head === undefined) return { remoteHash: remote.hash }; // deleted meanwhile: differs
  const enriched: RemoteObject = { ...remote, metadata: head.metadata ?? remote.metadata };
  if (head.md5 !== undefined && PLAIN_MD5.test(head.md5)) {
    enriched.hash = head.md5;
    return { remoteHash: head.md5, remoteObj: enriched };
  }
  const etag = head.etag ?? remote.etag ?? "";
  const m = MULTIPART.exec(etag);
  if (m === null) {
    return {
      remoteHash: remote.hash,
      remoteObj: enriched,
      uncomparable: `the store has no MD5 for this object (ETag "${etag}")`,
    };
  }
  if (local.size !== head.size) return { remoteHash: etag, remoteObj: enriched }; // sizes differ
  const parts = Number(m[1]);
  const part = await store.head(remote.name, { partNumber: 1, signal: options.signal });
  const exact = part !== undefined && part.partsCount === parts && part.size > 0 &&
    (parts === 1 || part.size < head.size);
  const candidates = exact
    ? [part!.size]
    : USUAL_PART_SIZES.filter((p) => Math.max(1, Math.ceil(local.size / p)) === parts);
  for (const p of candidates) {
    if ((await multipartEtag(local.absPath, p, options.signal)) === etag) {
      return { remoteHash: local.md5, remoteObj: enriched };
    }
  }
  if (exact) return { remoteHash: etag, remoteObj: enriched };
  return {
    remoteHash: etag,
    remoteObj: enriched,
    uncomparable: `multipart ETag "${etag}" with an unknown part size and no stored MD5`,
  };
}
