/**
 * Durations on the command line: `0s`, `90s`, `30m`, `24h`, `7d`, `500ms`, `1.5h`.
 *
 * @module
 */
import { type CommandSpec, UsageError } from "./args.ts";

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * Milliseconds of a duration such as `0s`, `30m`, `24h` or `7d` (units `ms s m h d w`); a
 * bad value is a usage error naming the option.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * parseDuration("30m", "--older-than"); // 1800000
 * parseDuration("0s", "--older-than"); // 0
 * ```
 */
export function parseDuration(text: string, option: string, command?: CommandSpec): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i.exec(text);
  if (m === null) {
    throw new UsageError(
      `invalid ${option} "${text}": expected a number and a unit, like 0s, 30m, 24h or 7d`,
      command,
    );
  }
  return Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}
