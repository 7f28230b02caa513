/**
 * Companionship with Python accsr on one S3 bucket (real radosgw): plain ETags (`plain_etags`)
 * so that Python accsr, which compares listing ETags with local MD5s, sees our uploads as
 * unchanged; and content types guessed from the file extension, as libcloud sends them.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { StorageError } from "../../errors.ts";
import { RemoteStorage, type RemoteStorageConfig } from "../../storage/mod.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, type S3TestConfig, uniqueBucketName } from "./_s3_env.ts";

const MiB = 1024 * 1024;
const md5 = (d: Uint8Array): string => createHash("md5").update(d).digest("hex");

function client(s3: S3TestConfig): S3Client {
  return new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

describeS3("Python accsr companionship on S3", (s3) => {
  const bucket = uniqueBucketName("accsr-py-companion");
  const admin = client(s3);
  let dir: string;
  const conf = (extra: Record<string, unknown> = {}): RemoteStorageConfig => ({
    provider: "s3",
    bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    key: s3.accessKeyId,
    secret: s3.secretAccessKey,
    use_pbar: false,
    multipart_threshold: 5 * MiB,
    part_size: 5 * MiB,
    ...extra,
  } as RemoteStorageConfig);
  const head = (key: string): Promise<HeadObjectCommandOutput> =>
    admin.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const listedEtag = async (key: string): Promise<string | undefined> => {
    const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
    return page.Contents?.find((o) => o.Key === key)?.ETag?.replaceAll('"', "");
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "accsr-py-companion-"));
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const o of page.Contents ?? []) {
      await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
    }
    await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
    admin.destroy();
  });

  const bigFile = async (name: string): Promise<{ path: string; md5: string }> => {
    const data = randomBytes(12 * MiB);
    const path = join(dir, name);
    await writeFile(path, data);
    return { path, md5: md5(data) };
  };

  it("with plain_etags, an object above the multipart threshold has a non-multipart ETag equal to its MD5", async () => {
    const f = await bigFile("plain.bin");
    const storage = new RemoteStorage(conf({ base_path: "plain", plain_etags: true }));
    const summary = await storage.push("plain.bin", { localPathPrefix: dir });
    expect(summary.syncedFiles.length).toBe(1);
    const etag = await listedEtag("plain/plain.bin");
    expect(etag).toBe(f.md5); // what Python accsr compares: the listing's ETag
    expect(etag).not.toContain("-");
    expect((await head("plain/plain.bin")).Metadata?.md5).toBe(f.md5);
    // and we see it as unchanged too
    const again = await storage.push("plain.bin", { localPathPrefix: dir });
    expect(again.filesToSync.length).toBe(0);
    await storage.close();
  });

  it("without plain_etags the same upload is multipart (ETag <md5-of-md5s>-3), proving the setting matters", async () => {
    const f = await bigFile("multi.bin");
    const storage = new RemoteStorage(conf({ base_path: "multi" }));
    await storage.push("multi.bin", { localPathPrefix: dir });
    const etag = await listedEtag("multi/multi.bin");
    expect(etag).toMatch(/^[0-9a-f]{32}-3$/);
    expect(etag).not.toBe(f.md5);
    await storage.close();
  });

  it("plainEtags (camelCase) works on the AWS SDK request path too", async () => {
    const f = await bigFile("sdk.bin");
    const store = new S3Store({
      bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      plainEtags: true,
      fastPut: false,
    });
    let progressed = 0;
    const out = await store.put("sdk/sdk.bin", { path: f.path, size: 12 * MiB }, {
      md5: f.md5,
      onProgress: (n) => progressed += n,
    });
    expect(out.etag).toBe(f.md5);
    expect(progressed).toBe(12 * MiB);
    expect(await listedEtag("sdk/sdk.bin")).toBe(f.md5);
    await store.close();
  });

  it("a file above 5 GiB is refused with plain_etags before any byte is sent (PLAIN_ETAG_TOO_LARGE)", async () => {
    const path = join(dir, "huge.bin");
    const fh = await open(path, "w");
    await fh.truncate(5 * 1024 * MiB + 1); // sparse: nothing is written to disk
    await fh.close();
    const storage = new RemoteStorage(conf({ base_path: "huge", plain_etags: true }));
    let error: unknown;
    try {
      await storage.push("huge.bin", { localPathPrefix: dir });
    } catch (e) {
      error = e;
    }
    await rm(path);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("PLAIN_ETAG_TOO_LARGE");
    expect((error as Error).message).toContain("huge/huge.bin");
    expect((error as Error).message).toContain("5 GiB");
    expect(await listedEtag("huge/huge.bin")).toBeUndefined();
    await storage.close();
  });

  it("uploads carry content types guessed from the extension; addExtraToUpload and content_types win", async () => {
    const files: Record<string, string> = {
      "t/table.csv": "a,b\n",
      "t/notes.txt": "hi",
      "t/conf.json": "{}",
      "t/model.pkl": "x",
      "t/data.parquet": "p",
      "t/README": "no extension",
      "t/page.html": "<p>",
    };
    await mkdir(join(dir, "t"));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const storage = new RemoteStorage(
      conf({ base_path: "ct", content_types: { ".parquet": "application/vnd.apache.parquet" } }),
      {
        addExtraToUpload: (o) =>
          o.remotePath.endsWith(".html") ? { contentType: "text/x-custom" } : {},
      },
    );
    await storage.push("t", { localPathPrefix: dir });
    const type = async (k: string) => (await head(`ct/t/${k}`)).ContentType;
    expect(await type("table.csv")).toBe("text/csv");
    expect(await type("notes.txt")).toBe("text/plain");
    expect(await type("conf.json")).toBe("application/json");
    expect(await type("model.pkl")).toBe("application/octet-stream");
    expect(await type("README")).toBe("application/octet-stream");
    expect(await type("data.parquet")).toBe("application/vnd.apache.parquet");
    expect(await type("page.html")).toBe("text/x-custom");
    await storage.close();
  });

  it("guess_content_type false sends none (the server's default)", async () => {
    await writeFile(join(dir, "plain.csv"), "a\n");
    const storage = new RemoteStorage(conf({ base_path: "noguess", guess_content_type: false }));
    await storage.push("plain.csv", { localPathPrefix: dir });
    expect((await head("noguess/plain.csv")).ContentType).not.toBe("text/csv");
    await storage.close();
  });
});

describe("plain_etags and content type settings", () => {
  it("plain_etags must be a boolean", () => {
    expect(() =>
      new RemoteStorage({ provider: "memory", bucket: "bbb", plain_etags: "yes" } as never)
    )
      .toThrow(/plain_etags/);
  });

  it("plain_etags is refused for Azure, whose ETags are never an MD5", () => {
    expect(() =>
      new RemoteStorage(
        { provider: "azure_blobs", bucket: "bbb", plainEtags: true } as RemoteStorageConfig,
      )
    ).toThrow(/plain_etags.*azure_blobs/);
  });

  it("content_types must map extensions to strings", () => {
    expect(() =>
      new RemoteStorage({ provider: "memory", bucket: "bbb", content_types: { csv: 1 } } as never)
    )
      .toThrow(/content_types/);
  });
});
