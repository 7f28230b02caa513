/**
 * How the sync engine reports progress: a small event interface. The default reporter draws
 * a byte progress bar on a terminal (stderr) and logs accsr-style lines otherwise.
 *
 * @module
 */
import process from "node:process";
// @ts-types="../_types/cli_progress.d.ts"
import type cliProgressTypes from "npm:cli-progress@^3.12.0";
import type { SyncDirection, SyncObject } from "./summary.ts";

/**
 * Events of a transaction. Every member is optional.
 *
 * @example
 * ```ts
 * import type { SyncEvents } from "accsr/storage";
 * const quiet: SyncEvents = { log: () => {} };
 * const counting: SyncEvents = { bytes: (n) => console.log(`+${n} bytes`) };
 * ```
 */
export interface SyncEvents {
  /** A log line (accsr's messages, e.g. `Uploading file 1/3 to bucket: key (1 B)`). */
  log?(level: "info" | "warn", message: string): void;
  /** Transfers begin. */
  transferStart?(
    info: {
      direction: SyncDirection;
      files: number;
      bytes: number;
      force: boolean;
      /** The run's cap in bytes/s (`bandwidthLimit`), when set. */
      bandwidthLimit?: number;
    },
  ): void;
  /** One file's transfer begins. */
  fileStart?(obj: SyncObject, index: number, total: number): void;
  /** Bytes moved since the previous call. */
  bytes?(n: number): void;
  /** One file's transfer ended (successfully or not). */
  fileDone?(obj: SyncObject, index: number, total: number, error?: Error): void;
  /** Transfers ended. */
  transferEnd?(): void;
}

/**
 * accsr's human-readable size: decimal units, Python's round-half-even for kB.
 *
 * @example
 * ```ts
 * import { readableSize } from "accsr/storage";
 * readableSize(999); // "999 B"
 * readableSize(2500); // "2 kB"
 * readableSize(1_234_567); // "1.2 MB"
 * ```
 */
export function readableSize(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) {
    const x = n / 1000;
    const f = Math.floor(x);
    const diff = x - f;
    const r = diff > 0.5 || (diff === 0.5 && f % 2 === 1) ? f + 1 : f;
    return `${r} kB`;
  }
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/**
 * Where the default reporter writes: stderr, or anything with `write` (and `isTTY` /
 * `columns` for a bar).
 *
 * @example
 * ```ts
 * import type { ReporterStream } from "accsr/storage";
 * const lines: string[] = [];
 * const s: ReporterStream = { write: (t: string) => { lines.push(t); return true; } };
 * ```
 */
export interface ReporterStream {
  /** Writes text. */
  write(text: string): unknown;
  /** Whether it is a terminal (bars are drawn only on terminals). */
  isTTY?: boolean;
  /** Terminal width. */
  columns?: number;
}

/**
 * How much the default reporter logs: `"off"` nothing, `"warn"` warnings, `"info"` warnings and
 * accsr's info lines (`Scanning files in …`, `Uploading file 1/3 to …`).
 *
 * @example
 * ```ts
 * import type { LogLevel } from "accsr/storage";
 * const level: LogLevel = "info";
 * ```
 */
export type LogLevel = "off" | "warn" | "info";

/**
 * Receives the log lines of a transaction (an opt-in: the library prints none by default).
 *
 * @example
 * ```ts
 * import type { Logger } from "accsr/storage";
 * const logger: Logger = (level, message) => console.error(`[accsr ${level}] ${message}`);
 * ```
 */
export type Logger = (level: "info" | "warn", message: string) => void;

/**
 * The log level asked for by the environment variable `ACCSR_LOG` (`info`/`debug`, `warn`,
 * anything else or unset: `off`).
 *
 * @example
 * ```ts
 * import { logLevelFromEnv } from "accsr/storage";
 * logLevelFromEnv({ ACCSR_LOG: "info" }); // "info"
 * logLevelFromEnv({}); // "off"
 * ```
 */
export function logLevelFromEnv(env: Record<string, string | undefined> = readEnv()): LogLevel {
  const v = (env.ACCSR_LOG ?? "").trim().toLowerCase();
  if (v === "info" || v === "debug" || v === "verbose") return "info";
  if (v === "warn" || v === "warning") return "warn";
  return "off";
}

function readEnv(): Record<string, string | undefined> {
  try {
    return { ACCSR_LOG: process.env.ACCSR_LOG };
  } catch {
    return {}; // no permission to read the environment
  }
}

/**
 * Options of {@linkcode defaultReporter}.
 *
 * @example
 * ```ts
 * import type { DefaultReporterOptions } from "accsr/storage";
 * const o: DefaultReporterOptions = { usePbar: true, logLevel: "warn" };
 * ```
 */
export interface DefaultReporterOptions {
  /** Draw a progress bar (only when `stream` is a terminal). */
  usePbar: boolean;
  /**
   * Where the bar and the log lines go.
   * @default {process.stderr}
   */
  stream?: ReporterStream;
  /**
   * Which log lines to write to `stream` (info lines never while a bar is drawn).
   * @default {the level of `ACCSR_LOG`, else "off"}
   */
  logLevel?: LogLevel;
  /** `true` is `logLevel: "info"`, `false` is `logLevel: "warn"` (older option). */
  verbose?: boolean;
  /** Receives every log line (info and warnings) instead of `stream`. */
  logger?: Logger;
}

/**
 * The default reporter: a progress bar (files done/total, bytes, rate, ETA) on stderr when
 * `usePbar` is on and stderr is a terminal. Log lines are printed only when asked for: with a
 * `logger`, or with `logLevel` / `ACCSR_LOG=info` (or `warn`). A script or notebook that asks
 * for nothing gets no output at all.
 *
 * @example
 * ```ts
 * import { defaultReporter } from "accsr/storage";
 * const silent = defaultReporter({ usePbar: false });
 * silent.log?.("info", "not printed");
 * const chatty = defaultReporter({ usePbar: false, logLevel: "info" });
 * chatty.log?.("info", "hello"); // printed on stderr
 * const mine = defaultReporter({ usePbar: false, logger: (level, m) => console.log(level, m) });
 * ```
 */
export function defaultReporter(options: DefaultReporterOptions): SyncEvents {
  const stream: ReporterStream = options.stream ?? process.stderr;
  const bar = options.usePbar && stream.isTTY === true;
  const level: LogLevel = options.logLevel ??
    (options.verbose === undefined ? logLevelFromEnv() : options.verbose ? "info" : "warn");
  type Bar = InstanceType<typeof cliProgressTypes.SingleBar>;
  let pbar: Bar | undefined;
  let done = 0;
  let filesDone = 0;
  let started = 0;
  // the bar library is loaded only when a bar will be drawn (it costs start-up time); a
  // transfer that starts before it is loaded gets its bar as soon as it is
  let lib: typeof cliProgressTypes | undefined;
  type Start = {
    direction: string;
    bytes: number;
    force: boolean;
    files: number;
    bandwidthLimit?: number;
  };
  let pending: Start | undefined;
  let current: Start | undefined;
  const payload = () => {
    const seconds = (Date.now() - started) / 1000;
    return {
      done: readableSize(done),
      all: readableSize(current?.bytes ?? 0),
      files: `${filesDone}/${current?.files ?? 0} files`,
      rate: (seconds > 0.2 ? `${readableSize(Math.round(done / seconds))}/s` : "-") +
        (current?.bandwidthLimit === undefined
          ? ""
          : ` (limit ${readableSize(current.bandwidthLimit)}/s)`),
    };
  };
  const draw = (p: Start) => {
    pbar = new lib!.SingleBar({
      stream: stream as unknown as NodeJS.WritableStream,
      format: `${
        p.force ? "force " : ""
      }${p.direction}ing |{bar}| {percentage}% {files} {done}/{all} {rate} ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    }, lib!.Presets.shades_classic);
    pbar.start(p.bytes, done, payload());
  };
  if (bar) {
    void import("npm:cli-progress@^3.12.0").then((m) => {
      lib = m.default;
      if (pending) draw(pending);
      pending = undefined;
    }, () => {});
  }
  return {
    log(lvl, message) {
      if (options.logger) {
        options.logger(lvl, message);
        return;
      }
      if (lvl === "warn") {
        if (level === "off") return;
        if (pbar) stream.write("\n");
        stream.write(`warning: ${message}\n`);
      } else if (!bar && level === "info") stream.write(`${message}\n`);
    },
    transferStart(info) {
      if (!bar) return;
      done = 0;
      filesDone = 0;
      started = Date.now();
      current = info;
      if (lib === undefined) pending = info;
      else draw(info);
    },
    bytes(n) {
      done += n;
      pbar?.increment(n, payload());
    },
    fileDone() {
      filesDone++;
      pbar?.update(payload());
    },
    transferEnd() {
      if (pending && lib === undefined) pending = undefined; // finished before the bar loaded
      pbar?.stop();
      pbar = undefined;
    },
  };
}
