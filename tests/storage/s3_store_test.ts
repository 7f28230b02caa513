import { after, before, it } from "node:test";
import { expect } from "expect";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { StorageError } from "../../errors.ts";
import { S3Store, type S3StoreOptions } from "../../storage/stores/s3.ts";
import type { ObjectStore } from "../../storage/stores/types.ts";
import { storeConformance } from "./_conformance.ts";
import { describeS3, type S3TestConfig, s3TestConfig, uniqueBucketName } from "./_s3_env.ts";

const MiB = 1024 * 1024;
const md5 = (data: Uint8Array): string => createHash("md5").update(data).digest("hex");
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function adminClient(config: S3TestConfig): S3Client {
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

function makeS3Store(config: S3TestConfig, overrides: Partial<S3StoreOptions> = {}): S3Store {
  return new S3Store({
    bucket: uniqueBucketName("accsr-s3"),
    endpoint: config.endpoint,
    region: config.region,
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    multipartThreshold: 5 * MiB,
    partSize: 5 * MiB,
    ...overrides,
  });
}

/** Deletes every object and the bucket (if it exists). */
async function dropBucket(store: ObjectStore): Promise<void> {
  try {
    const keys: string[] = [];
    for await (const o of store.list("")) keys.push(o.key);
    await store.delete(keys);
  } catch (e) {
    if ((e as StorageError).code === "BUCKET_NOT_FOUND") return;
    throw e;
  }
  const config = s3TestConfig()!;
  const client = adminClient(config);
  try {
    await client.send(new DeleteBucketCommand({ Bucket: store.bucket }));
  } catch {
    // best effort
  } finally {
    client.destroy();
  }
}

async function rejection(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StorageError);
    return e as StorageError;
  }
  throw new Error("expected a rejection");
}

function views(value: unknown): string[] {
  return [
    String(value),
    JSON.stringify(value) ?? "",
    inspect(value, { depth: 10, showHidden: true }),
    inspect(value, { depth: Infinity }),
  ];
}

describeS3("S3Store", (config) => {
  storeConformance("S3Store", () => Promise.resolve(makeS3Store(config)), {
    multipartThreshold: 5 * MiB,
    secrets: [config.secretAccessKey],
    dispose: dropBucket,
  });
  // Listings, HEADs, GETs and uploads normally bypass the SDK (fastPut); the SDK path must
  // conform too.
  storeConformance(
    "S3Store with fastPut: false",
    () => Promise.resolve(makeS3Store(config, { fastPut: false })),
    { multipartThreshold: 5 * MiB, largeDelete: false, dispose: dropBucket },
  );
  // The lean path with virtual-hosted addressing (<bucket>.localhost: radosgw's
  // `rgw dns name = localhost`; *.localhost connects to the loopback address).
  const local = new URL(config.endpoint);
  if (local.hostname === "127.0.0.1" || local.hostname === "localhost") {
    local.hostname = "localhost";
    storeConformance(
      "S3Store virtual-hosted",
      () =>
        Promise.resolve(
          makeS3Store(config, { endpoint: local.href, forcePathStyle: false }),
        ),
      { multipartThreshold: 5 * MiB, largeDelete: false, dispose: dropBucket },
    );
  }
});

describeS3("S3Store specifics", (config) => {
  let tmp = "";
  let admin: S3Client;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "accsr-s3-"));
    admin = adminClient(config);
  });
  after(async () => {
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  async function withStore(
    fn: (store: S3Store) => Promise<void>,
    overrides: Partial<S3StoreOptions> = {},
  ): Promise<void> {
    const store = makeS3Store(config, overrides);
    try {
      await store.createBucket();
      await fn(store);
    } finally {
      await dropBucket(store);
      await store.close();
    }
  }

  async function multipartUploads(bucket: string): Promise<number> {
    const out = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return out.Uploads?.length ?? 0;
  }

  it("a wrong secret is ACCESS_DENIED and the secret appears nowhere", async () => {
    const bucket = uniqueBucketName("accsr-s3-denied");
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    const secret = "Wr0ngS3cretValue-9f8e7d6c5b4a";
    const token = "S3ssionTokenValue-1a2b3c4d";
    const store = new S3Store({
      bucket,
      endpoint: config.endpoint,
      accessKeyId: config.accessKeyId,
      secretAccessKey: secret,
      sessionToken: token,
      maxAttempts: 1,
    });
    try {
      const listError = await rejection((async () => {
        for await (const _ of store.list("x/"));
      })());
      const putError = await rejection(
        store.put("x.txt", { data: enc("x") }, { md5: md5(enc("x")) }),
      );
      const headError = await rejection(store.head("x.txt"));
      for (const error of [listError, putError, headError]) {
        expect(error.code).toBe("ACCESS_DENIED");
        expect(error.statusCode).toBe(403);
        expect(error.bucket).toBe(bucket);
        expect(error.message).toContain(`access denied for bucket ${bucket}`);
        expect(error.message).toContain("check key and secret");
        for (const view of [...views(error), error.message, String(error.stack)]) {
          expect(view).not.toContain(secret);
          expect(view).not.toContain(token);
        }
      }
      expect(listError.message).toMatch(/^Cannot list "s3:\/\/.*\/x\/" at http/);
      for (const view of views(store)) {
        expect(view).not.toContain(secret);
        expect(view).not.toContain(token);
      }
    } finally {
      await store.close();
      await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
    }
  });

  it("an unknown bucket says it does not exist and how to create it", async () => {
    const store = makeS3Store(config);
    try {
      const e = await rejection((async () => {
        for await (const _ of store.list("prefix"));
      })());
      expect(e.code).toBe("BUCKET_NOT_FOUND");
      expect(e.statusCode).toBe(404);
      expect(e.message).toBe(
        `Cannot list "s3://${store.bucket}/prefix" at ${config.endpoint}: bucket does not exist (run \`accsr create-bucket\`)`,
      );
      const h = await rejection(store.head("a.txt"));
      expect(h.code).toBe("BUCKET_NOT_FOUND");
      const g = await rejection(store.get("a.txt", join(tmp, "nope")));
      expect(g.code).toBe("BUCKET_NOT_FOUND");
      const d = await rejection(store.delete(["a.txt"]));
      expect(d.code).toBe("BUCKET_NOT_FOUND");
    } finally {
      await store.close();
    }
  });

  it("an unreachable endpoint fails fast with ENDPOINT_UNREACHABLE naming it", async () => {
    const store = new S3Store({
      bucket: "b",
      endpoint: "http://127.0.0.1:1",
      accessKeyId: "k",
      secretAccessKey: "unreachable-secret",
    });
    const start = performance.now();
    try {
      const e = await rejection((async () => {
        for await (const _ of store.list(""));
      })());
      expect(e.code).toBe("ENDPOINT_UNREACHABLE");
      expect(e.message).toContain("http://127.0.0.1:1");
      expect(e.message).not.toContain("unreachable-secret");
      const p = await rejection(store.put("a", { data: enc("a") }, { md5: md5(enc("a")) }));
      expect(p.code).toBe("ENDPOINT_UNREACHABLE");
    } finally {
      await store.close();
    }
    expect(performance.now() - start).toBeLessThan(10_000);
  });

  it("a multipart object has a -N ETag; head gives the md5 from metadata", async () => {
    await withStore(async (store) => {
      const data = new Uint8Array(randomBytes(12 * MiB + 7));
      const src = join(tmp, "mp.bin");
      await writeFile(src, data);
      const put = await store.put("mp.bin", { path: src, size: data.byteLength }, {
        md5: md5(data),
      });
      expect(put.etag).toMatch(/^[0-9a-f]{32}-3$/);
      expect(put.md5).toBe(md5(data));
      const listed = [];
      for await (const o of store.list("mp")) listed.push(o);
      expect(listed).toHaveLength(1);
      expect(listed[0].etag).toBe(put.etag);
      expect(listed[0].md5).toBeUndefined();
      const h = await store.head("mp.bin");
      expect(h?.etag).toBe(put.etag);
      expect(h?.md5).toBe(md5(data));
      expect(h?.metadata?.md5).toBe(md5(data));

      // partNumber: AWS and MinIO report the part; radosgw 16 ignores it (whole object).
      const part = await store.head("mp.bin", { partNumber: 1 });
      if (part?.partsCount !== undefined) {
        expect(part.partsCount).toBe(3);
        expect(part.size).toBe(5 * MiB);
      } else {
        console.warn("server ignores partNumber on HEAD (radosgw 16): whole object returned");
        expect(part?.size).toBe(data.byteLength);
      }
      expect(await multipartUploads(store.bucket)).toBe(0);
    });
  });

  it("a multipart put with ifNoneMatch on an existing key fails and leaves no upload", async () => {
    await withStore(async (store) => {
      const data = new Uint8Array(randomBytes(6 * MiB));
      const src = join(tmp, "mp-cond.bin");
      await writeFile(src, data);
      await store.put("c.bin", { data: enc("old") }, { md5: md5(enc("old")) });
      const e = await rejection(
        store.put("c.bin", { path: src, size: data.byteLength }, {
          md5: md5(data),
          ifNoneMatch: true,
        }),
      );
      expect(e.code).toBe("PRECONDITION_FAILED");
      expect((await store.head("c.bin"))?.md5).toBe(md5(enc("old")));
      const current = (await store.head("c.bin"))!.etag!;
      const ok = await store.put("c.bin", { path: src, size: data.byteLength }, {
        md5: md5(data),
        ifMatch: current,
      });
      expect(ok.etag).toMatch(/-2$/);
      const stale = await rejection(
        store.put("c.bin", { path: src, size: data.byteLength }, {
          md5: md5(data),
          ifMatch: current,
        }),
      );
      expect(stale.code).toBe("PRECONDITION_FAILED");
      expect(await multipartUploads(store.bucket)).toBe(0);
    });
  });

  it("aborting a multipart upload aborts it on the server", async () => {
    await withStore(async (store) => {
      const data = new Uint8Array(randomBytes(16 * MiB));
      const src = join(tmp, "mp-abort.bin");
      await writeFile(src, data);
      const controller = new AbortController();
      const e = await rejection(
        store.put("abort.bin", { path: src, size: data.byteLength }, {
          md5: md5(data),
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      );
      expect(e.code).toBe("ABORTED");
      expect(await store.head("abort.bin")).toBeUndefined();
      expect(await multipartUploads(store.bucket)).toBe(0);
    });
  });

  it("a wrong md5 on a multipart upload fails and leaves no upload", async () => {
    await withStore(async (store) => {
      const data = new Uint8Array(randomBytes(6 * MiB));
      const src = join(tmp, "mp-short.bin");
      await writeFile(src, data);
      // The file is shorter than announced: the store notices instead of uploading garbage.
      const e = await rejection(
        store.put("short.bin", { path: src, size: data.byteLength + 100 }, { md5: md5(data) }),
      );
      expect(e.code).toBe("STORAGE_ERROR");
      expect(e.message).toContain("changed while uploading");
      expect(await store.head("short.bin")).toBeUndefined();
      expect(await multipartUploads(store.bucket)).toBe(0);
    });
  });

  it("batchDelete: false deletes with single requests", async () => {
    await withStore(async (store) => {
      const keys = Array.from({ length: 40 }, (_, i) => `d/${i}`);
      await Promise.all(keys.map((k) => store.put(k, { data: enc(k) }, { md5: md5(enc(k)) })));
      await store.delete([...keys.slice(0, 30), "d/missing"]);
      const left = [];
      for await (const o of store.list("d/")) left.push(o.key);
      expect(left.sort()).toEqual(keys.slice(30).sort());
    }, { batchDelete: false });
  });

  it("never shows the secret in String, JSON or inspect", () => {
    const secret = "VisibleNowhereSecret-123456";
    const token = "VisibleNowhereToken-654321";
    const store = new S3Store({
      bucket: "b",
      endpoint: "http://user:pw-in-url@127.0.0.1:7480/",
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: secret,
      sessionToken: token,
    });
    try {
      expect(store.location).toBe("s3://b at http://127.0.0.1:7480");
      for (const view of views(store)) {
        expect(view).not.toContain(secret);
        expect(view).not.toContain(token);
        expect(view).not.toContain("pw-in-url");
      }
      expect(JSON.parse(JSON.stringify(store))).toEqual({
        provider: "s3",
        bucket: "b",
        location: "s3://b at http://127.0.0.1:7480",
        endpoint: "http://127.0.0.1:7480",
        region: "us-east-1",
      });
    } finally {
      store.close();
    }
  });

  it("describes an AWS location and validates options", () => {
    const aws = new S3Store({ bucket: "b", region: "eu-central-1", provider: "google_storage" });
    expect(aws.location).toBe("s3://b (AWS eu-central-1)");
    expect(aws.provider).toBe("google_storage");
    aws.close();
    expect(() => new S3Store({ bucket: "b", accessKeyId: "k" })).toThrow(TypeError);
    expect(() => new S3Store({ bucket: "b", endpoint: "not a url" })).toThrow(TypeError);
    expect(() => new S3Store({ bucket: "b", partSize: MiB })).toThrow(RangeError);
    expect(() => new S3Store({ bucket: "" })).toThrow(TypeError);
  });

  it("the lean path and the SDK agree: awkward keys listed, read and headed alike", async () => {
    await withStore(async (lean) => {
      const sdk = makeS3Store(config, { bucket: lean.bucket, fastPut: false });
      try {
        const keys = [
          "k/a b.txt",
          `k/amp&amp;lt<gt>"q'`,
          "k/äöü/日本/🎉",
          "k/percent%2Fx",
          "k/plus+eq=;,",
          "k/~*()!$@",
          "k/trailing space ",
          "k/]]>cdata",
        ];
        for (const [i, key] of keys.entries()) {
          const data = enc(`content ${i}`);
          await (i % 2 ? sdk : lean).put(key, { data }, {
            md5: md5(data),
            metadata: { i: `${i}` },
          });
        }
        const listing = async (store: S3Store) => {
          const out = [];
          for await (const o of store.list("k/")) out.push(o);
          return out;
        };
        const fromLean = await listing(lean);
        expect(fromLean).toEqual(await listing(sdk));
        expect(fromLean.map((o) => o.key)).toEqual([...keys].sort());
        for (const [i, key] of keys.entries()) {
          expect(await lean.head(key)).toEqual(await sdk.head(key));
          expect((await lean.head(key))?.metadata).toEqual({
            i: `${i}`,
            md5: md5(enc(`content ${i}`)),
          });
          const a = await lean.get(key, join(tmp, "lean.bin"));
          expect(a).toEqual(await sdk.get(key, join(tmp, "sdk.bin")));
          expect(a.md5).toBe(md5(enc(`content ${i}`)));
        }
      } finally {
        await sdk.close();
      }
    });
  });

  it("the lean path and the SDK map errors alike (missing bucket, wrong secret)", async () => {
    const bucket = uniqueBucketName("accsr-s3-parity");
    const errors = async (store: S3Store) => {
      const list = async () => {
        for await (const _ of store.list("p/"));
      };
      const results = await Promise.allSettled([
        list(),
        store.head("p/a"),
        store.get("p/a", join(tmp, `parity-${Math.random()}`)),
        store.put("p/a", { data: enc("a") }, { md5: md5(enc("a")) }),
      ]);
      return results.map((r) => {
        const e = (r as PromiseRejectedResult).reason as StorageError;
        return { code: e.code, statusCode: e.statusCode, message: e.message };
      });
    };
    for (const secret of [config.secretAccessKey, "wrong-secret-for-parity"]) {
      const make = (fastPut: boolean) =>
        makeS3Store(config, { bucket, fastPut, secretAccessKey: secret, maxAttempts: 1 });
      const [lean, sdk] = [make(true), make(false)];
      try {
        const fromLean = await errors(lean);
        expect(fromLean).toEqual(await errors(sdk));
        const expected = secret === config.secretAccessKey ? "BUCKET_NOT_FOUND" : "ACCESS_DENIED";
        expect(fromLean.map((e) => e.code)).toEqual(Array(4).fill(expected));
      } finally {
        await lean.close();
        await sdk.close();
      }
    }
  });

  it("lists more than one page", async () => {
    await withStore(async (store) => {
      const keys = Array.from({ length: 1105 }, (_, i) => `page/${String(i).padStart(5, "0")}`);
      const data = enc("p");
      for (let i = 0; i < keys.length; i += 100) {
        await Promise.all(
          keys.slice(i, i + 100).map((k) => store.put(k, { data }, { md5: md5(data) })),
        );
      }
      const listed = [];
      for await (const o of store.list("page/")) listed.push(o.key);
      expect(listed.sort()).toEqual(keys);
      // The raw listing agrees (sanity check of the test server).
      const raw = await admin.send(
        new ListObjectsV2Command({ Bucket: store.bucket, Prefix: "page/", MaxKeys: 10 }),
      );
      expect(raw.IsTruncated).toBe(true);
    });
  });
});
