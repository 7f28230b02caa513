import { describe, it } from "node:test";
import { join } from "node:path";
import { expect } from "expect";
import { ConfigurationBase, type StandardSchemaV1 } from "../../config/mod.ts";
import { withTempDir, writeFiles } from "./_helpers.ts";

/** A hand-written Standard Schema: remote_storage.port must be a number when present. */
const portIsNumber: StandardSchemaV1 = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (value) => {
      const port = (value as { remote_storage?: { port?: unknown } }).remote_storage?.port;
      return port === undefined || typeof port === "number"
        ? { value }
        : { issues: [{ message: "expected a number", path: ["remote_storage", "port"] }] };
    },
  },
};

describe("ConfigurationBase.check", () => {
  it("lists unset variables, unknown keys and schema violations with key and source", () => {
    withTempDir((dir) => {
      writeFiles(dir, {
        "config.json": {
          remote_storage: { provider: "s3", bucekt: "b", port: 9000, base_path: "env:PROJ_BASE" },
          deep: { list: ["ok", { token: "env:API_TOKEN" }] },
          fine: "env:SET_VAR",
          empty_on_purpose: "env:EMPTY_VAR",
          with_fallback: "env:UNSET_VAR:-x",
        },
        "config_local.json": { remote_storage: { port: "env:S3_PORT" } },
      });
      class Checked extends ConfigurationBase {
        static override schema = portIsNumber;
      }
      // the schema passes at load (S3_PORT unset → undefined) and fails later
      const env: Record<string, string | undefined> = { SET_VAR: "x", EMPTY_VAR: "" };
      const config = new Checked({ configDirectory: dir, env });
      env.S3_PORT = "9001";
      const problems = config.check();
      const json = join(dir, "config.json");
      const local = join(dir, "config_local.json");
      expect(problems).toEqual([
        {
          key: "remote_storage.bucekt",
          source: json,
          kind: "unknown_key",
          message: 'unknown key "bucekt" in remote_storage (did you mean "bucket"?)',
        },
        {
          key: "remote_storage.base_path",
          source: json,
          kind: "env_unset",
          message: expect.stringContaining("PROJ_BASE is not set"),
        },
        {
          key: "deep.list.1.token",
          source: json,
          kind: "env_unset",
          message: expect.stringContaining("API_TOKEN is not set"),
        },
        { key: "remote_storage.port", source: local, kind: "schema", message: "expected a number" },
      ]);
    });
  });

  it("returns nothing for a configuration without problems", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { remote_storage: { provider: "s3", bucket: "b" } } });
      expect(new ConfigurationBase({ configDirectory: dir, env: {} }).check()).toEqual([]);
    });
  });

  it("reports an unreadable NAME_FILE instead of throwing", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { s: "env:PW" } });
      const config = new ConfigurationBase({
        configDirectory: dir,
        env: { PW_FILE: join(dir, "missing") },
      });
      const [problem] = config.check();
      expect(problem.key).toBe("s");
      expect(problem.kind).toBe("secret_file");
      expect(problem.message).toContain("PW_FILE");
    });
  });
});
