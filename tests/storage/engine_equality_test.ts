/** Unit tests of `storage/equality.ts`: which remote hash a local MD5 is compared with. */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveRemoteHash } from "../../storage/equality.ts";
import { multipartEtag } from "../../storage/hashing.ts";
import type { RemoteObject } from "../../storage/summary.ts";
import type { ObjectStore, StoreObject } from "../../storage/stores/types.ts";

const md5 = (d: Uint8Array): string => createHash("md5").update(d).digest("hex");

/** A store that only answers `head`, from a table (`key#part` for partNumber requests). */
function headStore(
  answers: Record<string, StoreObject | undefined>,
): ObjectStore & { heads: string[] } {
  const heads: string[] = [];
  const fail = () => Promise.reject(new Error("not used"));
  return {
    heads,
    provider: "fake",
    bucket: "b",
    location: "fake://b",
    createBucket: fail,
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: fail }) }),
    head(key, o = {}) {
      const k = o.partNumber === undefined ? key : `${key}#${o.partNumber}`;
      heads.push(k);
      return Promise.resolve(answers[k]);
    },
    put: fail,
    get: fail,
    delete: fail,
    close: () => Promise.resolve(),
  };
}

describe("resolveRemoteHash", () => {
  let dir = "";
  let file = "";
  let content = new Uint8Array();
  let local = { absPath: "", size: 0, md5: "" };
  const PART = 1024;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "accsr-equality-"));
    file = join(dir, "f.bin");
    content = randomBytes(2 * PART + 512);
    await writeFile(file, content);
    local = { absPath: file, size: content.length, md5: md5(content) };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("a plain-MD5 hash decides without any request", async () => {
    const store = headStore({});
    const r = await resolveRemoteHash(store, { name: "f", size: 1, hash: local.md5 }, local);
    expect(r).toEqual({ remoteHash: local.md5 });
    expect(store.heads).toEqual([]);
  });

  it("a user extractor wins, without requests", async () => {
    const store = headStore({});
    const seen: RemoteObject[] = [];
    const r = await resolveRemoteHash(store, { name: "f", size: 1, hash: "x" }, local, {
      extractor: (o) => (seen.push(o), "from-extractor"),
    });
    expect(r.remoteHash).toBe("from-extractor");
    expect(seen.map((o) => o.name)).toEqual(["f"]);
    expect(store.heads).toEqual([]);
  });

  it("an MD5 stored in metadata (head) is used for a non-MD5 ETag", async () => {
    const store = headStore({
      f: {
        key: "f",
        size: local.size,
        etag: "abc-3",
        md5: local.md5,
        metadata: { md5: local.md5 },
      },
    });
    const r = await resolveRemoteHash(store, {
      name: "f",
      size: local.size,
      hash: "abc-3",
      etag: "abc-3",
    }, local);
    expect(r.remoteHash).toBe(local.md5);
    expect(r.uncomparable).toBeUndefined();
    expect(r.remoteObj?.hash).toBe(local.md5);
    expect(r.remoteObj?.metadata).toEqual({ md5: local.md5 });
  });

  it("a multipart ETag is recomputed locally with the part size the server reports", async () => {
    const etag = await multipartEtag(file, PART);
    expect(etag).toMatch(/-3$/);
    const store = headStore({
      f: { key: "f", size: local.size, etag },
      "f#1": { key: "f", size: PART, etag, partsCount: 3 },
    });
    const r = await resolveRemoteHash(
      store,
      { name: "f", size: local.size, hash: etag, etag },
      local,
    );
    expect(r.remoteHash).toBe(local.md5);
    expect(r.uncomparable).toBeUndefined();
    expect(store.heads).toEqual(["f", "f#1"]);
  });

  it("a multipart ETag of other content differs (and is decidable when the part size is known)", async () => {
    const other = await multipartEtag(file, PART);
    const etag = `${"0".repeat(32)}-3`;
    expect(etag).not.toBe(other);
    const store = headStore({
      f: { key: "f", size: local.size, etag },
      "f#1": { key: "f", size: PART, etag, partsCount: 3 },
    });
    const r = await resolveRemoteHash(
      store,
      { name: "f", size: local.size, hash: etag, etag },
      local,
    );
    expect(r.remoteHash).toBe(etag);
    expect(r.uncomparable).toBeUndefined();
  });

  it("a multipart ETag with an unknown, unusual part size is uncomparable", async () => {
    const etag = await multipartEtag(file, PART);
    const store = headStore({
      f: { key: "f", size: local.size, etag },
      "f#1": { key: "f", size: local.size, etag },
    });
    const r = await resolveRemoteHash(
      store,
      { name: "f", size: local.size, hash: etag, etag },
      local,
    );
    expect(r.remoteHash).not.toBe(local.md5);
    expect(r.uncomparable).toMatch(/multipart ETag/);
  });

  it("a multipart ETag of another size differs without any request", async () => {
    const etag = `${"1".repeat(32)}-2`;
    const store = headStore({ f: { key: "f", size: local.size + 1, etag } });
    const r = await resolveRemoteHash(
      store,
      { name: "f", size: local.size + 1, hash: etag, etag },
      local,
    );
    expect(r.remoteHash).toBe(etag);
    expect(r.uncomparable).toBeUndefined();
    expect(store.heads).toEqual([]);
  });

  it("an ETag that is no MD5 at all (e.g. Azure) without stored MD5 is uncomparable", async () => {
    const store = headStore({ f: { key: "f", size: local.size, etag: "0x8DC0FFEE" } });
    const r = await resolveRemoteHash(store, {
      name: "f",
      size: local.size,
      hash: "0x8DC0FFEE",
      etag: "0x8DC0FFEE",
    }, local);
    expect(r.remoteHash).toBe("0x8DC0FFEE");
    expect(r.uncomparable).toMatch(/no MD5/);
  });

  it("an object deleted meanwhile counts as different", async () => {
    const store = headStore({});
    const r = await resolveRemoteHash(
      store,
      { name: "f", size: 1, hash: "abc-2", etag: "abc-2" },
      local,
    );
    expect(r.remoteHash).toBe("abc-2");
    expect(r.remoteHash).not.toBe(local.md5);
  });
});
