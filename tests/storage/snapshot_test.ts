/**
 * Snapshots (`createSnapshot`, `pull(path, { snapshot })`, `push(path, { snapshot })`) and the
 * reserved `.accsr/` prefix, against every provider (memory, file, the real S3 server, Azurite).
 */
import { it } from "node:test";
import { expect } from "expect";
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import { HookedStore } from "../reliability/_helpers.ts";
import { bucketKeys, describeEachProvider, listTree, QUIET, writeTree } from "./_providers.ts";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

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

/** Relative path → content of every file below `dir`. */
async function folderState(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listTree(dir)) out[f] = await readFile(join(dir, ...f.split("/")), "utf8");
  return out;
}

describeEachProvider("snapshots", (env) => {
  const versioned = env.name !== "azure";

  it("create, list, get, delete; names validated; a second create of one name refused", async () => {
    const storage = await env.storage({ basePath: "ns" });
    const local = await env.tempDir();
    await writeTree(local, { "data/a.txt": "a", "data/sub/b.txt": "bb", "other/o.txt": "o" });
    await storage.push("data", { localPathPrefix: local });
    await storage.push("other", { localPathPrefix: local });
    const snap = await storage.createSnapshot("v1", "data", { message: "first" });
    expect(snap.files.map((f) => [f.key, f.size, f.md5])).toEqual([
      ["data/a.txt", 1, md5("a")],
      ["data/sub/b.txt", 2, md5("bb")],
    ]);
    expect(snap.message).toEqual("first");
    expect(await bucketKeys(storage)).toContain("ns/.accsr/snapshots/v1.json");
    const got = await storage.getSnapshot("v1");
    expect(got.files).toEqual(snap.files);
    await expect(storage.createSnapshot("v1", "data")).rejects.toMatchObject({
      code: "SNAPSHOT_EXISTS",
    });
    await expect(storage.createSnapshot("../x", "data")).rejects.toThrow(/Invalid snapshot name/);
    await storage.createSnapshot("v2", "");
    expect((await storage.listSnapshots()).map((s) => s.name)).toEqual(["v1", "v2"]);
    expect((await storage.getSnapshot("v2")).files.map((f) => f.key)).toEqual([
      "data/a.txt",
      "data/sub/b.txt",
      "other/o.txt",
    ]);
    await storage.deleteSnapshot("v1");
    await expect(storage.getSnapshot("v1")).rejects.toMatchObject({ code: "SNAPSHOT_NOT_FOUND" });
    // Jupyter display: a table of files with totals
    const display = (got as unknown as Record<symbol, () => Record<string, string>>)[
      Symbol.for("Jupyter.display")
    ]();
    expect(display["text/plain"]).toMatch(/2 file\(s\)/);
    expect(display["text/html"]).toContain("data/sub/b.txt");
  });

  it("two concurrent creates of one name leave exactly one", async () => {
    const storage = await env.storage();
    const local = await env.tempDir();
    await writeTree(local, { "d/a.txt": "a" });
    await storage.push("d", { localPathPrefix: local });
    const results = await Promise.allSettled([
      storage.createSnapshot("same", "d", { message: "one" }),
      storage.createSnapshot("same", "d", { message: "two" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(failed.reason.code).toEqual("SNAPSHOT_EXISTS");
    const winner = (results.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<
      { message?: string }
    >).value;
    expect((await storage.getSnapshot("same")).message).toEqual(winner.message);
  });

  it("restore after overwrites and deletions equals what was recorded (versioned bucket)", async () => {
    if (!versioned) return;
    const storage = await env.storage({ basePath: "ns" });
    await storage.createBucket({ versioning: true });
    const local = await env.tempDir();
    const recorded = { "a.txt": "alpha", "sub/b.txt": "beta", "sub/c.bin": "c".repeat(1000) };
    await writeTree(join(local, "data"), recorded);
    await storage.push("data", { localPathPrefix: local, snapshot: "v1" });
    // later: overwrite, delete, add
    await writeTree(join(local, "data"), { "a.txt": "ALPHA v2", "new.txt": "n" });
    await storage.push("data", { localPathPrefix: local, force: true });
    await storage.delete("data/sub/b.txt");
    // a plain pull sees the current state, no manifests
    const plain = await env.tempDir();
    await storage.pull("", { localBaseDir: plain });
    expect(await listTree(plain)).toEqual(["data/a.txt", "data/new.txt", "data/sub/c.bin"]);
    // restore into an empty folder: byte for byte
    const out = await env.tempDir();
    const r = await storage.pull("data", { localBaseDir: out, snapshot: "v1" });
    expect(r.syncedFiles).toHaveLength(3);
    expect(await folderState(join(out, "data"))).toEqual(recorded);
    // into a folder that holds some of the files: only the others move
    const partial = await env.tempDir();
    await writeTree(join(partial, "data"), { "a.txt": "alpha" });
    const p = await storage.pull("data", { localBaseDir: partial, snapshot: "v1" });
    expect(p.syncedFiles.map((o) => o.name).sort()).toEqual([
      "ns/data/sub/b.txt",
      "ns/data/sub/c.bin",
    ]);
    expect(await folderState(join(partial, "data"))).toEqual(recorded);
    // again: nothing moves
    const again = await storage.pull("data", { localBaseDir: partial, snapshot: "v1" });
    expect(again.syncedFiles).toHaveLength(0);
  });

  it("unversioned bucket: a restore of changed or deleted objects is refused by name, nothing written", async () => {
    const storage = await env.storage();
    const local = await env.tempDir();
    await writeTree(join(local, "data"), { "a.txt": "a", "b.txt": "b", "c.txt": "c" });
    await storage.push("data", { localPathPrefix: local });
    await storage.createSnapshot("v1", "data");
    // unchanged: restores fine
    const ok = await env.tempDir();
    await storage.pull("", { localBaseDir: ok, snapshot: "v1" });
    expect(await folderState(ok)).toEqual({
      "data/a.txt": "a",
      "data/b.txt": "b",
      "data/c.txt": "c",
    });
    if (versioned) return; // versioned stores: the rest needs an unversioned bucket (below)
  });

  it("unversioned bucket: changed objects refuse the restore", async () => {
    const storage = await env.storage();
    const local = await env.tempDir();
    await writeTree(join(local, "data"), { "a.txt": "a", "b.txt": "b", "c.txt": "c" });
    await storage.push("data", { localPathPrefix: local });
    await storage.createSnapshot("v1", "data");
    await writeTree(join(local, "data"), { "a.txt": "A2" });
    await storage.push("data", { localPathPrefix: local, force: true });
    await storage.delete("data/b.txt");
    const out = await env.tempDir();
    const e = await storage.pull("", { localBaseDir: out, snapshot: "v1" }).catch((x) => x);
    expect(e.code).toEqual("SNAPSHOT_OBJECT_CHANGED");
    expect(e.message).toContain("data/a.txt");
    expect(e.message).toContain("data/b.txt");
    expect(e.message).not.toContain("data/c.txt");
    expect(e.message).toContain("--versioning");
    expect(await listTree(out)).toEqual([]);
    // a folder that already holds the changed files: nothing needs them, the restore runs
    await writeTree(out, { "data/a.txt": "a", "data/b.txt": "b" });
    const r = await storage.pull("", { localBaseDir: out, snapshot: "v1" });
    expect(r.syncedFiles.map((o) => o.name)).toEqual(["data/c.txt"]);
  });

  it("push --snapshot records only after a successful push", async () => {
    const storage = await env.storage();
    const local = await env.tempDir();
    await writeTree(join(local, "data"), { "a.txt": "a" });
    await storage.push("data", { localPathPrefix: local });
    await writeTree(join(local, "data"), { "a.txt": "changed", "b.txt": "b" });
    // refused (would overwrite without force): no snapshot
    await expect(storage.push("data", { localPathPrefix: local, snapshot: "s1" })).rejects
      .toMatchObject({ code: "SYNC_CONFLICT" });
    await expect(storage.getSnapshot("s1")).rejects.toMatchObject({ code: "SNAPSHOT_NOT_FOUND" });
    // dry run: none either
    await storage.push("data", {
      localPathPrefix: local,
      snapshot: "s1",
      dryrun: true,
      force: true,
    });
    await expect(storage.getSnapshot("s1")).rejects.toMatchObject({ code: "SNAPSHOT_NOT_FOUND" });
    // success: recorded, matching the pushed files
    await storage.push("data", { localPathPrefix: local, snapshot: "s1", force: true });
    const s = await storage.getSnapshot("s1");
    expect(s.path).toEqual("data");
    expect(s.files.map((f) => [f.key, f.md5])).toEqual([
      ["data/a.txt", md5("changed")],
      ["data/b.txt", md5("b")],
    ]);
    // a name already taken is refused before anything moves
    await writeTree(join(local, "data"), { "c.txt": "c" });
    await expect(storage.push("data", { localPathPrefix: local, snapshot: "s1" })).rejects
      .toMatchObject({ code: "SNAPSHOT_EXISTS" });
    expect(await bucketKeys(storage)).not.toContain("data/c.txt");
  });
  it("push --snapshot records none when a transfer fails or the push is interrupted", async () => {
    const base = await env.storage();
    const local = await env.tempDir();
    await writeTree(join(local, "data"), { "a.txt": "a", "b.txt": "b" });
    const hooked = new HookedStore(await base.store(), {
      beforePut: (key) =>
        key.endsWith("b.txt")
          ? Promise.reject(new StorageError("injected", { code: "STORAGE_ERROR" }))
          : Promise.resolve(),
    });
    const failing = new RemoteStorage(env.config(), { store: hooked, events: QUIET });
    await expect(failing.push("data", { localPathPrefix: local, snapshot: "s" })).rejects
      .toThrow();
    await expect(base.getSnapshot("s")).rejects.toMatchObject({ code: "SNAPSHOT_NOT_FOUND" });
    const controller = new AbortController();
    const aborting = new RemoteStorage(env.config(), {
      store: new HookedStore(await base.store(), {
        beforePut: () => {
          controller.abort();
          return Promise.resolve();
        },
      }),
      events: QUIET,
    });
    await expect(
      aborting.push("data", { localPathPrefix: local, snapshot: "s", signal: controller.signal }),
    ).rejects.toThrow();
    await expect(base.getSnapshot("s")).rejects.toMatchObject({ code: "SNAPSHOT_NOT_FOUND" });
    // the same push succeeding records it
    await base.push("data", { localPathPrefix: local, snapshot: "s", force: true });
    expect((await base.getSnapshot("s")).files.map((f) => f.key)).toEqual([
      "data/a.txt",
      "data/b.txt",
    ]);
  });
});
