/**
 * Finding the part size of a multipart ETag (`<md5 of part md5s>-N`) written by another
 * tool: the part sizes consistent with the object's size and N, and the multipart ETags of a
 * local file for several part sizes at once, from ONE read of the file (one MD5 state per
 * candidate, each fed the same chunk and finished at its own part boundaries).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";

const MiB = 1024 * 1024;
const MB = 1000 * 1000;

/** S3's smallest part (all parts but the last) and largest part. */
const MIN_PART = 5 * MiB;
const MAX_PART = 5 * 1024 * MiB;

/**
 * How many candidate part sizes are hashed side by side at most (each costs one MD5 pass of
 * CPU over the file; the read is shared).
 *
 * @example
 * ```ts
 * import { MAX_PART_SIZE_CANDIDATES } from "./part_size_probe.ts";
 * console.log(MAX_PART_SIZE_CANDIDATES); // 16
 * ```
 */
export const MAX_PART_SIZE_CANDIDATES = 16;

/** Part sizes tools use by default, tried first when there are more candidates than the bound. */
const USUAL_MIB = [8, 5, 16, 15, 7, 64, 100, 10, 32, 128, 50, 6, 25, 20, 256, 512];

/**
 * Whole-MiB and whole-MB part sizes `p` a multipart object of `size` bytes with `parts`
 * parts can have been uploaded with: `(parts−1)·p < size ≤ parts·p`, `p` at least 5 MiB
 * (S3's minimum for all but the last part) when `parts > 1`. Usual tool defaults come first;
 * at most `limit` sizes. For one part the part size is the size itself.
 *
 * @example
 * ```ts
 * import { partSizeCandidates } from "./part_size_probe.ts";
 * partSizeCandidates(30 * 1024 * 1024, 5); // [7340032, 6291456, 7000000]
 * ```
 */
export function partSizeCandidates(
  size: number,
  parts: number,
  limit: number = MAX_PART_SIZE_CANDIDATES,
): number[] {
  if (!Number.isInteger(parts) || parts < 1 || size <= 0) return [];
  if (parts === 1) return [size];
  // (parts−1)·p < size  ⇔  p < size/(parts−1);   size ≤ parts·p  ⇔  p ≥ size/parts
  const lo = Math.max(MIN_PART, Math.ceil(size / parts));
  const hiExclusive = Math.min(MAX_PART + 1, size / (parts - 1));
  const ok = (p: number) => p >= lo && p < hiExclusive;
  const out: number[] = [];
  const add = (p: number) => {
    if (out.length < limit && ok(p) && !out.includes(p)) out.push(p);
  };
  for (const m of USUAL_MIB) add(m * MiB);
  for (let m = Math.ceil(lo / MiB); m * MiB < hiExclusive && out.length < limit; m++) add(m * MiB);
  for (let m = Math.ceil(lo / MB); m * MB < hiExclusive && out.length < limit; m++) add(m * MB);
  return out;
}

/**
 * Whether there are more consistent whole-MiB/whole-MB part sizes than
 * {@linkcode partSizeCandidates} returns with `limit`.
 *
 * @example
 * ```ts
 * import { candidatesTruncated } from "./part_size_probe.ts";
 * candidatesTruncated(1024 * 1024 * 1024, 2); // true (512…1023 MiB all fit)
 * ```
 */
export function candidatesTruncated(
  size: number,
  parts: number,
  limit: number = MAX_PART_SIZE_CANDIDATES,
): boolean {
  return partSizeCandidates(size, parts, limit + 1).length > limit;
}

interface State {
  partSize: number;
  outer: Hash;
  /** MD5 of the current part (after the first part, which comes from the shared prefix). */
  inner: Hash;
  /** Bytes fed into `inner`. */
  filled: number;
  parts: number;
  /** Where in the current chunk this state's own hashing starts (after its first part). */
  from: number;
}

/**
 * The multipart ETags (`<hex>-N`, as S3 computes them) of a file for each part size, all
 * from one sequential read. Returns a map part size → ETag.
 *
 * The first parts of all candidates are prefixes of the file: one running MD5 serves them all
 * (copied at each candidate's boundary), so a candidate costs only the MD5 of what follows its
 * first part.
 *
 * @example
 * ```ts
 * import { multipartEtags } from "./part_size_probe.ts";
 * const etags = await multipartEtags("/data/big.bin", [5 * 1024 * 1024, 8 * 1024 * 1024]);
 * console.log(etags.get(8 * 1024 * 1024)); // e.g. "9b2cf535f27731c974343645a3985328-4"
 * ```
 */
export async function multipartEtags(
  absPath: string,
  partSizes: readonly number[],
  signal?: AbortSignal,
): Promise<Map<number, string>> {
  const states: State[] = [...new Set(partSizes)].filter((p) => p > 0).sort((a, b) => a - b)
    .map((partSize) => ({
      partSize,
      outer: createHash("md5"),
      inner: createHash("md5"),
      filled: 0,
      parts: 0,
      from: 0,
    }));
  const result = new Map<number, string>();
  if (states.length === 0) return result;
  const prefix = createHash("md5");
  let waiting = 0; // states[waiting…] have not reached the end of their first part
  const fh = await open(absPath, "r");
  let reading: Promise<{ bytesRead: number }> | undefined;
  try {
    // two buffers: the next chunk is read while this one is hashed
    const bufs = [Buffer.allocUnsafe(8 * MiB), Buffer.allocUnsafe(8 * MiB)];
    let pos = 0; // file offset of the chunk's first byte
    reading = fh.read(bufs[0], 0, bufs[0].length, pos);
    for (let n = 0;; n++) {
      signal?.throwIfAborted();
      const { bytesRead }: { bytesRead: number } = await reading;
      if (bytesRead === 0) break;
      const chunk = bufs[n % 2].subarray(0, bytesRead);
      const next = bufs[(n + 1) % 2];
      reading = fh.read(next, 0, next.length, pos + bytesRead);
      // 1. the shared prefix, cut at each first-part boundary inside this chunk
      let off = 0;
      while (waiting < states.length && states[waiting].partSize <= pos + chunk.length) {
        const s = states[waiting++];
        const cut = s.partSize - pos;
        prefix.update(chunk.subarray(off, cut));
        off = cut;
        s.outer.update(prefix.copy().digest());
        s.parts = 1;
        s.from = cut;
      }
      if (waiting < states.length) prefix.update(chunk.subarray(off));
      // 2. every state past its first part hashes the rest of the chunk itself
      for (let i = 0; i < waiting; i++) {
        const s = states[i];
        let o = s.from;
        s.from = 0;
        while (o < chunk.length) {
          const take = Math.min(chunk.length - o, s.partSize - s.filled);
          s.inner.update(chunk.subarray(o, o + take));
          s.filled += take;
          o += take;
          if (s.filled === s.partSize) {
            s.outer.update(s.inner.digest());
            s.parts++;
            s.inner = createHash("md5");
            s.filled = 0;
          }
        }
      }
      pos += chunk.length;
    }
    for (let i = 0; i < states.length; i++) {
      const s = states[i];
      if (i >= waiting) {
        s.outer.update(prefix.copy().digest()); // the whole file is its only part
        s.parts = 1;
      } else if (s.filled > 0) {
        s.outer.update(s.inner.digest());
        s.parts++;
      }
      result.set(s.partSize, `${s.outer.digest("hex")}-${s.parts}`);
    }
    return result;
  } finally {
    await reading?.catch(() => {}); // a read still in flight (abort, error)
    await fh.close();
  }
}
