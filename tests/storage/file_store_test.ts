/**
 * FileStore: the shared ObjectStore conformance suite plus what is special about a local
 * directory as a store — the MD5 record (listings do not re-hash unchanged files), atomic
 * writes through `<root>/.accsr-meta/<bucket>/tmp`, create-only writes that never clobber,
 * pruning of folders left empty, and refusal of keys that are no safe relative path.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rename,
  rm,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageError } from "../../errors.ts";
import { FileStore } from "../../storage/stores/fs.ts";
import type { StoreObject } from "../../storage/stores/types.ts";
import { storeConformance } from "./_conformance.ts";
import { listTree } from "./_providers.ts";

const MiB = 1024 * 1024;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const md5 = (d: Uint8Array): string => createHash("md5").update(d).digest("hex");

// ── conformance ──────────────────────────────────────────────────────────────────────────

describe("FileStore", () => {
  let root = "";
  let n = 0;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "accsr-fs-conformance-"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  storeConformance("FileStore", () => Promise.resolve(new FileStore(root, `bucket-${n++}`)), {
    supportsPartNumber: false,
  });
});

// ── file-store specifics ─────────────────────────────────────────────────────────────────

async function collect(store: FileStore, prefix = ""): Promise<StoreObject[]> {
  const out: StoreObject[] = [];
  for await (const o of store.list(prefix)) out.push(o);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function failure(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StorageError);
    return e as StorageError;
  }
  throw new Error("expected a StorageError, got success");
}

/** Overwrites a file's bytes in place (same inode, same size), then restores `mtime`. */
async function rewriteInPlace(path: string, data: Uint8Array, mtime: Date): Promise<void> {
  const fh = await open(path, "r+");
  try {
    await fh.write(data, 0, data.byteLength, 0);
  } finally {
    await fh.close();
  }
  await utimes(path, mtime, mtime);
}

describe("FileStore specifics", () => {
  let parent = "";
  let root = "";
  let n = 0;
  before(async () => {
    parent = await mkdtemp(join(tmpdir(), "accsr-fs-"));
    root = join(parent, "root");
  });
  after(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  /** A fresh, created bucket with the paths of its tree and of its metadata. */
  async function fresh(): Promise<{ store: FileStore; dir: string; meta: string; tmp: string }> {
    const store = new FileStore(root, `fb-${n++}`);
    await store.createBucket();
    const meta = join(root, ".accsr-meta", store.bucket);
    return { store, dir: join(root, store.bucket), meta, tmp: join(meta, "tmp") };
  }

  it("location is file://<root>/<bucket> and the metadata folder is not listed", async () => {
    const { store, dir } = await fresh();
    expect(store.provider).toBe("file");
    expect(store.location).toBe(`file://${dir}`);
    await store.put("a.txt", { data: enc("a") }, { md5: md5(enc("a")) });
    expect((await collect(store)).map((o) => o.key)).toEqual(["a.txt"]);
    expect(await readdir(dir)).toEqual(["a.txt"]);
  });

  it("a listing reuses the MD5 record of an unchanged file and re-hashes a touched one", async () => {
    const { store, dir } = await fresh();
    const a = new Uint8Array(randomBytes(4096));
    const b = new Uint8Array(randomBytes(4096));
    await store.put("d/obj.bin", { data: a }, { md5: md5(a) });
    const file = join(dir, "d", "obj.bin");
    const t = new Date("2020-01-02T03:04:05Z");
    await utimes(file, t, t);
    // the mtime changed, so this listing hashes the (unchanged) content and records it
    expect((await collect(store))[0].md5).toBe(md5(a));

    // same size, same inode, same mtime, other bytes: only the record can still say md5(a)
    await rewriteInPlace(file, b, t);
    expect(new Uint8Array(await readFile(file))).toEqual(b);
    expect((await collect(store))[0].md5).toBe(md5(a));
    expect((await store.head("d/obj.bin"))?.md5).toBe(md5(a));

    // touching the file invalidates the record: re-hashed
    const later = new Date(t.getTime() + 5000);
    await utimes(file, later, later);
    const [listed] = await collect(store);
    expect(listed.md5).toBe(md5(b));
    expect(listed.etag).toBe(md5(b));
    expect(listed.lastModified?.getTime()).toBe(later.getTime());
    expect((await store.head("d/obj.bin"))?.md5).toBe(md5(b));
  });

  it("a file replaced by another writer (new inode, same size and mtime) is re-hashed", async () => {
    const { store, dir } = await fresh();
    const a = new Uint8Array(randomBytes(1000));
    const b = new Uint8Array(randomBytes(1000));
    await store.put("x.bin", { data: a }, { md5: md5(a) });
    const file = join(dir, "x.bin");
    const t = new Date("2021-06-01T00:00:00Z");
    await utimes(file, t, t);
    expect((await store.head("x.bin"))?.md5).toBe(md5(a));
    const other = join(parent, `replacement-${n++}`);
    await writeFile(other, b);
    await utimes(other, t, t);
    await rename(other, file);
    expect((await store.head("x.bin"))?.md5).toBe(md5(b));
    expect((await collect(store))[0].md5).toBe(md5(b));
  });

  it("files placed into the bucket folder by hand are listed with their MD5", async () => {
    const { store, dir } = await fresh();
    await mkdir(join(dir, "by", "hand"), { recursive: true });
    await writeFile(join(dir, "by", "hand", "f.txt"), "manual");
    const [o] = await collect(store, "by/");
    expect(o).toMatchObject({ key: "by/hand/f.txt", size: 6, md5: md5(enc("manual")) });
    expect(o.metadata).toEqual({ md5: md5(enc("manual")) });
  });

  it("writes are atomic: the content is staged in .accsr-meta/<bucket>/tmp, never in the tree", async () => {
    const { store, dir, tmp } = await fresh();
    const old = new Uint8Array(randomBytes(1000));
    await store.put("big.bin", { data: old }, { md5: md5(old) });
    const data = new Uint8Array(randomBytes(3 * MiB + 17));
    const src = join(parent, `src-${n++}`);
    await writeFile(src, data);
    let checks = 0;
    const duringWrite = (key: string, before?: Uint8Array) => () => {
      checks++;
      // only whole objects in the tree; the partial content is in the tmp folder
      expect(readdirSync(tmp)).toHaveLength(1);
      const target = join(dir, ...key.split("/"));
      if (before === undefined) expect(existsSync(target)).toBe(false);
      else expect(md5(readFileSync(target))).toBe(md5(before));
    };
    await store.put("big.bin", { path: src, size: data.byteLength }, {
      md5: md5(data),
      onProgress: duringWrite("big.bin", old),
    });
    await store.put("new/deep/big.bin", { path: src, size: data.byteLength }, {
      md5: md5(data),
      onProgress: duringWrite("new/deep/big.bin"),
    });
    expect(checks).toBeGreaterThan(2);
    expect(await readdir(tmp)).toEqual([]);
    for (const key of ["big.bin", "new/deep/big.bin"]) {
      expect(md5(await readFile(join(dir, ...key.split("/"))))).toBe(md5(data));
      expect((await store.head(key))?.md5).toBe(md5(data));
    }
  });

  it("a failed or aborted write leaves no temporary file, no object and no empty folder", async () => {
    const { store, dir, tmp } = await fresh();
    const data = new Uint8Array(randomBytes(2 * MiB));
    const src = join(parent, `src-${n++}`);
    await writeFile(src, data);
    const bad = await failure(
      store.put("fresh/folder/x.bin", { path: src, size: data.byteLength }, {
        md5: md5(enc("other")),
      }),
    );
    expect(bad.code).toBe("BAD_DIGEST");
    const controller = new AbortController();
    const aborted = await failure(
      store.put("fresh/folder/y.bin", { path: src, size: data.byteLength }, {
        md5: md5(data),
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    );
    expect(aborted.code).toBe("ABORTED");
    const existing = await failure(
      store.put("fresh/folder/z.bin", { data: enc("z") }, {
        md5: md5(enc("z")),
        ifMatch: md5(enc("not there")),
      }),
    );
    expect(existing.code).toBe("PRECONDITION_FAILED");
    expect(await readdir(tmp)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
    expect(await collect(store)).toEqual([]);
  });

  it("create-only writes never clobber, also when racing each other", async () => {
    const { store, dir, tmp } = await fresh();
    const bodies = Array.from({ length: 8 }, (_, i) => enc(`writer ${i} `.repeat(1000 + i)));
    const results = await Promise.allSettled(
      bodies.map((data) => store.put("race.txt", { data }, { md5: md5(data), ifNoneMatch: true })),
    );
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") {
        expect(r.reason).toBeInstanceOf(StorageError);
        expect((r.reason as StorageError).code).toBe("PRECONDITION_FAILED");
      }
    }
    const winner = bodies[won[0]];
    expect(new Uint8Array(await readFile(join(dir, "race.txt")))).toEqual(winner);
    expect((await store.head("race.txt"))?.md5).toBe(md5(winner));
    // and a later create-only write of the winner's own content is refused as well
    const again = await failure(
      store.put("race.txt", { data: winner }, { md5: md5(winner), ifNoneMatch: true }),
    );
    expect(again.code).toBe("PRECONDITION_FAILED");
    expect(await readdir(tmp)).toEqual([]);
  });

  it("racing plain writes leave a record that matches the content on disk", async () => {
    const { store, dir } = await fresh();
    const bodies = Array.from({ length: 10 }, (_, i) => enc(`version ${i} `.repeat(500)));
    await Promise.all(bodies.map((data) => store.put("hot.txt", { data }, { md5: md5(data) })));
    const onDisk = new Uint8Array(await readFile(join(dir, "hot.txt")));
    expect(bodies.map(md5)).toContain(md5(onDisk));
    expect((await store.head("hot.txt"))?.md5).toBe(md5(onDisk));
    expect((await collect(store))[0].md5).toBe(md5(onDisk));
  });

  it("deleting the last object of a folder removes the folders left empty (and their records)", async () => {
    const { store, dir, meta } = await fresh();
    for (const key of ["a/b/c/d.txt", "a/x.txt", "top.txt"]) {
      await store.put(key, { data: enc(key) }, { md5: md5(enc(key)) });
    }
    await store.delete(["a/b/c/d.txt"]);
    expect(await listTree(dir)).toEqual(["a/x.txt", "top.txt"]);
    expect(existsSync(join(dir, "a", "b"))).toBe(false);
    await store.delete(["a/x.txt", "a"]); // "a" is a folder, not an object: skipped
    expect(await readdir(dir)).toEqual(["top.txt"]);
    await store.delete(["top.txt"]);
    expect(await readdir(dir)).toEqual([]); // the bucket itself stays
    expect(await collect(store)).toEqual([]);
    expect(await listTree(join(meta, "objects"))).toEqual([]);
    expect(existsSync(join(meta, "objects", "a.d"))).toBe(false);
  });

  it("keys whose records would collide with folders (x and x.json/y) both work", async () => {
    const { store } = await fresh();
    for (const key of ["x", "x.json/y", "x.json.d/z", "x.d"]) {
      await store.put(key, { data: enc(key) }, { md5: md5(enc(key)) });
    }
    const listed = await collect(store);
    expect(listed.map((o) => [o.key, o.md5])).toEqual(
      ["x", "x.d", "x.json.d/z", "x.json/y"].map((k) => [k, md5(enc(k))]),
    );
  });

  it("a file and a folder of the same name collide with a clear STORAGE_ERROR", async () => {
    const { store } = await fresh();
    await store.put("p", { data: enc("p") }, { md5: md5(enc("p")) });
    await store.put("dir/x", { data: enc("x") }, { md5: md5(enc("x")) });
    for (const [key, ifNoneMatch] of [["p/q", false], ["dir", false], ["dir", true]] as const) {
      const e = await failure(
        store.put(key, { data: enc("c") }, { md5: md5(enc("c")), ifNoneMatch }),
      );
      expect(e.code).toBe("STORAGE_ERROR");
      expect(e.message).toContain("collide");
      expect(e.key).toBe(key);
    }
    expect((await collect(store)).map((o) => o.key)).toEqual(["dir/x", "p"]);
  });

  it("rejects unsafe keys with INVALID_KEY and writes nothing anywhere", async () => {
    // a root of its own, so that "nothing anywhere" can be checked
    const own = await mkdtemp(join(parent, "unsafe-"));
    const store = new FileStore(join(own, "root"), "bkt");
    await store.createBucket();
    const tmp = join(own, "root", ".accsr-meta", "bkt", "tmp");
    const unsafe = ["../x", "a/../../x", "/abs", "a//b", "a\\b", "./y", "a/./b", "", "a/", "nul\0"];
    for (const key of unsafe) {
      const data = enc("evil");
      for (
        const p of [
          store.put(key, { data }, { md5: md5(data) }),
          store.head(key),
          store.get(key, join(own, `get-${n++}`)),
        ]
      ) {
        const e = await failure(p);
        expect(e.code).toBe("INVALID_KEY");
        expect(e.message).toContain("path-safe");
      }
    }
    await store.delete(unsafe); // nothing such can exist: skipped, no error
    expect(await collect(store)).toEqual([]);
    expect(await readdir(tmp)).toEqual([]);
    // nothing landed in the bucket, beside it, or above the root
    expect(await listTree(own)).toEqual([]);
    expect(await readdir(join(own, "root", "bkt"))).toEqual([]);
  });
});
