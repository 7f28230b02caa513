/**
 * {@linkcode AzureBlobStore}: an {@linkcode ObjectStore} on an Azure Blob Storage container
 * (or Azurite, Microsoft's emulator): lean signed requests (`_azure_lean.ts`) for listings, properties,
 * transfers and staged blocks; `@azure/storage-blob`, loaded on first use, for containers and deletes.
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
import { createHash } from "node:crypto";
import { createWriteStream, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { pipeline } from "node:stream/promises";
import type { ContainerClient } from "npm:@azure/storage-blob@~12.32.0";
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
import { putStaged, type StagedEnv } from "./_azure_upload.ts";
import { deleteBlobs } from "./_azure_delete.ts";
import { AzureLean } from "./_azure_lean.ts";
import {
  agentPolicyFactory,
  AZURE_CONNECT_TIMEOUT_MS,
  AZURE_IDLE_TIMEOUT_MS,
  AZURE_RETRY,
  azureKeyProblem,
  isFolderMarker,
  MAX_BLOCK_SIZE,
  MAX_BLOCKS,
  MAX_SINGLE_SHOT,
  md5FromMetadata,
  md5Hex,
  MiB,
  positiveInt,
  quote,
  unquote,
  withConnectTimeout,
} from "./_azure_util.ts";

/** Downloads up to this size are collected in memory and written with one call. */
const WHOLE_WRITE_MAX = 1 * MiB;

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
 * An {@linkcode ObjectStore} on an Azure Blob Storage container. Provider id
 * `"azure_blobs"`; `bucket` is the container name.
 *
 * Credentials live in private fields only: `JSON.stringify`, `String` and `util.inspect` of
 * the store show provider, container and endpoint, never a key, SAS token or connection
 * string, and neither do error messages.
 *
 * Requests are retried at most 3 times with short delays, so an unreachable endpoint fails
 * within about a second with code `ENDPOINT_UNREACHABLE`; connecting may take 5 s per attempt
 * (a host that silently drops packets fails within about 15 s), and an attempt during which no
 * byte moves for 30 s fails and is retried. Listings, properties, downloads and uploads go
 * through a lean signed-request path (`_azure_lean.ts`); the SDK is loaded only for container
 * creation and deletes. Aborting a staged upload leaves
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

  /** The SDK's container client, created on first use (container creation, deletes). */
  #container: Promise<ContainerClient> | undefined;
  #conn: AzureConnection;
  #lean: AzureLean;
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
    this.#conn = conn;
    this.endpoint = conn.endpoint;
    this.location = `azure://${this.bucket} at ${conn.endpoint}`;
    this.#secrets = [conn.accountKey, conn.sasToken, options.connectionString?.trim()]
      .filter((s): s is string => s !== undefined && s !== "");
    // Own keep-alive agents, so close() can release this store's sockets; connecting may take
    // AZURE_CONNECT_TIMEOUT_MS on every request path (a host that drops packets fails fast).
    this.#httpAgent = withConnectTimeout(
      new http.Agent({ keepAlive: true, maxSockets: 64 }),
      AZURE_CONNECT_TIMEOUT_MS,
    );
    this.#httpsAgent = withConnectTimeout(
      new https.Agent({ keepAlive: true, maxSockets: 64 }),
      AZURE_CONNECT_TIMEOUT_MS,
    );
    this.#lean = new AzureLean({
      endpoint: conn.endpoint,
      container: this.bucket,
      accountName: conn.accountName,
      accountKey: conn.accountKey,
      sasToken: conn.sasToken,
      agent: conn.endpoint.startsWith("https:") ? this.#httpsAgent : this.#httpAgent,
      connectTimeout: AZURE_CONNECT_TIMEOUT_MS,
      idleTimeout: AZURE_IDLE_TIMEOUT_MS,
      retry: AZURE_RETRY,
    });
  }

  /** The SDK's container client (the module is loaded on first use). */
  #sdk(): Promise<ContainerClient> {
    return this.#container ??= import("npm:@azure/storage-blob@~12.32.0").then((m) => {
      const conn = this.#conn;
      const credential = conn.accountKey !== undefined && conn.accountName !== undefined
        ? new m.StorageSharedKeyCredential(conn.accountName, conn.accountKey)
        : new m.AnonymousCredential();
      const pipe = m.newPipeline(credential, {
        // Few, quick retries: a refused connection fails in about a second instead of minutes.
        retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
        userAgentOptions: { userAgentPrefix: "accsr" },
      });
      pipe.factories.push(agentPolicyFactory(this.#httpAgent, this.#httpsAgent));
      const url = conn.sasToken === undefined ? conn.endpoint : `${conn.endpoint}?${conn.sasToken}`;
      return new m.BlobServiceClient(url, pipe).getContainerClient(this.bucket);
    });
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
      await (await this.#sdk()).create({ abortSignal: options.signal });
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
    let marker: string | undefined;
    do {
      let page;
      try {
        page = await this.#lean.listPage(prefix, marker, options.signal);
      } catch (e) {
        throw this.#error(e, "list", prefix, options.signal);
      }
      for (const item of page.blobs) {
        // folders of accounts with a hierarchical namespace (ADLS Gen2) are listed as empty
        // blobs marked hdi_isfolder; they are no objects (a pull would make them files)
        if (isFolderMarker(item.metadata)) continue;
        const metadata = decodeMetadata(item.metadata);
        yield {
          key: item.name,
          size: item.size,
          etag: unquote(item.etag),
          md5: md5Hex(item.contentMD5) ?? md5FromMetadata(metadata),
          lastModified: item.lastModified,
          metadata,
        };
      }
      marker = page.next;
    } while (marker !== undefined);
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
      const p = await this.#lean.properties(key, options.signal);
      const metadata = decodeMetadata(p.metadata);
      return {
        key,
        size: p.size ?? 0,
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
    const md5b64 = Buffer.from(md5, "hex").toString("base64");
    // the blob's Content-MD5 property (kept, and listed, for every upload)
    const headers: Record<string, string> = { "x-ms-blob-content-md5": md5b64 };
    if (options.contentType !== undefined) headers["x-ms-blob-content-type"] = options.contentType;
    for (const [name, value] of Object.entries(encodeMetadata(metadata))) {
      headers[`x-ms-meta-${name}`] = value;
    }
    if (options.ifNoneMatch) headers["if-none-match"] = "*";
    if (options.ifMatch !== undefined) headers["if-match"] = quote(options.ifMatch);
    const signal = options.signal;
    try {
      let size: number;
      let result: { etag?: string; lastModified?: Date };
      if ("data" in body) {
        size = body.data.byteLength;
        result = size <= this.singleShotThreshold
          ? await this.#putOneShot(key, body.data, headers, md5b64, options)
          : await putStaged(this.#stagedEnv(), key, body, size, headers, options);
      } else {
        size = body.size;
        if (size <= this.singleShotThreshold) {
          const data = await readFile(body.path, { signal });
          if (data.byteLength !== size) throw this.#changed(key, body.path, size, data.byteLength);
          result = await this.#putOneShot(key, data, headers, md5b64, options);
        } else {
          result = await putStaged(this.#stagedEnv(), key, body, size, headers, options);
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
    key: string,
    data: Uint8Array,
    headers: Record<string, string>,
    md5b64: string,
    options: PutOptions,
  ): Promise<{ etag?: string; lastModified?: Date }> {
    // one request: its bytes are taken from the run's rate before it is sent
    await takeAll(options.bandwidth, data.byteLength, options.signal);
    // Content-MD5 (transactional): the service checks the body against it, 400 on mismatch
    const r = await this.#lean.putBlob(
      key,
      data,
      { ...headers, "content-md5": md5b64 },
      options.signal,
    );
    options.onProgress?.(data.byteLength);
    return r;
  }

  /** What the staged upload needs of the store. */
  #stagedEnv(): StagedEnv {
    return {
      changed: (key, path, expected, actual) => this.#changed(key, path, expected, actual),
      what: (key) => this.#what(key),
      blockSize: this.blockSize,
      bucket: this.bucket,
      concurrency: this.concurrency,
      head: (key, o) => this.head(key, o),
      countStaged: () => {
        this.#blocksStaged++;
      },
      lean: this.#lean,
    };
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
    const bandwidth = options.bandwidth;
    // progress counts each byte once, also when a retried attempt starts again from byte 0
    let reported = 0;
    const progress = (size: number) => {
      if (size > reported) options.onProgress?.(size - reported);
      reported = Math.max(reported, size);
    };
    try {
      const { size, md5, expected, stored } = await this.#lean.download(key, async (h, body) => {
        // a retried attempt starts again from the first byte
        const hash = createHash("md5");
        let size = 0;
        if (h.size !== undefined && h.size <= WHOLE_WRITE_MAX) {
          // all or nothing, written with one synchronous call (an async open/write pair cost
          // more client CPU than the request); a body cut short is fetched again
          const chunks: Uint8Array[] = [];
          for await (const chunk of body) {
            await bandwidth?.take(chunk.length, signal);
            size += chunk.length;
            chunks.push(chunk);
            progress(size);
          }
          const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          hash.update(data);
          writeFileSync(destinationPath, data);
        } else {
          await pipeline(
            async function* () {
              for await (const chunk of body) {
                hash.update(chunk);
                size += chunk.length;
                progress(size);
                await bandwidth?.take(chunk.length, signal);
                yield chunk;
              }
            },
            createWriteStream(destinationPath),
            { signal },
          );
        }
        return { size, md5: hash.digest("hex"), expected: h.size, stored: md5Hex(h.contentMD5) };
      }, signal);
      if (expected !== undefined && expected !== size) {
        throw new StorageError(
          `Cannot download "${
            this.#what(key)
          }": received ${size} of ${expected} bytes (retry the pull)`,
          { key, bucket: this.bucket },
        );
      }
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
    if (keys.length === 0) return;
    return await deleteBlobs(
      {
        container: await this.#sdk(),
        batch: this.#batchDelete,
        disableBatch: () => {
          this.#batchDelete = false;
        },
        countBatch: () => {
          this.#batchRequests++;
        },
        error: (e, action, key, signal) => this.#error(e, action, key, signal),
        bucket: this.bucket,
      },
      keys,
      options,
    );
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
