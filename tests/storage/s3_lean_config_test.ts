/**
 * The lean S3 path in every configuration, against the real radosgw (through a recording
 * front on 127.0.0.1; nothing ever reaches AWS: instance metadata is disabled, shared config
 * files point into a temporary HOME):
 * - virtual-hosted addressing (`<bucket>.localhost`, radosgw's `rgw dns name = localhost`);
 * - https through a local TLS front with a self-signed certificate, trusted the way a user does
 *   it (`NODE_EXTRA_CA_CERTS`, honoured by Node and Deno); untrusted, a clear error;
 * - credentials from the default provider chain: environment (session token included), a
 *   profile of a shared credentials file, a container-credentials endpoint — refreshed before
 *   they expire (fetches counted during a longer push) and once after an `ExpiredToken` answer;
 * - region discovery: an answer 301 naming `x-amz-bucket-region` switches the region (lean
 *   path: once for the store; SDK path: per request, as the SDK does).
 * Every one of these runs on the lean path: the AWS SDK client is never loaded, no request
 * carries the SDK's user agent.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Store, type S3StoreOptions } from "../../storage/stores/s3.ts";
import { RemoteStorage } from "../../storage/remote_storage.ts";
import { describeS3, type S3TestConfig, uniqueBucketName } from "./_s3_env.ts";
import { FastS3 } from "../../storage/stores/_s3_fast.ts";
import http from "node:http";
import {
  CredentialsEndpoint,
  runChild,
  S3Front,
  selfSignedCertificate,
  type TestCertificate,
} from "./_s3_front.ts";

/** `DeleteBucket` of the (emptied) test bucket, on the lean signer. */
async function dropEmptyBucket(config: S3TestConfig, bucket: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true });
  const fast = new FastS3({
    endpoint: new URL(config.endpoint),
    region: config.region,
    bucket,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    agent,
    retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1000, maxRetryTimeMs: 5000 },
    connectionTimeout: 5000,
    socketTimeout: 30000,
  });
  try {
    await fast.request({ method: "DELETE" }).catch(() => {});
  } finally {
    agent.destroy();
  }
}

const md5 = (d: Uint8Array) => createHash("md5").update(d).digest("hex");
/** The SDK's refresh window (5 minutes) plus a little: refreshed soon after the first fetch. */
const SOON_STALE_MS = 300_000 + 1_000;

describeS3("S3 lean path in every configuration", (config) => {
  const bucket = uniqueBucketName("accsr-lean-cfg");
  const keys = { key: config.accessKeyId, secret: config.secretAccessKey };
  let front: S3Front;
  let tmp = "";
  const staticStore = (o: Partial<S3StoreOptions> = {}) =>
    new S3Store({
      bucket,
      endpoint: config.endpoint,
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      ...o,
    });

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "accsr-lean-cfg-"));
    const s = staticStore();
    await s.createBucket();
    await s.close();
    front = await S3Front.start(config.endpoint);
  });
  after(async () => {
    await front.close();
    const s = staticStore();
    const left: string[] = [];
    for await (const o of s.list("")) left.push(o.key);
    await s.delete(left);
    await s.close();
    await dropEmptyBucket(config, bucket);
    await rm(tmp, { recursive: true, force: true });
  });

  const noSdk = () => front.requests.every((r) => !/aws-sdk/i.test(r.userAgent ?? ""));

  it("virtual-hosted addressing: every request goes to <bucket>.localhost, never /<bucket>/…", async () => {
    front.requests.length = 0;
    const store = staticStore({
      endpoint: `http://localhost:${front.port}`,
      forcePathStyle: false,
    });
    try {
      const data = Buffer.from("virtual-hosted");
      await store.createBucket({ existOk: true });
      await store.put("vh/a b.txt", { data }, { md5: md5(data) });
      const listed = [];
      for await (const o of store.list("vh/")) listed.push(o.key);
      expect(listed).toEqual(["vh/a b.txt"]);
      expect((await store.head("vh/a b.txt"))?.md5).toBe(md5(data));
      expect((await store.get("vh/a b.txt", join(tmp, "vh.txt"))).md5).toBe(md5(data));
      await store.delete(["vh/a b.txt"]);
    } finally {
      await store.close();
    }
    expect(front.requests.length).toBeGreaterThanOrEqual(6);
    for (const r of front.requests) {
      expect(r.host).toBe(`${bucket}.localhost:${front.port}`);
      expect(r.path.startsWith(`/${bucket}`)).toBe(false);
    }
    expect(noSdk()).toBe(true);
  });

  it("config key force_path_style: false makes a RemoteStorage on an endpoint virtual-hosted", async () => {
    front.requests.length = 0;
    const local = join(tmp, "project");
    await mkdir(join(local, "data"), { recursive: true });
    await writeFile(join(local, "data", "a.txt"), "config virtual-hosted");
    const storage = new RemoteStorage({
      provider: "s3",
      bucket,
      endpoint: `http://localhost:${front.port}`,
      region: config.region,
      key: config.accessKeyId,
      secret: config.secretAccessKey,
      base_path: "cfg",
      force_path_style: false,
    }, { events: {} });
    try {
      const pushed = await storage.push(join(local, "data"), {
        localPathPrefix: local,
        usePbar: false,
      });
      expect(pushed.syncedFiles.length).toBe(1);
      await storage.delete("data");
    } finally {
      await storage.close();
    }
    expect(front.requests.length).toBeGreaterThanOrEqual(2);
    expect(front.requests.every((r) => r.host === `${bucket}.localhost:${front.port}`)).toBe(true);
    expect(() =>
      new RemoteStorage({ provider: "s3", bucket, force_path_style: "no" as unknown as boolean })
    ).toThrow(/force_path_style/);
  });

  it("https through a TLS front with a self-signed certificate trusted by NODE_EXTRA_CA_CERTS", async () => {
    let cert: TestCertificate | undefined;
    let tls: S3Front | undefined;
    try {
      cert = selfSignedCertificate();
      tls = await S3Front.start(config.endpoint, cert);
      const job = {
        bucket,
        endpoint: `https://127.0.0.1:${tls.port}`,
        region: config.region,
        files: 3,
        prefix: "tls/",
        ...keys,
      };
      const untrusted = await runChild(job);
      expect(untrusted.report.ok).toBe(false);
      expect(untrusted.report.error?.message).toMatch(/certificate/i);
      expect(untrusted.report.error?.message).toMatch(/NODE_EXTRA_CA_CERTS/);
      expect(tls.requests.length).toBe(0);

      const trusted = await runChild(job, { NODE_EXTRA_CA_CERTS: cert.certPath });
      expect(trusted.report).toMatchObject({ ok: true, listed: 3, sdkLoaded: false });
      expect(tls.requests.length).toBeGreaterThanOrEqual(6);
    } finally {
      await tls?.close();
      cert?.dispose();
    }
  });

  it("credentials from the environment through the default chain (session token sent)", async () => {
    front.requests.length = 0;
    const { report } = await runChild(
      { bucket, endpoint: front.url(), region: config.region, files: 3, prefix: "env/" },
      {
        AWS_ACCESS_KEY_ID: config.accessKeyId,
        AWS_SECRET_ACCESS_KEY: config.secretAccessKey,
        AWS_SESSION_TOKEN: "env-session-token",
      },
    );
    expect(report).toMatchObject({ ok: true, listed: 3, sdkLoaded: false });
    expect(front.requests.length).toBeGreaterThanOrEqual(6);
    expect(front.requests.every((r) => r.token === "env-session-token")).toBe(true);
    expect(noSdk()).toBe(true);
  });

  it("credentials from a profile of a shared credentials file (AWS_PROFILE)", async () => {
    front.requests.length = 0;
    const file = join(tmp, "credentials");
    await writeFile(
      file,
      `[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n` +
        `[lean]\naws_access_key_id = ${config.accessKeyId}\n` +
        `aws_secret_access_key = ${config.secretAccessKey}\naws_session_token = profile-token\n`,
    );
    const { report } = await runChild(
      { bucket, endpoint: front.url(), region: config.region, files: 3, prefix: "profile/" },
      { AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: "lean" },
    );
    expect(report).toMatchObject({ ok: true, listed: 3, sdkLoaded: false });
    expect(front.requests.every((r) => r.token === "profile-token")).toBe(true);
  });

  it("no credentials anywhere: ACCESS_DENIED saying where to put them, nothing sent", async () => {
    front.requests.length = 0;
    const { report } = await runChild({
      bucket,
      endpoint: front.url(),
      region: config.region,
      files: 1,
      prefix: "none/",
    });
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe("ACCESS_DENIED");
    expect(report.error?.message).toMatch(/no credentials found/);
    expect(front.requests.length).toBe(0);
  });

  it("container credentials are refreshed before they expire (fetches counted during a longer push)", async () => {
    front.requests.length = 0;
    front.delayMs = 50; // 60 PUTs take at least 3 s: the 1-second validity lapses 3 times
    const endpoint = await CredentialsEndpoint.start(
      config.accessKeyId,
      config.secretAccessKey,
      SOON_STALE_MS,
    );
    try {
      const { report } = await runChild(
        { bucket, endpoint: front.url(), region: config.region, files: 60, prefix: "ecs/" },
        { AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url },
      );
      expect(report).toMatchObject({ ok: true, listed: 60, sdkLoaded: false });
      expect(endpoint.fetches).toBeGreaterThanOrEqual(3);
      const tokens = new Set(front.requests.map((r) => r.token));
      expect(tokens.size).toBeGreaterThanOrEqual(3);
      expect([...tokens].every((t) => /^token-\d+$/.test(t ?? ""))).toBe(true);
    } finally {
      front.delayMs = 0;
      await endpoint.close();
    }
  });

  it("ExpiredToken answers to 8 concurrent requests: one more fetch, every request sent again", async () => {
    front.requests.length = 0;
    const endpoint = await CredentialsEndpoint.start(
      config.accessKeyId,
      config.secretAccessKey,
      3_600_000,
    );
    let refused = 0;
    front.answer = (r) => {
      if (r.token === "token-1") {
        // answered 100 ms apart: the later ones arrive after the new credentials did
        return { status: 400, code: "ExpiredToken", delayMs: 100 * refused++ };
      }
      return undefined;
    };
    try {
      // 8 PUTs at once, all refused (signed with the same expired token): one more fetch serves
      // them all
      const { report } = await runChild(
        {
          bucket,
          endpoint: front.url(),
          region: config.region,
          files: 16,
          concurrency: 8,
          prefix: "expired/",
        },
        { AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url },
      );
      expect(report).toMatchObject({ ok: true, listed: 16, sdkLoaded: false });
      expect(refused).toBe(8);
      expect(endpoint.fetches).toBe(2);
      expect(front.requests.filter((r) => r.token === "token-1").length).toBe(8);
      expect(front.requests.every((r) => r.token === "token-1" || r.token === "token-2"))
        .toBe(true);
    } finally {
      front.answer = undefined;
      await endpoint.close();
    }
  });

  it("region discovery: a 301 naming x-amz-bucket-region switches the signing region", async () => {
    const redirect = (r: { region?: string }) =>
      r.region !== undefined && r.region !== config.region
        ? {
          status: 301,
          code: "PermanentRedirect",
          headers: { "x-amz-bucket-region": config.region },
        }
        : undefined;
    for (const fastPut of [true, false]) {
      front.requests.length = 0;
      front.answer = redirect;
      const store = staticStore({
        endpoint: front.url(),
        region: config.region === "eu-west-3" ? "ap-south-1" : "eu-west-3",
        fastPut,
      });
      try {
        const data = Buffer.from(`redirected ${fastPut}`);
        const key = `region-${fastPut}/x.txt`;
        // 8 at once, as a push sends them: every one signed for the wrong region is resent
        // (lean path; the SDK's own redirect handling fails concurrent requests with "Region
        // was not restored following S3 region redirect", so it goes one by one)
        const keys = Array.from({ length: 8 }, (_, i) => `region-${fastPut}/c${i}.txt`);
        if (fastPut) {
          await Promise.all(keys.map((k) => store.put(k, { data }, { md5: md5(data) })));
        } else for (const k of keys) await store.put(k, { data }, { md5: md5(data) });
        await store.put(key, { data }, { md5: md5(data) });
        expect((await store.head(key))?.md5).toBe(md5(data));
        const listed = [];
        for await (const o of store.list(`region-${fastPut}/`)) listed.push(o.key);
        expect(listed).toEqual([...keys, key]);
        await store.delete([...keys, key]);
      } finally {
        front.answer = undefined;
        await store.close();
      }
      const redirected = front.requests.filter((r) => r.region !== config.region).length;
      // the lean path remembers the bucket's region (only the first concurrent requests were
      // signed for the wrong one); the SDK follows each redirect anew
      if (fastPut) expect(redirected).toBeLessThanOrEqual(8);
      expect(redirected).toBeGreaterThanOrEqual(1);
      expect(front.requests.filter((r) => r.region === config.region).length)
        .toBeGreaterThanOrEqual(4);
    }
  });
});
