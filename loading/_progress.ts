/**
 * Private: a byte-counting progress bar on stderr (cli-progress), used by `downloadFile`.
 *
 * @module
 */
import process from "node:process";
// @ts-types="../_types/cli_progress.d.ts"
import cliProgress from "npm:cli-progress@^3.12.0";

/** The part of cli-progress's `SingleBar` we use (the package ships no types). */
interface SingleBarLike {
  start(total: number, startValue: number): void;
  update(value: number): void;
  stop(): void;
}

/** The parameters cli-progress hands to a custom `format` function. */
interface FormatParams {
  value: number;
  total: number;
  progress: number;
}

const { SingleBar } = cliProgress as {
  SingleBar: new (options: Record<string, unknown>) => SingleBarLike;
};

/** A progress display fed with the number of bytes received so far. */
export interface ByteProgress {
  /** Sets the number of bytes received so far. */
  update(receivedBytes: number): void;
  /** Draws the final state and releases the terminal (idempotent). */
  stop(): void;
}

/** Formats a byte count with SI units, like tqdm's `unit_scale`: `"512 B"`, `"1.50 MB"`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${value} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/**
 * A progress bar on `stream` (default `process.stderr`) counting bytes; `totalBytes` is the
 * expected size when known. cli-progress draws only when the stream is a terminal.
 */
export function createByteProgress(
  label: string,
  totalBytes: number | undefined,
  stream: NodeJS.WritableStream = process.stderr,
): ByteProgress {
  const known = totalBytes !== undefined && totalBytes > 0;
  const bar = new SingleBar({
    stream,
    hideCursor: false,
    clearOnComplete: false,
    barsize: 30,
    format: (_options: unknown, params: FormatParams) => {
      if (!known) return `${label} ${formatBytes(params.value)}`;
      const ratio = Math.min(1, Math.max(0, params.progress));
      const filled = Math.round(ratio * 30);
      const barText = "█".repeat(filled) + "░".repeat(30 - filled);
      return `${label} |${barText}| ${Math.floor(ratio * 100)}% ${formatBytes(params.value)}/${
        formatBytes(params.total)
      }`;
    },
  });
  bar.start(known ? totalBytes : 0, 0);
  let stopped = false;
  return {
    update(receivedBytes: number) {
      if (!stopped) bar.update(receivedBytes);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
