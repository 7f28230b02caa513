/**
 * Keeping secrets out of every output, one module for the library and the CLI: which keys
 * hold secrets ({@linkcode isSecretKey}), credentials inside strings
 * ({@linkcode redactString}), and redacted copies of configuration values
 * ({@linkcode redactDeep}). Configuration objects, storage configs and the CLI's `config`
 * command all use it.
 *
 * @example
 * ```ts
 * import { isSecretKey, redactDeep } from "./redact.ts";
 * isSecretKey("client_secret"); // true
 * redactDeep({ bucket: "b", secret: "s3cr3t" }); // { bucket: "b", secret: "***" }
 * ```
 *
 * @module
 */
import { parseEnvMarker } from "./config/env_markers.ts";

/**
 * What a redacted value is shown as.
 *
 * @example
 * ```ts
 * import { REDACTED } from "./redact.ts";
 * console.log(REDACTED); // "***"
 * ```
 */
export const REDACTED = "***";

const SECRET_WORDS = new Set([
  "secret",
  "secrets",
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "token",
  "tokens",
  "credential",
  "credentials",
  "sas",
  "signature",
  "apikey",
  "privatekey",
  "accountkey",
  "connectionstring",
  "secretkey",
  "sessiontoken",
  "session",
  "sessions",
  "auth",
  "authorization",
  "bearer",
  "cookie",
  "cookies",
]);
const SECRET_PAIRS = [
  ["account", "key"],
  ["private", "key"],
  ["api", "key"],
  ["connection", "string"],
  ["sas", "url"],
  ["client", "secret"],
];

/** Words before `key` that make it a credential (`secret_key`, `master_key`, `sas_key`…). */
const KEY_CREDENTIALS = new Set([
  "account",
  "private",
  "api",
  "secret",
  "master",
  "shared",
  "sas",
  "signing",
  "encryption",
  "storage",
  "client",
  "auth",
]);

/**
 * Whether a configuration key (or environment variable name) names a secret: `secret`,
 * `password`, `token`, `session_token`, `account_key`, `connection_string`, `sas_token`,
 * `apiKey`, `AWS_SECRET_ACCESS_KEY`, `auth`, `authorization`, `bearer`, `cookie`, `session`,
 * and `*key` of credentials (`secret_key`, `master_key`, `storageKey`…). `key` (the access
 * key id), `access_key_id` and `keyboard` are not.
 *
 * @example
 * ```ts
 * import { isSecretKey } from "./redact.ts";
 * isSecretKey("session_token"); // true
 * isSecretKey("accountKey"); // true
 * isSecretKey("key"); // false (the access key id)
 * ```
 */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  for (let i = 0; i + 1 < words.length; i++) {
    if (SECRET_PAIRS.some(([a, b]) => words[i] === a && words[i + 1] === b)) return true;
  }
  // `*key` of credentials: secret_key, masterKey, storagekey (but not access_key_id)
  const last = words.at(-1) ?? "";
  const before = words.at(-2);
  if (last === "key" && before !== undefined && KEY_CREDENTIALS.has(before)) return true;
  if (last.endsWith("key") && KEY_CREDENTIALS.has(last.slice(0, -3))) return true;
  return SECRET_WORDS.has(words.join(""));
}

/**
 * A string with embedded credentials masked: `AccountKey=…` / `SharedAccessSignature=…` /
 * `sig=…` parts of connection strings and SAS URLs, and the password of `scheme://user:pw@host`.
 *
 * @example
 * ```ts
 * import { redactString } from "./redact.ts";
 * redactString("AccountName=a;AccountKey=abc=="); // "AccountName=a;AccountKey=***"
 * redactString("http://user:pw@host"); // "http://user:***@host"
 * ```
 */
export function redactString(value: string): string {
  return value
    .replace(
      /\b(AccountKey|SharedAccessSignature|SharedAccessKey|sig|X-Amz-Signature|X-Amz-Security-Token)=([^;&\s]+)/gi,
      `$1=${REDACTED}`,
    )
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]+):[^/@\s]+@/i, `$1:${REDACTED}@`);
}

/**
 * A deep copy of `value` in which values under secret keys (see {@linkcode isSecretKey}) and
 * values read from secret-named variables (`raw` holds the `"env:NAME"` markers) are
 * {@linkcode REDACTED}, and credentials embedded in strings are masked. `null` and unset
 * values stay as they are.
 *
 * @example
 * ```ts
 * import { redactDeep } from "./redact.ts";
 * redactDeep({ bucket: "b", secret: "x", api: "tok" }, { api: "env:API_TOKEN" });
 * // { bucket: "b", secret: "***", api: "***" }
 * ```
 */
export function redactDeep(value: unknown, raw?: unknown, key?: string): unknown {
  if (value === null || value === undefined) return value;
  const marker = parseEnvMarker(raw);
  if (key !== undefined && isSecretKey(key)) return REDACTED;
  if (marker !== undefined && isSecretKey(marker.name)) return REDACTED;
  if (typeof value === "string") return redactString(value);
  if (Array.isArray(value)) {
    return value.map((v, i) => redactDeep(v, Array.isArray(raw) ? raw[i] : undefined, key));
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    const rawObject = raw !== null && typeof raw === "object" ? raw as Record<string, unknown> : {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = redactDeep(v, rawObject[k], k);
    }
    return out;
  }
  return value;
}

/**
 * Every string that `redactDeep` would hide (to scrub them from any output as well).
 *
 * @example
 * ```ts
 * import { secretValues } from "./redact.ts";
 * secretValues({ bucket: "b", secret: "s3cr3t", url: "http://u:pw@h" }); // ["s3cr3t", "pw"]
 * ```
 */
export function secretValues(value: unknown, raw?: unknown, key?: string): string[] {
  if (value === null || value === undefined) return [];
  const marker = parseEnvMarker(raw);
  const hidden = (key !== undefined && isSecretKey(key)) ||
    (marker !== undefined && isSecretKey(marker.name));
  if (typeof value === "string") {
    if (hidden) return [value];
    const masked = redactString(value);
    if (masked === value) return [];
    const found: string[] = [];
    for (
      const m of value.matchAll(
        /\b(?:AccountKey|SharedAccessSignature|SharedAccessKey|sig|X-Amz-Signature|X-Amz-Security-Token)=([^;&\s]+)/gi,
      )
    ) found.push(m[1]);
    const pw = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:([^/@\s]+)@/i.exec(value);
    if (pw) found.push(pw[1]);
    return found;
  }
  if (Array.isArray(value)) {
    return value.flatMap((v, i) =>
      hidden
        ? secretValues(v, undefined, "secret")
        : secretValues(v, Array.isArray(raw) ? raw[i] : undefined, key)
    );
  }
  if (typeof value === "object") {
    const rawObject = raw !== null && typeof raw === "object" ? raw as Record<string, unknown> : {};
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      secretValues(v, rawObject[k], hidden ? "secret" : k)
    );
  }
  return hidden ? [String(value)] : [];
}
