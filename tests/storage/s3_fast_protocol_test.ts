/**
 * The lean S3 request path against a scripted HTTP server (no S3 needed): GETs that fail
 * midway start over (file truncated, progress counted once), corrupt bodies are refused
 * without a retry, aborts are prompt; listings follow continuation tokens; S3 error XML maps
 * to the same `StorageError`s as on the SDK path.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageError } from "../../errors.ts";
import { awsSdkLoaded, S3Store, type S3StoreOptions } from "../../storage/stores/s3.ts";

const md5 = (d: Uint8Array) => createHash("md5").update(d).digest("hex");

/** What the server does with one request. */
type Script = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A server that answers the n-th request with `scripts[n]` (the last one repeats). */
class ScriptedServer {
  readonly seen: { method: string; url: string }[] = [];
  scripts: Script[] = [];
  readonly #server = http.createServer((req, res) => {
    this.seen.push({ method: req.method ?? "", url: req.url ?? "" });
    const script = this.scripts[Math.min(this.seen.length - 1, this.scripts.length - 1)];
    req.resume();
    req.once("end", () => script(req, res));
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, "127.0.0.1", () => r()));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  play(...scripts: Script[]): void {
    this.scripts = scripts;
    this.seen.length = 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }
}

const object = (body: Uint8Array, etag = md5(body)): Script => (_req, res) => {
  res.writeHead(200, { "content-length": body.byteLength, etag: `"${etag}"` });
  res.end(body);
};
/** Sends the headers and `cut` bytes of the body, then drops the connection. */
const cutOff = (body: Uint8Array, cut: number): Script => (_req, res) => {
  res.writeHead(200, { "content-length": body.byteLength, etag: `"${md5(body)}"` });
  res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 20));
};
/** Sends the headers and `cut` bytes of the body, then nothing. */
const stall = (body: Uint8Array, cut: number): Script => (_req, res) => {
  res.writeHead(200, { "content-length": body.byteLength, etag: `"${md5(body)}"` });
  res.write(body.subarray(0, cut));
};
const s3Error = (status: number, code: string, message = "injected"): Script => (req, res) => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
    `<Message>${message}</Message><RequestId>tx1</RequestId></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "content-length": xml.length });
  res.end(req.method === "HEAD" ? undefined : xml);
};
const xml = (text: string): Script => (_req, res) => {
  res.writeHead(200, { "content-type": "application/xml" });
  res.end(text);
};

async function rejection(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StorageError);
    return e as StorageError;
  }
  throw new Error("expected a rejection");
}

describe("lean S3 path against a scripted server", () => {
  const server = new ScriptedServer();
  let endpoint = "";
  let tmp = "";
  const stores: S3Store[] = [];

  before(async () => {
    endpoint = await server.start();
    tmp = await mkdtemp(join(tmpdir(), "accsr-s3-fast-"));
  });
  after(async () => {
    for (const s of stores) await s.close();
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  function store(overrides: Partial<S3StoreOptions> = {}): S3Store {
    const s = new S3Store({
      bucket: "bkt",
      endpoint,
      accessKeyId: "k",
      secretAccessKey: "s",
      retryBaseDelay: 1,
      ...overrides,
    });
    stores.push(s);
    return s;
  }

  it("a GET cut off midway starts over: the file holds the object once, progress adds up", async () => {
    const body = new Uint8Array(randomBytes(300_000));
    server.play(cutOff(body, 100_000), cutOff(body, 200_000), object(body));
    const dest = join(tmp, "cut.bin");
    let progress = 0;
    const got = await store().get("dir/cut.bin", dest, { onProgress: (n) => progress += n });
    expect(got).toEqual({ size: body.byteLength, md5: md5(body) });
    expect(Buffer.from(await readFile(dest)).equals(body)).toBe(true);
    expect(progress).toBe(body.byteLength);
    expect(server.seen.map((r) => `${r.method} ${r.url}`)).toEqual(
      Array(3).fill("GET /bkt/dir/cut.bin"),
    );
  });

  it("a GET whose body stalls past socketTimeout is retried", async () => {
    const body = new Uint8Array(randomBytes(50_000));
    server.play(stall(body, 10_000), object(body));
    const dest = join(tmp, "stall.bin");
    const got = await store({ socketTimeout: 200 }).get("stall.bin", dest);
    expect(got.md5).toBe(md5(body));
    expect(server.seen.length).toBe(2);
  });

  it("a 503 is retried; every attempt failing ends after maxAttempts with no file", async () => {
    const body = new Uint8Array(randomBytes(1000));
    server.play(s3Error(503, "SlowDown"), object(body));
    expect((await store().get("a", join(tmp, "a"))).md5).toBe(md5(body));
    expect(server.seen.length).toBe(2);

    server.play(cutOff(body, 10));
    const dest = join(tmp, "never.bin");
    const e = await rejection(store({ maxAttempts: 3 }).get("never", dest));
    expect(e.code).toBe("STORAGE_ERROR");
    expect(e.message).toContain("lost");
    expect(server.seen.length).toBe(3);
    expect(existsSync(dest)).toBe(false);
  });

  it("a corrupted body is CORRUPT_DOWNLOAD at once (no retry) and leaves no file", async () => {
    const body = new Uint8Array(randomBytes(5000));
    server.play(object(body, md5(new Uint8Array(1))));
    const dest = join(tmp, "corrupt.bin");
    const e = await rejection(store().get("corrupt.bin", dest));
    expect(e.code).toBe("CORRUPT_DOWNLOAD");
    expect(server.seen.length).toBe(1);
    expect(existsSync(dest)).toBe(false);
  });

  it("NoSuchKey and NoSuchBucket are not retried and map like the SDK path", async () => {
    server.play(s3Error(404, "NoSuchKey"));
    const missing = await rejection(store().get("k", join(tmp, "k")));
    expect(missing.code).toBe("NOT_FOUND");
    expect(missing.statusCode).toBe(404);
    expect(server.seen.length).toBe(1);
    server.play(s3Error(404, "NoSuchBucket"));
    const noBucket = await rejection(store().get("k", join(tmp, "k")));
    expect(noBucket.code).toBe("BUCKET_NOT_FOUND");
    expect(noBucket.message).toBe(
      `Cannot get "s3://bkt/k" at ${endpoint}: bucket does not exist (run \`accsr create-bucket\`)`,
    );
  });

  it("aborting a GET midway is prompt, ABORTED, and leaves no file", async () => {
    const body = new Uint8Array(randomBytes(100_000));
    server.play(stall(body, 30_000));
    const controller = new AbortController();
    const dest = join(tmp, "abort.bin");
    const t0 = Date.now();
    const e = await rejection(
      store().get("abort.bin", dest, {
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    );
    expect(e.code).toBe("ABORTED");
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(existsSync(dest)).toBe(false);
    expect(server.seen.length).toBe(1);
  });

  it("an answer arriving after an abort writes nothing", async () => {
    const body = new Uint8Array(randomBytes(1000));
    const s = store();
    for (const delay of [20, 40, 80]) {
      server.play(object(body), (req, res) => setTimeout(() => object(body)(req, res), delay));
      await s.get("warm.bin", join(tmp, "warm.bin")); // a pooled connection
      const controller = new AbortController();
      const dest = join(tmp, `late-${delay}.bin`);
      const call = s.get("late.bin", dest, { signal: controller.signal });
      setTimeout(() => controller.abort(), 10);
      expect((await rejection(call)).code).toBe("ABORTED");
      await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(dest)).toBe(false);
    }
  });

  it("a listing follows continuation tokens and decodes keys", async () => {
    const page = (keys: string[], next?: string) =>
      xml(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name>` +
          `<IsTruncated>${next !== undefined}</IsTruncated>` +
          keys.map((k) =>
            `<Contents><Key>${k}</Key><Size>3</Size>` +
            `<ETag>"900150983cd24fb0d6963f7d28e17f72"</ETag></Contents>`
          ).join("") +
          (next === undefined ? "" : `<NextContinuationToken>${next}</NextContinuationToken>`) +
          `</ListBucketResult>`,
      );
    server.play(page(["p/a &amp; b", "p/&#x1F389;"], "tok/+= &amp;"), page(["p/&lt;c&gt;"]));
    const listed = [];
    for await (const o of store().list("p/ x")) listed.push(o);
    expect(listed.map((o) => o.key)).toEqual(["p/a & b", "p/🎉", "p/<c>"]);
    expect(listed[0].md5).toBe("900150983cd24fb0d6963f7d28e17f72");
    expect(server.seen.map((r) => r.url)).toEqual([
      "/bkt?list-type=2&max-keys=1000&prefix=p%2F%20x",
      "/bkt?continuation-token=tok%2F%2B%3D%20%26&list-type=2&max-keys=1000&prefix=p%2F%20x",
    ]);
  });

  it("listing errors map like the SDK path; a malformed listing is STORAGE_ERROR", async () => {
    const list = async (s: S3Store) => {
      for await (const _ of s.list("x/"));
    };
    server.play(s3Error(403, "SignatureDoesNotMatch"));
    const denied = await rejection(list(store()));
    expect(denied.code).toBe("ACCESS_DENIED");
    expect(denied.statusCode).toBe(403);
    expect(denied.message).toBe(
      `Cannot list "s3://bkt/x/" at ${endpoint}: access denied for bucket bkt (signature does not match) (check key and secret)`,
    );
    server.play(s3Error(500, "InternalError", "boom &amp; more"));
    const internal = await rejection(list(store({ maxAttempts: 2 })));
    expect(internal.code).toBe("STORAGE_ERROR");
    expect(internal.message).toContain("InternalError, HTTP 500: boom & more");
    expect(server.seen.length).toBe(2);
    server.play(xml("<ListBucketResult><Contents><Key>a</Key></ListBucketResult>"));
    const malformed = await rejection(list(store()));
    expect(malformed.code).toBe("STORAGE_ERROR");
    expect(malformed.message).toContain("malformed XML");
  });

  it("a HEAD answers from headers; a 404 is undefined once the bucket is known", async () => {
    server.play((_req, res) => {
      res.writeHead(200, {
        "content-length": 12,
        etag: '"0f343b0931126a20f133d67c2b018a3b-2"',
        "last-modified": "Tue, 25 Nov 2025 16:20:00 GMT",
        "x-amz-meta-md5": "900150983CD24FB0D6963F7D28E17F72",
        "x-amz-meta-Owner": "me",
      });
      res.end();
    }, s3Error(404, "NotFound"));
    const s = store();
    const h = await s.head("k");
    expect(h).toEqual({
      key: "k",
      size: 12,
      etag: "0f343b0931126a20f133d67c2b018a3b-2",
      md5: "900150983cd24fb0d6963f7d28e17f72",
      lastModified: new Date("2025-11-25T16:20:00Z"),
      metadata: { md5: "900150983CD24FB0D6963F7D28E17F72", owner: "me" },
    });
    expect(await s.head("gone")).toBeUndefined();
    expect(server.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      "HEAD /bkt/k",
      "HEAD /bkt/gone",
    ]);
  });

  it("none of this loaded the AWS SDK", () => {
    expect(awsSdkLoaded()).toBe(false);
  });
});
