/**
 * The part of `npm:cli-progress` accsr uses, typed here instead of by `@types/cli-progress`
 * (which pulls `@types/node` into Deno's graph; `deno doc` cannot resolve its reference paths).
 * Used through `// @ts-types`; the npm build type-checks with `@types/cli-progress`.
 *
 * @module
 */

/** Options of a bar. */
export interface BarOptions {
  /** Where the bar is drawn. */
  stream?: unknown;
  /** Format string with `{bar}`, `{percentage}` and payload placeholders. */
  format?: string;
  /** Hide the cursor while the bar runs. */
  hideCursor?: boolean;
  /** Remove the bar when it stops. */
  clearOnComplete?: boolean;
  /** Other options of cli-progress. */
  [option: string]: unknown;
}

/** A bar style. */
export interface Preset {
  /** Style settings. */
  [setting: string]: unknown;
}

/** One progress bar. */
export declare class SingleBar {
  /** A bar with options and a style. */
  constructor(options: BarOptions, preset?: Preset);
  /** Starts drawing. */
  start(total: number, startValue: number, payload?: Record<string, unknown>): void;
  /** Sets the value. */
  update(value: number, payload?: Record<string, unknown>): void;
  /** Updates the payload only. */
  update(payload: Record<string, unknown>): void;
  /** Adds to the value. */
  increment(step?: number, payload?: Record<string, unknown>): void;
  /** Adds 1 to the value and updates the payload. */
  increment(payload: Record<string, unknown>): void;
  /** Stops drawing. */
  stop(): void;
}

/** Built-in bar styles. */
export declare const Presets: { shades_classic: Preset; [name: string]: Preset };

/** The module's default export. */
declare const cliProgress: { SingleBar: typeof SingleBar; Presets: typeof Presets };
export default cliProgress;
