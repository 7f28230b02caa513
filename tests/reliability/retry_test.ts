/**
 * Transient S3 failures (500, 503 SlowDown, connection reset, timeout) are retried with
 * exponential backoff and jitter, bounded in attempts (`maxAttempts`) and time; permanent
 * ones (400, 403, 404) are not retried. Both request paths are covered: the lean fast PUT
 * and the AWS SDK (multipart parts, GET, listings, PUT with `fastPut: false`).
 *
 * Integrity: uploads carry `Content-MD5` (single PUT) or a per-part `Content-MD5` (multipart,
 * whole-file MD5 in `x-amz-meta-md5`); downloads are checked against the object's MD5 before
 * they replace anything (a corrupted body → `CORRUPT_DOWNLOAD`, old file untouched).
 *
 * A fault-injecting proxy (`_fault_proxy.ts`) sits between the store and the test server of
 * `S3_ENDPOINT` and counts the requests.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { StorageError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import { S3Store, type S3StoreOptions } from "../../storage/stores/s3.ts";
import { retryDelay, retryKind, type RetryPolicy } from "../../storage/stores/_s3_errors.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { adminClient, dropBucket, leftovers, md5Of, QUIET, rejectionOf } from "./_helpers.ts";
import { FaultProxy } from "./_fault_proxy.ts";

const MiB = 1024 * 1024;
const b64md5 = (d: Uint8Array) => createHash("md5").update(d).digest("base64");

describe("retry policy (pure)", () => {
  const policy: RetryPolicy = {
    maxAttempts: 5,
    baseDelayMs: 100,
    maxDelayMs: 5_000,
    maxRetryTimeMs: 20_000,
  };

  it("classifies transient, throttling and permanent failures", () => {
    const err = (name: string, status?: number, code?: string) =>
      Object.assign(new Error(name), {
        name,
        code,
        $metadata: status === undefined ? undefined : { httpStatusCode: status },
      });
    expect(retryKind(err("InternalError", 500))).toBe("transient");
    expect(retryKind(err("ServiceUnavailable", 503))).toBe("transient");
    expect(retryKind(err("SlowDown", 503))).toBe("throttling");
    expect(retryKind(err("TooManyRequests", 429))).toBe("throttling");
    expect(retryKind(err("TimeoutError"))).toBe("transient");
    expect(retryKind(err("Error", undefined, "ECONNRESET"))).toBe("transient");
    expect(retryKind(err("Error", undefined, "ECONNREFUSED"))).toBe("transient");
    expect(retryKind(Object.assign(new Error("x"), { cause: err("E", undefined, "EPIPE") })))
      .toBe("transient");
    expect(retryKind(err("AccessDenied", 403))).toBeUndefined();
    expect(retryKind(err("SignatureDoesNotMatch", 403))).toBeUndefined();
    expect(retryKind(err("NoSuchBucket", 404))).toBeUndefined();
    expect(retryKind(err("InvalidArgument", 400))).toBeUndefined();
    expect(retryKind(err("PreconditionFailed", 412))).toBeUndefined();
    expect(retryKind(err("AbortError"))).toBeUndefined();
    expect(retryKind(err("Error", undefined, "ENOTFOUND"))).toBeUndefined();
  });

  it("waits grow exponentially with full jitter, capped; attempts and time are bounded", () => {
    const now = Date.now();
    for (let retry = 0; retry < 4; retry++) {
      const draws = Array.from({ length: 400 }, () => retryDelay(policy, retry, "transient", now)!);
      const cap = 100 * 2 ** retry;
      expect(Math.max(...draws)).toBeLessThan(cap);
      expect(Math.max(...draws)).toBeGreaterThan(cap * 0.8); // grows with each retry
      expect(new Set(draws).size).toBeGreaterThan(10); // jitter
    }
    const slow = Array.from({ length: 200 }, () => retryDelay(policy, 0, "throttling", now)!);
    expect(Math.max(...slow)).toBeGreaterThan(100); // throttling backs off more
    expect(retryDelay(policy, 4, "transient", now)).toBeUndefined(); // 5 attempts made
    expect(retryDelay({ ...policy, maxAttempts: 1 }, 0, "transient", now)).toBeUndefined();
    expect(retryDelay(policy, 1, "transient", now - 20_001, now)).toBeUndefined(); // out of time
    const big = Array.from(
      { length: 50 },
      () => retryDelay({ ...policy, maxAttempts: 50 }, 30, "transient", now)!,
    );
    expect(Math.max(...big)).toBeLessThanOrEqual(5_000);
  });
});

describeS3("S3 retries and integrity through a fault proxy", (config) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  let tmp = "";
  const bucket = uniqueBucketName("accsr-rel-retry");

  before(async () => {
    proxy = await FaultProxy.start(config.endpoint);
    admin = adminClient(config.endpoint, config.accessKeyId, config.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-retry-"));
    const store = makeStore();
    await store.createBucket();
    await store.close();
  });
  after(async () => {
    await proxy.close();
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  function makeStore(overrides: Partial<S3StoreOptions> = {}): S3Store {
    return new S3Store({
      bucket,
      endpoint: proxy.url,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      multipartThreshold: 5 * MiB,
      partSize: 5 * MiB,
      retryBaseDelay: 10,
      ...overrides,
    });
  }

  let n = 0;
  /** A fresh local folder with one file of `size` random bytes; returns its paths and key. */
  async function oneFile(size: number) {
    const dir = join(tmp, `case-${++n}`);
    const name = `file-${n}.bin`;
    const data = randomBytes(size);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, name), data);
    return { dir, name, data, key: `ns/${name}` };
  }

  function storageOn(store: S3Store): RemoteStorage {
    return new RemoteStorage({ provider: "s3", bucket, basePath: "ns" }, { store, events: QUIET });
  }

  const transient = [
    { label: "HTTP 500 InternalError", action: { status: 500, code: "InternalError" } },
    { label: "HTTP 503 SlowDown", action: { status: 503, code: "SlowDown" } },
    { label: "a connection reset", action: "reset" as const },
  ];

  for (const { label, action } of transient) {
    it(`fast PUT path: ${label} twice is retried and the push succeeds (3 PUTs)`, async () => {
      const store = makeStore();
      try {
        const f = await oneFile(1000);
        proxy.reset();
        proxy.addRule({ method: "PUT", path: f.key, times: 2, action });
        const summary = await storageOn(store).push(f.name, { localPathPrefix: f.dir });
        expect(summary.syncedFiles.length).toBe(1);
        expect(proxy.count({ method: "PUT", path: f.key })).toBe(3);
        // (Deno's HTTP client itself may resend a request whose reused connection was reset.)
        expect(store.retryCount).toBeGreaterThanOrEqual(1);
        const head = await store.head(f.key);
        expect(head?.md5).toBe(md5Of(f.data));
      } finally {
        await store.close();
      }
    });

    it(`multipart, GET and listing: ${label} on an UploadPart, a GET and a listing is retried`, async () => {
      const store = makeStore();
      try {
        const f = await oneFile(11 * MiB); // 3 parts (files up to 8 MiB go up in one PUT)
        const storage = storageOn(store);
        proxy.reset();
        proxy.addRule({ method: "GET", query: "list-type=2", times: 2, action });
        proxy.addRule({ method: "PUT", query: "partNumber=1", times: 2, action });
        await storage.push(f.name, { localPathPrefix: f.dir });
        expect(proxy.count({ method: "PUT", query: "partNumber=1" })).toBe(3);
        expect(proxy.count({ method: "PUT", query: "partNumber=2" })).toBe(1);
        expect(proxy.count({ method: "PUT", query: "partNumber=3" })).toBe(1);
        expect(proxy.count({ method: "GET", query: "list-type=2" })).toBe(3);

        proxy.reset();
        proxy.addRule({
          method: "GET",
          path: f.key,
          query: /^(x-id=GetObject)?$/,
          times: 2,
          action,
        });
        const out = join(tmp, `out-${n}`);
        const pulled = await storage.pull(f.name, { localBaseDir: out });
        expect(pulled.syncedFiles.length).toBe(1);
        expect(proxy.count({ method: "GET", path: f.key })).toBe(3);
        expect(md5Of(await readFile(join(out, f.name)))).toBe(md5Of(f.data));
      } finally {
        await store.close();
      }
    });
  }

  it("SDK PUT (fastPut: false): HTTP 503 twice is retried (3 PUTs)", async () => {
    const store = makeStore({ fastPut: false });
    try {
      const f = await oneFile(1000);
      proxy.reset();
      proxy.addRule({ method: "PUT", path: f.key, times: 2, action: { status: 503 } });
      await storageOn(store).push(f.name, { localPathPrefix: f.dir });
      expect(proxy.count({ method: "PUT", path: f.key })).toBe(3);
    } finally {
      await store.close();
    }
  });

  it("a timeout (no answer within socketTimeout) is retried, on both paths", async () => {
    for (const fastPut of [true, false]) {
      const store = makeStore({ socketTimeout: 300, fastPut });
      try {
        const f = await oneFile(1000);
        proxy.reset();
        proxy.addRule({ method: "PUT", path: f.key, times: 1, action: "hang" });
        const t0 = Date.now();
        await storageOn(store).push(f.name, { localPathPrefix: f.dir });
        expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
        // 2 attempts; Deno's HTTP client may also resend the abandoned first one, whose
        // success then makes our create-only retry see 412 — recognised as our own content.
        expect(proxy.count({ method: "PUT", path: f.key })).toBeGreaterThanOrEqual(2);
        expect(proxy.count({ method: "PUT", path: f.key })).toBeLessThanOrEqual(3);
        expect((await store.head(f.key))?.md5).toBe(md5Of(f.data));
      } finally {
        await store.close();
      }
    }
  });

  it("a create whose answer was lost is retried and recognised as done (single PUT, multipart)", async () => {
    for (const size of [1000, 11 * MiB]) {
      const store = makeStore();
      try {
        const f = await oneFile(size);
        proxy.reset();
        // Single PUT: the PUT itself; multipart: CompleteMultipartUpload (POST ?uploadId=).
        const match = size < MiB
          ? { method: "PUT", path: f.key }
          : { method: "POST", path: f.key, query: "uploadId=" };
        proxy.addRule({ ...match, times: 1, action: "lose-answer" });
        const summary = await storageOn(store).push(f.name, { localPathPrefix: f.dir });
        expect(summary.syncedFiles.map((o) => o.name)).toEqual([f.key]);
        expect(proxy.count(match)).toBeGreaterThanOrEqual(2);
        expect(proxy.requests.filter((r) => r.fault === "lose-answer").length).toBe(1);
        const head = await store.head(f.key);
        expect(head?.md5).toBe(md5Of(f.data));
        expect(head?.size).toBe(size);
      } finally {
        await store.close();
      }
    }
  });

  const permanent = [
    { status: 403, code: "AccessDenied", expected: "ACCESS_DENIED" },
    { status: 400, code: "InvalidArgument", expected: "STORAGE_ERROR" },
    { status: 404, code: "NoSuchBucket", expected: "BUCKET_NOT_FOUND" },
  ];
  for (const { status, code, expected } of permanent) {
    it(`HTTP ${status} ${code} is not retried (fast PUT, SDK PUT, UploadPart, listing)`, async () => {
      for (const variant of ["fast", "sdk", "part", "list"] as const) {
        const store = makeStore({ fastPut: variant !== "sdk" });
        try {
          const f = await oneFile(variant === "part" ? 11 * MiB : 1000);
          proxy.reset();
          const match = variant === "list"
            ? { method: "GET", query: "list-type=2" }
            : variant === "part"
            ? { method: "PUT", query: "partNumber=1" }
            : { method: "PUT", path: f.key };
          proxy.addRule({ ...match, action: { status, code } });
          const err = await rejectionOf(storageOn(store).push(f.name, { localPathPrefix: f.dir }));
          expect(err).toBeInstanceOf(StorageError);
          expect((err as StorageError).code).toBe(expected);
          expect(proxy.count(match)).toBe(1);
          if (status === 403) expect(err.message).toContain(`access denied for bucket ${bucket}`);
          if (status === 404) expect(err.message).toContain("run `accsr create-bucket`");
        } finally {
          await store.close();
        }
      }
    });
  }

  it("attempts are bounded: maxAttempts (store option and RemoteStorage config), default 5", async () => {
    for (const [maxAttempts, expected] of [[undefined, 5], [2, 2], [1, 1]] as const) {
      const store = makeStore(maxAttempts === undefined ? {} : { maxAttempts });
      try {
        const f = await oneFile(100);
        proxy.reset();
        proxy.addRule({ method: "PUT", path: f.key, action: { status: 500 } });
        const t0 = Date.now();
        const err = await rejectionOf(storageOn(store).push(f.name, { localPathPrefix: f.dir }));
        expect((err as StorageError).statusCode).toBe(500);
        expect(proxy.count({ method: "PUT", path: f.key })).toBe(expected);
        expect(Date.now() - t0).toBeLessThan(5_000);
      } finally {
        await store.close();
      }
    }
    // Through the config (createStore passes maxAttempts on).
    const f = await oneFile(100);
    const storage = new RemoteStorage({
      provider: "s3",
      bucket,
      basePath: "ns",
      endpoint: proxy.url,
      key: config.accessKeyId,
      secret: config.secretAccessKey,
      maxAttempts: 3,
    }, { events: QUIET });
    proxy.reset();
    proxy.addRule({ method: "GET", query: "list-type=2", action: { status: 503 } });
    const err = await rejectionOf(storage.push(f.name, { localPathPrefix: f.dir }));
    expect(err).toBeInstanceOf(StorageError);
    expect(proxy.count({ method: "GET", query: "list-type=2" })).toBe(3);
    await storage.close();
  });

  it("uploads carry Content-MD5: single PUTs and every UploadPart (both paths)", async () => {
    for (const fastPut of [true, false]) {
      const store = makeStore({ fastPut });
      try {
        const small = await oneFile(3000);
        const big = await oneFile(11 * MiB); // 3 parts: 5 + 5 + 1 MiB
        proxy.reset();
        await storageOn(store).push(small.name, { localPathPrefix: small.dir });
        await storageOn(store).push(big.name, { localPathPrefix: big.dir });
        const smallPut = proxy.requests.find((r) =>
          r.method === "PUT" && r.path.endsWith(small.key)
        )!;
        expect(smallPut.headers["content-md5"]).toBe(b64md5(small.data));
        expect(smallPut.headers["x-amz-meta-md5"]).toBe(md5Of(small.data));
        const create = proxy.requests.find((r) =>
          r.method === "POST" && r.query.includes("uploads")
        )!;
        expect(create.headers["x-amz-meta-md5"]).toBe(md5Of(big.data));
        const parts = proxy.requests.filter((r) =>
          r.method === "PUT" && r.query.includes("partNumber=")
        );
        expect(parts.length).toBe(3);
        for (const p of parts) {
          const i = Number(/partNumber=(\d+)/.exec(p.query)![1]) - 1;
          const chunk = big.data.subarray(
            i * 5 * MiB,
            Math.min((i + 1) * 5 * MiB, big.data.length),
          );
          expect(p.headers["content-md5"]).toBe(b64md5(chunk));
        }
      } finally {
        await store.close();
      }
    }
  });

  for (const size of [2000, 11 * MiB]) {
    const kind = size > MiB ? "multipart object" : "single PUT object";
    it(`a one-off flipped byte in a download (${kind}) is retried to success and counted`, async () => {
      const store = makeStore();
      try {
        const f = await oneFile(size);
        const storage = storageOn(store);
        await storage.push(f.name, { localPathPrefix: f.dir });
        const out = join(tmp, `flip-${n}`);
        proxy.reset();
        proxy.addRule({ method: "GET", path: f.key, times: 1, action: "corrupt" });
        const summary = await storage.pull(f.name, { localBaseDir: out });
        expect(proxy.requests.some((r) => r.fault === "corrupt")).toBe(true);
        expect(proxy.count({ method: "GET", path: f.key })).toBe(2);
        expect(summary.syncedFiles.length).toBe(1);
        expect(summary.retriedFiles.map((r) => r.file.name)).toEqual([f.key]);
        expect((summary.toJSON().retried_files as unknown[]).length).toBe(1);
        expect(md5Of(await readFile(join(out, f.name)))).toBe(md5Of(f.data));
        expect(await leftovers(out)).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it(`a download corrupted on every attempt (${kind}) is CORRUPT_DOWNLOAD after maxAttempts; the old file stays, no temporary file`, async () => {
      const store = makeStore({ maxAttempts: 3 });
      try {
        const f = await oneFile(size);
        const storage = new RemoteStorage(
          { provider: "s3", bucket, basePath: "ns", maxAttempts: 3 },
          { store, events: QUIET },
        );
        await storage.push(f.name, { localPathPrefix: f.dir });
        const out = join(tmp, `corrupt-${n}`);
        await mkdir(out, { recursive: true });
        await writeFile(join(out, f.name), "old content\n");
        proxy.reset();
        proxy.addRule({ method: "GET", path: f.key, action: "corrupt" });
        const err = await rejectionOf(storage.pull(f.name, { localBaseDir: out, force: true }));
        expect(err).toBeInstanceOf(StorageError);
        expect((err as StorageError).code).toBe("CORRUPT_DOWNLOAD");
        expect(err.message).toContain(f.key);
        expect(err.message).toContain("3 attempt(s)");
        expect(proxy.count({ method: "GET", path: f.key })).toBe(3);
        expect(await readFile(join(out, f.name), "utf8")).toBe("old content\n");
        expect(await leftovers(out)).toEqual([]);
        // Without the fault the same pull succeeds.
        proxy.reset();
        await storage.pull(f.name, { localBaseDir: out, force: true });
        expect(md5Of(await readFile(join(out, f.name)))).toBe(md5Of(f.data));
      } finally {
        await store.close();
      }
    });
  }

  it("a download whose every attempt is reset fails after maxAttempts, leaving no file", async () => {
    const store = makeStore();
    try {
      const f = await oneFile(3 * MiB);
      const storage = storageOn(store);
      await storage.push(f.name, { localPathPrefix: f.dir });
      const out = join(tmp, `reset-${n}`);
      // Every GET of the object fails (reset), so no attempt can succeed.
      proxy.reset();
      proxy.addRule({ method: "GET", path: f.key, action: "reset" });
      const err = await rejectionOf(storage.pull(f.name, { localBaseDir: out }));
      expect(err).toBeInstanceOf(StorageError);
      // 5 attempts (Deno's HTTP client may add a resend of its own on a reused connection).
      expect(proxy.count({ method: "GET", path: f.key })).toBeGreaterThanOrEqual(5);
      expect(proxy.count({ method: "GET", path: f.key })).toBeLessThanOrEqual(10);
      expect(await leftovers(out)).toEqual([]);
      expect(Buffer.from(await readFile(join(f.dir, f.name))).equals(f.data)).toBe(true);
      await expect(readFile(join(out, f.name))).rejects.toThrow();
    } finally {
      await store.close();
    }
  });
});
