/**
 * Configuration profiles: `config.production.json` read right after `config.json` when the
 * profile is `production`.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import { ConfigError } from "../errors.ts";

/** The variable that selects the profile when no `profile` option is given. */
export const PROFILE_VARIABLE = "ACCSR_PROFILE";

/** The extensions a profile file may have, in the order they are tried after the base's own. */
const EXTENSIONS = [".json", ".yaml", ".yml", ".toml"] as const;

/**
 * The profile to use: `profile` when given (`""` for none), else the `ACCSR_PROFILE` variable
 * of `env`. Throws a `ConfigError` (code `CONFIG_INVALID_PROFILE`) for a name that is not
 * letters, digits, `_`, `-` and inner `.` (no path separators, no `..`).
 *
 * @param profile The `profile` option.
 * @param env The environment to read `ACCSR_PROFILE` from.
 * @returns The profile name, or `undefined` for none.
 *
 * @example
 * ```ts
 * import { selectProfile } from "accsr/config";
 * console.log(selectProfile(undefined, { ACCSR_PROFILE: "ci" })); // "ci"
 * console.log(selectProfile("", { ACCSR_PROFILE: "ci" })); // undefined
 * ```
 */
export function selectProfile(
  profile: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  const fromEnv = profile === undefined;
  const name = fromEnv ? env[PROFILE_VARIABLE] : profile;
  if (name === undefined || name === "") return undefined;
  if (typeof name !== "string") throw new TypeError(`profile must be a string, got ${name}`);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name)) {
    const what = fromEnv ? `${PROFILE_VARIABLE}=${JSON.stringify(name)}` : JSON.stringify(name);
    throw new ConfigError(
      `Cannot use configuration profile ${what}: a profile name has letters, digits, "_", "-" ` +
        `and inner dots only, no path separators (e.g. "production", "ci")`,
      { code: "CONFIG_INVALID_PROFILE" },
    );
  }
  return name;
}

/**
 * One configuration file to read, and whether it is a profile file.
 *
 * @example
 * ```ts
 * import type { ConfigFileEntry } from "./profiles.ts";
 * const entry: ConfigFileEntry = { name: "config.ci.json", profile: "ci" };
 * ```
 */
export interface ConfigFileEntry {
  /** File name as given (relative to the configuration directory) or built from it. */
  name: string;
  /** The profile, for a profile file. */
  profile?: string;
}

/**
 * `files` with, right after each `name.ext`, the profile files `name.<profile>.<ext>` that
 * exist in `directory` — the base's own extension first, then `.json`, `.yaml`, `.yml`,
 * `.toml`. Without a profile, `files` as they are.
 *
 * @param directory The configuration directory.
 * @param files The configuration file names, lowest precedence first.
 * @param profile The profile, if any.
 * @returns The files to read, in order.
 *
 * @example
 * ```ts
 * import { withProfileFiles } from "./profiles.ts";
 * console.log(withProfileFiles("/p", ["config.json", "config_local.json"], "production"));
 * // e.g. [{ name: "config.json" }, { name: "config.production.json", profile: "production" },
 * //       { name: "config_local.json" }]
 * ```
 */
export function withProfileFiles(
  directory: string,
  files: readonly string[],
  profile: string | undefined,
): ConfigFileEntry[] {
  const out: ConfigFileEntry[] = [];
  for (const name of files) {
    out.push({ name });
    if (profile === undefined || typeof name !== "string") continue;
    const ext = extname(name);
    const stem = name.slice(0, name.length - ext.length);
    const exts = [ext, ...EXTENSIONS.filter((e) => e !== ext)];
    for (const e of exts) {
      const candidate = `${stem}.${profile}${e}`;
      if (existsSync(resolve(directory, candidate))) out.push({ name: candidate, profile });
    }
  }
  return out;
}
