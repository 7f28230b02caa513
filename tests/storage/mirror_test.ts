/**
 * Mirrors (`delete: true`, `maxDelete`) and `.accsrignore` files through `RemoteStorage`,
 * against every provider (memory, file, the real S3 server, Azurite).
 */
import { it } from "node:test";
import { expect } from "expect";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AccsrError, MaxDeleteExceededError, StorageError } from "../../errors.ts";
import { type ObjectStore, RemoteStorage } from "../../storage/mod.ts";
import { HookedStore } from "../reliability/_helpers.ts";
import {
  bucketKeys,
  describeEachProvider,
  listTree,
  QUIET,
  readText,
  remoteText,
  writeTree,
} from "./_providers.ts";
import { IGNORE_TREE, IGNORE_TREE_KEPT } from "./_ignore_tree.ts";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

/** Key → MD5 of every object of the bucket. */
async function bucketState(storage: RemoteStorage): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const k of await bucketKeys(storage)) out[k] = md5(await remoteText(storage, k));
  return out;
}

/** Relative path → content of every file below `dir`. */
async function folderState(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listTree(dir)) out[f] = await readText(join(dir, ...f.split("/")));
  return out;
}

describeEachProvider("mirror and ignore files", (env) => {
  it("push with nested ignore files and negation selects exactly the expected keys", async () => {
    const storage = await env.storage({ basePath: "ns" });
    const local = await env.tempDir();
    await writeTree(join(local, "data"), IGNORE_TREE);
    const done = await storage.push("data", { localPathPrefix: local });
    const expected = IGNORE_TREE_KEPT.map((k) => `ns/data/${k}`).sort();
    expect(done.syncedFiles.map((o) => o.name).sort()).toEqual(expected);
    expect(await bucketKeys(storage)).toEqual(expected);
    // the ignore files of the folders above the pushed one apply too (project root)
    await writeFile(join(local, ".accsrignore"), "a.txt\n");
    await writeFile(join(local, "data", "new.txt"), "n");
    const again = await storage.push("data", { localPathPrefix: local, dryrun: true });
    expect(again.filesToSync.map((o) => o.name)).toEqual(["ns/data/new.txt"]);
    expect(again.allFilesAnalyzed.map((o) => o.name)).not.toContain("ns/data/a.txt");
    // ignoreFiles: false pushes everything
    const all = await storage.push("data", {
      localPathPrefix: local,
      ignoreFiles: false,
      dryrun: true,
    });
    const every = Object.keys(IGNORE_TREE).length + 1;
    expect(all.allFilesAnalyzed).toHaveLength(every);
  });

  it("push --delete removes deleted local files and uploads new ones in one transaction", async () => {
    const storage = await env.storage({ basePath: "ns" });
    const local = await env.tempDir();
    await writeTree(local, {
      "data/a.txt": "a",
      "data/old.txt": "old",
      "data/sub/gone.txt": "g",
      "data/sub/b.txt": "b",
      "other/o.txt": "o",
    });
    await storage.push("data", { localPathPrefix: local });
    await storage.push("other", { localPathPrefix: local });
    await rm(join(local, "data", "old.txt"));
    await rm(join(local, "data", "sub", "gone.txt"));
    await writeTree(local, { "data/new.txt": "new", "data/a.txt": "A" });

    const plan = await storage.push("data", {
      localPathPrefix: local,
      delete: true,
      force: true,
      dryrun: true,
    });
    expect(plan.filesToDelete.map((o) => o.name)).toEqual([
      "ns/data/old.txt",
      "ns/data/sub/gone.txt",
    ]);
    expect(plan.getShortSummaryDict()).toEqual({
      sync_direction: "push",
      files_to_sync: 2,
      total_size: 4,
      unresolvable_collisions: 0,
      synced_files: 0,
      files_to_delete: 2,
      deleted_files: 0,
    });
    const json = JSON.parse(JSON.stringify(plan));
    expect(json.files_to_delete.map((o: { remote_path: string }) => o.remote_path)).toEqual([
      "ns/data/old.txt",
      "ns/data/sub/gone.txt",
    ]);
    expect(json.deleted_files).toEqual([]);
    expect(await bucketKeys(storage)).toContain("ns/data/old.txt"); // dry run moved nothing

    const done = await storage.push("data", { localPathPrefix: local, delete: true, force: true });
    expect(done.deletedFiles.map((o) => o.name)).toEqual([
      "ns/data/old.txt",
      "ns/data/sub/gone.txt",
    ]);
    expect(done.syncedFiles.map((o) => o.name).sort()).toEqual([
      "ns/data/a.txt",
      "ns/data/new.txt",
    ]);
    expect(await bucketKeys(storage)).toEqual([
      "ns/data/a.txt",
      "ns/data/new.txt",
      "ns/data/sub/b.txt",
      "ns/other/o.txt", // outside the pushed folder
    ]);
    expect(await remoteText(storage, "ns/data/a.txt")).toBe("A");
    // a second mirror has nothing to do
    const again = await storage.push("data", { localPathPrefix: local, delete: true });
    expect(again.getShortSummaryDict()).toMatchObject({ files_to_sync: 0, files_to_delete: 0 });
  });

  it("push --delete keeps objects skipped by the regexes, ignored, or in the reserved .accsr/ prefix", async () => {
    const storage = await env.storage({ basePath: "ns" });
    const local = await env.tempDir();
    await writeTree(local, { "a.txt": "a", "cache/c.bin": "c", "tmp/t.txt": "t", "x.txt": "x" });
    await storage.push(".", { localPathPrefix: local });
    const store = await storage.store();
    const put = (key: string) =>
      store.put(key, { data: new Uint8Array([1]) }, { md5: md5("\x01") });
    await put("ns/.accsr/snapshots/v1.json");
    if (env.name !== "file") await put("ns/folder/"); // a folder marker (not a file-store key)
    await put("elsewhere/e.txt"); // outside the base path
    await rm(join(local, "cache"), { recursive: true });
    await rm(join(local, "tmp"), { recursive: true });
    await rm(join(local, "x.txt"));
    await writeFile(join(local, ".accsrignore"), "cache/\n");
    const done = await storage.push(".", {
      localPathPrefix: local,
      delete: true,
      excludeRegex: "tmp/",
    });
    expect(done.deletedFiles.map((o) => o.name)).toEqual(["ns/x.txt"]);
    expect(await bucketKeys(storage)).toEqual([
      "elsewhere/e.txt",
      "ns/.accsr/snapshots/v1.json",
      "ns/.accsrignore",
      "ns/a.txt",
      "ns/cache/c.bin",
      ...(env.name === "file" ? [] : ["ns/folder/"]),
      "ns/tmp/t.txt",
    ]);
  });

  it("push --delete of an emptied folder deletes what it held remotely", async () => {
    const storage = await env.storage();
    const local = await env.tempDir();
    await writeTree(local, { "d/a.txt": "a", "d/b.txt": "b", "e.txt": "e" });
    await storage.push("d", { localPathPrefix: local });
    await storage.push("e.txt", { localPathPrefix: local });
    await rm(join(local, "d", "a.txt"));
    await rm(join(local, "d", "b.txt"));
    const done = await storage.push("d", { localPathPrefix: local, delete: true });
    expect(done.deletedFiles).toHaveLength(2);
    expect(await bucketKeys(storage)).toEqual(["e.txt"]);
  });

  it("maxDelete refuses the whole transaction before anything moves", async () => {
    const storage = await env.storage({ basePath: "ns" });
    const local = await env.tempDir();
    await writeTree(local, { "d/a.txt": "a", "d/b.txt": "b", "d/c.txt": "c" });
    await storage.push("d", { localPathPrefix: local });
    await rm(join(local, "d", "b.txt"));
    await rm(join(local, "d", "c.txt"));
    await writeTree(local, { "d/new.txt": "new", "d/a.txt": "changed" });
    const bucketBefore = await bucketState(storage);
    const folderBefore = await folderState(local);

    const dry = await storage.push("d", {
      localPathPrefix: local,
      delete: true,
      maxDelete: 1,
      force: true,
      dryrun: true,
    });
    expect(dry.exceedsMaxDelete).toBe(true);
    const err = await storage.push("d", {
      localPathPrefix: local,
      delete: true,
      maxDelete: 1,
      force: true,
    }).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(MaxDeleteExceededError);
    expect(err.code).toBe("MAX_DELETE_EXCEEDED");
    expect(err.names).toEqual(["ns/d/b.txt", "ns/d/c.txt"]);
    expect(err.maxDelete).toBe(1);
    expect(await bucketState(storage)).toEqual(bucketBefore);
    expect(await folderState(local)).toEqual(folderBefore);

    // the same for a pull: nothing downloaded, nothing deleted
    const copy = await env.tempDir();
    await writeTree(copy, { "d/x.txt": "x", "d/y.txt": "y" });
    const copyBefore = await folderState(copy);
    const pullErr = await storage.pull("d", { localBaseDir: copy, delete: true, maxDelete: 1 })
      .then(() => undefined, (e) => e);
    expect(pullErr).toBeInstanceOf(MaxDeleteExceededError);
    expect(await folderState(copy)).toEqual(copyBefore);
    expect(await bucketState(storage)).toEqual(bucketBefore);

    // the limit itself is allowed
    const ok = await storage.push("d", {
      localPathPrefix: local,
      delete: true,
      maxDelete: 2,
      force: true,
    });
    expect(ok.deletedFiles).toHaveLength(2);
  });

  it("maxDelete without delete, or negative, is a programming error", async () => {
    const storage = await env.storage();
    const local = await env.tempDir();
    await writeTree(local, { "a.txt": "a" });
    await expect(storage.push("a.txt", { localPathPrefix: local, maxDelete: 3 })).rejects
      .toThrow(RangeError);
    await expect(storage.pull("", { localBaseDir: local, delete: true, maxDelete: -1 })).rejects
      .toThrow(RangeError);
    await expect(storage.push("*.txt", { localPathPrefix: local, delete: true })).rejects
      .toThrow(/glob/);
  });

  it("pull --delete removes stale local files but keeps ignored, outside and accsr's own files", async () => {
    const storage = await env.storage({ basePath: "ns" });
    const src = await env.tempDir();
    await writeTree(src, {
      "data/a.txt": "a",
      "data/sub/b.txt": "b",
      "data/.accsrignore": "scratch/\n", // arrives with this pull, protects scratch/
    });
    await storage.push("data", { localPathPrefix: src });
    const copy = await env.tempDir();
    await writeTree(copy, {
      "data/stale.txt": "s",
      "data/old/deep/stale2.txt": "s",
      "data/scratch/keep.bin": "k",
      "data/local/.accsrignore": "*.cache\n", // a local ignore file protects too
      "data/local/x.cache": "c",
      "data/.accsr-0a1b2c.part": "p",
      "data/.accsr-meta/m": "m",
      "data/skipme.txt": "e",
      "outside.txt": "o",
      "other/o.txt": "o",
    });
    const plan = await storage.pull("data", {
      localBaseDir: copy,
      delete: true,
      excludeRegex: "data/skipme",
      dryrun: true,
    });
    const doomed = ["data/old/deep/stale2.txt", "data/stale.txt"].map((p) =>
      join(copy, ...p.split("/"))
    );
    expect(plan.filesToDelete.map((o) => o.localPath)).toEqual(doomed);
    expect(plan.filesToDelete.map((o) => o.name)).toEqual([
      "ns/data/old/deep/stale2.txt",
      "ns/data/stale.txt",
    ]);
    const done = await storage.pull("data", {
      localBaseDir: copy,
      delete: true,
      excludeRegex: "data/skipme",
    });
    expect(done.deletedFiles.map((o) => o.localPath)).toEqual(doomed);
    expect(await listTree(copy)).toEqual([
      "data/.accsr-0a1b2c.part",
      "data/.accsr-meta/m",
      "data/.accsrignore",
      "data/a.txt",
      "data/local/.accsrignore",
      "data/local/x.cache",
      "data/scratch/keep.bin",
      "data/skipme.txt",
      "data/sub/b.txt",
      "other/o.txt",
      "outside.txt",
    ]);
    // folders emptied by the deletions are removed
    await expect(readFile(join(copy, "data", "old"))).rejects.toThrow();
    // without ignore files, ignored files are deleted too
    const noIgnore = await storage.pull("data", {
      localBaseDir: copy,
      delete: true,
      excludeRegex: "data/skipme",
      ignoreFiles: false,
      dryrun: true,
    });
    expect(noIgnore.filesToDelete.map((o) => o.name)).toEqual([
      "ns/data/local/x.cache",
      "ns/data/scratch/keep.bin",
    ]);
  });

  it("pull --delete refuses to empty a folder when nothing is on the remote below the path", async () => {
    const storage = await env.storage({ basePath: "ns" });
    const copy = await env.tempDir();
    await writeTree(copy, { "data/a.txt": "a" });
    const err = await storage.pull("data", { localBaseDir: copy, delete: true })
      .then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(AccsrError);
    expect(err.code).toBe("REMOTE_PATH_EMPTY");
    expect(await listTree(copy)).toEqual(["data/a.txt"]);
  });

  it("deletions run only after every transfer succeeded: a failed upload deletes nothing", async () => {
    const base = await env.storage({ basePath: "ns" });
    const local = await env.tempDir();
    await writeTree(local, { "d/a.txt": "a", "d/old1.txt": "1", "d/old2.txt": "2" });
    await base.push("d", { localPathPrefix: local });
    await rm(join(local, "d", "old1.txt"));
    await rm(join(local, "d", "old2.txt"));
    await writeTree(local, { "d/n1.txt": "n1", "d/n2.txt": "n2", "d/n3.txt": "n3" });
    const before = await bucketState(base);
    let puts = 0;
    const deletes: string[][] = [];
    const inner = await base.store();
    const hooked = new HookedStore(inner, {
      beforePut: (key) => {
        if (++puts === 2) {
          return Promise.reject(
            new StorageError(`Cannot put "${key}": injected failure`, { code: "STORAGE_ERROR" }),
          );
        }
        return Promise.resolve();
      },
    });
    const spy: ObjectStore = Object.assign(Object.create(hooked), {
      delete: (keys: readonly string[], o?: { signal?: AbortSignal }) => {
        deletes.push([...keys]);
        return inner.delete(keys, o);
      },
    });
    const storage = new RemoteStorage(env.config({ basePath: "ns" }), {
      store: spy,
      events: QUIET,
    });
    const err = await storage.push("d", { localPathPrefix: local, delete: true, concurrency: 1 })
      .then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(deletes).toEqual([]);
    const after = await bucketState(base);
    for (const [key, sum] of Object.entries(before)) expect(after[key]).toBe(sum);
    // the next run finishes the mirror, with one batched delete
    puts = 100;
    const done = await storage.push("d", { localPathPrefix: local, delete: true });
    expect(done.deletedFiles.map((o) => o.name)).toEqual(["ns/d/old1.txt", "ns/d/old2.txt"]);
    expect(deletes).toEqual([["ns/d/old1.txt", "ns/d/old2.txt"]]);
  });

  it("pull --delete deletes nothing when a download fails", async () => {
    const base = await env.storage();
    const src = await env.tempDir();
    await writeTree(src, { "d/a.txt": "a", "d/b.txt": "b" });
    await base.push("d", { localPathPrefix: src });
    const copy = await env.tempDir();
    await writeTree(copy, { "d/stale.txt": "s" });
    const hooked = new HookedStore(await base.store(), {
      beforeGet: (key) =>
        key.endsWith("b.txt")
          ? Promise.reject(new StorageError("injected", { code: "STORAGE_ERROR" }))
          : Promise.resolve(),
    });
    const storage = new RemoteStorage(env.config(), { store: hooked, events: QUIET });
    await expect(storage.pull("d", { localBaseDir: copy, delete: true })).rejects.toThrow();
    expect(await listTree(copy)).toContain("d/stale.txt");
  });

  it("pull --delete never deletes a local file changed after planning", async () => {
    const storage = await env.storage();
    const src = await env.tempDir();
    await writeTree(src, { "d/a.txt": "a" });
    await storage.push("d", { localPathPrefix: src });
    const copy = await env.tempDir();
    await mkdir(join(copy, "d"), { recursive: true });
    await writeFile(join(copy, "d", "stale.txt"), "s");
    const plan = await storage.pull("d", { localBaseDir: copy, delete: true, dryrun: true });
    expect(plan.filesToDelete).toHaveLength(1);
    // the file changes between planning and applying
    await writeFile(join(copy, "d", "stale.txt"), "changed content");
    const { applyPlan } = await import("../../storage/apply.ts");
    const applied = await applyPlan(plan, {
      store: await storage.store(),
      force: false,
      dryrun: false,
      concurrency: 2,
      events: QUIET,
    });
    expect(applied.deletedFiles).toEqual([]);
    expect(await readText(join(copy, "d", "stale.txt"))).toBe("changed content");
  });
});
