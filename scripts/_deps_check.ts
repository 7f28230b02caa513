/**
 * Pure logic of `scripts/check_deps.ts`: which import specifiers library code may use, and
 * which entries of the `deno.json` imports and `tools/package.json` dependencies are unused.
 * No Deno APIs, so the unit tests run anywhere.
 *
 * @module
 */
import { findImportSpecifiers, parseNpmSpecifier } from "./_npm_util.ts";

/** A file of the project: its root-relative path (with `/`) and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

/** What the checks look at. */
export interface DepsInput {
  /** TypeScript/JavaScript sources (and notebook code) of the whole project. */
  sources: SourceFile[];
  /** Other text files that may start dev tools (shell scripts, CI files, `deno.json`). */
  toolFiles: SourceFile[];
  /** `deno.json` `imports`. */
  imports: Record<string, string>;
  /** `tools/package.json` `dependencies` + `devDependencies`. */
  toolDependencies: Record<string, string>;
  /** Binaries of each tool package (from `tools/package-lock.json`), by package name. */
  toolBins: Record<string, string[]>;
}

/**
 * Whether a root-relative path is library or CLI code, which must resolve without our
 * `deno.json` (it is imported by URL): everything but tests, scripts, examples, tools.
 *
 * @example
 * ```ts
 * import { isLibrarySource } from "./_deps_check.ts";
 * isLibrarySource("storage/stores/s3.ts"); // true
 * isLibrarySource("tests/storage/s3_store_test.ts"); // false
 * ```
 */
export function isLibrarySource(path: string): boolean {
  return /\.(ts|tsx|mts|js|mjs)$/.test(path) &&
    !/^(tests|scripts|examples|tools|npm|node_modules|tmp|docs|\.ci)\//.test(path);
}

/**
 * Specifiers a module imports, including `// @ts-types="…"` directives.
 *
 * @example
 * ```ts
 * import { importsOf } from "./_deps_check.ts";
 * importsOf('// @ts-types="npm:@types/a@^1"\nimport a from "npm:a@^1";').map((i) => i.specifier);
 * // ["npm:@types/a@^1", "npm:a@^1"]
 * ```
 */
export function importsOf(text: string): { specifier: string; line: number }[] {
  const found = findImportSpecifiers(text).filter((i) => !i.specifier.startsWith("types:"));
  const lineOf = (index: number) => text.slice(0, index).split("\n").length;
  for (const m of text.matchAll(/^\s*\/\/\s*@ts-types\s*=\s*["']([^"']+)["']/gm)) {
    found.push({ specifier: m[1], line: lineOf(m.index) });
  }
  return found.sort((a, b) => a.line - b.line);
}

/** The code of a notebook's code cells, joined (a non-notebook is returned as is). */
export function codeOf(file: SourceFile): string {
  if (!file.path.endsWith(".ipynb")) return file.text;
  try {
    const nb = JSON.parse(file.text) as { cells?: { cell_type: string; source: string[] }[] };
    return (nb.cells ?? []).filter((c) => c.cell_type === "code")
      .map((c) => Array.isArray(c.source) ? c.source.join("") : String(c.source)).join("\n");
  } catch {
    return "";
  }
}

/**
 * Problems: bare specifiers in library code, `npm:` specifiers without a range or with another
 * range than `deno.json`, unused `deno.json` imports and unused `tools/package.json` packages.
 *
 * @example
 * ```ts
 * import { checkDependencies } from "./_deps_check.ts";
 * checkDependencies({
 *   sources: [{ path: "mod.ts", text: 'import YAML from "yaml";' }],
 *   toolFiles: [],
 *   imports: { yaml: "npm:yaml@^2.9.1" },
 *   toolDependencies: {},
 *   toolBins: {},
 * }); // ['mod.ts:1: bare specifier "yaml" …']
 * ```
 */
export function checkDependencies(input: DepsInput): string[] {
  const problems: string[] = [];
  const mapped = new Map<string, { name: string; range?: string }>();
  for (const [key, value] of Object.entries(input.imports)) {
    const npm = parseNpmSpecifier(value);
    if (npm) mapped.set(key, { name: npm.name, range: npm.range });
  }
  const mapKeyOfPackage = new Map([...mapped].map(([k, v]) => [v.name, k]));
  const usedKeys = new Set<string>();
  let usesNodeBuiltins = false;

  for (const file of input.sources) {
    const library = isLibrarySource(file.path);
    for (const { specifier, line } of importsOf(codeOf(file))) {
      const where = `${file.path}:${line}`;
      if (specifier.startsWith("node:")) {
        usesNodeBuiltins = true;
        continue;
      }
      if (/^\.\.?\//.test(specifier)) {
        if (library && !/\.(ts|tsx|mts|js|mjs|json)$/.test(specifier)) {
          problems.push(`${where}: relative import "${specifier}" needs its file extension`);
        }
        continue;
      }
      const npm = specifier.startsWith("npm:") ? parseNpmSpecifier(specifier) : undefined;
      if (library && npm?.name.startsWith("@types/")) {
        problems.push(
          `${where}: "${specifier}": @types packages pull @types/node into the module graph and ` +
            `\`deno doc --lint\` then warns ~60 times; type the import with a small local ` +
            `declaration instead (// @ts-types="../_types/x.d.ts", see _types/)`,
        );
      }
      if (npm) {
        const key = mapKeyOfPackage.get(npm.name);
        if (key) usedKeys.add(key);
        if (!npm.range) {
          problems.push(`${where}: "${specifier}" has no version range (write npm:name@^x.y.z)`);
        } else if (!key) {
          problems.push(
            `${where}: "${specifier}": add "${npm.name}": "npm:${npm.name}@${npm.range}" to the ` +
              `deno.json imports (the list of dependencies and their ranges)`,
          );
        } else if (mapped.get(key)!.range !== npm.range) {
          problems.push(
            `${where}: "${specifier}" differs from the deno.json imports ` +
              `("${key}": "${input.imports[key]}"): use one range everywhere`,
          );
        }
        continue;
      }
      if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) {
        if (library) problems.push(`${where}: "${specifier}" cannot be used by library code`);
        continue;
      }
      // bare: resolved by the deno.json import map only
      const key = Object.keys(input.imports).find((k) =>
        specifier === k || specifier.startsWith(k.endsWith("/") ? k : `${k}/`)
      );
      if (key) usedKeys.add(key);
      if (library) {
        const target = key ? input.imports[key] : undefined;
        problems.push(
          `${where}: bare specifier "${specifier}" resolves only through our deno.json (library ` +
            `code is imported by URL): write ${target ? `"${target}"` : "npm:name@range"} instead`,
        );
      }
    }
  }
  for (const [key, target] of Object.entries(input.imports)) {
    if (usedKeys.has(key)) continue;
    const npm = mapped.get(key);
    if (npm?.name.startsWith("@types/")) {
      // @types/x types x; @types/node types the node: built-ins (the npm build needs it)
      const typed = npm.name.slice("@types/".length).replace("__", "/");
      const typedName = typed.includes("/") ? `@${typed}` : typed;
      const typedKey = mapKeyOfPackage.get(typedName);
      if (typedName === "node" ? usesNodeBuiltins : typedKey && usedKeys.has(typedKey)) continue;
    }
    problems.push(`deno.json: import "${key}" (${target}) is not used by any module: remove it`);
  }
  for (const name of Object.keys(input.toolDependencies)) {
    const words = [name, ...(input.toolBins[name] ?? [])];
    const used = input.toolFiles.some((f) =>
      words.some((w) =>
        new RegExp(`(?<![\\w.-])${w.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(?![\\w-])`).test(
          f.text,
        )
      )
    );
    if (!used) {
      problems.push(
        `tools/package.json: "${name}" (binaries: ${
          input.toolBins[name]?.join(", ") || "none"
        }) is not used by any script: remove it`,
      );
    }
  }
  return problems;
}
