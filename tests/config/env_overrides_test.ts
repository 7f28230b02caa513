import { describe, it } from "node:test";
import { join } from "node:path";
import { expect } from "expect";
import { ConfigError } from "../../errors.ts";
import { ConfigProvider, ConfigurationBase } from "../../config/mod.ts";
import { thrown, withProcessEnv, withTempDir, writeFiles } from "./_helpers.ts";

const FILES = {
  "config.json": {
    remote_storage: { provider: "s3", bucket: "dev", port: 9000, secure: false, key: "k" },
    Mixed_Case: { Inner: "x" },
    list: [1, 2],
    obj: { a: 1 },
    nothing: null,
  },
};

function load(dir: string, env: Record<string, string>, extra = {}): ConfigurationBase {
  return new ConfigurationBase({ configDirectory: dir, env, ...extra });
}

describe("overrides by variable name (envPrefix)", () => {
  it("ACCSR__REMOTE_STORAGE__BUCKET sets remote_storage.bucket and wins over every file", () => {
    withTempDir((dir) => {
      writeFiles(dir, FILES);
      const config = load(dir, { ACCSR__REMOTE_STORAGE__BUCKET: "prod" });
      expect(config.getEntry(["remote_storage", "bucket"])).toBe("prod");
      expect(config.config.remote_storage).toMatchObject({ provider: "s3", port: 9000 });
      expect(config.explain(["remote_storage", "bucket"])).toEqual({
        value: "prod",
        source: "env ACCSR__REMOTE_STORAGE__BUCKET",
        overrideVar: "ACCSR__REMOTE_STORAGE__BUCKET",
      });
      expect(config.overrideVariables).toEqual(["ACCSR__REMOTE_STORAGE__BUCKET"]);
      expect(config.loadedFiles).toEqual([join(dir, "config.json")]);
    });
  });

  it("match existing keys case-insensitively; new keys are lower-case", () => {
    withTempDir((dir) => {
      writeFiles(dir, FILES);
      const config = load(dir, { ACCSR__MIXED_CASE__INNER: "y", ACCSR__NEW__Key: "n" });
      expect(config.getEntry(["Mixed_Case", "Inner"])).toBe("y");
      expect(config.getEntry(["new", "key"])).toBe("n");
    });
  });

  it("keep the type of the value they replace", () => {
    withTempDir((dir) => {
      writeFiles(dir, FILES);
      const config = load(dir, {
        ACCSR__REMOTE_STORAGE__PORT: "9001",
        ACCSR__REMOTE_STORAGE__SECURE: "true",
        ACCSR__REMOTE_STORAGE__KEY: "0123",
        ACCSR__REMOTE_STORAGE__REGION: "007",
        ACCSR__LIST: "[3]",
        ACCSR__OBJ: '{"b": 2}',
        ACCSR__NOTHING: "42",
      });
      const rs = config.getEntry<Record<string, unknown>>("remote_storage");
      expect(rs.port).toBe(9001);
      expect(rs.secure).toBe(true);
      expect(rs.key).toBe("0123"); // a string key stays a string
      expect(rs.region).toBe("007"); // a new key is taken as it is
      expect(config.getEntry("list")).toEqual([3]);
      expect(config.getEntry("obj")).toEqual({ a: 1, b: 2 }); // objects merge like layers
      expect(config.getEntry("nothing")).toBe("42");
    });
  });

  it("a value that does not parse is a ConfigError naming the variable, not the value", () => {
    withTempDir((dir) => {
      writeFiles(dir, FILES);
      for (
        const [name, value] of [
          ["ACCSR__REMOTE_STORAGE__PORT", "nine-thousand"],
          ["ACCSR__REMOTE_STORAGE__SECURE", "maybe"],
          ["ACCSR__LIST", "not json"],
          ["ACCSR__OBJ", "[1]"],
          ["ACCSR__REMOTE_STORAGE__BUCKET__X", "through a string"],
        ]
      ) {
        const error = thrown(() => load(dir, { [name]: value })) as ConfigError;
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.code).toBe("CONFIG_ENV_OVERRIDE");
        expect(error.message).toContain(name);
        expect(error.message).not.toContain(value);
      }
    });
  });

  it("envPrefix picks another prefix, and false turns overrides off", () => {
    withTempDir((dir) => {
      writeFiles(dir, FILES);
      const env = { ACCSR__REMOTE_STORAGE__BUCKET: "a", MYAPP_REMOTE_STORAGE__BUCKET: "b" };
      expect(load(dir, env, { envPrefix: "MYAPP_" }).getEntry(["remote_storage", "bucket"]))
        .toBe("b");
      expect(load(dir, env, { envPrefix: false }).getEntry(["remote_storage", "bucket"]))
        .toBe("dev");
    });
  });

  it("are read at load time: a later change needs a new instance", () => {
    withTempDir((dir) => {
      writeFiles(dir, FILES);
      const env: Record<string, string> = { ACCSR__REMOTE_STORAGE__BUCKET: "first" };
      const config = load(dir, env);
      env.ACCSR__REMOTE_STORAGE__BUCKET = "second";
      expect(config.getEntry(["remote_storage", "bucket"])).toBe("first");
      expect(load(dir, env).getEntry(["remote_storage", "bucket"])).toBe("second");
    });
  });

  it("are read again by ConfigProvider.getConfig({ reload: true })", () => {
    withTempDir((dir) => {
      writeFiles(dir, FILES);
      const name = "ACCSR__REMOTE_STORAGE__BUCKET";
      const provider = new ConfigProvider(ConfigurationBase);
      const first = withProcessEnv(
        name,
        "first",
        () => provider.getConfig({ configDirectory: dir }),
      );
      withProcessEnv(name, "second", () => {
        expect(provider.getConfig({ configDirectory: dir })).toBe(first); // cached
        const reloaded = provider.getConfig({ configDirectory: dir, reload: true });
        expect(reloaded.getEntry(["remote_storage", "bucket"])).toBe("second");
      });
      expect(first.getEntry(["remote_storage", "bucket"])).toBe("first");
    });
  });

  it("can give the whole configuration when no file exists", () => {
    withTempDir((dir) => {
      const config = load(dir, { ACCSR__REMOTE_STORAGE__BUCKET: "b" });
      expect(config.config).toEqual({ remote_storage: { bucket: "b" } });
      expect(config.loadedFiles).toEqual([]);
    });
  });
});
