/**
 * Local MD5s for the sync engine: a persistent cache keyed by path + size + mtime + ctime +
 * inode (so unchanged files are never re-hashed, and any change invalidates the entry),
 * and the multipart ETag of a local file for a given part size.
 *
 * The cache lives outside the synced tree (`$ACCSR_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/accsr`, else `~/.cache/accsr`), one file per synced tree (the folder a
 * push or pull works on), so a run reads only the entries of the tree it syncs. The file is
 * a journal: a header line, then one line per entry (`path`, size, mtime, ctime, inode,
 * MD5, tab-separated, the path JSON-encoded and relative to the tree); a run appends only
 * the entries it added or changed, once, and the file is rewritten (atomically, compacted)
 * only when superseded lines outnumber live ones. Lines `@remote`, id, part size, MD5 remember
 * what a remote content id (a multipart ETag, a full-object checksum) was found to be. Concurrent runs can only lose entries,
 * never corrupt them (a torn line is skipped). Set `ACCSR_HASH_CACHE=0` to disable it.
 *
 * Times are compared at the precision both sides have: Deno's `node:fs` reports mtime in
 * milliseconds and ctime in whole seconds, Node finer; an entry written by one runtime is
 * valid in the other (a finer reading refreshes a coarse entry).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { digestFile, md5Bytes } from "../hashing/md5.ts";
import { localFs } from "./local_fs.ts";

/** Files up to this size are hashed from one read. */
const SMALL = 1 << 20;

const MAGIC = "accsr-md5-cache 2";
/** First field of the lines that remember remote content ids (older readers skip them). */
const REMOTE = "@remote";

let misses = 0;
let writes = 0;

/**
 * Writes of hash cache files by this process (appends and rewrites; for tests and
 * diagnostics: a transaction writes the cache of its tree at most once).
 *
 * @example
 * ```ts
 * import { hashCacheWrites } from "./hashing.ts";
 * console.log(hashCacheWrites()); // 0
 * ```
 */
export function hashCacheWrites(): number {
  return writes;
}

/**
 * Files this process hashed because the cache had no valid entry (for tests and diagnostics).
 *
 * @example
 * ```ts
 * import { hashCacheMisses } from "./hashing.ts";
 * console.log(hashCacheMisses()); // 0
 * ```
 */
export function hashCacheMisses(): number {
  return misses;
}

interface Entry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  md5: string;
}

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
 * Whether a cached time equals the current one at the precision both have: equal, or one of
 * them is whole `unit`s (a coarse clock) and the other falls in the same unit.
 */
function sameTime(cached: number, now: number, unit: number): boolean {
  if (cached === now) return true;
  const cachedCoarse = cached % unit === 0;
  const nowCoarse = now % unit === 0;
  if (cachedCoarse === nowCoarse) return false;
  return Math.floor(cached / unit) === Math.floor(now / unit);
}

/** Whether `now` is finer than the cached time (then the entry is refreshed). */
function finer(cached: number, now: number, unit: number): boolean {
  return cached % unit === 0 && now % unit !== 0;
}

/**
 * A hash cache for the files below one folder (the synced tree).
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
  readonly #file?: string;
  readonly #tree: string;
  /** `${tree}/`: the paths of the tree's files start with it. */
  readonly #prefix: string;
  /**
   * The entries read from the file, unparsed: path relative to the tree → its whole line. Parsed only when asked for (a run reads a 100,000-entry cache without building an
   * object per entry, and holds each entry as two slices of the file's text).
   */
  readonly #read = new Map<string, string>();
  /** Entries recorded by this process, by path relative to the tree. */
  readonly #entries = new Map<string, Entry>();
  /** Keys added or changed since the file was read. */
  readonly #changed = new Set<string>();
  /** Remote content id (multipart ETag, `crc64nvme:<value>`…) → part size (or 0) and MD5. */
  readonly #remote = new Map<string, { partSize: number; md5: string }>();
  readonly #remoteChanged = new Set<string>();
  /** Lines in the file (entries, superseded ones included). */
  #lines = 0;
  #fileExists = false;

  private constructor(tree: string, file?: string) {
    this.#tree = tree;
    this.#prefix = tree.endsWith(path.sep) ? tree : tree + path.sep;
    this.#file = file;
  }

  /** Opens (or starts) the cache of the tree `scope` (a folder); disabled caches just hash. */
  static async open(scope: string): Promise<HashCache> {
    const tree = path.resolve(scope);
    const root = cacheRoot();
    if (root === undefined) return new HashCache(tree);
    const id = createHash("sha1").update(tree).digest("hex").slice(0, 32);
    const cache = new HashCache(tree, path.join(root, "md5", `${id}.tsv`));
    let text: string;
    try {
      text = await readFile(cache.#file!, "utf8");
    } catch {
      return cache; // no cache yet, or unreadable: start empty
    }
    cache.#load(text);
    return cache;
  }

  #load(text: string): void {
    const head = text.indexOf("\n");
    if (
      text.slice(0, head === -1 ? text.length : head) !== `${MAGIC}\t${JSON.stringify(this.#tree)}`
    ) {
      return; // another format
    }
    this.#fileExists = true;
    let at = head + 1;
    while (at < text.length) {
      let end = text.indexOf("\n", at);
      if (end === -1) end = text.length;
      const line = text.slice(at, end);
      at = end + 1;
      if (line.startsWith(REMOTE)) {
        const f = line.split("\t");
        if (f.length === 4 && f[0] === REMOTE && f[3].length === 32) {
          try {
            this.#remote.set(JSON.parse(f[1]), { partSize: Number(f[2]), md5: f[3] });
            this.#lines++;
          } catch { /* torn line */ }
        }
        continue;
      }
      // `"path"\tsize\tmtime\tctime\tino\tmd5`: checked in full when parsed (torn lines then
      // count as missing); here only its shape
      const tab = line.indexOf('"\t');
      if (line[0] !== '"' || tab === -1 || line.charCodeAt(line.length - 33) !== 9) continue;
      let rel: string;
      try {
        const field = line.slice(0, tab + 1);
        rel = field.includes("\\") ? JSON.parse(field) : line.slice(1, tab);
      } catch {
        continue;
      }
      this.#read.set(rel, line);
      this.#lines++;
    }
  }

  /** The key of `absPath`: relative to the tree (absolute outside it, which callers avoid). */
  #key(absPath: string): string {
    return absPath === this.#tree
      ? ""
      : absPath.startsWith(this.#prefix)
      ? absPath.slice(this.#prefix.length)
      : absPath;
  }

  /** The entry of a path field: recorded by this process, else read from the file. */
  #entry(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (e !== undefined) return e;
    const line = this.#read.get(key);
    if (line === undefined) return undefined;
    const f = line.slice(line.indexOf('"\t') + 2).split("\t");
    if (f.length !== 5 || f[4].length !== 32) return undefined; // torn or foreign line
    const parsed: Entry = {
      size: Number(f[0]),
      mtimeMs: Number(f[1]),
      ctimeMs: Number(f[2]),
      ino: Number(f[3]),
      md5: f[4],
    };
    return Number.isFinite(parsed.size) ? parsed : undefined;
  }

  /** The cached MD5 of this file version, if any. */
  get(v: FileVersion): string | undefined {
    const key = this.#key(v.absPath);
    const e = this.#entry(key);
    if (
      e !== undefined && e.size === v.size && e.ino === v.ino &&
      sameTime(e.mtimeMs, v.mtimeMs, 1) && sameTime(e.ctimeMs, v.ctimeMs, 1000)
    ) {
      // a finer clock than the entry's (Node after Deno): record the finer times
      if (finer(e.mtimeMs, v.mtimeMs, 1) || finer(e.ctimeMs, v.ctimeMs, 1000)) this.set(v, e.md5);
      return e.md5;
    }
    return undefined;
  }

  /** Records the MD5 of a file version. */
  set(v: FileVersion, md5: string): void {
    const key = this.#key(v.absPath);
    const e = this.#entry(key);
    if (
      e !== undefined && e.md5 === md5 && e.size === v.size && e.ino === v.ino &&
      e.mtimeMs === v.mtimeMs && e.ctimeMs === v.ctimeMs
    ) return;
    this.#entries.set(key, {
      size: v.size,
      mtimeMs: v.mtimeMs,
      ctimeMs: v.ctimeMs,
      ino: v.ino,
      md5,
    });
    this.#changed.add(key);
  }

  /**
   * The MD5 of a file version: from the cache, or computed and recorded (when the file did
   * not change while it was read: same size as the version, which the caller stat'ed).
   */
  async md5(v: FileVersion, signal?: AbortSignal): Promise<string> {
    const hit = this.get(v);
    if (hit !== undefined) return hit;
    misses++;
    if (v.size <= SMALL) {
      const data = await readFile(v.absPath, { signal });
      const md5 = md5Bytes(data);
      if (data.byteLength === v.size) this.set(v, md5);
      return md5;
    }
    const d = await digestFile(v.absPath, { signal, size: v.size });
    // record only if the file did not change while it was read
    const after = await stat(v.absPath);
    if (
      d.size === v.size && after.size === v.size && after.mtimeMs === v.mtimeMs &&
      after.ino === v.ino
    ) {
      this.set(v, d.md5);
    }
    return d.md5;
  }

  /**
   * Like {@linkcode HashCache.md5} for a small file, from one synchronous read in the calling
   * thread (for tens of thousands of tiny files a fifth of the CPU of the promise API);
   * `undefined` when the file cannot be read (the caller then takes the asynchronous way,
   * which reports the error).
   */
  md5Sync(v: FileVersion): string | undefined {
    const hit = this.get(v);
    if (hit !== undefined) return hit;
    let data: Uint8Array;
    try {
      data = localFs.readFile(v.absPath);
    } catch {
      return undefined;
    }
    misses++;
    const md5 = md5Bytes(data);
    if (data.byteLength === v.size) this.set(v, md5);
    return md5;
  }

  /**
   * What a remote content id (a multipart ETag, or a full-object checksum such as
   * `crc64nvme:<base64>`) was found to be when compared with a local file: the MD5 of that
   * content and, for a multipart ETag, the part size it was uploaded with. Lets the next
   * comparison skip the probing (and, while the local file is unchanged, any reading).
   */
  remoteContent(id: string): { partSize: number; md5: string } | undefined {
    return this.#remote.get(id);
  }

  /** Records what a remote content id is (see {@linkcode HashCache.remoteContent}). */
  setRemoteContent(id: string, md5: string, partSize = 0): void {
    const e = this.#remote.get(id);
    if (e?.partSize === partSize && e.md5 === md5) return;
    this.#remote.set(id, { partSize, md5 });
    this.#remoteChanged.add(id);
  }

  /** Entries added or changed since the cache was opened (not yet saved). */
  get pending(): number {
    return this.#changed.size + this.#remoteChanged.size;
  }

  /**
   * Appends the entries added or changed since the last save (one write), or rewrites the
   * file compacted when superseded lines would outnumber live entries. Never throws.
   */
  async save(): Promise<void> {
    if ((this.#changed.size === 0 && this.#remoteChanged.size === 0) || this.#file === undefined) {
      return;
    }
    const file = this.#file;
    const changed = [...this.#changed];
    this.#changed.clear();
    const remoteChanged = [...this.#remoteChanged];
    this.#remoteChanged.clear();
    let live = this.#entries.size + this.#remote.size;
    for (const key of this.#read.keys()) if (!this.#entries.has(key)) live++;
    const compact = !this.#fileExists ||
      this.#lines + changed.length + remoteChanged.length > 2 * live + 1000;
    const line = (key: string) => {
      const e = this.#entries.get(key)!;
      return `${JSON.stringify(key)}\t${e.size}\t${e.mtimeMs}\t${e.ctimeMs}\t${e.ino}\t${e.md5}\n`;
    };
    const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    let fh: FileHandle | undefined;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      writes++;
      // written in chunks of whole lines as they are formatted: the text of a 100,000-entry
      // cache is never held at once (it was a fifth of a cold plan's peak memory)
      fh = await open(compact ? tmp : file, compact ? "w" : "a");
      let chunk = compact ? `${MAGIC}\t${JSON.stringify(this.#tree)}\n` : "";
      let count = 0;
      const add = async (text: string) => {
        chunk += text;
        count++;
        if (chunk.length >= 1 << 20) {
          await fh!.write(chunk);
          chunk = "";
        }
      };
      if (compact) {
        for (const [key, text] of this.#read) if (!this.#entries.has(key)) await add(`${text}\n`);
        for (const key of this.#entries.keys()) await add(line(key));
      } else {
        for (const key of changed) await add(line(key));
      }
      const remoteKeys = compact ? [...this.#remote.keys()] : remoteChanged;
      for (const id of remoteKeys) {
        const r = this.#remote.get(id)!;
        await add(`${REMOTE}\t${JSON.stringify(id)}\t${r.partSize}\t${r.md5}\n`);
      }
      if (chunk !== "") await fh.write(chunk);
      await fh.close();
      fh = undefined;
      if (compact) {
        await rename(tmp, file);
        this.#fileExists = true;
        this.#lines = count;
        if (Math.random() < 0.05) await pruneStale(path.dirname(file));
      } else {
        this.#lines += count;
      }
    } catch {
      await fh?.close().catch(() => {});
      if (compact) await unlink(tmp).catch(() => {});
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
