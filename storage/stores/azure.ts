/**
 * {@linkcode AzureBlobStore}: an {@linkcode ObjectStore} on an Azure Blob Storage container
 * (or Azurite, Microsoft's emulator), through `@azure/storage-blob`.
 *
 * MD5s: every upload stores the whole-content MD5 as the blob's `Content-MD5` property (so
 * listings carry it, also for blobs uploaded in blocks, whose ETag is never an MD5) and as
 * metadata `md5`. One-shot uploads send it as the transactional MD5 too, so the service
 * verifies the body; block uploads send a per-block transactional MD5, and the whole file is
 * hashed while it is read, so a file that changes during the upload is never committed.
 * Downloads are checked against the stored Content-MD5.
 *
 * Metadata names that are not identifiers (Azure's rule), e.g. `run-id`, are stored as
 * `accsr_h_<hex>` and decoded again by `list` and `head`.
 *
 * Keys with a `.` or `..` segment or a backslash are refused with code `INVALID_KEY`: the
 * client resolves such segments and the service turns `\` into `/`, so the blob would get
 * another name than the key (`a/./b` would write `a/b`).
 *
 * @example
 * ```ts
 * import { AzureBlobStore } from "./azure.ts";
 * const store = new AzureBlobStore({
 *   container: "data",
 *   endpoint: "http://127.0.0.1:10000/devstoreaccount1",
 *   accountName: "devstoreaccount1",
 *   accountKey: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
 * });
 * await store.createBucket();
 * for await (const o of store.list("")) console.log(o.key, o.md5);
 * await store.close();
 * ```
 * @module
 */

import { takeAll } from "../bandwidth.ts";
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AnonymousCredential,
  type BlobHTTPHeaders,
  type BlobRequestConditions,
  BlobServiceClient,
  type BlockBlobClient,
  type BlockBlobUploadOptions,
  type ContainerClient,
  newPipeline,
  type RequestPolicy,
  type RequestPolicyFactory,
  StorageSharedKeyCredential,
  type WebResource,
} from "npm:@azure/storage-blob@~12.32.0";
import { StorageError } from "../../errors.ts";
import type {
  GetOptions,
  GetResult,
  ObjectStore,
  PutOptions,
  StoreObject,
  UploadBody,
} from "./types.ts";
import { type AzureConnection, resolveAzureConnection } from "./_azure_connection.ts";
import { azureErrorCode, azureStatus, toStorageError } from "./_azure_errors.ts";
import { decodeMetadata, encodeMetadata } from "./_azure_metadata.ts";

const MiB = 1024 * 1024;
/** Azure's limit on the number of blocks of a block blob. */
const MAX_BLOCKS = 50_000;
/** Azure's limit on one staged block (service version 2019-12-12 and later). */
const MAX_BLOCK_SIZE = 4000 * MiB;
/** Azure's limit on a one-shot Put Blob (service version 2019-12-12 and later). */
const MAX_SINGLE_SHOT = 5000 * MiB;
const DELETE_CONCURRENCY = 16;
/** Azure's limit on the sub-requests of one Blob Batch request. */
const BATCH_SIZE = 256;

/**
 * Options of {@linkcode AzureBlobStore}. Give either `accountName` (+ `accountKey` or
 * `sasToken`), a `connectionString`, or an `endpoint` (+ credentials); an explicit `endpoint`
 * wins over the one of a connection string.
 *
 * @example
 * ```ts
 * import type { AzureBlobStoreOptions } from "./azure.ts";
 * const byKey: AzureBlobStoreOptions = { container: "data", accountName: "acme", accountKey: "…" };
 * const bySas: AzureBlobStoreOptions = {
 *   container: "data",
 *   endpoint: "https://acme.blob.core.windows.net",
 *   sasToken: "sv=2024-11-04&ss=b&srt=co&sp=rwdlac&sig=…",
 * };
 * const byConnectionString: AzureBlobStoreOptions = {
 *   container: "data",
 *   connectionString: "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=…;EndpointSuffix=core.windows.net",
 * };
 * ```
 */
export interface AzureBlobStoreOptions {
  /** Container name (the bucket). */
  container: string;
  /** Storage account name. */
  accountName?: string | null;
  /** Shared account key (base64); requests are signed with it. */
  accountKey?: string | null;
  /**
   * Blob service URL, e.g. `http://127.0.0.1:10000/devstoreaccount1` (emulator).
   * @default `https://<accountName>.blob.core.windows.net`
   */
  endpoint?: string;
  /** Connection string, an alternative to name + key (`UseDevelopmentStorage=true` works). */
  connectionString?: string;
  /** SAS token (with or without the leading `?`), appended to every request. */
  sasToken?: string;
  /**
   * Size of one staged block of a large upload, in bytes (raised automatically so that a
   * blob needs at most 50,000 blocks).
   * @default 8 MiB
   */
  blockSize?: number;
  /**
   * Uploads up to this size (bytes in memory or a file) are one request; larger ones are
   * staged in blocks of `blockSize`, `concurrency` at a time, then committed.
   * @default 64 MiB
   */
  singleShotThreshold?: number;
  /**
   * Blocks of one blob uploaded in parallel.
   * @default 4
   */
  concurrency?: number;
}

/**
 * Why Azure cannot hold a blob of exactly this name, or `undefined`. The client resolves `.`
 * and `..` path segments before the request is sent, and the service stores `\` as `/`, so
 * such a key would silently address another blob ("a/./b" is "a/b", "ns/../x" is "x").
 */
function azureKeyProblem(key: string): string | undefined {
  if (typeof key !== "string" || key === "") return "is empty";
  if (key.includes("\\")) return 'contains a backslash, which Azure stores as "/"';
  if (key.split("/").some((s) => s === "." || s === "..")) {
    return 'has a "." or ".." segment, which would address another blob';
  }
  return undefined;
}

/** Lower-case hex of a base64/bytes MD5, when it is one. */
function md5Hex(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined || bytes.length !== 16) return undefined;
  return Buffer.from(bytes).toString("hex");
}

function isFolderMarker(metadata: Record<string, string> | undefined): boolean {
  if (metadata === undefined) return false;
  return Object.entries(metadata).some(([k, v]) =>
    k.toLowerCase() === "hdi_isfolder" && v.toLowerCase() === "true"
  );
}

function md5FromMetadata(metadata: Record<string, string> | undefined): string | undefined {
  if (metadata === undefined) return undefined;
  for (const [k, v] of Object.entries(metadata)) {
    if (k.toLowerCase() === "md5" && /^[0-9a-fA-F]{32}$/.test(v)) return v.toLowerCase();
  }
  return undefined;
}

function unquote(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  return etag.replace(/^W\//, "").replace(/^"|"$/g, "");
}

function quote(etag: string): string {
  return etag === "*" || etag.startsWith('"') || etag.startsWith("W/") ? etag : `"${etag}"`;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 1 || Math.floor(value) !== value) {
    throw new RangeError(`AzureBlobStore: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; the first failure wins. */
async function forEachLimited<T>(
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
function linkedController(parent: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", () => controller.abort(parent.reason), { once: true });
  return controller;
}

/**
 * An {@linkcode ObjectStore} on an Azure Blob Storage container. Provider id
 * `"azure_blobs"`; `bucket` is the container name.
 *
 * Credentials live in private fields only: `JSON.stringify`, `String` and `util.inspect` of
 * the store show provider, container and endpoint, never a key, SAS token or connection
 * string, and neither do error messages.
 *
 * Requests are retried at most 3 times with short delays, so an unreachable endpoint fails
 * within about a second with code `ENDPOINT_UNREACHABLE`. Aborting a staged upload leaves
 * its uncommitted blocks to the service, which discards them after a week.
 *
 * @example
 * ```ts
 * import { AzureBlobStore } from "./azure.ts";
 * const store = new AzureBlobStore({
 *   container: "data",
 *   connectionString: "UseDevelopmentStorage=true",
 * });
 * const data = new TextEncoder().encode("hello");
 * await store.put("greeting.txt", { data }, { md5: "5d41402abc4b2a76b9719d911017c592" });
 * console.log((await store.head("greeting.txt"))?.md5); // 5d41402abc4b2a76b9719d911017c592
 * await store.close();
 * ```
 */
export class AzureBlobStore implements ObjectStore {
  /** Always `"azure_blobs"`. */
  readonly provider = "azure_blobs";
  /** The container name. */
  readonly bucket: string;
  /** `azure://<container> at <endpoint>` (never a SAS token). */
  readonly location: string;
  /** The blob service URL, without any SAS token. */
  readonly endpoint: string;
  /** Block size of staged uploads, in bytes. */
  readonly blockSize: number;
  #blocksStaged = 0;

  /** Blocks this store has staged (uploaded) so far, for diagnostics and tests. */
  get blocksStaged(): number {
    return this.#blocksStaged;
  }
  /** Size above which files are uploaded as staged blocks, in bytes. */
  readonly singleShotThreshold: number;
  /** Blocks of one blob uploaded in parallel. */
  readonly concurrency: number;

  #container: ContainerClient;
  /** Whether Blob Batch deletes are tried (switched off after the service refused one). */
  #batchDelete = true;
  #batchRequests = 0;
  #secrets: string[];
  #httpAgent: http.Agent;
  #httpsAgent: https.Agent;

  /**
   * Creates the store; no request is made until the first operation.
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({ container: "data", accountName: "acme", accountKey: "a2V5" });
   * console.log(store.location); // azure://data at https://acme.blob.core.windows.net
   * ```
   */
  constructor(options: AzureBlobStoreOptions) {
    if (typeof options?.container !== "string" || options.container.trim() === "") {
      throw new TypeError("AzureBlobStore: options.container must be a non-empty string");
    }
    this.bucket = options.container.trim();
    this.blockSize = positiveInt(options.blockSize, 8 * MiB, "blockSize");
    this.singleShotThreshold = Math.min(
      positiveInt(options.singleShotThreshold, 64 * MiB, "singleShotThreshold"),
      MAX_SINGLE_SHOT,
    );
    this.concurrency = positiveInt(options.concurrency, 4, "concurrency");
    if (this.blockSize > MAX_BLOCK_SIZE) {
      throw new RangeError(`AzureBlobStore: blockSize must be at most ${MAX_BLOCK_SIZE} bytes`);
    }

    const conn: AzureConnection = resolveAzureConnection(options);
    this.endpoint = conn.endpoint;
    this.location = `azure://${this.bucket} at ${conn.endpoint}`;
    this.#secrets = [conn.accountKey, conn.sasToken, options.connectionString?.trim()]
      .filter((s): s is string => s !== undefined && s !== "");

    const credential = conn.accountKey !== undefined && conn.accountName !== undefined
      ? new StorageSharedKeyCredential(conn.accountName, conn.accountKey)
      : new AnonymousCredential();
    const pipe = newPipeline(credential, {
      // Few, quick retries: a refused connection fails in about a second instead of minutes.
      retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
      userAgentOptions: { userAgentPrefix: "accsr" },
    });
    // Own keep-alive agents, so close() can release this store's sockets (the SDK's default
    // HTTP client and its agents are shared by the whole process).
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.#httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
    pipe.factories.push(agentPolicyFactory(this.#httpAgent, this.#httpsAgent));
    const url = conn.sasToken === undefined ? conn.endpoint : `${conn.endpoint}?${conn.sasToken}`;
    this.#container = new BlobServiceClient(url, pipe).getContainerClient(this.bucket);
  }

  /** Secret-free summary, also what `JSON.stringify` shows. */
  toJSON(): { provider: string; bucket: string; location: string } {
    return { provider: this.provider, bucket: this.bucket, location: this.location };
  }

  /** `AzureBlobStore(azure://<container> at <endpoint>)`. */
  toString(): string {
    return `AzureBlobStore(${this.location})`;
  }

  /** What `util.inspect` / `console.log` show: no secret. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  #what(key?: string): string {
    return `azure://${this.bucket}/${key ?? ""}`;
  }

  /** Throws `INVALID_KEY` for a key no blob can have (see {@linkcode azureKeyProblem}). */
  #checkKey(key: string, action: string): void {
    const problem = azureKeyProblem(key);
    if (problem === undefined) return;
    throw new StorageError(
      `Cannot ${action} "${this.#what(key)}": the key ${problem} (rename the file)`,
      { code: "INVALID_KEY", key, bucket: this.bucket },
    );
  }

  #error(e: unknown, action: string, key: string | undefined, signal?: AbortSignal): StorageError {
    return toStorageError(e, {
      action,
      what: this.#what(key),
      container: this.bucket,
      endpoint: this.endpoint,
      key,
      secrets: this.#secrets,
      signal,
    });
  }

  /**
   * Creates the container. With `existOk` (default true) an existing container is fine;
   * otherwise it fails with code `BUCKET_EXISTS`.
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({ container: "data", connectionString: "UseDevelopmentStorage=true" });
   * await store.createBucket({ existOk: true });
   * ```
   */
  async createBucket(options: { existOk?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    const existOk = options.existOk ?? true;
    try {
      await this.#container.create({ abortSignal: options.signal });
    } catch (e) {
      if (existOk && azureErrorCode(e) === "ContainerAlreadyExists") return;
      throw toStorageError(e, {
        action: "create container",
        what: this.bucket,
        container: this.bucket,
        endpoint: this.endpoint,
        secrets: this.#secrets,
        signal: options.signal,
      });
    }
  }

  /**
   * Every blob whose name starts with `prefix`, with metadata; `md5` from the blob's
   * Content-MD5, else from metadata `md5`. Folders of a hierarchical namespace (blobs with
   * metadata `hdi_isfolder=true`) are left out.
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({ container: "data", connectionString: "UseDevelopmentStorage=true" });
   * for await (const o of store.list("reports/")) console.log(o.key, o.size, o.md5);
   * ```
   */
  async *list(prefix: string, options: { signal?: AbortSignal } = {}): AsyncIterable<StoreObject> {
    const pages = this.#container
      .listBlobsFlat({
        prefix: prefix === "" ? undefined : prefix,
        includeMetadata: true,
        abortSignal: options.signal,
      })
      .byPage({ maxPageSize: 5000 });
    while (true) {
      let page;
      try {
        page = await pages.next();
      } catch (e) {
        throw this.#error(e, "list", prefix, options.signal);
      }
      if (page.done) return;
      for (const item of page.value.segment.blobItems) {
        // folders of accounts with a hierarchical namespace (ADLS Gen2) are listed as empty
        // blobs marked hdi_isfolder; they are no objects (a pull would make them files)
        if (isFolderMarker(item.metadata)) continue;
        const metadata = decodeMetadata(item.metadata);
        yield {
          key: item.name,
          size: item.properties.contentLength ?? 0,
          etag: unquote(item.properties.etag),
          md5: md5Hex(item.properties.contentMD5) ?? md5FromMetadata(metadata),
          lastModified: item.properties.lastModified,
          metadata,
        };
      }
    }
  }

  /**
   * The blob's properties and metadata, or `undefined` when it does not exist. Azure blobs
   * have no parts: `partNumber` is ignored and the whole blob is described.
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({ container: "data", connectionString: "UseDevelopmentStorage=true" });
   * const o = await store.head("greeting.txt");
   * console.log(o?.size, o?.md5);
   * ```
   */
  async head(
    key: string,
    options: { partNumber?: number; signal?: AbortSignal } = {},
  ): Promise<StoreObject | undefined> {
    this.#checkKey(key, "get properties of");
    try {
      const p = await this.#container.getBlobClient(key).getProperties({
        abortSignal: options.signal,
      });
      const metadata = decodeMetadata(p.metadata);
      return {
        key,
        size: p.contentLength ?? 0,
        etag: unquote(p.etag),
        md5: md5Hex(p.contentMD5) ?? md5FromMetadata(metadata),
        lastModified: p.lastModified,
        metadata,
      };
    } catch (e) {
      const code = azureErrorCode(e);
      if (code === "BlobNotFound" || (azureStatus(e) === 404 && code !== "ContainerNotFound")) {
        return undefined;
      }
      throw this.#error(e, "get properties of", key, options.signal);
    }
  }

  /**
   * The block size a path body of `size` bytes is staged in, or `undefined` when it goes up
   * in one request (see `ObjectStore.uploadPartSize`).
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({
   *   container: "c",
   *   endpoint: "http://127.0.0.1:10000/devstoreaccount1",
   *   accountName: "devstoreaccount1",
   *   accountKey: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
   * });
   * console.log(store.uploadPartSize(1024)); // undefined
   * ```
   */
  uploadPartSize(size: number): number | undefined {
    if (size <= this.singleShotThreshold) return undefined;
    return Math.max(this.blockSize, Math.ceil(size / MAX_BLOCKS));
  }

  /**
   * Uploads `body` as block blob `key`, storing `options.md5` as Content-MD5 and metadata
   * `md5`. Bodies up to `singleShotThreshold` go in one request; larger ones (in memory or
   * read from the file) are staged in blocks (per-block MD5 checked by the service) and
   * committed.
   * `ifNoneMatch` / `ifMatch` map to conditional requests (`PRECONDITION_FAILED`).
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({ container: "data", connectionString: "UseDevelopmentStorage=true" });
   * const o = await store.put("a.txt", { data: new TextEncoder().encode("abc") }, {
   *   md5: "900150983cd24fb0d6963f7d28e17f72",
   *   ifNoneMatch: true,
   * });
   * console.log(o.etag);
   * ```
   */
  async put(key: string, body: UploadBody, options: PutOptions): Promise<StoreObject> {
    if (!/^[0-9a-fA-F]{32}$/.test(options?.md5 ?? "")) {
      throw new TypeError("AzureBlobStore.put: options.md5 must be 32 hex digits");
    }
    this.#checkKey(key, "upload");
    const md5 = options.md5.toLowerCase();
    const metadata: Record<string, string> = { ...(options.metadata ?? {}), md5 };
    const stored = encodeMetadata(metadata);
    const headers: BlobHTTPHeaders = { blobContentMD5: Buffer.from(md5, "hex") };
    if (options.contentType !== undefined) headers.blobContentType = options.contentType;
    const conditions: BlobRequestConditions = {};
    if (options.ifNoneMatch) conditions.ifNoneMatch = "*";
    if (options.ifMatch !== undefined) conditions.ifMatch = quote(options.ifMatch);
    const blob = this.#container.getBlockBlobClient(key);
    const signal = options.signal;
    try {
      let size: number;
      let result: { etag?: string; lastModified?: Date };
      if ("data" in body) {
        size = body.data.byteLength;
        result = size <= this.singleShotThreshold
          ? await this.#putOneShot(blob, body.data, headers, stored, conditions, options)
          : await this.#putStaged(blob, key, body, size, headers, stored, { conditions, options });
      } else {
        size = body.size;
        if (size <= this.singleShotThreshold) {
          const data = await readFile(body.path, { signal });
          if (data.byteLength !== size) throw this.#changed(key, body.path, size, data.byteLength);
          result = await this.#putOneShot(blob, data, headers, stored, conditions, options);
        } else {
          result = await this.#putStaged(blob, key, body, size, headers, stored, {
            conditions,
            options,
          });
        }
      }
      return {
        key,
        size,
        etag: unquote(result.etag),
        md5,
        lastModified: result.lastModified,
        metadata,
      };
    } catch (e) {
      throw this.#error(e, "upload", key, signal);
    }
  }

  #changed(key: string, path: string, expected: number, actual?: number): StorageError {
    return new StorageError(
      `Cannot upload "${this.#what(key)}": the file "${path}" changed while uploading (${
        actual === undefined ? "its content differs" : `expected ${expected} bytes, read ${actual}`
      }) (retry the push)`,
      { key, bucket: this.bucket },
    );
  }

  async #putOneShot(
    blob: BlockBlobClient,
    data: Uint8Array,
    blobHTTPHeaders: BlobHTTPHeaders,
    metadata: Record<string, string>,
    conditions: BlobRequestConditions,
    options: PutOptions,
  ): Promise<{ etag?: string; lastModified?: Date }> {
    let reported = 0;
    // one request: its bytes are taken from the run's rate before it is sent
    await takeAll(options.bandwidth, data.byteLength, options.signal);
    // `transactionalContentMD5` (Content-MD5: the service checks the body against it, 400 on
    // mismatch) is honoured by BlockBlobClient.upload at run time but missing from its types.
    const uploadOptions: BlockBlobUploadOptions & { transactionalContentMD5?: Uint8Array } = {
      blobHTTPHeaders,
      transactionalContentMD5: blobHTTPHeaders.blobContentMD5,
      metadata,
      conditions,
      abortSignal: options.signal,
      onProgress: options.onProgress === undefined ? undefined : (p) => {
        if (p.loadedBytes > reported) {
          options.onProgress!(p.loadedBytes - reported);
          reported = p.loadedBytes;
        }
      },
    };
    const r = await blob.upload(data, data.byteLength, uploadOptions);
    if (options.onProgress !== undefined && reported < data.byteLength) {
      options.onProgress(data.byteLength - reported);
    }
    return r;
  }

  /** Stages `source` in blocks of `blockSize` (from memory, or read from the file) and commits. */
  async #putStaged(
    blob: BlockBlobClient,
    key: string,
    source: UploadBody,
    size: number,
    blobHTTPHeaders: BlobHTTPHeaders,
    metadata: Record<string, string>,
    ctx: { conditions: BlobRequestConditions; options: PutOptions },
  ): Promise<{ etag?: string; lastModified?: Date }> {
    const { conditions, options } = ctx;
    const data = "data" in source ? source.data : undefined;
    const path = "path" in source ? source.path : "";
    if (data !== undefined && createHash("md5").update(data).digest("hex") !== options.md5) {
      throw new StorageError(
        `Cannot upload "${
          this.#what(key)
        }": the content does not match the declared MD5 ${options.md5.toLowerCase()} (retry the push)`,
        { key, bucket: this.bucket },
      );
    }
    // Fail before sending gigabytes when the precondition already does not hold; the commit
    // repeats the condition, so a race is still caught there.
    if (conditions.ifNoneMatch !== undefined || conditions.ifMatch !== undefined) {
      const current = await this.head(key, { signal: options.signal });
      if (conditions.ifNoneMatch !== undefined && current !== undefined) {
        throw Object.assign(new Error("exists"), {
          statusCode: 409,
          details: { errorCode: "BlobAlreadyExists" },
        });
      }
      if (
        conditions.ifMatch !== undefined &&
        (current === undefined || quote(current.etag ?? "") !== conditions.ifMatch)
      ) {
        throw Object.assign(new Error("changed"), {
          statusCode: current === undefined ? 404 : 412,
          details: { errorCode: current === undefined ? "BlobNotFound" : "ConditionNotMet" },
        });
      }
    }
    const blockSize = Math.max(this.blockSize, Math.ceil(size / MAX_BLOCKS));
    if (blockSize > MAX_BLOCK_SIZE) {
      throw new StorageError(
        `Cannot upload "${
          this.#what(key)
        }": ${size} bytes exceed the block blob limit (split the file)`,
        { key, bucket: this.bucket },
      );
    }
    const controller = linkedController(options.signal);
    const abortSignal = controller.signal;
    // Block ids name the content (whole-file MD5 and block index): the blocks an interrupted
    // upload of the same file left uncommitted (Azure keeps them for a week) are not staged
    // again. In-memory bodies get random ids.
    const idPrefix = data === undefined
      ? options.md5.toLowerCase().slice(0, 16)
      : randomBytes(8).toString("hex");
    const uncommitted = new Map<string, number>();
    if (data === undefined) {
      try {
        const list = await blob.getBlockList("uncommitted", { abortSignal });
        for (const b of list.uncommittedBlocks ?? []) uncommitted.set(b.name, b.size);
      } catch {
        // no blob and no blocks yet
      }
    }
    const blockIds: string[] = [];
    // Block MD5s computed by the caller in the same read as the whole-file MD5: nothing to hash
    // here (the service checks each block against its MD5, so the blob is exactly the content
    // whose MD5 was declared)
    const count = Math.max(1, Math.ceil(size / blockSize));
    const given = data === undefined && options.partMd5s?.partSize === blockSize &&
        options.partMd5s.md5s.length === count
      ? options.partMd5s.md5s
      : undefined;
    const whole = given === undefined ? createHash("md5") : undefined;
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    const fh = data === undefined ? await open(path, "r") : undefined;
    try {
      for (let offset = 0, index = 0; offset < size; offset += blockSize, index++) {
        if (failure !== undefined || abortSignal.aborted) break;
        const length = Math.min(blockSize, size - offset);
        let buf: Buffer;
        if (fh === undefined) {
          buf = Buffer.from(data!.buffer, data!.byteOffset + offset, length);
        } else {
          buf = Buffer.allocUnsafe(length);
          let filled = 0;
          while (filled < length) {
            const { bytesRead } = await fh.read(buf, filled, length - filled, offset + filled);
            if (bytesRead === 0) break;
            filled += bytesRead;
          }
          if (filled !== length) throw this.#changed(key, path, size, offset + filled);
        }
        await options.bandwidth?.take(length, options.signal);
        whole?.update(buf);
        const blockId = Buffer.from(`${idPrefix}-${String(index).padStart(6, "0")}`).toString(
          "base64",
        );
        blockIds.push(blockId);
        if (uncommitted.get(blockId) === length) {
          // staged by an interrupted upload of this same file (same MD5, index and size)
          options.onProgress?.(length);
          continue;
        }
        this.#blocksStaged++;
        let reported = 0;
        const task: Promise<void> = blob
          .stageBlock(blockId, buf, length, {
            transactionalContentMD5: given !== undefined
              ? Buffer.from(given[index], "hex")
              : createHash("md5").update(buf).digest(),
            abortSignal,
            onProgress: options.onProgress === undefined ? undefined : (p) => {
              if (p.loadedBytes > reported) {
                options.onProgress!(p.loadedBytes - reported);
                reported = p.loadedBytes;
              }
            },
          })
          .then(() => {
            if (options.onProgress !== undefined && reported < length) {
              options.onProgress(length - reported);
            }
          })
          .catch((error) => {
            // a block that no longer has the MD5 it was hashed with: the file changed
            // (Azure: Md5Mismatch; Azurite: InvalidOperation "contentMD5 doesn't match")
            const code = azureErrorCode(error);
            const changed = given !== undefined && (code === "Md5Mismatch" ||
              (code === "InvalidOperation" && /md5/i.test(String((error as Error)?.message))));
            if (failure === undefined) {
              failure = { error: changed ? this.#changed(key, path, size) : error };
            }
            controller.abort();
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
        if (inFlight.size >= this.concurrency) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure.error;
      if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");
      const extra = await fh?.read(Buffer.alloc(1), 0, 1, size);
      if (extra !== undefined && extra.bytesRead !== 0) throw this.#changed(key, path, size);
    } catch (e) {
      controller.abort();
      await Promise.allSettled(inFlight);
      throw e;
    } finally {
      await fh?.close();
    }
    if (whole !== undefined && whole.digest("hex") !== options.md5.toLowerCase()) {
      throw this.#changed(key, path, size);
    }
    return await blob.commitBlockList(blockIds, {
      blobHTTPHeaders,
      metadata,
      conditions,
      abortSignal: options.signal,
    });
  }

  /**
   * Streams blob `key` into `destinationPath` (created or truncated), computing its MD5.
   * Fails with `NOT_FOUND` when the blob does not exist, and with `STORAGE_ERROR` when
   * fewer bytes arrive than announced or the bytes do not match the blob's Content-MD5.
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({ container: "data", connectionString: "UseDevelopmentStorage=true" });
   * const r = await store.get("greeting.txt", "/tmp/greeting.txt.part");
   * console.log(r.size, r.md5);
   * ```
   */
  async get(key: string, destinationPath: string, options: GetOptions = {}): Promise<GetResult> {
    this.#checkKey(key, "download");
    const signal = options.signal;
    try {
      const response = await this.#container.getBlobClient(key).download(0, undefined, {
        abortSignal: signal,
        maxRetryRequests: 3,
      });
      const hash = createHash("md5");
      let size = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          options.onProgress?.(chunk.length);
          if (options.bandwidth === undefined) callback(null, chunk);
          else {options.bandwidth.take(chunk.length, signal).then(() =>
              callback(null, chunk), callback);}
        },
      });
      const source = response.readableStreamBody ?? Readable.from([]);
      await pipeline(source, count, createWriteStream(destinationPath), { signal });
      const md5 = hash.digest("hex");
      const expected = response.contentLength;
      if (expected !== undefined && expected !== size) {
        throw new StorageError(
          `Cannot download "${
            this.#what(key)
          }": received ${size} of ${expected} bytes (retry the pull)`,
          { key, bucket: this.bucket },
        );
      }
      const stored = md5Hex(response.blobContentMD5) ?? md5Hex(response.contentMD5);
      if (stored !== undefined && stored !== md5) {
        throw new StorageError(
          `Cannot download "${this.#what(key)}": the content does not match the blob's ` +
            `Content-MD5 ${stored} (got ${md5}; retry the pull, or re-upload the blob)`,
          { key, bucket: this.bucket },
        );
      }
      return { size, md5 };
    } catch (e) {
      throw this.#error(e, "download", key, signal);
    }
  }

  /**
   * Deletes the blobs (and their snapshots) with Blob Batch requests of up to 256 deletes
   * each (a few batches in parallel); missing blobs — and keys no blob can have, like
   * `a/./b` — are skipped. Where the service refuses batches (e.g. a SAS without the needed
   * rights, an emulator without batch support), the blobs are deleted one by one, 16 at a
   * time.
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({ container: "data", connectionString: "UseDevelopmentStorage=true" });
   * await store.delete(["a.txt", "b.txt"]);
   * ```
   */
  async delete(keys: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = options.signal;
    // a key no blob can have is missing; sending it would delete another blob
    const deletable = [...new Set(keys)].filter((k) => azureKeyProblem(k) === undefined);
    if (deletable.length === 0) return;
    if (deletable.length > 1 && this.#batchDelete) {
      const batches: string[][] = [];
      for (let i = 0; i < deletable.length; i += BATCH_SIZE) {
        batches.push(deletable.slice(i, i + BATCH_SIZE));
      }
      let refused = false;
      await forEachLimited(batches, 4, async (batch) => {
        if (refused) return;
        if (signal?.aborted) throw this.#error(signal.reason, "delete", batch[0], signal);
        let response;
        try {
          response = await this.#container.getBlobBatchClient().deleteBlobs(
            batch.map((k) => this.#container.getBlobClient(k)),
            { deleteSnapshots: "include", abortSignal: signal },
          );
          this.#batchRequests++;
        } catch (e) {
          const status = azureStatus(e);
          if (signal?.aborted || status === undefined || status >= 500) {
            throw this.#error(e, "delete", batch[0], signal);
          }
          refused = true; // 4xx for the batch itself: not supported here, use single deletes
          return;
        }
        const failed = response.subResponses.filter((r) =>
          r.status >= 300 && r.errorCode !== "BlobNotFound"
        );
        if (failed.length > 0) {
          const first = failed[0];
          const key = batch[response.subResponses.indexOf(first)] ?? batch[0];
          const err = Object.assign(new Error(first.errorCode ?? first.statusMessage), {
            statusCode: first.status,
            code: first.errorCode,
          });
          const mapped = this.#error(err, "delete", key, signal);
          throw new StorageError(
            `${mapped.message}${failed.length > 1 ? ` — ${failed.length} blobs not deleted` : ""}`,
            {
              code: mapped.code,
              statusCode: mapped.statusCode,
              key,
              bucket: this.bucket,
              cause: err,
            },
          );
        }
      });
      if (!refused) return;
      this.#batchDelete = false;
    }
    await forEachLimited(deletable, DELETE_CONCURRENCY, async (key) => {
      if (signal?.aborted) throw this.#error(signal.reason, "delete", key, signal);
      try {
        await this.#container.getBlobClient(key).delete({
          deleteSnapshots: "include",
          abortSignal: signal,
        });
      } catch (e) {
        if (azureErrorCode(e) === "BlobNotFound") return;
        throw this.#error(e, "delete", key, signal);
      }
    });
  }

  /**
   * Blob Batch requests sent by {@linkcode AzureBlobStore.delete} so far (diagnostics, tests).
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({ container: "data", connectionString: "UseDevelopmentStorage=true" });
   * console.log(store.batchRequests); // 0
   * ```
   */
  get batchRequests(): number {
    return this.#batchRequests;
  }

  /**
   * Closes this store's pooled connections. Idempotent; a later call opens new ones.
   *
   * @example
   * ```ts
   * import { AzureBlobStore } from "./azure.ts";
   * const store = new AzureBlobStore({ container: "data", connectionString: "UseDevelopmentStorage=true" });
   * await store.close();
   * ```
   */
  close(): Promise<void> {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
    return Promise.resolve();
  }
}

/** A request policy that sends every request through the store's own agents. */
function agentPolicyFactory(httpAgent: http.Agent, httpsAgent: https.Agent): RequestPolicyFactory {
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
