/**
 * The S3 server goes away in the middle of a push (many files; one multipart upload) and of
 * a pull: the call fails in bounded time with a `StorageError` that carries what was already
 * synced, no local file is half-written, no multipart upload stays open, and a rerun after
 * the server is back reaches the state of a clean run (checked by MD5 of every file).
 *
 * Runs against a private radosgw (`_rgw.ts`): the shared dev server is never stopped.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { StorageError } from "../../errors.ts";
import { RemoteStorage, type RemoteStorageConfig } from "../../storage/mod.ts";
import type { SyncObject, TransactionSummary } from "../../storage/summary.ts";
import type { S3Store } from "../../storage/stores/s3.ts";
import { uniqueBucketName } from "../storage/_s3_env.ts";
import {
  adminClient,
  dropBucket,
  leftovers,
  md5File,
  openUploads,
  put,
  randomFiles,
  rejectionOf,
  storeMd5,
  treeMd5,
} from "./_helpers.ts";
import { describeOwnRgw, type OwnRgw } from "./_rgw.ts";

const MiB = 1024 * 1024;
/** A dead server must fail a call within this time (measured: ≈1–3 s). */
const DEAD_SERVER_BOUND_MS = 15_000;

describeOwnRgw("S3 server stopped mid-transfer (own radosgw)", (rgw) => {
  let tmp = "";
  let admin: S3Client;
  const buckets: string[] = [];

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-stop-"));
    admin = adminClient(rgw().endpoint, rgw().accessKey, rgw().secretKey);
  });
  after(async () => {
    for (const b of buckets) await dropBucket(admin, b);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  function config(server: OwnRgw): RemoteStorageConfig {
    const bucket = uniqueBucketName("accsr-rel-stop");
    buckets.push(bucket);
    return {
      provider: "s3",
      bucket,
      endpoint: server.endpoint,
      key: server.accessKey,
      secret: server.secretKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      basePath: "ns",
    };
  }

  /**
   * Runs `call`, killing radosgw when the test's trigger fires; restarts it afterwards.
   * Returns the error and how long after the kill the call failed.
   */
  async function withOutage(
    setTrigger: (stop: () => void) => void,
    call: () => Promise<unknown>,
  ): Promise<{ error: Error; ms: number }> {
    let stopping: Promise<void> | undefined;
    let killedAt = 0;
    setTrigger(() => {
      if (stopping) return;
      killedAt = Date.now();
      stopping = rgw().stopGateway();
    });
    try {
      const error = await rejectionOf(call());
      const ms = Date.now() - killedAt;
      expect(killedAt).toBeGreaterThan(0);
      return { error, ms };
    } finally {
      await stopping;
      await rgw().startGateway();
    }
  }

  it("push of many files: bounded failure, accurate .synced, a rerun completes like a clean run", async () => {
    const dir = join(tmp, "push-many");
    await randomFiles(join(dir, "data"), 160, 128 * 1024);
    let stop = () => {};
    let done = 0;
    const storage = new RemoteStorage(config(rgw()), {
      events: {
        log: () => {},
        fileDone: (_o, _n, _t, error) => {
          if (!error && ++done === 10) stop();
        },
      },
    });
    await storage.createBucket();
    const { error, ms } = await withOutage(
      (s) => stop = s,
      () => storage.push("data", { localPathPrefix: dir, concurrency: 4 }),
    );
    console.log(`push of 160 files: failed ${ms} ms after radosgw was killed: ${error.message}`);
    expect(error).toBeInstanceOf(StorageError);
    const err = error as StorageError;
    expect(ms).toBeLessThan(DEAD_SERVER_BOUND_MS);
    expect(["ENDPOINT_UNREACHABLE", "STORAGE_ERROR"]).toContain(err.code);
    expect(err.message).toMatch(/run the push again to finish/);
    const synced = err.synced as SyncObject[];
    expect(synced.length).toBeGreaterThanOrEqual(10);
    expect(synced.length).toBeLessThan(160);
    const summary = err.summary as TransactionSummary;
    expect(summary.failedFiles.length).toBeGreaterThan(0);
    for (const f of summary.failedFiles) {
      expect(synced.map((s) => s.name)).not.toContain(f.file.name);
    }

    // What was reported as synced is really there, with the right content.
    const store = await storage.store();
    const remote = await storeMd5(store, "ns/", join(tmp, "probe-1"));
    for (const s of synced) {
      expect(remote[s.remotePath]).toBe(await md5File(s.localPath!));
    }
    expect(await leftovers(dir)).toEqual([]);

    // Rerun after the server is back: complete, equal to a clean run.
    const rerun = await storage.push("data", { localPathPrefix: dir, concurrency: 4 });
    expect(rerun.syncedFiles.length).toBeLessThanOrEqual(160 - synced.length);
    const local = await treeMd5(dir);
    const after = await storeMd5(store, "ns/", join(tmp, "probe-2"));
    expect(after).toEqual(
      Object.fromEntries(Object.entries(local).map(([k, v]) => [`ns/${k}`, v])),
    );
    await storage.close();
  });

  it("multipart push: bounded failure, the upload stays open for a resume, a rerun completes it", async () => {
    const dir = join(tmp, "push-big");
    await randomFiles(dir, 1, 40 * MiB, "big");
    let stop = () => {};
    let bytes = 0;
    const conf = config(rgw());
    const storage = new RemoteStorage(conf, {
      events: {
        log: () => {},
        bytes: (n) => {
          bytes += n;
          if (bytes >= 12 * MiB) stop();
        },
      },
    });
    await storage.createBucket();
    const { error, ms } = await withOutage(
      (s) => stop = s,
      () => storage.push("big000.bin", { localPathPrefix: dir }),
    );
    console.log(`multipart push of 40 MiB: failed ${ms} ms after radosgw was killed`);
    expect(error).toBeInstanceOf(StorageError);
    expect(ms).toBeLessThan(DEAD_SERVER_BOUND_MS);
    expect((error as StorageError).synced).toEqual([]);
    const store = await storage.store() as S3Store;
    // An interrupted upload is kept (its state beside the hash cache) for the next push to
    // resume; nothing is queued for abortion.
    const open = await openUploads(admin, conf.bucket);
    expect(open.length).toBeLessThanOrEqual(1);
    expect(store.pendingAborts).toBe(0);
    await storage.close();

    const again = new RemoteStorage(conf, { events: { log: () => {} } });
    const rerun = await again.push("big000.bin", { localPathPrefix: dir });
    expect(rerun.syncedFiles.length).toBe(1);
    const remote = await storeMd5(await again.store(), "ns/", join(tmp, "probe-3"));
    expect(remote).toEqual({ "ns/big000.bin": await md5File(join(dir, "big000.bin")) });
    expect(await openUploads(admin, conf.bucket)).toEqual([]);
    await again.close();
  });

  it("after an outage, the next push leaves no multipart upload open", async () => {
    const dir = join(tmp, "push-big-2");
    await randomFiles(dir, 1, 20 * MiB, "big");
    let stop = () => {};
    let bytes = 0;
    const conf = config(rgw());
    const storage = new RemoteStorage(conf, {
      events: {
        log: () => {},
        bytes: (n) => {
          bytes += n;
          if (bytes >= 6 * MiB) stop();
        },
      },
    });
    await storage.createBucket();
    await withOutage((s) => stop = s, () => storage.push("big000.bin", { localPathPrefix: dir }));
    // Same storage object, server back: the rerun's first request flushes the pending abort.
    const rerun = await storage.push("big000.bin", { localPathPrefix: dir });
    expect(rerun.syncedFiles.length).toBe(1);
    expect(await openUploads(admin, conf.bucket)).toEqual([]);
    await storage.close();
  });

  it("pull: bounded failure, no truncated or temporary files, a rerun equals a clean pull", async () => {
    const src = join(tmp, "pull-src");
    await randomFiles(join(src, "data"), 160, 128 * 1024);
    const conf = config(rgw());
    const uploader = new RemoteStorage(conf, { events: { log: () => {} } });
    await uploader.createBucket();
    await uploader.push("data", { localPathPrefix: src });
    await uploader.close();

    // The target already holds older versions of 40 of the files (pulled with force).
    const out = join(tmp, "pull-out");
    const old: Record<string, string> = {};
    for (let i = 0; i < 40; i++) {
      const rel = `data/f${String(i * 4).padStart(3, "0")}.bin`;
      await put(join(out, rel), `old version ${i}\n`);
      old[rel] = await md5File(join(out, rel));
    }
    const remoteMd5 = await treeMd5(src);

    let stop = () => {};
    let done = 0;
    const storage = new RemoteStorage(conf, {
      events: {
        log: () => {},
        fileDone: (_o, _n, _t, error) => {
          if (!error && ++done === 10) stop();
        },
      },
    });
    const { error, ms } = await withOutage(
      (s) => stop = s,
      () => storage.pull("data", { localBaseDir: out, concurrency: 4, force: true }),
    );
    console.log(`pull of 160 files: failed ${ms} ms after radosgw was killed`);
    expect(error).toBeInstanceOf(StorageError);
    expect(ms).toBeLessThan(DEAD_SERVER_BOUND_MS);
    const synced = (error as StorageError).synced as SyncObject[];
    expect(synced.length).toBeGreaterThanOrEqual(10);
    expect(await leftovers(out)).toEqual([]);
    // Every local file is either its old version or the complete new one; synced ones new.
    const now = await treeMd5(out);
    for (const [rel, md5] of Object.entries(now)) {
      expect([old[rel], remoteMd5[rel]]).toContain(md5);
    }
    for (const s of synced) {
      const rel = s.name;
      expect(now[rel]).toBe(remoteMd5[rel]);
      expect((await stat(s.localPath!)).size).toBe(128 * 1024);
    }

    const rerun = await storage.pull("data", { localBaseDir: out, concurrency: 4, force: true });
    expect(rerun.syncedFiles.length).toBeLessThanOrEqual(160 - synced.length);
    const clean = join(tmp, "pull-clean");
    await storage.pull("data", { localBaseDir: clean });
    expect(await treeMd5(out)).toEqual(await treeMd5(clean));
    expect(await treeMd5(out)).toEqual(remoteMd5);
    expect(await leftovers(out)).toEqual([]);
    expect((await readFile(join(out, "data/f000.bin"))).byteLength).toBe(128 * 1024);
    await storage.close();
  });

  it("a server that is down from the start fails a push and a pull within the bound", async () => {
    const conf = config(rgw());
    const storage = new RemoteStorage(conf, { events: { log: () => {} } });
    await storage.createBucket();
    const dir = join(tmp, "down");
    await randomFiles(dir, 3, 1024);
    await rgw().stopGateway();
    try {
      for (
        const call of [
          () => storage.push(dir),
          () => storage.pull("", { localBaseDir: join(tmp, "down-out") }),
        ]
      ) {
        const t0 = Date.now();
        const err = await rejectionOf(call());
        const ms = Date.now() - t0;
        console.log(`dead server: failed after ${ms} ms: ${err.message}`);
        expect(err).toBeInstanceOf(StorageError);
        expect((err as StorageError).code).toBe("ENDPOINT_UNREACHABLE");
        expect(err.message).toContain(conf.endpoint!);
        expect(ms).toBeLessThan(DEAD_SERVER_BOUND_MS);
      }
    } finally {
      await rgw().startGateway();
      await storage.close();
    }
  });
});
