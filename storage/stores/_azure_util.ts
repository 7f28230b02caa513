/**
 * Limits and small helpers of the Azure Blob store (`azure.ts`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type http from "node:http";
import type https from "node:https";
import type {
  RequestPolicy,
  RequestPolicyFactory,
  WebResource,
} from "npm:@azure/storage-blob@~12.32.0";
import type { Socket } from "node:net";

export const MiB = 1024 * 1024;
/** Azure's limit on the number of blocks of a block blob. */
export const MAX_BLOCKS = 50_000;
/** Azure's limit on one staged block (service version 2019-12-12 and later). */
export const MAX_BLOCK_SIZE = 4000 * MiB;
/** Azure's limit on a one-shot Put Blob (service version 2019-12-12 and later). */
export const MAX_SINGLE_SHOT = 5000 * MiB;
export const DELETE_CONCURRENCY = 16;

/**
 * Why Azure cannot hold a blob of exactly this name, or `undefined`. The client resolves `.`
 * and `..` path segments before the request is sent, and the service stores `\` as `/`, so
 * such a key would silently address another blob ("a/./b" is "a/b", "ns/../x" is "x").
 */
export function azureKeyProblem(key: string): string | undefined {
  if (typeof key !== "string" || key === "") return "is empty";
  if (key.includes("\\")) return 'contains a backslash, which Azure stores as "/"';
  if (key.split("/").some((s) => s === "." || s === "..")) {
    return 'has a "." or ".." segment, which would address another blob';
  }
  return undefined;
}

/** Lower-case hex of a base64/bytes MD5, when it is one. */
export function md5Hex(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined || bytes.length !== 16) return undefined;
  return Buffer.from(bytes).toString("hex");
}

export function isFolderMarker(metadata: Record<string, string> | undefined): boolean {
  if (metadata === undefined) return false;
  return Object.entries(metadata).some(([k, v]) =>
    k.toLowerCase() === "hdi_isfolder" && v.toLowerCase() === "true"
  );
}

export function md5FromMetadata(metadata: Record<string, string> | undefined): string | undefined {
  if (metadata === undefined) return undefined;
  for (const [k, v] of Object.entries(metadata)) {
    if (k.toLowerCase() === "md5" && /^[0-9a-fA-F]{32}$/.test(v)) return v.toLowerCase();
  }
  return undefined;
}

export function unquote(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  return etag.replace(/^W\//, "").replace(/^"|"$/g, "");
}

export function quote(etag: string): string {
  return etag === "*" || etag.startsWith('"') || etag.startsWith("W/") ? etag : `"${etag}"`;
}

export function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 1 || Math.floor(value) !== value) {
    throw new RangeError(`AzureBlobStore: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; the first failure wins. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        if (!failed) {
          failed = true;
          failure = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failure;
}

/** An AbortSignal that fires when `parent` fires or when `controller.abort()` is called. */
export function linkedController(parent: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", () => controller.abort(parent.reason), { once: true });
  return controller;
}

/** Connect timeout per attempt (as the S3 store's): a host that drops packets fails fast. */
export const AZURE_CONNECT_TIMEOUT_MS = 5_000;
/** An attempt during which no byte moves this long fails (as the S3 store's). */
export const AZURE_IDLE_TIMEOUT_MS = 30_000;
/** Attempts and backoff of the lean request path (the SDK path: 3 tries, 200 ms … 2 s). */
export const AZURE_RETRY = {
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  maxRetryTimeMs: 20_000,
};

/**
 * Makes every new socket of `agent` fail with `ETIMEDOUT` when it is not connected within
 * `ms` (Node's agents have no connect timeout: a host that silently drops packets kept a
 * request waiting for the kernel's SYN retries, about 2 minutes).
 */
export function withConnectTimeout<A extends http.Agent>(agent: A, ms: number): A {
  const inner = (agent as unknown as { createConnection: CreateConnection }).createConnection;
  (agent as unknown as { createConnection: CreateConnection }).createConnection = function (
    this: http.Agent,
    options: unknown,
    callback?: unknown,
  ) {
    const socket = inner.call(this, options, callback) as Socket | undefined;
    if (socket !== undefined && socket.connecting) {
      const timer = setTimeout(() => {
        socket.destroy(Object.assign(
          new Error(`no connection within ${ms} ms (connect timeout)`),
          { code: "ETIMEDOUT" },
        ));
      }, ms);
      const clear = () => clearTimeout(timer);
      socket.once("connect", clear);
      socket.once("close", clear);
    }
    return socket;
  };
  return agent;
}

type CreateConnection = (this: http.Agent, options: unknown, callback?: unknown) => unknown;

/** A request policy that sends every request through the store's own agents. */
export function agentPolicyFactory(
  httpAgent: http.Agent,
  httpsAgent: https.Agent,
): RequestPolicyFactory {
  return {
    create(next: RequestPolicy): RequestPolicy {
      return {
        sendRequest(request: WebResource) {
          if (request.agent === undefined) {
            request.agent = request.url.startsWith("https:") ? httpsAgent : httpAgent;
          }
          return next.sendRequest(request);
        },
      };
    },
  };
}
