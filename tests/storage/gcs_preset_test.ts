/**
 * The Google Cloud Storage preset of the S3 store: its options, and — against the S3 test
 * server (`S3_ENDPOINT`, radosgw) behind a recording proxy — that it deletes object by object
 * (GCS's XML API has no `POST ?delete`) with path-style requests.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DeleteBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GCS_S3_ENDPOINT, gcsS3StoreOptions } from "../../storage/stores/gcs.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, type S3TestConfig, uniqueBucketName } from "./_s3_env.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const md5 = (d: Uint8Array): string => createHash("md5").update(d).digest("hex");

describe("gcsS3StoreOptions", () => {
  it("targets the GCS XML API with path-style, per-object deletes and checksums when required", () => {
    expect(gcsS3StoreOptions({ bucket: "b", key: "GOOG1EXAMPLE", secret: "s3cr3t" })).toEqual({
      bucket: "b",
      endpoint: "https://storage.googleapis.com",
      region: "auto",
      provider: "google_storage",
      forcePathStyle: true,
      checksumMode: "WHEN_REQUIRED",
      batchDelete: false,
      accessKeyId: "GOOG1EXAMPLE",
      secretAccessKey: "s3cr3t",
    });
    expect(GCS_S3_ENDPOINT).toBe("https://storage.googleapis.com");
  });

  it("leaves credentials out when key or secret are null (default credential chain)", () => {
    const o = gcsS3StoreOptions({ bucket: "b", key: null, secret: null, region: null });
    expect(o).not.toHaveProperty("accessKeyId");
    expect(o).not.toHaveProperty("secretAccessKey");
    expect(o.region).toBe("auto");
  });

  it("lets endpoint and region be overridden", () => {
    const o = gcsS3StoreOptions({
      bucket: "b",
      endpoint: "http://127.0.0.1:4443/",
      region: "europe-west3",
    });
    expect(o.endpoint).toBe("http://127.0.0.1:4443");
    expect(o.region).toBe("europe-west3");
    expect(o.batchDelete).toBe(false);
  });
});

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** An HTTP proxy on 127.0.0.1 that forwards to `target` and records every request. */
async function recordingProxy(target: string) {
  const upstream = new URL(target);
  const recorded: Recorded[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    recorded.push({ method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers } });
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers, // the original Host header too: it is part of the signature
        agent,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on("error", (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    recorded,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeS3("gcsS3StoreOptions against an S3 server", (config: S3TestConfig) => {
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  before(async () => {
    proxy = await recordingProxy(config.endpoint);
  });
  after(async () => {
    await proxy.close();
  });

  it("deletes with one DELETE per key, never POST ?delete, path-style", async () => {
    const bucket = uniqueBucketName("accsr-gcs");
    const store = new S3Store(
      gcsS3StoreOptions({
        bucket,
        key: config.accessKeyId,
        secret: config.secretAccessKey,
        endpoint: proxy.url,
        region: config.region, // radosgw may refuse GCS's "auto"
      }),
    );
    try {
      expect(store.provider).toBe("google_storage");
      await store.createBucket();
      const keys = ["gcs/a.txt", "gcs/sub/b.txt", "gcs/c d.txt"];
      for (const key of keys) {
        const data = enc(`content of ${key}`);
        const put = await store.put(key, { data }, { md5: md5(data) });
        expect(put.md5).toBe(md5(data));
      }
      const listed: string[] = [];
      for await (const o of store.list("gcs/")) listed.push(o.key);
      expect(listed.sort()).toEqual([...keys].sort());

      proxy.recorded.length = 0;
      await store.delete([...keys, "gcs/missing.txt"]);
      const deletes = proxy.recorded.filter((r) => r.method === "DELETE");
      const paths = deletes.map((r) => decodeURIComponent(new URL(r.url, proxy.url).pathname));
      for (const key of keys) expect(paths).toContain(`/${bucket}/${key}`);
      expect(proxy.recorded.filter((r) => r.method === "POST")).toEqual([]);
      expect(proxy.recorded.some((r) => /[?&]delete(=|&|$)/.test(r.url))).toBe(false);

      const left: string[] = [];
      for await (const o of store.list("gcs/")) left.push(o.key);
      expect(left).toEqual([]);
      // path-style addressing: every request went to /<bucket>…, to the proxy's host
      for (const r of proxy.recorded) {
        expect(new URL(r.url, proxy.url).pathname.startsWith(`/${bucket}`)).toBe(true);
        expect(r.headers.host).toBe(new URL(proxy.url).host);
      }
    } finally {
      await store.close();
      const admin = new S3Client({
        endpoint: config.endpoint,
        region: config.region,
        forcePathStyle: true,
        credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      });
      await admin.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
      admin.destroy();
    }
  });

  it("uploads without aws-chunked streaming checksums (checksumMode WHEN_REQUIRED)", async () => {
    const bucket = uniqueBucketName("accsr-gcs");
    const store = new S3Store(
      gcsS3StoreOptions({
        bucket,
        key: config.accessKeyId,
        secret: config.secretAccessKey,
        endpoint: proxy.url,
        region: config.region,
      }),
    );
    try {
      await store.createBucket();
      proxy.recorded.length = 0;
      const data = enc("checksum mode");
      await store.put("x.txt", { data }, { md5: md5(data) });
      const puts = proxy.recorded.filter((r) => r.method === "PUT");
      expect(puts.length).toBeGreaterThan(0);
      for (const r of puts) {
        expect(String(r.headers["content-encoding"] ?? "")).not.toContain("aws-chunked");
        expect(String(r.headers["x-amz-content-sha256"] ?? "")).not.toContain("STREAMING");
        expect(r.headers["x-amz-sdk-checksum-algorithm"]).toBeUndefined();
      }
      await store.delete(["x.txt"]);
    } finally {
      await store.close();
      const admin = new S3Client({
        endpoint: config.endpoint,
        region: config.region,
        forcePathStyle: true,
        credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      });
      await admin.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
      admin.destroy();
    }
  });
});
