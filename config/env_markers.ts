/**
 * `"env:NAME"` markers: configuration strings that stand for an environment variable.
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { ConfigError } from "../errors.ts";
import { mapDeepWithPath } from "./_objects.ts";

/**
 * Prefix of a configuration string that stands for an environment variable: `"env:NAME"`
 * reads `NAME`, `"env:NAME:-fallback"` reads `NAME` or gives `fallback`.
 *
 * @example
 * ```ts
 * import { ENV_VAR_MARKER } from "accsr/config";
 * console.log(`${ENV_VAR_MARKER}HOME`); // "env:HOME"
 * ```
 */
export const ENV_VAR_MARKER = "env:";

/**
 * What an `"env:"` marker refers to; see {@linkcode parseEnvMarker}.
 *
 * @example
 * ```ts
 * import { parseEnvMarker } from "accsr/config";
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
 * import { parseEnvMarker } from "accsr/config";
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
 * How an `"env:"` marker was resolved; see {@linkcode resolveEnvMarker}.
 *
 * - `"variable"`: the variable is set (possibly to `""`) and its value is used;
 * - `"fallback"`: the `:-fallback` is used (the variable is unset or empty);
 * - `"file"`: the variable is unset and `NAME_FILE` names a file whose content is used;
 * - `"unset"`: the variable is unset, with neither `NAME_FILE` nor a fallback: the value is
 *   `undefined`.
 *
 * @example
 * ```ts
 * import type { EnvMarkerResolution } from "accsr/config";
 * const r: EnvMarkerResolution = { value: undefined, via: "unset", name: "S3_SECRET" };
 * ```
 */
export interface EnvMarkerResolution {
  /** The value the marker stands for (`undefined` when `via` is `"unset"`). */
  value: string | undefined;
  /** Where the value came from. */
  via: "variable" | "fallback" | "file" | "unset";
  /** The variable of the marker. */
  name: string;
  /** With `via: "file"`: the variable that named the file (`NAME_FILE`). */
  fileVariable?: string;
  /** With `via: "file"`: the absolute path of the file that was read. */
  file?: string;
}

/**
 * Options of {@linkcode resolveEnvMarkers} and {@linkcode resolveEnvMarker}.
 *
 * @example
 * ```ts
 * import type { ResolveEnvMarkersOptions } from "accsr/config";
 * const options: ResolveEnvMarkersOptions = { keyPath: ["remote_storage"], baseDirectory: "/p" };
 * ```
 */
export interface ResolveEnvMarkersOptions {
  /** Key path of `value` in the configuration, for messages. @default {[]} */
  keyPath?: readonly string[];
  /** Names the file that set a key path, for messages. */
  sourceOf?: (keyPath: readonly string[]) => string | undefined;
  /**
   * Directory a relative path in `NAME_FILE` is resolved against.
   * @default {process.cwd()}
   */
  baseDirectory?: string;
}

/** Suffix of the variable that names a secret file: `S3_SECRET_FILE` for `env:S3_SECRET`. */
const FILE_SUFFIX = "_FILE";

function variable(env: Record<string, string | undefined>, name: string): string | undefined {
  const raw: unknown = env[name];
  return typeof raw === "string" ? raw : undefined; // ignores inherited `toString` & co
}

/**
 * Resolves one parsed `"env:"` marker: the variable's value; when it is unset, the content of
 * the file named by `NAME_FILE` (one trailing newline removed; secrets mounted as files, as
 * Docker and Kubernetes do); then the `:-fallback`. An empty variable gives `""`, or the
 * fallback when there is one (shell semantics).
 *
 * @param marker A marker from {@linkcode parseEnvMarker}.
 * @param env The variables to read.
 * @param options Key path and source for messages; directory of relative file paths.
 * @returns The value and how it was found.
 * @throws {ConfigError} `NAME_FILE` names a file that cannot be read (code
 * `CONFIG_SECRET_FILE`); the message names the variable, the file and the key path, never
 * the content.
 *
 * @example
 * ```ts
 * import { parseEnvMarker, resolveEnvMarker } from "accsr/config";
 * const marker = parseEnvMarker("env:DB_PORT:-5432")!;
 * console.log(resolveEnvMarker(marker, {})); // { value: "5432", via: "fallback", name: "DB_PORT" }
 * ```
 */
export function resolveEnvMarker(
  marker: EnvMarker,
  env: Record<string, string | undefined> = process.env,
  options: ResolveEnvMarkersOptions = {},
): EnvMarkerResolution {
  const { name, fallback } = marker;
  const found = variable(env, name);
  if (found !== undefined && !(found === "" && fallback !== undefined)) {
    return { value: found, via: "variable", name };
  }
  if (found === undefined) {
    const fileVariable = `${name}${FILE_SUFFIX}`;
    const named = variable(env, fileVariable);
    if (named !== undefined && named !== "") {
      const file = resolve(options.baseDirectory ?? process.cwd(), named);
      let content: string;
      try {
        if (statSync(file).isDirectory()) throw new Error("it is a directory");
        content = readFileSync(file, "utf8");
      } catch (e) {
        const keyPath = options.keyPath ?? [];
        const source = options.sourceOf?.(keyPath);
        const key = keyPath.length > 0 ? ` of config entry "${keyPath.join(".")}"` : "";
        const reason = (e as { code?: unknown }).code === "ENOENT"
          ? "no such file"
          : (e as Error).message;
        throw new ConfigError(
          `Cannot read the secret file "${file}" named by ${fileVariable} (for env:${name}${key}` +
            `${source ? ` set in ${source}` : ""}): ${reason} (mount the file, or set ${name} or ` +
            `${fileVariable} differently)`,
          { code: "CONFIG_SECRET_FILE", file, cause: e },
        );
      }
      return { value: content.replace(/\r?\n$/, ""), via: "file", name, fileVariable, file };
    }
  }
  if (fallback !== undefined) return { value: fallback, via: "fallback", name };
  return { value: found, via: found === undefined ? "unset" : "variable", name };
}

/**
 * Returns a deep copy of `value` in which every string `"env:NAME"` — at any depth, in objects
 * and in arrays — is replaced by the value of the environment variable `NAME`. The input is
 * never changed.
 *
 * - `"env:NAME"`: the variable's value; when it is unset, the content of the file named by
 *   `NAME_FILE` (one trailing newline removed); otherwise `undefined` (an empty variable gives
 *   `""`).
 * - `"env:NAME:-fallback"`: shell semantics — `fallback` when `NAME` is unset **or empty**
 *   (an unset `NAME` with `NAME_FILE` set reads the file first).
 * - Only the literal prefix `env:` is removed: `"env:nvidia_home"` reads `nvidia_home`.
 *
 * Pure, except that `NAME_FILE` files are read at call time.
 *
 * @param value Any configuration value.
 * @param env The variables to read; defaults to `process.env`, read at call time.
 * @param options Key path and source of `value` (for messages), directory of relative files.
 * @returns A copy with the markers resolved.
 * @throws {ConfigError} A `NAME_FILE` file cannot be read (see {@linkcode resolveEnvMarker}).
 *
 * @example
 * ```ts
 * import { resolveEnvMarkers } from "accsr/config";
 * const env = { DB_HOST: "db.local", EMPTY: "" };
 * const config = { db: { host: "env:DB_HOST", port: "env:DB_PORT:-5432" }, l: ["env:EMPTY:-x"] };
 * console.log(resolveEnvMarkers(config, env));
 * // { db: { host: "db.local", port: "5432" }, l: ["x"] }
 * ```
 */
export function resolveEnvMarkers<T>(
  value: T,
  env: Record<string, string | undefined> = process.env,
  options: ResolveEnvMarkersOptions = {},
): T {
  return mapDeepWithPath(value, options.keyPath ?? [], (leaf, keyPath) => {
    const marker = parseEnvMarker(leaf);
    if (marker === undefined) return leaf;
    return resolveEnvMarker(marker, env, { ...options, keyPath }).value;
  });
}
