import { describe, it } from "node:test";
import { expect } from "expect";
import { ConfigError } from "../../errors.ts";
import {
  ConfigProvider,
  ConfigurationBase,
  type ConfigurationOptions,
  DefaultDataConfiguration,
} from "../../config/mod.ts";
import { FIXTURE_FILES, withFixtureDir, withTempDir, writeFiles } from "./_helpers.ts";

describe("ConfigProvider", () => {
  it("returns the same instance for equal options", () => {
    withFixtureDir((dir) => {
      const provider = new ConfigProvider(DefaultDataConfiguration);
      const first = provider.getConfig({ configDirectory: dir, configFiles: FIXTURE_FILES });
      const second = provider.getConfig({ configDirectory: dir, configFiles: [...FIXTURE_FILES] });
      expect(first).toBeInstanceOf(DefaultDataConfiguration);
      expect(second).toBe(first);
      expect(
        provider.getConfig({ configDirectory: dir, configFiles: FIXTURE_FILES, reload: false }),
      )
        .toBe(first);
    });
  });

  it("builds a new instance with reload: true, seeing edited files", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { a: 1 } });
      const provider = new ConfigProvider(ConfigurationBase);
      const first = provider.getConfig({ configDirectory: dir });
      writeFiles(dir, { "config.json": { a: 2 } });
      expect(provider.getConfig({ configDirectory: dir }).getEntry("a")).toBe(1);
      const reloaded = provider.getConfig({ configDirectory: dir, reload: true });
      expect(reloaded).not.toBe(first);
      expect(reloaded.getEntry("a")).toBe(2);
      expect(provider.getConfig({ configDirectory: dir })).toBe(reloaded);
    });
  });

  it("builds a new instance when the options differ", () => {
    withFixtureDir((dir) => {
      const provider = new ConfigProvider(ConfigurationBase);
      const first = provider.getConfig({ configDirectory: dir, configFiles: FIXTURE_FILES });
      const jsonOnly = provider.getConfig({ configDirectory: dir, configFiles: ["config.json"] });
      expect(jsonOnly).not.toBe(first);
      expect(jsonOnly.getEntry("entry_2")).toBe("val_2");
      const withEnv = provider.getConfig({
        configDirectory: dir,
        configFiles: ["config.json"],
        env: {},
      });
      expect(withEnv).not.toBe(jsonOnly);
    });
  });

  it("compares options by value, not by the identity of the options object", () => {
    withFixtureDir((dir) => {
      const provider = new ConfigProvider(ConfigurationBase);
      const options: ConfigurationOptions = {
        configDirectory: dir,
        configFiles: [...FIXTURE_FILES],
        env: { ACCSR_TEST_X: "1" },
      };
      const first = provider.getConfig(options);
      expect(provider.getConfig({ ...options, env: { ACCSR_TEST_X: "1" } })).toBe(first);
      options.env!.ACCSR_TEST_X = "2";
      expect(provider.getConfig(options)).not.toBe(first);
    });
  });

  it("keeps one instance per provider", () => {
    withFixtureDir((dir) => {
      const options = { configDirectory: dir, configFiles: FIXTURE_FILES };
      const a = new ConfigProvider(ConfigurationBase).getConfig(options);
      const b = new ConfigProvider(ConfigurationBase).getConfig(options);
      expect(a).not.toBe(b);
    });
  });

  it("instantiates the given subclass, and keeps the cache when construction fails", () => {
    withFixtureDir((dir) => {
      class MyConfig extends ConfigurationBase {
        get entry1(): string {
          return this.getEntry<string>("entry_1");
        }
      }
      const provider = new ConfigProvider(MyConfig);
      const config = provider.getConfig({ configDirectory: dir, configFiles: FIXTURE_FILES });
      expect(config.entry1).toBe("val_1");
      expect(() => provider.getConfig({ configDirectory: dir, configFiles: ["nope.json"] }))
        .toThrow(ConfigError);
      expect(provider.getConfig({ configDirectory: dir, configFiles: FIXTURE_FILES })).toBe(config);
    });
  });
});
