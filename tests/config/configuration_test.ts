import { describe, it } from "node:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import process from "node:process";
import { expect } from "expect";
import { ConfigError, ConfigKeyError } from "../../errors.ts";
import { ConfigurationBase } from "../../config/mod.ts";
import {
  FIXTURE_FILES,
  thrown,
  withFixtureDir,
  withProcessEnv,
  withTempDir,
  writeFiles,
} from "./_helpers.ts";

function fixtureConfig(dir: string, env: Record<string, string | undefined> = {}) {
  return new ConfigurationBase({ configDirectory: dir, configFiles: FIXTURE_FILES, env });
}

describe("ConfigurationBase construction", () => {
  it("reads config.json and config_local.json by default", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { a: 1, b: 1 }, "config_local.json": { b: 2 } });
      const config = new ConfigurationBase({ configDirectory: dir });
      expect(config.config).toEqual({ a: 1, b: 2 });
      expect(config.loadedFiles).toEqual([
        join(dir, "config.json"),
        join(dir, "config_local.json"),
      ]);
    });
  });

  it("defaults the configuration directory to the working directory", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "c.json": { a: 1 } });
      const config = new ConfigurationBase({ configFiles: [join(dir, "c.json")] });
      expect(config.configDirectory).toBe(process.cwd());
      const missing = `accsr-missing-${Math.random().toString(36).slice(2)}.json`;
      const error = thrown(() => new ConfigurationBase({ configFiles: [missing] }));
      expect(error.message).toContain(JSON.stringify(join(process.cwd(), missing)));
    });
  });

  it("stores a relative configuration directory as an absolute path", () => {
    withFixtureDir((dir) => {
      const config = new ConfigurationBase({
        configDirectory: relative(process.cwd(), dir),
        configFiles: FIXTURE_FILES,
      });
      expect(config.configDirectory).toBe(dir);
    });
  });

  it("lists only the files that existed in loadedFiles, in order", () => {
    withFixtureDir((dir) => {
      const config = new ConfigurationBase({
        configDirectory: dir,
        configFiles: ["config.json", "absent.json", "config_local.yml"],
      });
      expect(config.loadedFiles).toEqual([join(dir, "config.json"), join(dir, "config_local.yml")]);
    });
  });

  it("keeps env: markers in .config and freezes it", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir, { ACCSR_TEST_X: "x" });
      expect(config.config.env_entry).toBe("env:ACCSR_TEST_X");
      expect((config.config.nested as Record<string, unknown>).b).toBe("env:ACCSR_TEST_X");
      expect(Object.isFrozen(config.config)).toBe(true);
      expect(Object.isFrozen(config.config.nested)).toBe(true);
      config.getEntry("nested");
      expect((config.config.nested as Record<string, unknown>).b).toBe("env:ACCSR_TEST_X");
    });
  });

  it("throws a ConfigError when nothing could be read", () => {
    withTempDir((dir) => {
      expect(() => new ConfigurationBase({ configDirectory: dir })).toThrow(ConfigError);
    });
  });

  it("reads configuration files again only when a new instance is built", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { a: 1 } });
      const config = new ConfigurationBase({ configDirectory: dir });
      writeFiles(dir, { "config.json": { a: 2 } });
      expect(config.getEntry("a")).toBe(1);
      expect(new ConfigurationBase({ configDirectory: dir }).getEntry("a")).toBe(2);
    });
  });
});

describe("ConfigurationBase.getEntry", () => {
  it("returns top-level and nested entries, by key or key path", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      expect(config.getEntry("entry_1")).toBe("val_1");
      expect(config.getEntry(["entry_2"])).toBe("local_val_2");
      expect(config.getEntry(["nested", "deeper", "replaced"])).toBe("from yaml");
    });
  });

  it("does not split a string key on dots", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { "a.b": 1, a: { b: 2 } } });
      const config = new ConfigurationBase({ configDirectory: dir });
      expect(config.getEntry("a.b")).toBe(1);
      expect(config.getEntry(["a", "b"])).toBe(2);
    });
  });

  it("returns empty strings, 0, false, [] and {} as they are", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      expect(config.getEntry("empty_string")).toBe("");
      expect(config.getEntry("zero")).toBe(0);
      expect(config.getEntry("false_value")).toBe(false);
      expect(config.getEntry("empty_list")).toEqual([]);
      expect(config.getEntry("empty_object")).toEqual({});
    });
  });

  it("throws a ConfigKeyError naming the dotted key path for a missing key", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      const error = thrown(() => config.getEntry(["nested", "missing"])) as ConfigKeyError;
      expect(error).toBeInstanceOf(ConfigKeyError);
      expect(error.keyPath).toEqual(["nested", "missing"]);
      expect(error.message).toContain('"nested.missing"');
      expect(() => config.getEntry("absent")).toThrow(ConfigKeyError);
    });
  });

  it("throws a ConfigKeyError for a null value, also one set by a later file", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      expect(() => config.getEntry("explicit_null")).toThrow(/"explicit_null": set to null/);
      expect(() => config.getEntry("overridden_by_null")).toThrow(ConfigKeyError);
    });
  });

  it("throws a ConfigKeyError when the key path walks through a non-object", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      const error = thrown(() => config.getEntry(["entry_1", "x", "y"]));
      expect(error).toBeInstanceOf(ConfigKeyError);
      expect(error.message).toContain('"entry_1.x.y"');
      expect(error.message).toContain('"entry_1" is a string, not an object');
      expect(() => config.getEntry(["list", "0"])).toThrow(ConfigKeyError);
    });
  });

  it("does not find inherited properties such as toString", () => {
    withFixtureDir((dir) => {
      expect(() => fixtureConfig(dir).getEntry("toString")).toThrow(ConfigKeyError);
    });
  });

  it("resolves env: markers at every access: changing the env between reads changes the value", () => {
    withFixtureDir((dir) => {
      const env: Record<string, string | undefined> = { ACCSR_TEST_X: "first" };
      const config = fixtureConfig(dir, env);
      expect(config.getEntry("env_entry")).toBe("first");
      env.ACCSR_TEST_X = "second";
      expect(config.getEntry("env_entry")).toBe("second");
    });
  });

  it("reads process.env at access time when no env option is given", () => {
    withFixtureDir((dir) => {
      withProcessEnv("ACCSR_TEST_X", "from process", () => {
        const config = new ConfigurationBase({ configDirectory: dir, configFiles: FIXTURE_FILES });
        expect(config.getEntry("env_entry")).toBe("from process");
        process.env.ACCSR_TEST_X = "changed";
        expect(config.getEntry("env_entry")).toBe("changed");
      });
    });
  });

  it("uses the env option instead of process.env when given", () => {
    withFixtureDir((dir) => {
      withProcessEnv("ACCSR_TEST_X", "from process", () => {
        expect(fixtureConfig(dir, {}).getEntry("env_entry")).toBeUndefined();
        expect(fixtureConfig(dir, { ACCSR_TEST_X: "option" }).getEntry("env_entry")).toBe("option");
      });
    });
  });

  it("returns undefined for a top-level marker whose variable is unset, without throwing", () => {
    withFixtureDir((dir) => {
      expect(fixtureConfig(dir, {}).getEntry("env_entry")).toBeUndefined();
    });
  });

  it("resolves markers nested in objects and in lists inside objects", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir, { ACCSR_TEST_X: "x" });
      expect(config.getEntry(["nested", "b"])).toBe("x");
      expect(config.getEntry("nested")).toMatchObject({
        b: "x",
        list: ["x", "plain", { in_list: "x" }, ["x"]],
      });
      expect(config.getEntry(["nested", "list"])).toEqual(["x", "plain", { in_list: "x" }, ["x"]]);
    });
  });

  it("returns undefined inside a nested value for an unset variable", () => {
    withFixtureDir((dir) => {
      const nested = fixtureConfig(dir, {}).getEntry<Record<string, unknown>>("nested");
      expect(nested.b).toBeUndefined();
      expect(nested.a).toBe(1);
    });
  });

  it("applies the :- fallback when the variable is unset or empty", () => {
    withFixtureDir((dir) => {
      expect(fixtureConfig(dir, {}).getEntry("env_with_fallback")).toBe("the fallback");
      expect(fixtureConfig(dir, { ACCSR_TEST_X: "" }).getEntry("env_with_fallback")).toBe(
        "the fallback",
      );
      expect(fixtureConfig(dir, { ACCSR_TEST_X: "set" }).getEntry("env_with_fallback")).toBe("set");
    });
  });

  it("returns a copy that callers may change without affecting the configuration", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      const nested = config.getEntry<Record<string, unknown>>("nested");
      nested.a = 99;
      expect(config.getEntry(["nested", "a"])).toBe(1);
    });
  });
});

describe("ConfigurationBase.getExistingPath", () => {
  it("resolves a relative path against the configuration directory and creates it", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      const expected = join(dir, "data", "raw");
      expect(existsSync(expected)).toBe(false);
      expect(config.getExistingPath("data_raw")).toBe(expected);
      expect(existsSync(expected)).toBe(true);
    });
  });

  it("throws a ConfigError naming key and path with create: false", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      const error = thrown(() => config.getExistingPath("data_raw", { create: false }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe("PATH_NOT_FOUND");
      expect(error.message).toContain('"data_raw"');
      expect(error.message).toContain(join(dir, "data", "raw"));
      expect(existsSync(join(dir, "data", "raw"))).toBe(false);
    });
  });

  it("returns an existing directory with create: false", () => {
    withFixtureDir((dir) => {
      mkdirSync(join(dir, "data"));
      expect(fixtureConfig(dir).getExistingPath("data", { create: false })).toBe(join(dir, "data"));
    });
  });

  it("uses an absolute path as it is, creating it when missing", () => {
    withTempDir((dir) => {
      const target = join(dir, "abs", "deep");
      writeFiles(dir, { "config.json": { target } });
      const config = new ConfigurationBase({
        configDirectory: join(dir, "elsewhere"),
        configFiles: [join(dir, "config.json")],
      });
      expect(config.getExistingPath("target")).toBe(target);
      expect(existsSync(target)).toBe(true);
    });
  });

  it("resolves an env: marker before using the path", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { out: "env:ACCSR_TEST_OUT" } });
      const config = new ConfigurationBase({
        configDirectory: dir,
        env: { ACCSR_TEST_OUT: "o/p" },
      });
      expect(config.getExistingPath("out")).toBe(join(dir, "o", "p"));
      const unset = new ConfigurationBase({ configDirectory: dir, env: {} });
      expect(() => unset.getExistingPath("out")).toThrow(/ACCSR_TEST_OUT is not set/);
    });
  });

  it("throws a ConfigError naming the key for a value that is not a string", () => {
    withFixtureDir((dir) => {
      const error = thrown(() => fixtureConfig(dir).getExistingPath("not_a_path"));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).not.toBeInstanceOf(ConfigKeyError);
      expect(error.message).toContain('"not_a_path"');
      expect(error.message).toContain("a number");
    });
  });

  it("throws a ConfigKeyError for a missing key", () => {
    withFixtureDir((dir) => {
      expect(() => fixtureConfig(dir).getExistingPath(["nested", "nope"])).toThrow(ConfigKeyError);
    });
  });

  it("returns an existing file at the configured path", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { file: "config.json" } });
      const config = new ConfigurationBase({ configDirectory: dir });
      expect(config.getExistingPath("file", { create: false })).toBe(join(dir, "config.json"));
    });
  });

  it("wraps a failure to create the directory in a ConfigError", () => {
    withTempDir((dir) => {
      writeFileSync(join(dir, "blocker"), "a file");
      writeFiles(dir, { "config.json": { d: "blocker/sub" } });
      const error = thrown(() =>
        new ConfigurationBase({ configDirectory: dir }).getExistingPath("d")
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe("PATH_NOT_CREATED");
    });
  });
});

describe("ConfigurationBase.adjustedPath", () => {
  it("resolves a relative path against the working directory, not the config directory", () => {
    withFixtureDir((dir) => {
      expect(fixtureConfig(dir).adjustedPath("some/file.txt")).toBe(resolve("some/file.txt"));
    });
  });

  it("returns the path relative to the configuration directory with relative: true", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      expect(config.adjustedPath(join(dir, "data", "x.csv"), { relative: true })).toBe(
        join("data", "x.csv"),
      );
      expect(config.adjustedPath(dir, { relative: true })).toBe(".");
    });
  });

  it("returns a relative path starting with .. for a path outside the configuration directory", () => {
    withFixtureDir((dir) => {
      const outside = join(dir, "..", "sibling", "f.txt");
      expect(fixtureConfig(dir).adjustedPath(outside, { relative: true })).toBe(
        join("..", "sibling", "f.txt"),
      );
    });
  });

  it("throws with checkExistence when nothing exists at the path", () => {
    withFixtureDir((dir) => {
      const config = fixtureConfig(dir);
      const missing = join(dir, "missing.txt");
      const error = thrown(() => config.adjustedPath(missing, { checkExistence: true }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe("PATH_NOT_FOUND");
      expect(error.message).toContain(missing);
      const existing = join(dir, "config.json");
      expect(config.adjustedPath(existing, { checkExistence: true })).toBe(existing);
    });
  });
});
