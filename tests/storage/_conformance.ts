/**
 * The behaviour every {@linkcode ObjectStore} must have, as a reusable test suite. A store
 * test file calls {@linkcode storeConformance} with a factory; each case gets its own fresh
 * store (and bucket), so cases are independent of each other and of their order.
 *
 * @module
 */

import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { StorageError } from "../../errors.ts";
import type { ObjectStore, StoreObject } from "../../storage/stores/types.ts";

/**
 * Options of {@linkcode storeConformance}.
 *
 * @example
 * ```ts
 * import type { ConformanceOptions } from "./_conformance.ts";
 * const o: ConformanceOptions = { supportsPartNumber: false, multipartThreshold: 5 * 1024 * 1024 };
 * ```
 */
export interface ConformanceOptions {
  /**
   * `true`: `head` with `partNumber` must give the part's size and `partsCount` for a
   * multipart object; `false`: it must give the whole object without `partsCount`;
   * `undefined`: either, as long as the answer is consistent.
   */
  supportsPartNumber?: boolean;
  /**
   * The store's multipart threshold (the factory must build stores with it, and a small
   * part size). A body above it is uploaded and checked; default: a 12 MiB body anyway.
   */
  multipartThreshold?: number;
  /** Run the "delete more than 1000 keys" case (default true). */
  largeDelete?: boolean;
  /** Strings (secrets) that must never appear in `location`, `String`, JSON or `inspect`. */
  secrets?: readonly string[];
  /**
   * Cleans up after a case (e.g. deletes the bucket). Default: deletes every object the
   * store lists, ignoring errors. The suite calls `close()` itself afterwards.
   */
  dispose?: (store: ObjectStore) => Promise<void>;
}

const MiB = 1024 * 1024;

function md5(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function collect(store: ObjectStore, prefix: string): Promise<StoreObject[]> {
  const out: StoreObject[] = [];
  for await (const o of store.list(prefix)) out.push(o);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<StorageError> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe(code);
  return error as StorageError;
}

/** Runs `fn` on a fresh store whose bucket exists; cleans up afterwards. */
type WithStore = (
  fn: (store: ObjectStore) => Promise<void>,
  options?: { create?: boolean },
) => Promise<void>;

/**
 * Registers `describe(name + " conforms to ObjectStore")` with the cases every store must
 * pass. `makeStore` must return a store for a new, unique bucket that does not exist yet
 * (cases call `createBucket` themselves).
 *
 * @example
 * ```ts
 * import { storeConformance } from "./_conformance.ts";
 * import { MemoryStore } from "../../storage/stores/memory.ts";
 * let n = 0;
 * storeConformance("MemoryStore", () => Promise.resolve(new MemoryStore(`b${n++}`)));
 * ```
 */
export function storeConformance(
  name: string,
  makeStore: () => Promise<ObjectStore>,
  options: ConformanceOptions = {},
): void {
  describe(`${name} conforms to ObjectStore`, () => {
    let tmp = "";
    let fileCounter = 0;
    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), "accsr-conformance-"));
    });
    after(async () => {
      await rm(tmp, { recursive: true, force: true });
    });
    const tmpPath = (label = "f"): string => join(tmp, `${label}-${fileCounter++}`);

    const dispose = options.dispose ?? (async (store: ObjectStore) => {
      try {
        const keys = (await collect(store, "")).map((o) => o.key);
        await store.delete(keys);
      } catch {
        // best effort
      }
    });

    const withStore: WithStore = async (fn, { create = true } = {}) => {
      const store = await makeStore();
      try {
        if (create) await store.createBucket();
        await fn(store);
      } finally {
        if (create) await dispose(store);
        await store.close();
      }
    };

    async function roundTrip(store: ObjectStore, key: string, data: Uint8Array): Promise<void> {
      const put = await store.put(key, { data }, { md5: md5(data) });
      expect(put.key).toBe(key);
      expect(put.size).toBe(data.byteLength);
      expect(put.md5).toBe(md5(data));
      const dest = tmpPath("get");
      const got = await store.get(key, dest);
      expect(got).toEqual({ size: data.byteLength, md5: md5(data) });
      expect(new Uint8Array(await readFile(dest))).toEqual(data);
    }

    it("createBucket accepts an existing bucket with existOk and refuses it without", async () => {
      await withStore(async (store) => {
        await store.createBucket(); // default existOk: true
        await store.createBucket({ existOk: true });
        await rejectsWith(store.createBucket({ existOk: false }), "BUCKET_EXISTS");
      });
    });

    it("createBucket with existOk false creates a new bucket", async () => {
      const store = await makeStore();
      try {
        await store.createBucket({ existOk: false });
        expect(await collect(store, "")).toEqual([]);
      } finally {
        await dispose(store);
        await store.close();
      }
    });

    it("a missing bucket is BUCKET_NOT_FOUND for list and put", async () => {
      await withStore(async (store) => {
        const e = await rejectsWith(collect(store, "x/"), "BUCKET_NOT_FOUND");
        expect(e.message).toContain("does not exist");
        expect(e.message).toContain("create-bucket");
        expect(e.message).toContain(store.bucket);
        await rejectsWith(
          store.put("a.txt", { data: enc("abc") }, { md5: md5(enc("abc")) }),
          "BUCKET_NOT_FOUND",
        );
      }, { create: false });
    });

    it("round-trips a data body", async () => {
      await withStore(async (store) => {
        await roundTrip(store, "data/hello.txt", enc("hello world\n"));
      });
    });

    it("round-trips a path body", async () => {
      await withStore(async (store) => {
        const data = randomBytes(300_000);
        const src = tmpPath("src");
        await writeFile(src, data);
        const put = await store.put("p/file.bin", { path: src, size: data.byteLength }, {
          md5: md5(data),
        });
        expect(put.size).toBe(data.byteLength);
        expect(put.md5).toBe(md5(data));
        const dest = tmpPath("get");
        expect(await store.get("p/file.bin", dest)).toEqual({
          size: data.byteLength,
          md5: md5(data),
        });
        expect(new Uint8Array(await readFile(dest))).toEqual(new Uint8Array(data));
      });
    });

    it("round-trips an empty object (data and path bodies)", async () => {
      await withStore(async (store) => {
        const empty = new Uint8Array(0);
        await roundTrip(store, "empty.txt", empty);
        const src = tmpPath("empty");
        await writeFile(src, empty);
        await store.put("empty2.txt", { path: src, size: 0 }, { md5: md5(empty) });
        const listed = await collect(store, "empty");
        expect(listed.map((o) => [o.key, o.size])).toEqual([["empty.txt", 0], ["empty2.txt", 0]]);
        const dest = tmpPath("get");
        expect(await store.get("empty2.txt", dest)).toEqual({ size: 0, md5: md5(empty) });
        expect((await stat(dest)).size).toBe(0);
      });
    });

    it("round-trips binary content with every byte value", async () => {
      await withStore(async (store) => {
        const data = new Uint8Array(256 * 64);
        for (let i = 0; i < data.length; i++) data[i] = i % 256;
        await roundTrip(store, "bin/all-bytes.bin", data);
        await roundTrip(store, "bin/random.bin", new Uint8Array(randomBytes(100_000)));
      });
    });

    it("returns and lists the md5 of small objects", async () => {
      await withStore(async (store) => {
        const data = enc("abc");
        const put = await store.put("m/abc.txt", { data }, { md5: md5(data) });
        expect(put.md5).toBe("900150983cd24fb0d6963f7d28e17f72");
        expect(put.etag).toBeDefined();
        expect(put.etag).not.toContain('"');
        const [listed] = await collect(store, "m/");
        expect(listed.key).toBe("m/abc.txt");
        expect(listed.size).toBe(3);
        expect(listed.md5).toBe("900150983cd24fb0d6963f7d28e17f72");
        if (listed.etag !== undefined) expect(listed.etag).not.toContain('"');
      });
    });

    it("lists by string prefix, at all depths", async () => {
      await withStore(async (store) => {
        const keys = ["a/b.txt", "a/bc/x", "a/bc/d/e/f.txt", "a/c", "ab", "b/a/b.txt"];
        await Promise.all(keys.map((k) => store.put(k, { data: enc(k) }, { md5: md5(enc(k)) })));
        expect((await collect(store, "a/b")).map((o) => o.key)).toEqual([
          "a/b.txt",
          "a/bc/d/e/f.txt",
          "a/bc/x",
        ]);
        expect((await collect(store, "a/")).map((o) => o.key)).toEqual([
          "a/b.txt",
          "a/bc/d/e/f.txt",
          "a/bc/x",
          "a/c",
        ]);
        expect((await collect(store, "a")).length).toBe(5);
        expect((await collect(store, "")).map((o) => o.key)).toEqual([...keys].sort());
        expect(await collect(store, "zzz")).toEqual([]);
        const listed = await collect(store, "a/bc/x");
        expect(listed.map((o) => [o.key, o.size, o.md5])).toEqual([
          ["a/bc/x", 6, md5(enc("a/bc/x"))],
        ]);
      });
    });

    it("handles nested keys", async () => {
      await withStore(async (store) => {
        const key = "one/two/three/four/five/six.bin";
        await roundTrip(store, key, enc("deep"));
        expect((await collect(store, "one/two/three/")).map((o) => o.key)).toEqual([key]);
      });
    });

    it("handles keys with spaces, unicode and special characters", async () => {
      await withStore(async (store) => {
        const keys = [
          "dir with space/file name.txt",
          "umlaut äöü ß/日本語 ファイル.txt",
          "emoji 🎉/x.txt",
          "special/plus+and&amp=eq;semi,comma'quote(1).txt",
          "special/percent%20literal.txt",
        ];
        for (const key of keys) await roundTrip(store, key, enc(`content of ${key}`));
        expect((await collect(store, "")).map((o) => o.key)).toEqual([...keys].sort());
        expect((await collect(store, "umlaut äöü ß/")).map((o) => o.key)).toEqual([keys[1]]);
        for (const key of keys) {
          const h = await store.head(key);
          expect(h?.key).toBe(key);
          expect(h?.md5).toBe(md5(enc(`content of ${key}`)));
        }
      });
    });

    it("head returns size, md5 and user metadata", async () => {
      await withStore(async (store) => {
        const data = enc("with metadata");
        await store.put("meta.txt", { data }, {
          md5: md5(data),
          metadata: { owner: "alice", "run-id": "42" },
          contentType: "text/plain",
        });
        const h = await store.head("meta.txt");
        expect(h).toBeDefined();
        expect(h!.key).toBe("meta.txt");
        expect(h!.size).toBe(data.byteLength);
        expect(h!.md5).toBe(md5(data));
        expect(h!.metadata).toMatchObject({ owner: "alice", "run-id": "42", md5: md5(data) });
        if (h!.etag !== undefined) expect(h!.etag).not.toContain('"');
      });
    });

    it("head of a missing key is undefined", async () => {
      await withStore(async (store) => {
        expect(await store.head("does/not/exist.txt")).toBeUndefined();
        await store.put("exists.txt", { data: enc("x") }, { md5: md5(enc("x")) });
        expect(await store.head("exists.tx")).toBeUndefined();
        expect(await store.head("exists.txt")).toBeDefined();
      });
    });

    it("ifNoneMatch refuses to overwrite an existing key and leaves it unchanged", async () => {
      await withStore(async (store) => {
        const first = enc("first");
        const second = enc("second!");
        await store.put("c.txt", { data: first }, { md5: md5(first), ifNoneMatch: true });
        await rejectsWith(
          store.put("c.txt", { data: second }, { md5: md5(second), ifNoneMatch: true }),
          "PRECONDITION_FAILED",
        );
        const dest = tmpPath("get");
        await store.get("c.txt", dest);
        expect(new Uint8Array(await readFile(dest))).toEqual(first);
        expect((await store.head("c.txt"))?.md5).toBe(md5(first));
      });
    });

    it("ifMatch overwrites only when the etag is current", async () => {
      await withStore(async (store) => {
        const v1 = enc("version 1");
        const v2 = enc("version 2");
        const v3 = enc("version 3");
        const put1 = await store.put("m.txt", { data: v1 }, { md5: md5(v1) });
        expect(put1.etag).toBeDefined();
        const put2 = await store.put("m.txt", { data: v2 }, { md5: md5(v2), ifMatch: put1.etag });
        expect(put2.md5).toBe(md5(v2));
        // put1.etag is stale now
        await rejectsWith(
          store.put("m.txt", { data: v3 }, { md5: md5(v3), ifMatch: put1.etag }),
          "PRECONDITION_FAILED",
        );
        expect((await store.head("m.txt"))?.md5).toBe(md5(v2));
        const current = (await store.head("m.txt"))!.etag!;
        await store.put("m.txt", { data: v3 }, { md5: md5(v3), ifMatch: current });
        expect((await store.head("m.txt"))?.md5).toBe(md5(v3));
      });
    });

    it("refuses a body whose md5 is wrong and stores nothing", async () => {
      await withStore(async (store) => {
        const data = enc("the real content");
        const wrong = md5(enc("something else"));
        let error: unknown;
        try {
          await store.put("bad.txt", { data }, { md5: wrong });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(StorageError);
        expect(await store.head("bad.txt")).toBeUndefined();
        expect(await collect(store, "bad")).toEqual([]);
      });
    });

    it("get of a missing key is NOT_FOUND", async () => {
      await withStore(async (store) => {
        const e = await rejectsWith(store.get("missing.txt", tmpPath("get")), "NOT_FOUND");
        expect(e.key).toBe("missing.txt");
      });
    });

    it("deletes many keys, ignoring missing ones", async () => {
      await withStore(async (store) => {
        const keys = Array.from({ length: 25 }, (_, i) => `del/${i}.txt`);
        await Promise.all(keys.map((k) => store.put(k, { data: enc(k) }, { md5: md5(enc(k)) })));
        await store.put("keep.txt", { data: enc("keep") }, { md5: md5(enc("keep")) });
        await store.delete([...keys.slice(0, 20), "del/missing.txt", "never/there"]);
        expect((await collect(store, "del/")).map((o) => o.key)).toEqual(keys.slice(20).sort());
        await store.delete(keys);
        expect(await collect(store, "del/")).toEqual([]);
        expect((await collect(store, "")).map((o) => o.key)).toEqual(["keep.txt"]);
        await store.delete([]);
      });
    });

    if (options.largeDelete ?? true) {
      it("deletes more than 1000 keys at once", async () => {
        await withStore(async (store) => {
          const keys = Array.from({ length: 1234 }, (_, i) => `many/${i}`);
          const data = enc("x");
          const digest = md5(data);
          for (let i = 0; i < keys.length; i += 64) {
            await Promise.all(
              keys.slice(i, i + 64).map((k) => store.put(k, { data }, { md5: digest })),
            );
          }
          expect((await collect(store, "many/")).length).toBe(keys.length);
          await store.delete(keys);
          expect(await collect(store, "many/")).toEqual([]);
        });
      });
    }

    it("an aborted signal gives ABORTED", async () => {
      await withStore(async (store) => {
        const data = enc("abort me");
        await store.put("ab.txt", { data }, { md5: md5(data) });
        const signal = AbortSignal.abort();
        await rejectsWith(store.put("ab2.txt", { data }, { md5: md5(data), signal }), "ABORTED");
        await rejectsWith(store.get("ab.txt", tmpPath("get"), { signal }), "ABORTED");
        await rejectsWith(
          (async () => {
            for await (const _ of store.list("", { signal }));
          })(),
          "ABORTED",
        );
        expect(await store.head("ab2.txt")).toBeUndefined();
      });
    });

    it("aborting a download while it streams gives ABORTED", async () => {
      await withStore(async (store) => {
        const data = new Uint8Array(randomBytes(4 * MiB));
        await store.put("big-abort.bin", { data }, { md5: md5(data) });
        const controller = new AbortController();
        let received = 0;
        await rejectsWith(
          store.get("big-abort.bin", tmpPath("get"), {
            signal: controller.signal,
            onProgress: (n) => {
              received += n;
              controller.abort();
            },
          }),
          "ABORTED",
        );
        expect(received).toBeGreaterThan(0);
        expect(received).toBeLessThan(data.byteLength);
      });
    });

    it("progress callbacks add up to the size", async () => {
      await withStore(async (store) => {
        const data = new Uint8Array(randomBytes(MiB + 123));
        let sent = 0;
        await store.put("prog/data.bin", { data }, {
          md5: md5(data),
          onProgress: (n) => (sent += n),
        });
        expect(sent).toBe(data.byteLength);
        const src = tmpPath("src");
        await writeFile(src, data);
        sent = 0;
        await store.put("prog/path.bin", { path: src, size: data.byteLength }, {
          md5: md5(data),
          onProgress: (n) => (sent += n),
        });
        expect(sent).toBe(data.byteLength);
        let received = 0;
        const got = await store.get("prog/path.bin", tmpPath("get"), {
          onProgress: (n) => (received += n),
        });
        expect(received).toBe(data.byteLength);
        expect(got.size).toBe(data.byteLength);
      });
    });

    const threshold = options.multipartThreshold;
    const largeSize = Math.max(12 * MiB, (threshold ?? 0) * 2 + 12345);
    it(
      threshold === undefined
        ? "round-trips a large path body"
        : `round-trips a body above the multipart threshold (${largeSize} > ${threshold} bytes)`,
      async () => {
        await withStore(async (store) => {
          const data = new Uint8Array(randomBytes(largeSize));
          const digest = md5(data);
          const src = tmpPath("large");
          await writeFile(src, data);
          let sent = 0;
          const put = await store.put("large/file.bin", { path: src, size: data.byteLength }, {
            md5: digest,
            metadata: { kind: "large" },
            onProgress: (n) => (sent += n),
          });
          expect(put.size).toBe(data.byteLength);
          expect(put.md5).toBe(digest);
          expect(sent).toBe(data.byteLength);
          const [listed] = await collect(store, "large/");
          expect(listed.key).toBe("large/file.bin");
          expect(listed.size).toBe(data.byteLength);
          // A listing may not know the md5 of a multipart object, but must never be wrong.
          if (listed.md5 !== undefined) expect(listed.md5).toBe(digest);
          const h = await store.head("large/file.bin");
          expect(h?.size).toBe(data.byteLength);
          expect(h?.md5).toBe(digest);
          expect(h?.metadata?.kind).toBe("large");
          const dest = tmpPath("get");
          expect(await store.get("large/file.bin", dest)).toEqual({
            size: data.byteLength,
            md5: digest,
          });

          const part = await store.head("large/file.bin", { partNumber: 1 });
          expect(part).toBeDefined();
          const supports = options.supportsPartNumber;
          if (supports === true || (supports === undefined && part!.partsCount !== undefined)) {
            expect(part!.partsCount).toBeGreaterThanOrEqual(2);
            expect(part!.size).toBeLessThan(data.byteLength);
          } else {
            expect(part!.partsCount).toBeUndefined();
            expect(part!.size).toBe(data.byteLength);
          }
        });
      },
    );

    it("head with partNumber of a small object gives the whole object", async () => {
      await withStore(async (store) => {
        const data = enc("single part");
        await store.put("single.txt", { data }, { md5: md5(data) });
        const h = await store.head("single.txt", { partNumber: 1 });
        expect(h?.size).toBe(data.byteLength);
        expect(h?.partsCount ?? 1).toBe(1);
      });
    });

    it("location names the bucket and reveals no secret", async () => {
      const store = await makeStore();
      try {
        expect(store.location).toContain(store.bucket);
        expect(typeof store.provider).toBe("string");
        const views = [
          store.location,
          String(store),
          JSON.stringify(store),
          inspect(store, { depth: 10, showHidden: true }),
        ];
        for (const secret of options.secrets ?? []) {
          for (const view of views) expect(view).not.toContain(secret);
        }
      } finally {
        await store.close();
        await store.close(); // idempotent
      }
    });
  });
}
