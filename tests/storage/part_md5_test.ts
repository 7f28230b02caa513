/**
 * Large uploads take the part MD5s the caller computed in the same read as the whole-file MD5
 * (`PutOptions.partMd5s`, part size from `uploadPartSize`): the store does not hash the file
 * again, and the server checks every part against them, so a part that differs from what was
 * hashed fails the upload ("changed while uploading") and leaves nothing behind.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { expect } from "expect";
import { digestFile } from "../../hashing/md5.ts";
import type { ObjectStore } from "../../storage/stores/types.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { AzureBlobStore } from "../../storage/stores/azure.ts";
import { describeS3, uniqueBucketName } from "./_s3_env.ts";
import { describeAzure, uniqueContainerName } from "./_azure_env.ts";

const MiB = 1024 * 1024;

function partCases(makeStore: () => Promise<ObjectStore>) {
  let dir: string;
  let store: ObjectStore;
  let file: string;
  const size = 12 * MiB + 12345;
  let data: Uint8Array;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "accsr-parts-"));
    store = await makeStore();
    data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 2654435761) >>> 24;
    file = join(dir, "big.bin");
    await writeFile(file, data);
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("uploads with the given part MD5s; the content round-trips", async () => {
    const partSize = store.uploadPartSize!(size)!;
    expect(partSize).toBeGreaterThan(0);
    expect(store.uploadPartSize!(1024)).toBeUndefined();
    const d = await digestFile(file, { partSize });
    const stored = await store.put("k/ok.bin", { path: file, size }, {
      md5: d.md5,
      partMd5s: { partSize, md5s: d.parts! },
    });
    expect(stored.md5).toBe(createHash("md5").update(data).digest("hex"));
    const back = join(dir, "back.bin");
    const got = await store.get("k/ok.bin", back);
    expect(got.md5).toBe(d.md5);
  });

  it("a part that differs from its given MD5 fails as a changed file and stores nothing", async () => {
    const partSize = store.uploadPartSize!(size)!;
    const d = await digestFile(file, { partSize });
    const wrong = [...d.parts!];
    wrong[1] = createHash("md5").update("something else").digest("hex");
    const err = await store.put("k/bad.bin", { path: file, size }, {
      md5: d.md5,
      partMd5s: { partSize, md5s: wrong },
    }).then(() => undefined, (e) => e);
    expect(err?.code).toBe(store.provider === "s3" ? "LOCAL_FILE_CHANGED" : "STORAGE_ERROR");
    expect(String(err?.message)).toMatch(/changed while uploading/);
    expect(await store.head("k/bad.bin")).toBeUndefined();
  });

  it("without part MD5s the store hashes the file itself and checks the declared MD5", async () => {
    const stored = await store.put("k/self.bin", { path: file, size }, {
      md5: createHash("md5").update(data).digest("hex"),
    });
    expect(stored.size).toBe(size);
    const err = await store.put("k/self-wrong.bin", { path: file, size }, {
      md5: createHash("md5").update("not it").digest("hex"),
    }).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(await store.head("k/self-wrong.bin")).toBeUndefined();
  });
}

describeS3("S3: multipart uploads with part MD5s from the caller", (config) => {
  partCases(async () => {
    const s = new S3Store({
      bucket: uniqueBucketName("accsr-parts"),
      endpoint: config.endpoint,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
    });
    await s.createBucket();
    return s;
  });
});

describeAzure("Azure: staged blocks with block MD5s from the caller", (config) => {
  partCases(async () => {
    const s = new AzureBlobStore({
      container: uniqueContainerName("accsr-parts"),
      endpoint: config.endpoint,
      accountName: config.accountName,
      accountKey: config.accountKey,
      singleShotThreshold: 4 * MiB,
      blockSize: 4 * MiB,
    });
    await s.createBucket();
    return s;
  });
});
