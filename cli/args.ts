/**
 * The command line grammar: options, commands, and the parser that turns `argv` into a
 * {@linkcode ParsedCommand} or a {@linkcode UsageError} (exit code 2).
 *
 * @module
 */
import { compilePattern, joinPatterns } from "../storage/mod.ts";
import { parseArgs } from "node:util";
import { selectProfile } from "../config/mod.ts";
import { ConfigError } from "../errors.ts";
import { suggest } from "./suggest.ts";

/**
 * One option of the command line.
 *
 * @example
 * ```ts
 * import type { OptionSpec } from "./args.ts";
 * const to: OptionSpec = { type: "string", placeholder: "DIR", help: "target folder" };
 * ```
 */
export interface OptionSpec {
  /** `string` options take a value, `boolean` ones do not. */
  type: "string" | "boolean";
  /** One-letter alias, e.g. `l` for `-l`. */
  short?: string;
  /** Repeatable; the values are collected in order. */
  multiple?: boolean;
  /** Placeholder of the value in the help, e.g. `DIR`. */
  placeholder?: string;
  /** One line of help. */
  help: string;
  /** A `boolean` option that also accepts `--name=VALUE` with one of these values. */
  inlineValues?: readonly string[];
}

/**
 * Options that select and override the storage configuration (every storage command).
 *
 * @example
 * ```ts
 * import { STORAGE_OPTIONS } from "./args.ts";
 * console.log(Object.keys(STORAGE_OPTIONS)); // ["config-dir", "config", "provider", …]
 * ```
 */
export const STORAGE_OPTIONS: Record<string, OptionSpec> = {
  "config-dir": {
    type: "string",
    placeholder: "DIR",
    help: "folder holding config.json and config_local.json (default: the working directory)",
  },
  config: {
    type: "string",
    multiple: true,
    placeholder: "FILE",
    help:
      "read FILE instead of the default files (repeatable, later files win; .json .yaml .yml .toml)",
  },
  profile: {
    type: "string",
    placeholder: "NAME",
    help:
      "also read config.NAME.json after config.json (and so on for each file; default: $ACCSR_PROFILE)",
  },
  "env-file": {
    type: "string",
    multiple: true,
    placeholder: "PATH",
    help:
      'dotenv file whose variables "env:" values and ACCSR__ overrides may use (repeatable; the environment wins)',
  },
  provider: {
    type: "string",
    placeholder: "ID",
    help:
      "s3, google_storage, azure_blobs, file, memory, or an S3-compatible id (minio, ceph, r2…)",
  },
  bucket: { type: "string", placeholder: "NAME", help: "bucket (Azure: container)" },
  "base-path": {
    type: "string",
    placeholder: "PATH",
    help: 'namespace inside the bucket (every key starts with it; "" for the bucket root)',
  },
  endpoint: { type: "string", placeholder: "URL", help: "server URL, e.g. http://127.0.0.1:9000" },
  region: { type: "string", placeholder: "REGION", help: "region (S3 default: us-east-1)" },
  root: { type: "string", placeholder: "DIR", help: 'provider "file": folder holding the buckets' },
  "plain-etags": {
    type: "boolean",
    help: "write every object with ETag = MD5 of its content (one PUT up to 5 GiB, no parts), " +
      "for Python accsr and other ETag-comparing tools (config: plain_etags)",
  },
};

/**
 * Options every command accepts.
 *
 * @example
 * ```ts
 * import { OUTPUT_OPTIONS } from "./args.ts";
 * console.log(OUTPUT_OPTIONS.help.short); // "h"
 * ```
 */
export const OUTPUT_OPTIONS: Record<string, OptionSpec> = {
  json: {
    type: "boolean",
    inlineValues: ["summary"],
    help:
      "print a machine-readable JSON result on stdout (--json=summary: only the counts, for push, pull, status, ls and rm)",
  },
  quiet: {
    type: "boolean",
    short: "q",
    help: "print only errors and results asked for (no summary line, warning or progress bar)",
  },
  debug: { type: "boolean", help: "print stack traces of errors" },
  help: { type: "boolean", short: "h", help: "show help" },
  version: { type: "boolean", short: "V", help: "print the version" },
};

export { COMMAND_OPTIONS } from "./command_options.ts";
import { COMMAND_OPTIONS } from "./command_options.ts";

/** Every option, for tokenising before the command is known. */
const ALL_OPTIONS: Record<string, OptionSpec> = {
  ...STORAGE_OPTIONS,
  ...OUTPUT_OPTIONS,
  ...COMMAND_OPTIONS,
};

/**
 * A positional argument of a command.
 *
 * @example
 * ```ts
 * import type { ArgumentSpec } from "./args.ts";
 * const paths: ArgumentSpec = { name: "path", required: true, variadic: true, help: "what to push" };
 * ```
 */
export interface ArgumentSpec {
  /** Name in the usage line, e.g. `path`. */
  name: string;
  /** Must be given. */
  required: boolean;
  /** Takes one or more values. */
  variadic?: boolean;
  /** One line of help. */
  help: string;
  /** A `boolean` option that also accepts `--name=VALUE` with one of these values. */
  inlineValues?: readonly string[];
}

/**
 * A command of the CLI.
 *
 * @example
 * ```ts
 * import type { CommandSpec } from "./args.ts";
 * const spec: CommandSpec = {
 *   name: "hello", summary: "say hello", description: "Says hello.", args: [], options: [],
 *   storage: false, json: "none", examples: [["accsr hello", "greet"]],
 * };
 * ```
 */
export interface CommandSpec {
  /** Name, e.g. `push`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Paragraph(s) for the command's help. */
  description: string;
  /** Positional arguments. */
  args: ArgumentSpec[];
  /** Names of its own options (keys of {@linkcode COMMAND_OPTIONS}). */
  options: string[];
  /** Whether it reads the storage configuration (and accepts {@linkcode STORAGE_OPTIONS}). */
  storage: boolean;
  /** Description of the `--json` output. */
  json: string;
  /** Example invocations with a comment each. */
  examples: [string, string][];
  /**
   * The exit codes the command can return, for its help.
   * @default {[0, 1, 2]}
   */
  exitCodes?: readonly number[];
}

/**
 * A parsed command line for a command.
 *
 * @example
 * ```ts
 * import { type ParsedCommand, parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["pull", "data", "--to", "out"], COMMAND_SPECS) as ParsedCommand;
 * console.log(p.command.name, p.positionals, p.values.to); // pull ["data"] out
 * ```
 */
export interface ParsedCommand {
  kind: "command";
  /** The command spec. */
  command: CommandSpec;
  /** Positional arguments after the command. */
  positionals: string[];
  /** Option values by long name (`multiple` options as arrays). */
  values: Record<string, string | boolean | string[] | undefined>;
}

/**
 * What the command line asks for.
 *
 * @example
 * ```ts
 * import { type Parsed, parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p: Parsed = parseCommandLine(["--version"], COMMAND_SPECS);
 * console.log(p.kind); // "version"
 * ```
 */
export type Parsed =
  | ParsedCommand
  | { kind: "help"; command?: CommandSpec; values: Record<string, unknown> }
  | { kind: "version"; values: Record<string, unknown> };

/**
 * A command line that cannot be understood (exit code 2): unknown command or option,
 * missing argument or option value, invalid value. `command` selects the help printed with it.
 *
 * @example
 * ```ts
 * import { UsageError } from "./args.ts";
 * const e = new UsageError('unknown command "pusj"');
 * console.log(e.message, e.command); // unknown command "pusj" undefined
 * ```
 */
export class UsageError extends Error {
  /** The command whose help to show; `undefined` → the global help. */
  readonly command?: CommandSpec;

  /** Creates a usage error. */
  constructor(message: string, command?: CommandSpec) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/**
 * Registry of the commands (filled by `commands/mod.ts`).
 *
 * @example
 * ```ts
 * import type { CommandTable } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const table: CommandTable = COMMAND_SPECS;
 * console.log([...table.keys()]);
 * ```
 */
export type CommandTable = ReadonlyMap<string, CommandSpec>;

/** Options a command accepts, by long name. */
function optionsOf(command: CommandSpec | undefined): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  if (command) {
    for (const name of command.options) out[name] = COMMAND_OPTIONS[name];
    if (command.storage) Object.assign(out, STORAGE_OPTIONS);
  }
  Object.assign(out, OUTPUT_OPTIONS);
  return out;
}

/** How an option was written: `-l` stays `-l`, anything else is `--name`. */
function display(name: string, raw: string): string {
  return /^-[^-]/.test(raw) ? raw : `--${name}`;
}

/**
 * Parses `argv` (without the program name). Options may come before or after the command;
 * `--` ends the options.
 *
 * @throws {UsageError} The command line cannot be understood.
 *
 * @example
 * ```ts
 * import { parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["--json", "push", "a", "b", "--include", "x", "--include", "y"], COMMAND_SPECS);
 * if (p.kind === "command") console.log(p.positionals, p.values.include); // ["a", "b"] ["x", "y"]
 * ```
 */
export function parseCommandLine(argv: readonly string[], commands: CommandTable): Parsed {
  const parseOptions: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {};
  for (const [name, spec] of Object.entries(ALL_OPTIONS)) {
    parseOptions[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  const { tokens } = parseArgs({
    args: [...argv],
    options: parseOptions,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  // the command is the first positional; `help [command]` asks for help
  const words = tokens.flatMap((t) => t.kind === "positional" ? [t.value] : []);
  let command: CommandSpec | undefined;
  let positionals: string[] = [];
  const isHelpCommand = words[0] === "help";
  const lookup = (name: string): CommandSpec => {
    const found = commands.get(name);
    if (found !== undefined) return found;
    const hint = suggest(name, [...commands.keys(), "help"]);
    throw new UsageError(`unknown command "${name}"${hint ? ` (did you mean "${hint}"?)` : ""}`);
  };
  if (isHelpCommand) {
    if (words.length > 2) throw new UsageError(`too many arguments for "accsr help"`);
    if (words[1] !== undefined) command = lookup(words[1]);
  } else if (words.length > 0) {
    command = lookup(words[0]);
    positionals = words.slice(1);
  }

  const allowed = optionsOf(command);
  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    const spec = allowed[t.name];
    const shown = display(t.name, t.rawName);
    if (spec === undefined) {
      const where = command ? ` for "accsr ${command.name}"` : "";
      const known = ALL_OPTIONS[t.name] !== undefined;
      const hint = known ? "" : suggest(t.name, Object.keys(allowed));
      throw new UsageError(
        `unknown option "${t.rawName}"${where}${hint ? ` (did you mean "--${hint}"?)` : ""}`,
        command,
      );
    }
    if (spec.type === "boolean") {
      if (t.value !== undefined && t.inlineValue && spec.inlineValues?.includes(t.value)) {
        values[t.name] = t.value;
        continue;
      }
      if (t.value !== undefined) {
        throw new UsageError(`option "${shown}" does not take a value`, command);
      }
      values[t.name] = true;
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith("-") && t.value !== "-")) {
      throw new UsageError(
        `option "${shown}" needs a value${
          t.value === undefined
            ? ""
            : ` (got "${t.value}"; write ${shown}=${t.value} if that is the value)`
        }`,
        command,
      );
    }
    if (spec.multiple) {
      values[t.name] = [...(values[t.name] as string[] | undefined ?? []), t.value];
    } else values[t.name] = t.value;
  }
  // --exist-ok / --no-exist-ok: the last one wins
  for (const t of tokens) {
    if (t.kind === "option" && (t.name === "exist-ok" || t.name === "no-exist-ok")) {
      values["exist-ok"] = t.name === "exist-ok";
    }
  }
  delete values["no-exist-ok"];

  if (values.version) return { kind: "version", values };
  if (values.help || isHelpCommand) return { kind: "help", command, values };
  if (command === undefined) throw new UsageError("missing command");

  const args = command.args;
  const max = args.some((a) => a.variadic) ? Infinity : args.length;
  const required = args.filter((a) => a.required).length;
  if (positionals.length < required) {
    const missing = args[positionals.length];
    throw new UsageError(`missing argument <${missing.name}> of "accsr ${command.name}"`, command);
  }
  if (positionals.length > max) {
    throw new UsageError(
      `too many arguments for "accsr ${command.name}": ${
        positionals.slice(max).map((p) => JSON.stringify(p)).join(" ")
      }`,
      command,
    );
  }
  return { kind: "command", command, positionals, values };
}

/**
 * The value of `--profile`, validated (letters, digits, `_`, `-` and inner dots).
 *
 * @throws {UsageError} Not a valid profile name.
 *
 * @example
 * ```ts
 * import { type ParsedCommand, parseCommandLine, profileOf } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["config", "--profile", "ci"], COMMAND_SPECS) as ParsedCommand;
 * console.log(profileOf(p)); // "ci"
 * ```
 */
export function profileOf(parsed: ParsedCommand): string | undefined {
  const raw = parsed.values.profile as string | undefined;
  try {
    return selectProfile(raw, {}); // the library's rule, as a usage error
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new UsageError(
      `option "--profile" needs a name of letters, digits, "_", "-" and inner dots, got "${raw}"`,
      parsed.command,
    );
  }
}

/**
 * The value of `--concurrency`, validated.
 *
 * @throws {UsageError} Not a positive integer.
 *
 * @example
 * ```ts
 * import { concurrencyOf, type ParsedCommand, parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["push", "data", "--concurrency", "4"], COMMAND_SPECS) as ParsedCommand;
 * console.log(concurrencyOf(p)); // 4
 * ```
 */
export function concurrencyOf(parsed: ParsedCommand): number | undefined {
  const raw = parsed.values.concurrency as string | undefined;
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new UsageError(
      `option "--concurrency" needs a positive integer, got "${raw}"`,
      parsed.command,
    );
  }
  return Number(raw);
}

/**
 * The `--include` / `--exclude` values as one regex source each (several values → any of
 * them), validated.
 *
 * @throws {UsageError} A value is not a valid regular expression.
 *
 * @example
 * ```ts
 * import { type ParsedCommand, parseCommandLine, patternsOf } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["push", ".", "--include", "a/", "--include", "b/"], COMMAND_SPECS) as ParsedCommand;
 * console.log(patternsOf(p)); // { includeRegex: "(?:a/)|(?:b/)", excludeRegex: undefined }
 * ```
 */
export function patternsOf(
  parsed: ParsedCommand,
): { includeRegex?: string; excludeRegex?: string } {
  const one = (name: "include" | "exclude"): string | undefined => {
    const list = parsed.values[name] as string[] | undefined;
    if (list === undefined || list.length === 0) return undefined;
    for (const re of list) {
      try {
        compilePattern(re, name);
      } catch (e) {
        throw new UsageError(
          `option "--${name}" needs a regular expression, got "${re}": ${(e as Error).message}`,
          parsed.command,
        );
      }
    }
    try {
      return joinPatterns(list);
    } catch (e) {
      throw new UsageError(`options "--${name}": ${(e as Error).message}`, parsed.command);
    }
  };
  return { includeRegex: one("include"), excludeRegex: one("exclude") };
}

/**
 * The `--delete`, `--max-delete` and `--no-ignore-files` values as library options,
 * validated.
 *
 * @throws {UsageError} `--max-delete` without `--delete`, or not a non-negative integer.
 *
 * @example
 * ```ts
 * import { mirrorOptionsOf, type ParsedCommand, parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["push", "data", "--delete", "--max-delete", "10"], COMMAND_SPECS) as ParsedCommand;
 * console.log(mirrorOptionsOf(p)); // { delete: true, maxDelete: 10, ignoreFiles: true }
 * ```
 */
export function mirrorOptionsOf(
  parsed: ParsedCommand,
): { delete: boolean; maxDelete?: number; ignoreFiles: boolean } {
  const del = parsed.values.delete === true;
  const raw = parsed.values["max-delete"] as string | undefined;
  let maxDelete: number | undefined;
  if (raw !== undefined) {
    if (!del) {
      throw new UsageError(
        'option "--max-delete" needs --delete (it limits the deletions of a mirror)',
        parsed.command,
      );
    }
    if (!/^\d+$/.test(raw)) {
      throw new UsageError(
        `option "--max-delete" needs a non-negative integer, got "${raw}"`,
        parsed.command,
      );
    }
    maxDelete = Number(raw);
  }
  return {
    delete: del,
    ...(maxDelete === undefined ? {} : { maxDelete }),
    ignoreFiles: parsed.values["no-ignore-files"] !== true,
  };
}

/**
 * Checks the path arguments: an empty path is refused for every command (`.` means "all"),
 * and a remote path (an argument named `remote-path`) with `..`, `.` or empty segments
 * (`a//b`) is refused, so nothing is ever sent with such a key prefix. A leading `/`, a
 * leading `./` and one trailing `/` are fine.
 *
 * @throws {UsageError} An empty path or a remote path with a bad segment.
 *
 * @example
 * ```ts
 * import { checkPathArgs, type ParsedCommand, parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["pull", "data/raw/"], COMMAND_SPECS) as ParsedCommand;
 * checkPathArgs(p); // fine; "../x", "a//b" and "" throw a UsageError
 * ```
 */
export function checkPathArgs(parsed: ParsedCommand): void {
  const specs = parsed.command.args;
  parsed.positionals.forEach((value, i) => {
    const spec = specs[Math.min(i, specs.length - 1)];
    if (spec === undefined || !/(^|-)path$/.test(spec.name)) return;
    if (value === "") {
      throw new UsageError(
        `<${spec.name}> is empty (use "." for everything below ${
          spec.name === "remote-path" ? "the base path" : "the working directory"
        })`,
        parsed.command,
      );
    }
    if (spec.name !== "remote-path") return;
    const inner = value.replace(/\\/g, "/").replace(/^\/+/, "").replace(/^(\.\/)+/, "")
      .replace(/\/$/, "");
    if (inner === "" || inner === ".") return;
    const bad = inner.split("/").find((s) => s === "" || s === "." || s === "..");
    if (bad !== undefined) {
      throw new UsageError(
        `<remote-path> "${value}" has ${
          bad === "" ? "an empty segment (//)" : `a "${bad}" segment`
        }; remote paths are keys below the base path (e.g. "data/raw")`,
        parsed.command,
      );
    }
  });
}

/**
 * Checks the `--endpoint` value: a URL with the scheme `http` or `https`.
 *
 * @throws {UsageError} Not a URL, or another scheme (`htp://…`).
 *
 * @example
 * ```ts
 * import { endpointOf, type ParsedCommand, parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["ls", "--endpoint", "http://127.0.0.1:9000"], COMMAND_SPECS) as ParsedCommand;
 * endpointOf(p); // "http://127.0.0.1:9000"
 * ```
 */
export function endpointOf(parsed: ParsedCommand): string | undefined {
  const raw = parsed.values.endpoint;
  if (typeof raw !== "string") return undefined;
  // Azure accepts connection strings here; only URL-looking values are checked
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1];
  if (scheme !== undefined && !/^https?$/i.test(scheme)) {
    throw new UsageError(
      `option "--endpoint" has the unsupported scheme "${scheme}" in "${raw}" (use http:// or https://)`,
      parsed.command,
    );
  }
  return raw;
}
