/**
 * An in-memory {@linkcode ObjectStore}, for tests and examples. It behaves like S3 where the
 * sync engine can tell: buckets must be created first, the ETag is the MD5 of the content,
 * a wrong `md5` is refused like S3's `Content-MD5` check, conditional writes are honoured.
 *
 * @module
 */

import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, open, readFile, rm } from "node:fs/promises";
import { StorageError } from "../../errors.ts";
import type {
  GetOptions,
  GetResult,
  ObjectStore,
  PutOptions,
  StoreObject,
  UploadBody,
} from "./types.ts";

/**
 * One object held by a {@linkcode MemoryStore}.
 *
 * @example
 * ```ts
 * import type { MemoryObject } from "./memory.ts";
 * const o: MemoryObject = {
 *   data: new TextEncoder().encode("abc"),
 *   etag: "900150983cd24fb0d6963f7d28e17f72",
 *   metadata: { md5: "900150983cd24fb0d6963f7d28e17f72" },
 *   lastModified: new Date(),
 * };
 * ```
 */
export interface MemoryObject {
  /** The content (a private copy). */
  data: Uint8Array;
  /** MD5 of the content, lower-case hex. */
  etag: string;
  /** User metadata including the `md5` entry. */
  metadata: Record<string, string>;
  /** Content type, when one was given. */
  contentType?: string;
  /** Time of the write. */
  lastModified: Date;
  /** Version id, on a versioned bucket. */
  versionId?: string;
}

/**
 * Buckets by name, each a map from key to object. Stores sharing a registry share data.
 *
 * @example
 * ```ts
 * import { MemoryStore, type MemoryRegistry } from "./memory.ts";
 * const registry: MemoryRegistry = new Map();
 * const store = new MemoryStore("b", { registry });
 * ```
 */
export type MemoryRegistry = Map<string, Map<string, MemoryObject>>;

const defaultRegistry: MemoryRegistry = new Map();

/** Every version ever written to a versioned bucket (by its objects map), by version id. */
const versionArchives = new WeakMap<
  Map<string, MemoryObject>,
  Map<string, { key: string; object: MemoryObject }>
>();

/** Chunk size of `get` writes (so progress and abort work like a real stream). */
const CHUNK = 256 * 1024;

/**
 * Removes every bucket of the default registry (tests call it between cases).
 *
 * @example
 * ```ts
 * import { clearMemoryStores } from "./memory.ts";
 * clearMemoryStores();
 * ```
 */
export function clearMemoryStores(): void {
  defaultRegistry.clear();
}

/**
 * Options of {@linkcode MemoryStore}.
 *
 * @example
 * ```ts
 * import type { MemoryStoreOptions } from "./memory.ts";
 * const o: MemoryStoreOptions = { registry: new Map() };
 * ```
 */
export interface MemoryStoreOptions {
  /** Where buckets live; default a module-wide registry shared by all stores. */
  registry?: MemoryRegistry;
}

/**
 * An {@linkcode ObjectStore} keeping objects in memory. Two `new MemoryStore("b")` share the
 * data of bucket `b` (module-wide registry) unless a `registry` is passed.
 *
 * @example
 * ```ts
 * import { MemoryStore } from "accsr/storage";
 * const store = new MemoryStore("demo");
 * await store.createBucket();
 * await store.put("a.txt", { data: new TextEncoder().encode("abc") }, {
 *   md5: "900150983cd24fb0d6963f7d28e17f72",
 * });
 * for await (const o of store.list("")) console.log(o.key, o.size); // a.txt 3
 * ```
 */
export class MemoryStore implements ObjectStore {
  /** Always `"memory"`. */
  readonly provider = "memory";
  /** Bucket name. */
  readonly bucket: string;
  /** `memory://<bucket>`. */
  readonly location: string;
  readonly #registry: MemoryRegistry;

  /** Creates a store for `bucket` (the bucket itself is created by `createBucket`). */
  constructor(bucket: string, options: MemoryStoreOptions = {}) {
    if (typeof bucket !== "string" || bucket === "") {
      throw new TypeError("MemoryStore: bucket must be a non-empty string");
    }
    this.bucket = bucket;
    this.location = `memory://${bucket}`;
    this.#registry = options.registry ?? defaultRegistry;
  }

  /** Creates the bucket; with `existOk: false` an existing bucket is a `BUCKET_EXISTS` error. */
  createBucket(
    options: { existOk?: boolean; versioning?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    return run(() => {
      this.#checkSignal("create bucket", this.location, options.signal);
      if (this.#registry.has(this.bucket)) {
        if (!(options.existOk ?? true)) {
          throw new StorageError(
            `Cannot create bucket "${this.location}": bucket already exists (pass existOk to accept it)`,
            { code: "BUCKET_EXISTS", bucket: this.bucket, statusCode: 409 },
          );
        }
      } else this.#registry.set(this.bucket, new Map());
      const objects = this.#registry.get(this.bucket)!;
      if (options.versioning && !versionArchives.has(objects)) {
        versionArchives.set(objects, new Map());
      }
    });
  }

  /** Every object whose key starts with `prefix`, in key order. */
  async *list(prefix: string, options: { signal?: AbortSignal } = {}): AsyncIterable<StoreObject> {
    const what = `${this.location}/${prefix}`;
    this.#checkSignal("list", what, options.signal);
    const objects = this.#objects("list", what);
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) {
      this.#checkSignal("list", what, options.signal);
      const o = objects.get(key);
      if (o === undefined) continue;
      yield {
        key,
        size: o.data.byteLength,
        etag: o.etag,
        md5: o.etag,
        lastModified: o.lastModified,
      };
    }
  }

  /** The object's properties and metadata (`partNumber` is ignored: whole object). */
  head(
    key: string,
    options: { partNumber?: number; signal?: AbortSignal } = {},
  ): Promise<StoreObject | undefined> {
    return run(() => {
      const what = `${this.location}/${key}`;
      this.#checkSignal("head", what, options.signal);
      const o = this.#objects("head", what).get(key);
      if (o === undefined) return undefined;
      return {
        key,
        size: o.data.byteLength,
        etag: o.etag,
        md5: isMd5(o.metadata.md5) ? o.metadata.md5.toLowerCase() : o.etag,
        lastModified: o.lastModified,
        metadata: { ...o.metadata },
        ...(o.versionId === undefined ? {} : { versionId: o.versionId }),
      };
    });
  }

  /** Stores the body; refuses a wrong `md5` and honours `ifNoneMatch` / `ifMatch`. */
  async put(key: string, body: UploadBody, options: PutOptions): Promise<StoreObject> {
    const what = `${this.location}/${key}`;
    this.#checkSignal("put", what, options.signal, key);
    this.#objects("put", what);
    let data: Uint8Array;
    if ("data" in body) {
      data = new Uint8Array(body.data); // private copy
    } else {
      try {
        data = new Uint8Array(await readFile(body.path, { signal: options.signal }));
      } catch (e) {
        this.#checkSignal("put", what, options.signal, key);
        throw new StorageError(
          `Cannot put "${what}": cannot read "${body.path}": ${(e as Error).message}`,
          { key, bucket: this.bucket, cause: e },
        );
      }
      if (data.byteLength !== body.size) {
        throw new StorageError(
          `Cannot put "${what}": file "${body.path}" has ${data.byteLength} bytes, expected ${body.size} (it changed while uploading; retry)`,
          { key, bucket: this.bucket },
        );
      }
    }
    if (options.bandwidth !== undefined) {
      // "sent" at the run's rate, in chunks as a network store would
      for (let offset = 0; offset < data.byteLength; offset += CHUNK) {
        await options.bandwidth.take(Math.min(CHUNK, data.byteLength - offset), options.signal);
      }
    }
    this.#checkSignal("put", what, options.signal, key);
    const objects = this.#objects("put", what);
    const etag = md5Hex(data);
    if (options.md5.toLowerCase() !== etag) {
      throw new StorageError(
        `Cannot put "${what}": BadDigest: the content does not match the given MD5 ${options.md5} (the file changed while uploading?)`,
        { key, bucket: this.bucket, statusCode: 400 },
      );
    }
    const existing = objects.get(key);
    if (options.ifNoneMatch && existing !== undefined) {
      throw new StorageError(
        `Cannot put "${what}": object already exists (it was written concurrently; compare again)`,
        { code: "PRECONDITION_FAILED", key, bucket: this.bucket, statusCode: 412 },
      );
    }
    if (
      options.ifMatch !== undefined &&
      (existing === undefined || existing.etag !== unquote(options.ifMatch))
    ) {
      throw new StorageError(
        `Cannot put "${what}": object changed since it was listed (compare again)`,
        { code: "PRECONDITION_FAILED", key, bucket: this.bucket, statusCode: 412 },
      );
    }
    const metadata = { ...options.metadata, md5: options.md5.toLowerCase() };
    const lastModified = new Date();
    const archive = versionArchives.get(objects);
    const versionId = archive === undefined ? undefined : randomBytes(16).toString("hex");
    const stored: MemoryObject = {
      data,
      etag,
      metadata,
      contentType: options.contentType,
      lastModified,
      ...(versionId === undefined ? {} : { versionId }),
    };
    objects.set(key, stored);
    if (versionId !== undefined) archive!.set(versionId, { key, object: stored });
    options.onProgress?.(data.byteLength);
    return {
      key,
      size: data.byteLength,
      etag,
      md5: etag,
      lastModified,
      metadata: { ...metadata },
      ...(versionId === undefined ? {} : { versionId }),
    };
  }

  /** Writes the object into `destinationPath` in chunks (progress per chunk; abortable). */
  async get(key: string, destinationPath: string, options: GetOptions = {}): Promise<GetResult> {
    const what = `${this.location}/${key}`;
    this.#checkSignal("get", what, options.signal, key);
    const objects = this.#objects("get", what);
    const version = options.versionId === undefined
      ? undefined
      : versionArchives.get(objects)?.get(options.versionId);
    const o = options.versionId === undefined
      ? objects.get(key)
      : version?.key === key
      ? version.object
      : undefined;
    if (o === undefined) {
      throw new StorageError(`Cannot get "${what}": object does not exist (check the key)`, {
        code: "NOT_FOUND",
        key,
        bucket: this.bucket,
        statusCode: 404,
      });
    }
    const data = o.data;
    const hash = createHash("md5");
    let out: FileHandle | undefined;
    try {
      out = await open(destinationPath, "w");
      for (let offset = 0; offset < data.byteLength; offset += CHUNK) {
        this.#checkSignal("get", what, options.signal, key);
        const chunk = data.subarray(offset, Math.min(offset + CHUNK, data.byteLength));
        hash.update(chunk);
        await options.bandwidth?.take(chunk.byteLength, options.signal);
        await out.write(chunk);
        options.onProgress?.(chunk.byteLength);
      }
      this.#checkSignal("get", what, options.signal, key);
      await out.close();
      out = undefined;
    } catch (e) {
      await out?.close().catch(() => {});
      await rm(destinationPath, { force: true }).catch(() => {});
      if (e instanceof StorageError) throw e;
      throw new StorageError(
        `Cannot get "${what}": cannot write "${destinationPath}": ${(e as Error).message}`,
        { key, bucket: this.bucket, cause: e },
      );
    }
    return { size: data.byteLength, md5: hash.digest("hex") };
  }

  /** Deletes the keys; missing keys are ignored. */
  delete(keys: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    return run(() => {
      if (keys.length === 0) return;
      const what = `${this.location}/${keys[0]}`;
      this.#checkSignal("delete", what, options.signal);
      const objects = this.#objects("delete", what);
      for (const key of keys) objects.delete(key);
    });
  }

  /** Nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** `memory://<bucket>`. */
  toString(): string {
    return this.location;
  }

  /** What `JSON.stringify` shows. */
  toJSON(): { provider: string; bucket: string; location: string } {
    return { provider: this.provider, bucket: this.bucket, location: this.location };
  }

  #objects(action: string, what: string): Map<string, MemoryObject> {
    const objects = this.#registry.get(this.bucket);
    if (objects === undefined) {
      throw new StorageError(
        `Cannot ${action} "${what}": bucket does not exist (run \`accsr create-bucket\`)`,
        { code: "BUCKET_NOT_FOUND", bucket: this.bucket, statusCode: 404 },
      );
    }
    return objects;
  }

  #checkSignal(action: string, what: string, signal?: AbortSignal, key?: string): void {
    if (signal?.aborted) {
      throw new StorageError(`Cannot ${action} "${what}": aborted`, {
        code: "ABORTED",
        key,
        bucket: this.bucket,
        cause: signal.reason,
      });
    }
  }
}

/** Runs `fn`, turning a synchronous throw into a rejected promise. */
function run<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

function md5Hex(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

function isMd5(value: string | undefined): value is string {
  return value !== undefined && /^[0-9a-fA-F]{32}$/.test(value);
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}
