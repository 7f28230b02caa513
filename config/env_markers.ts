/**
 * `"env:NAME"` markers: configuration strings that stand for an environment variable.
 *
 * @module
 */
import process from "node:process";
import { mapDeep } from "./_objects.ts";

/**
 * Prefix of a configuration string that stands for an environment variable: `"env:NAME"`
 * reads `NAME`, `"env:NAME:-fallback"` reads `NAME` or gives `fallback`.
 *
 * @example
 * ```ts
 * import { ENV_VAR_MARKER } from "./env_markers.ts";
 * console.log(`${ENV_VAR_MARKER}HOME`); // "env:HOME"
 * ```
 */
export const ENV_VAR_MARKER = "env:";

/**
 * What an `"env:"` marker refers to; see {@linkcode parseEnvMarker}.
 *
 * @example
 * ```ts
 * import { parseEnvMarker } from "./env_markers.ts";
 * console.log(parseEnvMarker("env:HOME:-/root"));
 * ```
 */
export interface EnvMarker {
  /** Name of the environment variable. */
  name: string;
  /** Value used when the variable is unset or empty (`"env:NAME:-fallback"`), if any. */
  fallback?: string;
}

/**
 * Parses an `"env:"` marker; returns `undefined` for any value that is not one. The marker is
 * case-sensitive and must start the string; only the literal prefix `env:` is removed.
 *
 * @example
 * ```ts
 * import { parseEnvMarker } from "./env_markers.ts";
 * console.log(parseEnvMarker("env:nvidia_home")); // { name: "nvidia_home" }
 * console.log(parseEnvMarker("env:PORT:-8080")); // { name: "PORT", fallback: "8080" }
 * console.log(parseEnvMarker("ENV:X")); // undefined
 * ```
 */
export function parseEnvMarker(value: unknown): EnvMarker | undefined {
  if (typeof value !== "string" || !value.startsWith(ENV_VAR_MARKER)) return undefined;
  const rest = value.slice(ENV_VAR_MARKER.length);
  const separator = rest.indexOf(":-");
  return separator < 0
    ? { name: rest }
    : { name: rest.slice(0, separator), fallback: rest.slice(separator + 2) };
}

/**
 * Returns a deep copy of `value` in which every string `"env:NAME"` — at any depth, in objects
 * and in arrays — is replaced by the value of the environment variable `NAME`. The input is
 * never changed.
 *
 * - `"env:NAME"`: the variable's value, or `undefined` when it is unset (an empty variable
 *   gives `""`).
 * - `"env:NAME:-fallback"`: shell semantics — `fallback` when `NAME` is unset **or empty**.
 * - Only the literal prefix `env:` is removed: `"env:nvidia_home"` reads `nvidia_home`.
 *
 * @param value Any configuration value.
 * @param env The variables to read; defaults to `process.env`, read at call time.
 * @returns A copy with the markers resolved.
 *
 * @example
 * ```ts
 * import { resolveEnvMarkers } from "./env_markers.ts";
 * const env = { DB_HOST: "db.local", EMPTY: "" };
 * const config = { db: { host: "env:DB_HOST", port: "env:DB_PORT:-5432" }, l: ["env:EMPTY:-x"] };
 * console.log(resolveEnvMarkers(config, env));
 * // { db: { host: "db.local", port: "5432" }, l: ["x"] }
 * ```
 */
export function resolveEnvMarkers<T>(
  value: T,
  env: Record<string, string | undefined> = process.env,
): T {
  return mapDeep(value, (leaf) => {
    const marker = parseEnvMarker(leaf);
    if (marker === undefined) return leaf;
    const raw: unknown = env[marker.name];
    const found = typeof raw === "string" ? raw : undefined; // ignores inherited `toString` & co
    if (marker.fallback !== undefined && (found === undefined || found === "")) {
      return marker.fallback;
    }
    return found;
  });
}
