import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { isSecretKey, redactString } from "../../redact.ts";
import { type CliResult, jsonOf, project, writeFiles } from "./_helpers.ts";

const SECRET = "FAKE-SECRET-9f8e7d6c5b4a";
const SESSION = "FAKE-SESSION-TOKEN-1234";
const ACCOUNT_KEY = "FAKE-ACCOUNT-KEY-abcdef==";
const PASSWORD = "FAKE-PASSWORD-hunter2";
const API_TOKEN = "FAKE-API-TOKEN-from-env";
const URL_PASSWORD = "FAKE-URL-PW-42";
const ALL_SECRETS = [SECRET, SESSION, ACCOUNT_KEY, PASSWORD, API_TOKEN, URL_PASSWORD];

type ConfigJson = {
  files: string[];
  config_directory: string;
  section: string | null;
  remote_storage: Record<string, unknown>;
  config: Record<string, unknown>;
  sources?: Record<string, string>;
};

function expectNoSecret(r: CliResult): void {
  for (const s of ALL_SECRETS) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

/** A project whose configuration holds every kind of secret. */
function secretProject() {
  const p = project({
    config: {
      provider: "file",
      root: "../store",
      bucket: "bkt",
      base_path: "ns",
      key: "visible-key-id",
      secret: "env:STORAGE_SECRET",
    },
  });
  writeFiles(p.cwd, {
    "config_local.json": {
      remote_storage: { session_token: SESSION, use_pbar: false },
      azure: {
        account_key: ACCOUNT_KEY,
        connection_string:
          `DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=${ACCOUNT_KEY}`,
        endpoint: `DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=${ACCOUNT_KEY}`,
      },
      database: {
        password: PASSWORD,
        url: `postgres://user:${URL_PASSWORD}@db.local/x`,
        host: "db.local",
      },
      service: { api: "env:SERVICE_API_TOKEN" },
      data: "data",
    },
  });
  const env = { STORAGE_SECRET: SECRET, SERVICE_API_TOKEN: API_TOKEN };
  return { p, env };
}

describe("accsr config", () => {
  it("prints the files read, the storage settings and the merged configuration, secrets redacted", async () => {
    const { p, env } = secretProject();
    try {
      const r = await p.cli(["config"], { env });
      expect(r.code).toBe(0);
      expectNoSecret(r);
      expect(r.stdout).toContain(join(p.cwd, "config.json"));
      expect(r.stdout).toContain(join(p.cwd, "config_local.json"));
      expect(r.stdout).toMatch(/secret\s+"\*\*\*"/);
      expect(r.stdout).toMatch(/session_token\s+"\*\*\*"/);
      expect(r.stdout).toMatch(/key\s+"visible-key-id"/);
      expect(r.stdout).toContain('"host": "db.local"');
      expect(r.stdout).toContain("postgres://user:***@db.local/x");
      expect(r.stdout).toContain("AccountKey=***");
    } finally {
      p.tmp.remove();
    }
  });

  it("--json prints files, section, effective remote_storage and the merged config", async () => {
    const { p, env } = secretProject();
    try {
      const r = await p.cli(["config", "--json", "--bucket", "other"], { env });
      expect(r.code).toBe(0);
      expectNoSecret(r);
      const j = jsonOf<ConfigJson>(r);
      expect(j.files).toEqual([join(p.cwd, "config.json"), join(p.cwd, "config_local.json")]);
      expect(j.config_directory).toBe(p.cwd);
      expect(j.section).toBe("remote_storage");
      expect(j.remote_storage).toEqual({
        provider: "file",
        root: join(p.tmp.path, "store"),
        bucket: "other",
        base_path: "ns",
        key: "visible-key-id",
        secret: "***",
        session_token: "***",
        use_pbar: false,
      });
      expect(j.config.azure).toEqual({
        account_key: "***",
        connection_string: "***",
        endpoint: "DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=***",
      });
      expect(j.config.database).toEqual({
        password: "***",
        url: "postgres://user:***@db.local/x",
        host: "db.local",
      });
      expect(j.config.service).toEqual({ api: "***" }); // read from a secret-named variable
      expect(j.config.data).toBe("data");
      expect(j).not.toHaveProperty("sources");
    } finally {
      p.tmp.remove();
    }
  });

  it("--explain names the file, variable, flag or environment variable of each value", async () => {
    const { p, env } = secretProject();
    try {
      const r = await p.cli(["config", "--explain", "--bucket", "other"], { env });
      expect(r.code).toBe(0);
      expectNoSecret(r);
      const line = (key: string) =>
        r.stdout.split("\n").find((l) => l.trimStart().startsWith(`${key} `));
      expect(line("provider")).toContain(join(p.cwd, "config.json"));
      expect(line("secret")).toContain(`${join(p.cwd, "config.json")} (env:STORAGE_SECRET)`);
      expect(line("session_token")).toContain(join(p.cwd, "config_local.json"));
      expect(line("bucket")).toContain("--bucket");
      const j = jsonOf<ConfigJson>(
        await p.cli(["config", "--explain", "--json", "--base-path", "v2"], { env }),
      );
      expect(j.sources).toEqual({
        provider: join(p.cwd, "config.json"),
        root: join(p.cwd, "config.json"),
        bucket: join(p.cwd, "config.json"),
        base_path: "--base-path",
        key: join(p.cwd, "config.json"),
        secret: `${join(p.cwd, "config.json")} (env:STORAGE_SECRET)`,
        session_token: join(p.cwd, "config_local.json"),
        use_pbar: join(p.cwd, "config_local.json"),
      });
      expect(j.remote_storage.base_path).toBe("v2");
    } finally {
      p.tmp.remove();
    }
  });

  it("takes S3 credentials and region from AWS_* variables when the config has none", async () => {
    const p = project({
      config: { provider: "s3", bucket: "bkt", endpoint: "http://127.0.0.1:1" },
    });
    try {
      const env = {
        AWS_ACCESS_KEY_ID: "AKIAFAKEKEYID",
        AWS_SECRET_ACCESS_KEY: SECRET,
        AWS_SESSION_TOKEN: SESSION,
        AWS_REGION: "eu-west-3",
      };
      const r = await p.cli(["config", "--explain", "--json"], { env });
      expectNoSecret(r);
      const j = jsonOf<ConfigJson>(r);
      expect(j.remote_storage).toMatchObject({
        key: "AKIAFAKEKEYID",
        secret: "***",
        sessionToken: "***",
        region: "eu-west-3",
      });
      expect(j.sources).toMatchObject({
        key: "env AWS_ACCESS_KEY_ID",
        secret: "env AWS_SECRET_ACCESS_KEY",
        sessionToken: "env AWS_SESSION_TOKEN",
        region: "env AWS_REGION",
      });
    } finally {
      p.tmp.remove();
    }
  });

  it("does not take AWS_* credentials when the config has a key and secret", async () => {
    const p = project({
      config: { provider: "s3", bucket: "bkt", key: "cfg-key", secret: "cfg-secret-value" },
    });
    try {
      const env = { AWS_ACCESS_KEY_ID: "AKIAFAKEKEYID", AWS_SECRET_ACCESS_KEY: SECRET };
      const j = jsonOf<ConfigJson>(await p.cli(["config", "--json", "--explain"], { env }));
      expect(j.remote_storage.key).toBe("cfg-key");
      expect(j.sources?.secret).toBe(join(p.cwd, "config.json"));
    } finally {
      p.tmp.remove();
    }
  });

  it("works without any configuration file", async () => {
    const p = project({ config: false });
    try {
      const r = await p.cli(["config"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("none (no configuration file in");
      const j = jsonOf<ConfigJson>(
        await p.cli(["config", "--json", "--provider", "memory", "--bucket", "b"]),
      );
      expect(j).toMatchObject({ files: [], section: null, config: {} });
      expect(j.remote_storage).toEqual({ provider: "memory", bucket: "b" });
    } finally {
      p.tmp.remove();
    }
  });
});

describe("configuration of the storage commands", () => {
  it("resolves env: markers from the environment the CLI is given", async () => {
    const p = project({
      config: { provider: "file", root: "env:STORE_ROOT", bucket: "env:BUCKET" },
    });
    try {
      const env = { STORE_ROOT: p.root, BUCKET: "from-env" };
      expect((await p.cli(["create-bucket"], { env })).stdout).toContain(
        'bucket "from-env" is ready',
      );
      const r = await p.cli(["create-bucket"], { env: {} });
      expect(r.code).toBe(1);
    } finally {
      p.tmp.remove();
    }
  });

  it("accepts accsr's remote_storage_config section and snake_case keys", async () => {
    const p = project({ config: false });
    try {
      writeFiles(p.cwd, {
        "config.json": {
          remote_storage_config: {
            provider: "file",
            root: "../store",
            bucket: "bkt",
            base_path: "old/ns",
            use_pbar: false,
          },
        },
      });
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      expect((await p.cli(["push", "top.txt"])).code).toBe(0);
      const j = jsonOf<{ name: string }[]>(await p.cli(["ls", "--json"]));
      expect(j.map((o) => o.name)).toEqual(["old/ns/top.txt"]);
      const c = jsonOf<ConfigJson>(await p.cli(["config", "--json"]));
      expect(c.section).toBe("remote_storage_config");
    } finally {
      p.tmp.remove();
    }
  });

  it("--config replaces the file list (resolved against the working directory), later files win", async () => {
    const p = project();
    try {
      writeFiles(p.cwd, {
        "conf/base.yml":
          "remote_storage:\n  provider: file\n  root: ../store\n  bucket: base-bucket\n",
        "conf/ci.json": { remote_storage: { bucket: "ci-bucket" } },
      });
      const r = await p.cli([
        "create-bucket",
        "--config",
        "conf/base.yml",
        "--config",
        "conf/ci.json",
        "--json",
      ]);
      expect(r.code).toBe(0);
      // the relative root of a file resolves against the config directory (the working directory)
      expect(jsonOf(r)).toMatchObject({ bucket: "ci-bucket" });
      const c = jsonOf<ConfigJson>(
        await p.cli(["config", "--config", "conf/base.yml", "--config", "conf/ci.json", "--json"]),
      );
      expect(c.files).toEqual([join(p.cwd, "conf/base.yml"), join(p.cwd, "conf/ci.json")]);
    } finally {
      p.tmp.remove();
    }
  });

  it("a missing --config file or a broken file fails (exit 1) naming the file", async () => {
    const p = project();
    try {
      const missing = await p.cli(["ls", "--config", "nope.json"]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(
        `error: Cannot read config file "${join(p.cwd, "nope.json")}": no such file`,
      );
      writeFiles(p.cwd, { "config_local.json": '{"remote_storage": {"bucket": }' });
      const broken = await p.cli(["ls"]);
      expect(broken.code).toBe(1);
      expect(broken.stderr).toMatch(
        /^error: Cannot read config file ".*config_local\.json": line 1, column \d+/,
      );
      expect(broken.stderr).toContain(`hint: fix ${join(p.cwd, "config_local.json")}`);
    } finally {
      p.tmp.remove();
    }
  });

  it("an invalid remote_storage section fails (exit 1)", async () => {
    const p = project({ config: false });
    try {
      writeFiles(p.cwd, { "config.json": { remote_storage: ["not", "an", "object"] } });
      const r = await p.cli(["ls"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: Cannot use config entry "remote_storage": it is an array/);
    } finally {
      p.tmp.remove();
    }
  });

  it("never prints a secret, even when one reaches an error message", async () => {
    const { p, env } = secretProject();
    try {
      // the bucket name is (absurdly) the secret: the validation error would echo it
      for (const argv of [["ls", "--bucket", SECRET.toLowerCase()], ["ls", "--bucket", SECRET]]) {
        const r = await p.cli([...argv, "--debug"], { env: { ...env, STORAGE_SECRET: argv[2] } });
        expect([1, 2]).toContain(r.code); // 2: an invalid bucket name is a usage error
        expect(r.stderr).toContain("***");
        expect(r.stderr).not.toContain(argv[2]);
      }
      const ok = await p.cli(["ls", "--json"], { env });
      expectNoSecret(ok);
    } finally {
      p.tmp.remove();
    }
  });
});

describe("secret detection", () => {
  it("recognises secret-like keys but not the access key id", () => {
    for (
      const k of [
        "secret",
        "session_token",
        "sessionToken",
        "account_key",
        "accountKey",
        "connection_string",
        "password",
        "db_password",
        "apiKey",
        "AWS_SECRET_ACCESS_KEY",
        "client_secret",
        "sas_token",
        "private_key",
      ]
    ) expect([k, isSecretKey(k)]).toEqual([k, true]);
    for (
      const k of ["key", "bucket", "provider", "base_path", "access_key_id", "keyboard", "host"]
    ) {
      expect([k, isSecretKey(k)]).toEqual([k, false]);
    }
  });

  it("masks credentials inside connection strings and URLs", () => {
    expect(redactString("AccountName=a;AccountKey=abc==;EndpointSuffix=x")).toBe(
      "AccountName=a;AccountKey=***;EndpointSuffix=x",
    );
    expect(redactString("https://acc.blob.core.windows.net/c?sv=1&sig=abc%2F")).toBe(
      "https://acc.blob.core.windows.net/c?sv=1&sig=***",
    );
    expect(redactString("http://u:p4ss@host:9000")).toBe("http://u:***@host:9000");
    expect(redactString("http://127.0.0.1:9000")).toBe("http://127.0.0.1:9000");
  });
});
