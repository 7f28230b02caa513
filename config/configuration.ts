/**
 * {@linkcode ConfigurationBase}: a configuration read from a hierarchy of JSON/YAML files.
 *
 * @module
 */
import { existsSync, mkdirSync } from "node:fs";
import { relative as relativePath, resolve } from "node:path";
import process from "node:process";
import { ConfigError, ConfigKeyError } from "../errors.ts";
import { redactDeep } from "../redact.ts";
import { describeType, freezeDeep, lookup } from "./_objects.ts";
import { parseEnvMarker, resolveEnvMarkers } from "./env_markers.ts";
import { type ConfigLayer, loadConfigLayers, mergeLayers } from "./load.ts";
import { type StandardSchemaV1, validateWithSchema } from "./schema.ts";

/**
 * Options of {@linkcode ConfigurationBase} and its subclasses.
 *
 * @example
 * ```ts
 * import type { ConfigurationOptions } from "./configuration.ts";
 * const options: ConfigurationOptions = {
 *   configDirectory: "./project",
 *   configFiles: ["config.json", "config_local.yml"],
 *   env: { BUCKET: "my-bucket" },
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
   * Files to read, lowest precedence first; `.json`, `.yaml` and `.yml` can be mixed.
   * @default {["config.json", "config_local.json"]}
   */
  configFiles?: readonly string[];
  /**
   * Variables that `"env:NAME"` markers read. When given, it replaces the process environment.
   * @default {process.env, read at access time}
   */
  env?: Record<string, string | undefined>;
}

/**
 * Options of {@linkcode ConfigurationBase.prototype.getExistingPath}.
 *
 * @example
 * ```ts
 * import type { ExistingPathOptions } from "./configuration.ts";
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
 * import type { AdjustedPathOptions } from "./configuration.ts";
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
 * Where a configuration value comes from; see {@linkcode ConfigurationBase.prototype.explain}.
 *
 * @example
 * ```ts
 * import type { ConfigExplanation } from "./configuration.ts";
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
}

const DEFAULT_CONFIG_FILES = ["config.json", "config_local.json"] as const;

/**
 * A configuration read from a hierarchy of JSON and YAML files (by default `config.json`
 * then `config_local.json` in the working directory), merged deeply, later files winning.
 * Subclass it and add getters that call {@linkcode ConfigurationBase.prototype.getEntry}.
 *
 * Loading is synchronous and happens once, in the constructor. String values `"env:NAME"`
 * (or `"env:NAME:-fallback"`) are resolved from the environment at every access, never stored.
 *
 * A subclass may declare a Standard Schema v1 validator as `static schema = …` or as a getter
 * `get schema()`; the configuration (markers resolved) is checked in the constructor. (An
 * instance field would be assigned after the constructor has run — too late.)
 *
 * @example
 * ```ts
 * import { ConfigurationBase } from "./configuration.ts";
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
   * import { ConfigurationBase } from "./configuration.ts";
   * import type { StandardSchemaV1 } from "./schema.ts";
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
  /** Absolute paths of the configuration files that existed, in the order they were read. */
  readonly loadedFiles: readonly string[];
  readonly #layers: readonly ConfigLayer[];
  readonly #env?: Record<string, string | undefined>;

  /**
   * Reads and merges the configuration files; throws a `ConfigError` when none could be read,
   * one cannot be parsed, or the schema (if any) rejects the result.
   *
   * @param options Where to read from and which environment to use.
   */
  constructor(options: ConfigurationOptions = {}) {
    this.configDirectory = resolve(options.configDirectory ?? process.cwd());
    const files = options.configFiles ?? DEFAULT_CONFIG_FILES;
    this.#layers = loadConfigLayers(this.configDirectory, files);
    this.config = freezeDeep(mergeLayers(this.#layers, this.configDirectory, files));
    this.loadedFiles = Object.freeze(this.#layers.map((l) => l.file));
    this.#env = options.env;
    const schema = this.schema ?? (new.target as typeof ConfigurationBase).schema;
    if (schema !== undefined) {
      validateWithSchema(
        schema,
        resolveEnvMarkers(this.config, this.#environment()),
        this.configDirectory,
        (keyPath) => this.#locate(keyPath),
      );
    }
  }

  /**
   * A Standard Schema v1 validator the configuration must pass; overrides the static
   * `schema` when it returns one. `undefined` (no check) here.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "./configuration.ts";
   * import type { StandardSchemaV1 } from "./schema.ts";
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
   * import { ConfigurationBase } from "./configuration.ts";
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
    return resolveEnvMarkers(found.value, this.#environment()) as T;
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
   * import { ConfigurationBase } from "./configuration.ts";
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
   * import { ConfigurationBase } from "./configuration.ts";
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
   * The value at `key` (as {@linkcode ConfigurationBase.prototype.getEntry}) and the file that
   * set it: the last file, in precedence order, that contains the full key path. When the raw
   * value is an `"env:NAME"` marker, `source` ends with ` (env:NAME)` and `envVar` is `NAME`.
   * For the empty key path (the whole configuration) `source` lists all files read.
   *
   * @param key A top-level key or a path of keys.
   * @returns The value and its source.
   * @throws {ConfigKeyError} As {@linkcode ConfigurationBase.prototype.getEntry}.
   *
   * @example
   * ```ts
   * import { ConfigurationBase } from "./configuration.ts";
   * const config = new ConfigurationBase({ configDirectory: "./project" });
   * console.log(config.explain(["remote_storage", "secret"]));
   * // { value: "…", source: "/abs/project/config_local.json (env:S3_SECRET)", envVar: "S3_SECRET" }
   * ```
   */
  explain(key: string | readonly string[]): ConfigExplanation {
    const keyPath = toKeyPath(key);
    const value = this.getEntry(keyPath);
    const located = this.#locate(keyPath);
    const marker = parseEnvMarker(this.#raw(keyPath));
    if (marker === undefined) return { value, source: located.file ?? this.loadedFiles.join(", ") };
    return { value, source: `${located.file} (env:${marker.name})`, envVar: marker.name };
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
   * import { ConfigurationBase } from "./configuration.ts";
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
   * import { ConfigurationBase } from "./configuration.ts";
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
   * import { ConfigurationBase } from "./configuration.ts";
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
   * import { ConfigurationBase } from "./configuration.ts";
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

  #environment(): Record<string, string | undefined> {
    return this.#env ?? process.env;
  }

  #raw(keyPath: readonly string[]): unknown {
    const found = lookup(this.config, keyPath);
    return found.found ? found.value : undefined;
  }

  /** The last file that set the longest existing prefix of `keyPath`, for messages. */
  #locate(keyPath: readonly string[]): { text: string; file?: string } {
    for (let length = keyPath.length; length > 0; length--) {
      const prefix = keyPath.slice(0, length);
      const layer = [...this.#layers].reverse().find((l) => lookup(l.data, prefix).found);
      if (layer === undefined) continue;
      const marker = parseEnvMarker(length === keyPath.length ? this.#raw(keyPath) : undefined);
      const env = marker === undefined ? "" : ` (env:${marker.name})`;
      return length === keyPath.length
        ? { text: `set in ${layer.file}${env}`, file: layer.file }
        : { text: `not set; "${prefix.join(".")}" is set in ${layer.file}`, file: layer.file };
    }
    return { text: keyPath.length === 0 ? "" : "not set in any file" };
  }
}

function toKeyPath(key: string | readonly string[]): string[] {
  if (typeof key === "string") return [key];
  if (!Array.isArray(key)) {
    throw new TypeError(`A config key must be a string or an array of strings, got ${key}`);
  }
  return [...key];
}
