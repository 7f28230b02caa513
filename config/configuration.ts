/**
 * {@linkcode ConfigurationBase}: a configuration read from a hierarchy of JSON, YAML and TOML files.
 *
 * @module
 */
import { existsSync, mkdirSync } from "node:fs";
import { relative as relativePath, resolve } from "node:path";
import process from "node:process";
import { ConfigError, ConfigKeyError } from "../errors.ts";
import { redactDeep } from "../redact.ts";
import { deepMerge } from "./merge.ts";
import { describeType, freezeDeep, lookup } from "./_objects.ts";
import { type ConfigProblem, findConfigProblems } from "./check.ts";
import { loadEnvFiles } from "./dotenv.ts";
import {
  type EnvMarkerResolution,
  parseEnvMarker,
  resolveEnvMarker,
  resolveEnvMarkers,
} from "./env_markers.ts";
import { DEFAULT_ENV_PREFIX, envOverrides } from "./env_overrides.ts";
import { type ConfigLayer, loadConfigLayers, mergeLayers } from "./load.ts";
import { selectProfile, withProfileFiles } from "./profiles.ts";
import { type StandardSchemaV1, validateWithSchema } from "./schema.ts";

/**
 * Options of {@linkcode ConfigurationBase} and its subclasses.
 *
 * @example
 * ```ts
 * import type { ConfigurationOptions } from "accsr/config";
 * const options: ConfigurationOptions = {
 *   configDirectory: "./project",
 *   configFiles: ["config.json", "config_local.yml"],
 *   env: { BUCKET: "my-bucket" },
 *   profile: "production",
 *   envFiles: [".env"],
 * };
 * ```
 */
export interface ConfigurationOptions {
  /**
   * Directory the configuration files are relative to; relative paths resolve against the
   * working directory. (accsr used the subclass's source folder; pass `import.meta.dirname`
   * for that.)
   * @default {process.cwd()}
   */
  configDirectory?: string;
  /**
   * Files to read, lowest precedence first; `.json`, `.yaml`, `.yml` and `.toml` can be mixed.
   * @default {["config.json", "config_local.json"]}
   */
  configFiles?: readonly string[];
  /**
   * Variables that `"env:NAME"` markers, the profile and the override variables read. When
   * given, it replaces the process environment.
   * @default {process.env, read at access time}
   */
  env?: Record<string, string | undefined>;
  /**
   * The profile: for each file `name.ext` of `configFiles`, `name.<profile>.ext` (any
   * supported extension) is read right after it when it exists — `config.json`,
   * `config.production.json`, `config_local.json`, `config_local.production.json`. Letters,
   * digits, `_`, `-` and inner dots only; `""` for none.
   * @default {the ACCSR_PROFILE variable}
   */
  profile?: string;
  /**
   * Prefix of the variables that override configuration keys: `ACCSR__REMOTE_STORAGE__BUCKET=x`
   * sets `remote_storage.bucket` (segments split on `__`, matched case-insensitively, the value
   * typed like the one it replaces). They win over every file and are read when the
   * configuration is loaded. `false` turns them off.
   * @default {"ACCSR__"}
   */
  envPrefix?: string | false;
  /**
   * Dotenv files (relative to `configDirectory`; missing ones are skipped) whose variables are
   * used, for this configuration only, by `"env:"` markers, the profile and the override
   * variables. The real environment wins over them; `process.env` is never modified.
   * @default {[]}
   */
  envFiles?: readonly string[];
}

/**
 * Options of {@linkcode ConfigurationBase.prototype.getExistingPath}.
 *
 * @example
 * ```ts
 * import type { ExistingPathOptions } from "accsr/config";
 * const options: ExistingPathOptions = { create: false };
 * ```
 */
export interface ExistingPathOptions {
  /**
   * Create the directory (with its parents) when it does not exist; otherwise throw.
   * @default {true}
   */
  create?: boolean;
}

/**
 * Options of {@linkcode ConfigurationBase.prototype.adjustedPath}.
 *
 * @example
 * ```ts
 * import type { AdjustedPathOptions } from "accsr/config";
 * const options: AdjustedPathOptions = { relative: true, checkExistence: true };
 * ```
 */
export interface AdjustedPathOptions {
  /**
   * Return the path relative to the configuration directory (with `..` segments when it lies
   * outside) instead of an absolute path.
   * @default {false}
   */
  relative?: boolean;
  /**
   * Throw a `ConfigError` (code `PATH_NOT_FOUND`) when nothing exists at the path.
   * @default {false}
   */
  checkExistence?: boolean;
}

/**
 * One layer that set a key; see {@linkcode ConfigurationBase.prototype.explainLayers}.
 *
 * @example
 * ```ts
 * import type { ConfigSourceLayer } from "accsr/config";
 * const layer: ConfigSourceLayer = { kind: "profile", source: "/p/config.ci.json", raw: "b" };
 * ```
 */
export interface ConfigSourceLayer {
  /**
   * `"marker"`: the variable of an `"env:"` marker (above the file that holds it);
   * `"override"`: an override variable (`ACCSR__…`); `"profile"`: a profile file; `"file"`: a
   * configuration file.
   */
  kind: "marker" | "override" | "profile" | "file";
  /**
   * The file, `env NAME` for an override variable, or for a marker `env:NAME` followed by how
   * it resolved: `(set)`, `(unset)`, `(fallback used)`, `(file named by NAME_FILE)`.
   */
  source: string;
  /** The value as this layer wrote it (`"env:"` markers not resolved; for a marker: resolved). */
  raw: unknown;
  /** For a marker: how it resolved. */
  resolution?: EnvMarkerResolution;
}

/**
 * Where a configuration value comes from; see {@linkcode ConfigurationBase.prototype.explain}.
 *
 * @example
 * ```ts
 * import type { ConfigExplanation } from "accsr/config";
 * const e: ConfigExplanation = {
 *   value: "my-bucket",
 *   source: "/p/config_local.json (env:BUCKET)",
 *   envVar: "BUCKET",
 * };
 * ```
 */
export interface ConfigExplanation {
  /** The value, `"env:"` markers resolved (as {@linkcode ConfigurationBase.prototype.getEntry}). */
  value: unknown;
  /**
   * Absolute path of the last file that set the key path, followed by ` (env:NAME)` when the
   * raw value is an `"env:"` marker.
   */
  source: string;
  /** The environment variable the value was read from, when the raw value is a marker. */
  envVar?: string;
  /** `true` when the marker's variable is unset or empty and its `:-fallback` was used. */
  fallback?: boolean;
  /** `true` when the marker's variable is unset (no `NAME_FILE`, no fallback). */
  unset?: boolean;
  /** The variable naming the file the value was read from (`NAME_FILE`), never the content. */
  secretFile?: string;
  /** The override variable (`ACCSR__…`) that set the value. */
  overrideVar?: string;
}

/** A layer of the configuration: a file, a profile file or an override variable. */
interface SourceLayer extends ConfigLayer {
  kind: "file" | "profile" | "override";
  /** The override variable. */
  variable?: string;
}

const DEFAULT_CONFIG_FILES = ["config.json", "config_local.json"] as const;

/**
 * A configuration read from a hierarchy of JSON, YAML and TOML files (by default `config.json`
 * then `config_local.json` in the working directory), merged deeply, later files winning.
 * Subclass it and add getters that call {@linkcode ConfigurationBase.prototype.getEntry}.
 *
 * Loading is synchronous and happens once, in the constructor: the `.env` files (`envFiles`),
 * the files with their profile files (`profile`, default `ACCSR_PROFILE`), then the override
 * variables (`envPrefix`, default `ACCSR__`). String values `"env:NAME"` (or
 * `"env:NAME:-fallback"`) are resolved at every access, never stored; when `NAME` is unset the
 * file named by `NAME_FILE` is read. {@linkcode ConfigurationBase.prototype.check} lists every
 * problem (unset variables, unknown keys, schema issues) without throwing.
 *
 * A subclass may declare a Standard Schema v1 validator as `static schema = …` or as a getter
 * `get schema()`; the configuration (markers resolved) is checked in the constructor. (An
 * instance field would be assigned after the constructor has run — too late.)
 *
 * @example
 * ```ts
 * import { ConfigurationBase } from "accsr/config";
 *
 * class Config extends ConfigurationBase {
 *   get bucket(): string {
 *     return this.getEntry<string>(["remote_storage", "bucket"]);
 *   }
 * }
 * const config = new Config({ configDirectory: import.meta.dirname });
 * console.log(config.bucket, config.loadedFiles);
 * console.log(config.explain(["remote_storage", "bucket"]).source);
 * ```
 */
export class ConfigurationBase {
  /**
   * A Standard Schema v1 validator the configuration must pass; `undefined` (no check) here.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * import type { StandardSchemaV1 } from "accsr/config";
   * declare const mySchema: StandardSchemaV1;
   * class Config extends ConfigurationBase {
   *   static override schema = mySchema;
   * }
   * ```
   */
  static schema?: StandardSchemaV1;

  /** Absolute path of the directory the configuration files are relative to. */
  readonly configDirectory: string;
  /** The merged configuration, deeply frozen; `"env:"` markers are NOT resolved in it. */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Absolute paths of the configuration files that existed (profile files included), in the
   * order they were read.
   */
  readonly loadedFiles: readonly string[];
  /** The profile in use (the `profile` option or `ACCSR_PROFILE`), if any. */
  readonly profile?: string;
  /** Absolute paths of the `.env` files that existed, in order. */
  readonly loadedEnvFiles: readonly string[];
  /** The override variables (`ACCSR__…`) applied, in the order they were applied. */
  readonly overrideVariables: readonly string[];
  readonly #layers: readonly SourceLayer[];
  readonly #env?: Record<string, string | undefined>;
  readonly #envFileValues: Readonly<Record<string, string>>;

  /**
   * Reads the `.env` files, then the configuration files with the profile's files, merges
   * them and applies the override variables; throws a `ConfigError` when nothing could be
   * read, a file cannot be parsed, an override does not fit, or the schema (if any) rejects
   * the result.
   *
   * @param options Where to read from and which environment to use.
   */
  constructor(options: ConfigurationOptions = {}) {
    this.configDirectory = resolve(options.configDirectory ?? process.cwd());
    const files = options.configFiles ?? DEFAULT_CONFIG_FILES;
    this.#env = options.env;
    const envFiles = loadEnvFiles(this.configDirectory, options.envFiles ?? []);
    this.#envFileValues = envFiles.values;
    this.loadedEnvFiles = envFiles.files;
    const env = this.#environment();
    this.profile = selectProfile(options.profile, env);
    const entries = withProfileFiles(this.configDirectory, files, this.profile);
    const names = entries.map((e) => e.name);
    const profileFiles = new Set(
      entries.filter((e) => e.profile !== undefined).map((e) =>
        resolve(this.configDirectory, e.name)
      ),
    );
    const fileLayers: SourceLayer[] = loadConfigLayers(this.configDirectory, names).map((l) => ({
      ...l,
      kind: profileFiles.has(l.file) ? "profile" : "file",
    }));
    const prefix = options.envPrefix ?? DEFAULT_ENV_PREFIX;
    const overrideLayers: SourceLayer[] = prefix === false ? [] : envOverrides(
      fileLayers.reduce<Record<string, unknown>>((acc, l) => deepMerge(acc, l.data), {}),
      env,
      prefix,
    ).map((o) => ({
      file: `env ${o.variable}`,
      data: o.data,
      kind: "override",
      variable: o.variable,
    }));
    this.#layers = [...fileLayers, ...overrideLayers];
    this.config = freezeDeep(mergeLayers(this.#layers, this.configDirectory, names));
    this.loadedFiles = Object.freeze(fileLayers.map((l) => l.file));
    this.overrideVariables = Object.freeze(overrideLayers.map((l) => l.variable!));
    const schema = this.schema ?? (new.target as typeof ConfigurationBase).schema;
    if (schema !== undefined) {
      validateWithSchema(
        schema,
        this.#resolve(this.config, []),
        this.configDirectory,
        (keyPath) => this.#locate(keyPath),
      );
    }
  }

  /**
   * Every problem of the configuration as it stands now, without throwing: each `"env:"`
   * marker (anywhere in the merged configuration) whose variable is unset and has neither a
   * `:-fallback` nor a `NAME_FILE`, each `NAME_FILE` that cannot be read, each unknown key in
   * `remote_storage` (with the closest known key), and each issue of the schema (if any, with
   * the environment as it is now) — with the key path and the file that set it. Run it at
   * start-up so that a job does not fail at minute 50 on an unset variable.
   *
   * @returns The problems; empty when the configuration is fine.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * const config = new ConfigurationBase({ configDirectory: "./project" });
   * for (const p of config.check()) console.error(`${p.key} (${p.source}): ${p.message}`);
   * ```
   */
  check(): ConfigProblem[] {
    return findConfigProblems({
      config: this.config,
      env: this.#environment(),
      sourceOf: (keyPath) => this.#locate(keyPath).source,
      schema: this.schema ?? (this.constructor as typeof ConfigurationBase).schema,
    });
  }

  /**
   * A Standard Schema v1 validator the configuration must pass; overrides the static
   * `schema` when it returns one. `undefined` (no check) here.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * import type { StandardSchemaV1 } from "accsr/config";
   * declare const mySchema: StandardSchemaV1;
   * class Config extends ConfigurationBase {
   *   override get schema(): StandardSchemaV1 {
   *     return mySchema;
   *   }
   * }
   * ```
   */
  get schema(): StandardSchemaV1 | undefined {
    return undefined;
  }

  /**
   * The value at `key` — a top-level key, or a path of keys into nested objects — with
   * `"env:NAME"` markers resolved (at any depth) on a copy, from the environment as it is now.
   *
   * Empty values (`""`, `0`, `false`, `[]`, `{}`) are returned as they are; an unset variable
   * gives `undefined` (a top-level `"env:MISSING"` returns `undefined` without throwing). A
   * string key is one key: `"a.b"` is not split.
   *
   * @param key A top-level key or a path of keys.
   * @returns The value, typed as `T` without a runtime check.
   * @throws {ConfigKeyError} The key is missing or `null`, or the path walks through a value
   * that is not an object; the message names the dotted key path.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * const config = new ConfigurationBase({ configDirectory: "./project" });
   * const host = config.getEntry<string>(["database", "host"]);
   * ```
   */
  getEntry<T = unknown>(key: string | readonly string[]): T {
    const keyPath = toKeyPath(key);
    const found = lookup(this.config, keyPath);
    if (!found.found) {
      const at = keyPath.slice(0, found.failedAt).join(".");
      const parent = lookup(this.config, keyPath.slice(0, found.failedAt));
      throw new ConfigKeyError(
        keyPath,
        found.nonObject
          ? `"${at}" is ${describeType(parent.found ? parent.value : undefined)}, not an object`
          : undefined,
      );
    }
    if (found.value === null) {
      throw new ConfigKeyError(keyPath, "set to null in the configuration");
    }
    return this.#resolve(found.value, keyPath) as T;
  }

  /**
   * The absolute path of the directory configured at `key`. A relative value is resolved
   * against {@linkcode ConfigurationBase.prototype.configDirectory} (not the working
   * directory); `"env:"` markers are allowed. A missing directory is created (with its
   * parents) unless `create` is false. An existing file is returned as well.
   *
   * @param key A top-level key or a path of keys.
   * @param options `create` (default `true`).
   * @returns The absolute path.
   * @throws {ConfigKeyError} The key is not set.
   * @throws {ConfigError} The value is not a string (code `CONFIG_NOT_A_PATH`), or the
   * directory does not exist and `create` is false (code `PATH_NOT_FOUND`) or cannot be
   * created (code `PATH_NOT_CREATED`).
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * const config = new ConfigurationBase({ configDirectory: "./project" });
   * console.log(config.getExistingPath("data")); // e.g. /abs/project/data, created if needed
   * ```
   */
  getExistingPath(key: string | readonly string[], options: ExistingPathOptions = {}): string {
    const { create = true } = options;
    const keyPath = toKeyPath(key);
    const dotted = keyPath.join(".");
    const value = this.getEntry(keyPath);
    if (typeof value !== "string") {
      const marker = parseEnvMarker(this.#raw(keyPath));
      const state = marker !== undefined && value === undefined
        ? `the environment variable ${marker.name} is not set`
        : `the value is ${describeType(value)}, not a string`;
      throw new ConfigError(
        `Cannot use config entry "${dotted}" as a path: ${state} (set it to a directory path)`,
        { code: "CONFIG_NOT_A_PATH" },
      );
    }
    const path = resolve(this.configDirectory, value);
    if (!existsSync(path)) {
      if (!create) {
        throw new ConfigError(
          `Cannot find directory "${path}" of config entry "${dotted}": it does not exist ` +
            `(create it, or call getExistingPath with create: true)`,
          { code: "PATH_NOT_FOUND" },
        );
      }
      try {
        mkdirSync(path, { recursive: true });
      } catch (e) {
        throw new ConfigError(
          `Cannot create directory "${path}" of config entry "${dotted}": ${
            (e as Error).message
          } (check the path and permissions)`,
          { code: "PATH_NOT_CREATED", cause: e },
        );
      }
    }
    return path;
  }

  /**
   * `path` made absolute against the working directory, or — with `relative` — relative to
   * {@linkcode ConfigurationBase.prototype.configDirectory} (`"."` for the directory itself;
   * a path outside it starts with `..`, where accsr raised).
   *
   * @param path Any path; a relative one is resolved against `process.cwd()`.
   * @param options `relative` and `checkExistence` (both default `false`).
   * @returns The adjusted path.
   * @throws {ConfigError} `checkExistence` is set and nothing exists at the path (code
   * `PATH_NOT_FOUND`).
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * const config = new ConfigurationBase({ configDirectory: "/p" });
   * console.log(config.adjustedPath("/p/data/x.csv", { relative: true })); // data/x.csv
   * ```
   */
  adjustedPath(path: string, options: AdjustedPathOptions = {}): string {
    const { relative = false, checkExistence = false } = options;
    const absolute = resolve(path);
    if (checkExistence && !existsSync(absolute)) {
      throw new ConfigError(
        `Cannot find "${absolute}": no such file or directory (create it or check the path)`,
        { code: "PATH_NOT_FOUND" },
      );
    }
    return relative ? relativePath(this.configDirectory, absolute) || "." : absolute;
  }

  /**
   * The value at `key` (as {@linkcode ConfigurationBase.prototype.getEntry}) and the layer that
   * set it: the last file, in precedence order, that contains the full key path, or the
   * override variable (`source` is then `env NAME` and `overrideVar` is `NAME`). When the raw
   * value is an `"env:NAME"` marker, `source` ends with ` (env:NAME)` and `envVar` is `NAME`;
   * `fallback`, `unset` or `secretFile` (`NAME_FILE`, never the content) say how it resolved,
   * and `source` says it too: ` (env:NAME, fallback used)`, ` (env:NAME, unset)`,
   * ` (env:NAME, file named by NAME_FILE)`. For the empty key path (the whole configuration)
   * `source` lists all files read.
   *
   * @param key A top-level key or a path of keys.
   * @returns The value and its source.
   * @throws {ConfigKeyError} As {@linkcode ConfigurationBase.prototype.getEntry}.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * const config = new ConfigurationBase({ configDirectory: "./project" });
   * console.log(config.explain(["remote_storage", "secret"]));
   * // { value: "…", source: "/abs/project/config_local.json (env:S3_SECRET)", envVar: "S3_SECRET" }
   * ```
   */
  explain(key: string | readonly string[]): ConfigExplanation {
    const keyPath = toKeyPath(key);
    const value = this.getEntry(keyPath);
    const located = this.#locate(keyPath);
    const source = located.source ?? this.loadedFiles.join(", ");
    const override = located.layer?.kind === "override" ? located.layer.variable : undefined;
    const marker = parseEnvMarker(this.#raw(keyPath));
    if (marker === undefined) {
      return override === undefined ? { value, source } : { value, source, overrideVar: override };
    }
    const r = resolveEnvMarker(marker, this.#environment(), this.#markerOptions(keyPath));
    const out: ConfigExplanation = {
      value,
      source: `${source} (${markerText(r)})`,
      envVar: marker.name,
    };
    if (r.via === "fallback") out.fallback = true;
    if (r.via === "unset") out.unset = true;
    if (r.via === "file") out.secretFile = r.fileVariable;
    if (override !== undefined) out.overrideVar = override;
    return out;
  }

  /**
   * Every layer that set `key`, the winner first: the variable of an `"env:"` marker (when the
   * winning value is one), override variables, profile files and files. Unlike
   * {@linkcode ConfigurationBase.prototype.explain} it does not throw for a missing or `null`
   * key (the list is then empty, or names the layer that set `null`).
   *
   * @param key A top-level key or a path of keys.
   * @returns The layers, highest precedence first.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * const config = new ConfigurationBase({ configDirectory: "./project", profile: "ci" });
   * for (const layer of config.explainLayers(["remote_storage", "bucket"])) {
   *   console.log(layer.kind, layer.source);
   * }
   * ```
   */
  explainLayers(key: string | readonly string[]): ConfigSourceLayer[] {
    const keyPath = toKeyPath(key);
    const out: ConfigSourceLayer[] = [];
    for (const layer of [...this.#layers].reverse()) {
      const found = lookup(layer.data, keyPath);
      if (!found.found) continue;
      if (out.length === 0) {
        const marker = parseEnvMarker(found.value);
        if (marker !== undefined) {
          let resolution: EnvMarkerResolution;
          try {
            resolution = resolveEnvMarker(
              marker,
              this.#environment(),
              this.#markerOptions(keyPath),
            );
          } catch {
            const fileVariable = `${marker.name}_FILE`;
            resolution = { value: undefined, via: "unset", name: marker.name, fileVariable };
          }
          out.push({
            kind: "marker",
            source: `env:${marker.name} (${markerState(resolution)})`,
            raw: resolution.value,
            resolution,
          });
        }
      }
      out.push({ kind: layer.kind, source: layer.file, raw: found.value });
    }
    return out;
  }

  /**
   * What `JSON.stringify(config)` shows: the directory, the files read and the merged
   * configuration (markers unresolved) with the values of secret-like keys (`secret`,
   * `password`, `token`, `account_key`, `connection_string`…) and credentials inside strings
   * (`AccountKey=…`, `user:pw@`) replaced by `***`. {@linkcode ConfigurationBase.prototype.getEntry}
   * still returns the real values.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * const config = new ConfigurationBase({ configDirectory: "./project" });
   * console.log(JSON.stringify(config)); // {"configDirectory":…,"config":{"remote_storage":{"secret":"***",…}}}
   * ```
   */
  toJSON(): {
    configDirectory: string;
    loadedFiles: readonly string[];
    config: Record<string, unknown>;
  } {
    return {
      configDirectory: this.configDirectory,
      loadedFiles: [...this.loadedFiles],
      config: redactDeep(this.config) as Record<string, unknown>,
    };
  }

  /**
   * `ClassName {…}` with the redacted JSON of {@linkcode ConfigurationBase.prototype.toJSON}.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * console.log(String(new ConfigurationBase({ configDirectory: "./project" })));
   * ```
   */
  toString(): string {
    return `${this.constructor.name} ${JSON.stringify(this.toJSON())}`;
  }

  /**
   * `Deno.inspect` (and `console.log` in Deno, and notebooks) shows the redacted view.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "accsr/config";
   * console.log(new ConfigurationBase({ configDirectory: "./project" })); // secrets as "***"
   * ```
   */
  [Symbol.for("Deno.customInspect")](
    inspect: (value: unknown, options?: unknown) => string,
    options?: unknown,
  ): string {
    return `${this.constructor.name} ${inspect(this.toJSON(), options)}`;
  }

  /**
   * Node's `util.inspect` (and `console.log` in Node) shows the redacted view.
   *
   * @example
   * ```ts
   * import { inspect } from "node:util";
   * import { ConfigurationBase } from "accsr/config";
   * console.log(inspect(new ConfigurationBase({ configDirectory: "./project" })));
   * ```
   */
  [Symbol.for("nodejs.util.inspect.custom")](
    _depth: number,
    options: unknown,
    inspect?: (value: unknown, options?: unknown) => string,
  ): string {
    const view = this.toJSON();
    return `${this.constructor.name} ${
      inspect ? inspect(view, options) : JSON.stringify(view, null, 2)
    }`;
  }

  /** The environment: the real one (or `options.env`) over the `.env` files' variables. */
  #environment(): Record<string, string | undefined> {
    const real = this.#env ?? process.env;
    if (Object.keys(this.#envFileValues).length === 0) return real;
    const merged: Record<string, string | undefined> = { ...this.#envFileValues };
    for (const [k, v] of Object.entries(real)) if (typeof v === "string") merged[k] = v;
    return merged;
  }

  #markerOptions(keyPath: readonly string[]) {
    return {
      keyPath,
      sourceOf: (p: readonly string[]) => this.#locate(p).source,
    };
  }

  #resolve(value: unknown, keyPath: readonly string[]): unknown {
    return resolveEnvMarkers(value, this.#environment(), this.#markerOptions(keyPath));
  }

  #raw(keyPath: readonly string[]): unknown {
    const found = lookup(this.config, keyPath);
    return found.found ? found.value : undefined;
  }

  /**
   * The last layer that set the longest existing prefix of `keyPath`, for messages: `file` is
   * a file path (not for an override variable), `source` the file or `env NAME`.
   */
  #locate(
    keyPath: readonly string[],
  ): { text: string; file?: string; source?: string; layer?: SourceLayer } {
    for (let length = keyPath.length; length > 0; length--) {
      const prefix = keyPath.slice(0, length);
      const layer = [...this.#layers].reverse().find((l) => lookup(l.data, prefix).found);
      if (layer === undefined) continue;
      const marker = parseEnvMarker(length === keyPath.length ? this.#raw(keyPath) : undefined);
      const env = marker === undefined ? "" : ` (env:${marker.name})`;
      const file = layer.kind === "override" ? undefined : layer.file;
      const where = layer.kind === "override"
        ? `by the variable ${layer.variable}`
        : `in ${layer.file}`;
      return length === keyPath.length
        ? { text: `set ${where}${env}`, file, source: layer.file, layer }
        : {
          text: `not set; "${prefix.join(".")}" is set ${where}`,
          file,
          source: layer.file,
          layer,
        };
    }
    return { text: keyPath.length === 0 ? "" : "not set in any file" };
  }
}

/** How a marker resolved, in words: `set`, `unset`, `fallback used`, `file named by X`. */
function markerState(r: EnvMarkerResolution): string {
  switch (r.via) {
    case "fallback":
      return "fallback used";
    case "unset":
      return r.fileVariable === undefined ? "unset" : `file named by ${r.fileVariable} unreadable`;
    case "file":
      return `file named by ${r.fileVariable}`;
    default:
      return "set";
  }
}

/** `env:NAME`, followed by how it resolved unless the variable was simply set. */
function markerText(r: EnvMarkerResolution): string {
  return r.via === "variable" ? `env:${r.name}` : `env:${r.name}, ${markerState(r)}`;
}

function toKeyPath(key: string | readonly string[]): string[] {
  if (typeof key === "string") return [key];
  if (!Array.isArray(key)) {
    throw new TypeError(`A config key must be a string or an array of strings, got ${key}`);
  }
  return [...key];
}
