/**
 * Progress reporting of the CLI: the library's progress bar on a terminal, otherwise only
 * warnings — nothing decorative when stderr is piped or `--json` is given.
 *
 * @module
 */
import { defaultReporter, type SyncEvents } from "../storage/mod.ts";
import type { CliWriter, Output } from "./output.ts";
import { cliWords } from "./words.ts";

/** Library warnings of dry runs that the CLI states itself, in its own words. */
const DRY_RUN_WARNINGS = [
  /would not succeed without force/i,
  /has unresolvable collisions and would not succeed/i,
];

/**
 * How to report a transaction.
 *
 * @example
 * ```ts
 * import type { ReporterOptions } from "./reporter.ts";
 * const options: ReporterOptions = { progress: false, dryRun: true };
 * ```
 */
export interface ReporterOptions {
  /** Draw a progress bar on stderr (only when stderr is a terminal). */
  progress: boolean;
  /** Drop the library's "would not succeed" warnings (the CLI reports them). */
  dryRun?: boolean;
  /** Print nothing at all (status). */
  silent?: boolean;
  /** Drop the library's "No files found in remote storage" warning (pull reports an error). */
  missingIsError?: boolean;
}

/**
 * The events to pass to `RemoteStorage` for one command.
 *
 * @example
 * ```ts
 * import { cliReporter } from "./reporter.ts";
 * import { Output, resolveIO } from "./output.ts";
 * const events = cliReporter(new Output(resolveIO()), { progress: false });
 * events.log?.("warn", "printed on stderr as 'warning: …'");
 * events.log?.("info", "not printed");
 * ```
 */
export function cliReporter(out: Output, options: ReporterOptions): SyncEvents {
  if (options.silent) return { log: () => {} };
  const warn = (message: string) => {
    if (options.dryRun && DRY_RUN_WARNINGS.some((re) => re.test(message))) return;
    if (options.missingIsError && /^No files found in remote storage/.test(message)) return;
    out.warn(cliWords(message));
  };
  if (!options.progress) {
    return { log: (level, message) => level === "warn" && warn(message) };
  }
  const stream = ttyStream(out.io.stderr, (s) => out.scrub(s));
  let barShown = false;
  const bar = defaultReporter({ usePbar: true, stream, verbose: false });
  return {
    ...bar,
    log(level, message) {
      if (level !== "warn") return;
      if (barShown) out.io.stderr.write("\n");
      warn(message);
    },
    transferStart(info) {
      barShown = true;
      bar.transferStart?.(info);
    },
    transferEnd() {
      bar.transferEnd?.();
      barShown = false;
    },
  };
}

/** The stderr writer as the terminal stream the progress bar library expects. */
function ttyStream(w: CliWriter, scrub: (s: string) => string): NodeJS.WriteStream {
  const stream = {
    isTTY: true,
    get columns() {
      return w.columns ?? 80;
    },
    write(chunk: string | Uint8Array, ...rest: unknown[]) {
      w.write(scrub(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)));
      const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      cb?.();
      return true;
    },
    on() {
      return stream;
    },
    once() {
      return stream;
    },
    off() {
      return stream;
    },
    removeListener() {
      return stream;
    },
  };
  return stream as unknown as NodeJS.WriteStream;
}
