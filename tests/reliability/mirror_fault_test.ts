/**
 * Mirrors under faults, on the real S3 server behind the fault-injecting proxy: deletions
 * run only after every transfer of the transaction succeeded, so a fault injected
 * mid-transaction leaves every old object (and every local file) in place, and no delete
 * request reaches the server. The next run finishes the mirror with one batched delete
 * (`POST ?delete`).
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { StorageError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { adminClient, dropBucket, QUIET, storeMd5, treeMd5 } from "./_helpers.ts";
import { FaultProxy } from "./_fault_proxy.ts";

describeS3("mirror through a fault proxy", (config) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  let tmp = "";
  const bucket = uniqueBucketName("accsr-rel-mirror");

  function makeStore(): S3Store {
    return new S3Store({
      bucket,
      endpoint: proxy.url,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      retryBaseDelay: 10,
    });
  }

  before(async () => {
    proxy = await FaultProxy.start(config.endpoint);
    admin = adminClient(config.endpoint, config.accessKeyId, config.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-mirror-"));
    const store = makeStore();
    await store.createBucket();
    await store.close();
  });
  after(async () => {
    await proxy.close();
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  let n = 0;
  async function files(dir: string, names: string[]): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const name of names) await writeFile(join(dir, name), `${name} ${Math.random()}`);
  }

  it("a push --delete whose upload fails mid-transaction keeps every old object and deletes nothing", async () => {
    const base = `case-${++n}`;
    const local = join(tmp, base);
    const store = makeStore();
    const storage = new RemoteStorage({ provider: "s3", bucket, basePath: base }, {
      store,
      events: QUIET,
    });
    try {
      const olds = Array.from({ length: 6 }, (_, i) => `old${i}.txt`);
      await files(join(local, "d"), olds);
      await storage.push("d", { localPathPrefix: local });
      const before = await storeMd5(store, `${base}/`, join(tmp, `${base}.obj`));
      expect(Object.keys(before)).toHaveLength(6);

      for (const o of olds) await rm(join(local, "d", o));
      await files(join(local, "d"), Array.from({ length: 10 }, (_, i) => `new${i}.txt`));
      proxy.reset();
      // a permanent failure (not retried) of one upload in the middle
      proxy.addRule({
        method: "PUT",
        path: "new5.txt",
        action: { status: 403, code: "AccessDenied" },
      });
      const err = await storage.push("d", { localPathPrefix: local, delete: true, concurrency: 2 })
        .then(() => undefined, (e) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(proxy.count({ method: "PUT" })).toBeGreaterThan(1); // the fault hit mid-transaction
      expect(proxy.count({ method: "POST", query: "delete" })).toBe(0);
      expect(proxy.count({ method: "DELETE" })).toBe(0);
      const afterFault = await storeMd5(store, `${base}/`, join(tmp, `${base}.obj`));
      for (const [key, md5] of Object.entries(before)) expect(afterFault[key]).toBe(md5);

      // without the fault the next run finishes the mirror with one batched delete
      proxy.reset();
      const done = await storage.push("d", { localPathPrefix: local, delete: true });
      expect(done.deletedFiles).toHaveLength(6);
      expect(proxy.count({ method: "POST", query: "delete" })).toBe(1);
      const final = await storeMd5(store, `${base}/`, join(tmp, `${base}.obj`));
      expect(Object.keys(final).sort()).toEqual(
        Array.from({ length: 10 }, (_, i) => `${base}/d/new${i}.txt`).sort(),
      );
    } finally {
      await store.close();
    }
  });

  it("a pull --delete whose download fails mid-transaction deletes no local file", async () => {
    const base = `case-${++n}`;
    const src = join(tmp, base, "src");
    const copy = join(tmp, base, "copy");
    const store = makeStore();
    const storage = new RemoteStorage({ provider: "s3", bucket, basePath: base }, {
      store,
      events: QUIET,
    });
    try {
      await files(join(src, "d"), Array.from({ length: 8 }, (_, i) => `f${i}.txt`));
      await storage.push("d", { localPathPrefix: src });
      await files(join(copy, "d"), ["stale1.txt", "stale2.txt", "f0.txt"]);
      const before = await treeMd5(copy);
      proxy.reset();
      proxy.addRule({
        method: "GET",
        path: "f4.txt",
        action: { status: 403, code: "AccessDenied" },
      });
      const err = await storage.pull("d", {
        localBaseDir: copy,
        delete: true,
        force: true,
        concurrency: 2,
      }).then(() => undefined, (e) => e);
      expect(err).toBeInstanceOf(StorageError);
      const now = await treeMd5(copy);
      expect(now["d/stale1.txt"]).toBe(before["d/stale1.txt"]);
      expect(now["d/stale2.txt"]).toBe(before["d/stale2.txt"]);
      proxy.reset();
      const done = await storage.pull("d", { localBaseDir: copy, delete: true, force: true });
      expect(done.deletedFiles.map((o) => o.localPath)).toEqual([
        join(copy, "d", "stale1.txt"),
        join(copy, "d", "stale2.txt"),
      ]);
      expect(Object.keys(await treeMd5(copy))).toEqual(
        Array.from({ length: 8 }, (_, i) => `d/f${i}.txt`),
      );
    } finally {
      await store.close();
    }
  });

  it("a --max-delete refusal sends no write request at all", async () => {
    const base = `case-${++n}`;
    const local = join(tmp, base);
    const store = makeStore();
    const storage = new RemoteStorage({ provider: "s3", bucket, basePath: base }, {
      store,
      events: QUIET,
    });
    try {
      await files(join(local, "d"), ["a.txt", "b.txt", "c.txt"]);
      await storage.push("d", { localPathPrefix: local });
      await rm(join(local, "d", "b.txt"));
      await rm(join(local, "d", "c.txt"));
      await files(join(local, "d"), ["new.txt"]);
      proxy.reset();
      await expect(
        storage.push("d", { localPathPrefix: local, delete: true, maxDelete: 1 }),
      ).rejects.toMatchObject({ code: "MAX_DELETE_EXCEEDED" });
      expect(proxy.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD"))
        .toEqual([]);
    } finally {
      await store.close();
    }
  });
});
