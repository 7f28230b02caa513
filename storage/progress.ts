/**
 * How the sync engine reports progress: a small event interface. The default reporter draws
 * a byte progress bar on a terminal (stderr) and logs accsr-style lines otherwise.
 *
 * @module
 */
import process from "node:process";
// @ts-types="npm:@types/cli-progress@^3.11.6"
import type cliProgressTypes from "npm:cli-progress@^3.12.0";
import type { SyncDirection, SyncObject } from "./summary.ts";

/**
 * Events of a transaction. Every member is optional.
 *
 * @example
 * ```ts
 * import type { SyncEvents } from "./progress.ts";
 * const quiet: SyncEvents = { log: () => {} };
 * const counting: SyncEvents = { bytes: (n) => console.log(`+${n} bytes`) };
 * ```
 */
export interface SyncEvents {
  /** A log line (accsr's messages, e.g. `Uploading file 1/3 to bucket: key (1 B)`). */
  log?(level: "info" | "warn", message: string): void;
  /** Transfers begin. */
  transferStart?(
    info: { direction: SyncDirection; files: number; bytes: number; force: boolean },
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
 * import { readableSize } from "./progress.ts";
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
 * import type { ReporterStream } from "./progress.ts";
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
 * The default reporter: a byte progress bar on stderr when `usePbar` is on and stderr is a
 * terminal; otherwise each event becomes a log line on stderr (warnings always).
 *
 * @example
 * ```ts
 * import { defaultReporter } from "./progress.ts";
 * const events = defaultReporter({ usePbar: false });
 * events.log?.("info", "hello"); // printed on stderr
 * ```
 */
export function defaultReporter(
  options: { usePbar: boolean; stream?: ReporterStream; verbose?: boolean },
): SyncEvents {
  const stream: ReporterStream = options.stream ?? process.stderr;
  const bar = options.usePbar && stream.isTTY === true;
  const verbose = options.verbose ?? true;
  type Bar = cliProgressTypes.SingleBar;
  let pbar: Bar | undefined;
  let done = 0;
  // the bar library is loaded only when a bar will be drawn (it costs start-up time); a
  // transfer that starts before it is loaded gets its bar as soon as it is
  let lib: typeof cliProgressTypes | undefined;
  let pending: { direction: string; bytes: number; force: boolean } | undefined;
  const draw = (p: { direction: string; bytes: number; force: boolean }) => {
    pbar = new lib!.SingleBar({
      stream: stream as unknown as NodeJS.WritableStream,
      format: `${p.force ? "force " : ""}${p.direction}ing |{bar}| {percentage}% {done}/{all}`,
      hideCursor: true,
      clearOnComplete: false,
    }, lib!.Presets.shades_classic);
    pbar.start(p.bytes, done, { done: readableSize(done), all: readableSize(p.bytes) });
  };
  if (bar) {
    void import("npm:cli-progress@^3.12.0").then((m) => {
      lib = m.default;
      if (pending) draw(pending);
      pending = undefined;
    }, () => {});
  }
  return {
    log(level, message) {
      if (level === "warn") {
        if (pbar) stream.write("\n");
        stream.write(`warning: ${message}\n`);
      } else if (!bar && verbose) stream.write(`${message}\n`);
    },
    transferStart(info) {
      if (!bar) return;
      done = 0;
      if (lib === undefined) pending = info;
      else draw(info);
    },
    bytes(n) {
      done += n;
      pbar?.increment(n, { done: readableSize(done) });
    },
    transferEnd() {
      if (pending && lib === undefined) pending = undefined; // finished before the bar loaded
      pbar?.stop();
      pbar = undefined;
    },
  };
}
