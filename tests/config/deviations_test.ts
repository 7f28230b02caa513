// One test per row of accsr-deviations.md that concerns the configuration: accsr's bug, fixed.
import { describe, it } from "node:test";
import { join } from "node:path";
import process from "node:process";
import { expect } from "expect";
import { ConfigError, ConfigKeyError } from "../../errors.ts";
import { ConfigurationBase, deepMerge } from "../../config/mod.ts";
import { thrown, withTempDir, writeFiles } from "./_helpers.ts";

describe("where we deliberately differ from accsr's config", () => {
  it('removes the literal "env:" prefix: env:nvidia_home reads nvidia_home, not idia_home', () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { home: "env:nvidia_home" } });
      const config = new ConfigurationBase({
        configDirectory: dir,
        env: { nvidia_home: "/opt/nvidia", idia_home: "/wrong" },
      });
      expect(config.getEntry("home")).toBe("/opt/nvidia");
    });
  });

  it("resolves env: markers in lists nested inside objects", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { d: { l: ["env:X", { m: ["env:X"] }] } } });
      const config = new ConfigurationBase({ configDirectory: dir, env: { X: "x" } });
      expect(config.getEntry("d")).toEqual({ l: ["x", { m: ["x"] }] });
    });
  });

  it("replaces a scalar overridden by an object instead of crashing", () => {
    expect(deepMerge({ a: "scalar" }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { a: "scalar" }, "config_local.yml": "a:\n  b: 1\n" });
      const config = new ConfigurationBase({
        configDirectory: dir,
        configFiles: ["config.json", "config_local.yml"],
      });
      expect(config.getEntry(["a", "b"])).toBe(1);
    });
  });

  it("treats an empty YAML file as {} instead of crashing", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { a: 1 }, "config_local.yml": "" });
      const config = new ConfigurationBase({
        configDirectory: dir,
        configFiles: ["config.json", "config_local.yml"],
      });
      expect(config.config).toEqual({ a: 1 });
      expect(config.loadedFiles).toContain(join(dir, "config_local.yml"));
    });
  });

  it("refuses a non-object top level with a ConfigError naming the file", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { a: 1 }, "config_local.json": "[1, 2]" });
      const error = thrown(() => new ConfigurationBase({ configDirectory: dir })) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.file).toBe(join(dir, "config_local.json"));
    });
  });

  it("turns parse errors into a ConfigError with file, line and column", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": '{\n  "a": 1\n  "b": 2\n}' });
      const error = thrown(() => new ConfigurationBase({ configDirectory: dir })) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect([error.file, error.line, error.column]).toEqual([join(dir, "config.json"), 3, 3]);
      expect(error.message).toContain("line 3, column 3");
    });
  });

  it("throws a ConfigKeyError naming the key path when walking through a non-object", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { s: "text" } });
      const config = new ConfigurationBase({ configDirectory: dir });
      const error = thrown(() => config.getEntry(["s", "x"]));
      expect(error).toBeInstanceOf(ConfigKeyError);
      expect(error.message).toContain('"s.x"');
    });
  });

  it("defaults the configuration directory to process.cwd(), not the class's source folder", () => {
    class SubConfig extends ConfigurationBase {}
    const missing = `accsr-missing-${Math.random().toString(36).slice(2)}.json`;
    const error = thrown(() => new SubConfig({ configFiles: [missing] }));
    expect(error.message).toContain(JSON.stringify(join(process.cwd(), missing)));
  });
});
