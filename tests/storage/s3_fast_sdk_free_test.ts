/**
 * On the lean path the S3 store never loads the AWS SDK client: not for listings, HEADs, GETs
 * and uploads (single and multipart, conditional ones included), nor for `createBucket`
 * (versioning included) and deletes (batched and single). This file must not import
 * `@aws-sdk/client-s3` itself; the bucket is made and removed with the lean signer.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StorageError } from "../../errors.ts";
import { awsSdkLoaded, S3Store } from "../../storage/stores/s3.ts";
import { FastS3 } from "../../storage/stores/_s3_fast.ts";
import { describeS3, uniqueBucketName } from "./_s3_env.ts";

const MiB = 1024 * 1024;
const md5 = (d: Uint8Array) => createHash("md5").update(d).digest("hex");

describeS3("S3Store lean path without the AWS SDK", (config) => {
  const bucket = uniqueBucketName("accsr-s3-lean");
  const agent = new http.Agent({ keepAlive: true });
  const admin = new FastS3({
    endpoint: new URL(config.endpoint),
    region: config.region,
    bucket,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    agent,
    retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1000, maxRetryTimeMs: 5000 },
    connectionTimeout: 5000,
    socketTimeout: 30000,
  });
  let tmp = "";

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "accsr-s3-lean-"));
    await admin.request({ method: "PUT" }); // CreateBucket
  });
  after(async () => {
    await admin.request({ method: "DELETE" }).catch(() => {}); // DeleteBucket
    agent.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  it("list, head, get, (multipart, conditional) put, createBucket and delete never load the SDK", async () => {
    expect(awsSdkLoaded()).toBe(false);
    const store = new S3Store({
      bucket,
      endpoint: config.endpoint,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
    });
    try {
      await store.createBucket({ existOk: true }); // exists: fine
      const refusedBucket = await store.createBucket({ existOk: false }).catch((e) => e);
      expect((refusedBucket as StorageError).code).toBe("BUCKET_EXISTS");
      const small = new TextEncoder().encode("small & <special>\n");
      const big = new Uint8Array(randomBytes(11 * MiB + 3));
      const bigPath = join(tmp, "big.bin");
      await writeFile(bigPath, big);

      const s = await store.put("d/small &.txt", { data: small }, {
        md5: md5(small),
        ifNoneMatch: true,
      });
      const b = await store.put("d/big.bin", { path: bigPath, size: big.byteLength }, {
        md5: md5(big),
        ifNoneMatch: true,
        metadata: { origin: "test" },
      });
      expect(b.etag).toMatch(/^[0-9a-f]{32}-3$/);
      const refused = await store.put("d/small &.txt", { data: big.subarray(0, 10) }, {
        md5: md5(big.subarray(0, 10)),
        ifNoneMatch: true,
      }).catch((e) => e);
      expect((refused as StorageError).code).toBe("PRECONDITION_FAILED");
      const again = await store.put("d/big.bin", { path: bigPath, size: big.byteLength }, {
        md5: md5(big),
        ifMatch: b.etag,
        metadata: { origin: "again" },
      });
      expect(again.etag).toBe(b.etag); // same parts → same multipart ETag

      const listed = [];
      for await (const o of store.list("d/")) listed.push(o);
      expect(listed.map((o) => [o.key, o.size, o.etag])).toEqual([
        ["d/big.bin", big.byteLength, b.etag],
        ["d/small &.txt", small.byteLength, s.etag],
      ]);
      const head = await store.head("d/big.bin");
      expect(head?.md5).toBe(md5(big));
      expect(head?.etag).toBe(b.etag);
      expect(head?.metadata).toEqual({ md5: md5(big), origin: "again" });
      expect(await store.head("d/missing")).toBeUndefined();
      const out = join(tmp, "out.bin");
      expect(await store.get("d/big.bin", out)).toEqual({ size: big.byteLength, md5: md5(big) });
      expect(md5(await readFile(out))).toBe(md5(big));
      expect((await store.get("d/small &.txt", out)).md5).toBe(md5(small));

      expect(awsSdkLoaded()).toBe(false);
      await store.delete(listed.map((o) => o.key));
      const single = new S3Store({
        bucket,
        endpoint: config.endpoint,
        region: config.region,
        accessKeyId: config.accessKeyId,
        secretAccessKey: config.secretAccessKey,
        batchDelete: false,
      });
      await single.put("d/one", { data: small }, { md5: md5(small) });
      await single.delete(["d/one", "d/never-existed"]);
      await single.close();
      const left = [];
      for await (const o of store.list("d/")) left.push(o.key);
      expect(left).toEqual([]);
      expect(awsSdkLoaded()).toBe(false);
    } finally {
      await store.close();
    }
  });
});
