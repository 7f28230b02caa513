/**
 * What a command gets: the parsed command line, the output, and lazily the settings and the
 * `RemoteStorage` built from them.
 *
 * @module
 */
import { normalizeStorageConfig, RemoteStorage, type SyncEvents } from "../storage/mod.ts";
import type { CommandSpec, ParsedCommand } from "./args.ts";
import type { Output } from "./output.ts";
import { cliReporter, type ReporterOptions } from "./reporter.ts";
import { loadSettings, type Settings, settingsSecrets, storageConfigOf } from "./settings.ts";

/**
 * The environment of one command run.
 *
 * @example
 * ```ts
 * import { CommandContext } from "./context.ts";
 * import { parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * import { Output, resolveIO } from "./output.ts";
 * const parsed = parseCommandLine(["ls", "--json"], COMMAND_SPECS);
 * if (parsed.kind === "command") {
 *   const ctx = new CommandContext(parsed, new Output(resolveIO({ cwd: "/tmp/project" })));
 *   console.log(ctx.json, ctx.settings().files);
 * }
 * ```
 */
export class CommandContext {
  /** The parsed command line. */
  readonly parsed: ParsedCommand;
  /** Where to print. */
  readonly out: Output;
  #settings?: Settings;
  readonly #storages: RemoteStorage[] = [];

  constructor(parsed: ParsedCommand, out: Output) {
    this.parsed = parsed;
    this.out = out;
  }

  /** Working directory (absolute). */
  get cwd(): string {
    return this.out.io.cwd;
  }

  /** Environment. */
  get env(): Record<string, string | undefined> {
    return this.out.io.env;
  }

  /** Aborted when the command is interrupted (SIGINT/SIGTERM in the binary). */
  get signal(): AbortSignal | undefined {
    return this.out.io.signal;
  }

  /** `--json` (or `--json=summary`) was given. */
  get json(): boolean {
    const json = this.parsed.values.json;
    return json === true || json === "summary";
  }

  /** `--json=summary` was given: only the counts. */
  get jsonSummary(): boolean {
    return this.parsed.values.json === "summary";
  }

  /** `--dry-run` was given. */
  get dryRun(): boolean {
    return this.parsed.values["dry-run"] === true;
  }

  /** `--force` was given. */
  get force(): boolean {
    return this.parsed.values.force === true;
  }

  /** A boolean flag. */
  flag(name: string): boolean {
    return this.parsed.values[name] === true;
  }

  /** A string option. */
  option(name: string): string | undefined {
    const v = this.parsed.values[name];
    return typeof v === "string" ? v : undefined;
  }

  /** Configuration files and effective storage settings (read once); registers the secrets. */
  settings(): Settings {
    if (this.#settings === undefined) {
      this.out.addSecrets(
        ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"].map((n) => this.env[n]),
      );
      this.#settings = loadSettings({ parsed: this.parsed, cwd: this.cwd, env: this.env });
      this.out.addSecrets(settingsSecrets(this.#settings, this.env));
      // `config --check` lists them as problems instead
      if (!(this.parsed.command.name === "config" && this.flag("check"))) {
        for (const w of this.#settings.warnings) this.out.warn(w);
      }
    }
    return this.#settings;
  }

  /** Whether a progress bar may be drawn (stderr is a terminal, no `--no-progress`/`--json`). */
  progressAllowed(usePbar = true): boolean {
    return usePbar && this.out.io.stderrIsTTY && !this.flag("no-progress") && !this.json &&
      !this.out.quiet;
  }

  /** A `RemoteStorage` for the effective settings, reporting through the CLI reporter. */
  storage(reporter: Omit<ReporterOptions, "progress"> = {}): RemoteStorage {
    const conf = storageConfigOf(this.settings());
    const normalized = normalizeStorageConfig(conf);
    const events: SyncEvents = cliReporter(this.out, {
      ...reporter,
      progress: this.progressAllowed(normalized.usePbar),
    });
    const storage = new RemoteStorage(conf, { events });
    this.#storages.push(storage);
    return storage;
  }

  /** Releases the connections of every storage this context built. */
  async close(): Promise<void> {
    for (const s of this.#storages.splice(0)) {
      try {
        await s.close();
      } catch {
        // closing is best effort
      }
    }
  }
}

/**
 * A command: its grammar and its implementation (returns the exit code).
 *
 * @example
 * ```ts
 * import type { Command } from "./context.ts";
 * const hello: Command = {
 *   spec: { name: "hello", summary: "say hello", description: "Says hello.", args: [], options: [], storage: false, json: "none", examples: [] },
 *   run: (ctx) => {
 *     ctx.out.line("hello");
 *     return Promise.resolve(0);
 *   },
 * };
 * ```
 */
export interface Command {
  /** Grammar, help and JSON description. */
  spec: CommandSpec;
  /** Runs the command; returns the exit code (errors are thrown and mapped by `run`). */
  run(ctx: CommandContext): Promise<number>;
}
