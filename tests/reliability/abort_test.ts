/**
 * `signal` cancels a push or a pull promptly (the call returns within ≈1 s of the abort)
 * and leaves the same clean state as a fault: an `ABORTED` `StorageError` carrying what was
 * synced, every object and local file either complete or absent, no temporary files, no open
 * multipart upload. S3 transfers are slowed down by the fault proxy so they are in flight
 * when the abort comes; the local stores are slowed down by a store wrapper.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { StorageError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import type { SyncEvents } from "../../storage/progress.ts";
import type { SyncObject } from "../../storage/summary.ts";
import { FileStore } from "../../storage/stores/fs.ts";
import { MemoryStore } from "../../storage/stores/memory.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import type { ObjectStore } from "../../storage/stores/types.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import {
  adminClient,
  dropBucket,
  HookedStore,
  leftovers,
  md5File,
  openUploads,
  put,
  randomFiles,
  rejectionOf,
  sleep,
  storeMd5,
  treeMd5,
} from "./_helpers.ts";
import { FaultProxy } from "./_fault_proxy.ts";

const MiB = 1024 * 1024;
/** An aborted call must return within this time (measured: a few ms to ≈100 ms). */
const PROMPT_MS = 1_000;

/** Starts `call(signal)`, aborts once `ready()` says so, returns the error and the delay. */
async function abortWhen(
  call: (signal: AbortSignal) => Promise<unknown>,
  ready: () => boolean,
): Promise<{ error: StorageError; ms: number }> {
  const controller = new AbortController();
  const pending = rejectionOf(call(controller.signal));
  const deadline = Date.now() + 30_000;
  while (!ready() && Date.now() < deadline) await sleep(5);
  expect(ready()).toBe(true);
  const t0 = Date.now();
  controller.abort(new Error("test abort"));
  const error = await pending;
  const ms = Date.now() - t0;
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe("ABORTED");
  expect(error.message).toMatch(/aborted/);
  return { error: error as StorageError, ms };
}

function counting() {
  const c = { done: 0, bytes: 0 };
  return {
    c,
    events: {
      log: () => {},
      fileDone: (_o: SyncObject, _n: number, _t: number, e?: Error) => {
        if (!e) c.done++;
      },
      bytes: (n: number) => {
        c.bytes += n;
      },
    },
  };
}

describeS3("abort (S3, transfers slowed by the fault proxy)", (config) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  let tmp = "";
  const buckets: string[] = [];

  before(async () => {
    proxy = await FaultProxy.start(config.endpoint);
    admin = adminClient(config.endpoint, config.accessKeyId, config.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-abort-"));
  });
  after(async () => {
    await proxy.close();
    for (const b of buckets) await dropBucket(admin, b);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  async function makeStorage(events: SyncEvents) {
    const bucket = uniqueBucketName("accsr-rel-abort");
    buckets.push(bucket);
    const store = new S3Store({
      bucket,
      endpoint: proxy.url,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
    });
    await store.createBucket();
    const storage = new RemoteStorage({ provider: "s3", bucket, basePath: "ns" }, {
      store,
      events,
    });
    return { store, storage, bucket };
  }

  it("push of many files: returns promptly, synced objects complete, nothing else", async () => {
    const dir = join(tmp, "push");
    await randomFiles(join(dir, "d"), 40, 64 * 1024);
    const { c, events } = counting();
    const { store, storage } = await makeStorage(events);
    try {
      proxy.reset();
      proxy.addRule({ method: "PUT", path: "/ns/d/", action: { delayMs: 150 } });
      const { error, ms } = await abortWhen(
        (signal) => storage.push("d", { localPathPrefix: dir, concurrency: 4, signal }),
        () => c.done >= 4,
      );
      console.log(`push aborted: returned ${ms} ms after the abort`);
      expect(ms).toBeLessThan(PROMPT_MS);
      const synced = error.synced as SyncObject[];
      expect(synced.length).toBeGreaterThanOrEqual(4);
      expect(synced.length).toBeLessThan(40);
      expect(error.message).toContain("run the push again to finish");
      proxy.reset();
      await sleep(300); // delayed requests the proxy still holds are dropped, never forwarded
      const remote = await storeMd5(store, "ns/", join(tmp, "probe"));
      for (const s of synced) expect(remote[s.remotePath]).toBe(await md5File(s.localPath!));
      for (const [key, md5] of Object.entries(remote)) {
        expect(md5).toBe(await md5File(join(dir, key.slice("ns/".length))));
      }
      // The rerun finishes the job.
      await storage.push("d", { localPathPrefix: dir });
      expect(Object.keys(await storeMd5(store, "ns/", join(tmp, "probe"))).length).toBe(40);
    } finally {
      await store.close();
    }
  });

  it("multipart push: returns promptly and aborts the upload on the server", async () => {
    const dir = join(tmp, "big");
    await randomFiles(dir, 1, 40 * MiB, "big");
    const { c, events } = counting();
    const { store, storage, bucket } = await makeStorage(events);
    try {
      proxy.reset();
      proxy.addRule({ method: "PUT", query: "partNumber=", action: { delayMs: 200 } });
      const { error, ms } = await abortWhen(
        (signal) => storage.push("big000.bin", { localPathPrefix: dir, signal }),
        () => c.bytes >= 10 * MiB,
      );
      console.log(`multipart push aborted: returned ${ms} ms after the abort`);
      expect(ms).toBeLessThan(PROMPT_MS);
      expect(error.synced).toEqual([]);
      expect(await openUploads(admin, bucket)).toEqual([]);
      expect(await store.head("ns/big000.bin")).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it("pull: returns promptly; no temporary files; old files intact or complete", async () => {
    const src = join(tmp, "pull-src");
    await randomFiles(join(src, "d"), 40, 64 * 1024);
    const { c, events } = counting();
    const { store, storage } = await makeStorage(events);
    try {
      proxy.reset();
      await storage.push("d", { localPathPrefix: src });
      const out = join(tmp, "pull-out");
      const old: Record<string, string> = {};
      for (let i = 0; i < 40; i += 2) {
        const rel = `d/f${String(i).padStart(3, "0")}.bin`;
        await put(join(out, rel), `old ${i}`);
        old[rel] = await md5File(join(out, rel));
      }
      const fresh = await treeMd5(src);
      c.done = 0;
      proxy.addRule({ method: "GET", path: "/ns/d/", action: { delayMs: 150 } });
      const { error, ms } = await abortWhen(
        (signal) => storage.pull("d", { localBaseDir: out, concurrency: 4, force: true, signal }),
        () => c.done >= 4,
      );
      console.log(`pull aborted: returned ${ms} ms after the abort`);
      expect(ms).toBeLessThan(PROMPT_MS);
      expect((error.synced as SyncObject[]).length).toBeGreaterThanOrEqual(4);
      expect(await leftovers(out)).toEqual([]);
      for (const [rel, md5] of Object.entries(await treeMd5(out))) {
        expect([old[rel], fresh[rel]]).toContain(md5);
      }
      proxy.reset();
      await storage.pull("d", { localBaseDir: out, force: true });
      expect(await treeMd5(out)).toEqual(fresh);
    } finally {
      await store.close();
    }
  });
});

describe("abort (local stores)", () => {
  let tmp = "";
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-abort-local-"));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  const makers: { name: string; make: () => ObjectStore }[] = [
    { name: "memory", make: () => new MemoryStore("bkt", { registry: new Map() }) },
    { name: "file", make: () => new FileStore(join(tmp, `root-${Math.random()}`), "bkt") },
  ];

  for (const { name, make } of makers) {
    it(`${name}: push and pull return promptly with ABORTED; clean state; rerun completes`, async () => {
      const inner = make();
      await inner.createBucket();
      // Every transfer takes ≥ 100 ms, so some are running when the abort comes.
      const slow = new HookedStore(inner, {
        beforePut: () => sleep(100),
        beforeGet: () => sleep(100),
      });
      const { c, events } = counting();
      const storage = new RemoteStorage({ provider: "memory", bucket: "bkt" }, {
        store: slow,
        events,
      });
      const dir = join(tmp, `${name}-src`);
      await randomFiles(join(dir, "d"), 30, 10_000);
      const push = await abortWhen(
        (signal) => storage.push("d", { localPathPrefix: dir, concurrency: 4, signal }),
        () => c.done >= 4,
      );
      console.log(`${name}: push aborted, returned ${push.ms} ms after the abort`);
      expect(push.ms).toBeLessThan(PROMPT_MS);
      const stored = await storeMd5(inner, "", join(tmp, `${name}-probe`));
      for (const [key, md5] of Object.entries(stored)) {
        expect(md5).toBe(await md5File(join(dir, key)));
      }
      await storage.push("d", { localPathPrefix: dir });

      c.done = 0;
      const out = join(tmp, `${name}-out`);
      const pull = await abortWhen(
        (signal) => storage.pull("d", { localBaseDir: out, concurrency: 4, signal }),
        () => c.done >= 4,
      );
      console.log(`${name}: pull aborted, returned ${pull.ms} ms after the abort`);
      expect(pull.ms).toBeLessThan(PROMPT_MS);
      expect(await leftovers(out)).toEqual([]);
      const local = await treeMd5(out);
      const src = await treeMd5(dir);
      for (const [rel, md5] of Object.entries(local)) expect(md5).toBe(src[rel]);
      await storage.pull("d", { localBaseDir: out });
      expect(await treeMd5(out)).toEqual(src);
      expect((await readFile(join(out, "d/f000.bin"))).byteLength).toBe(10_000);
    });
  }
});
