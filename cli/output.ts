/**
 * Where the CLI writes: the {@linkcode RunIO} a caller passes to `run`, and the
 * {@linkcode Output} the commands use (colours, JSON, secret scrubbing).
 *
 * @module
 */
import process from "node:process";

/**
 * A stream the CLI writes text to: `process.stdout`, or anything with a `write(string)`
 * method (tests pass a string collector). `isTTY` and `columns` are read when present.
 *
 * @example
 * ```ts
 * import type { CliWriter } from "accsr/cli";
 * let text = "";
 * const collect: CliWriter = { write: (s) => (text += s) };
 * ```
 */
export interface CliWriter {
  /** Writes a chunk of text. */
  write(chunk: string): unknown;
  /** Whether the stream is a terminal. */
  isTTY?: boolean;
  /** Width of the terminal, when it is one. */
  columns?: number;
}

/**
 * The world the CLI runs in. Every field is optional and defaults to the process's own
 * (`process.stdout`, `process.stderr`, `process.env`, `process.cwd()`).
 *
 * @example
 * ```ts
 * import type { RunIO } from "accsr/cli";
 * let out = "";
 * const io: RunIO = { stdout: { write: (s) => (out += s) }, cwd: "/tmp/project", env: {} };
 * ```
 */
export interface RunIO {
  /** Results (human text or `--json`). */
  stdout?: CliWriter;
  /** Errors, warnings and progress bars. */
  stderr?: CliWriter;
  /** Environment for `"env:"` markers, credentials and `NO_COLOR`. */
  env?: Record<string, string | undefined>;
  /** Working directory every relative path argument is resolved against. */
  cwd?: string;
  /**
   * Treat stdout and stderr as terminals (`true`) or not (`false`), overriding their own
   * `isTTY`. Terminals get colours (unless `NO_COLOR` is set) and progress bars.
   */
  isTTY?: boolean;
  /**
   * Cancels the command (the binary aborts it on SIGINT/SIGTERM): no new transfer starts,
   * running ones are cancelled and temporary files removed. Aborted with a `cli/signals.ts`
   * `Interrupt` as reason, `run` reports `INTERRUPTED` and returns 130 or 143.
   */
  signal?: AbortSignal;
}

/**
 * {@linkcode RunIO} with every default filled in.
 *
 * @example
 * ```ts
 * import { type ResolvedIO, resolveIO } from "./output.ts";
 * const io: ResolvedIO = resolveIO({ cwd: "/tmp/project" });
 * console.log(io.stdoutIsTTY, io.cwd);
 * ```
 */
export interface ResolvedIO {
  stdout: CliWriter;
  stderr: CliWriter;
  env: Record<string, string | undefined>;
  cwd: string;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  signal?: AbortSignal;
}

/**
 * Fills in the defaults of a {@linkcode RunIO}.
 *
 * @example
 * ```ts
 * import { resolveIO } from "./output.ts";
 * const io = resolveIO({ isTTY: false });
 * console.log(io.cwd === process.cwd(), io.stderrIsTTY); // true false
 * ```
 */
export function resolveIO(io: RunIO = {}): ResolvedIO {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  return {
    stdout,
    stderr,
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    stdoutIsTTY: io.isTTY ?? stdout.isTTY === true,
    stderrIsTTY: io.isTTY ?? stderr.isTTY === true,
    signal: io.signal,
  };
}

const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

/**
 * A colour or text style.
 *
 * @example
 * ```ts
 * import type { Style } from "./output.ts";
 * const warning: Style = "yellow";
 * ```
 */
export type Style = keyof typeof STYLES;

/**
 * The command layer's only way to print. Colours are used on a terminal only and never when
 * `NO_COLOR` is set; every line passes through the secret scrubber, so a secret that reached
 * a message by accident is printed as `***`.
 *
 * @example
 * ```ts
 * import { Output, resolveIO } from "./output.ts";
 * const out = new Output(resolveIO({ env: { NO_COLOR: "1" } }));
 * out.addSecrets(["s3cr3t-value"]);
 * out.line(`pushed ${out.style("green", "3 files")} with s3cr3t-value`); // "pushed 3 files with ***"
 * out.error("Cannot push", "check the path");
 * ```
 */
export class Output {
  readonly #io: ResolvedIO;
  readonly #secrets = new Set<string>();
  readonly #colorOut: boolean;
  readonly #colorErr: boolean;
  /** `-q/--quiet`: no summary lines ({@linkcode Output.prototype.note}) and no warnings. */
  quiet = false;

  constructor(io: ResolvedIO) {
    this.#io = io;
    const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "";
    this.#colorOut = io.stdoutIsTTY && !noColor;
    this.#colorErr = io.stderrIsTTY && !noColor;
  }

  /** The resolved IO. */
  get io(): ResolvedIO {
    return this.#io;
  }

  /** Values never to print (secrets); values shorter than 4 characters are ignored. */
  addSecrets(values: Iterable<string | undefined | null>): void {
    for (const v of values) if (typeof v === "string" && v.length >= 4) this.#secrets.add(v);
  }

  /** `text` with every known secret replaced by `***`. */
  scrub(text: string): string {
    let s = text;
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      if (s.includes(secret)) s = s.split(secret).join("***");
    }
    return s;
  }

  /** `text` styled for stdout (plain when stdout is not a colour terminal). */
  style(style: Style, text: string): string {
    return this.#colorOut ? paint(style, text) : text;
  }

  /** `text` styled for stderr. */
  styleErr(style: Style, text: string): string {
    return this.#colorErr ? paint(style, text) : text;
  }

  /** Writes one line (or several) to stdout. */
  line(text = ""): void {
    this.#io.stdout.write(this.scrub(text) + "\n");
  }

  /** Writes one line (or several) to stderr. */
  errLine(text = ""): void {
    this.#io.stderr.write(this.scrub(text) + "\n");
  }

  /** Writes a JSON document (2-space indent) to stdout. */
  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** A line on stdout that `-q/--quiet` drops (summaries such as "pushed 3 files"). */
  note(text = ""): void {
    if (!this.quiet) this.line(text);
  }

  /** `warning: <message>` on stderr (not with `-q/--quiet`). */
  warn(message: string): void {
    if (this.quiet) return;
    this.errLine(`${this.styleErr("yellow", "warning:")} ${message}`);
  }

  /** `error: <message>` and `hint: <hint>` on stderr. */
  error(message: string, hint?: string): void {
    this.errLine(`${this.styleErr("red", this.styleErr("bold", "error:"))} ${message}`);
    if (hint) this.errLine(`${this.styleErr("dim", "hint:")} ${hint}`);
  }
}

function paint(style: Style, text: string): string {
  const [open, close] = STYLES[style];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}

/**
 * Pads the columns of `rows` to equal widths (`right` lists right-aligned column indexes).
 *
 * @example
 * ```ts
 * import { table } from "./output.ts";
 * console.log(table([["1", "a.txt"], ["1234", "b.txt"]], [0]).join("\n"));
 * //    1  a.txt
 * // 1234  b.txt
 * ```
 */
export function table(rows: readonly string[][], right: readonly number[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => widths[i] = Math.max(widths[i] ?? 0, c.length));
  return rows.map((row) =>
    row.map((c, i) =>
      i === row.length - 1 && !right.includes(i)
        ? c
        : right.includes(i)
        ? c.padStart(widths[i])
        : c.padEnd(widths[i])
    ).join("  ").trimEnd()
  );
}

/**
 * `1 file` / `2 files`.
 *
 * @example
 * ```ts
 * import { plural } from "./output.ts";
 * plural(1, "file"); // "1 file"
 * plural(3, "file"); // "3 files"
 * ```
 */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
