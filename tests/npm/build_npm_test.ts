// Unit tests of the pure helpers of scripts/build_npm.ts. (The end-to-end test of the npm
// package is scripts/test_npm.sh; this folder is not compiled into the Node test build.)
import { describe, it } from "node:test";
import { expect } from "expect";
import {
  blankComments,
  findImportSpecifiers,
  packageNameOf,
  parseJsonc,
  parseNpmSpecifier,
  rewriteDtsSpecifiers,
  rewriteNpmSpecifiers,
  usesDenoApi,
} from "../../scripts/_npm_util.ts";

describe("blankComments", () => {
  it("blanks line and block comments but keeps newlines and strings", () => {
    const src = "a(); // Deno.exit()\n/* x\n y */ b(\"//\", '/*');";
    const out = blankComments(src);
    expect(out.length).toBe(src.length);
    expect(out.split("\n").length).toBe(3);
    expect(out).not.toContain("Deno");
    expect(out).not.toContain("x");
    expect(out).toContain("b(\"//\", '/*');");
  });

  it("blanks string contents when asked, keeping template expressions", () => {
    const out = blankComments("f(`a ${g('Deno.x')} ${h({ k: 1 })} b`, \"Deno.y\")", {
      strings: true,
    });
    expect(out).not.toContain("Deno");
    expect(out).toContain("${g(");
    expect(out).toContain("${h({ k: 1 })}");
    expect(out).not.toContain(" b`");
  });

  it("does not mistake a regular expression for a comment", () => {
    const out = blankComments("const re = /\\/\\/x[/*]/; Deno.exit(); x = a / b; // c");
    expect(out).toContain("Deno.exit()");
    expect(out).toContain("a / b");
    expect(out).not.toContain(" c");
  });
});

describe("usesDenoApi", () => {
  it("ignores Deno in comments, JSDoc examples and strings", () => {
    expect(usesDenoApi('/**\n * await Deno.writeTextFile("x", "")\n */\nexport const a = 1;')).toBe(
      false,
    );
    expect(usesDenoApi('it("works like Deno.readFile", () => {});')).toBe(false);
    expect(usesDenoApi("const d = (globalThis as any).Deno;")).toBe(false);
  });

  it("detects Deno.x, Deno[x] and typeof Deno in code", () => {
    expect(usesDenoApi("await Deno.makeTempDir();")).toBe(true);
    expect(usesDenoApi('const e = Deno["env"];')).toBe(true);
    expect(usesDenoApi("if (typeof Deno !== 'undefined') {}")).toBe(true);
  });
});

describe("npm specifiers", () => {
  it("parses import map values and Deno's resolved form", () => {
    expect(parseNpmSpecifier("npm:yaml@^2.9.1")).toEqual({
      name: "yaml",
      range: "^2.9.1",
      subpath: "",
    });
    expect(parseNpmSpecifier("npm:/@aws-sdk/client-s3@3.1175.0/dist")).toEqual({
      name: "@aws-sdk/client-s3",
      range: "3.1175.0",
      subpath: "dist",
    });
    expect(parseNpmSpecifier("npm:expect")).toEqual({
      name: "expect",
      range: undefined,
      subpath: "",
    });
    expect(parseNpmSpecifier("jsr:@std/yaml")).toBeUndefined();
  });

  it("finds the package name of a bare specifier", () => {
    expect(packageNameOf("yaml")).toBe("yaml");
    expect(packageNameOf("yaml/util")).toBe("yaml");
    expect(packageNameOf("@aws-sdk/client-s3")).toBe("@aws-sdk/client-s3");
    expect(packageNameOf("@aws-sdk/client-s3/x/y")).toBe("@aws-sdk/client-s3");
  });
});

describe("findImportSpecifiers", () => {
  it("finds static, side-effect, dynamic, require and reference imports, not comments", () => {
    const src = [
      '/// <reference types="node" />',
      'import { a } from "./a.js";',
      "import {",
      "  b,",
      '} from "yaml";',
      '// import { c } from "commented";',
      '/** @example import { d } from "jsr:@accsr/accsr"; */',
      'export * from "./e.js";',
      'import "./side.js";',
      'const f = await import("./f.js");',
      'type G = import("@aws-sdk/client-s3").S3Client;',
      'const h = require("h");',
      'export type { I } from "./i.js";',
    ].join("\n");
    expect(findImportSpecifiers(src)).toEqual([
      { specifier: "types:node", line: 1 },
      { specifier: "./a.js", line: 2 },
      { specifier: "yaml", line: 5 },
      { specifier: "./e.js", line: 8 },
      { specifier: "./side.js", line: 9 },
      { specifier: "./f.js", line: 10 },
      { specifier: "@aws-sdk/client-s3", line: 11 },
      { specifier: "h", line: 12 },
      { specifier: "./i.js", line: 13 },
    ]);
  });
});

describe("rewriteDtsSpecifiers", () => {
  it("rewrites relative TypeScript extensions and leaves the rest alone", () => {
    const src = [
      'export * from "./a.ts";',
      'import type { B } from "../b/mod.ts";',
      'type C = import("./c.mts").C;',
      'export { d } from "./d.d.ts";',
      'import { e } from "yaml";',
      'import { f } from "./f.js";',
      "/** import { g } from './g.ts'; */",
    ].join("\n");
    expect(rewriteDtsSpecifiers(src)).toBe([
      'export * from "./a.js";',
      'import type { B } from "../b/mod.js";',
      'type C = import("./c.mjs").C;',
      'export { d } from "./d.d.ts";',
      'import { e } from "yaml";',
      'import { f } from "./f.js";',
      "/** import { g } from './g.js'; */",
    ].join("\n"));
  });
});

describe("rewriteNpmSpecifiers", () => {
  it("maps npm:name@range (scoped, subpaths, dynamic imports) to the bare package name", () => {
    const src = [
      'import YAML from "npm:yaml@^2.9.1";',
      "import { S3Client } from 'npm:@aws-sdk/client-s3@^3.1169.0';",
      'export * from "npm:@a/b@~1.2/sub/x.js";',
      'const m = await import("npm:cli-progress@^3.12.0");',
      'import x from "npm:nover";',
      'import "./local.ts"; import "node:fs"; const s = "npm: not a specifier";',
    ].join("\n");
    expect(rewriteNpmSpecifiers(src).split("\n")).toEqual([
      'import YAML from "yaml";',
      "import { S3Client } from '@aws-sdk/client-s3';",
      'export * from "@a/b/sub/x.js";',
      'const m = await import("cli-progress");',
      'import x from "nover";',
      'import "./local.ts"; import "node:fs"; const s = "npm: not a specifier";',
    ]);
  });
});

describe("parseJsonc", () => {
  it("accepts comments and trailing commas and keeps // inside strings", () => {
    expect(parseJsonc('{\n  // c\n  "a": "http://x", /* d */\n  "b": [1, 2,],\n}')).toEqual({
      a: "http://x",
      b: [1, 2],
    });
  });
});
