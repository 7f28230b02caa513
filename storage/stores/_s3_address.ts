/**
 * Where the lean S3 path (`_s3_fast.ts`) sends a bucket's requests, built as the AWS SDK v3
 * builds it (its S3 endpoint rules; `tests/storage/s3_address_test.ts` compares both):
 *
 * - AWS (no endpoint): `https://s3.<region>.<partition DNS suffix>` (`amazonaws.com`,
 *   `amazonaws.com.cn` for `cn-*`, the ISO partitions' suffixes; `aws-global` →
 *   `s3.amazonaws.com`);
 * - virtual-hosted (`<bucket>.<host>`) unless path-style is forced, the host is an IP address,
 *   or the bucket name cannot be a DNS label (upper case, `_`, dots, leading/trailing `-`,
 *   shorter than 3 or longer than 63 characters, an IP address): then path-style
 *   (`<host>/<bucket>`).
 *
 * Host names under `.localhost` connect to 127.0.0.1 without asking DNS (RFC 6761, as curl and
 * browsers do), so virtual-hosted requests to `http://localhost:<port>` work on machines
 * whose resolver does not know `<bucket>.localhost`.
 *
 * @module
 */

import type { LookupFunction } from "node:net";
import { encodeRfc3986 } from "./_s3_http.ts";

/**
 * The target of a bucket's requests.
 *
 * @example
 * ```ts
 * import { s3Target } from "./_s3_address.ts";
 * const t = s3Target("data", "eu-central-1", undefined, false);
 * console.log(t.host, t.bucketPath); // data.s3.eu-central-1.amazonaws.com ""
 * ```
 */
export interface S3Target {
  /** `"http:"` or `"https:"`. */
  protocol: string;
  /** Host to connect to (IPv6 without brackets). */
  hostname: string;
  /** Port, `""` for the protocol's default. */
  port: string;
  /** Value of the `Host` header (signed). */
  host: string;
  /** Path every request starts with (`""`, `/<bucket>`, or an endpoint's path first). */
  bucketPath: string;
  /** Whether the bucket is in the host name. */
  virtualHosted: boolean;
  /** DNS lookup override (`*.localhost` → loopback), else undefined. */
  lookup?: LookupFunction;
}

/**
 * The partition DNS suffix of an AWS region, as in the SDK's `partitions.json`.
 *
 * @example
 * ```ts
 * import { awsDnsSuffix } from "./_s3_address.ts";
 * console.log(awsDnsSuffix("cn-north-1")); // amazonaws.com.cn
 * ```
 */
export function awsDnsSuffix(region: string): string {
  for (const [pattern, suffix] of PARTITIONS) if (pattern.test(region)) return suffix;
  return "amazonaws.com";
}

const PARTITIONS: [RegExp, string][] = [
  [/^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, "amazonaws.com"],
  [/^cn-\w+-\d+$|^aws-cn-global$/, "amazonaws.com.cn"],
  [/^eusc-(de)-\w+-\d+$/, "amazonaws.eu"],
  [/^us-iso-\w+-\d+$|^aws-iso-global$/, "c2s.ic.gov"],
  [/^us-isob-\w+-\d+$|^aws-iso-b-global$/, "sc2s.sgov.gov"],
  [/^eu-isoe-\w+-\d+$|^aws-iso-e-global$/, "cloud.adc-e.uk"],
  [/^us-isof-\w+-\d+$|^aws-iso-f-global$/, "csp.hci.ic.gov"],
  [/^us-gov-\w+-\d+$|^aws-us-gov-global$/, "amazonaws.com"],
];

/**
 * AWS's S3 endpoint of a region (`https://s3.<region>.<suffix>`).
 *
 * @example
 * ```ts
 * import { awsEndpoint } from "./_s3_address.ts";
 * console.log(awsEndpoint("us-west-2").href); // https://s3.us-west-2.amazonaws.com/
 * ```
 */
export function awsEndpoint(region: string): URL {
  const host = region === "aws-global"
    ? "s3.amazonaws.com"
    : `s3.${region}.${awsDnsSuffix(region)}`;
  return new URL(`https://${host}`);
}

/**
 * Whether the bucket name can be a host label (the SDK's `isVirtualHostableS3Bucket` without
 * sub-domains): 3–63 of `a-z 0-9 -`, not starting or ending with `-`, not an IP address.
 *
 * @example
 * ```ts
 * import { virtualHostable } from "./_s3_address.ts";
 * console.log(virtualHostable("my-data"), virtualHostable("my.data")); // true false
 * ```
 */
export function virtualHostable(bucket: string): boolean {
  return bucket.length >= 3 && bucket.length <= 63 && /^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(bucket) &&
    !isIpAddress(bucket);
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[") || host.includes(":");
}

/**
 * The target of the bucket's requests: `endpoint` (undefined → AWS's endpoint of `region`),
 * virtual-hosted when possible unless `forcePathStyle`.
 *
 * @example
 * ```ts
 * import { s3Target } from "./_s3_address.ts";
 * const t = s3Target("data", "us-east-1", new URL("http://localhost:7480"), false);
 * console.log(t.host, t.bucketPath); // data.localhost:7480 ""
 * ```
 */
export function s3Target(
  bucket: string,
  region: string,
  endpoint: URL | undefined,
  forcePathStyle: boolean,
): S3Target {
  const url = endpoint ?? awsEndpoint(region);
  const base = url.pathname.replace(/\/+$/, "");
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const virtualHosted = !forcePathStyle && virtualHostable(bucket) && !isIpAddress(url.hostname);
  const connectTo = virtualHosted ? `${bucket}.${hostname}` : hostname;
  return {
    protocol: url.protocol,
    hostname: connectTo,
    port: url.port,
    host: virtualHosted ? `${bucket}.${url.host}` : url.host,
    bucketPath: virtualHosted ? base : `${base}/${encodeRfc3986(bucket)}`,
    virtualHosted,
    lookup: /\.localhost\.?$/i.test(connectTo) ? loopbackLookup : undefined,
  };
}

/** `*.localhost` is the loopback host (RFC 6761 §6.3), whatever the system resolver says. */
const loopbackLookup = ((
  _hostname: string,
  options: { all?: boolean; family?: number | string } | unknown,
  callback: (...args: unknown[]) => void,
) => {
  const o = (typeof options === "object" && options !== null ? options : {}) as {
    all?: boolean;
    family?: number | string;
  };
  const v6 = o.family === 6 || o.family === "IPv6";
  const address = v6 ? "::1" : "127.0.0.1";
  const family = v6 ? 6 : 4;
  if (o.all) callback(null, [{ address, family }]);
  else callback(null, address, family);
}) as unknown as LookupFunction;
