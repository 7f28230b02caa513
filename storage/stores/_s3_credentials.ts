/**
 * Signing credentials of the lean S3 path: static keys, or the AWS SDK's default credential
 * provider chain (`@aws-sdk/credential-provider-node`: environment, shared config and
 * credentials files and profiles, SSO, web identity, `credential_process`, container and
 * instance metadata). Only the provider package is loaded, never `@aws-sdk/client-s3`.
 *
 * Temporary credentials are used until less than 5 minutes remain before their expiration
 * (the SDK's own window); then the chain is asked again (in the background, the current ones
 * still sign) — and at once, and only once per request, when the server answers that the token
 * expired ({@linkcode CredentialSource.refresh}).
 *
 * @module
 */

/**
 * Credentials for signing.
 *
 * @example
 * ```ts
 * import type { SigningCredentials } from "./_s3_credentials.ts";
 * const c: SigningCredentials = { accessKeyId: "test", secretAccessKey: "testtesttest" };
 * ```
 */
export interface SigningCredentials {
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token of temporary credentials. */
  sessionToken?: string;
  /** When temporary credentials expire. */
  expiration?: Date;
}

/**
 * The static keys of the options, or undefined for the default credential chain; a key
 * without its secret (or the reverse) is a `TypeError`.
 *
 * @example
 * ```ts
 * import { staticCredentials } from "./_s3_credentials.ts";
 * console.log(staticCredentials({ accessKeyId: null, secretAccessKey: null })); // undefined
 * ```
 */
export function staticCredentials(options: {
  accessKeyId?: string | null;
  secretAccessKey?: string | null;
  sessionToken?: string | null;
}): SigningCredentials | undefined {
  const hasKey = options.accessKeyId != null && options.accessKeyId !== "";
  const hasSecret = options.secretAccessKey != null && options.secretAccessKey !== "";
  if (hasKey !== hasSecret) {
    throw new TypeError(
      "S3Store: accessKeyId and secretAccessKey must be given together (or both left unset for the default credential chain)",
    );
  }
  return hasKey
    ? {
      accessKeyId: options.accessKeyId as string,
      secretAccessKey: options.secretAccessKey as string,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    }
    : undefined;
}

/** Refresh this long before the expiration (as the SDK's `credentialsTreatedAsExpired`). */
export const REFRESH_BEFORE_EXPIRY_MS = 300_000;

type Provider = (options?: { forceRefresh?: boolean }) => Promise<SigningCredentials>;

/**
 * Credentials for each request: {@linkcode CredentialSource.current} returns them without a
 * promise while they are fresh (static keys: always).
 *
 * @example
 * ```ts
 * import { CredentialSource } from "./_s3_credentials.ts";
 * const source = CredentialSource.fixed({ accessKeyId: "test", secretAccessKey: "testtesttest" });
 * console.log(source.current()?.accessKeyId); // test
 * ```
 */
export class CredentialSource {
  #value: SigningCredentials | undefined;
  /** After this time (ms) the chain is asked again; Infinity for credentials without expiry. */
  #checkAt = Infinity;
  readonly #provider: Provider | undefined;
  readonly #static: boolean;
  #pending: Promise<SigningCredentials> | undefined;

  private constructor(value: SigningCredentials | undefined, provider: Provider | undefined) {
    this.#value = value;
    this.#provider = provider;
    this.#static = value !== undefined;
  }

  /** Static keys. */
  static fixed(credentials: SigningCredentials): CredentialSource {
    return new CredentialSource(credentials, undefined);
  }

  /** The SDK's default provider chain (loaded on first use), or a given provider (tests). */
  static chain(provider?: Provider): CredentialSource {
    return new CredentialSource(undefined, provider);
  }

  /** Whether the credentials come from a provider (not static keys). */
  get fromChain(): boolean {
    return this.#static === false;
  }

  /** Fresh credentials without waiting, or undefined when {@linkcode get} must be awaited. */
  current(): SigningCredentials | undefined {
    if (this.#value !== undefined && Date.now() < this.#checkAt) return this.#value;
    return undefined;
  }

  /**
   * Fresh credentials. Ones about to expire are still returned while new ones are fetched in
   * the background; expired or missing ones are waited for.
   */
  async get(): Promise<SigningCredentials> {
    const now = Date.now();
    const value = this.#value;
    if (value !== undefined && now < this.#checkAt) return value;
    const usable = value !== undefined &&
      (value.expiration === undefined || value.expiration.getTime() > now);
    const fetching = this.#fetch(false);
    if (usable) {
      fetching.catch(() => {}); // the next request tries again
      return value!;
    }
    return await fetching;
  }

  /**
   * New credentials after the server said the token of `used` expired: fetched now, unless
   * they were replaced meanwhile (requests sent at the same time all get that answer: one
   * fetch serves them all).
   */
  refresh(used?: SigningCredentials): Promise<SigningCredentials> {
    if (used !== undefined && this.#value !== undefined && this.#value !== used) {
      return Promise.resolve(this.#value);
    }
    return this.#fetch(true);
  }

  #fetch(force: boolean): Promise<SigningCredentials> {
    if (this.#pending !== undefined) return this.#pending;
    if (this.#static) return Promise.resolve(this.#value!); // static keys: nothing to refresh
    const p = (async () => {
      const provider = this.#provider ?? await defaultChain();
      // The first time the chain's memoized answer; later (about to expire, or rejected by
      // the server) new credentials.
      const c = await provider(
        force || this.#value !== undefined ? { forceRefresh: true } : undefined,
      );
      if (!c?.accessKeyId || !c.secretAccessKey) {
        throw new Error("the credential provider returned no access key");
      }
      this.#value = {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
        ...(c.expiration ? { expiration: c.expiration } : {}),
      };
      this.#checkAt = c.expiration === undefined
        ? Infinity
        : c.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS;
      return this.#value;
    })().finally(() => this.#pending = undefined);
    this.#pending = p;
    return p;
  }
}

let chainProvider: Promise<Provider> | undefined;

/**
 * The SDK's default chain, memoized per process. It keeps the credentials it resolved; asking
 * again within their validity costs nothing, `forceRefresh` re-resolves.
 */
function defaultChain(): Promise<Provider> {
  return chainProvider ??= import("npm:@aws-sdk/credential-provider-node@^3.972.99").then(
    (m) => m.defaultProvider() as Provider,
  );
}

/** S3 error codes of an expired or no longer valid session token. */
export const EXPIRED_TOKEN_CODES: ReadonlySet<string> = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "TokenRefreshRequired",
  "RequestExpired",
  "InvalidToken",
]);
