/**
 * A push of an unchanged multipart file that accsr uploaded itself is decided from the
 * listing alone: the upload records its multipart ETag as that content in the hash cache, so
 * the next plan needs no HEAD per large file (W5 of the benchmark). A changed file is still
 * pushed; a replaced object (another ETag) is compared as before. radosgw through a counting
 * proxy.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { RemoteStorage } from "../../storage/remote_storage.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, uniqueBucketName } from "./_s3_env.ts";
import { FaultProxy } from "../reliability/_fault_proxy.ts";
import { adminClient, dropBucket } from "../reliability/_helpers.ts";
import { QUIET } from "../reliability/_helpers.ts";

const MiB = 1024 * 1024;

describeS3("no-op push of multipart files (radosgw)", (s3) => {
  let proxy: FaultProxy;
  let tmp = "";
  let cacheBefore: string | undefined;
  const bucket = uniqueBucketName("accsr-mp-noop");

  before(async () => {
    proxy = await FaultProxy.start(s3.endpoint);
    tmp = await mkdtemp(join(tmpdir(), "accsr-mp-noop-"));
    cacheBefore = process.env.ACCSR_CACHE_DIR;
    process.env.ACCSR_CACHE_DIR = join(tmp, "cache");
  });
  after(async () => {
    if (cacheBefore === undefined) delete process.env.ACCSR_CACHE_DIR;
    else process.env.ACCSR_CACHE_DIR = cacheBefore;
    await proxy.close();
    const admin = adminClient(s3.endpoint, s3.accessKeyId, s3.secretAccessKey);
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  it("the second push sends one listing and no HEAD; a changed file is pushed again", async () => {
    const store = new S3Store({
      bucket,
      endpoint: proxy.url,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
    });
    await store.createBucket();
    const storage = new RemoteStorage({ provider: "s3", bucket, basePath: "ns" }, {
      store,
      events: QUIET,
    });
    const dir = join(tmp, "src");
    await mkdir(join(dir, "d"), { recursive: true });
    await writeFile(join(dir, "d", "a.bin"), randomBytes(12 * MiB)); // 3 parts
    await writeFile(join(dir, "d", "b.bin"), randomBytes(11 * MiB));
    const first = await storage.push("d", { localPathPrefix: dir });
    expect(first.syncedFiles).toHaveLength(2);

    proxy.reset();
    const again = await storage.push("d", { localPathPrefix: dir });
    expect(again.syncedFiles).toHaveLength(0);
    expect(again.matchedSourceFiles).toHaveLength(2);
    expect(again.filesToSync).toHaveLength(0);
    expect(proxy.count({ method: "HEAD" })).toBe(0);
    expect(proxy.requests.map((r) => r.method)).toEqual(["GET"]);

    // a changed file (same size) is pushed again, the other one still needs no request
    await writeFile(join(dir, "d", "a.bin"), randomBytes(12 * MiB));
    proxy.reset();
    const changed = await storage.push("d", { localPathPrefix: dir, force: true });
    expect(changed.syncedFiles.map((f) => f.name)).toEqual(["ns/d/a.bin"]);
    expect(proxy.count({ method: "HEAD", path: "/b.bin" })).toBe(0);
    await storage.close?.();
  });
});
