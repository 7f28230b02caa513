/**
 * Test-environment helpers for tests that need Azure Blob Storage (normally Azurite, started
 * with `scripts/azurite/start.sh`).
 *
 * Configured through environment variables: `AZURE_BLOB_ENDPOINT` (e.g.
 * `http://127.0.0.1:10000/devstoreaccount1`) and optionally `AZURE_ACCOUNT_NAME` and
 * `AZURE_ACCOUNT_KEY` (default: the emulator's public development account). Without
 * `AZURE_BLOB_ENDPOINT` the Azure tests are skipped with a printed reason — or fail, when
 * `ACCSR_REQUIRE_AZURE=1` (CI sets it so a missing emulator is noticed).
 *
 * @module
 */

import { describe, it } from "node:test";
import { randomBytes } from "node:crypto";
import process from "node:process";

/** The emulator's development account (public, documented; not a secret). */
const DEV_ACCOUNT_NAME = "devstoreaccount1";
const DEV_ACCOUNT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/**
 * Connection settings of the test Azure Blob service.
 *
 * @example
 * ```ts
 * import type { AzureTestConfig } from "./_azure_env.ts";
 * const c: AzureTestConfig = {
 *   endpoint: "http://127.0.0.1:10000/devstoreaccount1",
 *   accountName: "devstoreaccount1",
 *   accountKey: "…",
 * };
 * ```
 */
export interface AzureTestConfig {
  /** Blob service URL, e.g. `http://127.0.0.1:10000/devstoreaccount1`. */
  endpoint: string;
  /** Storage account name. */
  accountName: string;
  /** Account key (base64). */
  accountKey: string;
}

/**
 * The Azure test service configured by `AZURE_BLOB_ENDPOINT`, `AZURE_ACCOUNT_NAME` and
 * `AZURE_ACCOUNT_KEY`, or `undefined` when `AZURE_BLOB_ENDPOINT` is not set.
 *
 * @example
 * ```ts
 * import { azureTestConfig } from "./_azure_env.ts";
 * const config = azureTestConfig();
 * if (config) console.log(config.endpoint);
 * ```
 */
export function azureTestConfig(): AzureTestConfig | undefined {
  const endpoint = process.env.AZURE_BLOB_ENDPOINT?.trim().replace(/\/+$/, "");
  if (!endpoint) return undefined;
  return {
    endpoint,
    accountName: process.env.AZURE_ACCOUNT_NAME?.trim() || DEV_ACCOUNT_NAME,
    accountKey: process.env.AZURE_ACCOUNT_KEY?.trim() || DEV_ACCOUNT_KEY,
  };
}

/**
 * Why the Azure tests cannot run, or `undefined` when a service is configured.
 *
 * @example
 * ```ts
 * import { azureSkipReason } from "./_azure_env.ts";
 * const reason = azureSkipReason();
 * if (reason) console.warn(reason);
 * ```
 */
export function azureSkipReason(): string | undefined {
  if (azureTestConfig() === undefined) {
    return "Azure tests skipped: set AZURE_BLOB_ENDPOINT (e.g. " +
      "http://127.0.0.1:10000/devstoreaccount1) to run them (scripts/azurite/start.sh " +
      "starts Azurite and prints it)";
  }
  return undefined;
}

/**
 * Registers an Azure test suite. When no service is configured, it registers one test
 * instead that fails if `ACCSR_REQUIRE_AZURE=1` and is otherwise skipped with the reason
 * printed.
 *
 * @example
 * ```ts
 * import { it } from "node:test";
 * import { describeAzure } from "./_azure_env.ts";
 * describeAzure("AzureBlobStore specifics", (config) => {
 *   it("knows the endpoint", () => console.log(config.endpoint));
 * });
 * ```
 */
export function describeAzure(name: string, fn: (config: AzureTestConfig) => void): void {
  const config = azureTestConfig();
  if (config !== undefined) {
    describe(name, () => fn(config));
    return;
  }
  const reason = azureSkipReason() ?? "Azure tests skipped";
  if (process.env.ACCSR_REQUIRE_AZURE === "1") {
    describe(name, () => {
      it("requires an Azure Blob service (ACCSR_REQUIRE_AZURE=1)", () => {
        throw new Error(`${reason} — but ACCSR_REQUIRE_AZURE=1 requires them to run`);
      });
    });
    return;
  }
  console.warn(`${name}: ${reason}`);
  describe(name, () => {
    it(reason, { skip: reason }, () => {});
  });
}

/**
 * A fresh, valid Azure container name: 3–63 lower-case letters, digits and single hyphens,
 * `prefix` (sanitised) plus a random suffix.
 *
 * @example
 * ```ts
 * import { uniqueContainerName } from "./_azure_env.ts";
 * const container = uniqueContainerName("accsr-test"); // e.g. "accsr-test-m3x1a2b3c4d5e"
 * ```
 */
export function uniqueContainerName(prefix = "accsr-test"): string {
  let base = prefix.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (base === "") base = "accsr";
  const suffix = `${Date.now().toString(36)}${randomBytes(5).toString("hex")}`;
  base = base.slice(0, 63 - suffix.length - 1).replace(/-+$/, "");
  const name = `${base}-${suffix}`;
  return /^[a-z0-9]/.test(name) ? name : `a${name.slice(1)}`;
}
