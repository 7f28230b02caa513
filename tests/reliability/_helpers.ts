/**
 * Shared helpers of the reliability tests: temporary trees, MD5 maps of folders and buckets,
 * leftover detection, an admin S3 client, bucket clean-up and a store wrapper for fault
 * injection.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import process from "node:process";
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { FileStore } from "../../storage/stores/fs.ts";
import { MemoryStore } from "../../storage/stores/memory.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import type { ObjectStore } from "../../storage/stores/types.ts";
import { s3SkipReason, s3TestConfig, uniqueBucketName } from "../storage/_s3_env.ts";

/** Events that keep the engine quiet. */
export const QUIET = { log: () => {} };

/** MD5 (hex) of a file, streamed. */
export function md5File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("md5");
    createReadStream(path).on("data", (c) => h.update(c)).on("error", reject).on(
      "end",
      () => resolve(h.digest("hex")),
    );
  });
}

/** MD5 (hex) of bytes. */
export function md5Of(data: Uint8Array | string): string {
  return createHash("md5").update(data).digest("hex");
}

/** Every file below `dir` (relative POSIX path → MD5), sorted by path. */
export async function treeMd5(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[relative(dir, p).split(sep).join("/")] = await md5File(p);
    }
  };
  await walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a < b ? -1 : 1));
}

/** Paths below `dir` that look like temporary files of a transfer (`*.part`, `.accsr-`). */
export async function leftovers(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.name.endsWith(".part") || e.name.includes(".accsr-")) found.push(p);
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return found;
}

/** Writes `count` random files of `size` bytes as `<dir>/<prefix><i>.bin`. */
export async function randomFiles(
  dir: string,
  count: number,
  size: number,
  prefix = "f",
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await writeFile(join(dir, `${prefix}${String(i).padStart(3, "0")}.bin`), randomBytes(size));
  }
}

/** Writes a file (creating its folder). */
export async function put(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

/** Object key → MD5 of its content, read through a store. */
export async function storeMd5(
  store: ObjectStore,
  prefix: string,
  tmpFile: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  keys.sort();
  for (const k of keys) out[k] = (await store.get(k, tmpFile)).md5;
  return out;
}

/** A plain SDK client for checks the store does not offer (multipart listings, clean-up). */
export function adminClient(endpoint: string, key: string, secret: string): S3Client {
  return new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: key, secretAccessKey: secret },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Open (neither completed nor aborted) multipart uploads of a bucket. */
export async function openUploads(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
}

/** Deletes every object and the bucket; ignores a missing bucket. */
export async function dropBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    for (let page = 0; page < 100; page++) {
      const l = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (l.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) break;
      await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
      );
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch {
    // best effort
  }
}

/** Awaits `p` and returns what it rejected with; fails when it resolves. */
export async function rejectionOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * An {@linkcode ObjectStore} that delegates to `inner` and lets a test hook into calls
 * (fault injection).
 *
 * @example
 * ```ts
 * import { HookedStore } from "./_helpers.ts";
 * import { MemoryStore } from "../../storage/stores/memory.ts";
 * const store = new HookedStore(new MemoryStore("b"), { beforePut: async (key) => console.log(key) });
 * ```
 */
export class HookedStore implements ObjectStore {
  readonly provider: string;
  readonly bucket: string;
  readonly location: string;
  readonly inner: ObjectStore;
  readonly hooks: {
    beforePut?: (key: string, options: Parameters<ObjectStore["put"]>[2]) => Promise<void>;
    afterPut?: (key: string) => Promise<void>;
    beforeGet?: (key: string, destination: string) => Promise<void>;
  };

  /** Wraps `inner`. */
  constructor(inner: ObjectStore, hooks: HookedStore["hooks"]) {
    this.inner = inner;
    this.hooks = hooks;
    this.provider = inner.provider;
    this.bucket = inner.bucket;
    this.location = inner.location;
  }
  createBucket(o?: { existOk?: boolean; signal?: AbortSignal }): Promise<void> {
    return this.inner.createBucket(o);
  }
  list(prefix: string, o?: { signal?: AbortSignal }) {
    return this.inner.list(prefix, o);
  }
  head(key: string, o?: { partNumber?: number; signal?: AbortSignal }) {
    return this.inner.head(key, o);
  }
  async put(
    key: string,
    body: Parameters<ObjectStore["put"]>[1],
    options: Parameters<ObjectStore["put"]>[2],
  ) {
    await this.hooks.beforePut?.(key, options);
    const r = await this.inner.put(key, body, options);
    await this.hooks.afterPut?.(key);
    return r;
  }
  async get(key: string, destination: string, o?: Parameters<ObjectStore["get"]>[2]) {
    await this.hooks.beforeGet?.(key, destination);
    return await this.inner.get(key, destination, o);
  }
  delete(keys: readonly string[], o?: { signal?: AbortSignal }) {
    return this.inner.delete(keys, o);
  }
  close() {
    return this.inner.close();
  }
}

/**
 * Makes fresh, empty (created) stores of one kind — `memory`, `file` or, when `S3_ENDPOINT`
 * is set, `s3` — and removes them all in {@linkcode StoreKind.cleanup}.
 */
export interface StoreKind {
  name: "memory" | "file" | "s3";
  make(): Promise<ObjectStore>;
  cleanup(): Promise<void>;
}

/** The store kinds available here (S3 only with `S3_ENDPOINT`; the reason is printed). */
export function storeKinds(label: string): StoreKind[] {
  const kinds: StoreKind[] = [];
  const memory: ObjectStore[] = [];
  kinds.push({
    name: "memory",
    make: async () => {
      const s = new MemoryStore("bkt", { registry: new Map() });
      await s.createBucket();
      memory.push(s);
      return s;
    },
    cleanup: async () => {
      for (const s of memory) await s.close();
    },
  });
  const roots: string[] = [];
  kinds.push({
    name: "file",
    make: async () => {
      const root = await mkdtemp(join(tmpdir(), "accsr-rel-fs-"));
      roots.push(root);
      const s = new FileStore(root, "bkt");
      await s.createBucket();
      return s;
    },
    cleanup: async () => {
      for (const r of roots) await rm(r, { recursive: true, force: true });
    },
  });
  const s3 = s3TestConfig();
  const reason = s3SkipReason();
  if (s3 !== undefined && reason === undefined) {
    const made: S3Store[] = [];
    kinds.push({
      name: "s3",
      make: async () => {
        const s = new S3Store({
          bucket: uniqueBucketName(`accsr-rel-${label}`),
          endpoint: s3.endpoint,
          region: s3.region,
          accessKeyId: s3.accessKeyId,
          secretAccessKey: s3.secretAccessKey,
          multipartThreshold: 5 * 1024 * 1024,
          partSize: 5 * 1024 * 1024,
        });
        await s.createBucket();
        made.push(s);
        return s;
      },
      cleanup: async () => {
        const admin = adminClient(s3.endpoint, s3.accessKeyId, s3.secretAccessKey);
        try {
          for (const s of made) {
            const open = await openUploads(admin, s.bucket);
            await dropBucket(admin, s.bucket);
            await s.close();
            if (open.length > 0) throw new Error(`open multipart uploads left: ${open}`);
          }
        } finally {
          admin.destroy();
        }
      },
    });
  } else if (process.env.ACCSR_REQUIRE_S3 === "1") {
    throw new Error(`${reason} — but ACCSR_REQUIRE_S3=1 requires S3`);
  } else {
    console.warn(`${label}: S3 cases skipped: ${reason}`);
  }
  return kinds;
}
