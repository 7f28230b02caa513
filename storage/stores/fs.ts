/**
 * A local directory acting as an object store: `<root>/<bucket>/<key>`. Each object's MD5,
 * metadata, size, mtime and inode are recorded beside the tree in
 * `<root>/.accsr-meta/<bucket>/objects/`, so listings never re-hash unchanged files. Writes
 * go to a temporary file in `<root>/.accsr-meta/<bucket>/tmp/` and are renamed into place
 * (atomic); create-only writes use a hard link, so they never clobber.
 *
 * @module
 */
import { takeAll } from "../bandwidth.ts";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import type { Dirent, Stats } from "node:fs";
import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rmdir,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import * as path from "node:path";
import process from "node:process";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StorageError } from "../../errors.ts";
import { unsafeKeyReason } from "../keys.ts";
import { processAlive } from "../temp_files.ts";
import type {
  CleanupEntry,
  GetOptions,
  GetResult,
  ObjectStore,
  PutOptions,
  StoreCleanupOptions,
  StoreObject,
  UploadBody,
} from "./types.ts";

interface Sidecar {
  md5: string;
  size: number;
  mtimeMs: number;
  /** Inode of the recorded version (a rename keeps it; a rewrite by another writer does not). */
  ino: number;
  metadata?: Record<string, string>;
  contentType?: string;
  /** Version id (versioned bucket): `<meta>/versions/<id>` is a hard link to this content. */
  versionId?: string;
}

const META_DIR = ".accsr-meta";
/** Files hashed in parallel while listing one folder. */
const LIST_CONCURRENCY = 16;

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/** Tails of the write queues per object path (conditional writes of one key run one by one). */
const keyLocks = new Map<string, Promise<unknown>>();

async function withKeyLock<T>(target: string, fn: () => Promise<T>): Promise<T> {
  const previous = keyLocks.get(target) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => {});
  keyLocks.set(target, tail);
  try {
    return await run;
  } finally {
    if (keyLocks.get(target) === tail) keyLocks.delete(target);
  }
}

/**
 * A temporary file name below `tmp/`: `<pid>-<24 hex>`, so that `cleanup` can tell the files
 * of a running writer from those of one that died.
 */
function tmpName(): string {
  return `${process.pid}-${randomBytes(12).toString("hex")}`;
}

function errCode(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

/**
 * Object store on a local directory.
 *
 * @example
 * ```ts
 * import { FileStore } from "accsr/storage";
 * const store = new FileStore("/tmp/accsr-store", "my-bucket");
 * await store.createBucket();
 * await store.put("a.txt", { data: new TextEncoder().encode("abc") }, { md5: "900150983cd24fb0d6963f7d28e17f72" });
 * for await (const o of store.list("")) console.log(o.key, o.md5);
 * ```
 */
export class FileStore implements ObjectStore {
  /** Always `"file"`. */
  readonly provider = "file";
  /** Bucket name (a folder below `root`). */
  readonly bucket: string;
  /** Absolute root folder holding the buckets. */
  readonly root: string;

  /** Creates a store for `bucket` below the folder `root`. */
  constructor(root: string, bucket: string) {
    this.root = path.resolve(root);
    this.bucket = bucket;
  }

  /** `file://<root>/<bucket>`. */
  get location(): string {
    return `file://${path.join(this.root, this.bucket)}`;
  }

  get #bucketDir(): string {
    return path.join(this.root, this.bucket);
  }

  get #metaDir(): string {
    return path.join(this.root, META_DIR, this.bucket);
  }

  #objectPath(key: string): string {
    const reason = unsafeKeyReason(key);
    if (reason !== undefined) {
      throw new StorageError(
        `Cannot use key "${key}" in ${this.location}: it ${reason} (the file store needs path-safe keys)`,
        { code: "INVALID_KEY", key, bucket: this.bucket },
      );
    }
    return path.join(this.#bucketDir, ...key.split("/"));
  }

  /**
   * Where the record of `key` lives: folders get the suffix `.d` and records `.json`, so the
   * record of `x` (`x.json`) never collides with the folder of `x.json/y` (`x.json.d/`).
   */
  #sidecarPath(key: string): string {
    const segments = key.split("/");
    const last = segments.pop()!;
    return path.join(this.#metaDir, "objects", ...segments.map((s) => `${s}.d`), `${last}.json`);
  }

  /** Writes a record atomically; best effort (a missing record only costs a re-hash). */
  async #writeSidecar(key: string, sc: Sidecar): Promise<void> {
    const p = this.#sidecarPath(key);
    const tmp = path.join(this.#metaDir, "tmp", `${tmpName()}.json`);
    try {
      await mkdir(path.dirname(p), { recursive: true });
      await mkdir(path.dirname(tmp), { recursive: true });
      await writeFile(tmp, JSON.stringify(sc));
      await rename(tmp, p);
    } catch {
      await unlink(tmp).catch(() => {});
    }
  }

  /** Removes the folders above `file` that are empty, up to (not including) `stopAt`. */
  async #pruneEmpty(file: string, stopAt: string): Promise<void> {
    let dir = path.dirname(file);
    while (dir.startsWith(stopAt + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = path.dirname(dir);
    }
  }

  async #requireBucket(action: string, what: string): Promise<void> {
    try {
      if ((await stat(this.#bucketDir)).isDirectory()) return;
    } catch { /* fall through */ }
    throw new StorageError(
      `Cannot ${action} "${what}" in ${this.location}: bucket does not exist (run \`accsr create-bucket\`)`,
      { code: "BUCKET_NOT_FOUND", bucket: this.bucket, statusCode: 404 },
    );
  }

  /** The folder of a versioned bucket's versions (hard links, by version id). */
  get #versionsDir(): string {
    return path.join(this.#metaDir, "versions");
  }

  /** Whether the bucket keeps versions (`createBucket({ versioning: true })`). */
  async #versioned(): Promise<boolean> {
    return await stat(this.#versionsDir).then((s) => s.isDirectory(), () => false);
  }

  /**
   * Creates the bucket folder; with `versioning`, every later write keeps its content as a
   * version (a hard link below `<root>/.accsr-meta/<bucket>/versions/`), which deletes and
   * overwrites leave in place.
   */
  async createBucket(options: { existOk?: boolean; versioning?: boolean } = {}): Promise<void> {
    const existOk = options.existOk ?? true;
    await mkdir(this.root, { recursive: true });
    try {
      await mkdir(this.#bucketDir);
    } catch (e) {
      if (errCode(e) !== "EEXIST") throw this.#wrap(e, "create bucket", this.bucket);
      if (!existOk) {
        throw new StorageError(
          `Cannot create bucket "${this.bucket}" in ${this.location}: it already exists (pass existOk to accept it)`,
          { code: "BUCKET_EXISTS", bucket: this.bucket, statusCode: 409 },
        );
      }
    }
    await mkdir(path.join(this.#metaDir, "tmp"), { recursive: true });
    if (options.versioning) await mkdir(this.#versionsDir, { recursive: true });
  }

  /**
   * The record of `key` if it describes the file version `st` (same size, mtime and inode),
   * else the MD5 hashed anew (and recorded, keeping the metadata of an outdated record).
   */
  async #readSidecar(key: string, st: Stats, signal?: AbortSignal): Promise<Sidecar> {
    let old: Sidecar | undefined;
    try {
      old = JSON.parse(await readFile(this.#sidecarPath(key), "utf8")) as Sidecar;
      if (old.size === st.size && old.mtimeMs === st.mtimeMs && old.ino === st.ino) return old;
    } catch { /* missing or unreadable: recompute */ }
    // hash through one handle, and describe the version that handle reads (another writer
    // may have renamed a new version into place since `st` was taken)
    const fh = await open(this.#objectPath(key), "r");
    const hash = createHash("md5");
    let now: Stats;
    try {
      now = await fh.stat();
      if (!now.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
      for await (const chunk of fh.createReadStream({ autoClose: false })) {
        if (signal?.aborted) throw abortError(signal);
        hash.update(chunk as Uint8Array);
      }
    } finally {
      await fh.close();
    }
    const s: Sidecar = {
      md5: hash.digest("hex"),
      size: now.size,
      mtimeMs: now.mtimeMs,
      ino: now.ino,
      ...(old?.metadata === undefined ? {} : { metadata: old.metadata }),
      ...(old?.contentType === undefined ? {} : { contentType: old.contentType }),
    };
    await this.#writeSidecar(key, s); // a read-only store is fine, just slower next time
    return s;
  }

  async #toObject(
    key: string,
    abs: string,
    signal?: AbortSignal,
  ): Promise<StoreObject | undefined> {
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return undefined;
      throw this.#wrap(e, "read", key);
    }
    if (!st.isFile()) return undefined;
    let sc;
    try {
      sc = await this.#readSidecar(key, st, signal);
    } catch (e) {
      // removed between stat and read: gone
      if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return undefined;
      throw this.#wrap(e, "read", key);
    }
    return {
      key,
      size: sc.size,
      etag: sc.md5,
      md5: sc.md5,
      lastModified: new Date(sc.mtimeMs),
      metadata: { ...sc.metadata, md5: sc.md5 },
      ...(sc.versionId === undefined ? {} : { versionId: sc.versionId }),
    };
  }

  /** Every object whose key starts with `prefix`. */
  async *list(prefix: string, options: { signal?: AbortSignal } = {}): AsyncIterable<StoreObject> {
    const signal = options.signal;
    if (signal?.aborted) throw this.#wrap(abortError(signal), "list", prefix);
    await this.#requireBucket("list", prefix);
    const slash = prefix.lastIndexOf("/");
    const dirKey = slash === -1 ? "" : prefix.slice(0, slash);
    if (dirKey !== "" && unsafeKeyReason(dirKey) !== undefined) return;
    const start = dirKey === ""
      ? this.#bucketDir
      : path.join(this.#bucketDir, ...dirKey.split("/"));
    const stack: [string, string][] = [[start, dirKey]];
    while (stack.length > 0) {
      if (signal?.aborted) throw this.#wrap(abortError(signal), "list", prefix);
      const [abs, key] = stack.pop()!;
      let entries: Dirent[];
      try {
        entries = await readdir(abs, { withFileTypes: true });
      } catch (e) {
        if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") continue;
        throw this.#wrap(e, "list", prefix);
      }
      const files: [string, string][] = [];
      for (const e of entries) {
        const k = key === "" ? e.name : `${key}/${e.name}`;
        if (e.isDirectory()) {
          if (k.startsWith(prefix) || prefix.startsWith(k + "/")) {
            stack.push([path.join(abs, e.name), k]);
          }
        } else if (k.startsWith(prefix)) files.push([k, path.join(abs, e.name)]);
      }
      // a bounded number of files at a time: a huge folder of new files must not exhaust
      // file descriptors while they are hashed
      for (let i = 0; i < files.length; i += LIST_CONCURRENCY) {
        let batch: (StoreObject | undefined)[];
        try {
          batch = await Promise.all(
            files.slice(i, i + LIST_CONCURRENCY).map(([k, p]) => this.#toObject(k, p, signal)),
          );
        } catch (e) {
          throw this.#wrap(e, "list", prefix);
        }
        for (const o of batch) if (o !== undefined) yield o;
      }
    }
  }

  /** One object's properties (`partNumber` is ignored: file objects have no parts). */
  async head(
    key: string,
    options: { partNumber?: number; signal?: AbortSignal } = {},
  ): Promise<StoreObject | undefined> {
    const target = this.#objectPath(key);
    if (options.signal?.aborted) throw this.#wrap(abortError(options.signal), "read", key);
    await this.#requireBucket("read", key);
    try {
      return await this.#toObject(key, target, options.signal);
    } catch (e) {
      throw this.#wrap(e, "read", key);
    }
  }

  /**
   * Writes an object atomically: the content goes to a temporary file below
   * `<root>/.accsr-meta/<bucket>/tmp/`, is checked against `options.md5` and is then renamed
   * into place — or hard-linked for create-only writes, which therefore never clobber.
   * `ifMatch` is checked just before the rename (not atomically with it).
   */
  async put(key: string, body: UploadBody, options: PutOptions): Promise<StoreObject> {
    const target = this.#objectPath(key);
    await this.#requireBucket("write", key);
    const tmpDir = path.join(this.#metaDir, "tmp");
    const tmp = path.join(tmpDir, tmpName());
    try {
      await mkdir(tmpDir, { recursive: true });
      const hash = createHash("md5");
      if ("data" in body) {
        options.signal?.throwIfAborted();
        hash.update(body.data);
        await takeAll(options.bandwidth, body.data.byteLength, options.signal);
        await writeFile(tmp, body.data, { signal: options.signal });
        options.onProgress?.(body.data.byteLength);
      } else {
        await pipeline(
          createReadStream(body.path),
          new Transform({
            transform(chunk: Uint8Array, _enc, cb) {
              hash.update(chunk);
              options.onProgress?.(chunk.byteLength);
              if (options.bandwidth === undefined) cb(null, chunk);
              else {
                options.bandwidth.take(chunk.byteLength, options.signal).then(
                  () => cb(null, chunk),
                  cb,
                );
              }
            },
          }),
          createWriteStream(tmp),
          { signal: options.signal },
        );
      }
      const md5 = hash.digest("hex");
      if (md5 !== options.md5) {
        throw new StorageError(
          `Cannot write "${key}" to ${this.location}: content MD5 ${md5} differs from the declared ${options.md5} (the source changed while it was read; retry)`,
          { code: "BAD_DIGEST", key, bucket: this.bucket, statusCode: 400 },
        );
      }
      // rename and link keep mtime and inode: this identifies the version in the record
      const written = await stat(tmp);
      let versionId: string | undefined;
      if (await this.#versioned()) {
        versionId = randomBytes(16).toString("hex");
        await link(tmp, path.join(this.#versionsDir, versionId));
      }
      // Check and replace as one step per key (in this process), or two concurrent
      // If-Match writes could both pass the check and one update would be lost.
      await withKeyLock(target, async () => {
        if (options.ifMatch !== undefined) {
          const current = await this.#toObject(key, target, options.signal);
          if (current?.etag !== options.ifMatch) {
            throw this.#precondition(key, "it changed since it was listed");
          }
        }
        options.signal?.throwIfAborted();
        await this.#place(key, tmp, target, options.ifNoneMatch === true);
        await this.#writeSidecar(key, {
          md5,
          size: written.size,
          mtimeMs: written.mtimeMs,
          ino: written.ino,
          metadata: options.metadata,
          contentType: options.contentType,
          ...(versionId === undefined ? {} : { versionId }),
        });
      });
      return {
        key,
        size: written.size,
        etag: md5,
        md5,
        lastModified: written.mtime,
        metadata: { ...options.metadata, md5 },
        ...(versionId === undefined ? {} : { versionId }),
      };
    } catch (e) {
      await unlink(tmp).catch(() => {});
      await this.#pruneEmpty(target, this.#bucketDir); // folders made for a failed write
      throw this.#wrap(e, "write", key);
    }
  }

  /** Moves the finished temporary file to the object's path. */
  async #place(key: string, tmp: string, target: string, createOnly: boolean): Promise<void> {
    for (let attempt = 0;; attempt++) {
      try {
        await mkdir(path.dirname(target), { recursive: true });
        if (createOnly) {
          await link(tmp, target);
          await unlink(tmp).catch(() => {});
        } else {
          await rename(tmp, target);
        }
        return;
      } catch (e) {
        // a concurrent delete pruned the fresh folder between mkdir and rename: again
        if (errCode(e) === "ENOENT" && attempt < 3) continue;
        if (createOnly && errCode(e) === "EEXIST") {
          const isDir = await stat(target).then((s) => s.isDirectory(), () => false);
          if (!isDir) throw this.#precondition(key, "it already exists");
        }
        throw this.#wrap(e, "write", key);
      }
    }
  }

  /** Streams an object into `destinationPath`, computing its MD5. */
  async get(key: string, destinationPath: string, options: GetOptions = {}): Promise<GetResult> {
    await this.#requireBucket("read", key);
    const current = this.#objectPath(key);
    const src = options.versionId === undefined
      ? current
      : /^[0-9a-f]{32}$/.test(options.versionId)
      ? path.join(this.#versionsDir, options.versionId)
      : path.join(this.#versionsDir, "invalid");
    const hash = createHash("md5");
    let size = 0;
    try {
      await pipeline(
        createReadStream(src),
        new Transform({
          transform(chunk: Uint8Array, _enc, cb) {
            hash.update(chunk);
            size += chunk.byteLength;
            options.onProgress?.(chunk.byteLength);
            if (options.bandwidth === undefined) cb(null, chunk);
            else {
              options.bandwidth.take(chunk.byteLength, options.signal).then(
                () => cb(null, chunk),
                cb,
              );
            }
          },
        }),
        createWriteStream(destinationPath),
        { signal: options.signal },
      );
    } catch (e) {
      if (errCode(e) === "ENOENT" || errCode(e) === "EISDIR") {
        // distinguish a missing object from a missing destination folder
        const exists = await stat(src).then((s) => s.isFile(), () => false);
        if (!exists) {
          throw new StorageError(`Cannot read "${key}" from ${this.location}: no such object`, {
            code: "NOT_FOUND",
            key,
            bucket: this.bucket,
            statusCode: 404,
            cause: e,
          });
        }
      }
      throw this.#wrap(e, "read", key);
    }
    return { size, md5: hash.digest("hex") };
  }

  /**
   * Deletes objects, their records, and the folders left empty. Missing keys — also keys
   * that no file could have, like `../x` — are skipped.
   */
  async delete(keys: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#requireBucket("delete", keys[0] ?? "");
    for (const key of keys) {
      if (options.signal?.aborted) throw this.#wrap(abortError(options.signal), "delete", key);
      if (unsafeKeyReason(key) !== undefined) continue;
      const p = this.#objectPath(key);
      try {
        await unlink(p);
      } catch (e) {
        const code = errCode(e);
        if (code === "EISDIR" || code === "EPERM") {
          // a folder is no object (unlink of a folder: EISDIR on Linux, EPERM on macOS)
          if (await stat(p).then((s) => s.isDirectory(), () => false)) continue;
          throw this.#wrap(e, "delete", key);
        }
        if (code !== "ENOENT" && code !== "ENOTDIR") throw this.#wrap(e, "delete", key);
      }
      const record = this.#sidecarPath(key);
      await unlink(record).catch(() => {});
      await this.#pruneEmpty(p, this.#bucketDir);
      await this.#pruneEmpty(record, path.join(this.#metaDir, "objects"));
    }
  }

  /** Nothing to release. */
  /**
   * Removes the store's temporary files (`<root>/.accsr-meta/<bucket>/tmp/`) last written at
   * least `olderThanMs` ago by a process that no longer runs (names without a pid: by age
   * alone). `prefix` does not apply: the files are not tied to a key.
   */
  async cleanup(_prefix: string, options: StoreCleanupOptions): Promise<CleanupEntry[]> {
    const dir = path.join(this.#metaDir, "tmp");
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const cutoff = Date.now() - options.olderThanMs;
    const found: CleanupEntry[] = [];
    for (const name of names) {
      if (options.signal?.aborted) throw abortError(options.signal);
      const p = path.join(dir, name);
      const pid = /^(\d+)-/.exec(name)?.[1];
      if (pid !== undefined && processAlive(Number(pid))) continue;
      let st: Stats;
      try {
        st = await stat(p);
      } catch {
        continue;
      }
      if (!st.isFile() || st.mtimeMs > cutoff) continue;
      if (!options.dryrun) {
        try {
          await unlink(p);
        } catch {
          continue;
        }
      }
      found.push({ kind: "temporary_file", path: p, started: st.mtime });
    }
    return found;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #precondition(key: string, state: string): StorageError {
    return new StorageError(
      `Cannot write "${key}" to ${this.location}: ${state} (another writer was faster; plan again)`,
      { code: "PRECONDITION_FAILED", key, bucket: this.bucket, statusCode: 412 },
    );
  }

  #wrap(e: unknown, action: string, key: string): StorageError {
    if (e instanceof StorageError) return e;
    const code = errCode(e);
    if (code === "ABORT_ERR" || (e as Error)?.name === "AbortError") {
      return new StorageError(`Cannot ${action} "${key}" in ${this.location}: aborted`, {
        code: "ABORTED",
        key,
        bucket: this.bucket,
        cause: e,
      });
    }
    const state = code === "EACCES"
      ? "permission denied (check folder permissions)"
      : code === "ENOTDIR" || code === "EEXIST" || code === "EISDIR"
      ? "a file and a folder collide on this key (the file store cannot hold both `a` and `a/b`)"
      : `${(e as Error)?.message ?? String(e)}`;
    return new StorageError(`Cannot ${action} "${key}" in ${this.location}: ${state}`, {
      code: "STORAGE_ERROR",
      key,
      bucket: this.bucket,
      cause: e,
    });
  }
}
