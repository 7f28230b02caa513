/**
 * A local directory acting as an object store: `<root>/<bucket>/<key>`. Each object's MD5,
 * metadata, size and mtime are recorded beside the tree in `<root>/.accsr-meta/<bucket>/`,
 * so listings never re-hash unchanged files. Writes go to a temporary file and are renamed
 * into place (atomic); create-only writes use a hard link, so they never clobber.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import type { Dirent } from "node:fs";
import {
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  rmdir,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import * as path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StorageError } from "../../errors.ts";
import { unsafeKeyReason } from "../keys.ts";
import type {
  GetOptions,
  GetResult,
  ObjectStore,
  PutOptions,
  StoreObject,
  UploadBody,
} from "./types.ts";

interface Sidecar {
  md5: string;
  size: number;
  mtimeMs: number;
  metadata?: Record<string, string>;
  contentType?: string;
}

const META_DIR = ".accsr-meta";

function errCode(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

/**
 * Object store on a local directory.
 *
 * @example
 * ```ts
 * import { FileStore } from "./fs.ts";
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

  #sidecarPath(key: string): string {
    return path.join(this.#metaDir, "objects", ...key.split("/")) + ".json";
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

  /** Creates the bucket folder. */
  async createBucket(options: { existOk?: boolean } = {}): Promise<void> {
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
  }

  async #readSidecar(key: string, size: number, mtimeMs: number): Promise<Sidecar> {
    try {
      const s = JSON.parse(await readFile(this.#sidecarPath(key), "utf8")) as Sidecar;
      if (s.size === size && s.mtimeMs === mtimeMs) return s;
    } catch { /* missing or stale: recompute */ }
    const hash = createHash("md5");
    for await (const chunk of createReadStream(this.#objectPath(key))) {
      hash.update(chunk as Uint8Array);
    }
    const s: Sidecar = { md5: hash.digest("hex"), size, mtimeMs };
    try {
      await mkdir(path.dirname(this.#sidecarPath(key)), { recursive: true });
      await writeFile(this.#sidecarPath(key), JSON.stringify(s));
    } catch { /* read-only store: fine, just slower next time */ }
    return s;
  }

  async #toObject(key: string, abs: string): Promise<StoreObject | undefined> {
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") return undefined;
      throw this.#wrap(e, "read", key);
    }
    if (!st.isFile()) return undefined;
    const sc = await this.#readSidecar(key, st.size, st.mtimeMs);
    return {
      key,
      size: st.size,
      etag: sc.md5,
      md5: sc.md5,
      lastModified: st.mtime,
      metadata: { ...sc.metadata, md5: sc.md5 },
    };
  }

  /** Every object whose key starts with `prefix`. */
  async *list(prefix: string): AsyncIterable<StoreObject> {
    await this.#requireBucket("list", prefix);
    const slash = prefix.lastIndexOf("/");
    const dirKey = slash === -1 ? "" : prefix.slice(0, slash);
    if (dirKey !== "" && unsafeKeyReason(dirKey) !== undefined) return;
    const start = dirKey === ""
      ? this.#bucketDir
      : path.join(this.#bucketDir, ...dirKey.split("/"));
    const stack: [string, string][] = [[start, dirKey]];
    while (stack.length > 0) {
      const [abs, key] = stack.pop()!;
      let entries: Dirent[];
      try {
        entries = await readdir(abs, { withFileTypes: true });
      } catch (e) {
        if (errCode(e) === "ENOENT" || errCode(e) === "ENOTDIR") continue;
        throw this.#wrap(e, "list", prefix);
      }
      const batch: Promise<StoreObject | undefined>[] = [];
      for (const e of entries) {
        const k = key === "" ? e.name : `${key}/${e.name}`;
        if (e.isDirectory()) {
          if (k.startsWith(prefix) || prefix.startsWith(k + "/")) {
            stack.push([path.join(abs, e.name), k]);
          }
        } else if (k.startsWith(prefix)) batch.push(this.#toObject(k, path.join(abs, e.name)));
      }
      for (const o of await Promise.all(batch)) if (o !== undefined) yield o;
    }
  }

  /** One object's properties (`partNumber` is ignored: file objects have no parts). */
  async head(key: string): Promise<StoreObject | undefined> {
    await this.#requireBucket("read", key);
    return await this.#toObject(key, this.#objectPath(key));
  }

  /** Writes an object atomically (temporary file + rename, or hard link for create-only). */
  async put(key: string, body: UploadBody, options: PutOptions): Promise<StoreObject> {
    await this.#requireBucket("write", key);
    const target = this.#objectPath(key);
    const tmpDir = path.join(this.#metaDir, "tmp");
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, randomBytes(12).toString("hex"));
    try {
      const hash = createHash("md5");
      if ("data" in body) {
        options.signal?.throwIfAborted();
        hash.update(body.data);
        await writeFile(tmp, body.data, { signal: options.signal });
        options.onProgress?.(body.data.byteLength);
      } else {
        await pipeline(
          createReadStream(body.path),
          new Transform({
            transform(chunk: Uint8Array, _enc, cb) {
              hash.update(chunk);
              options.onProgress?.(chunk.byteLength);
              cb(null, chunk);
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
      await mkdir(path.dirname(target), { recursive: true }).catch((e) => {
        throw this.#wrap(e, "write", key);
      });
      const current = await this.#toObject(key, target);
      if (options.ifMatch !== undefined && current?.etag !== options.ifMatch) {
        throw this.#precondition(key, "it changed since it was listed");
      }
      if (options.ifNoneMatch) {
        try {
          await link(tmp, target);
        } catch (e) {
          if (errCode(e) === "EEXIST") throw this.#precondition(key, "it already exists");
          throw this.#wrap(e, "write", key);
        }
        await unlink(tmp);
      } else {
        await rename(tmp, target).catch((e) => {
          throw this.#wrap(e, "write", key);
        });
      }
      const st = await stat(target);
      const sc: Sidecar = {
        md5,
        size: st.size,
        mtimeMs: st.mtimeMs,
        metadata: options.metadata,
        contentType: options.contentType,
      };
      await mkdir(path.dirname(this.#sidecarPath(key)), { recursive: true });
      await writeFile(this.#sidecarPath(key), JSON.stringify(sc));
      return {
        key,
        size: st.size,
        etag: md5,
        md5,
        lastModified: st.mtime,
        metadata: { ...options.metadata, md5 },
      };
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw this.#wrap(e, "write", key);
    }
  }

  /** Streams an object into `destinationPath`, computing its MD5. */
  async get(key: string, destinationPath: string, options: GetOptions = {}): Promise<GetResult> {
    await this.#requireBucket("read", key);
    const src = this.#objectPath(key);
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
            cb(null, chunk);
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

  /** Deletes objects, their records, and folders left empty. */
  async delete(keys: readonly string[]): Promise<void> {
    await this.#requireBucket("delete", keys[0] ?? "");
    for (const key of keys) {
      const p = this.#objectPath(key);
      try {
        await unlink(p);
      } catch (e) {
        if (errCode(e) !== "ENOENT" && errCode(e) !== "ENOTDIR") throw this.#wrap(e, "delete", key);
      }
      await unlink(this.#sidecarPath(key)).catch(() => {});
      let dir = path.dirname(p);
      while (dir.startsWith(this.#bucketDir + path.sep)) {
        try {
          await rmdir(dir);
        } catch {
          break;
        }
        dir = path.dirname(dir);
      }
    }
  }

  /** Nothing to release. */
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
