/**
 * Uploads damaged on the way to the server (a proxy flips one byte of the request body; the
 * length and the signed headers stay as sent) never become objects: the server checks every
 * single PUT and every part against its `Content-MD5`. A part that arrives damaged while the
 * local bytes are unchanged is sent again (up to 3 times); one damaged every time fails the
 * put without calling the file changed, and leaves no upload open. Both request paths (the
 * SDK's signs the body's SHA-256 too, which the server checks first).
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { adminClient, dropBucket, md5File, openUploads, rejectionOf } from "./_helpers.ts";
import { FaultProxy } from "./_fault_proxy.ts";

const MiB = 1024 * 1024;

describeS3("uploads damaged in transit (radosgw)", (s3) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  let tmp = "";
  const bucket = uniqueBucketName("accsr-rel-integ");

  before(async () => {
    proxy = await FaultProxy.start(s3.endpoint);
    admin = adminClient(s3.endpoint, s3.accessKeyId, s3.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-integ-"));
    const store = storeFor(true, s3.endpoint);
    await store.createBucket();
    await store.close();
  });
  after(async () => {
    await proxy.close();
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  function storeFor(fastPut: boolean, endpoint = proxy.url): S3Store {
    return new S3Store({
      bucket,
      endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      partConcurrency: 2,
      fastPut,
    });
  }

  async function randomFile(name: string, size: number): Promise<{ path: string; md5: string }> {
    const path = join(tmp, name);
    await writeFile(path, randomBytes(size));
    return { path, md5: await md5File(path) };
  }

  const partPuts = (n: number) =>
    proxy.requests.filter((r) => r.method === "PUT" && r.query.includes(`partNumber=${n}&`));

  for (const fastPut of [true, false]) {
    const path = fastPut ? "lean" : "SDK";

    it(`a part damaged once is sent again; the object is exactly the file (${path} path)`, async () => {
      const f = await randomFile(`once-${fastPut}.bin`, 12 * MiB); // 3 parts
      const store = storeFor(fastPut);
      proxy.reset();
      proxy.addRule({ method: "PUT", query: /partNumber=2&/, times: 1, action: "corrupt-request" });
      const key = `once/${fastPut}.bin`;
      const stored = await store.put(key, { path: f.path, size: 12 * MiB }, { md5: f.md5 });
      expect(stored.md5).toBe(f.md5);
      // the damaged attempt was refused by the server (BadDigest), the second accepted
      expect(partPuts(2).map((r) => r.status)).toEqual([400, 200]);
      const check = join(tmp, `check-once-${fastPut}.bin`);
      expect((await storeFor(fastPut, s3.endpoint).get(key, check)).md5).toBe(f.md5);
      await store.close();
    });

    it(`a part damaged every time fails the put, not as a changed file, no upload left open (${path} path)`, async () => {
      const f = await randomFile(`always-${fastPut}.bin`, 12 * MiB);
      const store = storeFor(fastPut);
      proxy.reset();
      proxy.addRule({ method: "PUT", query: /partNumber=3&/, action: "corrupt-request" });
      const key = `always/${fastPut}.bin`;
      const error = await rejectionOf(
        store.put(key, { path: f.path, size: 12 * MiB }, { md5: f.md5 }),
      ) as Error & { code?: string };
      expect(error.message).toMatch(/part 3 .* arrived damaged 3 times/);
      expect(error.code).not.toBe("LOCAL_FILE_CHANGED");
      expect(partPuts(3).map((r) => r.status)).toEqual([400, 400, 400]);
      expect(await store.head(key)).toBeUndefined();
      expect((await openUploads(admin, bucket)).filter((u) => u.startsWith(key))).toEqual([]);
      await store.close();
    });

    it(`a single PUT damaged on the way is refused by the server (${path} path)`, async () => {
      const f = await randomFile(`single-${fastPut}.bin`, 1 * MiB);
      const store = storeFor(fastPut);
      proxy.reset();
      proxy.addRule({ method: "PUT", action: "corrupt-request" });
      const key = `single/${fastPut}.bin`;
      const error = await rejectionOf(
        store.put(key, { path: f.path, size: 1 * MiB }, { md5: f.md5 }),
      );
      // lean path: the MD5 check (BadDigest); SDK path: its signed SHA-256 of the body
      expect(error.message).toMatch(fastPut ? /BadDigest/ : /BadDigest|XAmzContentSHA256Mismatch/);
      expect(await store.head(key)).toBeUndefined();
      await store.close();
    });
  }
});
