/**
 * `accsr cleanup` and `RemoteStorage.cleanup`: incomplete multipart uploads started by
 * another tool (the AWS SDK here) are aborted below the base path when old enough, listed
 * only with `--dry-run`, kept when younger than `--older-than` or outside the path; the file
 * store's temporary files of dead writers are removed, those of a running one kept.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { CreateMultipartUploadCommand, type S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { RemoteStorage } from "../../storage/mod.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { adminClient, dropBucket, openUploads, QUIET } from "./_helpers.ts";
import { runCliProcess, writeS3Config } from "./_cli_process.ts";

describeS3("cleanup of incomplete multipart uploads (radosgw)", (s3) => {
  let admin: S3Client;
  let tmp = "";
  const bucket = uniqueBucketName("accsr-rel-clean");
  const env = { TEST_S3_SECRET: s3.secretAccessKey };

  before(async () => {
    admin = adminClient(s3.endpoint, s3.accessKeyId, s3.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-clean-"));
    const store = new S3Store({
      bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    await store.createBucket();
    await store.close();
    await writeS3Config(tmp, {
      endpoint: s3.endpoint,
      region: s3.region,
      bucket,
      key: s3.accessKeyId,
      basePath: "ns",
    });
  });
  after(async () => {
    // abort whatever a failed test left open, then drop the bucket
    const storage = new RemoteStorage({
      provider: "s3",
      bucket,
      endpoint: s3.endpoint,
      key: s3.accessKeyId,
      secret: s3.secretAccessKey,
    }, { events: QUIET });
    await storage.cleanup({ olderThanMs: 0 }).catch(() => {});
    await storage.close();
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  /** An orphan upload made by another tool: CreateMultipartUpload and one part. */
  async function orphan(key: string): Promise<string> {
    const out = await admin.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await admin.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: out.UploadId,
        PartNumber: 1,
        Body: new Uint8Array(5 * 1024 * 1024),
      }),
    );
    return out.UploadId!;
  }

  it("cleanup --older-than 0s aborts an orphan upload of another tool; --dry-run and 24h leave it", async () => {
    const inside = await orphan("ns/data/big.bin");
    const outside = await orphan("other/big.bin");
    const similar = await orphan("ns/database.bin");
    expect((await openUploads(admin, bucket)).length).toBe(3);

    const young = await runCliProcess(["cleanup", "--json"], tmp, env);
    expect(young.code).toBe(0);
    expect(JSON.parse(young.stdout).removed).toEqual([]);

    const dry = await runCliProcess(
      ["cleanup", "data", "--older-than", "0s", "--dry-run", "--json"],
      tmp,
      env,
    );
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as {
      dry_run: boolean;
      removed: { kind: string; key: string; upload_id: string }[];
    };
    expect(planned.dry_run).toBe(true);
    expect(planned.removed).toEqual([
      expect.objectContaining({
        kind: "multipart_upload",
        key: "ns/data/big.bin",
        upload_id: inside,
      }),
    ]);
    expect((await openUploads(admin, bucket)).length).toBe(3);

    const done = await runCliProcess(["cleanup", "data", "--older-than", "0s"], tmp, env);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`aborted incomplete upload of ns/data/big.bin [${inside}]`);
    expect(done.stdout).toContain("cleaned up: 1 incomplete upload, 0 temporary files");
    expect((await openUploads(admin, bucket)).sort()).toEqual(
      [`ns/database.bin ${similar}`, `other/big.bin ${outside}`].sort(),
    );

    // the whole base path: ns/database.bin too, never other/
    const all = await runCliProcess(["cleanup", "--older-than", "0s"], tmp, env);
    expect(all.code).toBe(0);
    expect(await openUploads(admin, bucket)).toEqual([`other/big.bin ${outside}`]);
  });

  for (const fastPut of [true, false]) {
    it(`the store lists and aborts uploads on the ${fastPut ? "lean" : "SDK"} request path`, async () => {
      const id = await orphan(`sdk${fastPut}/x.bin`);
      const store = new S3Store({
        bucket,
        endpoint: s3.endpoint,
        region: s3.region,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        fastPut,
      });
      try {
        const listed = [];
        for await (const u of store.listIncompleteUploads(`sdk${fastPut}/`)) listed.push(u);
        expect(listed).toEqual([
          expect.objectContaining({ key: `sdk${fastPut}/x.bin`, uploadId: id }),
        ]);
        expect(listed[0].initiated).toBeInstanceOf(Date);
        const removed = await store.cleanup(`sdk${fastPut}/`, { olderThanMs: 0 });
        expect(removed.map((e) => e.uploadId)).toEqual([id]);
        expect((await openUploads(admin, bucket)).join()).not.toContain(id);
      } finally {
        await store.close();
      }
    });
  }

  it("a bad --older-than is a usage error (exit 2)", async () => {
    const r = await runCliProcess(["cleanup", "--older-than", "soon"], tmp, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid --older-than "soon"');
  });
});

describe("cleanup of the file store's temporary files", () => {
  it("removes those of dead writers older than the limit, keeps a running writer's", async () => {
    const root = await mkdtemp(join(tmpdir(), "accsr-rel-clean-fs-"));
    try {
      const storage = new RemoteStorage({ provider: "file", root, bucket: "bkt" }, {
        events: QUIET,
      });
      await storage.createBucket();
      const tmpDir = join(root, ".accsr-meta", "bkt", "tmp");
      await mkdir(tmpDir, { recursive: true });
      const dead = spawnSync(process.execPath, ["--version"]).pid!;
      await writeFile(join(tmpDir, `${dead}-aaaa`), "x");
      await writeFile(join(tmpDir, `${process.pid}-bbbb`), "x");
      await writeFile(join(tmpDir, `${dead}-cccc`), "x");
      const hourAgo = new Date(Date.now() - 3600_000);
      await utimes(join(tmpDir, `${dead}-cccc`), hourAgo, hourAgo);

      const young = await storage.cleanup({ olderThanMs: 30 * 60_000 });
      expect(young.removed.map((e) => e.path)).toEqual([join(tmpDir, `${dead}-cccc`)]);
      const all = await storage.cleanup({ olderThanMs: 0, dryrun: true });
      expect(all.removed.map((e) => e.path)).toEqual([join(tmpDir, `${dead}-aaaa`)]);
      await storage.cleanup({ olderThanMs: 0 });
      expect(await readdir(tmpDir)).toEqual([`${process.pid}-bbbb`]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
