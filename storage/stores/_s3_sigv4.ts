/**
 * AWS Signature Version 4 for the lean S3 path (`_s3_fast.ts`), with `node:crypto`. The
 * payload hash is whatever `x-amz-content-sha256` says (`UNSIGNED-PAYLOAD` for bodies, which
 * carry `Content-MD5` instead; the SHA-256 of "" without a body). The signing key is derived
 * once per day, region and secret.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import { createHash, createHmac } from "node:crypto";
import type { SigningCredentials } from "./_s3_credentials.ts";

/** SHA-256 of the empty payload. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/**
 * Signs S3 requests; keeps the last signing key (in a private field).
 *
 * @example
 * ```ts
 * import { EMPTY_SHA256, SigV4Signer } from "./_s3_sigv4.ts";
 * const headers = new SigV4Signer().sign(
 *   "GET", "/bucket", "list-type=2", { "x-amz-content-sha256": EMPTY_SHA256 },
 *   { accessKeyId: "test", secretAccessKey: "testtesttest" }, "127.0.0.1:7480", "us-east-1",
 * );
 * console.log(headers.authorization.startsWith("AWS4-HMAC-SHA256 Credential=test/")); // true
 * ```
 */
export class SigV4Signer {
  #signingKey: { date: string; region: string; secret: string; key: Buffer } | undefined;

  /**
   * The headers to send: `baseHeaders` (names in lower case, `x-amz-content-sha256` among
   * them) plus `host`, `x-amz-date`, `x-amz-security-token` (temporary credentials) and
   * `authorization`.
   */
  sign(
    method: string,
    path: string,
    query: string,
    baseHeaders: Record<string, string>,
    credentials: SigningCredentials,
    host: string,
    region: string,
  ): Record<string, string> {
    const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const date = amzDate.slice(0, 8);
    const headers: Record<string, string> = {
      ...baseHeaders,
      host,
      "x-amz-date": amzDate,
    };
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
    const names = Object.keys(headers).sort();
    const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, " ")}\n`)
      .join("");
    const signedHeaders = names.join(";");
    const canonicalRequest =
      `${method}\n${path}\n${query}\n${canonicalHeaders}\n${signedHeaders}\n${
        headers["x-amz-content-sha256"]
      }`;
    const scope = `${date}/${region}/s3/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${
      createHash("sha256").update(canonicalRequest).digest("hex")
    }`;
    const secret = credentials.secretAccessKey;
    let signingKey = this.#signingKey;
    if (signingKey?.date !== date || signingKey.region !== region || signingKey.secret !== secret) {
      const kDate = hmac(`AWS4${secret}`, date);
      const kRegion = hmac(kDate, region);
      const kService = hmac(kRegion, "s3");
      signingKey = this.#signingKey = { date, region, secret, key: hmac(kService, "aws4_request") };
    }
    const signature = createHmac("sha256", signingKey.key).update(stringToSign).digest("hex");
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }
}
