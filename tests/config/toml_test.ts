import { describe, it } from "node:test";
import { join } from "node:path";
import { expect } from "expect";
import { ConfigError } from "../../errors.ts";
import { ConfigurationBase, loadConfigFiles } from "../../config/mod.ts";
import { thrown, withTempDir, writeFiles } from "./_helpers.ts";

const SAME_DATA = {
  json: {
    name: "proj",
    port: 9000,
    ratio: 0.5,
    on: true,
    tags: ["a", "b"],
    remote_storage: { provider: "s3", bucket: "b", secret: "env:S3_SECRET:-x" },
    nested: { deep: { list: [1, 2], keep: "json" } },
  },
  yaml: [
    "name: proj",
    "port: 9000",
    "ratio: 0.5",
    "on: true",
    "tags: [a, b]",
    "remote_storage: {provider: s3, bucket: b, secret: 'env:S3_SECRET:-x'}",
    "nested:",
    "  deep:",
    "    list: [1, 2]",
    "    keep: json",
    "",
  ].join("\n"),
  toml: [
    'name = "proj"',
    "port = 9000",
    "ratio = 0.5",
    "on = true",
    'tags = ["a", "b"]',
    "",
    "[remote_storage]",
    'provider = "s3"',
    'bucket = "b"',
    'secret = "env:S3_SECRET:-x"',
    "",
    "[nested.deep]",
    "list = [1, 2]",
    'keep = "json"',
    "",
  ].join("\n"),
};

describe("TOML configuration files", () => {
  it("give the same merged configuration as the same data in JSON and YAML", () => {
    withTempDir((dir) => {
      writeFiles(dir, {
        "c.json": SAME_DATA.json,
        "c.yaml": SAME_DATA.yaml,
        "c.toml": SAME_DATA.toml,
      });
      const fromJson = loadConfigFiles(dir, ["c.json"]);
      expect(loadConfigFiles(dir, ["c.yaml"])).toEqual(fromJson);
      expect(loadConfigFiles(dir, ["c.toml"])).toEqual(fromJson);
      const a = new ConfigurationBase({ configDirectory: dir, configFiles: ["c.toml"], env: {} });
      const b = new ConfigurationBase({ configDirectory: dir, configFiles: ["c.json"], env: {} });
      expect(a.getEntry("remote_storage")).toEqual(b.getEntry("remote_storage"));
    });
  });

  it("mix with JSON and YAML in one hierarchy; later files win, tables merge deeply", () => {
    withTempDir((dir) => {
      writeFiles(dir, {
        "config.json": { a: 1, s: { x: "json", y: "json" } },
        "config_local.toml": '[s]\ny = "toml"\nz = 3\n',
        "last.yml": "s:\n  z: 4\n",
      });
      const config = new ConfigurationBase({
        configDirectory: dir,
        configFiles: ["config.json", "config_local.toml", "last.yml"],
      });
      expect(config.config).toEqual({ a: 1, s: { x: "json", y: "toml", z: 4 } });
      expect(config.explain(["s", "y"]).source).toBe(join(dir, "config_local.toml"));
    });
  });

  it("turns dates and times into their TOML text", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "c.toml": "d = 1979-05-27\nt = 1979-05-27T07:32:00Z\n" });
      expect(loadConfigFiles(dir, ["c.toml"])).toEqual({
        d: "1979-05-27",
        t: "1979-05-27T07:32:00.000Z",
      });
    });
  });

  it("report syntax errors with the file, line and column", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "bad.toml": 'a = 1\n[s]\nb = "unterminated\n' });
      const error = thrown(() => loadConfigFiles(dir, ["bad.toml"])) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.code).toBe("CONFIG_SYNTAX");
      expect(error.file).toBe(join(dir, "bad.toml"));
      expect(error.line).toBe(3);
      expect(error.column).toBeGreaterThan(0);
      expect(error.message).toContain(`"${join(dir, "bad.toml")}": line 3, column`);
    });
  });

  it("refuse a key defined twice and integers that would lose precision", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "dup.toml": "a = 1\na = 2\n", "big.toml": "n = 9007199254740993\n" });
      const dup = thrown(() => loadConfigFiles(dir, ["dup.toml"])) as ConfigError;
      expect(dup.line).toBe(2);
      const big = thrown(() => loadConfigFiles(dir, ["big.toml"])) as ConfigError;
      expect(big.code).toBe("CONFIG_SYNTAX");
      expect(big.line).toBe(1);
    });
  });
});
