/**
 * The pre-flight check of a configuration: every problem at once, before any work starts.
 *
 * @module
 */
import { isPlainObject } from "./_objects.ts";
import { parseEnvMarker, resolveEnvMarker, resolveEnvMarkers } from "./env_markers.ts";
import { closestKnownKey, KNOWN_SECTION_KEYS } from "./known_keys.ts";
import type { StandardSchemaV1, StandardSchemaV1Result } from "./schema.ts";
import { ConfigError } from "../errors.ts";

/**
 * One problem found by {@linkcode ConfigurationBase.prototype.check}.
 *
 * @example
 * ```ts
 * import type { ConfigProblem } from "accsr/config";
 * const p: ConfigProblem = {
 *   key: "remote_storage.secret",
 *   source: "/p/config_local.json",
 *   message: "the environment variable S3_SECRET is not set (nor S3_SECRET_FILE, and no :-fallback)",
 * };
 * ```
 */
export interface ConfigProblem {
  /** Dotted key path of the value concerned (`"(root)"` for the whole configuration). */
  key: string;
  /** The file (or `env NAME` override variable) that set it, when known. */
  source?: string;
  /** What is wrong and what to do; never a secret. */
  message: string;
  /**
   * The kind of problem: an `env:` variable that is unset, a secret file that cannot be read,
   * an unknown key in a known section, or a schema violation.
   */
  kind?: "env_unset" | "secret_file" | "unknown_key" | "schema";
}

/**
 * What {@linkcode findConfigProblems} needs to know about a configuration.
 *
 * @example
 * ```ts
 * import type { CheckInput } from "accsr/config";
 * const input: CheckInput = { config: { a: "env:A" }, env: {}, sourceOf: () => "/p/config.json" };
 * ```
 */
export interface CheckInput {
  /** The merged configuration, markers not resolved. */
  config: Readonly<Record<string, unknown>>;
  /** The environment markers are resolved from. */
  env: Record<string, string | undefined>;
  /** The file (or variable) that set a key path. */
  sourceOf: (keyPath: readonly string[]) => string | undefined;
  /** The schema to validate the resolved configuration with, if any. */
  schema?: StandardSchemaV1;
  /** Directory relative `NAME_FILE` paths are resolved against. */
  baseDirectory?: string;
}

/**
 * Every problem of a configuration: `env:` markers (anywhere) whose variable is unset with
 * neither `NAME_FILE` nor a `:-fallback`, `NAME_FILE` files that cannot be read, unknown keys
 * in the sections of {@linkcode KNOWN_SECTION_KEYS} (with the closest known key), and the
 * issues of the schema. An empty variable set on purpose is not a problem.
 *
 * @param input The configuration, its environment and where each key was set.
 * @returns The problems, in key order; empty when there is none.
 *
 * @example
 * ```ts
 * import { findConfigProblems } from "accsr/config";
 * const problems = findConfigProblems({
 *   config: { remote_storage: { bucekt: "b", secret: "env:S3_SECRET" } },
 *   env: {},
 *   sourceOf: () => "/p/config.json",
 * });
 * console.log(problems.map((p) => p.key)); // ["remote_storage.bucekt", "remote_storage.secret"]
 * ```
 */
export function findConfigProblems(input: CheckInput): ConfigProblem[] {
  const { config, env, sourceOf, baseDirectory } = input;
  const problems: ConfigProblem[] = [];
  const problem = (keyPath: readonly string[], p: Omit<ConfigProblem, "key" | "source">) => {
    const source = sourceOf(keyPath);
    problems.push({
      key: keyPath.length === 0 ? "(root)" : keyPath.join("."),
      ...(source === undefined ? {} : { source }),
      ...p,
    });
  };
  const walk = (value: unknown, keyPath: string[]) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...keyPath, String(i)]));
      return;
    }
    if (isPlainObject(value)) {
      const known = keyPath.length === 1 && Object.hasOwn(KNOWN_SECTION_KEYS, keyPath[0])
        ? KNOWN_SECTION_KEYS[keyPath[0]]
        : undefined;
      for (const [k, v] of Object.entries(value)) {
        if (known !== undefined && !known.includes(k)) {
          const hint = closestKnownKey(k, known);
          problem([...keyPath, k], {
            kind: "unknown_key",
            message: `unknown key "${k}" in ${keyPath[0]}${
              hint === undefined ? "" : ` (did you mean "${hint}"?)`
            }`,
          });
        }
        walk(v, [...keyPath, k]);
      }
      return;
    }
    const marker = parseEnvMarker(value);
    if (marker === undefined) return;
    try {
      const r = resolveEnvMarker(marker, env, { keyPath, sourceOf, baseDirectory });
      if (r.via === "unset") {
        problem(keyPath, {
          kind: "env_unset",
          message: `the environment variable ${marker.name} is not set (nor ${marker.name}_FILE, ` +
            `and the value has no :-fallback)`,
        });
      }
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problem(keyPath, { kind: "secret_file", message: e.message });
    }
  };
  walk(config, []);

  if (input.schema !== undefined) {
    const resolved = resolveSafely(config, env, baseDirectory);
    const result = input.schema["~standard"].validate(resolved);
    if (result instanceof Promise || typeof (result as { then?: unknown })?.then === "function") {
      Promise.resolve(result).catch(() => {});
      problem([], {
        kind: "schema",
        message: "the schema is asynchronous (use a synchronous one)",
      });
    } else {
      for (const issue of (result as StandardSchemaV1Result<unknown>).issues ?? []) {
        const keyPath = (issue.path ?? []).map((segment) =>
          String(typeof segment === "object" && segment !== null ? segment.key : segment)
        );
        problem(keyPath, { kind: "schema", message: issue.message });
      }
    }
  }
  return problems;
}

/** The configuration with markers resolved; unreadable secret files give `undefined`. */
function resolveSafely(
  config: Readonly<Record<string, unknown>>,
  env: Record<string, string | undefined>,
  baseDirectory: string | undefined,
): unknown {
  try {
    return resolveEnvMarkers(config, env, { baseDirectory });
  } catch {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
      try {
        out[k] = resolveEnvMarkers(v, env, { baseDirectory });
      } catch {
        out[k] = undefined;
      }
    }
    return out;
  }
}
