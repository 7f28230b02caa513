/**
 * Decides the remote MD5 of an object for equality checks, also for objects whose ETag is
 * not an MD5 (objects uploaded by other tools), cheapest way first:
 *
 * 1. a plain-MD5 ETag from the listing (no request);
 * 2. different sizes: different (no request);
 * 3. one HEAD: an MD5 recorded by the uploader (accsr `md5`, rclone `md5chksum`, s3cmd
 *    `s3cmd-attrs`, Azure Content-MD5, GCS `x-goog-hash`), else a full-object checksum
 *    (CRC64NVME / CRC32C / CRC32 `FULL_OBJECT`) compared with the local file's;
 * 4. a multipart ETag `<md5>-N`: the local file's multipart ETag for the part size the object
 *    was uploaded with — remembered from an earlier run (hash cache, keyed by ETag), else
 *    asked from the server (HEAD `partNumber=1`; servers that ignore it, like radosgw 16, are
 *    detected), else every consistent whole-MiB / whole-MB part size, all in one read.
 *
 * What still cannot be decided is reported as `uncomparable` (never as "differs").
 *
 * @module
 */
import { checksumOfFile } from "./full_checksum.ts";
import type { HashCache } from "./hashing.ts";
import { MAX_PART_SIZE_CANDIDATES, multipartEtags, partSizeCandidates } from "./part_size_probe.ts";
import { fullObjectChecksum, googHashMd5, recordedMd5 } from "./remote_md5.ts";
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
 * Memory of what remote content ids were found to be (the hash cache implements it).
 *
 * @example
 * ```ts
 * import type { RemoteContentMemory } from "./equality.ts";
 * const m: RemoteContentMemory = { remoteContent: () => undefined, setRemoteContent: () => {} };
 * ```
 */
export type RemoteContentMemory = Pick<HashCache, "remoteContent" | "setRemoteContent">;

/**
 * The remote hash to compare with a local file of `localSize` bytes when it needs no request
 * (steps 1 and 2 of the module documentation, or the caller's extractor), else `undefined`.
 *
 * @example
 * ```ts
 * import { listedRemoteHash } from "./equality.ts";
 * listedRemoteHash({ name: "a", size: 1, hash: "0cc175b9c0f1b6a831c399e269772661" }, 1);
 * // { remoteHash: "0cc175b9c0f1b6a831c399e269772661" }
 * ```
 */
export function listedRemoteHash(
  remote: RemoteObject,
  localSize: number,
  extractor?: (o: RemoteObject) => string | undefined,
): RemoteHash | undefined {
  if (extractor) return { remoteHash: extractor(remote) };
  if (remote.hash !== undefined && PLAIN_MD5.test(remote.hash)) return { remoteHash: remote.hash };
  const listed = recordedMd5(remote.metadata);
  if (listed !== undefined) return { remoteHash: listed.md5 };
  // Different sizes differ, whatever the hashes: no request needed.
  if (remote.size !== undefined && remote.size !== localSize) return { remoteHash: remote.hash };
  return undefined;
}

/**
 * The remote hash to compare with a local file (`local.md5`), using the cheapest way that
 * decides (see the module documentation).
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
  options: {
    extractor?: (o: RemoteObject) => string | undefined;
    signal?: AbortSignal;
    /** Remembers part sizes and checksums found (usually the planner's hash cache). */
    cache?: RemoteContentMemory;
  } = {},
): Promise<RemoteHash> {
  const listed = listedRemoteHash(remote, local.size, options.extractor);
  if (listed !== undefined) return listed;
  // A multipart ETag the cache knows as this very content (accsr's own upload of it, or a
  // probe of an earlier run) decides without a request: the ETag is the MD5 of the part
  // MD5s, so with the part size and the size it names the bytes.
  const listedEtag = remote.etag ?? remote.hash ?? "";
  const seen = MULTIPART.test(listedEtag) ? options.cache?.remoteContent(listedEtag) : undefined;
  if (
    seen !== undefined && seen.partSize > 0 && seen.md5 === local.md5 &&
    remote.size === local.size
  ) return { remoteHash: local.md5 };
  const signal = options.signal;
  const head = await store.head(remote.name, { signal });
  if (head === undefined) return { remoteHash: remote.hash }; // deleted meanwhile: differs
  const enriched: RemoteObject = { ...remote, metadata: head.metadata ?? remote.metadata };
  const md5 = head.md5 !== undefined && PLAIN_MD5.test(head.md5)
    ? head.md5
    : recordedMd5(head.metadata)?.md5 ?? googHashMd5(head.checksums?.["x-goog-hash"]);
  if (md5 !== undefined) {
    enriched.hash = md5;
    return { remoteHash: md5, remoteObj: enriched };
  }
  const etag = head.etag ?? remote.etag ?? "";
  const differs = { remoteHash: etag || remote.hash || "(unknown)", remoteObj: enriched };
  if (local.size !== head.size) return differs;
  const equal = { remoteHash: local.md5, remoteObj: enriched };
  const cache = options.cache;

  const checksum = fullObjectChecksum(head.checksums);
  if (checksum !== undefined) {
    const id = `${checksum.algorithm}:${checksum.value}`;
    if (cache?.remoteContent(id)?.md5 === local.md5) return equal;
    const mine = await checksumOfFile(checksum.algorithm, local.absPath, signal);
    if (mine !== checksum.value) return { ...differs, remoteHash: id };
    cache?.setRemoteContent(id, local.md5);
    return equal;
  }

  const m = MULTIPART.exec(etag);
  if (m === null) {
    return {
      ...differs,
      uncomparable: `the store records no MD5 for this object (ETag "${etag}" is not one)`,
    };
  }
  const parts = Number(m[1]);
  const known = cache?.remoteContent(etag);
  const unknownPartSize = (detail: string) => ({
    ...differs,
    uncomparable:
      `multipart ETag "${etag}" has no recorded MD5 and a part size that is no whole number of MiB or MB (${detail})`,
  });
  if (known !== undefined && known.md5 === local.md5) {
    // partSize -1: this very content was probed before without result
    return known.partSize >= 0 ? equal : unknownPartSize("probed in an earlier run");
  }
  let candidates: number[];
  let decisive: boolean;
  if (known !== undefined && known.partSize > 0) {
    candidates = [known.partSize]; // the object was seen before: its part size is known
    decisive = true;
  } else if (parts === 1) {
    candidates = [local.size]; // one part: the part is the whole object
    decisive = true;
  } else {
    const part = await store.head(remote.name, { partNumber: 1, signal });
    // Servers that ignore partNumber (radosgw 16) answer with the whole object and no count.
    decisive = part !== undefined && part.partsCount === parts && part.size > 0 &&
      part.size < head.size;
    candidates = decisive ? [part!.size] : partSizeCandidates(local.size, parts);
  }
  const etags = await multipartEtags(local.absPath, candidates, signal);
  for (const [partSize, e] of etags) {
    if (e === etag) {
      cache?.setRemoteContent(etag, local.md5, partSize);
      return equal;
    }
  }
  if (decisive) return differs;
  cache?.setRemoteContent(etag, local.md5, -1); // the next run skips the probe for this content
  return unknownPartSize(
    candidates.length === 0
      ? "no such part size fits"
      : `${candidates.length} part size(s) tried${
        candidates.length >= MAX_PART_SIZE_CANDIDATES ? ", the first " + candidates.length : ""
      }`,
  );
}
