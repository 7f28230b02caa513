/**
 * The keys the configuration sections read by accsr may hold — one list, shared by
 * {@linkcode ConfigurationBase.prototype.check} and the CLI's warnings.
 *
 * @module
 */

/**
 * Keys of the `remote_storage` section (accsr's `RemoteStorageConfig`, in both spellings where
 * this port accepts both).
 *
 * @example
 * ```ts
 * import { REMOTE_STORAGE_KEYS } from "accsr/config";
 * console.log(REMOTE_STORAGE_KEYS.includes("base_path")); // true
 * ```
 */
export const REMOTE_STORAGE_KEYS: readonly string[] = Object.freeze([
  "provider",
  "bucket",
  "key",
  "secret",
  "region",
  "host",
  "port",
  "secure",
  "endpoint",
  "base_path",
  "basePath",
  "use_pbar",
  "usePbar",
  "log_level", // accepted (and ignored) for accsr's config files
  "root",
  "configDirectory", // what a relative root resolves against
  "config_directory",
  "session_token",
  "sessionToken",
  "multipart_threshold",
  "multipartThreshold",
  "part_size",
  "partSize",
  "checksumMode",
  "max_attempts",
  "maxAttempts",
  "max_retry_time",
  "maxRetryTime",
  "connection_timeout",
  "connectionTimeout",
  "socket_timeout",
  "socketTimeout",
  "plain_etags",
  "plainEtags",
  "force_path_style",
  "forcePathStyle",
  "guess_content_type",
  "guessContentType",
  "content_types",
  "contentTypes",
]);

/**
 * The sibling section of `remote_storage` for settings Python accsr does not accept; merged
 * over `remote_storage` by the CLI and {@linkcode remoteStorageEntry}.
 *
 * @example
 * ```ts
 * import { TS_STORAGE_SECTION } from "accsr/config";
 * console.log(TS_STORAGE_SECTION); // "remote_storage_ts"
 * ```
 */
export const TS_STORAGE_SECTION = "remote_storage_ts";

/**
 * The keys Python accsr's `RemoteStorageConfig` accepts (accsr 0.4.x: its dataclass fields).
 * Any other key in a section Python reads makes `RemoteStorageConfig(**entry)` raise
 * "unexpected keyword argument".
 *
 * @example
 * ```ts
 * import { PYTHON_STORAGE_KEYS } from "accsr/config";
 * console.log(PYTHON_STORAGE_KEYS.includes("multipart_threshold")); // false
 * ```
 */
export const PYTHON_STORAGE_KEYS: readonly string[] = Object.freeze([
  "provider",
  "key",
  "bucket",
  "secret",
  "region",
  "host",
  "port",
  "base_path",
  "secure",
  "use_pbar",
  "log_level",
]);

/**
 * The keys of a storage section that Python accsr's `RemoteStorageConfig` would reject.
 *
 * @example
 * ```ts
 * import { pythonRejectedKeys } from "accsr/config";
 * pythonRejectedKeys({ bucket: "b", multipart_threshold: 1 }); // ["multipart_threshold"]
 * ```
 */
export function pythonRejectedKeys(section: Record<string, unknown>): string[] {
  return Object.keys(section).filter((k) => !PYTHON_STORAGE_KEYS.includes(k));
}

/**
 * The known keys of each section whose keys are checked: an unknown key there is a warning of
 * the CLI and a problem of {@linkcode ConfigurationBase.prototype.check}, with the closest
 * known key. Extend it here when a section gains keys.
 *
 * @example
 * ```ts
 * import { KNOWN_SECTION_KEYS } from "accsr/config";
 * console.log(Object.keys(KNOWN_SECTION_KEYS)); // ["remote_storage", "remote_storage_config", "remote_storage_ts"]
 * ```
 */
export const KNOWN_SECTION_KEYS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  remote_storage: REMOTE_STORAGE_KEYS,
  remote_storage_config: REMOTE_STORAGE_KEYS, // accsr's name of the section
  [TS_STORAGE_SECTION]: REMOTE_STORAGE_KEYS, // settings Python accsr does not accept
});

/**
 * The known key closest to `key` (edit distance at most 2, or equal ignoring case, `_` and
 * `-`), or `undefined`.
 *
 * @example
 * ```ts
 * import { closestKnownKey, REMOTE_STORAGE_KEYS } from "accsr/config";
 * console.log(closestKnownKey("bucekt", REMOTE_STORAGE_KEYS)); // "bucket"
 * ```
 */
export function closestKnownKey(key: string, known: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const same = known.find((k) => k.toLowerCase() === key.toLowerCase()) ??
    known.find((k) => squash(k) === squash(key));
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(key.length / 2));
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Edit distance (optimal string alignment: a transposition counts as one edit). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
