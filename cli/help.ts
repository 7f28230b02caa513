/**
 * Help texts: the global help (`accsr --help`) and one per command (`accsr push --help`).
 *
 * @module
 */
import {
  COMMAND_OPTIONS,
  type CommandSpec,
  type CommandTable,
  type OptionSpec,
  OUTPUT_OPTIONS,
  STORAGE_OPTIONS,
} from "./args.ts";
import { VERSION } from "./version.ts";

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${
      o.placeholder ? ` ${o.placeholder}` : ""
    }`;
    return [flag, o.help];
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return rows.flatMap(([f, h]) =>
    wrap(h, 98 - width - 4).map((l, i) => `  ${(i === 0 ? f : "").padEnd(width)}  ${l}`)
  );
}

/** Splits `text` into lines of at most `width` characters (at spaces). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > Math.max(width, 30)) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

function usageOf(c: CommandSpec): string {
  const args = c.args.map((a) => {
    const n = `<${a.name}${a.variadic ? "…" : ""}>`;
    return a.required ? n : `[${n.slice(1, -1)}]`;
  });
  return ["accsr", c.name, ...args, "[options]"].join(" ");
}

const CONFIGURATION = `Configuration:
  Read from config.json then config_local.json in --config-dir (default: the working
  directory), or from the --config files; later files win, objects merge deeply. The section
  "remote_storage" (or accsr's "remote_storage_config") holds the storage settings; accsr's
  snake_case keys (base_path, use_pbar) work, "env:NAME" values read the environment (or,
  when NAME is unset, the file named by NAME_FILE; "env:NAME:-x" falls back to x). An env:
  value in the storage section whose variable is unset is an error before anything moves.
  .json, .yaml, .yml and .toml files mix. --profile NAME (default $ACCSR_PROFILE) also reads
  config.NAME.json right after config.json (any extension), and so on for each file.
  ACCSR__SECTION__KEY=value variables override keys (ACCSR__REMOTE_STORAGE__BUCKET=b).
  --env-file PATH (repeatable) adds dotenv variables for env: values and ACCSR__ overrides;
  the environment wins over them. "accsr config --check" lists every problem first.
  Precedence, highest first: flags (--provider --bucket --base-path --endpoint --region
  --root) > ACCSR__ variables > config_local.NAME.json > config_local.json >
  config.NAME.json > config.json. A relative "root" in a file is resolved against
  the config directory; every path on the command line against the working directory.
  Credentials: "key"/"secret" in the config; for S3-compatible providers and
  google_storage, when the config has neither, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
  (and AWS_SESSION_TOKEN) from the environment; AWS_REGION / AWS_DEFAULT_REGION give the
  region when none is configured. Secrets are never printed.`;

/** The meaning of each exit code, for the help texts. */
const EXIT_CODE_ROWS: Record<number, string> = {
  0: "  0  success",
  1: `  1  failure (configuration, storage, network…), also when some files moved and then
     another writer changed others (code CONCURRENT_CHANGE; the message says how many moved)`,
  2: "  2  usage error (unknown command or option, missing argument, invalid value or bucket name)",
  3: `  3  refused transaction: files would be overwritten without --force, names collide, or
     --delete planned more deletions than --max-delete; only when nothing was transferred or
     deleted`,
  130: `  130, 143  interrupted by Ctrl-C (SIGINT) / SIGTERM: running transfers were cancelled,
     temporary files removed, files either complete or absent; one line on stderr
     ("interrupted: N of M files transferred; …"), --json: error code INTERRUPTED.
     Run the same command again to finish. A second Ctrl-C exits at once.`,
};

/** The "Exit codes:" section for `codes` (130 stands for 130 and 143). */
function exitCodes(codes: readonly number[]): string {
  return ["Exit codes:", ...codes.flatMap((c) => EXIT_CODE_ROWS[c] ?? [])].join("\n");
}

const EXIT_CODES = exitCodes([0, 1, 2, 3, 130]);

/**
 * `accsr --help`.
 *
 * @example
 * ```ts
 * import { globalHelp } from "./help.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * console.log(globalHelp(COMMAND_SPECS));
 * ```
 */
export function globalHelp(commands: CommandTable): string {
  const list = [...commands.values()].map((c) => {
    const args = c.args.map((a) =>
      a.required ? `<${a.name}${a.variadic ? "…" : ""}>` : `[${a.name}]`
    );
    return [`${c.name} ${args.join(" ")}`.trim(), c.summary];
  });
  list.push(["help [command]", "show the help of a command"]);
  const width = Math.max(...list.map(([n]) => n.length));
  return [
    `accsr ${VERSION}: sync a local folder with a bucket (S3 and S3-compatible servers, Google`,
    "Cloud Storage, Azure Blob Storage, a local directory). Only what is missing or changed",
    "(MD5) moves; a transaction that would overwrite without --force is refused as a whole.",
    "",
    "Usage: accsr <command> [options]",
    "",
    "Commands:",
    ...list.map(([n, s]) => `  ${n.padEnd(width)}  ${s}`),
    "",
    "Storage options (every command that reads the configuration):",
    ...optionLines(STORAGE_OPTIONS),
    "",
    "Common options:",
    ...optionLines(OUTPUT_OPTIONS),
    "",
    CONFIGURATION,
    "",
    "Output: results on stdout (a short summary, or JSON with --json); warnings, errors and",
    "progress bars (on a terminal only) on stderr. Colours only on a terminal, never with NO_COLOR.",
    "-q prints only errors and the results asked for; a closed pipe (accsr ls | head) ends quietly.",
    'With --json, a failure (exit 1 or 3) also prints {"error": {"code", "message", "exit_code"}}',
    "on stdout (exit 3: merged into the refused plan); usage errors (exit 2) print no JSON.",
    "",
    EXIT_CODES,
    "",
    "Examples:",
    "  accsr create-bucket --provider file --root /srv/objects --bucket data",
    "  accsr push data/raw --dry-run",
    "  accsr push data/raw --delete --dry-run     # mirror: what would be uploaded and deleted",
    "  accsr pull data/raw --to ~/elsewhere",
    "  accsr status data/raw --json",
    "  accsr config --explain",
    "  source <(accsr completion bash)",
    "",
    'Run "accsr <command> --help" for the options, examples and --json output of a command.',
  ].join("\n");
}

/**
 * `accsr <command> --help`.
 *
 * @example
 * ```ts
 * import { commandHelp } from "./help.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * console.log(commandHelp(COMMAND_SPECS.get("push")!));
 * ```
 */
export function commandHelp(c: CommandSpec): string {
  const own: Record<string, OptionSpec> = {};
  for (const name of c.options) own[name] = COMMAND_OPTIONS[name];
  const argWidth = Math.max(0, ...c.args.map((a) => a.name.length + 2));
  const lines = [
    `Usage: ${usageOf(c)}`,
    "",
    c.description,
    "",
  ];
  if (c.args.length > 0) {
    lines.push(
      "Arguments:",
      ...c.args.map((a) => `  ${`<${a.name}>`.padEnd(argWidth)}  ${a.help}`),
      "",
    );
  }
  if (c.options.length > 0) lines.push("Options:", ...optionLines(own), "");
  if (c.storage) lines.push("Storage options:", ...optionLines(STORAGE_OPTIONS), "");
  lines.push("Common options:", ...optionLines(OUTPUT_OPTIONS), "");
  lines.push("JSON output (--json):", ...c.json.split("\n").map((l) => `  ${l}`), "");
  lines.push(
    "Examples:",
    ...c.examples.flatMap(([cmd, what]) => [`  # ${what}`, `  ${cmd}`]),
    "",
    exitCodes(c.exitCodes ?? [0, 1, 2]),
  );
  return lines.join("\n");
}
