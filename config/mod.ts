/**
 * Configuration from a hierarchy of JSON, YAML and TOML files, the TypeScript port of
 * `accsr.config`, with profiles, override variables, secret files, `.env` files and a
 * pre-flight check.
 *
 * Precedence, lowest first:
 *
 * | layer | example | note |
 * |---|---|---|
 * | `config.json` | committed defaults | any of `.json`, `.yaml`, `.yml`, `.toml` |
 * | `config.<profile>.json` | `config.production.toml` | `profile` option or `ACCSR_PROFILE` |
 * | `config_local.json` | git-ignored overrides, secrets | later files win |
 * | `config_local.<profile>.json` | `config_local.production.yml` | right after its file |
 * | `ACCSR__KEY__KEY` variables | `ACCSR__REMOTE_STORAGE__BUCKET=b` | `envPrefix`; read at load |
 * | `"env:NAME"` values | `"secret": "env:S3_SECRET"` | resolved at every access |
 *
 * Objects merge deeply; arrays and scalars are replaced; missing files are skipped; nothing
 * read at all is a `ConfigError`. An `"env:NAME"` value reads `NAME` (the environment, then the
 * `envFiles`), else the file named by `NAME_FILE`, else the `:-fallback` (also used when `NAME`
 * is empty), else it is unset (`undefined`; listed by `check()`). Loading is synchronous.

 * @example
 * ```ts
 * import { ConfigProvider, DefaultDataConfiguration } from "accsr/config";
 *
 * // config.json:        {"data_raw": "data/raw", "artifacts": "data/artifacts",
 * //                      "remote_storage": {"bucket": "my-bucket", "secret": "env:S3_SECRET"}}
 * // config_local.yml:   remote_storage: {bucket: my-dev-bucket}
 * class Config extends DefaultDataConfiguration {
 *   get bucket(): string {
 *     return this.getEntry<string>(["remote_storage", "bucket"]);
 *   }
 * }
 *
 * const provider = new ConfigProvider(Config);
 * const config = provider.getConfig({
 *   configDirectory: import.meta.dirname,
 *   configFiles: ["config.json", "config_local.yml"],
 * });
 * console.log(config.bucket); // "my-dev-bucket"
 * console.log(config.datafilePath("sales.csv")); // /abs/data/raw/sales.csv (directory created)
 * console.log(config.explain(["remote_storage", "secret"]).source); // /abs/config.json (env:S3_SECRET)
 * ```
 *
 * @module
 */
export {
  type AdjustedPathOptions,
  type ConfigExplanation,
  type ConfigSourceLayer,
  ConfigurationBase,
  type ConfigurationOptions,
  type ExistingPathOptions,
} from "./configuration.ts";
export {
  type DatafilePathOptions,
  type DataStage,
  DefaultDataConfiguration,
} from "./default_data_configuration.ts";
export { ConfigProvider, type GetConfigOptions } from "./provider.ts";
export { type ConfigLayer, loadConfigFiles, loadConfigLayers } from "./load.ts";
export { deepMerge } from "./merge.ts";
export {
  ENV_VAR_MARKER,
  type EnvMarker,
  type EnvMarkerResolution,
  parseEnvMarker,
  resolveEnvMarker,
  resolveEnvMarkers,
  type ResolveEnvMarkersOptions,
} from "./env_markers.ts";
export { type CheckInput, type ConfigProblem, findConfigProblems } from "./check.ts";
export {
  closestKnownKey,
  KNOWN_SECTION_KEYS,
  PYTHON_STORAGE_KEYS,
  pythonRejectedKeys,
  REMOTE_STORAGE_KEYS,
  TS_STORAGE_SECTION,
} from "./known_keys.ts";
export {
  pythonCompatibilityWarnings,
  type RemoteStorageEntry,
  remoteStorageEntry,
} from "./storage_entry.ts";
export { DEFAULT_ENV_PREFIX, type EnvOverride, envOverrides } from "./env_overrides.ts";
export { type EnvFiles, loadEnvFiles } from "./dotenv.ts";
export { PROFILE_VARIABLE, selectProfile } from "./profiles.ts";
export { parseToml } from "./toml.ts";
export type {
  StandardSchemaV1,
  StandardSchemaV1Issue,
  StandardSchemaV1Props,
  StandardSchemaV1Result,
} from "./schema.ts";
