/** Library: a remote path is a key prefix below the base path — `..` segments are refused. */
import { describe, it } from "node:test";
import { expect } from "expect";
import { RemoteStorage } from "../../storage/mod.ts";
import { MemoryStore } from "../../storage/stores/memory.ts";

describe("library: remote paths with .. segments", () => {
  it("pull and delete refuse them with a RangeError before any request", async () => {
    const store = new MemoryStore("bkt", { registry: new Map() });
    await store.createBucket();
    const storage = new RemoteStorage({ provider: "memory", bucket: "bkt" }, { store });
    for (const p of ["..", "../..", "a/../b", "a\\..\\b"]) {
      await expect(storage.pull(p, { localBaseDir: "/nonexistent" })).rejects.toThrow(RangeError);
      await expect(storage.delete(p)).rejects.toThrow('remote paths cannot contain ".." segments');
    }
    // names that merely contain dots are keys like any other
    await expect(storage.delete("a..b")).resolves.toEqual([]);
  });
});
