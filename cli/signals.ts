/**
 * SIGINT (Ctrl-C) and SIGTERM for the `accsr` binary: the first one aborts the command's
 * `AbortSignal` (no new transfer starts, running ones are cancelled, temporary files are
 * removed, the command reports and exits with 130 or 143); a second one, or a command that
 * has not finished 2.5 s after the first, exits at once (temporary files still being
 * written are removed synchronously first). On Windows, what the runtime offers: SIGINT
 * and SIGBREAK.
 *
 * @module
 */
import process from "node:process";
import { removeLiveTempFilesSync } from "../storage/mod.ts";

/**
 * The reason of an abort caused by a signal (the `reason` of the command's `AbortSignal`).
 *
 * @example
 * ```ts
 * import { Interrupt } from "./signals.ts";
 * const r = new Interrupt("SIGTERM");
 * console.log(r.exitCode); // 143
 * ```
 */
export class Interrupt extends Error {
  /** `"SIGINT"`, `"SIGTERM"` or `"SIGBREAK"`. */
  readonly signalName: string;
  /** 130 after SIGINT (and SIGBREAK), 143 after SIGTERM. */
  readonly exitCode: 130 | 143;

  /** An interrupt by the named signal. */
  constructor(signalName: string) {
    super(`interrupted by ${signalName}`);
    this.name = "Interrupt";
    this.signalName = signalName;
    this.exitCode = exitCodeOfSignal(signalName);
  }
}

/**
 * The exit code after a signal: 128 + its number (SIGINT 130, SIGTERM 143; SIGBREAK → 130).
 *
 * @example
 * ```ts
 * import { exitCodeOfSignal } from "./signals.ts";
 * exitCodeOfSignal("SIGINT"); // 130
 * ```
 */
export function exitCodeOfSignal(signalName: string): 130 | 143 {
  return signalName === "SIGTERM" ? 143 : 130;
}

/**
 * The interruption of an {@linkcode Interrupt}ed abort signal, or `undefined`.
 *
 * @example
 * ```ts
 * import { Interrupt, interruptOf } from "./signals.ts";
 * const c = new AbortController();
 * c.abort(new Interrupt("SIGINT"));
 * interruptOf(c.signal)?.exitCode; // 130
 * ```
 */
export function interruptOf(signal: AbortSignal | undefined): Interrupt | undefined {
  return signal?.aborted && signal.reason instanceof Interrupt ? signal.reason : undefined;
}

/**
 * Options of {@linkcode listenForInterrupts}.
 *
 * @example
 * ```ts
 * import type { InterruptOptions } from "./signals.ts";
 * const o: InterruptOptions = { graceMs: 2500 };
 * ```
 */
export interface InterruptOptions {
  /** After the first signal, exit at once if the command has not ended after this long. @default {2500} */
  graceMs?: number;
  /** How to exit at once (default `process.exit`). */
  exit?: (code: number) => void;
}

/**
 * Installs the handlers; returns the signal to pass to `run` and a function that removes
 * the handlers again.
 *
 * @example
 * ```ts ignore
 * import { listenForInterrupts } from "./signals.ts";
 * import { run } from "accsr/cli";
 * const interrupts = listenForInterrupts();
 * const code = await run(process.argv.slice(2), { signal: interrupts.signal });
 * interrupts.dispose();
 * ```
 */
export function listenForInterrupts(
  options: InterruptOptions = {},
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const graceMs = options.graceMs ?? 2_500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hardExit = (code: number) => {
    removeLiveTempFilesSync();
    exit(code);
  };
  const handler = (name: string) => () => {
    const first = interruptOf(controller.signal);
    if (first !== undefined) return hardExit(first.exitCode); // second signal: at once
    const reason = new Interrupt(name);
    controller.abort(reason);
    timer = setTimeout(() => hardExit(reason.exitCode), graceMs);
    (timer as { unref?: () => void }).unref?.();
  };
  const names = process.platform === "win32" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM"];
  const installed: [string, () => void][] = [];
  for (const name of names) {
    const h = handler(name);
    try {
      process.on(name as NodeJS.Signals, h);
      installed.push([name, h]);
    } catch {
      // not available on this platform
    }
  }
  return {
    signal: controller.signal,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      for (const [name, h] of installed) process.off(name as NodeJS.Signals, h);
    },
  };
}
