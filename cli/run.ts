/**
 * {@linkcode run}: the whole CLI as one function from `argv` to an exit code, so that it is
 * tested in-process. The only place that maps errors to exit codes.
 *
 * @module
 */
import {
  AccsrError,
  ConfigError,
  MaxDeleteExceededError,
  NoFilesFoundError,
  StorageError,
  SyncConflictError,
} from "../errors.ts";
import { TransactionSummary } from "../storage/mod.ts";
import {
  checkPathArgs,
  concurrencyOf,
  endpointOf,
  mirrorOptionsOf,
  parseCommandLine,
  patternsOf,
  profileOf,
  UsageError,
} from "./args.ts";
import { COMMAND_SPECS, COMMANDS } from "./commands/mod.ts";
import { transactionJson, transactionSummaryJson } from "./commands/_transaction.ts";
import { CommandContext } from "./context.ts";
import { isBrokenPipe } from "./epipe.ts";
import { cliWords } from "./words.ts";
import { commandHelp, globalHelp } from "./help.ts";
import { Output, resolveIO, type RunIO } from "./output.ts";
import { type Interrupt, interruptOf } from "./signals.ts";
import { VERSION } from "./version.ts";

/**
 * The exit codes of the CLI, by meaning.
 *
 * @example
 * ```ts
 * import type { ExitCodes } from "accsr/cli";
 * const meaning = (codes: ExitCodes, code: number) => code === codes.refused ? "refused" : "other";
 * ```
 */
export interface ExitCodes {
  /** Success. */
  readonly ok: 0;
  /** Failure: configuration, storage, network, local files… */
  readonly failure: 1;
  /** The command line cannot be understood; the help was printed on stderr. */
  readonly usage: 2;
  /**
   * A transaction was refused before anything moved (overwrite without `--force`,
   * collisions, too many deletions). A transaction that moved files and then met a
   * concurrent change exits 1 (`CONCURRENT_CHANGE`).
   */
  readonly refused: 3;
  /** Interrupted by SIGINT (Ctrl-C). */
  readonly sigint: 130;
  /** Interrupted by SIGTERM. */
  readonly sigterm: 143;
}

/**
 * Exit codes of the CLI: 0 ok, 1 failure, 2 usage error, 3 refused transaction, 130/143
 * interrupted by SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * import { EXIT_CODES, run } from "accsr/cli";
 * const code = await run(["push", "data"]);
 * if (code === EXIT_CODES.refused) console.log("rerun with --force to overwrite");
 * ```
 */
export const EXIT_CODES: ExitCodes = Object.freeze({
  ok: 0,
  failure: 1,
  usage: 2,
  refused: 3,
  sigint: 130,
  sigterm: 143,
});

/**
 * Runs the accsr CLI: `accsr <command> [options]` with the commands `push`, `pull`, `ls`,
 * `rm`, `create-bucket`, `status` and `config`. Results go to `io.stdout`, errors, warnings
 * and progress bars to `io.stderr`; relative paths are resolved against `io.cwd`, and
 * `"env:"` markers, credentials and `NO_COLOR` are read from `io.env`. Never calls
 * `process.exit`; returns the exit code (see {@linkcode EXIT_CODES}).
 *
 * @param argv The arguments after the program name, e.g. `process.argv.slice(2)`.
 * @param io Streams, environment and working directory; default: the process's own.
 * @returns 0 ok, 1 failure, 2 usage error, 3 refused transaction.
 *
 * @example
 * ```ts
 * import { run } from "accsr/cli";
 * let out = "";
 * const code = await run(["ls", "--json", "--provider", "file", "--root", "store", "--bucket", "data"], {
 *   stdout: { write: (s) => (out += s) },
 *   cwd: "/tmp/project",
 * });
 * console.log(code, JSON.parse(out));
 * ```
 */
export async function run(argv: readonly string[], io: RunIO = {}): Promise<number> {
  const out = new Output(resolveIO(io));
  const debug = argv.includes("--debug");
  let json = false;
  let ctx: CommandContext | undefined;
  try {
    const parsed = parseCommandLine(argv, COMMAND_SPECS);
    if (parsed.kind === "version") {
      out.line(`accsr ${VERSION}`);
      return EXIT_CODES.ok;
    }
    if (parsed.kind === "help") {
      out.line(parsed.command ? commandHelp(parsed.command) : globalHelp(COMMAND_SPECS));
      return EXIT_CODES.ok;
    }
    json = parsed.values.json === true || parsed.values.json === "summary";
    out.quiet = parsed.values.quiet === true;
    // option values are checked before anything is read or connected
    patternsOf(parsed);
    concurrencyOf(parsed);
    checkPathArgs(parsed);
    endpointOf(parsed);
    mirrorOptionsOf(parsed);
    profileOf(parsed);
    ctx = new CommandContext(parsed, out);
    return await COMMANDS.get(parsed.command.name)!.run(ctx);
  } catch (e) {
    if (isBrokenPipe(e)) return EXIT_CODES.ok; // `accsr ls | head -1`
    const interrupt = interruptOf(io.signal);
    if (interrupt !== undefined && !(e instanceof UsageError)) {
      return reportInterrupt(out, e, interrupt, json, ctx);
    }
    if (e instanceof UsageError) {
      // the message (with its "did you mean") and one pointer to the help, never the help
      out.error(e.message);
      out.errLine(`see \`accsr ${e.command ? `${e.command.name} ` : ""}--help\``);
      return EXIT_CODES.usage;
    }
    const code = isBadName(e) ? EXIT_CODES.usage : exitCodeOf(e);
    const message = cliWords(messageOf(e));
    out.error(message, hintOf(e, ctx));
    if (debug && e instanceof Error && e.stack) out.errLine(e.stack);
    if (json && code !== EXIT_CODES.usage) out.json(errorJson(e, message, code, ctx));
    return code;
  } finally {
    await ctx?.close();
  }
}

/**
 * The one-line report of an interrupted command (`--json`: an error object with code
 * `INTERRUPTED`); returns 130 (SIGINT) or 143 (SIGTERM).
 */
function reportInterrupt(
  out: Output,
  e: unknown,
  interrupt: Interrupt,
  json: boolean,
  ctx: CommandContext | undefined,
): number {
  const summary = (e as { summary?: unknown } | undefined)?.summary;
  const message = summary instanceof TransactionSummary
    ? `interrupted: ${summary.syncedFiles.length} of ${summary.filesToSync.length} files transferred; run the same command again to finish`
    : `interrupted by ${interrupt.signalName} before any file was transferred; run the same command again to finish`;
  out.errLine(message);
  if (json) {
    const error = {
      code: "INTERRUPTED",
      message,
      exit_code: interrupt.exitCode,
      signal: interrupt.signalName,
    };
    out.json(
      summary instanceof TransactionSummary && ctx !== undefined
        ? { ...transactionJson(summary, { dryRun: ctx.dryRun, force: ctx.force }), error }
        : { error },
    );
  }
  return interrupt.exitCode;
}

/**
 * An invalid bucket name or an endpoint with an unsupported scheme (from a flag or a file) is
 * a usage error: exit 2, like a bad flag.
 */
function isBadName(e: unknown): boolean {
  return e instanceof ConfigError && e.code === "INVALID_STORAGE_CONFIG" &&
    /config "bucket": invalid name|config "endpoint": .* unsupported scheme/.test(e.message);
}

/**
 * 3 only for a refusal that moved nothing; a transaction that moved files and then met a
 * concurrent change (`CONCURRENT_CHANGE`) is a failure (1).
 */
function exitCodeOf(e: unknown): number {
  if (!(e instanceof SyncConflictError) || e.code === "CONCURRENT_CHANGE") {
    return EXIT_CODES.failure;
  }
  const summary = e.summary instanceof TransactionSummary ? e.summary : undefined;
  return (summary?.syncedFiles.length ?? 0) > 0 ? EXIT_CODES.failure : EXIT_CODES.refused;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) {
    const text = e.message.trim() || e.name;
    return text.split("\n")[0];
  }
  return String(e);
}

function hintOf(e: unknown, ctx: CommandContext | undefined): string {
  const command = ctx?.parsed.command.name ?? "";
  if (e instanceof SyncConflictError && e.code === "CONCURRENT_CHANGE") {
    return `the files another writer changed were left as they are; run "accsr ${command} … --dry-run" to see what differs, then "accsr ${command}" again (--force overwrites their version)`;
  }
  if (e instanceof MaxDeleteExceededError) {
    return `run "accsr ${command} … --delete --dry-run" to see the deletions; raise --max-delete if they are intended`;
  }
  if (e instanceof SyncConflictError) {
    const summary = e.summary instanceof TransactionSummary ? e.summary : undefined;
    if (summary?.hasUnresolvableCollisions || /collide/.test(e.message)) {
      return "--force cannot resolve collisions: rename or remove the colliding files or objects (--dry-run shows them)";
    }
    if ((summary?.uncomparableFiles.length ?? 0) > 0) {
      return `run "accsr ${command} … --dry-run" to see the plan, or add --force to overwrite the files that differ or cannot be compared (${
        command === "pull" ? "a push with --force" : "--force"
      } replaces a remote object that cannot be compared with an upload whose MD5 is recorded)`;
    }
    return `run "accsr ${command} … --dry-run" to see the plan, or add --force to overwrite the files that differ`;
  }
  if (e instanceof NoFilesFoundError) {
    return `relative paths are resolved against ${
      e.localPathPrefix ?? ctx?.cwd ?? "the working directory"
    }`;
  }
  if (e instanceof ConfigError) {
    if (e.code === "STORAGE_NOT_CONFIGURED") {
      return 'add a "remote_storage" section to config.json, or pass --provider and --bucket (and --root for provider "file")';
    }
    if (e.code === "INVALID_STORAGE_CONFIG") {
      return 'fix the flag or the "remote_storage" section; "accsr config --explain" shows where each value comes from';
    }
    return e.file ? `fix ${e.file}` : "check --config-dir and --config";
  }
  if (e instanceof StorageError) {
    switch (e.code) {
      case "BUCKET_NOT_FOUND":
        return 'create it with "accsr create-bucket", or check --bucket';
      case "BUCKET_EXISTS":
        return "leave out --no-exist-ok to accept an existing bucket";
      case "ACCESS_DENIED":
        return 'check the key and secret; "accsr config --explain" shows where they come from';
      case "NO_SPACE":
        return '"df -h" shows the free space; --to DIR pulls into another folder';
      case "PERMISSION_DENIED":
        return "--to DIR pulls into a folder you can write";
      case "ENDPOINT_NOT_TLS":
        return 'set the endpoint with http:// (--endpoint or "endpoint" in the config)';
      case "ENDPOINT_UNREACHABLE":
        return "check --endpoint and that the server is running";
    }
  }
  if (e instanceof AccsrError && e.code === "NO_FILES_FOUND" && command === "pull") {
    return 'a pull path is relative to the base path; "accsr ls" lists what is there';
  }
  if (e instanceof AccsrError) return "rerun with --debug for details";
  return "rerun with --debug for a stack trace";
}

function errorJson(
  e: unknown,
  message: string,
  exitCode: number,
  ctx: CommandContext | undefined,
): Record<string, unknown> {
  const error: Record<string, unknown> = {
    code: e instanceof AccsrError ? e.code : e instanceof Error ? e.name : "ERROR",
    message,
    exit_code: exitCode,
  };
  if (e instanceof SyncConflictError) error.names = e.names;
  const summary = (e as { summary?: unknown } | undefined)?.summary;
  if (summary instanceof TransactionSummary && ctx !== undefined) {
    const shape = ctx.jsonSummary ? transactionSummaryJson : transactionJson;
    return { ...shape(summary, { dryRun: ctx.dryRun, force: ctx.force }), error };
  }
  return { error };
}
