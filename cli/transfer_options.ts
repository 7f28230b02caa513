/**
 * The transfer-control flags of `push` and `pull` as library options: `--max-size`,
 * `--min-size`, `--max-age`, `--min-age`, `--files-from`. Bad values are usage errors
 * naming the flag.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseFilesFrom, type TransferFilters } from "../storage/mod.ts";
import { type ParsedCommand, UsageError } from "./args.ts";
import { parseDuration } from "./duration.ts";

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/**
 * Bytes of a size such as `500K`, `8M`, `1.5G` (binary units `K M G T`, as rclone: 1K =
 * 1024 bytes; `KiB`, `MiB`, … also accepted; a plain number or `B` is bytes); a bad value is
 * a usage error naming the option.
 *
 * @example
 * ```ts
 * import { parseSize } from "./transfer_options.ts";
 * parseSize("8M", "--max-size"); // 8388608
 * parseSize("100", "--min-size"); // 100
 * ```
 */
export function parseSize(
  text: string,
  option: string,
  command?: ParsedCommand["command"],
): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (m === null || (m[2] === "" && /[a-z]/i.test(text))) {
    throw new UsageError(
      `invalid ${option} "${text}": expected a number of bytes with an optional unit, like 500K, 8M or 1G (binary: 1K = 1024)`,
      command,
    );
  }
  return Math.floor(Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]);
}

/**
 * The `--max-size`, `--min-size`, `--max-age`, `--min-age` and `--files-from` values as
 * library options (`--files-from FILE` is read relative to `cwd`; `-` is not supported).
 *
 * @throws {UsageError} A bad size or duration, or an unreadable `--files-from` file.
 *
 * @example
 * ```ts
 * import { filterOptionsOf } from "./transfer_options.ts";
 * import { type ParsedCommand, parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["push", "data", "--max-size", "1M"], COMMAND_SPECS) as ParsedCommand;
 * console.log(filterOptionsOf(p, "/work")); // { maxSize: 1048576 }
 * ```
 */
export function filterOptionsOf(parsed: ParsedCommand, cwd: string): TransferFilters {
  const v = (name: string) => parsed.values[name] as string | undefined;
  const out: TransferFilters = {};
  const size = (name: string) => {
    const raw = v(name);
    return raw === undefined ? undefined : parseSize(raw, `--${name}`, parsed.command);
  };
  const age = (name: string) => {
    const raw = v(name);
    return raw === undefined ? undefined : parseDuration(raw, `--${name}`, parsed.command);
  };
  const maxSize = size("max-size"), minSize = size("min-size");
  const maxAgeMs = age("max-age"), minAgeMs = age("min-age");
  if (maxSize !== undefined) out.maxSize = maxSize;
  if (minSize !== undefined) out.minSize = minSize;
  if (maxAgeMs !== undefined) out.maxAgeMs = maxAgeMs;
  if (minAgeMs !== undefined) out.minAgeMs = minAgeMs;
  const list = v("files-from");
  if (list !== undefined) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, list), "utf8");
    } catch (e) {
      throw new UsageError(
        `cannot read --files-from "${list}": ${(e as Error).message}`,
        parsed.command,
      );
    }
    out.filesFrom = parseFilesFrom(text);
  }
  return out;
}

/**
 * `--follow-symlinks` / `-L` → `true`, `--no-follow-symlinks` → `false`, neither →
 * `undefined` (the default policy); both at once are a usage error.
 *
 * @example
 * ```ts
 * import { followSymlinksOf } from "./transfer_options.ts";
 * import { type ParsedCommand, parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["push", "data", "-L"], COMMAND_SPECS) as ParsedCommand;
 * console.log(followSymlinksOf(p)); // true
 * ```
 */
export function followSymlinksOf(parsed: ParsedCommand): boolean | undefined {
  const yes = parsed.values["follow-symlinks"] === true;
  const no = parsed.values["no-follow-symlinks"] === true;
  if (yes && no) {
    throw new UsageError(
      "options --follow-symlinks and --no-follow-symlinks exclude each other (pass one)",
      parsed.command,
    );
  }
  return yes ? true : no ? false : undefined;
}

/**
 * `--bwlimit RATE` as the library's `bandwidthLimit` (bytes/s); `undefined` without it. A
 * bad or zero rate is a usage error naming the flag.
 *
 * @example
 * ```ts
 * import { bandwidthLimitOf } from "./transfer_options.ts";
 * import { type ParsedCommand, parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const p = parseCommandLine(["push", "data", "--bwlimit", "8M"], COMMAND_SPECS) as ParsedCommand;
 * console.log(bandwidthLimitOf(p)); // 8388608
 * ```
 */
export function bandwidthLimitOf(parsed: ParsedCommand): number | undefined {
  const raw = parsed.values.bwlimit as string | undefined;
  if (raw === undefined) return undefined;
  const rate = parseSize(raw.replace(/\/s$/i, ""), "--bwlimit", parsed.command);
  if (rate <= 0) {
    throw new UsageError(
      `invalid --bwlimit "${raw}": expected a positive rate, like 500K, 8M or 1G (bytes/s)`,
      parsed.command,
    );
  }
  return rate;
}
