import { describe, it } from "node:test";
import { join } from "node:path";
import process from "node:process";
import { expect } from "expect";
import { ConfigError } from "../../errors.ts";
import { ConfigurationBase, loadEnvFiles } from "../../config/mod.ts";
import { thrown, withTempDir, writeFiles } from "./_helpers.ts";

const DOTENV = [
  "# a comment",
  "ACCSR_T21_BUCKET=from-dotenv",
  'ACCSR_T21_QUOTED="two words" # comment',
  "export ACCSR_T21_EXPORTED=yes",
  "ACCSR_T21_MULTI='line one",
  "line two'",
  "ACCSR__REMOTE_STORAGE__REGION=eu-1",
  "ACCSR_PROFILE=ci",
  "",
].join("\n");

describe(".env files (envFiles)", () => {
  it("resolve env: markers, overrides and the profile of this configuration only", () => {
    withTempDir((dir) => {
      writeFiles(dir, {
        "config.json": {
          remote_storage: { bucket: "env:ACCSR_T21_BUCKET", region: "x" },
          quoted: "env:ACCSR_T21_QUOTED",
          exported: "env:ACCSR_T21_EXPORTED",
          multi: "env:ACCSR_T21_MULTI",
        },
        "config.ci.json": { from_profile: true },
        ".env": DOTENV,
      });
      const before = { ...process.env };
      const config = new ConfigurationBase({ configDirectory: dir, envFiles: [".env"] });
      expect(config.getEntry(["remote_storage", "bucket"])).toBe("from-dotenv");
      expect(config.getEntry(["remote_storage", "region"])).toBe("eu-1");
      expect(config.getEntry("quoted")).toBe("two words");
      expect(config.getEntry("exported")).toBe("yes");
      expect(config.getEntry("multi")).toBe("line one\nline two");
      expect(config.getEntry("from_profile")).toBe(true);
      expect(config.loadedEnvFiles).toEqual([join(dir, ".env")]);
      // never written to process.env
      expect(process.env.ACCSR_T21_BUCKET).toBeUndefined();
      expect(process.env.ACCSR_PROFILE).toBe(before.ACCSR_PROFILE);
      expect({ ...process.env }).toEqual(before);
      // and not seen by another configuration of the same directory
      const other = new ConfigurationBase({ configDirectory: dir, env: {} });
      expect(other.getEntry(["remote_storage", "bucket"])).toBeUndefined();
    });
  });

  it("the real environment wins over them; later files win over earlier ones", () => {
    withTempDir((dir) => {
      writeFiles(dir, {
        "config.json": { a: "env:ACCSR_T21_A", b: "env:ACCSR_T21_B", c: "env:ACCSR_T21_C" },
        ".env": "ACCSR_T21_A=file1\nACCSR_T21_B=file1\nACCSR_T21_C=file1\n",
        ".env.local": "ACCSR_T21_B=file2\nACCSR_T21_C=file2\n",
      });
      const config = new ConfigurationBase({
        configDirectory: dir,
        envFiles: [".env", ".env.local", ".env.missing"],
        env: { ACCSR_T21_C: "real" },
      });
      expect(config.getEntry("a")).toBe("file1");
      expect(config.getEntry("b")).toBe("file2");
      expect(config.getEntry("c")).toBe("real");
    });
  });

  it("parse errors name the file and the line, never the line's content", () => {
    withTempDir((dir) => {
      const cases: [string, number][] = [
        ["A=1\nthis-is-a-pasted-secret\n", 2],
        ['A=1\nB="never closed\nC=3\n', 2],
        ['A="esc\\"aped"\n', 1],
        ['A="x"trailing\n', 1],
      ];
      for (const [text, line] of cases) {
        writeFiles(dir, { ".env": text });
        const error = thrown(() => loadEnvFiles(dir, [".env"])) as ConfigError;
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.code).toBe("CONFIG_SYNTAX");
        expect(error.file).toBe(join(dir, ".env"));
        expect(error.line).toBe(line);
        expect(error.message).toContain(`"${join(dir, ".env")}": line ${line}:`);
        expect(error.message).not.toContain("pasted-secret");
      }
    });
  });
});
