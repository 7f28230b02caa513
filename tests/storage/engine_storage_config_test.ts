/** Unit tests of `storage/storage_config.ts`: validation, normalisation, redaction. */
import { describe, it } from "node:test";
import { expect } from "expect";
import { inspect } from "node:util";
import { ConfigError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import {
  bucketNameProblem,
  normalizeStorageConfig,
  redactedConfig,
  type RemoteStorageConfig,
} from "../../storage/storage_config.ts";

function configError(conf: unknown): ConfigError {
  try {
    normalizeStorageConfig(conf as RemoteStorageConfig);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const S3 = { provider: "s3", bucket: "my-bucket" };

describe("normalizeStorageConfig: validation", () => {
  const invalid: [string, Record<string, unknown>, RegExp][] = [
    ['port "abc"', { ...S3, port: "abc" }, /"port".*"abc" is not a port number/],
    ["port 0", { ...S3, port: 0 }, /"port"/],
    ["port 70000", { ...S3, port: 70000 }, /"port"/],
    ["port 1.5", { ...S3, port: 1.5 }, /"port"/],
    [
      "unknown provider",
      { provider: "dropbox", bucket: "b-1" },
      /"provider".*unknown provider "dropbox"/,
    ],
    ["missing provider", { bucket: "b-1" }, /"provider".*missing/],
    ["missing bucket", { provider: "s3" }, /"bucket".*missing/],
    ["empty bucket", { provider: "s3", bucket: "" }, /"bucket".*missing/],
    [
      "upper-case bucket",
      { provider: "s3", bucket: "My-Bucket" },
      /"bucket".*invalid name "My-Bucket"/,
    ],
    ["too short bucket", { provider: "s3", bucket: "ab" }, /"bucket".*invalid name/],
    ["bucket with ..", { provider: "s3", bucket: "a..b" }, /"bucket"/],
    ["bucket like an IP", { provider: "s3", bucket: "192.168.1.1" }, /IP address/],
    ["azure bucket with _", { provider: "azure_blobs", bucket: "my_container" }, /"bucket"/],
    ["secure not boolean", { ...S3, secure: "false" }, /"secure"/],
    ["endpoint not a URL", { ...S3, endpoint: "not a url" }, /"endpoint"/],
    ["base_path with ..", { ...S3, base_path: "a/../b" }, /"base_path"/],
    ["base_path not a string", { ...S3, basePath: 3 }, /"base_path"/],
    ["key not a string", { ...S3, key: 5 }, /"key"/],
    ["usePbar not boolean", { ...S3, usePbar: "yes" }, /"usePbar"/],
    ["file without root", { provider: "file", bucket: "b-1" }, /"root"/],
    ["partSize not positive", { ...S3, partSize: -1 }, /"partSize"/],
  ];
  for (const [what, conf, message] of invalid) {
    it(`${what} is a ConfigError naming the field`, () => {
      const e = configError(conf);
      expect(e.code).toBe("INVALID_STORAGE_CONFIG");
      expect(e.message).toMatch(message);
    });
  }

  it("a non-object config is a TypeError", () => {
    expect(() => normalizeStorageConfig(null as unknown as RemoteStorageConfig)).toThrow(TypeError);
  });

  it("RemoteStorage validates in its constructor", () => {
    expect(() => new RemoteStorage({ provider: "s3", bucket: "b", port: "abc" })).toThrow(
      ConfigError,
    );
  });

  it("accepts valid bucket names", () => {
    for (const b of ["abc", "my-bucket", "my.bucket.1", "a".repeat(63)]) {
      expect(bucketNameProblem("s3", b)).toBeUndefined();
    }
    expect(bucketNameProblem("file", "under_score")).toBeUndefined();
    expect(bucketNameProblem("s3", "a".repeat(64))).toBeDefined();
    expect(bucketNameProblem("azure_blobs", "my-container")).toBeUndefined();
    expect(bucketNameProblem("azure_blobs", "my--container")).toBeDefined();
  });
});

describe("normalizeStorageConfig: normalisation", () => {
  it("builds the endpoint from host, port and secure", () => {
    expect(
      normalizeStorageConfig({ ...S3, host: "127.0.0.1", port: "9000", secure: false }).endpoint,
    ).toBe(
      "http://127.0.0.1:9000",
    );
    expect(normalizeStorageConfig({ ...S3, host: "s3.example.com" }).endpoint).toBe(
      "https://s3.example.com",
    );
    expect(normalizeStorageConfig({ ...S3, host: "127.0.0.1", port: 4568, secure: true }).endpoint)
      .toBe(
        "https://127.0.0.1:4568",
      );
    expect(normalizeStorageConfig({ ...S3, host: "http://h:1", port: 2 }).endpoint).toBe(
      "http://h:2",
    );
  });

  it("an explicit endpoint wins over host/port", () => {
    const n = normalizeStorageConfig({
      ...S3,
      endpoint: "http://127.0.0.1:7480",
      host: "other",
      port: 1,
    });
    expect(n.endpoint).toBe("http://127.0.0.1:7480");
  });

  it("accepts accsr's snake_case keys and null credentials", () => {
    const n = normalizeStorageConfig({
      provider: "s3",
      bucket: "b-1",
      key: null,
      secret: null,
      region: null,
      port: null,
      base_path: " /x//y/ ",
      use_pbar: false,
    });
    expect(n.basePath).toBe("x/y");
    expect(n.usePbar).toBe(false);
    expect(n.key).toBeUndefined();
    expect(n.secret).toBeUndefined();
  });

  it("defaults: base path empty, progress bar on", () => {
    const n = normalizeStorageConfig({ provider: "memory", bucket: "b-1" });
    expect(n.basePath).toBe("");
    expect(n.usePbar).toBe(true);
  });

  it('"local" is the file provider', () => {
    expect(normalizeStorageConfig({ provider: "local", bucket: "b-1", root: "/tmp/x" }).provider)
      .toBe("file");
  });

  it("S3-compatible ids are accepted", () => {
    for (const provider of ["minio", "ceph", "r2", "wasabi"]) {
      expect(normalizeStorageConfig({ provider, bucket: "b-1" }).provider).toBe(provider);
    }
  });
});

describe("redactedConfig", () => {
  const SECRET = "sUpEr-SeCrEt-value-42";
  const conf = redactedConfig({
    provider: "s3",
    bucket: "b-1",
    key: "visible-key",
    secret: SECRET,
    sessionToken: "session-token-xyz",
  });

  it("keeps the secret readable by code", () => {
    expect(conf.secret).toBe(SECRET);
    expect(conf.sessionToken).toBe("session-token-xyz");
    expect(conf.key).toBe("visible-key");
  });

  it("never shows the secret (String, JSON, inspect, keys, spread)", () => {
    const views = [
      String(conf),
      `${conf}`,
      JSON.stringify(conf),
      inspect(conf),
      inspect(conf, { showHidden: true, depth: 5 }),
      inspect({ nested: conf }),
      JSON.stringify(Object.keys(conf)),
      JSON.stringify({ ...conf }),
    ];
    for (const v of views) {
      expect(v).not.toContain(SECRET);
      expect(v).not.toContain("session-token-xyz");
    }
    expect(String(conf)).toContain("visible-key");
    expect(JSON.parse(JSON.stringify(conf))).toEqual({
      provider: "s3",
      bucket: "b-1",
      key: "visible-key",
      secret: "***",
      sessionToken: "***",
    });
  });

  it("a null secret stays null", () => {
    expect(
      JSON.parse(JSON.stringify(redactedConfig({ provider: "s3", bucket: "b-1", secret: null })))
        .secret,
    )
      .toBeNull();
  });

  it("is frozen", () => {
    expect(Object.isFrozen(conf)).toBe(true);
  });

  it("RemoteStorage.conf and the storage itself never show the secret", () => {
    const storage = new RemoteStorage({
      provider: "memory",
      bucket: "b-1",
      key: "k",
      secret: SECRET,
    });
    for (
      const v of [
        String(storage.conf),
        JSON.stringify(storage.conf),
        inspect(storage.conf),
        inspect(storage),
        String(storage),
        JSON.stringify(storage),
      ]
    ) {
      expect(v).not.toContain(SECRET);
    }
    expect(storage.conf.secret).toBe(SECRET);
  });
});

describe("normalizeStorageConfig: transfer tuning", () => {
  it("accepts retry and timeout settings in both spellings and rejects non-positive ones", () => {
    const n = normalizeStorageConfig({
      provider: "s3",
      bucket: "b-1",
      maxAttempts: 2,
      max_retry_time: 1000,
      connection_timeout: 300,
      socketTimeout: 400,
    } as never);
    expect(n).toMatchObject({
      maxAttempts: 2,
      maxRetryTime: 1000,
      connectionTimeout: 300,
      socketTimeout: 400,
    });
    expect(() => normalizeStorageConfig({ provider: "s3", bucket: "b-1", socketTimeout: -1 }))
      .toThrow(/socketTimeout/);
  });
});
