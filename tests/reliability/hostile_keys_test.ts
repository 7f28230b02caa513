/**
 * Hostile remote keys: a pull never writes outside `localBaseDir`. Keys that cannot be
 * mapped safely (`../x`, `a/../../x`, `/etc/x`, `C:\x`, NUL, backslashes, `.`/empty
 * segments, a key equal to the base path, a name longer than a file system allows) make the
 * whole pull refuse before any byte moves, naming the key; the dry run reports them. Runs
 * against the memory store and, with `S3_ENDPOINT`, S3 (keys the server refuses are skipped
 * with a printed reason).
 */
import { after, describe, it } from "node:test";
import { expect } from "expect";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SyncConflictError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import type { ObjectStore } from "../../storage/stores/types.ts";
import { md5Of, QUIET, rejectionOf, storeKinds } from "./_helpers.ts";

const OUTSIDE = `/tmp/accsr-hostile-${randomBytes(4).toString("hex")}`;

/** Key → why it is hostile. */
const HOSTILE: [string, string][] = [
  ["../x", ".."],
  ["a/../../x", ".."],
  ["../../../../../../../../../..".concat(OUTSIDE, "/x"), ".."],
  ["/etc/x", "absolute"],
  [`${OUTSIDE}/x`, "absolute"],
  ["C:\\x", "drive letter / backslash"],
  ["a\\..\\..\\x", "backslash"],
  ["a\0b", "NUL"],
  ["..", ".."],
  [".", "."],
  ["a/./b", "."],
  ["a//b", "empty segment"],
  [`d/${"n".repeat(256)}`, "name longer than 255 bytes"],
];

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, pre: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(d, e.name), `${pre}${e.name}/`);
      else out.push(`${pre}${e.name}`);
    }
  };
  await walk(dir, "");
  return out.sort();
}

async function putKey(store: ObjectStore, key: string, text: string): Promise<boolean> {
  const data = new TextEncoder().encode(text);
  try {
    await store.put(key, { data }, { md5: md5Of(data) });
    return true;
  } catch (e) {
    console.warn(
      `hostile keys (${store.provider}): the server refuses ${JSON.stringify(key).slice(0, 40)}: ${
        (e as Error).message.slice(0, 120)
      }`,
    );
    return false;
  }
}

for (const kind of storeKinds("hostile").filter((k) => k.name !== "file")) {
  describe(`hostile remote keys (${kind.name})`, () => {
    let tmp = "";
    after(async () => {
      await kind.cleanup();
      if (tmp) await rm(tmp, { recursive: true, force: true });
      expect(existsSync(OUTSIDE)).toBe(false);
    });
    async function sandbox(): Promise<{ root: string; out: string }> {
      tmp ||= await mkdtemp(join(tmpdir(), "accsr-rel-hostile-"));
      const root = await mkdtemp(join(tmp, "sandbox-"));
      const out = join(root, "a", "b", "out");
      await mkdir(out, { recursive: true });
      return { root, out };
    }
    const etcX = existsSync("/etc/x");

    for (const [key, why] of HOSTILE) {
      it(`key ${JSON.stringify(key).slice(0, 48)} (${why}): the pull refuses, naming it; nothing is written`, async () => {
        const store = await kind.make();
        if (!await putKey(store, key, "evil\n")) return;
        await putKey(store, "ok.txt", "fine\n");
        const storage = new RemoteStorage({ provider: "memory", bucket: "bkt" }, {
          store,
          events: QUIET,
        });
        const { root, out } = await sandbox();

        const plan = await storage.pull("", { localBaseDir: out, dryrun: true });
        expect(plan.hasUnresolvableCollisions).toBe(true);

        const err = await rejectionOf(storage.pull("", { localBaseDir: out }));
        expect(err).toBeInstanceOf(SyncConflictError);
        expect(err.message).toContain("nothing was transferred");
        const shown = key.replace(/^\/+/, "");
        expect((err as SyncConflictError).names).toContain(shown);
        expect(await filesBelow(root)).toEqual([]); // not even ok.txt: all or nothing
        expect(existsSync(OUTSIDE)).toBe(false);
        if (!etcX) expect(existsSync("/etc/x")).toBe(false);
        // Excluding the key lets the rest through, still inside the base dir only.
        const escaped = shown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const ok = await storage.pull("", { localBaseDir: out, excludeRegex: `^/*${escaped}$` });
        expect(ok.syncedFiles.map((o) => o.name)).toEqual(["ok.txt"]);
        expect(await filesBelow(root)).toEqual(["a/b/out/ok.txt"]);
      });
    }

    it("a key equal to the base path (and one escaping it) is refused", async () => {
      const store = await kind.make();
      await putKey(store, "ns", "the base path itself\n");
      await putKey(store, "ns/ok.txt", "fine\n");
      const storage = new RemoteStorage({ provider: "memory", bucket: "bkt", basePath: "ns" }, {
        store,
        events: QUIET,
      });
      const { root, out } = await sandbox();
      const err = await rejectionOf(storage.pull("", { localBaseDir: out }));
      expect(err).toBeInstanceOf(SyncConflictError);
      expect((err as SyncConflictError).names).toContain("ns");
      expect(err.message).toContain("names the base path itself");
      expect(await filesBelow(root)).toEqual([]);
      if (await putKey(store, "ns/../../x", "evil\n")) {
        const err2 = await rejectionOf(storage.pull("", { localBaseDir: out }));
        expect((err2 as SyncConflictError).names).toContain("ns/../../x");
        expect(await filesBelow(root)).toEqual([]);
      }
    });

    it("long keys: a 255-byte name and a 1000-byte key pull fine; 256 bytes is refused", async () => {
      const store = await kind.make();
      const name255 = `${"é".repeat(100)}${"n".repeat(51)}`; // 251 bytes + ".txt"
      expect(new TextEncoder().encode(`${name255}.txt`).length).toBe(255);
      const deep = Array.from({ length: 20 }, (_, i) => `seg${i}-${"x".repeat(40)}`).join("/");
      expect(deep.length).toBeGreaterThan(900);
      await putKey(store, `long/${name255}.txt`, "255\n");
      await putKey(store, `deep/${deep}/f.txt`, "deep\n");
      await putKey(store, `toolong/${"m".repeat(256)}`, "256\n");
      const storage = new RemoteStorage({ provider: "memory", bucket: "bkt" }, {
        store,
        events: QUIET,
      });
      const { root, out } = await sandbox();
      const s1 = await storage.pull("long", { localBaseDir: out });
      expect(s1.syncedFiles.length).toBe(1);
      expect(await readFile(join(out, "long", `${name255}.txt`), "utf8")).toBe("255\n");
      const s2 = await storage.pull("deep", { localBaseDir: out });
      expect(s2.syncedFiles.length).toBe(1);
      const err = await rejectionOf(storage.pull("toolong", { localBaseDir: out }));
      expect(err).toBeInstanceOf(SyncConflictError);
      expect(err.message).toContain("longer than 255 bytes");
      expect((await filesBelow(root)).filter((f) => f.includes("toolong"))).toEqual([]);
    });
  });
}
