/**
 * Bad input: each case gets a clear, specific error and changes nothing (neither the bucket
 * nor the local folder). One test per row of the table in `docs/guarantees.md`.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { chmod, mkdtemp, rm, symlink } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { inspect } from "node:util";
import { ConfigurationBase } from "../../config/mod.ts";
import { AccsrError, ConfigError, NoFilesFoundError, StorageError } from "../../errors.ts";
import { RemoteStorage, type RemoteStorageConfig } from "../../storage/mod.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import type { ObjectStore } from "../../storage/stores/types.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { adminClient, dropBucket, put, QUIET, rejectionOf, storeMd5, treeMd5 } from "./_helpers.ts";

const isRoot = process.getuid?.() === 0;
const ROOT_SKIP = "running as root: permission bits do not stop root, so this cannot be tested";
if (isRoot) console.warn(`bad input: permission cases skipped: ${ROOT_SKIP}`);

let tmp = "";
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "accsr-rel-bad-"));
});
after(async () => {
  await chmod(join(tmp, "unreadable-dir", "locked"), 0o755).catch(() => {});
  await rm(tmp, { recursive: true, force: true });
});

/** Expects `fn` to throw (or reject) with `cls`, `code` and a message containing `excerpt`. */
async function expectError(
  fn: () => unknown,
  cls: abstract new (...args: never[]) => Error,
  code: string | undefined,
  excerpt: string | RegExp,
): Promise<Error> {
  const err = await rejectionOf((async () => await fn())());
  expect(err).toBeInstanceOf(cls);
  if (code !== undefined) expect((err as AccsrError).code).toBe(code);
  if (typeof excerpt === "string") expect(err.message).toContain(excerpt);
  else expect(err.message).toMatch(excerpt);
  return err;
}

/** A memory storage with one pushed file, plus a snapshot helper proving nothing changed. */
async function fixture(name: string) {
  const dir = join(tmp, name);
  await put(join(dir, "src", "a.txt"), "a\n");
  const storage = new RemoteStorage({ provider: "memory", bucket: `bad-${name}` }, {
    events: QUIET,
  });
  await storage.createBucket();
  await storage.push("src", { localPathPrefix: dir });
  const store = await storage.store();
  const snapshot = async () => ({
    remote: await storeMd5(store, "", join(tmp, `${name}-probe`)),
    local: await treeMd5(dir),
  });
  const before = await snapshot();
  return {
    dir,
    storage,
    store,
    unchanged: async () => expect(await snapshot()).toEqual(before),
  };
}

describe("bad input: configuration files", () => {
  it("malformed JSON config → ConfigError naming file, line and column", async () => {
    const dir = join(tmp, "json");
    await put(join(dir, "config.json"), '{"a": 1,,\n}');
    const err = await expectError(
      () => new ConfigurationBase({ configDirectory: dir }),
      ConfigError,
      "CONFIG_SYNTAX",
      /config\.json": line 1, column \d+/,
    );
    expect((err as ConfigError).file).toBe(join(dir, "config.json"));
  });

  it("malformed YAML config → ConfigError naming file, line and column", async () => {
    const dir = join(tmp, "yaml");
    await put(join(dir, "config.yaml"), "a: [1, 2\nb: :\n");
    await expectError(
      () => new ConfigurationBase({ configDirectory: dir, configFiles: ["config.yaml"] }),
      ConfigError,
      "CONFIG_SYNTAX",
      /config\.yaml": line \d+, column \d+/,
    );
  });

  it("config whose top level is not an object → ConfigError", async () => {
    const dir = join(tmp, "array");
    await put(join(dir, "config.json"), "[1, 2]");
    await expectError(
      () => new ConfigurationBase({ configDirectory: dir }),
      ConfigError,
      "CONFIG_NOT_AN_OBJECT",
      "the top level is an array, not an object",
    );
  });
});

describe("bad input: RemoteStorageConfig", () => {
  const base: RemoteStorageConfig = { provider: "s3", bucket: "good-bucket" };
  const bad = (c: Partial<RemoteStorageConfig> | Record<string, unknown>, excerpt: string) =>
    expectError(
      () => new RemoteStorage({ ...base, ...c } as RemoteStorageConfig),
      ConfigError,
      "INVALID_STORAGE_CONFIG",
      excerpt,
    );

  it('port "abc" → ConfigError naming the field', async () => {
    await bad({ host: "127.0.0.1", port: "abc" }, '"port": "abc" is not a port number');
    await bad({ host: "127.0.0.1", port: 70000 }, '"port": "70000" is not a port number');
  });

  it("unknown provider → ConfigError listing the valid ones", async () => {
    await bad({ provider: "dropbox" }, 'unknown provider "dropbox" (use one of s3,');
  });

  it("missing bucket → ConfigError", async () => {
    await bad({ bucket: undefined }, '"bucket": missing');
    await bad({ bucket: "" }, '"bucket": missing');
  });

  it("invalid bucket names → ConfigError explaining the rules", async () => {
    for (const name of ["My_Bucket", "ab", "-abc", "abc-", "a..b", "192.168.1.1", "a b c"]) {
      await bad({ bucket: name }, `invalid name "${name}"`);
    }
  });

  it("wrong types (secure, base_path, maxAttempts, key, endpoint) → ConfigError", async () => {
    await bad({ secure: "yes" }, '"secure": expected true or false');
    await bad({ basePath: 5 }, '"base_path": expected a string');
    await bad({ basePath: "a/../b" }, '"base_path"');
    await bad({ maxAttempts: "3" }, '"maxAttempts": expected a positive number');
    await bad({ maxAttempts: 0 }, '"maxAttempts": expected a positive number');
    await bad({ key: 123 }, '"key": expected a string');
    await bad({ endpoint: "not a url" }, '"endpoint": "not a url" is not a URL');
  });
});

describe("bad input: push / pull / delete arguments (memory store)", () => {
  it("invalid regexes → RangeError naming the pattern", async () => {
    const f = await fixture("regex");
    const opts = { localPathPrefix: f.dir };
    await expectError(
      () => f.storage.push("src", { ...opts, includeRegex: "([" }),
      RangeError,
      undefined,
      'include regex "(["',
    );
    await expectError(
      () => f.storage.push("src", { ...opts, excludeRegex: "*a" }),
      RangeError,
      undefined,
      'exclude regex "*a"',
    );
    await expectError(
      () => f.storage.pull("", { localBaseDir: join(f.dir, "o"), includeRegex: "a{2,1}" }),
      RangeError,
      undefined,
      'include regex "a{2,1}"',
    );
    await expectError(
      () => f.storage.delete("", { excludeRegex: "(?<" }),
      RangeError,
      undefined,
      'exclude regex "(?<"',
    );
    await f.unchanged();
  });

  it("a glob matching nothing → NoFilesFoundError naming it", async () => {
    const f = await fixture("glob");
    await expectError(
      () => f.storage.push("src/*.csv", { localPathPrefix: f.dir }),
      NoFilesFoundError,
      "NO_FILES_FOUND",
      'Cannot push "src/*.csv": no files found',
    );
    await expectError(
      () => f.storage.push(join(f.dir, "missing")),
      NoFilesFoundError,
      "NO_FILES_FOUND",
      "missing",
    );
    await f.unchanged();
  });

  it("a broken symlink (given directly or inside a folder) → LOCAL_PATH_INVALID", async () => {
    const f = await fixture("broken");
    await symlink(join(f.dir, "nowhere"), join(f.dir, "src", "zz-broken"));
    await symlink(join(f.dir, "nowhere"), join(f.dir, "link"));
    await expectError(
      () => f.storage.push("link", { localPathPrefix: f.dir }),
      AccsrError,
      "LOCAL_PATH_INVALID",
      'Cannot push "link": broken symbolic link',
    );
    await expectError(
      () => f.storage.push("src", { localPathPrefix: f.dir }),
      AccsrError,
      "LOCAL_PATH_INVALID",
      'Cannot push "src/zz-broken": broken symbolic link',
    );
    await rm(join(f.dir, "src", "zz-broken"));
    await rm(join(f.dir, "link"));
    await f.unchanged();
  });

  it("a symlink loop → LOCAL_PATH_INVALID", async () => {
    const f = await fixture("loop");
    await symlink(join(f.dir, "loop2"), join(f.dir, "loop1"));
    await symlink(join(f.dir, "loop1"), join(f.dir, "loop2"));
    await expectError(
      () => f.storage.push("loop1", { localPathPrefix: f.dir }),
      AccsrError,
      "LOCAL_PATH_INVALID",
      'Cannot push "loop1": symbolic link loop',
    );
    await rm(join(f.dir, "loop1"));
    await rm(join(f.dir, "loop2"));
    await f.unchanged();
  });

  it("an unreadable file → LOCAL_PATH_INVALID while planning, nothing transferred", {
    skip: isRoot ? ROOT_SKIP : false,
  }, async () => {
    const f = await fixture("unreadable");
    await put(join(f.dir, "src", "b.txt"), "b\n");
    await put(join(f.dir, "src", "c.txt"), "c\n");
    await chmod(join(f.dir, "src", "c.txt"), 0);
    try {
      await expectError(
        () => f.storage.push("src", { localPathPrefix: f.dir }),
        AccsrError,
        "LOCAL_PATH_INVALID",
        'Cannot push "src/c.txt": permission denied',
      );
      expect(Object.keys(await storeMd5(f.store, "", join(tmp, "unreadable-probe")))).toEqual([
        "src/a.txt",
      ]);
    } finally {
      await chmod(join(f.dir, "src", "c.txt"), 0o644);
    }
  });

  it(
    "an unreadable directory → LOCAL_PATH_INVALID",
    { skip: isRoot ? ROOT_SKIP : false },
    async () => {
      const f = await fixture("unreadable-dir");
      await put(join(f.dir, "src", "locked", "x.txt"), "x\n");
      await chmod(join(f.dir, "src", "locked"), 0);
      try {
        await expectError(
          () => f.storage.push("src", { localPathPrefix: f.dir }),
          AccsrError,
          "LOCAL_PATH_INVALID",
          "permission denied",
        );
        expect(Object.keys(await storeMd5(f.store, "", join(tmp, "unreadable-dir-probe")))).toEqual(
          ["src/a.txt"],
        );
      } finally {
        await chmod(join(f.dir, "src", "locked"), 0o755);
      }
    },
  );

  it("a local base dir that is a file (or below a file) → LOCAL_PATH_INVALID", async () => {
    const f = await fixture("basefile");
    await expectError(
      () => f.storage.pull("", { localBaseDir: join(f.dir, "src", "a.txt") }),
      AccsrError,
      "LOCAL_PATH_INVALID",
      "it is a file, not a directory",
    );
    await expectError(
      () => f.storage.pull("", { localBaseDir: join(f.dir, "src", "a.txt", "sub") }),
      AccsrError,
      "LOCAL_PATH_INVALID",
      "a parent of it is a file",
    );
    await expectError(
      () => f.storage.pull("", { localBaseDir: join(f.dir, "src", "a.txt"), dryrun: true }),
      AccsrError,
      "LOCAL_PATH_INVALID",
      "not a directory",
    );
    await f.unchanged();
  });

  it("an unknown bucket (memory, file) → BUCKET_NOT_FOUND with the create-bucket hint", async () => {
    const dir = join(tmp, "nobucket");
    await put(join(dir, "a.txt"), "a");
    for (
      const conf of [
        { provider: "memory", bucket: "never-created-bucket" },
        { provider: "file", root: join(dir, "root"), bucket: "never-created-bucket" },
      ]
    ) {
      const storage = new RemoteStorage(conf, { events: QUIET });
      for (
        const call of [
          () => storage.push("a.txt", { localPathPrefix: dir }),
          () => storage.pull("", { localBaseDir: join(dir, "out") }),
          () => storage.listObjects(""),
          () => storage.delete("x"),
        ]
      ) {
        await expectError(
          call,
          StorageError,
          "BUCKET_NOT_FOUND",
          "does not exist (run `accsr create-bucket`)",
        );
      }
    }
    expect(Object.keys(await treeMd5(dir))).toEqual(["a.txt"]);
  });

  it("contradictory or out-of-range options → TypeError / RangeError", async () => {
    const f = await fixture("options");
    await expectError(
      () => f.storage.push("src", { localPathPrefix: f.dir, concurrency: 0 }),
      RangeError,
      undefined,
      "concurrency must be a positive integer",
    );
    await expectError(
      () => f.storage.pull("/x", { localBaseDir: join(f.dir, "o"), stripAbspathPrefix: "/x" }),
      RangeError,
      undefined,
      "Cannot specify both",
    );
    await expectError(
      () => f.storage.push("/etc/hostname", { localPathPrefix: f.dir }),
      RangeError,
      undefined,
      "not inside localPathPrefix",
    );
    await expectError(
      () => f.storage.push("../src/a.txt", { localPathPrefix: join(f.dir, "src") }),
      RangeError,
      undefined,
      '".."',
    );
    await expectError(
      () => f.storage.pull(42 as unknown as string),
      TypeError,
      undefined,
      "remotePath must be a string",
    );
    await f.unchanged();
  });
});

describe("bad input: endpoints (no server needed)", () => {
  async function closedPort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }

  it("an unreachable endpoint → ENDPOINT_UNREACHABLE naming it, within a bounded time", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const dir = join(tmp, "unreachable");
    await put(join(dir, "a.txt"), "a");
    const storage = new RemoteStorage({
      provider: "s3",
      bucket: "some-bucket",
      endpoint,
      key: "k",
      secret: "s",
    }, { events: QUIET });
    for (
      const call of [
        () => storage.push("a.txt", { localPathPrefix: dir }),
        () => storage.pull("", { localBaseDir: join(dir, "out") }),
        () => storage.createBucket(),
      ]
    ) {
      const t0 = Date.now();
      await expectError(
        call,
        StorageError,
        "ENDPOINT_UNREACHABLE",
        `endpoint ${endpoint} is unreachable`,
      );
      const ms = Date.now() - t0;
      console.log(`unreachable endpoint: failed after ${ms} ms`);
      expect(ms).toBeLessThan(10_000);
    }
    await storage.close();
    expect(Object.keys(await treeMd5(dir))).toEqual(["a.txt"]);
  });

  it("an endpoint that accepts connections but never answers fails within socketTimeout × attempts", async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const endpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const store = new S3Store({
      bucket: "some-bucket",
      endpoint,
      accessKeyId: "k",
      secretAccessKey: "s",
      socketTimeout: 300,
      maxAttempts: 3,
      retryBaseDelay: 10,
    });
    try {
      const t0 = Date.now();
      const err = await expectError(
        () => store.head("x"),
        StorageError,
        undefined,
        /lost \(timed out\)|timed out/,
      );
      const ms = Date.now() - t0;
      console.log(`silent endpoint: failed after ${ms} ms (${(err as StorageError).code})`);
      expect(ms).toBeGreaterThanOrEqual(800);
      expect(ms).toBeLessThan(5_000);
    } finally {
      await store.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describeS3("bad input: S3 credentials and buckets", (config) => {
  const SECRET = "wrong-SECRET-canary-4c1d";
  let dir = "";
  let store: ObjectStore | undefined;
  const bucket = uniqueBucketName("accsr-rel-bad");
  before(async () => {
    dir = join(tmp, "s3");
    await put(join(dir, "a.txt"), "a");
    store = new S3Store({
      bucket,
      endpoint: config.endpoint,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
    });
    await store.createBucket();
  });
  after(async () => {
    await store?.close();
    const admin = adminClient(config.endpoint, config.accessKeyId, config.secretAccessKey);
    await dropBucket(admin, bucket);
    admin.destroy();
  });

  it('wrong credentials → ACCESS_DENIED "access denied for bucket …", no secret anywhere', async () => {
    const storage = new RemoteStorage({
      provider: "s3",
      bucket,
      endpoint: config.endpoint,
      key: config.accessKeyId,
      secret: SECRET,
      basePath: "ns",
    }, { events: QUIET });
    for (
      const call of [
        () => storage.push("a.txt", { localPathPrefix: dir }),
        () => storage.pull("", { localBaseDir: join(dir, "out") }),
        () => storage.listObjects(""),
        () => storage.delete("a.txt"),
      ]
    ) {
      const err = await expectError(
        call,
        StorageError,
        "ACCESS_DENIED",
        `access denied for bucket ${bucket}`,
      );
      expect((err as StorageError).statusCode).toBe(403);
      for (
        const view of [
          err.message,
          String(err),
          JSON.stringify(err),
          inspect(err, { depth: 10, showHidden: true }),
          err.stack ?? "",
        ]
      ) {
        expect(view).not.toContain(SECRET);
      }
    }
    await storage.close();
    const left: string[] = [];
    for await (const o of store!.list("")) left.push(o.key);
    expect(left).toEqual([]);
  });

  it("an unknown S3 bucket → BUCKET_NOT_FOUND with the create-bucket hint", async () => {
    const storage = new RemoteStorage({
      provider: "s3",
      bucket: uniqueBucketName("accsr-rel-missing"),
      endpoint: config.endpoint,
      key: config.accessKeyId,
      secret: config.secretAccessKey,
    }, { events: QUIET });
    for (
      const call of [
        () => storage.push("a.txt", { localPathPrefix: dir }),
        () => storage.pull("", { localBaseDir: join(dir, "out") }),
        () => storage.listObjects(""),
      ]
    ) {
      await expectError(
        call,
        StorageError,
        "BUCKET_NOT_FOUND",
        "does not exist (run `accsr create-bucket`)",
      );
    }
    await storage.close();
    expect(Object.keys(await treeMd5(dir))).toEqual(["a.txt"]);
  });
});
