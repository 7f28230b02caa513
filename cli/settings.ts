/**
 * The storage settings of a CLI run: the configuration files, the `remote_storage` section,
 * the flags that override it and credentials from the environment — each value with where
 * it came from.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import {
  ConfigurationBase,
  parseEnvMarker,
  pythonCompatibilityWarnings,
  TS_STORAGE_SECTION,
} from "../config/mod.ts";
import { ConfigError } from "../errors.ts";
import { storageSection } from "../config/storage_entry.ts";
import { type RemoteStorageConfig, S3_COMPATIBLE_PROVIDERS } from "../storage/mod.ts";
import type { ParsedCommand } from "./args.ts";
import { redactDeep, secretValues } from "../redact.ts";

/** Config section names, in order of preference (the second is accsr's). */
const SECTION_NAMES = ["remote_storage", "remote_storage_config"] as const;

/**
 * The configuration files and the effective storage settings.
 *
 * @example
 * ```ts
 * import { loadSettings, type Settings } from "./settings.ts";
 * import { parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const parsed = parseCommandLine(["ls"], COMMAND_SPECS);
 * if (parsed.kind === "command") {
 *   const s: Settings = loadSettings({ parsed, cwd: "/tmp/project", env: {} });
 *   console.log(s.files, s.sources);
 * }
 * ```
 */
export interface Settings {
  /** Absolute config directory. */
  configDirectory: string;
  /** Files that were read (absolute), in order. */
  files: readonly string[];
  /** The loaded configuration, or `undefined` when no file exists. */
  configuration?: ConfigurationBase;
  /** The section the storage settings were read from, if any. */
  section?: string;
  /** The effective storage config: section + environment credentials + flags (secrets in clear). */
  storage: Record<string, unknown>;
  /** Where each top-level storage value came from: a file, `"--flag"` or `"env NAME"`. */
  sources: Record<string, string>;
  /**
   * Storage keys whose `"env:NAME"` value has its variable unset (no `NAME_FILE`, no
   * fallback) and that nothing else set: the variable and the file (or override variable).
   */
  unset: Record<string, { variable: string; source: string }>;
  /** Warnings about the configuration (unknown keys in the storage section). */
  warnings: string[];
}

/**
 * Settings-related inputs of a run.
 *
 * @example
 * ```ts
 * import type { SettingsInput } from "./settings.ts";
 * import { parseCommandLine, type ParsedCommand } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const parsed = parseCommandLine(["ls", "--bucket", "b"], COMMAND_SPECS) as ParsedCommand;
 * const input: SettingsInput = { parsed, cwd: "/tmp/project", env: { AWS_REGION: "eu-west-1" } };
 * ```
 */
export interface SettingsInput {
  parsed: ParsedCommand;
  cwd: string;
  env: Record<string, string | undefined>;
}

function loadConfiguration(
  input: SettingsInput,
): Pick<Settings, "configDirectory" | "files" | "configuration"> {
  const { parsed, cwd, env } = input;
  const dirFlag = parsed.values["config-dir"] as string | undefined;
  const configDirectory = resolve(cwd, dirFlag ?? ".");
  if (
    dirFlag !== undefined &&
    !(existsSync(configDirectory) && statSync(configDirectory).isDirectory())
  ) {
    throw new ConfigError(
      `Cannot read config directory "${configDirectory}": no such directory (check --config-dir)`,
      { code: "CONFIG_NOT_FOUND" },
    );
  }
  const explicit = parsed.values.config as string[] | undefined;
  const configFiles = explicit?.map((f) => resolve(cwd, f)) ?? ["config.json", "config_local.json"];
  for (const f of explicit === undefined ? [] : configFiles) {
    if (!existsSync(f)) {
      throw new ConfigError(`Cannot read config file "${f}": no such file (check --config)`, {
        file: f,
        code: "CONFIG_NOT_FOUND",
      });
    }
  }
  const envFiles = (parsed.values["env-file"] as string[] | undefined)?.map((f) => resolve(cwd, f));
  for (const f of envFiles ?? []) {
    if (!existsSync(f)) {
      throw new ConfigError(`Cannot read env file "${f}": no such file (check --env-file)`, {
        file: f,
        code: "CONFIG_NOT_FOUND",
      });
    }
  }
  const profile = parsed.values.profile as string | undefined;
  try {
    const configuration = new ConfigurationBase({
      configDirectory,
      configFiles,
      env,
      envFiles,
      profile,
    });
    return { configDirectory, files: configuration.loadedFiles, configuration };
  } catch (e) {
    // no file (or only empty ones): fine when the flags say enough
    if (e instanceof ConfigError && e.code === "CONFIG_NOT_FOUND") {
      return { configDirectory, files: [] };
    }
    throw e;
  }
}

const FLAG_KEYS: [flag: string, key: string][] = [
  ["provider", "provider"],
  ["bucket", "bucket"],
  ["endpoint", "endpoint"],
  ["region", "region"],
  ["root", "root"],
];

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Reads the configuration and builds the effective storage settings.
 *
 * @throws {ConfigError} A file cannot be read or parsed, or the section is not an object.
 *
 * @example
 * ```ts
 * import { loadSettings } from "./settings.ts";
 * import { parseCommandLine } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const parsed = parseCommandLine(["ls", "--provider", "memory", "--bucket", "b"], COMMAND_SPECS);
 * if (parsed.kind === "command") {
 *   const s = loadSettings({ parsed, cwd: "/tmp/project", env: {} });
 *   console.log(s.storage); // { provider: "memory", bucket: "b" }
 *   console.log(s.sources); // { provider: "--provider", bucket: "--bucket" }
 * }
 * ```
 */
export function loadSettings(input: SettingsInput): Settings {
  const { parsed, cwd, env } = input;
  const loaded = loadConfiguration(input);
  const { configuration } = loaded;
  const storage: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  const unset: Settings["unset"] = {};
  const warnings: string[] = [];
  let section: string | undefined;
  if (configuration !== undefined) {
    section = SECTION_NAMES.find((name) => configuration.config[name] !== undefined);
    // the shared section, then remote_storage_ts (settings Python accsr rejects) over it
    const names = [
      ...(section === undefined ? [] : [section]),
      ...(configuration.config[TS_STORAGE_SECTION] === undefined ? [] : [TS_STORAGE_SECTION]),
    ];
    section ??= names[0];
    for (const name of names) {
      const value = storageSection(configuration, name) ?? {};
      for (const [k, v] of Object.entries(value)) {
        storage[k] = v;
        sources[k] = sourceOf(configuration, [name, k]);
        const raw = (configuration.config[name] as Record<string, unknown>)[k];
        const marker = parseEnvMarker(raw);
        if (v === undefined && marker !== undefined) {
          unset[k] = { variable: marker.name, source: sources[k].replace(/ \(env:.*\)$/, "") };
        } else delete unset[k];
      }
      if (name !== TS_STORAGE_SECTION && isPlainObject(configuration.config[name])) {
        warnings.push(
          ...pythonCompatibilityWarnings(
            name,
            configuration.config[name] as Record<string, unknown>,
          ),
        );
      }
    }
    for (const p of configuration.check()) {
      if (p.kind === "unknown_key" && names.some((n) => p.key.startsWith(`${n}.`))) {
        warnings.push(`${p.message} (${p.source ?? "configuration"})`);
      }
    }
  }

  // relative root in a file: against the config directory
  if (typeof storage.root === "string" && storage.root !== "" && !isAbsolute(storage.root)) {
    storage.root = resolve(loaded.configDirectory, storage.root);
  }

  for (const [flag, key] of FLAG_KEYS) {
    const v = parsed.values[flag] as string | undefined;
    if (v === undefined) continue;
    storage[key] = key === "root" ? resolve(cwd, v) : v;
    sources[key] = `--${flag}`;
  }
  const basePathFlag = parsed.values["base-path"] as string | undefined;
  if (basePathFlag !== undefined) {
    const key = "basePath" in storage || !("base_path" in storage) ? "basePath" : "base_path";
    if (key === "basePath") delete storage.base_path, delete sources.base_path;
    storage[key] = basePathFlag;
    sources[key] = "--base-path";
  }

  if (parsed.values["plain-etags"] === true) {
    delete storage.plainEtags, delete sources.plainEtags;
    storage.plain_etags = true;
    sources.plain_etags = "--plain-etags";
  }

  // credentials and region from the environment (S3 API providers)
  const provider = typeof storage.provider === "string" ? storage.provider : undefined;
  if (
    provider !== undefined &&
    (S3_COMPATIBLE_PROVIDERS.includes(provider) || provider === "google_storage")
  ) {
    const unset = (k: string) =>
      storage[k] === undefined || storage[k] === null || storage[k] === "";
    if (unset("key") && unset("secret") && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
      storage.key = env.AWS_ACCESS_KEY_ID;
      sources.key = "env AWS_ACCESS_KEY_ID";
      storage.secret = env.AWS_SECRET_ACCESS_KEY;
      sources.secret = "env AWS_SECRET_ACCESS_KEY";
      if (env.AWS_SESSION_TOKEN && unset("sessionToken") && unset("session_token")) {
        storage.sessionToken = env.AWS_SESSION_TOKEN;
        sources.sessionToken = "env AWS_SESSION_TOKEN";
      }
    }
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
    if (unset("region") && region) {
      storage.region = region;
      sources.region = env.AWS_REGION ? "env AWS_REGION" : "env AWS_DEFAULT_REGION";
    }
  }
  // unset "env:" markers and nulls mean "not set"
  for (const [k, v] of Object.entries(storage)) {
    if (v === undefined) {
      delete storage[k];
      delete sources[k];
    }
  }
  for (const k of Object.keys(unset)) if (k in storage) delete unset[k]; // set otherwise
  return { ...loaded, section, storage, sources, unset, warnings };
}

function sourceOf(configuration: ConfigurationBase, keyPath: string[]): string {
  try {
    return configuration.explain(keyPath).source;
  } catch {
    return configuration.loadedFiles.join(", ");
  }
}

/**
 * The storage config to hand to `RemoteStorage`; throws a `ConfigError` with a hint when no
 * storage is configured at all.
 *
 * @example
 * ```ts
 * import { loadSettings, storageConfigOf } from "./settings.ts";
 * import { parseCommandLine, type ParsedCommand } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const parsed = parseCommandLine(["ls", "--provider", "memory", "--bucket", "b"], COMMAND_SPECS) as ParsedCommand;
 * const conf = storageConfigOf(loadSettings({ parsed, cwd: "/tmp/project", env: {} }));
 * ```
 */
export function storageConfigOf(settings: Settings): RemoteStorageConfig {
  const s = settings.storage;
  const unset = Object.entries(settings.unset);
  if (unset.length > 0) {
    const [key, { variable, source }] = unset[0];
    const more = unset.length > 1
      ? `; also ${
        unset.slice(1).map(([k, u]) => `"${settings.section}.${k}" (${u.variable})`).join(", ")
      }`
      : "";
    throw new ConfigError(
      `Cannot use config entry "${settings.section}.${key}" set in ${source}: the environment ` +
        `variable ${variable} is not set${more} (set ${variable} or ${variable}_FILE, or write ` +
        `"env:${variable}:-default"; an empty value set on purpose is accepted)`,
      { code: "CONFIG_ENV_UNSET", file: source.startsWith("env ") ? undefined : source },
    );
  }
  if (s.provider === undefined && s.bucket === undefined) {
    const where = settings.files.length > 0
      ? `no "remote_storage" section in ${settings.files.join(", ")}`
      : `no config.json or config_local.json in "${settings.configDirectory}"`;
    throw new ConfigError(`Cannot connect to remote storage: none is configured (${where})`, {
      code: "STORAGE_NOT_CONFIGURED",
    });
  }
  return s as unknown as RemoteStorageConfig;
}

/**
 * Every secret value of the settings (to scrub from any output), including secret env vars.
 *
 * @example
 * ```ts
 * import { loadSettings, settingsSecrets } from "./settings.ts";
 * import { parseCommandLine, type ParsedCommand } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const parsed = parseCommandLine(["config"], COMMAND_SPECS) as ParsedCommand;
 * const env = { AWS_SECRET_ACCESS_KEY: "s3cr3t-value" };
 * console.log(settingsSecrets(loadSettings({ parsed, cwd: "/tmp/project", env }), env)); // [..., "s3cr3t-value"]
 * ```
 */
export function settingsSecrets(
  settings: Settings,
  env: Record<string, string | undefined>,
): string[] {
  const out = secretValues(settings.storage, rawSection(settings));
  if (settings.configuration) {
    out.push(
      ...secretValues(resolvedConfig(settings.configuration), settings.configuration.config),
      ...secretFileValues(settings.configuration),
    );
  }
  for (
    const name of [
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AZURE_STORAGE_KEY",
      "AZURE_STORAGE_CONNECTION_STRING",
    ]
  ) {
    const v = env[name];
    if (v) out.push(v);
  }
  return out;
}

/**
 * Every value read from a secret file (`NAME_FILE`): always a secret, whatever its key.
 *
 * @example
 * ```ts
 * import { secretFileValues } from "./settings.ts";
 * import { ConfigurationBase } from "accsr/config";
 * const config = new ConfigurationBase({ configDirectory: "/tmp/project", env: { PW_FILE: "/run/secrets/pw" } });
 * console.log(secretFileValues(config)); // the content of /run/secrets/pw for {"db": {"pw": "env:PW"}}
 * ```
 */
export function secretFileValues(configuration: ConfigurationBase): string[] {
  const out: string[] = [];
  const walk = (value: unknown, keyPath: string[]) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...keyPath, String(i)]));
    else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...keyPath, k]);
    } else if (parseEnvMarker(value) !== undefined) {
      try {
        const e = configuration.explain(keyPath);
        if (e.secretFile !== undefined && typeof e.value === "string") out.push(e.value);
      } catch {
        // unreadable: nothing to hide
      }
    }
  };
  walk(configuration.config, []);
  return out;
}

/** The raw (markers unresolved) storage sections, merged, for redaction decisions. */
function rawSection(settings: Settings): Record<string, unknown> {
  if (settings.configuration === undefined || settings.section === undefined) return {};
  const raw = settings.configuration.config[settings.section];
  const ts = settings.configuration.config[TS_STORAGE_SECTION];
  return { ...(isPlainObject(raw) ? raw : {}), ...(isPlainObject(ts) ? ts : {}) };
}

/**
 * The whole merged configuration with `"env:"` markers resolved.
 *
 * @example
 * ```ts
 * import { resolvedConfig } from "./settings.ts";
 * import { ConfigurationBase, parseEnvMarker } from "accsr/config";
 * const config = new ConfigurationBase({ configDirectory: "/tmp/project", env: { HOST: "db" } });
 * console.log(resolvedConfig(config)); // e.g. { database: { host: "db" } } for {"database": {"host": "env:HOST"}}
 * ```
 */
export function resolvedConfig(configuration: ConfigurationBase): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(configuration.config)) {
    try {
      out[key] = configuration.getEntry(key);
    } catch {
      out[key] = null;
    }
  }
  return out;
}

/**
 * The effective storage settings, secrets redacted.
 *
 * @example
 * ```ts
 * import { loadSettings, redactedStorage } from "./settings.ts";
 * import { parseCommandLine, type ParsedCommand } from "./args.ts";
 * import { COMMAND_SPECS } from "./commands/mod.ts";
 * const parsed = parseCommandLine(["config"], COMMAND_SPECS) as ParsedCommand;
 * console.log(redactedStorage(loadSettings({ parsed, cwd: "/tmp/project", env: {} }))); // { ..., secret: "***" }
 * ```
 */
export function redactedStorage(settings: Settings): Record<string, unknown> {
  const raw = { ...rawSection(settings) };
  for (const [k, src] of Object.entries(settings.sources)) {
    const m = /^env (\w+)$/.exec(src);
    if (m) raw[k] = `env:${m[1]}`;
  }
  return redactDeep(settings.storage, raw) as Record<string, unknown>;
}
