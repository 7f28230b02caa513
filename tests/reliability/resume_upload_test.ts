/**
 * Resumable multipart uploads against radosgw: an upload interrupted by a failure or a kill
 * stays open, its state beside the hash cache; the next put of the unchanged file sends only
 * the parts the server does not hold (ListParts, each part's ETag compared with the MD5 of
 * the same local bytes), on both request paths; a changed file aborts the old upload and
 * starts anew; two overlapping runs never share an upload. Bytes are counted at the fault
 * proxy.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { UploadStates } from "../../storage/resume_state.ts";
import { S3Store, type S3StoreOptions } from "../../storage/stores/s3.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { adminClient, dropBucket, md5File, openUploads, rejectionOf } from "./_helpers.ts";
import { FaultProxy } from "./_fault_proxy.ts";
import { runCliProcess, startCli, waitFor, writeS3Config } from "./_cli_process.ts";

const MiB = 1024 * 1024;
/** The figure: a killed 256 MiB upload, rerun sending at most 70 %. */
const BIG = 256 * MiB;

describeS3("resumable multipart uploads (radosgw)", (s3) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  let tmp = "";
  const bucket = uniqueBucketName("accsr-rel-resup");
  const env = { TEST_S3_SECRET: s3.secretAccessKey };

  before(async () => {
    proxy = await FaultProxy.start(s3.endpoint);
    admin = adminClient(s3.endpoint, s3.accessKeyId, s3.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-resup-"));
    const store = storeFor({ endpoint: s3.endpoint });
    await store.createBucket();
    await store.close();
  });
  after(async () => {
    await proxy.close();
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  function storeFor(extra: Partial<S3StoreOptions>): S3Store {
    return new S3Store({
      bucket,
      endpoint: proxy.url,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      ...extra,
    });
  }

  /** Part uploads the proxy forwarded that the server accepted. */
  const partsDone = () =>
    proxy.requests.filter((r) =>
      r.method === "PUT" && r.query.includes("uploadId") && r.status === 200
    ).length;

  async function randomFile(name: string, size: number): Promise<{ path: string; md5: string }> {
    const path = join(tmp, name);
    await writeFile(path, randomBytes(size));
    return { path, md5: await md5File(path) };
  }

  for (const fastPut of [true, false]) {
    it(
      `a failed upload stays open and the next put sends only the missing parts (${
        fastPut ? "lean" : "SDK"
      } path)`,
      async () => {
        const resumeDir = join(tmp, `states-${fastPut}`);
        const key = `fail/${fastPut}.bin`;
        const f = await randomFile(`fail-${fastPut}.bin`, 30 * MiB); // 6 parts
        const store = storeFor({ resumeDir, fastPut, partConcurrency: 1, maxAttempts: 1 });
        proxy.reset();
        // the 4th part upload loses its connection (one attempt only)
        proxy.addRule({ method: "PUT", query: /partNumber=4&/, action: "reset" });
        const error = await rejectionOf(
          store.put(key, { path: f.path, size: 30 * MiB }, { md5: f.md5, ifNoneMatch: true }),
        );
        expect(error.message).toMatch(/connection|reset|socket/i);
        expect((await openUploads(admin, bucket)).filter((u) => u.startsWith(key))).toHaveLength(1);
        expect((await readdir(resumeDir)).filter((n) => n.endsWith(".json"))).toHaveLength(1);

        proxy.reset();
        const stored = await store.put(key, { path: f.path, size: 30 * MiB }, {
          md5: f.md5,
          ifNoneMatch: true,
        });
        expect(stored.md5).toBe(f.md5);
        // parts 1-3 were on the server: only 4-6 were sent again
        expect(partsDone()).toBe(3);
        expect(proxy.bytesUp).toBeGreaterThanOrEqual(15 * MiB);
        expect(proxy.bytesUp).toBeLessThan(15 * MiB + 4096); // + the CompleteMultipartUpload XML
        expect((await openUploads(admin, bucket)).filter((u) => u.startsWith(key))).toEqual([]);
        expect((await readdir(resumeDir)).filter((n) => n.endsWith(".json"))).toEqual([]);
        const check = join(tmp, `check-${fastPut}.bin`);
        expect((await storeFor({ endpoint: s3.endpoint }).get(key, check)).md5).toBe(f.md5);
        await store.close();
      },
    );
  }

  it("a changed file aborts the old upload and uploads anew", async () => {
    const resumeDir = join(tmp, "states-changed");
    const key = "changed/x.bin";
    const f = await randomFile("changed.bin", 20 * MiB);
    const store = storeFor({ resumeDir, partConcurrency: 1, maxAttempts: 1 });
    proxy.reset();
    proxy.addRule({ method: "PUT", query: /partNumber=3&/, action: "reset" });
    await rejectionOf(store.put(key, { path: f.path, size: 20 * MiB }, { md5: f.md5 }));
    const before = (await openUploads(admin, bucket)).filter((u) => u.startsWith(key));
    expect(before).toHaveLength(1);

    const g = await randomFile("changed.bin", 20 * MiB); // same name and size, new bytes
    proxy.reset();
    const stored = await store.put(key, { path: g.path, size: 20 * MiB }, { md5: g.md5 });
    expect(stored.md5).toBe(g.md5);
    expect(partsDone()).toBe(4);
    expect(await openUploads(admin, bucket)).not.toContain(before[0]);
    expect((await openUploads(admin, bucket)).filter((u) => u.startsWith(key))).toEqual([]);
    const check = join(tmp, "check-changed.bin");
    expect((await storeFor({ endpoint: s3.endpoint }).get(key, check)).md5).toBe(g.md5);
    await store.close();
  });

  it("Ctrl-C mid-push of a multipart file: exit 130, the upload stays open, the rerun resumes it", async () => {
    const cwd = join(tmp, "sigint");
    await mkdir(join(cwd, "up"), { recursive: true });
    const path = join(cwd, "up", "data.bin");
    await writeFile(path, randomBytes(80 * MiB)); // 5 parts of 16 MiB
    await writeS3Config(cwd, {
      endpoint: proxy.url,
      region: s3.region,
      bucket,
      key: s3.accessKeyId,
      basePath: "ns",
    });
    const cliEnv = { ...env, ACCSR_CACHE_DIR: join(tmp, "sigint-cache") };
    proxy.reset();
    proxy.addRule({ method: "PUT", query: "partNumber=", action: { delayMs: 300 } });
    const p = startCli(["push", "up"], cwd, cliEnv);
    expect(await waitFor(() => partsDone() >= 2, 300_000)).toBe(true);
    const t0 = Date.now();
    p.kill("SIGINT");
    const r = await p.exited;
    expect(r.code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(r.stderr).toContain("interrupted: 0 of 1 files transferred");
    const sent = partsDone();
    expect((await openUploads(admin, bucket)).filter((u) => u.startsWith("ns/up/"))).toHaveLength(
      1,
    );

    proxy.reset();
    const rerun = await runCliProcess(["push", "up"], cwd, cliEnv);
    expect(rerun.code).toBe(0);
    expect(partsDone()).toBeLessThanOrEqual(5 - sent);
    expect(await openUploads(admin, bucket)).toEqual([]);
    const direct = storeFor({ endpoint: s3.endpoint });
    expect((await direct.head("ns/up/data.bin"))?.md5).toBe(await md5File(path));
    await direct.delete(["ns/up/data.bin"]);
    await direct.close();
    await rm(cwd, { recursive: true, force: true });
  });

  it("SIGKILL mid-push of a 256 MiB file: the rerun sends at most 70 %, MD5-identical, no upload left open", async () => {
    const cwd = join(tmp, "kill");
    await mkdir(join(cwd, "big"), { recursive: true });
    const cache = join(tmp, "kill-cache");
    const path = join(cwd, "big", "data.bin");
    await writeFile(path, randomBytes(BIG));
    const md5 = await md5File(path);
    await writeS3Config(cwd, {
      endpoint: proxy.url,
      region: s3.region,
      bucket,
      key: s3.accessKeyId,
      basePath: "ns",
    });
    const cliEnv = { ...env, ACCSR_CACHE_DIR: cache };
    proxy.reset();
    const p = startCli(["push", "big"], cwd, cliEnv);
    // 16 MiB parts: kill once 8 of the 16 are on the server
    expect(await waitFor(() => partsDone() >= 8, 300_000)).toBe(true);
    p.kill("SIGKILL");
    await p.exited;
    const first = proxy.bytesUp;
    expect((await openUploads(admin, bucket)).filter((u) => u.startsWith("ns/big/"))).toHaveLength(
      1,
    );

    proxy.reset();
    const rerun = await runCliProcess(["push", "big"], cwd, cliEnv);
    expect(rerun.code).toBe(0);
    const second = proxy.bytesUp;
    console.log(
      `  killed after ${(first / MiB).toFixed(0)} MiB sent; the rerun sent ${
        (second / MiB).toFixed(0)
      } MiB = ${(100 * second / BIG).toFixed(0)} % of 256 MiB`,
    );
    expect(second).toBeLessThanOrEqual(0.7 * BIG);
    expect(await openUploads(admin, bucket)).toEqual([]);
    const check = join(tmp, "check-big.bin");
    const direct = storeFor({ endpoint: s3.endpoint });
    expect((await direct.get("ns/big/data.bin", check)).md5).toBe(md5);
    await direct.delete(["ns/big/data.bin"]);
    await direct.close();
    await rm(check);
    await rm(cwd, { recursive: true, force: true });
  });
});

describe("upload states", () => {
  it("two overlapping runs never share one upload; a dead owner's lock is taken over", async () => {
    const dir = await mkdtemp(join(tmpdir(), "accsr-states-"));
    try {
      const states = new UploadStates(dir);
      const first = await states.acquire("s3://b", "k");
      expect(first).toBeDefined();
      expect(await states.acquire("s3://b", "k")).toBeUndefined();
      expect(await states.acquire("s3://b", "other")).toBeDefined();
      await first!.write({
        version: 1,
        location: "s3://b",
        key: "k",
        uploadId: "u",
        size: 1,
        md5: "0".repeat(32),
        partSize: 5 * MiB,
        created: new Date().toISOString(),
      });
      await first!.release();
      const again = await states.acquire("s3://b", "k");
      expect((await again!.read())?.uploadId).toBe("u");
      // a lock file of a process that no longer runs
      const lock = (await readdir(dir)).find((n) => n.endsWith(".lock"))!;
      await again!.release();
      await writeFile(join(dir, lock), "999999999");
      expect(await states.acquire("s3://b", "k")).toBeDefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
