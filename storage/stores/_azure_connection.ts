/**
 * Resolves the ways of pointing at an Azure storage account (account name + key, connection
 * string, SAS token, explicit endpoint) into one endpoint and one credential.
 *
 * @module
 */

import { ConfigError } from "../../errors.ts";

/** Account name of Azurite, the Azure Storage emulator. */
export const DEV_ACCOUNT_NAME = "devstoreaccount1";
/** The emulator's public, documented development key (not a secret). */
export const DEV_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** The connection settings an {@linkcode resolveAzureConnection} call starts from. */
export interface AzureConnectionInput {
  /** Storage account name. */
  accountName?: string | null;
  /** Shared account key (base64). */
  accountKey?: string | null;
  /** Blob service URL; may carry a SAS token as its query string. */
  endpoint?: string | null;
  /** Connection string (`AccountName=…;AccountKey=…;…` or `UseDevelopmentStorage=true`). */
  connectionString?: string | null;
  /** SAS token, with or without the leading `?`. */
  sasToken?: string | null;
}

/** Where and how to connect, resolved. */
export interface AzureConnection {
  /** Blob service URL without query string and without trailing `/`. */
  endpoint: string;
  /** Account name, when known (needed for shared-key signing). */
  accountName?: string;
  /** Account key: requests are signed with it when set (together with `accountName`). */
  accountKey?: string;
  /** SAS token without the leading `?`: appended to every request when set. */
  sasToken?: string;
}

function clean(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const t = value.trim();
  return t === "" ? undefined : t;
}

function configError(detail: string, hint: string): ConfigError {
  return new ConfigError(`Cannot connect to Azure Blob storage: ${detail} (${hint})`);
}

/**
 * Parses a connection string into its fields (names as written, values kept verbatim;
 * values may contain `=`).
 *
 * @example
 * ```ts
 * import { parseConnectionString } from "./_azure_connection.ts";
 * const f = parseConnectionString("AccountName=a;AccountKey=k==;EndpointSuffix=core.windows.net");
 * console.log(f.get("accountkey")); // k==
 * ```
 */
export function parseConnectionString(connectionString: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(";")) {
    const p = part.trim();
    if (p === "") continue;
    const eq = p.indexOf("=");
    if (eq <= 0) {
      throw configError(
        "the connection string is malformed",
        "expected Name=value pairs separated by ';', as shown under Access keys in the Azure portal",
      );
    }
    fields.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
  }
  return fields;
}

/**
 * The account name an endpoint implies: the first host label of `<account>.blob.…`, or the
 * first path segment of an emulator-style URL (`http://127.0.0.1:10000/<account>`).
 *
 * @example
 * ```ts
 * import { accountFromEndpoint } from "./_azure_connection.ts";
 * console.log(accountFromEndpoint("https://acme.blob.core.windows.net")); // acme
 * console.log(accountFromEndpoint("http://127.0.0.1:10000/devstoreaccount1")); // devstoreaccount1
 * ```
 */
export function accountFromEndpoint(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  const segment = url.pathname.split("/").filter((s) => s !== "")[0];
  if (segment !== undefined) return decodeURIComponent(segment);
  const labels = url.hostname.split(".");
  if (labels.length > 2 && labels[1] === "blob") return labels[0];
  return undefined;
}

function splitEndpoint(raw: string): { endpoint: string; sas?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw configError(
      `the endpoint "${raw.split("?")[0]}" is not a URL`,
      "use e.g. https://<account>.blob.core.windows.net or http://127.0.0.1:10000/devstoreaccount1",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw configError(
      `the endpoint "${url.origin}" is not http(s)`,
      "use e.g. https://<account>.blob.core.windows.net",
    );
  }
  const sas = clean(url.search.replace(/^\?/, ""));
  url.search = "";
  url.hash = "";
  return { endpoint: url.toString().replace(/\/+$/, ""), sas };
}

/**
 * Resolves endpoint and credential. Precedence: an explicit `endpoint` wins over the
 * connection string's endpoint, which wins over `https://<accountName>.blob.core.windows.net`;
 * an explicit `accountName`/`accountKey`/`sasToken` wins over the connection string's.
 * Throws a `ConfigError` (no secret in it) when no endpoint can be derived.
 *
 * @example
 * ```ts
 * import { resolveAzureConnection } from "./_azure_connection.ts";
 * const c = resolveAzureConnection({ accountName: "acme", accountKey: "a2V5" });
 * console.log(c.endpoint); // https://acme.blob.core.windows.net
 * ```
 */
export function resolveAzureConnection(input: AzureConnectionInput): AzureConnection {
  let accountName = clean(input.accountName);
  let accountKey = clean(input.accountKey);
  let sasToken = clean(input.sasToken)?.replace(/^\?/, "");
  let endpoint: string | undefined;

  const explicit = clean(input.endpoint);
  if (explicit !== undefined) {
    const split = splitEndpoint(explicit);
    endpoint = split.endpoint;
    sasToken ??= split.sas;
  }

  const cs = clean(input.connectionString);
  if (cs !== undefined) {
    const f = parseConnectionString(cs);
    if (f.get("usedevelopmentstorage")?.toLowerCase() === "true") {
      accountName ??= DEV_ACCOUNT_NAME;
      if (accountName === DEV_ACCOUNT_NAME) accountKey ??= DEV_ACCOUNT_KEY;
      if (endpoint === undefined) {
        const proxy = clean(f.get("developmentstorageproxyuri"));
        endpoint = proxy !== undefined
          ? `${splitEndpoint(proxy).endpoint}/${accountName}`
          : `http://127.0.0.1:10000/${accountName}`;
      }
    } else {
      accountName ??= clean(f.get("accountname"));
      accountKey ??= clean(f.get("accountkey"));
      sasToken ??= clean(f.get("sharedaccesssignature"))?.replace(/^\?/, "");
      if (endpoint === undefined) {
        const blobEndpoint = clean(f.get("blobendpoint"));
        if (blobEndpoint !== undefined) {
          const split = splitEndpoint(blobEndpoint);
          endpoint = split.endpoint;
          sasToken ??= split.sas;
        } else if (accountName !== undefined) {
          const protocol = clean(f.get("defaultendpointsprotocol"))?.toLowerCase() ?? "https";
          const suffix = clean(f.get("endpointsuffix")) ?? "core.windows.net";
          endpoint = `${protocol}://${accountName}.blob.${suffix}`;
        }
      }
    }
    if (endpoint === undefined) {
      throw configError(
        "the connection string names neither an account nor a blob endpoint",
        "copy the full connection string from Access keys in the Azure portal",
      );
    }
  }

  if (endpoint === undefined) {
    if (accountName === undefined) {
      throw configError(
        "no account name, endpoint or connection string given",
        "set the storage account name (config key `key`) or an endpoint",
      );
    }
    if (!/^[a-z0-9]{3,24}$/.test(accountName)) {
      throw configError(
        `"${accountName}" is not a storage account name`,
        "account names are 3-24 lower-case letters and digits",
      );
    }
    endpoint = `https://${accountName}.blob.core.windows.net`;
  }
  accountName ??= accountFromEndpoint(endpoint);
  if (accountKey !== undefined && accountName === undefined) {
    throw configError(
      `an account key is given but no account name, and the endpoint ${endpoint} does not imply one`,
      "set the storage account name (config key `key`)",
    );
  }
  return { endpoint, accountName, accountKey, sasToken };
}
