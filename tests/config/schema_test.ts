import { describe, it } from "node:test";
import { join } from "node:path";
import { expect } from "expect";
import { ConfigError } from "../../errors.ts";
import {
  ConfigurationBase,
  type StandardSchemaV1,
  type StandardSchemaV1Issue,
} from "../../config/mod.ts";
import { thrown, withTempDir, writeFiles } from "./_helpers.ts";

/** A tiny hand-written Standard Schema: every listed key path must hold a value of that type. */
function typesSchema(types: Record<string, string>): StandardSchemaV1 {
  return {
    "~standard": {
      version: 1,
      vendor: "test",
      validate(value) {
        const issues: StandardSchemaV1Issue[] = [];
        for (const [dotted, type] of Object.entries(types)) {
          const path = dotted.split(".");
          let v: unknown = value;
          for (const k of path) v = (v as Record<string, unknown> | undefined)?.[k];
          const actual = typeof v;
          if (actual !== type) {
            issues.push({
              message: `expected ${type}, got ${actual}`,
              path: path.map((key, i) => (i % 2 ? { key } : key)),
            });
          }
        }
        return issues.length ? { issues } : { value };
      },
    },
  };
}

function writeHierarchy(dir: string): void {
  writeFiles(dir, {
    "config.json": { db: { host: "localhost", port: 5432 }, token: "env:ACCSR_TEST_TOKEN" },
    "config_local.yml": "db:\n  port: not a number\n",
  });
}

const FILES = ["config.json", "config_local.yml"];

describe("configuration schema (Standard Schema v1)", () => {
  it("accepts a configuration that passes a static schema", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { db: { host: "h", port: 1 } } });
      class Config extends ConfigurationBase {
        static override schema = typesSchema({ "db.host": "string", "db.port": "number" });
      }
      expect(new Config({ configDirectory: dir }).getEntry(["db", "port"])).toBe(1);
    });
  });

  it("rejects a failing configuration naming the key path and the file that set it", () => {
    withTempDir((dir) => {
      writeHierarchy(dir);
      class Config extends ConfigurationBase {
        static override schema = typesSchema({ "db.port": "number" });
      }
      const error = thrown(() => new Config({ configDirectory: dir, configFiles: FILES }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe("CONFIG_INVALID");
      expect((error as ConfigError).file).toBe(join(dir, "config_local.yml"));
      expect(error.message).toContain(
        `"db.port" set in ${join(dir, "config_local.yml")}: expected number, got string`,
      );
    });
  });

  it("supports a schema declared as an instance getter", () => {
    withTempDir((dir) => {
      writeHierarchy(dir);
      class Config extends ConfigurationBase {
        override get schema(): StandardSchemaV1 {
          return typesSchema({ "db.port": "number" });
        }
      }
      expect(() => new Config({ configDirectory: dir, configFiles: FILES })).toThrow(/"db\.port"/);
    });
  });

  it("validates with env: markers resolved from the env option", () => {
    withTempDir((dir) => {
      writeHierarchy(dir);
      class Config extends ConfigurationBase {
        static override schema = typesSchema({ token: "string" });
      }
      const ok = new Config({ configDirectory: dir, env: { ACCSR_TEST_TOKEN: "t" } });
      expect(ok.getEntry("token")).toBe("t");
      const error = thrown(() => new Config({ configDirectory: dir, env: {} }));
      expect(error.message).toContain(`"token" set in ${join(dir, "config.json")} (env:`);
    });
  });

  it("says a missing key is not set, and where its parent comes from", () => {
    withTempDir((dir) => {
      writeHierarchy(dir);
      class Config extends ConfigurationBase {
        static override schema = typesSchema({ "db.user": "string", "absent": "string" });
      }
      const error = thrown(() => new Config({ configDirectory: dir, configFiles: FILES }));
      expect(error.message).toContain(
        `"db.user" not set; "db" is set in ${join(dir, "config_local.yml")}`,
      );
      expect(error.message).toContain(`"absent" not set in any file`);
    });
  });

  it("refuses an asynchronous schema with a ConfigError", () => {
    withTempDir((dir) => {
      writeHierarchy(dir);
      class Config extends ConfigurationBase {
        static override schema: StandardSchemaV1 = {
          "~standard": {
            version: 1,
            vendor: "async",
            validate: (value) => Promise.resolve({ value }),
          },
        };
      }
      const error = thrown(() => new Config({ configDirectory: dir }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain("asynchronous");
    });
  });

  it("does not validate without a schema", () => {
    withTempDir((dir) => {
      writeHierarchy(dir);
      expect(() => new ConfigurationBase({ configDirectory: dir, configFiles: FILES })).not
        .toThrow();
    });
  });
});
