/**
 * Work done once, counted (no timings): `accsr push a b` lists each path once and walks each
 * file once (the plan made before the transfers is the plan transferred), and writes the hash
 * cache of each synced tree once per transaction; a pull records each pulled file in the
 * hash cache without another `stat`. Against the real S3 server, through the counting proxy.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { DeleteBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { hashCacheMisses, hashCacheWrites } from "../../storage/hashing.ts";
import { localFs } from "../../storage/local_fs.ts";
import { FaultProxy } from "../reliability/_fault_proxy.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { project, writeFiles } from "./_helpers.ts";

describeS3("work done once", (s3) => {
  const bucket = uniqueBucketName("accsr-once");
  const p = project({ config: false });
  const env = { TEST_S3_SECRET: s3.secretAccessKey };
  let proxy: FaultProxy;
  const cli = (argv: string[]) => p.cli(argv, { env });
  const lists = () => proxy.count({ method: "GET", query: "list-type=2" });

  before(async () => {
    proxy = await FaultProxy.start(s3.endpoint);
    writeFiles(p.cwd, {
      "config.json": {
        remote_storage: {
          provider: "s3",
          region: s3.region,
          bucket,
          key: s3.accessKeyId,
          secret: "env:TEST_S3_SECRET",
          base_path: "once",
        },
        remote_storage_ts: { endpoint: proxy.url },
      },
    });
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`two/a/f${i}.txt`] = `a ${i}`;
    for (let i = 0; i < 4; i++) files[`two/b/f${i}.txt`] = `b ${i}`;
    files["two/b/sub/x.txt"] = "x";
    writeFiles(p.cwd, files);
    expect((await cli(["create-bucket"])).code).toBe(0);
  });

  after(async () => {
    try {
      await cli(["rm", ".", "--base-path", ""]);
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
      p.tmp.remove();
    }
  });

  it("accsr push a b: one listing and one walk per path, one hash cache write per tree", async () => {
    proxy.reset();
    const lstats = localFs.counts().lstat;
    const writes = hashCacheWrites();
    const r = await cli(["push", "two/a", "two/b"]);
    expect(r.stderr).toBe("");
    expect(r).toMatchObject({ code: 0, stdout: "pushed 10 files (28 B); 0 unchanged\n" });
    expect(lists()).toBe(2);
    // 5 files below a, 4 files, a folder and its file below b: each lstat'ed once
    expect(localFs.counts().lstat - lstats).toBe(11);
    expect(hashCacheWrites() - writes).toBe(2);
    expect(proxy.count({ method: "PUT" })).toBe(10);

    // the same again: nothing moves, nothing is hashed, nothing is written
    proxy.reset();
    const again = { lstats: localFs.counts().lstat, writes: hashCacheWrites() };
    const misses = hashCacheMisses();
    const noop = await cli(["push", "two/a", "two/b"]);
    expect(noop).toMatchObject({ code: 0, stdout: "nothing to push; 10 unchanged\n" });
    expect(lists()).toBe(2);
    expect(localFs.counts().lstat - again.lstats).toBe(11);
    expect(hashCacheMisses()).toBe(misses);
    expect(hashCacheWrites() - again.writes).toBe(0);
    expect(proxy.count({ method: "PUT" })).toBe(0);
  });

  it("a refused push of several paths lists each once and transfers nothing", async () => {
    writeFiles(p.cwd, { "two/b/f0.txt": "changed" });
    proxy.reset();
    const r = await cli(["push", "two/a", "two/b"]);
    expect(r.code).toBe(3);
    expect(lists()).toBe(2);
    expect(proxy.count({ method: "PUT" })).toBe(0);
    // with --force both paths are planned once and applied as planned
    proxy.reset();
    const forced = await cli(["push", "two/a", "two/b", "--force"]);
    expect(forced).toMatchObject({
      code: 0,
      stdout: "pushed 1 file (7 B); 1 differs (overwritten); 9 unchanged\n",
    });
    expect(lists()).toBe(2);
    expect(proxy.count({ method: "PUT" })).toBe(1);
  });
});
