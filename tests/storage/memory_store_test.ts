import { after, describe, it } from "node:test";
import { expect } from "expect";
import { createHash } from "node:crypto";
import { StorageError } from "../../errors.ts";
import {
  clearMemoryStores,
  type MemoryRegistry,
  MemoryStore,
} from "../../storage/stores/memory.ts";
import { storeConformance } from "./_conformance.ts";

const md5 = (data: Uint8Array): string => createHash("md5").update(data).digest("hex");
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

let counter = 0;
storeConformance("MemoryStore", () => Promise.resolve(new MemoryStore(`bucket-${counter++}`)), {
  supportsPartNumber: false,
});

describe("MemoryStore specifics", () => {
  after(() => clearMemoryStores());

  it("shares bucket data between instances through the default registry", async () => {
    const a = new MemoryStore("shared");
    const b = new MemoryStore("shared");
    await a.createBucket();
    await a.put("x.txt", { data: enc("x") }, { md5: md5(enc("x")) });
    expect((await b.head("x.txt"))?.size).toBe(1);
  });

  it("keeps separate registries apart", async () => {
    const registry: MemoryRegistry = new Map();
    const a = new MemoryStore("iso", { registry });
    const b = new MemoryStore("iso");
    await a.createBucket();
    await expect(b.head("x")).rejects.toMatchObject({ code: "BUCKET_NOT_FOUND" });
    expect(registry.has("iso")).toBe(true);
  });

  it("clearMemoryStores removes every bucket of the default registry", async () => {
    const a = new MemoryStore("to-clear");
    await a.createBucket();
    clearMemoryStores();
    await expect(a.head("x")).rejects.toBeInstanceOf(StorageError);
  });

  it("reports a wrong md5 as BadDigest", async () => {
    const a = new MemoryStore("digest");
    await a.createBucket();
    await expect(a.put("x", { data: enc("x") }, { md5: md5(enc("y")) })).rejects.toMatchObject({
      code: "STORAGE_ERROR",
      message: expect.stringContaining("BadDigest"),
    });
  });

  it("keeps a private copy of the data", async () => {
    const a = new MemoryStore("copy");
    await a.createBucket();
    const data = enc("abc");
    await a.put("x", { data }, { md5: md5(data) });
    data[0] = 0;
    expect((await a.head("x"))?.md5).toBe(md5(enc("abc")));
  });

  it("rejects an empty bucket name", () => {
    expect(() => new MemoryStore("")).toThrow(TypeError);
  });
});
