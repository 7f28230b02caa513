import { describe, it } from "node:test";
import { join } from "node:path";
import { expect } from "expect";
import { ConfigError } from "../../errors.ts";
import { ConfigurationBase, resolveEnvMarkers } from "../../config/mod.ts";
import { thrown, withTempDir, writeFiles } from "./_helpers.ts";

describe("secret files (NAME_FILE)", () => {
  it("an env:NAME marker with NAME unset reads the file named by NAME_FILE, at access time", () => {
    withTempDir((dir) => {
      writeFiles(dir, {
        "config.json": { remote_storage: { secret: "env:S3_SECRET" } },
        "secret.txt": "s3cr3t-from-file\n",
        "other.txt": "rotated\r\n",
      });
      const env: Record<string, string | undefined> = { S3_SECRET_FILE: join(dir, "secret.txt") };
      const config = new ConfigurationBase({ configDirectory: dir, env });
      expect(config.getEntry(["remote_storage", "secret"])).toBe("s3cr3t-from-file");
      env.S3_SECRET_FILE = join(dir, "other.txt"); // read at every access
      expect(config.getEntry(["remote_storage", "secret"])).toBe("rotated");
      env.S3_SECRET = "from-variable"; // the variable wins over the file
      expect(config.getEntry(["remote_storage", "secret"])).toBe("from-variable");
      env.S3_SECRET = ""; // an empty variable set on purpose stays empty
      expect(config.getEntry(["remote_storage", "secret"])).toBe("");
    });
  });

  it("explain says which variable named the file, never the content", () => {
    withTempDir((dir) => {
      writeFiles(dir, {
        "config.json": { remote_storage: { secret: "env:S3_SECRET" } },
        "secret.txt": "s3cr3t-from-file",
      });
      const env = { S3_SECRET_FILE: join(dir, "secret.txt") };
      const config = new ConfigurationBase({ configDirectory: dir, env });
      const e = config.explain(["remote_storage", "secret"]);
      expect(e.source).toBe(
        `${join(dir, "config.json")} (env:S3_SECRET, file named by S3_SECRET_FILE)`,
      );
      expect(e.secretFile).toBe("S3_SECRET_FILE");
      expect(e.source).not.toContain("s3cr3t");
      const [marker] = config.explainLayers(["remote_storage", "secret"]);
      expect(marker.source).toBe("env:S3_SECRET (file named by S3_SECRET_FILE)");
    });
  });

  it("a missing file is a ConfigError naming the variable, the file and the key path", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { remote_storage: { secret: "env:S3_SECRET" } } });
      const missing = join(dir, "nope.txt");
      const config = new ConfigurationBase({
        configDirectory: dir,
        env: { S3_SECRET_FILE: missing },
      });
      const error = thrown(() => config.getEntry("remote_storage")) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.code).toBe("CONFIG_SECRET_FILE");
      expect(error.message).toContain("S3_SECRET_FILE");
      expect(error.message).toContain(missing);
      expect(error.message).toContain('"remote_storage.secret"');
      expect(error.message).toContain(join(dir, "config.json"));
      const direct = thrown(() =>
        resolveEnvMarkers({ s: "env:S3_SECRET" }, { S3_SECRET_FILE: dir })
      );
      expect((direct as ConfigError).code).toBe("CONFIG_SECRET_FILE"); // a directory
    });
  });

  it("the file comes before a :-fallback, which still applies when neither is set", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "pw.txt": "from-file\n" });
      const value = { a: "env:PW:-fallback" };
      expect(resolveEnvMarkers(value, { PW_FILE: join(dir, "pw.txt") })).toEqual({
        a: "from-file",
      });
      expect(resolveEnvMarkers(value, {})).toEqual({ a: "fallback" });
    });
  });
});
