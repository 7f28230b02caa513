/**
 * The per-file work of small transfers, counted (no timings): a push of small files reads each
 * file once and stat's it twice (before and after its upload) with synchronous calls; a pull
 * stat's each destination once while planning (synchronously: most are missing), writes each
 * small file with one call (open, write, close) into its temporary file, links it into place,
 * removes the temporary name and stat's it once (for the hash cache); one request per file. Against the real S3 server, through the counting proxy.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { DeleteBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RemoteStorage } from "../../storage/mod.ts";
import { localFs, type LocalFsCounts } from "../../storage/local_fs.ts";
import { FaultProxy } from "../reliability/_fault_proxy.ts";
import { describeS3, uniqueBucketName } from "./_s3_env.ts";

const QUIET = { log: () => {} };

function delta(before: LocalFsCounts): LocalFsCounts {
  const now = localFs.counts();
  const d = { ...now };
  for (const k of Object.keys(now) as (keyof LocalFsCounts)[]) d[k] = now[k] - before[k];
  return d;
}

describeS3("small files: per-file calls", (s3) => {
  const N = 12;
  let proxy: FaultProxy;
  let dir: string;
  let storage: RemoteStorage;
  const bucket = uniqueBucketName("accsr-small");

  before(async () => {
    proxy = await FaultProxy.start(s3.endpoint);
    dir = await mkdtemp(join(tmpdir(), "accsr-small-"));
    await mkdir(join(dir, "src", "data", "sub"), { recursive: true });
    for (let i = 0; i < N; i++) {
      await writeFile(join(dir, "src", "data", i % 2 ? "sub" : "", `f${i}.txt`), `content ${i}`);
    }
    storage = new RemoteStorage({
      provider: "s3",
      endpoint: proxy.url,
      region: s3.region,
      key: s3.accessKeyId,
      secret: s3.secretAccessKey,
      bucket,
    }, { events: QUIET });
    await storage.createBucket();
  });

  after(async () => {
    try {
      await storage.delete("data");
      await storage.close();
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    } finally {
      await proxy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a push reads each file once and stat's it before and after its one PUT", async () => {
    proxy.reset();
    const counts = localFs.counts();
    const s = await storage.push("data", { localPathPrefix: join(dir, "src") });
    expect(s.syncedFiles.length).toBe(N);
    const d = delta(counts);
    expect(d.readFile).toBe(N);
    expect(d.stat).toBe(2 * N);
    expect(d.writeFile + d.link + d.unlink + d.rename).toBe(0);
    expect(proxy.count({ method: "PUT" })).toBe(N);
  });

  it("a pull writes, links, unlinks and stat's each file once, one GET each", async () => {
    proxy.reset();
    const to = join(dir, "pulled");
    const counts = localFs.counts();
    const s = await storage.pull("data", { localBaseDir: to });
    expect(s.syncedFiles.length).toBe(N);
    const d = delta(counts);
    expect(d.writeFile).toBe(N);
    expect(d.link).toBe(N);
    expect(d.unlink).toBe(N);
    // one while planning (nothing there yet), one to record the written file in the hash cache
    expect(d.stat).toBe(2 * N);
    expect(d.rename).toBe(0);
    expect(proxy.count({ method: "GET", query: /^$/ })).toBe(N);
    for (let i = 0; i < N; i++) {
      const p = join(to, "data", i % 2 ? "sub" : "", `f${i}.txt`);
      expect(readFileSync(p, "utf8")).toBe(`content ${i}`);
    }
    // no temporary file is left behind
    for (const folder of [join(to, "data"), join(to, "data", "sub")]) {
      expect(readdirSync(folder).filter((n) => n.startsWith(".accsr-"))).toEqual([]);
    }
  });

  it("a pull over changed local files renames each into place", async () => {
    const to = join(dir, "pulled");
    for (let i = 0; i < N; i++) {
      await writeFile(join(to, "data", i % 2 ? "sub" : "", `f${i}.txt`), `local ${i}`);
    }
    proxy.reset();
    const counts = localFs.counts();
    const s = await storage.pull("data", { localBaseDir: to, force: true });
    expect(s.syncedFiles.length).toBe(N);
    const d = delta(counts);
    expect(d.writeFile).toBe(N);
    expect(d.rename).toBe(N);
    expect(d.link + d.unlink).toBe(0);
    expect(readFileSync(join(to, "data", "f0.txt"), "utf8")).toBe("content 0");
    expect(existsSync(join(to, "data", "sub", "f1.txt"))).toBe(true);
  });
});
