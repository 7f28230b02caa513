/**
 * One config for Python accsr and accsr-ts: the `remote_storage_ts` sibling section merged over
 * `remote_storage`, warnings for keys Python rejects in the shared section, and `--plain-etags`
 * (real radosgw).
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { expect } from "expect";
import {
  ConfigurationBase,
  PYTHON_STORAGE_KEYS,
  remoteStorageEntry,
  TS_STORAGE_SECTION,
} from "../../config/mod.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { jsonOf, project, writeFiles } from "./_helpers.ts";

const MiB = 1024 * 1024;

describe("remote_storage_ts: settings Python accsr does not accept, merged over remote_storage", () => {
  const shared = { provider: "file", root: "../store", bucket: "bkt", base_path: "ns" };

  it("the CLI merges remote_storage_ts over remote_storage, key by key, and says where each came from", async () => {
    const p = project({ config: shared });
    try {
      writeFiles(p.cwd, {
        "config.json": {
          remote_storage: shared,
          remote_storage_ts: { multipart_threshold: 5 * MiB, plain_etags: true, base_path: "ts" },
        },
      });
      type J = { remote_storage: Record<string, unknown>; sources: Record<string, string> };
      const r = await p.cli(["config", "--json", "--explain"]);
      const j = jsonOf<J>(r);
      expect(j.remote_storage).toMatchObject({
        provider: "file",
        bucket: "bkt",
        base_path: "ts", // the sibling wins
        multipart_threshold: 5 * MiB,
        plain_etags: true,
      });
      expect(j.sources.multipart_threshold).toContain("config.json");
      // a clean shared section gives no warning
      expect(r.stderr).not.toContain("Python accsr");
      // and the merged settings are used: the push lands under the sibling's base path
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      expect((await p.cli(["push", "top.txt"])).code).toBe(0);
      expect((await p.cli(["ls", "--json", "--base-path", ""])).stdout).toContain("ts/top.txt");
    } finally {
      p.tmp.remove();
    }
  });

  it("a key Python rejects in the shared section warns, naming the key and remote_storage_ts", async () => {
    const p = project({
      config: {
        provider: "s3",
        bucket: "bkt",
        host: "127.0.0.1",
        port: 1,
        secure: false,
        base_path: "ns",
        multipart_threshold: 5 * MiB,
        plainEtags: true,
      },
    });
    try {
      const r = await p.cli(["config"]);
      expect(r.code).toBe(0);
      const warning = r.stderr.split("\n").filter((l) => l.includes("Python accsr"));
      expect(warning).toHaveLength(1); // one line for all keys
      expect(warning[0]).toContain(
        `remote_storage has keys Python accsr's RemoteStorageConfig rejects: "multipart_threshold", "plainEtags"`,
      );
      expect(warning[0]).toContain('"remote_storage_ts"');
      // keys Python accepts never warn
      expect(r.stderr).not.toContain('"provider"');
      expect(r.stderr).not.toContain('"base_path"');
      expect(r.stderr).not.toContain('"host"');
      // providers Python accsr does not have (file, memory): no warning
      const f = project({ config: { ...shared, multipart_threshold: 5 * MiB } });
      try {
        expect((await f.cli(["config"])).stderr).not.toContain("Python accsr");
      } finally {
        f.tmp.remove();
      }
    } finally {
      p.tmp.remove();
    }
  });

  it("the shared keys are exactly Python accsr's RemoteStorageConfig fields", () => {
    expect([...PYTHON_STORAGE_KEYS].sort()).toEqual([
      "base_path",
      "bucket",
      "host",
      "key",
      "log_level",
      "port",
      "provider",
      "region",
      "secret",
      "secure",
      "use_pbar",
    ]);
    expect(TS_STORAGE_SECTION).toBe("remote_storage_ts");
  });

  it("remoteStorageEntry gives the library the same merge and warnings", () => {
    const p = project({ config: false });
    try {
      writeFiles(p.cwd, {
        "config.json": {
          remote_storage: {
            ...shared,
            provider: "s3",
            part_size: 8 * MiB,
            secret: "env:MY_SECRET",
          },
          remote_storage_ts: { plain_etags: true, content_types: { ".parquet": "x/y" } },
        },
      });
      const config = new ConfigurationBase({ configDirectory: p.cwd, env: { MY_SECRET: "s" } });
      const e = remoteStorageEntry(config);
      expect(e.value).toEqual({
        ...shared,
        provider: "s3",
        part_size: 8 * MiB,
        secret: "s",
        plain_etags: true,
        content_types: { ".parquet": "x/y" },
      });
      expect(e.sections).toEqual(["remote_storage", "remote_storage_ts"]);
      expect(e.warnings).toEqual([
        `remote_storage has keys Python accsr's RemoteStorageConfig rejects: "root", "part_size" ` +
        `(if Python accsr reads this config, move them to the sibling section "remote_storage_ts", ` +
        `which only accsr-ts reads)`,
      ]);
    } finally {
      p.tmp.remove();
    }
  });
});

describeS3("--plain-etags against a real S3 server", (s3) => {
  const bucket = uniqueBucketName("accsr-cli-plain");
  const p = project({
    config: {
      provider: "s3",
      host: new URL(s3.endpoint).hostname,
      port: Number(new URL(s3.endpoint).port),
      secure: false,
      region: s3.region,
      bucket,
      key: s3.accessKeyId,
      secret: "env:TEST_S3_SECRET",
    },
  });
  const env = { TEST_S3_SECRET: s3.secretAccessKey };
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const etags = async (): Promise<Record<string, string>> => {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return Object.fromEntries(
      (page.Contents ?? []).map((o) => [o.Key!, o.ETag!.replaceAll('"', "")]),
    );
  };

  after(async () => {
    try {
      for (const k of Object.keys(await etags())) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: k }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
      p.tmp.remove();
    }
  });

  it("push --plain-etags (and plain_etags in remote_storage_ts) gives objects above the multipart threshold ETag = MD5", async () => {
    const data = randomBytes(12 * MiB);
    const md5 = createHash("md5").update(data).digest("hex");
    writeFileSync(join(p.cwd, "big1.bin"), data);
    writeFileSync(join(p.cwd, "big2.bin"), data);
    writeFileSync(join(p.cwd, "big3.bin"), data);
    const config = JSON.parse(readFileSync(join(p.cwd, "config.json"), "utf8"));
    config.remote_storage_ts = { multipart_threshold: 5 * MiB, part_size: 5 * MiB };
    writeFiles(p.cwd, { "config.json": config });
    expect((await p.cli(["create-bucket"], { env })).code).toBe(0);
    expect((await p.cli(["push", "big1.bin"], { env })).code).toBe(0);
    expect((await p.cli(["push", "big2.bin", "--plain-etags"], { env })).code).toBe(0);
    config.remote_storage_ts.plain_etags = true;
    writeFiles(p.cwd, { "config.json": config });
    const r = await p.cli(["push", "big3.bin"], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("Python accsr"); // the shared section stays clean
    const e = await etags();
    expect(e["big1.bin"]).toMatch(/-3$/); // multipart without the setting
    expect(e["big2.bin"]).toBe(md5);
    expect(e["big3.bin"]).toBe(md5);
  });
});
