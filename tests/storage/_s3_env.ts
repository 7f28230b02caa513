/**
 * Test-environment helpers for tests that need a real S3 server.
 *
 * The server is configured through environment variables: `S3_ENDPOINT` (e.g.
 * `http://127.0.0.1:7480`), `S3_ACCESS_KEY`, `S3_SECRET_KEY` and optionally `S3_REGION`
 * (default `us-east-1`). Without `S3_ENDPOINT` the S3 tests are skipped with a printed
 * reason — or fail, when `ACCSR_REQUIRE_S3=1` (CI sets it so a missing server is noticed).
 *
 * @module
 */

import { describe, it } from "node:test";
import { randomBytes } from "node:crypto";
import process from "node:process";

/**
 * Connection settings of the test S3 server.
 *
 * @example
 * ```ts
 * import type { S3TestConfig } from "./_s3_env.ts";
 * const c: S3TestConfig = { endpoint: "http://127.0.0.1:7480", accessKeyId: "test", secretAccessKey: "testtesttest", region: "us-east-1" };
 * ```
 */
export interface S3TestConfig {
  /** Full URL of the server, e.g. `http://127.0.0.1:7480`. */
  endpoint: string;
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Region, default `us-east-1`. */
  region: string;
}

/**
 * The S3 test server configured by `S3_ENDPOINT`, `S3_ACCESS_KEY`, `S3_SECRET_KEY` and
 * `S3_REGION`, or `undefined` when `S3_ENDPOINT` is not set.
 *
 * @example
 * ```ts
 * import { s3TestConfig } from "./_s3_env.ts";
 * const config = s3TestConfig();
 * if (config) console.log(config.endpoint);
 * ```
 */
export function s3TestConfig(): S3TestConfig | undefined {
  const endpoint = process.env.S3_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  return {
    endpoint,
    accessKeyId: process.env.S3_ACCESS_KEY ?? "",
    secretAccessKey: process.env.S3_SECRET_KEY ?? "",
    region: process.env.S3_REGION?.trim() || "us-east-1",
  };
}

/**
 * Why the S3 tests cannot run, or `undefined` when a server is configured.
 *
 * @example
 * ```ts
 * import { s3SkipReason } from "./_s3_env.ts";
 * const reason = s3SkipReason();
 * if (reason) console.warn(reason);
 * ```
 */
export function s3SkipReason(): string | undefined {
  const config = s3TestConfig();
  if (config === undefined) {
    return "S3 tests skipped: set S3_ENDPOINT (e.g. http://127.0.0.1:7480), S3_ACCESS_KEY and " +
      "S3_SECRET_KEY to run them (scripts/s3/start.sh starts a local radosgw)";
  }
  if (!config.accessKeyId || !config.secretAccessKey) {
    return "S3 tests skipped: S3_ENDPOINT is set but S3_ACCESS_KEY or S3_SECRET_KEY is empty";
  }
  return undefined;
}

/**
 * Registers an S3 test suite. When no server is configured, it registers one test instead
 * that fails if `ACCSR_REQUIRE_S3=1` and is otherwise skipped with the reason printed.
 *
 * @example
 * ```ts
 * import { it } from "node:test";
 * import { describeS3 } from "./_s3_env.ts";
 * describeS3("S3Store specifics", (config) => {
 *   it("knows the endpoint", () => console.log(config.endpoint));
 * });
 * ```
 */
export function describeS3(name: string, fn: (config: S3TestConfig) => void): void {
  const reason = s3SkipReason();
  const config = s3TestConfig();
  if (reason === undefined && config !== undefined) {
    describe(name, () => fn(config));
    return;
  }
  if (process.env.ACCSR_REQUIRE_S3 === "1") {
    describe(name, () => {
      it("requires an S3 server (ACCSR_REQUIRE_S3=1)", () => {
        throw new Error(`${reason} — but ACCSR_REQUIRE_S3=1 requires them to run`);
      });
    });
    return;
  }
  console.warn(`${name}: ${reason}`);
  describe(name, () => {
    it(reason ?? "S3 tests skipped", { skip: reason ?? true }, () => {});
  });
}

/**
 * A fresh, valid S3 bucket name: lower case, 3–63 characters, `prefix` (sanitised) plus
 * a random suffix.
 *
 * @example
 * ```ts
 * import { uniqueBucketName } from "./_s3_env.ts";
 * const bucket = uniqueBucketName("accsr-test"); // e.g. "accsr-test-1a2b3c4d5e6f"
 * ```
 */
export function uniqueBucketName(prefix = "accsr-test"): string {
  let base = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  if (base === "") base = "accsr";
  const suffix = `${Date.now().toString(36)}${randomBytes(5).toString("hex")}`;
  base = base.slice(0, 63 - suffix.length - 1);
  const name = `${base}-${suffix}`;
  return /^[a-z0-9]/.test(name) ? name : `a${name.slice(1)}`;
}
