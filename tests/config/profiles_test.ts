import { describe, it } from "node:test";
import { join } from "node:path";
import { expect } from "expect";
import { ConfigError } from "../../errors.ts";
import { ConfigurationBase } from "../../config/mod.ts";
import { thrown, withTempDir, writeFiles } from "./_helpers.ts";

function project(dir: string): void {
  writeFiles(dir, {
    "config.json": { a: "base", b: "base", c: "base", d: "base", s: { x: 1, y: 1 } },
    "config.production.json": { a: "base-profile", b: "base-profile", s: { y: 2 } },
    "config_local.json": { b: "local", c: "local" },
    "config_local.production.yml": "c: local-profile\n",
    "config.staging.toml": 'a = "staging"\n',
  });
}

describe("configuration profiles", () => {
  it("read name.<profile>.ext right after each name.ext, any supported extension", () => {
    withTempDir((dir) => {
      project(dir);
      const config = new ConfigurationBase({ configDirectory: dir, profile: "production" });
      expect(config.loadedFiles).toEqual([
        join(dir, "config.json"),
        join(dir, "config.production.json"),
        join(dir, "config_local.json"),
        join(dir, "config_local.production.yml"),
      ]);
      // files < profile files < later files < their profile files
      expect(config.config).toEqual({
        a: "base-profile",
        b: "local",
        c: "local-profile",
        d: "base",
        s: { x: 1, y: 2 },
      });
      expect(config.profile).toBe("production");
      expect(config.explain("a").source).toBe(join(dir, "config.production.json"));
    });
  });

  it('default to the ACCSR_PROFILE variable; the option wins; "" means none', () => {
    withTempDir((dir) => {
      project(dir);
      const env = { ACCSR_PROFILE: "staging" };
      expect(new ConfigurationBase({ configDirectory: dir, env }).getEntry("a")).toBe("staging");
      const explicit = new ConfigurationBase({ configDirectory: dir, env, profile: "production" });
      expect(explicit.getEntry("a")).toBe("base-profile");
      const none = new ConfigurationBase({ configDirectory: dir, env, profile: "" });
      expect(none.getEntry("a")).toBe("base");
      expect(none.profile).toBeUndefined();
    });
  });

  it("without a profile, profile files are not read", () => {
    withTempDir((dir) => {
      project(dir);
      const config = new ConfigurationBase({ configDirectory: dir, env: {} });
      expect(config.loadedFiles).toEqual([
        join(dir, "config.json"),
        join(dir, "config_local.json"),
      ]);
    });
  });

  it("refuse profile names with path separators or dots that climb", () => {
    withTempDir((dir) => {
      project(dir);
      for (const profile of ["../x", "a/b", "a\\b", "..", ".hidden", "x."]) {
        const error = thrown(() => new ConfigurationBase({ configDirectory: dir, profile }));
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).code).toBe("CONFIG_INVALID_PROFILE");
      }
      const fromEnv = thrown(() =>
        new ConfigurationBase({ configDirectory: dir, env: { ACCSR_PROFILE: "../../etc" } })
      );
      expect(fromEnv.message).toContain("ACCSR_PROFILE");
    });
  });
});
