/**
 * One idle-timeout bound for both directions: an upload whose body stops moving and a download
 * whose body stops moving are each detected within the configured idle timeout
 * (`socketTimeout`) and retried, on both S3 request paths (lean and AWS SDK). Before, a
 * stalled PUT body took twice the timeout (Node's socket timeout re-arms once while a write
 * is queued; the SDK also arms it 3 s late): 60–64 s with the default 30 s.
 *
 * The proxy stalls the first matching request: it reads (or sends) the first 64 KiB, then
 * nothing more, and never closes the connection.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { RemoteStorage } from "../../storage/mod.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { FaultProxy, type SeenRequest } from "./_fault_proxy.ts";
import { adminClient, dropBucket, leftovers, md5Of, QUIET } from "./_helpers.ts";

const MiB = 1024 * 1024;
/** Short, so the tests run fast; large enough for a busy machine. */
const IDLE_MS = 1_500;

describeS3("idle timeout: stalled uploads and downloads", (config) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  let tmp = "";
  const bucket = uniqueBucketName("accsr-rel-idle");

  before(async () => {
    proxy = await FaultProxy.start(config.endpoint);
    admin = adminClient(config.endpoint, config.accessKeyId, config.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-idle-"));
    const store = makeStore(true);
    await store.createBucket();
    await store.close();
  });
  after(async () => {
    await proxy.close();
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  function makeStore(fastPut: boolean): S3Store {
    return new S3Store({
      bucket,
      endpoint: proxy.url,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      socketTimeout: IDLE_MS,
      retryBaseDelay: 10,
      fastPut,
    });
  }

  /** Time from the stalled request's arrival to the arrival of its retry. */
  function stallToRetry(requests: SeenRequest[], method: string, key: string): number {
    const matching = requests.filter((r) => r.method === method && r.path.endsWith(`/${key}`));
    expect(matching.length).toBe(2);
    expect(matching[0].fault).toMatch(/^stall/);
    return matching[1].at! - matching[0].at!;
  }

  it("the documented worst case: a PUT that stalls on every attempt fails after maxAttempts × the idle timeout", async () => {
    const store = new S3Store({
      bucket,
      endpoint: proxy.url,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      socketTimeout: 500,
      maxAttempts: 3,
      retryBaseDelay: 10,
    });
    try {
      const data = randomBytes(4 * MiB);
      const key = "worst/big.bin";
      proxy.reset();
      proxy.addRule({ method: "PUT", path: key, action: { stallRequest: 64 * 1024 } });
      const t0 = Date.now();
      const err = await store.put(key, { data }, { md5: md5Of(data) }).then(
        () => undefined,
        (e: Error) => e,
      );
      const took = Date.now() - t0;
      expect(err?.message).toContain("timed out");
      expect(proxy.count({ method: "PUT", path: key })).toBe(3);
      // 3 attempts × 500 ms idle + backoff (at most 10, 20 ms): not 2 × 500 ms per attempt
      expect(took).toBeGreaterThanOrEqual(3 * 500 - 50);
      expect(took).toBeLessThan(3 * 2 * 500);
      expect(await store.head(key)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  for (const fastPut of [true, false]) {
    const path = fastPut ? "lean path" : "SDK path";

    it(`${path}: a PUT whose body stalls is detected within the idle timeout and retried`, async () => {
      const store = makeStore(fastPut);
      try {
        const dir = join(tmp, `put-${fastPut}`);
        await mkdir(dir, { recursive: true });
        const data = randomBytes(4 * MiB); // far more than the socket buffers take
        await writeFile(join(dir, "big.bin"), data);
        const key = `put-${fastPut}/big.bin`;
        proxy.reset();
        proxy.addRule({ method: "PUT", path: key, times: 1, action: { stallRequest: 64 * 1024 } });
        const storage = new RemoteStorage(
          { provider: "s3", bucket, basePath: `put-${fastPut}` },
          { store, events: QUIET },
        );
        const summary = await storage.push("big.bin", { localPathPrefix: dir });
        expect(summary.syncedFiles.length).toBe(1);
        const waited = stallToRetry(proxy.requests, "PUT", key);
        expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 50);
        // within the bound (before: twice the idle timeout)
        expect(waited).toBeLessThan(2 * IDLE_MS - 200);
        expect((await store.head(key))?.md5).toBe(md5Of(data));
      } finally {
        await store.close();
      }
    });

    it(`${path}: a GET whose body stalls is detected within the idle timeout and retried`, async () => {
      const store = makeStore(fastPut);
      try {
        const data = randomBytes(4 * MiB);
        const key = `get-${fastPut}/big.bin`;
        await store.put(key, { data }, { md5: md5Of(data) });
        proxy.reset();
        proxy.addRule({ method: "GET", path: key, times: 1, action: { stallResponse: 64 * 1024 } });
        const storage = new RemoteStorage(
          { provider: "s3", bucket, basePath: `get-${fastPut}` },
          { store, events: QUIET },
        );
        const out = join(tmp, `out-${fastPut}`);
        const summary = await storage.pull("big.bin", { localBaseDir: out });
        expect(summary.syncedFiles.length).toBe(1);
        const waited = stallToRetry(proxy.requests, "GET", key);
        expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 50);
        expect(waited).toBeLessThan(2 * IDLE_MS - 200);
        expect(md5Of(await readFile(join(out, "big.bin")))).toBe(md5Of(data));
        expect(await leftovers(out)).toEqual([]);
      } finally {
        await store.close();
      }
    });
  }
});
