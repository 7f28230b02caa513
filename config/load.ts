/**
 * Reading configuration files (JSON, YAML and TOML) and merging them in order.
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join, resolve } from "node:path";
import process from "node:process";
import { ConfigError } from "../errors.ts";
import { describeType, isPlainObject } from "./_objects.ts";
import { findJsonSyntaxError, lineAndColumn } from "./_json_error.ts";
import { checkJsonStructure, MAX_CONFIG_DEPTH, nestingDepth } from "./_json_checks.ts";
import { deepMerge } from "./merge.ts";
import { parseToml } from "./toml.ts";

/**
 * The content of one configuration file that exists; see {@linkcode loadConfigLayers}.
 *
 * @example
 * ```ts
 * import { loadConfigLayers } from "accsr/config";
 * for (const layer of loadConfigLayers(".", ["config.json"])) console.log(layer);
 * ```
 */
export interface ConfigLayer {
  /** Absolute path of the file. */
  file: string;
  /** Its parsed content (an empty YAML file gives `{}`). */
  data: Record<string, unknown>;
}

/** The extensions a configuration file may have (case-sensitive, as in accsr). */
const PARSERS = new Map<string, (text: string, file: string) => unknown>([
  [".json", parseJson],
  [".yaml", parseYaml],
  [".yml", parseYaml],
  [".toml", parseToml],
]);

/**
 * Reads the configuration files that exist, in order, and returns one layer per file.
 *
 * Each name is resolved against `directory` (itself resolved against the working directory;
 * an absolute name is used as it is). Missing files are skipped. The extension must be
 * `.json`, `.yaml`, `.yml` or `.toml` — otherwise a `ConfigError` is thrown even if the file does not
 * exist, before anything is read. A file that cannot be parsed, or whose top level is not an
 * object, throws a `ConfigError` naming the file (and the line and column of a syntax error).
 *
 * @param directory The directory the file names are relative to.
 * @param files File names, lowest precedence first.
 * @returns The layers of the files that exist, in the order of `files`.
 *
 * @example
 * ```ts
 * import { loadConfigLayers } from "accsr/config";
 * for (const layer of loadConfigLayers(".", ["config.json", "config_local.yml"])) {
 *   console.log(layer.file, Object.keys(layer.data));
 * }
 * ```
 */
export function loadConfigLayers(directory: string, files: readonly string[]): ConfigLayer[] {
  if (typeof files === "string") {
    throw new TypeError(`configFiles must be an array of file names, got the string "${files}"`);
  }
  const paths = files.map((name) => resolve(directory, name));
  for (const file of paths) parserFor(file);
  const layers: ConfigLayer[] = [];
  for (const file of paths) {
    const data = readConfigFile(file);
    if (data !== undefined) layers.push({ file, data });
  }
  return layers;
}

/**
 * Reads the configuration files that exist and deep-merges them, later files winning (see
 * {@linkcode deepMerge}: objects merge, arrays and scalars are replaced).
 *
 * Throws a `ConfigError` (code `CONFIG_NOT_FOUND`) listing the paths tried when nothing was
 * read: no file exists, or they all merge to `{}`. See {@linkcode loadConfigLayers} for the
 * other errors.
 *
 * @param directory The directory the file names are relative to.
 * @param files File names, lowest precedence first; JSON, YAML and TOML can be mixed.
 * @returns The merged configuration, `"env:"` markers not resolved.
 *
 * @example
 * ```ts
 * import { loadConfigFiles } from "accsr/config";
 * const config = loadConfigFiles(".", ["config.json", "config_local.json"]);
 * console.log(config);
 * ```
 */
export function loadConfigFiles(directory: string, files: readonly string[]): Record<
  string,
  unknown
> {
  return mergeLayers(loadConfigLayers(directory, files), directory, files);
}

/**
 * Merges layers read by {@linkcode loadConfigLayers}; throws the `CONFIG_NOT_FOUND`
 * `ConfigError` of {@linkcode loadConfigFiles} when the result is empty.
 *
 * @example
 * ```ts
 * import { mergeLayers } from "./load.ts";
 * const merged = mergeLayers([{ file: "/p/a.json", data: { a: 1 } }], "/p", ["a.json"]);
 * console.log(merged); // { a: 1 }
 * ```
 */
export function mergeLayers(
  layers: readonly ConfigLayer[],
  directory: string,
  files: readonly string[],
): Record<string, unknown> {
  const merged = layers.reduce<Record<string, unknown>>((acc, l) => deepMerge(acc, l.data), {});
  if (Object.keys(merged).length === 0) {
    const tried = files.map((name) => JSON.stringify(resolve(directory, name))).join(", ");
    throw new ConfigError(
      `Cannot load configuration "${resolve(directory)}": no configuration entries could be ` +
        `read from [${tried}] (create one of these files or pass another configDirectory)`,
      { code: "CONFIG_NOT_FOUND" },
    );
  }
  return merged;
}

/**
 * Reads and parses one configuration file by its extension; `undefined` when it does not
 * exist. Throws a `ConfigError` for an unsupported extension, a syntax error (with `line` and
 * `column`), an empty JSON file or a top level that is not an object. An empty YAML file
 * (or one holding only comments or `null`) gives `{}`.
 *
 * @param file Path of a `.json`, `.yaml`, `.yml` or `.toml` file.
 * @returns The parsed object, or `undefined` for a missing file.
 *
 * @example
 * ```ts
 * import { readConfigFile } from "./load.ts";
 * console.log(readConfigFile("/nonexistent/config.yml")); // undefined
 * ```
 */
export function readConfigFile(file: string): Record<string, unknown> | undefined {
  const parse = parserFor(file);
  const path = resolve(file);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return undefined;
  let text: string;
  try {
    if (!stat.isFile()) throw new Error("not a regular file");
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(
      `Cannot read config file "${path}": ${(e as Error).message} (check the path and permissions)`,
      { file: path, cause: e },
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const data = parseWithinDepth(parse, text, path);
  if (!isPlainObject(data)) {
    throw new ConfigError(
      `Cannot read config file "${path}": the top level is ${
        describeType(data)
      }, not an object (put the entries in an object)`,
      { file: path, code: "CONFIG_NOT_AN_OBJECT" },
    );
  }
  return data;
}

function parserFor(file: string): (text: string, file: string) => unknown {
  const parse = PARSERS.get(extname(file));
  if (parse === undefined) {
    throw new ConfigError(
      `Cannot read config file "${
        resolve(file)
      }": unsupported file type (use .json, .yaml, .yml or .toml)`,
      { file: resolve(file), code: "CONFIG_UNSUPPORTED_TYPE" },
    );
  }
  return parse;
}

function syntaxError(file: string, line: number, column: number, reason: string): ConfigError {
  return new ConfigError(
    `Cannot read config file "${file}": line ${line}, column ${column}: ${reason} (fix the syntax)`,
    { file, line, column, code: "CONFIG_SYNTAX" },
  );
}

/**
 * Parses, then refuses nesting deeper than {@linkcode MAX_CONFIG_DEPTH} (as `CONFIG_SYNTAX`
 * naming the file), also when the parser itself ran out of stack.
 */
function parseWithinDepth(
  parse: (text: string, file: string) => unknown,
  text: string,
  file: string,
): unknown {
  const tooDeep = (cause?: unknown) =>
    new ConfigError(
      `Cannot read config file "${file}": objects and lists are nested deeper than ${MAX_CONFIG_DEPTH} levels (flatten the configuration)`,
      { file, cause, code: "CONFIG_SYNTAX" },
    );
  let data: unknown;
  try {
    data = parse(text, file);
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(e); // "Maximum call stack size exceeded"
    throw e;
  }
  if (nestingDepth(data) > MAX_CONFIG_DEPTH) throw tooDeep();
  return data;
}

function parseJson(text: string, file: string): unknown {
  if (text.trim() === "") {
    throw new ConfigError(
      `Cannot read config file "${file}": the file is empty (write a JSON object, e.g. {})`,
      { file, code: "CONFIG_SYNTAX" },
    );
  }
  // before JSON.parse: its recursion (and ours after it) must never see 100,000 levels
  const structure = checkJsonStructure(text);
  if (structure.depth !== undefined) {
    const d = structure.depth;
    throw syntaxError(file, d.line, d.column, d.reason);
  }
  try {
    const data = JSON.parse(text);
    const dup = structure.duplicate;
    // JSON.parse keeps the last of duplicate keys silently; YAML refuses them, so do we
    if (dup !== undefined) throw syntaxError(file, dup.line, dup.column, dup.reason);
    return data;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const where = findJsonSyntaxError(text);
    if (where === undefined) {
      throw new ConfigError(
        `Cannot read config file "${file}": ${(e as Error).message} (fix the syntax)`,
        { file, cause: e, code: "CONFIG_SYNTAX" },
      );
    }
    throw syntaxError(file, where.line, where.column, where.reason);
  }
}

type Yaml = Pick<typeof import("npm:yaml@^2.9.1"), "parseDocument">;
let yamlModule: Yaml | undefined;

/**
 * Loads the YAML parser ahead of time (asynchronously). Optional: configuration loading is
 * synchronous and loads it on the first YAML file (a run without YAML files never loads it,
 * which saves most of the module-loading time of a CLI start).
 *
 * @example
 * ```ts
 * import { preloadYaml } from "./load.ts";
 * await preloadYaml();
 * ```
 */
export async function preloadYaml(): Promise<void> {
  yamlModule ??= await import("npm:yaml@^2.9.1");
}

/** The YAML parser, loaded synchronously on first use. */
function yaml(): Yaml {
  if (yamlModule !== undefined) return yamlModule;
  // `require` of the package, relative to this module (Node, Deno with a local file), else to
  // the working directory (Deno importing this module by URL: its npm resolver knows the
  // package from the `import()` in `preloadYaml`).
  const bases = [import.meta.url, join(process.cwd(), "accsr-config.js")];
  let failure: unknown;
  for (const base of bases) {
    try {
      yamlModule = createRequire(base)("yaml") as Yaml;
      return yamlModule;
    } catch (e) {
      failure ??= e;
    }
  }
  throw new ConfigError(
    `Cannot read YAML config files: the "yaml" package cannot be loaded (${
      (failure as Error)?.message
    }); install the package's dependencies, or call preloadYaml() first`,
    { code: "CONFIG_UNSUPPORTED_TYPE", cause: failure },
  );
}

function parseYaml(text: string, file: string): unknown {
  const doc = yaml().parseDocument(text, { merge: true, prettyErrors: false });
  // Warnings (e.g. an unknown tag) are errors too: PyYAML's safe_load rejects such files.
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    const reason = problem.message.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
    const { line, column } = lineAndColumn(text, problem.pos[0]);
    throw syntaxError(file, line, column, reason);
  }
  try {
    return doc.toJS() ?? {}; // an empty file, only comments, or `null`
  } catch (e) {
    throw new ConfigError(
      `Cannot read config file "${file}": ${(e as Error).message} (simplify the YAML)`,
      { file, cause: e, code: "CONFIG_SYNTAX" },
    );
  }
}
