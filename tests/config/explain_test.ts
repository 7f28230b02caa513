import { describe, it } from "node:test";
import { join } from "node:path";
import { expect } from "expect";
import { ConfigKeyError } from "../../errors.ts";
import { ConfigurationBase } from "../../config/mod.ts";
import { FIXTURE_FILES, withFixtureDir, withTempDir, writeFiles } from "./_helpers.ts";

describe("ConfigurationBase.explain", () => {
  it("names the last file that set a top-level key", () => {
    withFixtureDir((dir) => {
      const config = new ConfigurationBase({ configDirectory: dir, configFiles: FIXTURE_FILES });
      expect(config.explain("entry_1")).toEqual({
        value: "val_1",
        source: join(dir, "config.json"),
      });
      expect(config.explain("entry_2")).toEqual({
        value: "local_val_2",
        source: join(dir, "config_local.yml"),
      });
    });
  });

  it("names the file that set the deepest value of a nested key", () => {
    withFixtureDir((dir) => {
      const config = new ConfigurationBase({ configDirectory: dir, configFiles: FIXTURE_FILES });
      expect(config.explain(["nested", "deeper", "kept"]).source).toBe(join(dir, "config.json"));
      expect(config.explain(["nested", "deeper", "replaced"]).source).toBe(
        join(dir, "config_local.yml"),
      );
      expect(config.explain(["nested", "a"]).source).toBe(join(dir, "config.json"));
    });
  });

  it("names the variable when the raw value is an env: marker", () => {
    withFixtureDir((dir) => {
      const config = new ConfigurationBase({
        configDirectory: dir,
        configFiles: FIXTURE_FILES,
        env: { ACCSR_TEST_BUCKET: "bucket-from-env" },
      });
      expect(config.explain(["remote_storage", "bucket"])).toEqual({
        value: "bucket-from-env",
        source: `${join(dir, "config_local.yml")} (env:ACCSR_TEST_BUCKET)`,
        envVar: "ACCSR_TEST_BUCKET",
      });
      expect(config.explain(["remote_storage", "secret"])).toEqual({
        value: "no-secret",
        source: `${join(dir, "config_local.yml")} (env:ACCSR_TEST_SECRET, fallback used)`,
        envVar: "ACCSR_TEST_SECRET",
        fallback: true,
      });
    });
  });

  it("follows the file order of the hierarchy, whatever the format", () => {
    withTempDir((dir) => {
      writeFiles(dir, {
        "a.yml": "k: from yaml\n",
        "b.json": { k: "from json" },
        "c.yaml": "other: 1\n",
      });
      const config = new ConfigurationBase({
        configDirectory: dir,
        configFiles: ["a.yml", "b.json", "c.yaml"],
      });
      expect(config.explain("k")).toEqual({ value: "from json", source: join(dir, "b.json") });
    });
  });

  it("throws a ConfigKeyError for a missing key", () => {
    withFixtureDir((dir) => {
      const config = new ConfigurationBase({ configDirectory: dir, configFiles: FIXTURE_FILES });
      expect(() => config.explain(["nested", "nope"])).toThrow(ConfigKeyError);
      expect(() => config.explain("explicit_null")).toThrow(ConfigKeyError);
    });
  });
});
