/**
 * Races with other writers: a push never overwrites what someone else wrote after it planned.
 * New objects are written create-only (`If-None-Match: *`), forced overwrites only if the
 * object is still the one seen while planning (`If-Match`); a lost race is a
 * `SyncConflictError` naming the files, and the other writer's content stays. Two concurrent
 * pushes of different content to one prefix: per key exactly one wins, the loser gets a
 * clear report, no lost update. Runs against memory, file and (with `S3_ENDPOINT`) S3 —
 * single PUTs and multipart uploads (radosgw: checked by a HEAD right before completion).
 */
import { after, describe, it } from "node:test";
import { expect } from "expect";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SyncConflictError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import type { SyncEvents } from "../../storage/progress.ts";
import type { TransactionSummary } from "../../storage/summary.ts";
import type { ObjectStore } from "../../storage/stores/types.ts";
import {
  HookedStore,
  md5File,
  md5Of,
  QUIET,
  randomFiles,
  rejectionOf,
  storeKinds,
  storeMd5,
} from "./_helpers.ts";

const MiB = 1024 * 1024;

function storageOn(store: ObjectStore, events: SyncEvents = QUIET): RemoteStorage {
  return new RemoteStorage({ provider: "memory", bucket: "bkt" }, { store, events });
}

async function writeObject(store: ObjectStore, key: string, data: Uint8Array): Promise<void> {
  await store.put(key, { data }, { md5: md5Of(data) });
}

function summaryOf(e: unknown): TransactionSummary {
  return (e as { summary: TransactionSummary }).summary;
}

for (const kind of storeKinds("race")) {
  describe(`races with other writers (${kind.name})`, () => {
    let tmp = "";
    after(async () => {
      await kind.cleanup();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });
    async function dir(name: string): Promise<string> {
      tmp ||= await mkdtemp(join(tmpdir(), "accsr-rel-race-"));
      return join(tmp, `${kind.name}-${name}`);
    }

    for (const size of kind.name === "s3" ? [2000, 11 * MiB] : [2000]) {
      const label = size > MiB ? "multipart" : "single PUT";

      it(`${label}: a key created by another writer after planning is a conflict, not overwritten`, async () => {
        const inner = await kind.make();
        const src = await dir(`create-${size}`);
        await randomFiles(src, 3, size);
        const theirs = randomBytes(100);
        let raced = false;
        const store = new HookedStore(inner, {
          beforePut: async (key) => {
            if (key === "f001.bin" && !raced) {
              raced = true;
              await writeObject(inner, key, theirs); // the other writer wins the race
            }
          },
        });
        const err = await rejectionOf(
          storageOn(store).push(src, { localPathPrefix: src, concurrency: 1 }),
        );
        expect(err).toBeInstanceOf(SyncConflictError);
        expect((err as SyncConflictError).names).toEqual(["f001.bin"]);
        expect(err.message).toContain("another writer");
        expect(err.message).toContain("f001.bin");
        const head = await inner.head("f001.bin");
        expect(head?.md5).toBe(md5Of(theirs));
        const summary = summaryOf(err);
        expect(summary.syncedFiles.map((o) => o.name)).toEqual(["f000.bin"]);
        expect(summary.failedFiles.map((f) => f.file.name)).toEqual(["f001.bin"]);
      });

      it(`${label}: force overwrites only the version seen while planning (If-Match)`, async () => {
        const inner = await kind.make();
        const src = await dir(`force-${size}`);
        await randomFiles(src, 1, size);
        await writeObject(inner, "f000.bin", randomBytes(50)); // v1, seen while planning
        const v3 = randomBytes(60);
        let raced = false;
        const store = new HookedStore(inner, {
          beforePut: async (key) => {
            if (!raced) {
              raced = true;
              await writeObject(inner, key, v3); // changed between plan and apply
            }
          },
        });
        const err = await rejectionOf(
          storageOn(store).push(src, { localPathPrefix: src, force: true }),
        );
        expect(err).toBeInstanceOf(SyncConflictError);
        expect((err as SyncConflictError).names).toEqual(["f000.bin"]);
        expect((await inner.head("f000.bin"))?.md5).toBe(md5Of(v3)); // not clobbered
        // Planning again sees v3; force then overwrites it.
        await storageOn(inner).push(src, { localPathPrefix: src, force: true });
      });
    }

    if (kind.name === "s3") {
      it("multipart: a key created while the parts are uploading is caught before completion", async () => {
        const inner = await kind.make();
        const src = await dir("mp-during");
        // 8 parts of 5 MiB, 4 at a time: the other writer starts with the first bytes sent, well
        // before the last round of parts and the check before completion
        await randomFiles(src, 1, 40 * MiB);
        const theirs = randomBytes(10);
        let written: Promise<void> | undefined;
        const events: SyncEvents = {
          log: () => {},
          bytes: () => {
            written ??= writeObject(inner, "f000.bin", theirs);
          },
        };
        const err = await rejectionOf(storageOn(inner, events).push(src, { localPathPrefix: src }));
        await written;
        expect(err).toBeInstanceOf(SyncConflictError);
        expect((await inner.head("f000.bin"))?.md5).toBe(md5Of(theirs));
      });
    }

    for (const force of [false, true]) {
      it(`two concurrent ${force ? "forced " : ""}pushes of different content: one winner per key, consistent reports`, async () => {
        const store = await kind.make();
        const names = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(3, "0")}.bin`);
        const a = await dir(`concurrent-a-${force}`);
        const b = await dir(`concurrent-b-${force}`);
        await randomFiles(a, names.length, 3000);
        await randomFiles(b, names.length, 3000);
        if (force) {
          for (const n of names) await writeObject(store, n, randomBytes(10)); // v0 of both plans
        }
        // Both plan before either writes: every put waits until both pushes reached a put.
        let arrived = 0;
        let release = () => {};
        const barrier = new Promise<void>((r) => release = r);
        const hooked = (s: ObjectStore) => {
          let counted = false;
          return new HookedStore(s, {
            beforePut: () => {
              if (!counted) {
                counted = true;
                if (++arrived === 2) release();
              }
              return barrier;
            },
          });
        };
        const run = (src: string) =>
          storageOn(hooked(store)).push(src, { localPathPrefix: src, concurrency: 3, force })
            .then(
              (summary) => ({ summary, error: undefined }),
              (e) => ({ summary: summaryOf(e), error: e as Error }),
            );
        const [ra, rb] = await Promise.all([run(a), run(b)]);
        for (const r of [ra, rb]) {
          if (r.error !== undefined) expect(r.error).toBeInstanceOf(SyncConflictError);
        }
        expect(ra.error !== undefined || rb.error !== undefined).toBe(true); // someone lost
        const remote = await storeMd5(store, "", join(tmp, `probe-${kind.name}-${force}`));
        const mdA: Record<string, string> = {};
        const mdB: Record<string, string> = {};
        for (const n of names) {
          mdA[n] = await md5File(join(a, n));
          mdB[n] = await md5File(join(b, n));
        }
        const syncedA = new Set(ra.summary.syncedFiles.map((o) => o.name));
        const syncedB = new Set(rb.summary.syncedFiles.map((o) => o.name));
        for (const n of names) {
          expect(syncedA.has(n) && syncedB.has(n)).toBe(false); // never both
          const now = remote[n];
          if (syncedA.has(n)) expect(now).toBe(mdA[n]);
          else if (syncedB.has(n)) expect(now).toBe(mdB[n]);
          else if (force) expect(now).not.toBe(mdA[n]); // still v0: neither wrote it
          else expect(now).toBeUndefined();
        }
        for (const r of [ra, rb]) {
          if (r.error instanceof SyncConflictError) {
            const mine = r === ra ? syncedA : syncedB;
            const other = r === ra ? syncedB : syncedA;
            for (const n of r.error.names) {
              expect(mine.has(n)).toBe(false);
              expect(other.has(n)).toBe(true); // lost to the other push
            }
          }
        }
      });
    }
  });
}
