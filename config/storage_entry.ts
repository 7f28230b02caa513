/**
 * The storage settings of a configuration as the CLI reads them: the shared `remote_storage`
 * section (or accsr's `remote_storage_config`), with the sibling `remote_storage_ts` merged
 * over it — so that one config file serves Python accsr (which reads only the shared section)
 * and this library.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { ConfigurationBase } from "./configuration.ts";
import { pythonRejectedKeys, TS_STORAGE_SECTION } from "./known_keys.ts";

/** The shared section names, in order of preference (the second is accsr's). */
const SHARED_SECTIONS = ["remote_storage", "remote_storage_config"] as const;

/**
 * The merged storage settings and what was found on the way.
 *
 * @example
 * ```ts
 * import type { RemoteStorageEntry } from "accsr/config";
 * const e: RemoteStorageEntry = { value: { provider: "s3", bucket: "b" }, sections: ["remote_storage"], warnings: [] };
 * ```
 */
export interface RemoteStorageEntry<T = Record<string, unknown>> {
  /** Shared section with `remote_storage_ts` merged over it (key by key), markers resolved. */
  value: T;
  /** The sections read, shared one first (e.g. `["remote_storage", "remote_storage_ts"]`). */
  sections: string[];
  /**
   * A warning (one line) when the shared section has keys Python accsr's `RemoteStorageConfig`
   * would reject, naming them and the sibling section to move them to.
   */
  warnings: string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * The storage section `name` of a configuration as an object (`null` is an empty one), or
 * `undefined` when absent; anything else is a CONFIG_INVALID error naming the entry.
 *
 * @example
 * ```ts
 * import { storageSection } from "./storage_entry.ts";
 * import { ConfigurationBase } from "./mod.ts";
 * const c = new ConfigurationBase({ configDirectory: "." });
 * console.log(storageSection(c, "remote_storage"));
 * ```
 */
export function storageSection(
  config: ConfigurationBase,
  name: string,
): Record<string, unknown> | undefined {
  if (config.config[name] === undefined) return undefined;
  const value = config.config[name] === null ? {} : config.getEntry(name);
  if (!isPlainObject(value)) {
    throw new ConfigError(
      `Cannot use config entry "${name}": it is ${
        Array.isArray(value) ? "an array" : typeof value
      }, not an object (write the storage settings as an object)`,
      { code: "CONFIG_INVALID" },
    );
  }
  return value;
}

/**
 * The warnings for keys of a shared storage section that Python accsr would reject (none for
 * the providers only this library has, `file` and `memory`).
 *
 * @example
 * ```ts
 * import { pythonCompatibilityWarnings } from "accsr/config";
 * pythonCompatibilityWarnings("remote_storage", { bucket: "b", multipart_threshold: 1 });
 * // ['remote_storage has a key Python accsr\'s RemoteStorageConfig rejects: "multipart_threshold" (…)']
 * ```
 */
export function pythonCompatibilityWarnings(
  sectionName: string,
  value: Record<string, unknown>,
): string[] {
  // providers only accsr-ts has: Python accsr cannot use such a section anyway
  if (value.provider === "file" || value.provider === "memory") return [];
  const keys = pythonRejectedKeys(value);
  if (keys.length === 0) return [];
  return [
    `${sectionName} has ${
      keys.length === 1 ? "a key" : "keys"
    } Python accsr's RemoteStorageConfig ` +
    `rejects: ${keys.map((k) => `"${k}"`).join(", ")} (if Python accsr reads this config, move ` +
    `${
      keys.length === 1 ? "it" : "them"
    } to the sibling section "${TS_STORAGE_SECTION}", which only accsr-ts reads)`,
  ];
}

/**
 * Reads the storage settings: `remote_storage` (or `remote_storage_config`) with
 * `remote_storage_ts` merged over it. Hand `value` to `RemoteStorage` (type it with
 * `remoteStorageEntry<RemoteStorageConfig>(config)`).
 *
 * @throws {ConfigError} A section is not an object, or neither section exists.
 *
 * @example
 * ```ts
 * import { ConfigurationBase, remoteStorageEntry } from "accsr/config";
 * // config.json: {"remote_storage": {"provider": "s3", "bucket": "b"},
 * //               "remote_storage_ts": {"plain_etags": true}}
 * const config = new ConfigurationBase({ configDirectory: "/tmp/project" });
 * const { value, warnings } = remoteStorageEntry(config);
 * console.log(value); // { provider: "s3", bucket: "b", plain_etags: true }
 * for (const w of warnings) console.warn(w);
 * ```
 */
export function remoteStorageEntry<T = Record<string, unknown>>(
  config: ConfigurationBase,
): RemoteStorageEntry<T> {
  const sharedName = SHARED_SECTIONS.find((n) => config.config[n] !== undefined);
  const shared = sharedName === undefined ? undefined : storageSection(config, sharedName);
  const ts = storageSection(config, TS_STORAGE_SECTION);
  if (shared === undefined && ts === undefined) {
    throw new ConfigError(
      `Cannot read the storage settings: no "remote_storage" section in ${
        config.loadedFiles.join(", ") || "the configuration"
      } (add one)`,
      { code: "CONFIG_KEY_MISSING" },
    );
  }
  const sections = [
    ...(sharedName === undefined ? [] : [sharedName]),
    ...(ts === undefined ? [] : [TS_STORAGE_SECTION]),
  ];
  const rawShared = sharedName === undefined ? undefined : config.config[sharedName];
  return {
    value: { ...shared, ...ts } as T,
    sections,
    warnings: sharedName !== undefined && isPlainObject(rawShared)
      ? pythonCompatibilityWarnings(sharedName, rawShared)
      : [],
  };
}
