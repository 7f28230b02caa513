/**
 * A local file that changes while it is uploaded is detected and reported
 * (`LOCAL_FILE_CHANGED` / the store's MD5 check), never recorded as synced. The change is
 * made by a store wrapper (`HookedStore`) from inside `put`, against the memory and file
 * stores and, when `S3_ENDPOINT` is set, S3 (single PUT and multipart).
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { appendFile, mkdtemp, open, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import type { TransactionSummary } from "../../storage/summary.ts";
import { HookedStore, md5File, QUIET, rejectionOf, storeKinds } from "./_helpers.ts";

const MiB = 1024 * 1024;

/** Rewrites `path` in place with different bytes of the same length, keeping its mtime. */
async function rewriteSameSizeKeepMtime(path: string): Promise<void> {
  const st = await stat(path);
  const fh = await open(path, "r+");
  try {
    const first = Buffer.alloc(1);
    await fh.read(first, 0, 1, 0);
    first[0] ^= 0xff;
    await fh.write(first, 0, 1, 0);
  } finally {
    await fh.close();
  }
  await utimes(path, st.atime, st.mtime);
}

for (const kind of storeKinds("change")) {
  describe(`a local file changing during its upload (${kind.name})`, () => {
    let tmp = "";
    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), "accsr-rel-change-"));
    });
    after(async () => {
      await kind.cleanup(); // S3: fails if a multipart upload was left open
      await rm(tmp, { recursive: true, force: true });
    });

    async function setup(change: (path: string) => Promise<void>, size: number) {
      const inner = await kind.make();
      const dir = await mkdtemp(join(tmp, "src-"));
      await writeFile(join(dir, "keep.txt"), "unchanged\n");
      await writeFile(join(dir, "moving.bin"), randomBytes(size));
      let changed = false;
      const store = new HookedStore(inner, {
        beforePut: async (key) => {
          if (key.endsWith("moving.bin") && !changed && size > 8 * MiB) {
            changed = true;
            await change(join(dir, "moving.bin")); // after hashing, before the store reads
          }
        },
        afterPut: async (key) => {
          if (key.endsWith("moving.bin") && !changed) {
            changed = true;
            await change(join(dir, "moving.bin")); // after the bytes were read and sent
          }
        },
      });
      const storage = new RemoteStorage({ provider: "memory", bucket: "bkt" }, {
        store,
        events: QUIET,
      });
      return { inner, dir, storage };
    }

    function expectReported(err: Error, codes: string[]) {
      expect(err).toBeInstanceOf(StorageError);
      const e = err as StorageError;
      expect(codes).toContain(e.code);
      expect(e.message).toMatch(/changed while|MD5/);
      const summary = e.summary as TransactionSummary;
      expect(summary.syncedFiles.map((o) => o.name)).not.toContain("moving.bin");
      expect(summary.failedFiles.map((f) => f.file.name)).toEqual(["moving.bin"]);
      expect((e.synced ?? []).map((o) => (o as { name: string }).name)).not.toContain(
        "moving.bin",
      );
    }

    it("a file that grows after it was read is LOCAL_FILE_CHANGED, not synced", async () => {
      const { dir, storage } = await setup((p) => appendFile(p, "more"), 4096);
      const err = await rejectionOf(storage.push(dir, { localPathPrefix: dir, concurrency: 1 }));
      expectReported(err, ["LOCAL_FILE_CHANGED"]);
      expect(err.message).toContain(join(dir, "moving.bin"));
      expect(err.message).toContain("with force");
      // The remote holds the version that was read (consistent, never a mix); a forced
      // rerun uploads the current content.
      const rerun = await storage.push(dir, { localPathPrefix: dir, force: true });
      expect(rerun.syncedFiles.map((o) => o.name)).toContain("moving.bin");
    });

    it("a same-size rewrite with the old mtime restored is still detected (re-hash)", async () => {
      const { dir, storage } = await setup(rewriteSameSizeKeepMtime, 4096);
      const err = await rejectionOf(storage.push(dir, { localPathPrefix: dir, concurrency: 1 }));
      expectReported(err, ["LOCAL_FILE_CHANGED"]);
    });

    it("a streamed large file changed in place (same size, same mtime) is refused by the MD5 check", async () => {
      const { inner, dir, storage } = await setup(rewriteSameSizeKeepMtime, 11 * MiB);
      const before = await md5File(join(dir, "moving.bin"));
      const err = await rejectionOf(storage.push(dir, { localPathPrefix: dir, concurrency: 1 }));
      expectReported(err, ["LOCAL_FILE_CHANGED", "BAD_DIGEST", "STORAGE_ERROR"]);
      expect(await md5File(join(dir, "moving.bin"))).not.toBe(before);
      // Nothing was stored under the key (multipart uploads are aborted).
      expect(await inner.head("moving.bin")).toBeUndefined();
    });

    it("a file replaced (new inode) during the upload is detected", async () => {
      const { dir, storage } = await setup(async (p) => {
        await writeFile(`${p}.new`, randomBytes(4096)); // same size
        await rename(`${p}.new`, p);
      }, 4096);
      const err = await rejectionOf(storage.push(dir, { localPathPrefix: dir, concurrency: 1 }));
      expectReported(err, ["LOCAL_FILE_CHANGED"]);
    });
  });
}
