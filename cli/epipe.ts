/**
 * A closed pipe ends the CLI quietly: `accsr ls | head -1` exits 0 without an error or a stack
 * trace once `head` has stopped reading (as git and rclone do).
 *
 * @module
 */

/**
 * The part of a stream {@linkcode exitOnBrokenPipe} needs: `process.stdout` or
 * `process.stderr`.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * import type { ErrorEmitter } from "./epipe.ts";
 * const stream: ErrorEmitter = process.stdout;
 * ```
 */
export interface ErrorEmitter {
  /** Registers an `error` listener. */
  on(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * Ends the process with `exit(0)` when writing to `stream` fails because the reader went away
 * (`EPIPE`); any other stream error is rethrown (an uncaught error, as without the listener).
 *
 * @param stream `process.stdout` or `process.stderr`.
 * @param exit Ends the process; default `process.exit`.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * import { exitOnBrokenPipe } from "./epipe.ts";
 * exitOnBrokenPipe(process.stdout, (code) => process.exit(code));
 * ```
 */
export function exitOnBrokenPipe(stream: ErrorEmitter, exit: (code: number) => void): void {
  stream.on("error", (error: Error) => {
    if (isBrokenPipe(error)) {
      exit(0);
      return;
    }
    throw error;
  });
}

/**
 * Whether `error` says the reading end of a pipe was closed.
 *
 * @example
 * ```ts
 * import { isBrokenPipe } from "./epipe.ts";
 * isBrokenPipe(Object.assign(new Error("write EPIPE"), { code: "EPIPE" })); // true
 * ```
 */
export function isBrokenPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED" ||
    (error instanceof Error && error.name === "BrokenPipe");
}
