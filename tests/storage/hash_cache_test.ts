/**
 * The hash cache: one journal file per synced tree, appended once per transaction, entries
 * valid across runtimes (coarse and fine clocks), strict change detection.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { type FileVersion, HashCache, hashCacheMisses } from "../../storage/hashing.ts";
import { RemoteStorage } from "../../storage/mod.ts";

const MD5_A = "900150983cd24fb0d6963f7d28e17f72";
const MD5_B = "d41d8cd98f00b204e9800998ecf8427e";

describe("hash cache", () => {
  let cacheDir: string;
  let work: string;
  let saved: string | undefined;
  before(async () => {
    saved = process.env.ACCSR_CACHE_DIR;
    cacheDir = await mkdtemp(join(tmpdir(), "accsr-hc-"));
    work = await mkdtemp(join(tmpdir(), "accsr-hc-work-"));
    process.env.ACCSR_CACHE_DIR = cacheDir;
  });
  after(async () => {
    if (saved === undefined) delete process.env.ACCSR_CACHE_DIR;
    else process.env.ACCSR_CACHE_DIR = saved;
    await rm(cacheDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  const cacheFiles = async () =>
    (await readdir(join(cacheDir, "md5")).catch(() => [] as string[])).filter((n) =>
      n.endsWith(".tsv")
    );
  /** Reads the cache file of a tree (named after the SHA-1 of its path). */
  const cacheText = (tree: string) => () =>
    readFile(
      join(cacheDir, "md5", `${createHash("sha1").update(tree).digest("hex").slice(0, 32)}.tsv`),
      "utf8",
    );

  it("keeps entries across opens; size, mtime, ctime or inode changes invalidate them", async () => {
    const tree = join(work, "t1");
    const v: FileVersion = {
      absPath: join(tree, "a.txt"),
      size: 3,
      mtimeMs: 1_700_000_000_123.25,
      ctimeMs: 1_700_000_000_456.5,
      ino: 42,
    };
    const c = await HashCache.open(tree);
    c.set(v, MD5_A);
    await c.save();
    const again = await HashCache.open(tree);
    expect(again.get(v)).toBe(MD5_A);
    expect(again.get({ ...v, size: 4 })).toBeUndefined();
    expect(again.get({ ...v, mtimeMs: v.mtimeMs + 0.001 })).toBeUndefined();
    expect(again.get({ ...v, ctimeMs: v.ctimeMs + 0.001 })).toBeUndefined();
    expect(again.get({ ...v, ino: 43 })).toBeUndefined();
    expect(again.get({ ...v, absPath: join(tree, "b.txt") })).toBeUndefined();
  });

  it("an entry written with a coarse clock (Deno: ms mtime, whole-second ctime) is valid with a fine one (Node) and vice versa", async () => {
    const tree = join(work, "t2");
    const fine: FileVersion = {
      absPath: join(tree, "a.txt"),
      size: 3,
      mtimeMs: 1_700_000_000_123.25,
      ctimeMs: 1_700_000_000_456.5,
      ino: 7,
    };
    const coarse: FileVersion = { ...fine, mtimeMs: 1_700_000_000_123, ctimeMs: 1_700_000_000_000 };
    const deno = await HashCache.open(tree);
    deno.set(coarse, MD5_A);
    await deno.save();
    const node = await HashCache.open(tree);
    expect(node.get(fine)).toBe(MD5_A);
    expect(node.pending).toBe(1); // refreshed with the finer times
    await node.save();
    const deno2 = await HashCache.open(tree);
    expect(deno2.get(coarse)).toBe(MD5_A);
    expect(deno2.pending).toBe(0); // a coarse reading never downgrades an entry
    // but another second, or another millisecond of mtime, is a change
    expect(deno2.get({ ...coarse, ctimeMs: coarse.ctimeMs + 1000 })).toBeUndefined();
    expect(deno2.get({ ...coarse, mtimeMs: coarse.mtimeMs + 1 })).toBeUndefined();
    const node2 = await HashCache.open(tree);
    expect(node2.get({ ...fine, ctimeMs: fine.ctimeMs + 1 })).toBeUndefined(); // fine vs fine: exact
  });

  it("a save appends only the changed entries (one line each), and compacts when superseded lines dominate", async () => {
    const tree = join(work, "t3");
    const read = await cacheText(tree);
    const c = await HashCache.open(tree);
    const v = (i: number): FileVersion => ({
      absPath: join(tree, `d/f${i}`),
      size: i,
      mtimeMs: 1000 + i,
      ctimeMs: 2000 + i,
      ino: i,
    });
    for (let i = 0; i < 100; i++) c.set(v(i), MD5_A);
    await c.save();
    const first = await read();
    const c2 = await HashCache.open(tree);
    for (let i = 0; i < 100; i++) expect(c2.get(v(i))).toBe(MD5_A);
    c2.set({ ...v(5), size: 555 }, MD5_B);
    c2.set(v(6), MD5_A); // unchanged: not written again
    await c2.save();
    const second = await read();
    expect(second.startsWith(first)).toBe(true);
    expect(second.slice(first.length)).toBe(`"d/f5"\t555\t1005\t2005\t5\t${MD5_B}\n`);
    await c2.save(); // nothing changed: nothing written
    expect(await read()).toBe(second);
    // many rewrites of the same entries: the file is compacted, entries survive
    for (let round = 0; round < 30; round++) {
      const c3 = await HashCache.open(tree);
      for (let i = 0; i < 100; i++) c3.set({ ...v(i), size: 1000 + round }, MD5_B);
      await c3.save();
    }
    const lines = (await read()).split("\n").filter((l) => l !== "");
    expect(lines.length).toBeLessThan(1 + 101 * 2 + 1000 + 101);
    const c4 = await HashCache.open(tree);
    expect(c4.get({ ...v(7), size: 1029 })).toBe(MD5_B);
  });

  it("skips torn or foreign lines; odd file names survive", async () => {
    const tree = join(work, "t4");
    const read = await cacheText(tree);
    const c = await HashCache.open(tree);
    const odd: FileVersion = {
      absPath: join(tree, 'tab\there "quoted" \\ back\nslash'),
      size: 1,
      mtimeMs: 1,
      ctimeMs: 1000,
      ino: 1,
    };
    c.set(odd, MD5_A);
    await c.save();
    // append garbage the way a torn concurrent write could leave it
    await writeFile(
      join(cacheDir, "md5", `${createHash("sha1").update(tree).digest("hex").slice(0, 32)}.tsv`),
      (await read()) + '"x"\t1\t2\n"y"\t1\t2\t3\t4\tnot-an-md5\n',
    );
    const again = await HashCache.open(tree);
    expect(again.get(odd)).toBe(MD5_A);
  });

  it("one cache file per synced tree, written once per push; a no-op push and a push after a pull hash nothing", async () => {
    const src = join(work, "src");
    const tree = join(src, "data");
    for (let i = 0; i < 20; i++) {
      await writeFile(join(await mkdirp(join(tree, `d${i % 3}`)), `f${i}.txt`), `content ${i}`);
    }
    await writeFile(join(await mkdirp(join(src, "other")), "x.txt"), "other");
    const storage = new RemoteStorage({ provider: "memory", bucket: `hc-${Date.now()}` } as never, {
      events: {},
    });
    await storage.createBucket();
    const filesBefore = new Set(await cacheFiles());
    await storage.push(tree, { localPathPrefix: src });
    await storage.push(join(src, "other"), { localPathPrefix: src });
    // one file named after each tree (data/ and other/); other test files running in parallel
    // share the process environment, so files of their trees may appear here too
    const treeFile = (t: string) =>
      `${createHash("sha1").update(t).digest("hex").slice(0, 32)}.tsv`;
    const added = (await cacheFiles()).filter((n) => !filesBefore.has(n));
    expect(added).toEqual(expect.arrayContaining([treeFile(tree), treeFile(join(src, "other"))]));
    expect(added.filter((n) => n.startsWith(treeFile(src).slice(0, 32)))).toEqual([]); // not one for src/
    const misses = hashCacheMisses();
    const noop = await storage.push(tree, { localPathPrefix: src });
    expect(noop.filesToSync.length).toBe(0);
    expect(noop.onTargetEqMd5.length).toBe(20);
    expect(hashCacheMisses()).toBe(misses); // every MD5 came from the cache
    // pull into another folder, then push that folder: no file is hashed again
    const dst = join(work, "dst");
    await storage.pull("data", { localBaseDir: dst });
    const pushed = await storage.push(join(dst, "data"), { localPathPrefix: dst });
    expect(pushed.onTargetEqMd5.length).toBe(20);
    expect(hashCacheMisses()).toBe(misses);
    await storage.close();
  });
});

async function mkdirp(p: string): Promise<string> {
  const { mkdir } = await import("node:fs/promises");
  await mkdir(p, { recursive: true });
  return p;
}
