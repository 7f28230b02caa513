/**
 * Plain-ETag uploads (`plainEtags`) stream a file in one PUT; a failed attempt must be retried
 * with the file read again from its first byte — on the lean request path and on the AWS SDK
 * path (whose retry loop would otherwise resend an already consumed stream). Real radosgw
 * behind the fault proxy.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { StorageError } from "../../errors.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { adminClient, dropBucket } from "./_helpers.ts";
import { FaultProxy } from "./_fault_proxy.ts";

const MiB = 1024 * 1024;

describeS3("plain-ETag streamed PUTs are retried from the first byte", (config) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  let tmp = "";
  const bucket = uniqueBucketName("accsr-rel-plain");

  const makeStore = (fastPut: boolean) =>
    new S3Store({
      bucket,
      endpoint: proxy.url,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      retryBaseDelay: 10,
      plainEtags: true,
      fastPut,
    });

  before(async () => {
    proxy = await FaultProxy.start(config.endpoint);
    admin = adminClient(config.endpoint, config.accessKeyId, config.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-plain-"));
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

  for (const fastPut of [true, false]) {
    for (const action of [{ status: 503, code: "SlowDown" }, "reset"] as const) {
      const what = typeof action === "string" ? action : `${action.status} ${action.code}`;
      it(`${fastPut ? "lean" : "SDK"} path: a ${what} on the first attempt is retried; ETag = MD5`, async () => {
        const data = randomBytes(7 * MiB);
        const md5 = createHash("md5").update(data).digest("hex");
        const key = `${fastPut ? "lean" : "sdk"}-${what.replace(/\W+/g, "-")}.bin`;
        const path = join(tmp, key);
        await writeFile(path, data);
        proxy.reset();
        proxy.addRule({ method: "PUT", path: key, times: 1, action });
        const store = makeStore(fastPut);
        try {
          const out = await store.put(key, { path, size: data.length }, { md5 });
          expect(out.etag).toBe(md5);
          const puts = proxy.requests.filter((r) => r.method === "PUT" && r.path.endsWith(key));
          expect(puts.length).toBe(2); // one failed attempt, one retry, no multipart
          expect(proxy.requests.some((r) => r.query.includes("uploads"))).toBe(false);
          const head = await store.head(key);
          expect(head?.etag).toBe(md5);
          expect(head?.size).toBe(data.length);
        } finally {
          await store.close();
        }
      });
    }

    it(`${fastPut ? "lean" : "SDK"} path: a file that no longer has its planned MD5 fails with LOCAL_FILE_CHANGED, nothing stored`, async () => {
      const data = randomBytes(7 * MiB);
      const md5 = createHash("md5").update(data).digest("hex");
      const key = `${fastPut ? "lean" : "sdk"}-changed.bin`;
      const path = join(tmp, key);
      await writeFile(path, data);
      // changed after its MD5 was taken (the planner hashed it), same size
      await writeFile(path, randomBytes(7 * MiB));
      const store = makeStore(fastPut);
      try {
        const error = await store.put(key, { path, size: data.length }, { md5 }).then(
          () => undefined,
          (e) => e,
        );
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).code).toBe("LOCAL_FILE_CHANGED");
        expect(await store.head(key)).toBeUndefined();
      } finally {
        await store.close();
      }
    });
  }
});
