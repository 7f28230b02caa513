/**
 * Snapshots (`createSnapshot`, `pull(path, { snapshot })`, `push(path, { snapshot })`) and the
 * reserved `.accsr/` prefix, against every provider (memory, file, the real S3 server, Azurite).
 */
import { it } from "node:test";
import { expect } from "expect";
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { bucketKeys, describeEachProvider, listTree, writeTree } from "./_providers.ts";

describeEachProvider("reserved .accsr/ prefix", (env) => {
  it("plain pull, push and delete leave .accsr/ alone; naming it reaches it", async () => {
    const storage = await env.storage({ basePath: "ns" });
    const local = await env.tempDir();
    await writeTree(local, { "data/a.txt": "a", ".accsr/snapshots/x.json": "{}" });
    const pushed = await storage.push(".", { localPathPrefix: local });
    expect(pushed.syncedFiles.map((o) => o.name)).toEqual(["ns/data/a.txt"]);
    // a manifest written by accsr (not by push)
    const store = await storage.store();
    await store.put("ns/.accsr/snapshots/v1.json", { data: new TextEncoder().encode("{}") }, {
      md5: createHash("md5").update("{}").digest("hex"),
    });
    const out = await env.tempDir();
    await storage.pull("", { localBaseDir: out });
    expect(await listTree(out)).toEqual(["data/a.txt"]);
    const deleted = await storage.delete("");
    expect(deleted.map((o) => o.name)).toEqual(["ns/data/a.txt"]);
    expect(await bucketKeys(storage)).toEqual(["ns/.accsr/snapshots/v1.json"]);
    // asked for by name
    const named = await env.tempDir();
    await mkdir(named, { recursive: true });
    await storage.pull(".accsr", { localBaseDir: named });
    expect(await listTree(named)).toEqual([".accsr/snapshots/v1.json"]);
  });
});

describeEachProvider("store versions", (env) => {
  it("a versioned bucket keeps overwritten and deleted versions, readable by version id", async () => {
    if (env.name === "azure") return; // Azurite has no blob versioning
    const storage = await env.storage();
    await storage.createBucket({ versioning: true });
    const store = await storage.store();
    const put = (s: string) =>
      store.put("k.txt", { data: new TextEncoder().encode(s) }, {
        md5: createHash("md5").update(s).digest("hex"),
      });
    await put("one");
    const first = await store.head("k.txt");
    expect(first?.versionId).toBeDefined();
    await put("two");
    const second = await store.head("k.txt");
    expect(second?.versionId).toBeDefined();
    expect(second?.versionId).not.toEqual(first?.versionId);
    await store.delete(["k.txt"]);
    const dir = await env.tempDir();
    const dest = join(dir, "out");
    const got = await store.get("k.txt", dest, { versionId: first!.versionId });
    expect(got.md5).toEqual(createHash("md5").update("one").digest("hex"));
    expect(await readFile(dest, "utf8")).toEqual("one");
  });
});
