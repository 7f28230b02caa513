/**
 * Resumable downloads against radosgw: a large download interrupted mid-body continues with
 * a ranged GET conditioned on the ETag — within one run (a dropped connection), and across
 * runs (a CLI pull killed with SIGKILL keeps its partial file; the rerun fetches only the
 * rest, counted at the fault proxy). The whole-file MD5 is verified; an object that changed
 * meanwhile is fetched anew.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { adminClient, dropBucket, leftovers, md5File } from "./_helpers.ts";
import { FaultProxy } from "./_fault_proxy.ts";
import { runCliProcess, startCli, waitFor, writeS3Config } from "./_cli_process.ts";

const MiB = 1024 * 1024;
/** The figure: a killed 256 MiB download, rerun fetching at most 70 %. */
const BIG = 256 * MiB;

describeS3("resumable downloads (radosgw)", (s3) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  let tmp = "";
  let direct: S3Store;
  let viaProxy: S3Store;
  const bucket = uniqueBucketName("accsr-rel-resdl");
  const env = { TEST_S3_SECRET: s3.secretAccessKey };

  before(async () => {
    proxy = await FaultProxy.start(s3.endpoint);
    admin = adminClient(s3.endpoint, s3.accessKeyId, s3.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-resdl-"));
    const options = {
      bucket,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    };
    direct = new S3Store({ ...options, endpoint: s3.endpoint });
    viaProxy = new S3Store({ ...options, endpoint: proxy.url });
    await direct.createBucket();
  });
  after(async () => {
    await direct.close();
    await viaProxy.close();
    await proxy.close();
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  /** Uploads `size` random bytes as `key` (multipart above 64 MiB); returns their MD5. */
  async function object(key: string, size: number): Promise<string> {
    const file = join(tmp, `src-${key.replace(/\//g, "_")}`);
    await writeFile(file, randomBytes(size));
    const md5 = await md5File(file);
    await direct.put(key, { path: file, size }, { md5 });
    await rm(file);
    return md5;
  }

  it("a connection dropped mid-body continues with a ranged GET on the same ETag (one run)", async () => {
    const size = 24 * MiB;
    const md5 = await object("within/one.bin", size);
    proxy.reset();
    proxy.addRule({
      method: "GET",
      path: "/within/",
      times: 1,
      action: { cutAfterBytes: 10 * MiB },
    });
    const dest = join(tmp, "within.bin");
    const got = await viaProxy.get("within/one.bin", dest);
    expect(got).toEqual({ size, md5 });
    expect(await md5File(dest)).toBe(md5);
    const gets = proxy.requests.filter((r) => r.method === "GET");
    expect(gets).toHaveLength(2);
    const offset = Number(/^bytes=(\d+)-$/.exec(String(gets[1].headers.range))?.[1]);
    expect(offset).toBeGreaterThan(5 * MiB);
    expect(offset).toBeLessThanOrEqual(10 * MiB);
    expect(gets[1].headers["if-match"]).toBeDefined();
    // only what was lost in flight when the connection dropped was fetched twice
    expect(proxy.bytesDown).toBe(10 * MiB + size - offset);
  });

  it("with resumeEtag the bytes already on disk are kept; a changed object starts over", async () => {
    const size = 12 * MiB;
    const first = await object("changed/x.bin", size);
    const head = await direct.head("changed/x.bin");
    const dest = join(tmp, "changed.bin");
    // a partial file of the current version: only the rest is fetched
    proxy.reset();
    proxy.addRule({ method: "GET", times: 1, action: { cutAfterBytes: 5 * MiB } });
    await expect(
      new S3Store({
        bucket,
        endpoint: proxy.url,
        region: s3.region,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        maxAttempts: 1,
      }).get("changed/x.bin", dest, { keepPartial: true }),
    ).rejects.toThrow();
    const kept = (await stat(dest)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(5 * MiB);
    proxy.reset();
    const resumed = await viaProxy.get("changed/x.bin", dest, { resumeEtag: head!.etag });
    expect(resumed.md5).toBe(first);
    expect(proxy.bytesDown).toBe(size - kept);

    // the object changes: the partial file of the old version is not reused
    await writeFile(dest, Buffer.alloc(3 * MiB));
    const second = await object("changed/x.bin", size);
    proxy.reset();
    const fresh = await viaProxy.get("changed/x.bin", dest, { resumeEtag: head!.etag });
    expect(fresh.md5).toBe(second);
    expect(await md5File(dest)).toBe(second);
    const statuses = proxy.requests.filter((r) => r.method === "GET").map((r) => r.status);
    expect(statuses).toEqual([412, 200]);
  });

  it("SIGKILL mid-pull of a 256 MiB object: the rerun fetches at most 70 %, MD5-identical", async () => {
    const md5 = await object("ns/big/data.bin", BIG);
    const cwd = join(tmp, "kill");
    await mkdir(cwd, { recursive: true });
    await writeS3Config(cwd, {
      endpoint: proxy.url,
      region: s3.region,
      bucket,
      key: s3.accessKeyId,
      basePath: "ns",
    });
    proxy.reset();
    const p = startCli(["pull", "big", "--to", "out"], cwd, env);
    expect(await waitFor(() => proxy.bytesDown >= BIG / 2, 300_000)).toBe(true);
    p.kill("SIGKILL");
    await p.exited;
    const first = proxy.bytesDown;
    const partials = await leftovers(join(cwd, "out"));
    expect(partials).toHaveLength(1);
    const kept = (await stat(partials[0])).size;

    proxy.reset();
    const rerun = await runCliProcess(["pull", "big", "--to", "out"], cwd, env);
    expect(rerun.code).toBe(0);
    const second = proxy.bytesDown;
    console.log(
      `  killed after ${(first / MiB).toFixed(0)} MiB (${
        (kept / MiB).toFixed(0)
      } MiB on disk); the rerun fetched ${(second / MiB).toFixed(0)} MiB = ${
        (100 * second / BIG).toFixed(0)
      } % of 256 MiB`,
    );
    expect(second).toBeLessThanOrEqual(0.7 * BIG);
    expect(await md5File(join(cwd, "out", "big", "data.bin"))).toBe(md5);
    expect(await leftovers(join(cwd, "out"))).toEqual([]);
    expect(await readdir(join(cwd, "out", "big"))).toEqual(["data.bin"]);
    await direct.delete(["ns/big/data.bin"]);
    await rm(cwd, { recursive: true, force: true });
  });
});
