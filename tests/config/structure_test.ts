/**
 * Config files that parse but must not load: nesting deeper than 1,000 levels (JSON, YAML)
 * and duplicate keys in one JSON object — each a `ConfigError` with code `CONFIG_SYNTAX`
 * naming the file (and, for JSON, the line and column), like YAML's duplicate keys.
 */
import { describe, it } from "node:test";
import { expect } from "expect";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../errors.ts";
import { ConfigurationBase, loadConfigFiles } from "../../config/mod.ts";
import { runCli } from "../cli/_helpers.ts";

function withFile(
  name: string,
  text: string,
  fn: (dir: string, file: string) => void | Promise<void>,
) {
  const dir = mkdtempSync(join(tmpdir(), "accsr-structure-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return Promise.resolve(fn(dir, file)).finally(() =>
    rmSync(dir, { recursive: true, force: true })
  );
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("config structure: depth limit and duplicate keys", () => {
  it("JSON nested 100,000 levels deep is CONFIG_SYNTAX naming the file, not a stack overflow", async () => {
    const deep = '{"a": ' + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    await withFile("config.json", deep, (dir, file) => {
      const e = configErrorOf(() => loadConfigFiles(dir, ["config.json"]));
      expect(e.code).toBe("CONFIG_SYNTAX");
      expect(e.file).toBe(file);
      expect(e.message).toContain(file);
      expect(e.message).toContain("nested deeper than 1000 levels");
      expect(e.line).toBe(1);
    });
  });

  it("1,000 levels are fine", async () => {
    const ok = "[".repeat(999) + "]".repeat(999);
    await withFile("config.json", `{"a": ${ok}}`, (dir) => {
      expect(loadConfigFiles(dir, ["config.json"]).a).toBeDefined();
    });
  });

  it("YAML nested too deeply is CONFIG_SYNTAX naming the file", async () => {
    const deep = "a: " + "[".repeat(5_000) + "]".repeat(5_000) + "\n";
    await withFile("config.yaml", deep, (dir, file) => {
      const e = configErrorOf(() => loadConfigFiles(dir, ["config.yaml"]));
      expect(e.code).toBe("CONFIG_SYNTAX");
      expect(e.message).toContain(file);
    });
  });

  it("a duplicate key in a JSON object is an error naming the key, line and file", async () => {
    const text =
      '{\n  "remote_storage": {\n    "bucket": "ours",\n    "bucket": "theirs"\n  }\n}\n';
    await withFile("config.json", text, (dir, file) => {
      const e = configErrorOf(() => new ConfigurationBase({ configDirectory: dir }));
      expect(e.code).toBe("CONFIG_SYNTAX");
      expect(e.file).toBe(file);
      expect(e.line).toBe(4);
      expect(e.column).toBe(5);
      expect(e.message).toContain(`"${file}": line 4, column 5: duplicate key "bucket"`);
    });
  });

  it("escaped spellings of one key are duplicates; equal keys in different objects and equal strings in lists are not", async () => {
    await withFile("config.json", '{"a": 1, "\\u0061": 2}', (dir) => {
      expect(configErrorOf(() => loadConfigFiles(dir, ["config.json"])).message).toContain(
        'duplicate key "a"',
      );
    });
    await withFile(
      "config.json",
      '{"x": {"k": 1}, "y": {"k": 2}, "l": ["k", "k", {"k": 3}], "s": "{\\"k\\": 1, \\"k\\": 2}"}',
      (dir) => {
        expect(loadConfigFiles(dir, ["config.json"]).y).toEqual({ k: 2 });
      },
    );
  });

  it("CLI: accsr config names the file of a duplicate key (exit 1)", async () => {
    await withFile(
      "config.json",
      '{"remote_storage": {"bucket": "a", "bucket": "b"}}',
      async (dir, file) => {
        const r = await runCli(["config"], { cwd: dir });
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(file);
        expect(r.stderr).toContain('duplicate key "bucket"');
      },
    );
  });
});
