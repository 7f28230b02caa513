/**
 * Reading `.env` files (dotenv syntax) for one configuration, without touching `process.env`.
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import * as util from "node:util";
import { ConfigError } from "../errors.ts";

/**
 * The variables read from `.env` files; see {@linkcode loadEnvFiles}.
 *
 * @example
 * ```ts
 * import { loadEnvFiles, type EnvFiles } from "accsr/config";
 * const loaded: EnvFiles = loadEnvFiles("/p", [".env"]);
 * console.log(loaded.files, Object.keys(loaded.values));
 * ```
 */
export interface EnvFiles {
  /** Absolute paths of the files that existed, in order. */
  files: readonly string[];
  /** The variables, later files winning. */
  values: Readonly<Record<string, string>>;
  /** The file each variable came from (the last one that set it). */
  sources: Readonly<Record<string, string>>;
}

/**
 * Reads dotenv-syntax files (`NAME=value`, `export NAME=value`, `#` comments, single, double
 * and backtick quotes, multi-line quoted values, `\n` in double quotes) with Node's built-in
 * parser (`util.parseEnv`, also in Deno). The values are returned, **never** written to
 * `process.env`. Names are resolved against `directory`; missing files are skipped (as missing
 * configuration files are); later files win.
 *
 * A line that is neither blank, a comment nor an assignment, and a quoted value that is never
 * closed, throw a `ConfigError` (code `CONFIG_SYNTAX`) naming the file and the line.
 *
 * @param directory The directory relative names are resolved against.
 * @param files File names, lowest precedence first.
 * @returns The variables and where they came from.
 *
 * @example
 * ```ts
 * import { loadEnvFiles } from "accsr/config";
 * const { values } = loadEnvFiles(".", [".env", ".env.local"]);
 * console.log(values.S3_SECRET !== undefined);
 * ```
 */
export function loadEnvFiles(directory: string, files: readonly string[]): EnvFiles {
  if (typeof files === "string") {
    throw new TypeError(`envFiles must be an array of file names, got the string "${files}"`);
  }
  const read: string[] = [];
  const values: Record<string, string> = {};
  const sources: Record<string, string> = {};
  for (const name of files) {
    const file = resolve(directory, name);
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat === undefined) continue;
    let text: string;
    try {
      if (!stat.isFile()) throw new Error("not a regular file");
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new ConfigError(
        `Cannot read env file "${file}": ${(e as Error).message} (check the path and permissions)`,
        { file, cause: e },
      );
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    for (const [k, v] of Object.entries(parseEnvText(text, file))) {
      values[k] = v;
      sources[k] = file;
    }
    read.push(file);
  }
  return { files: Object.freeze(read), values: Object.freeze(values), sources };
}

const ASSIGNMENT = /^\s*(?:export\s+)?[\w.-]+\s*=\s*(.*)$/;

/**
 * Parses the text of one dotenv file; `file` is used in messages.
 *
 * @example
 * ```ts
 * import { parseEnvText } from "./dotenv.ts";
 * console.log(parseEnvText('A=1\nB="two words" # comment\n', "/p/.env")); // { A: "1", B: "two words" }
 * ```
 */
export function parseEnvText(text: string, file: string): Record<string, string> {
  const checked = checkEnvSyntax(text, file);
  const parseEnv = (util as { parseEnv?: (content: string) => Record<string, string> }).parseEnv;
  if (typeof parseEnv !== "function") {
    throw new ConfigError(
      `Cannot read env file "${file}": this runtime has no util.parseEnv (use Node 20.12 or later)`,
      { file, code: "CONFIG_UNSUPPORTED_RUNTIME" },
    );
  }
  return { ...parseEnv(checked) };
}

/**
 * Checks the syntax line by line and returns the text with `export` prefixes removed. Throws
 * a `ConfigError` naming the file and line of the first line that is not blank, a comment or
 * an assignment; of a quoted value that is never closed or followed by more than a comment;
 * and of a backslash-escaped quote inside double quotes. (The parser silently skips or merges
 * such lines, and Node 20's parser reads escaped quotes and `export` differently from later
 * versions and Deno.)
 */
function checkEnvSyntax(text: string, file: string): string {
  const lines = text.split(/\r?\n/);
  const fail = (i: number, state: string, hint: string): never => {
    throw new ConfigError(`Cannot read env file "${file}": line ${i + 1}: ${state} (${hint})`, {
      file,
      line: i + 1,
      code: "CONFIG_SYNTAX",
    });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(#.*)?$/.test(line)) continue;
    const m = ASSIGNMENT.exec(line);
    if (m === null) {
      // the line itself is not shown: it may be a secret
      fail(i, "expected NAME=value", "fix the line or comment it out with #");
      continue;
    }
    lines[i] = line.replace(/^\s*export\s+/, "");
    const value = m![1];
    const quote = value[0];
    if (quote !== '"' && quote !== "'" && quote !== "`") continue;
    const start = i;
    let rest = value.slice(1);
    let end = closing(rest, quote);
    while (end < 0 && ++i < lines.length) {
      rest = lines[i];
      end = closing(rest, quote);
    }
    if (end < 0) {
      fail(start, `the value opened with ${quote} is never closed`, `add the closing ${quote}`);
    }
    if (quote === '"' && rest[end - 1] === "\\") {
      fail(i, `a backslash-escaped " inside double quotes`, "quote the value with ' instead");
    }
    if (!/^\s*(#.*)?$/.test(rest.slice(end + 1))) {
      fail(i, `text after the closing ${quote}`, "put the whole value inside the quotes");
    }
  }
  return lines.join("\n");
}

/** Index of the closing `quote` in `rest`, or -1. */
function closing(rest: string, quote: string): number {
  return rest.indexOf(quote);
}
