import { describe, it } from "node:test";
import { join, relative } from "node:path";
import process from "node:process";
import { expect } from "expect";
import { ConfigError } from "../../errors.ts";
import { loadConfigFiles, loadConfigLayers } from "../../config/mod.ts";
import { FIXTURE_FILES, FIXTURES, thrown, withTempDir, writeFiles } from "./_helpers.ts";

function syntaxErrorOf(name: string, content: string): ConfigError {
  return withTempDir((dir) => {
    writeFiles(dir, { [name]: content });
    const error = thrown(() => loadConfigFiles(dir, [name]));
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  });
}

describe("loadConfigFiles", () => {
  it("mixes JSON and YAML in one hierarchy; later files win and objects merge deeply", () => {
    const config = loadConfigFiles(FIXTURES, FIXTURE_FILES);
    expect(config.entry_1).toBe("val_1");
    expect(config.entry_2).toBe("local_val_2");
    expect(config.nested).toMatchObject({
      a: 1,
      b: "env:ACCSR_TEST_X",
      c: 3,
      deeper: { kept: "from json", replaced: "from yaml" },
    });
  });

  it("replaces arrays, replaces scalars by objects and lets null override", () => {
    const config = loadConfigFiles(FIXTURES, FIXTURE_FILES);
    expect(config.list).toEqual([4]);
    expect(config.scalar_then_object).toEqual({ now: "an object" });
    expect(config.object_then_scalar).toBe("a scalar now");
    expect(config.overridden_by_null).toBeNull();
  });

  it("skips missing files", () => {
    const config = loadConfigFiles(FIXTURES, ["nope.json", "config.json", "missing_local.yml"]);
    expect(config.entry_2).toBe("val_2");
  });

  it("reads .yaml files as YAML", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "a.yaml": "x:\n  y: [1, 2]\n" });
      expect(loadConfigFiles(dir, ["a.yaml"])).toEqual({ x: { y: [1, 2] } });
    });
  });

  it("resolves a relative directory against the working directory", () => {
    const config = loadConfigFiles(relative(process.cwd(), FIXTURES), ["config.json"]);
    expect(config.entry_1).toBe("val_1");
  });

  it("refuses an unsupported extension, even when the file does not exist", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { a: 1 } });
      const error = thrown(() => loadConfigFiles(dir, ["config.json", "missing.ini"]));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain(join(dir, "missing.ini"));
      expect(error.message).toContain(".json, .yaml, .yml or .toml");
      expect(() => loadConfigFiles(dir, ["config.JSON"])).toThrow(ConfigError);
    });
  });

  it("throws a ConfigError listing the paths tried when no file exists", () => {
    withTempDir((dir) => {
      const error = thrown(() => loadConfigFiles(dir, ["config.json", "config_local.yml"]));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe("CONFIG_NOT_FOUND");
      expect(error.message).toContain(JSON.stringify(join(dir, "config.json")));
      expect(error.message).toContain(JSON.stringify(join(dir, "config_local.yml")));
    });
  });

  it("throws a ConfigError when the files exist but merge to {}", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": "{}", "config_local.yml": "" });
      expect(() => loadConfigFiles(dir, ["config.json", "config_local.yml"])).toThrow(
        /no configuration entries could be read/,
      );
    });
  });

  it("throws a ConfigError when given no files at all", () => {
    withTempDir((dir) => {
      expect(() => loadConfigFiles(dir, [])).toThrow(ConfigError);
    });
  });

  it("treats an empty YAML file, or one with only comments, as {}", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "a.json": { a: 1 }, "empty.yml": "", "comments.yaml": "# nothing\n" });
      expect(loadConfigFiles(dir, ["a.json", "empty.yml", "comments.yaml"])).toEqual({ a: 1 });
    });
  });

  it("refuses an empty JSON file with a ConfigError naming it", () => {
    const error = syntaxErrorOf("config.json", "  \n");
    expect(error.message).toContain("config.json");
    expect(error.message).toContain("empty");
  });

  for (
    const [name, content, kind] of [
      ["list.json", "[1, 2]", "an array"],
      ["scalar.json", '"text"', "a string"],
      ["null.json", "null", "null"],
      ["list.yml", "- a\n- b\n", "an array"],
      ["scalar.yaml", "just text\n", "a string"],
    ]
  ) {
    it(`refuses a top level that is not an object (${name}) naming the file`, () => {
      withTempDir((dir) => {
        writeFiles(dir, { [name]: content });
        const error = thrown(() => loadConfigFiles(dir, [name])) as ConfigError;
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.file).toBe(join(dir, name));
        expect(error.message).toContain(`"${join(dir, name)}"`);
        expect(error.message).toContain(`the top level is ${kind}, not an object`);
      });
    });
  }

  it("reports malformed JSON with file, line and column", () => {
    const error = syntaxErrorOf("config.json", '{\n  "a": 1,\n  "b": x\n}\n');
    expect(error.file).toMatch(/config\.json$/);
    expect([error.line, error.column]).toEqual([3, 8]);
    expect(error.message).toMatch(/^Cannot read config file ".*config\.json": line 3, column 8: /);
    expect(error.message).toContain("unexpected character 'x'");
  });

  it("locates JSON errors that V8 reports without a position", () => {
    const trailingComma = syntaxErrorOf("c.json", '{\n  "a": 1,\n}');
    expect([trailingComma.line, trailingComma.column]).toEqual([3, 1]);
    const missingComma = syntaxErrorOf("c.json", '{"a": 1\n "b": 2}');
    expect([missingComma.line, missingComma.column]).toEqual([2, 2]);
    const unterminated = syntaxErrorOf("c.json", '{"a": "abc');
    expect(unterminated.message).toContain("line 1, column 11: unterminated string");
    const truncated = syntaxErrorOf("c.json", '{"a": ');
    expect(truncated.message).toContain("line 1, column 7: unexpected end of file");
    const trailing = syntaxErrorOf("c.json", '{"a": 1} x');
    expect(trailing.message).toContain("line 1, column 10: unexpected content after the JSON");
  });

  it("reports malformed YAML with file, line and column", () => {
    const error = syntaxErrorOf("config_local.yml", "a: 1\nb:\n  c: [1, 2\nd: 3\n");
    expect(error.file).toMatch(/config_local\.yml$/);
    expect(error.line).toBe(4);
    expect(error.column).toBe(1);
    expect(error.message).toMatch(
      /^Cannot read config file ".*config_local\.yml": line 4, column 1: .+ \(fix the syntax\)$/,
    );
  });

  it("refuses duplicate YAML keys and unknown YAML tags with their position", () => {
    expect(syntaxErrorOf("a.yml", "a: 1\na: 2\n").message).toContain("line 2, column 1");
    expect(syntaxErrorOf("a.yml", "a: !custom x\n").message).toContain("line 1, column 4");
  });

  it("supports YAML anchors, aliases and merge keys", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "a.yml": "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n" });
      expect(loadConfigFiles(dir, ["a.yml"])).toEqual({
        base: { x: 1, y: 2 },
        derived: { x: 1, y: 3 },
      });
    });
  });

  it("accepts a UTF-8 byte order mark", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "a.json": '\uFEFF{"a": 1}', "b.yml": "\uFEFFb: 2\n" });
      expect(loadConfigFiles(dir, ["a.json", "b.yml"])).toEqual({ a: 1, b: 2 });
    });
  });
});

describe("loadConfigLayers", () => {
  it("returns one layer per existing file, in order, with absolute paths", () => {
    const layers = loadConfigLayers(FIXTURES, ["config.json", "missing.json", "config_local.yml"]);
    expect(layers.map((l) => l.file)).toEqual([
      join(FIXTURES, "config.json"),
      join(FIXTURES, "config_local.yml"),
    ]);
    expect(layers[1].data.entry_2).toBe("local_val_2");
    expect(layers[0].data.entry_2).toBe("val_2");
  });

  it("rejects a single string instead of a list of files", () => {
    expect(() => loadConfigLayers(FIXTURES, "config.json" as unknown as string[])).toThrow(
      TypeError,
    );
  });
});
