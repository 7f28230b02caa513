/**
 * Parsing TOML configuration files with the `smol-toml` package (TOML 1.0).
 *
 * @module
 */
// smol-toml is small: importing it costs 1.5–2.8 ms under Deno 2.9 on the CI machine, so it is
// imported eagerly (configuration loading is synchronous; a lazy `import()` would not be).
import { parse, TomlDate, TomlError } from "npm:smol-toml@^1.9.1";
import { ConfigError } from "../errors.ts";
import { mapDeep } from "./_objects.ts";

/** Deepest nesting of tables and arrays accepted (as for JSON and YAML). */
const MAX_DEPTH = 1000;

/**
 * Parses the text of a TOML configuration file into plain objects, arrays and scalars.
 *
 * Dates and times (TOML's offset/local date-times, dates and times) become strings in their
 * TOML notation (`1979-05-27`, `1979-05-27T07:32:00.000Z`), so that a TOML file gives the same
 * merged configuration as the same data written in JSON or YAML. Integers outside JavaScript's
 * safe range are refused rather than rounded. A syntax error throws a `ConfigError` (code
 * `CONFIG_SYNTAX`) naming the file, the line and the column.
 *
 * @param text The content of the file.
 * @param file Absolute path of the file, for messages.
 * @returns The parsed document (always an object: a TOML document is a table).
 *
 * @example
 * ```ts
 * import { parseToml } from "accsr/config";
 * console.log(parseToml('[remote_storage]\nbucket = "b"\n', "/p/config.toml"));
 * // { remote_storage: { bucket: "b" } }
 * ```
 */
export function parseToml(text: string, file: string): Record<string, unknown> {
  let data: Record<string, unknown>;
  try {
    data = parse(text, { maxDepth: MAX_DEPTH });
  } catch (e) {
    if (e instanceof TomlError) {
      // the first line of the message is the reason; the rest is a code excerpt
      const reason = e.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
      throw new ConfigError(
        `Cannot read config file "${file}": line ${e.line}, column ${e.column}: ${reason} ` +
          `(fix the syntax)`,
        { file, line: e.line, column: e.column, code: "CONFIG_SYNTAX", cause: e },
      );
    }
    throw new ConfigError(
      `Cannot read config file "${file}": ${(e as Error).message} (simplify the TOML)`,
      { file, cause: e, code: "CONFIG_SYNTAX" },
    );
  }
  return mapDeep(data, (leaf) => leaf instanceof TomlDate ? leaf.toISOString() : leaf);
}
