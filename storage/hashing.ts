/**
 * Local MD5s for the sync engine: a persistent cache keyed by path + size + mtime + ctime +
 * inode (so unchanged files are never re-hashed, and any change invalidates the entry),
 * and the multipart ETag of a local file for a given part size.
 *
 * The cache lives outside the synced tree (`$ACCSR_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/accsr`, else `~/.cache/accsr`), one file per scanned folder, written
 * atomically; concurrent runs can only lose entries, never corrupt them. Set
 * `ACCSR_HASH_CACHE=0` to disable it.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { digestFile, md5Bytes } from "../hashing/md5.ts";

/** Files up to this size are hashed from one read. */
const SMALL = 1 << 20;

type Entry = [size: number, mtimeMs: number, ctimeMs: number, ino: number, md5: string];

/**
 * Identity of a local file version.
 *
 * @example
 * ```ts
 * import type { FileVersion } from "./hashing.ts";
 * const v: FileVersion = { absPath: "/w/a.txt", size: 3, mtimeMs: 1, ctimeMs: 1, ino: 7 };
 * ```
 */
export interface FileVersion {
  absPath: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

function cacheRoot(): string | undefined {
  const env = process.env;
  if (env.ACCSR_HASH_CACHE === "0") return undefined;
  if (env.ACCSR_CACHE_DIR) return env.ACCSR_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, "accsr");
  const home = os.homedir();
  return home ? path.join(home, ".cache", "accsr") : undefined;
}

/**
 * A hash cache for the files below one folder.
 *
 * @example
 * ```ts
 * import { HashCache } from "./hashing.ts";
 * const cache = await HashCache.open("/data");
 * const md5 = await cache.md5({ absPath: "/data/a.txt", size: 3, mtimeMs: 1, ctimeMs: 1, ino: 7 });
 * await cache.save();
 * ```
 */
export class HashCache {
  #file?: string;
  #entries: Record<string, Entry> = {};
  #dirty = false;

  private constructor(file?: string) {
    this.#file = file;
  }

  /** Opens (or starts) the cache of `scope` (an absolute folder); disabled caches just hash. */
  static async open(scope: string): Promise<HashCache> {
    const root = cacheRoot();
    if (root === undefined) return new HashCache();
    const id = createHash("sha1").update(path.resolve(scope)).digest("hex").slice(0, 24);
    const cache = new HashCache(path.join(root, "md5", `${id}.json`));
    try {
      const data = JSON.parse(await readFile(cache.#file!, "utf8"));
      if (data && typeof data === "object" && data.version === 1) cache.#entries = data.entries;
    } catch { /* no cache yet, or unreadable: start empty */ }
    return cache;
  }

  /** The cached MD5 of this file version, if any. */
  get(v: FileVersion): string | undefined {
    const e = this.#entries[v.absPath];
    if (e && e[0] === v.size && e[1] === v.mtimeMs && e[2] === v.ctimeMs && e[3] === v.ino) {
      return e[4];
    }
    return undefined;
  }

  /** Records the MD5 of a file version. */
  set(v: FileVersion, md5: string): void {
    this.#entries[v.absPath] = [v.size, v.mtimeMs, v.ctimeMs, v.ino, md5];
    this.#dirty = true;
  }

  /** The MD5 of a file version: from the cache, or computed (streaming) and recorded. */
  async md5(v: FileVersion, signal?: AbortSignal): Promise<string> {
    const hit = this.get(v);
    if (hit !== undefined) return hit;
    const md5 = v.size <= SMALL
      ? md5Bytes(await readFile(v.absPath, { signal }))
      : (await digestFile(v.absPath, { signal, size: v.size })).md5;
    // record only if the file did not change while it was read
    const after = await stat(v.absPath);
    if (after.size === v.size && after.mtimeMs === v.mtimeMs && after.ino === v.ino) {
      this.set(v, md5);
    }
    return md5;
  }

  /** Writes the cache atomically (temporary file + rename) when it changed. Never throws. */
  async save(): Promise<void> {
    if (!this.#dirty || this.#file === undefined) return;
    const tmp = `${this.#file}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await mkdir(path.dirname(this.#file), { recursive: true });
      await writeFile(tmp, JSON.stringify({ version: 1, entries: this.#entries }));
      await rename(tmp, this.#file);
      this.#dirty = false;
      if (Math.random() < 0.05) await pruneStale(path.dirname(this.#file));
    } catch {
      await unlink(tmp).catch(() => {});
    }
  }
}

const STALE_MS = 30 * 24 * 3600 * 1000;

/** Removes cache files not written for 30 days (folders nobody syncs any more). */
async function pruneStale(dir: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const p = path.join(dir, name);
    const st = await stat(p).catch(() => undefined);
    if (st !== undefined && now - st.mtimeMs > STALE_MS) await unlink(p).catch(() => {});
  }
}

/**
 * The version of a file now (for the cache), or `undefined` when it is not a regular file.
 *
 * @example
 * ```ts
 * import { fileVersion } from "./hashing.ts";
 * console.log(await fileVersion("README.md"));
 * ```
 */
export async function fileVersion(absPath: string): Promise<FileVersion | undefined> {
  try {
    const st = await stat(absPath);
    if (!st.isFile()) return undefined;
    return { absPath, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
  } catch {
    return undefined;
  }
}

/**
 * The S3 multipart ETag (`md5-of-part-md5s-N`) a file would get when uploaded in parts of
 * `partSize` bytes.
 *
 * @example
 * ```ts
 * import { multipartEtag } from "./hashing.ts";
 * console.log(await multipartEtag("/data/big.bin", 8 * 1024 * 1024)); // e.g. "9b2cf535f27731c974343645a3985328-3"
 * ```
 */
export async function multipartEtag(
  absPath: string,
  partSize: number,
  signal?: AbortSignal,
): Promise<string> {
  const { parts } = await digestFile(absPath, { partSize, signal });
  const outer = createHash("md5");
  for (const p of parts!) outer.update(Buffer.from(p, "hex"));
  return `${outer.digest("hex")}-${parts!.length}`;
}

/**
 * Usual part sizes of S3 tools (rclone 5 MiB, aws-cli/boto3 8 MiB, others 16, 64, 100 MiB).
 *
 * @example
 * ```ts
 * import { USUAL_PART_SIZES } from "./hashing.ts";
 * console.log(USUAL_PART_SIZES[0]); // 5242880
 * ```
 */
export const USUAL_PART_SIZES: readonly number[] = [5, 8, 16, 15, 64, 100, 10, 32, 128, 50].map(
  (m) => m * 1024 * 1024,
);
