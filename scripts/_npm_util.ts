/**
 * Pure helpers of the npm build (`scripts/build_npm.ts`): a small TypeScript/JavaScript lexer
 * that blanks comments and string contents, npm specifier parsing, import scanning, the
 * `.d.ts` specifier rewrite and JSONC parsing. No Deno APIs, so the unit tests run anywhere.
 *
 * @module
 */

/** Keywords after which a `/` starts a regular expression literal, not a division. */
const REGEX_AFTER_WORD = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

/** Options of {@linkcode blankComments}. */
export interface BlankOptions {
  /** Also blank the contents of string and template literals (quotes are kept). @default false */
  strings?: boolean;
}

/**
 * Replaces comments (and optionally the contents of string literals) with spaces, keeping
 * newlines so that line numbers stay valid. Understands template literals with nested `${}`
 * and, heuristically, regular expression literals.
 *
 * @example
 * ```ts
 * import { blankComments } from "./_npm_util.ts";
 * blankComments('a(); // note').trimEnd(); // "a();"
 * blankComments('b("//");'); // 'b("//");' (strings are kept unless `strings: true`)
 * ```
 */
export function blankComments(src: string, options: BlankOptions = {}): string {
  const blankStrings = options.strings ?? false;
  const out: string[] = [];
  // Brace depth of each `${` expression we are in; the top is the innermost.
  const templateStack: number[] = [];
  let i = 0;
  const n = src.length;
  const blank = (c: string) => (c === "\n" || c === "\r" ? c : " ");
  const prevSignificant = (): string => {
    for (let k = out.length - 1; k >= 0; k--) {
      if (!/\s/.test(out[k])) return out[k];
    }
    return "";
  };
  const prevWord = (): string => {
    let k = out.length - 1;
    while (k >= 0 && /\s/.test(out[k])) k--;
    let w = "";
    while (k >= 0 && /[\w$]/.test(out[k])) w = out[k--] + w;
    return w;
  };
  const readTemplate = () => {
    // at the character after "`" or after the "}" closing a `${}` expression
    while (i < n) {
      const c = src[i];
      if (c === "\\") {
        out.push(blankStrings ? " " : c, blankStrings ? blank(src[i + 1] ?? "") : src[i + 1] ?? "");
        i += 2;
      } else if (c === "`") {
        out.push(c);
        i++;
        return;
      } else if (c === "$" && src[i + 1] === "{") {
        out.push("$", "{");
        i += 2;
        templateStack.push(0);
        return;
      } else {
        out.push(blankStrings ? blank(c) : c);
        i++;
      }
    }
  };
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === "/" && d === "/") {
      while (i < n && src[i] !== "\n") out.push(blank(src[i++]));
    } else if (c === "/" && d === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      while (i < stop) out.push(blank(src[i++]));
    } else if (c === '"' || c === "'") {
      out.push(c);
      i++;
      while (i < n && src[i] !== c && src[i] !== "\n") {
        if (src[i] === "\\") {
          out.push(blankStrings ? " " : "\\");
          i++;
        }
        if (i < n) out.push(blankStrings ? blank(src[i]) : src[i]);
        i++;
      }
      if (i < n) out.push(src[i++]);
    } else if (c === "`") {
      out.push(c);
      i++;
      readTemplate();
    } else if (c === "{" && templateStack.length > 0) {
      templateStack[templateStack.length - 1]++;
      out.push(c);
      i++;
    } else if (c === "}" && templateStack.length > 0) {
      out.push(c);
      i++;
      if (templateStack[templateStack.length - 1] === 0) {
        templateStack.pop();
        readTemplate();
      } else {
        templateStack[templateStack.length - 1]--;
      }
    } else if (c === "/") {
      const p = prevSignificant();
      const isRegex = p === "" || "(,=:[!&|?{};+-*%<>~^".includes(p) ||
        REGEX_AFTER_WORD.has(prevWord());
      out.push(c);
      i++;
      if (isRegex) {
        let inClass = false;
        while (i < n && src[i] !== "\n") {
          const r = src[i];
          if (r === "\\") {
            out.push(
              blankStrings ? " " : r,
              blankStrings ? blank(src[i + 1] ?? "") : src[i + 1] ?? "",
            );
            i += 2;
            continue;
          }
          if (r === "[") inClass = true;
          else if (r === "]") inClass = false;
          else if (r === "/" && !inClass) break;
          out.push(blankStrings ? blank(r) : r);
          i++;
        }
        if (i < n && src[i] === "/") out.push(src[i++]);
      }
    } else {
      out.push(c);
      i++;
    }
  }
  return out.join("");
}

/**
 * Whether a module's code (comments and string contents ignored) uses the `Deno` global:
 * `Deno.x`, `Deno["x"]` or `typeof Deno`. `globalThis.Deno` lookups (runtime detection) do
 * not count.
 *
 * @example
 * ```ts
 * import { usesDenoApi } from "./_npm_util.ts";
 * usesDenoApi("/** await Deno.readFile(p) *\/ export const x = 1;"); // false
 * usesDenoApi("await Deno.makeTempDir();"); // true
 * ```
 */
export function usesDenoApi(src: string): boolean {
  const code = blankComments(src, { strings: true });
  return /(?<![\w$.])Deno\s*[.[]/.test(code) || /\btypeof\s+Deno\b/.test(code);
}

/** A parsed `npm:` specifier. */
export interface NpmSpecifier {
  name: string;
  /** Version or range, e.g. `^2.9.1`; undefined when the specifier has none. */
  range?: string;
  /** Subpath after the package, without the leading `/`; "" when none. */
  subpath: string;
}

/**
 * Parses `npm:name@range/sub` and Deno's resolved form `npm:/name@1.2.3/sub`.
 *
 * @example
 * ```ts
 * import { parseNpmSpecifier } from "./_npm_util.ts";
 * parseNpmSpecifier("npm:@aws-sdk/client-s3@^3.1/x"); // { name: "@aws-sdk/client-s3", range: "^3.1", subpath: "x" }
 * ```
 */
export function parseNpmSpecifier(specifier: string): NpmSpecifier | undefined {
  const m = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?(?:\/(.*))?$/.exec(specifier);
  if (!m) return undefined;
  return { name: m[1], range: m[2], subpath: m[3] ?? "" };
}

/**
 * The package name of a bare specifier: `yaml/util` → `yaml`, `@a/b/c` → `@a/b`.
 *
 * @example
 * ```ts
 * import { packageNameOf } from "./_npm_util.ts";
 * packageNameOf("@aws-sdk/client-s3/dist"); // "@aws-sdk/client-s3"
 * ```
 */
export function packageNameOf(bare: string): string {
  const parts = bare.split("/");
  return bare.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Whether a specifier is relative (`./x`, `../x`). */
export function isRelative(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../");
}

/** One import found by {@linkcode findImportSpecifiers}. */
export interface FoundImport {
  specifier: string;
  /** 1-based line. */
  line: number;
}

/**
 * Module specifiers a JavaScript or declaration file imports: static `import`/`export … from`,
 * side-effect imports, `import("x")` (dynamic and type-level), `require("x")` and
 * `/// <reference types="x" />` (reported as `types:x`). Comments are ignored.
 *
 * @example
 * ```ts
 * import { findImportSpecifiers } from "./_npm_util.ts";
 * findImportSpecifiers('import { a } from "./a.js";\n// import "b"\nexport * from "c";');
 * // [{ specifier: "./a.js", line: 1 }, { specifier: "c", line: 3 }]
 * ```
 */
export function findImportSpecifiers(src: string): FoundImport[] {
  const found: FoundImport[] = [];
  const lineOf = (index: number) => src.slice(0, index).split("\n").length;
  for (const m of src.matchAll(/^\/\/\/\s*<reference\s+types\s*=\s*["']([^"']+)["']/gm)) {
    found.push({ specifier: `types:${m[1]}`, line: lineOf(m.index) });
  }
  const code = blankComments(src);
  const patterns = [
    /\b(?:import|export)\s[^;"'`]*?\bfrom\s*(["'])([^"'\n]+)\1/g,
    /\bimport\s*(["'])([^"'\n]+)\1/g,
    /\bimport\s*\(\s*(["'])([^"'\n]+)\1/g,
    /\brequire\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g,
  ];
  const seen = new Set<number>();
  for (const re of patterns) {
    for (const m of code.matchAll(re)) {
      const at = m.index + m[0].lastIndexOf(m[2]);
      if (seen.has(at)) continue;
      seen.add(at);
      found.push({ specifier: m[2], line: lineOf(at) });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

/**
 * Rewrites relative `.ts`/`.mts`/`.cts`/`.tsx` specifiers in a declaration file to the emitted
 * extension (`./x.ts` → `./x.js`); `tsc` leaves them as written. `.d.ts` specifiers stay.
 *
 * @example
 * ```ts
 * import { rewriteDtsSpecifiers } from "./_npm_util.ts";
 * rewriteDtsSpecifiers('export * from "./a.ts";\ntype T = import("../b.mts").T;');
 * // 'export * from "./a.js";\ntype T = import("../b.mjs").T;'
 * ```
 */
export function rewriteDtsSpecifiers(src: string): string {
  const ext: Record<string, string> = { ts: "js", tsx: "js", mts: "mjs", cts: "cjs" };
  return src.replace(
    /((?:\bfrom|\bimport|\bimport\s*\(|<reference\s+path\s*=)\s*)(["'])(\.{1,2}\/[^"'\n]*?)\.(tsx?|mts|cts)\2/g,
    (all, pre: string, q: string, base: string, e: string) =>
      /\.d$/.test(base) ? all : `${pre}${q}${base}.${ext[e]}${q}`,
  );
}

/**
 * Rewrites `npm:name@range/sub` string literals (import specifiers) to the bare `name/sub`
 * that Node resolves from `package.json` dependencies. Other strings stay.
 *
 * @example
 * ```ts
 * import { rewriteNpmSpecifiers } from "./_npm_util.ts";
 * rewriteNpmSpecifiers('import YAML from "npm:yaml@^2.9.1";'); // 'import YAML from "yaml";'
 * rewriteNpmSpecifiers('await import("npm:@a/b@~1.2/c.js")'); // 'await import("@a/b/c.js")'
 * ```
 */
export function rewriteNpmSpecifiers(src: string): string {
  return src.replace(
    /(["'])npm:((?:@[^/@"'\s]+\/)?[^/@"'\s]+)(?:@[^/"'\s]+)?(\/[^"'\s]*)?\1/g,
    (_all, q: string, name: string, sub: string | undefined) => `${q}${name}${sub ?? ""}${q}`,
  );
}

/**
 * Parses JSON with comments and trailing commas (`deno.json` may be JSONC).
 *
 * @example
 * ```ts
 * import { parseJsonc } from "./_npm_util.ts";
 * parseJsonc('{ "a": 1, // one\n }'); // { a: 1 }
 * ```
 */
export function parseJsonc(text: string): unknown {
  const code = blankComments(text);
  return JSON.parse(code.replace(/,(\s*[}\]])/g, "$1"));
}
