/**
 * The bucket-level and delete requests on the lean path (`CreateBucket`,
 * `PutBucketVersioning`, `ListBuckets`, `DeleteObjects`, `DeleteObject`), so that a store on
 * the lean path never loads the AWS SDK client. Same shapes as the SDK's (`_s3_sdk.ts`);
 * errors are SDK-shaped (`name` = S3 error code).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import type { FastS3 } from "./_s3_fast.ts";
import { childText, parseXml } from "./_s3_xml.ts";
import { xmlResult } from "./_s3_http.ts";

/**
 * The requests of {@linkcode SdkS3} that are not object requests.
 *
 * @example
 * ```ts
 * import type { BucketOps } from "./_s3_fast_bucket.ts";
 * async function wipe(ops: BucketOps): Promise<void> {
 *   await ops.deleteObject("a.txt");
 * }
 * ```
 */
export interface BucketOps {
  /** `CreateBucket` (with the region as location constraint outside `us-east-1`). */
  createBucket(signal?: AbortSignal): Promise<void>;
  /** `PutBucketVersioning` with status `Enabled`. */
  enableVersioning(signal?: AbortSignal): Promise<void>;
  /** `ListBuckets`: the names of the caller's own buckets. */
  listBucketNames(signal?: AbortSignal): Promise<string[]>;
  /** `DeleteObjects` (quiet); resolves with the per-key failures. */
  deleteObjects(
    keys: string[],
    signal?: AbortSignal,
  ): Promise<{ Key?: string; Code?: string; Message?: string }[]>;
  /** `DeleteObject`. */
  deleteObject(key: string, signal?: AbortSignal): Promise<void>;
}

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

/** XML text escaping that also keeps CR, LF, TAB and NEL of keys (parsers normalise them). */
function xmlText(text: string): string {
  return text.replace(/[&<>"'\r\n\t\u0085\u2028]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function xmlBody(xml: string): { body: Buffer; headers: Record<string, string> } {
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${xml}`);
  return {
    body,
    headers: {
      "content-type": "application/xml",
      "content-md5": createHash("md5").update(body).digest("base64"),
    },
  };
}

/**
 * {@linkcode BucketOps} on a {@linkcode FastS3}.
 *
 * @example
 * ```ts
 * import http from "node:http";
 * import { FastS3 } from "./_s3_fast.ts";
 * import { LeanBucketOps } from "./_s3_fast_bucket.ts";
 * const fast = new FastS3({
 *   endpoint: new URL("http://127.0.0.1:7480"), region: "us-east-1", bucket: "data",
 *   forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "testtesttest" },
 *   agent: new http.Agent({ keepAlive: true }), connectionTimeout: 5000, socketTimeout: 30000,
 *   retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000, maxRetryTimeMs: 20000 },
 * });
 * await new LeanBucketOps(fast).createBucket();
 * ```
 */
export class LeanBucketOps implements BucketOps {
  readonly #fast: FastS3;

  /** Wraps the lean client. */
  constructor(fast: FastS3) {
    this.#fast = fast;
  }

  /** `CreateBucket`. */
  async createBucket(signal?: AbortSignal): Promise<void> {
    const region = this.#fast.region;
    // As the SDK's location-constraint middleware: every region but us-east-1 is named.
    const x = region === "us-east-1" ? undefined : xmlBody(
      `<CreateBucketConfiguration ${NS}><LocationConstraint>${
        xmlText(region)
      }</LocationConstraint></CreateBucketConfiguration>`,
    );
    await this.#fast.request({ method: "PUT", headers: x?.headers, body: x?.body, signal });
  }

  /** `PutBucketVersioning` with status `Enabled`. */
  async enableVersioning(signal?: AbortSignal): Promise<void> {
    const x = xmlBody(
      `<VersioningConfiguration ${NS}><Status>Enabled</Status></VersioningConfiguration>`,
    );
    await this.#fast.request({
      method: "PUT",
      query: { versioning: "" },
      headers: x.headers,
      body: x.body,
      signal,
    });
  }

  /** `ListBuckets`. */
  async listBucketNames(signal?: AbortSignal): Promise<string[]> {
    const res = await this.#fast.request({ method: "GET", service: true, signal });
    const names: string[] = [];
    const buckets = xmlResult(res).children.find((c) => c.name === "Buckets");
    for (const b of buckets?.children ?? []) {
      const name = childText(b, "Name");
      if (b.name === "Bucket" && name !== undefined) names.push(name);
    }
    return names;
  }

  /** `DeleteObjects` in quiet mode: only failures are listed in the answer. */
  async deleteObjects(
    keys: string[],
    signal?: AbortSignal,
  ): Promise<{ Key?: string; Code?: string; Message?: string }[]> {
    const objects = keys.map((k) => `<Object><Key>${xmlText(k)}</Key></Object>`).join("");
    const x = xmlBody(`<Delete ${NS}><Quiet>true</Quiet>${objects}</Delete>`);
    const res = await this.#fast.request({
      method: "POST",
      query: { delete: "" },
      headers: x.headers,
      body: x.body,
      signal,
    });
    const text = res.body.toString("utf8");
    if (text.trim() === "") return [];
    const root = parseXml(text);
    if (root.name === "Error") xmlResult(res); // throws the error
    return root.children.filter((c) => c.name === "Error").map((e) => ({
      Key: childText(e, "Key"),
      Code: childText(e, "Code"),
      Message: childText(e, "Message"),
    }));
  }

  /** `DeleteObject`. */
  async deleteObject(key: string, signal?: AbortSignal): Promise<void> {
    await this.#fast.request({ method: "DELETE", key, signal });
  }
}
