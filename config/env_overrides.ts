/**
 * Overrides by variable name (twelve-factor): `ACCSR__REMOTE_STORAGE__BUCKET=x` sets
 * `remote_storage.bucket`.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { describeType, isPlainObject, type PlainObject, setOwn } from "./_objects.ts";

/** The default prefix of override variables. */
export const DEFAULT_ENV_PREFIX = "ACCSR__";

/**
 * One override read from a variable; see {@linkcode envOverrides}.
 *
 * @example
 * ```ts
 * import type { EnvOverride } from "accsr/config";
 * const o: EnvOverride = {
 *   variable: "ACCSR__REMOTE_STORAGE__BUCKET",
 *   keyPath: ["remote_storage", "bucket"],
 *   value: "b",
 *   data: { remote_storage: { bucket: "b" } },
 * };
 * ```
 */
export interface EnvOverride {
  /** The variable, e.g. `ACCSR__REMOTE_STORAGE__BUCKET`. */
  variable: string;
  /** The key path it sets (existing keys keep their spelling; new keys are lower-case). */
  keyPath: string[];
  /** The value, typed like the value it replaces. */
  value: unknown;
  /** The override as a configuration layer: `value` nested under `keyPath`. */
  data: Record<string, unknown>;
}

/**
 * The overrides that the variables of `env` starting with `prefix` make to `config` (the
 * merged files), in a stable order (shorter key paths first, then by name).
 *
 * The rest of the name is split on `__` into keys, each matched case-insensitively against
 * the keys that exist at that level (a new key is lower-case). The value keeps the type of the
 * value it replaces: a number or boolean parses as one (`true`/`false`/`1`/`0`), an object or
 * an array takes JSON of the same kind, anything else (a string, `null`, a new key) takes the
 * text as it is — an access key `0123` stays a string. A value that does not parse, an empty
 * segment, or a path through a value that is not an object throws a `ConfigError` (code
 * `CONFIG_ENV_OVERRIDE`) naming the variable, never its value.
 *
 * @param config The merged configuration the overrides apply to.
 * @param env The variables.
 * @param prefix The prefix, e.g. `"ACCSR__"` (case-sensitive).
 * @returns One override per variable.
 *
 * @example
 * ```ts
 * import { envOverrides } from "accsr/config";
 * const config = { remote_storage: { bucket: "dev", port: 9000 } };
 * const env = { ACCSR__REMOTE_STORAGE__PORT: "9001", ACCSR__REMOTE_STORAGE__BUCKET: "prod" };
 * console.log(envOverrides(config, env, "ACCSR__").map((o) => [o.keyPath, o.value]));
 * // [[["remote_storage", "bucket"], "prod"], [["remote_storage", "port"], 9001]]
 * ```
 */
export function envOverrides(
  config: Record<string, unknown>,
  env: Record<string, string | undefined>,
  prefix: string,
): EnvOverride[] {
  if (typeof prefix !== "string" || prefix === "") {
    throw new TypeError(`envPrefix must be a non-empty string or false, got ${String(prefix)}`);
  }
  const names = Object.keys(env).filter((name) =>
    name.startsWith(prefix) && typeof env[name] === "string"
  );
  const parsed = names.map((variable) => {
    const segments = variable.slice(prefix.length).split("__");
    if (segments.some((s) => s === "")) {
      throw overrideError(variable, "it has an empty key segment", `separate keys with one "__"`);
    }
    return { variable, segments };
  });
  parsed.sort((a, b) =>
    a.segments.length - b.segments.length || (a.variable < b.variable ? -1 : 1)
  );
  const out: EnvOverride[] = [];
  for (const { variable, segments } of parsed) {
    const keyPath: string[] = [];
    let current: unknown = config;
    for (const segment of segments) {
      if (current === null) current = undefined; // an override fills a null section
      if (current !== undefined && !isPlainObject(current)) {
        throw overrideError(
          variable,
          `"${keyPath.join(".")}" is ${describeType(current)}, not an object`,
          "set the whole value instead, or fix the variable name",
        );
      }
      const level = current as PlainObject | undefined;
      const key = level === undefined ? undefined : matchKey(level, segment);
      keyPath.push(key ?? segment.toLowerCase());
      current = key === undefined ? undefined : level![key];
    }
    const value = typed(variable, env[variable]!, current);
    let data: unknown = value;
    for (let i = keyPath.length - 1; i >= 0; i--) {
      const level: PlainObject = {};
      setOwn(level, keyPath[i], data);
      data = level;
    }
    out.push({ variable, keyPath, value, data: data as Record<string, unknown> });
  }
  return out;
}

/** The key of `level` equal to `segment` (exactly, else case-insensitively). */
function matchKey(level: PlainObject, segment: string): string | undefined {
  if (Object.hasOwn(level, segment)) return segment;
  const lower = segment.toLowerCase();
  return Object.keys(level).find((k) => k.toLowerCase() === lower);
}

function typed(variable: string, text: string, replaced: unknown): unknown {
  if (typeof replaced === "number") {
    const n = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(n)) {
      throw overrideError(variable, "it replaces a number and is not one", "set a number");
    }
    return n;
  }
  if (typeof replaced === "boolean") {
    const t = text.trim().toLowerCase();
    if (t === "true" || t === "1") return true;
    if (t === "false" || t === "0") return false;
    throw overrideError(variable, "it replaces a boolean", "set true or false");
  }
  if (Array.isArray(replaced) || isPlainObject(replaced)) {
    const kind = Array.isArray(replaced) ? "an array" : "an object";
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (Array.isArray(replaced) ? !Array.isArray(value) : !isPlainObject(value)) {
      throw overrideError(variable, `it replaces ${kind} and is not ${kind} in JSON`, "set JSON");
    }
    return value;
  }
  return text;
}

function overrideError(variable: string, state: string, hint: string): ConfigError {
  return new ConfigError(`Cannot apply environment variable ${variable}: ${state} (${hint})`, {
    code: "CONFIG_ENV_OVERRIDE",
  });
}
