/**
 * The S3 requests the store makes, as one interface with two implementations: the lean
 * signer of `_s3_fast.ts` and the AWS SDK (`_s3_sdk.ts`, loaded only when needed). Both
 * retry transient failures with the same policy and throw errors shaped like the SDK's
 * (`name` = S3 error code, `$metadata.httpStatusCode`), so one mapping
 * (`toStorageError`) applies. Internal to the S3 store.
 *
 * @module
 */

import type { PartsPage, UploadsPage } from "./_s3_multipart.ts";
import type { ListPage } from "./_s3_xml.ts";

/**
 * What a HEAD or GET response says about an object.
 *
 * @example
 * ```ts
 * import type { ObjectHeaders } from "./_s3_ops.ts";
 * const h: ObjectHeaders = { etag: '"900150983cd24fb0d6963f7d28e17f72"', size: 3, metadata: {} };
 * ```
 */
export interface ObjectHeaders {
  /** ETag as sent (quotes included). */
  etag?: string;
  /** `Content-Length`. */
  size?: number;
  /** `Last-Modified`. */
  lastModified?: Date;
  /** User metadata (`x-amz-meta-<name>` → `<name>`, names lower-case). */
  metadata: Record<string, string>;
  /** `x-amz-server-side-encryption-customer-algorithm` (SSE-C). */
  sseCustomerAlgorithm?: string;
  /** `x-amz-server-side-encryption` (`AES256`, `aws:kms`…). */
  serverSideEncryption?: string;
  /** `x-amz-mp-parts-count` (HEAD with a part number). */
  partsCount?: number;
  /** `Content-Range`. */
  contentRange?: string;
  /** Checksum headers (`x-amz-checksum-*`, `x-goog-hash`), names lower-case. */
  checksums?: Record<string, string>;
  /** `x-amz-version-id` (versioned buckets; `"null"` for objects written before versioning). */
  versionId?: string;
}

/**
 * Reads a GET response body; called once per attempt (a retried download calls it again
 * from the first byte).
 *
 * @example
 * ```ts
 * import type { BodyConsumer } from "./_s3_ops.ts";
 * const count: BodyConsumer = async (_headers, body) => {
 *   let n = 0;
 *   for await (const chunk of body) n += chunk.byteLength;
 * };
 * ```
 */
export type BodyConsumer = (
  headers: ObjectHeaders,
  body: AsyncIterable<Uint8Array>,
) => Promise<void>;

/**
 * The rest of an object from `offset`, only if its ETag is still `etag`.
 *
 * @example
 * ```ts
 * import type { RangeRequest } from "./_s3_ops.ts";
 * const r: RangeRequest = { offset: 1048576, etag: "9e107d9d372bb6826bd81d3542a419d6-4" };
 * ```
 */
export interface RangeRequest {
  /** First byte wanted. */
  offset: number;
  /** ETag (without quotes) the object must still have. */
  etag: string;
}

/**
 * A single `PutObject`.
 *
 * @example
 * ```ts
 * import type { PutObjectInput } from "./_s3_ops.ts";
 * const p: PutObjectInput = { key: "a.txt", body: new Uint8Array(0), contentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==" };
 * ```
 */
export interface PutObjectInput {
  /** Object key. */
  key: string;
  /** The whole body: bytes, or a file streamed in one request (read anew on each attempt). */
  body: Uint8Array | FileBody;
  /** Base64 MD5 of the body (`Content-MD5`). */
  contentMD5: string;
  /** `Content-Type`. */
  contentType?: string;
  /** User metadata. */
  metadata?: Record<string, string>;
  /** Send `If-None-Match: *`. */
  ifNoneMatch?: boolean;
  /** `If-Match` value, sent as given. */
  ifMatch?: string;
  /** Cancels the request and its retries. */
  signal?: AbortSignal;
}

/**
 * A file sent as the body of one request: its first `size` bytes, read anew on each attempt.
 *
 * @example
 * ```ts
 * import type { FileBody } from "./_s3_ops.ts";
 * const b: FileBody = { path: "/data/big.bin", size: 1 << 30 };
 * ```
 */
export interface FileBody {
  /** Local file. */
  path: string;
  /** Bytes to send (the `Content-Length`). */
  size: number;
}

/**
 * The byte length of a request body.
 *
 * @example
 * ```ts
 * import { bodyLength } from "./_s3_ops.ts";
 * bodyLength(new Uint8Array(3)); // 3
 * bodyLength({ path: "/x", size: 7 }); // 7
 * ```
 */
export function bodyLength(body: Uint8Array | FileBody): number {
  return body instanceof Uint8Array ? body.byteLength : body.size;
}

/**
 * A `CompleteMultipartUpload`.
 *
 * @example
 * ```ts
 * import type { CompleteInput } from "./_s3_ops.ts";
 * const c: CompleteInput = { key: "big.bin", uploadId: "2~x", parts: [{ partNumber: 1, etag: '"…"' }] };
 * ```
 */
export interface CompleteInput {
  /** Object key. */
  key: string;
  /** Upload id from {@linkcode S3Ops.createMultipart}. */
  uploadId: string;
  /** Every part, in order, with the ETag its upload returned. */
  parts: { partNumber: number; etag: string }[];
  /** Send `If-None-Match: *`. */
  ifNoneMatch?: boolean;
  /** `If-Match` value, sent as given. */
  ifMatch?: string;
  /** Cancels the request and its retries. */
  signal?: AbortSignal;
}

/**
 * The object-level requests of the S3 store, for one bucket.
 *
 * @example
 * ```ts
 * import type { S3Ops } from "./_s3_ops.ts";
 * async function size(ops: S3Ops, key: string): Promise<number | undefined> {
 *   return (await ops.head(key)).size;
 * }
 * ```
 */
export interface S3Ops {
  /** One `ListObjectsV2` page (1000 keys) of `prefix` ("" = all) after `token`. */
  listPage(prefix: string, token: string | undefined, signal?: AbortSignal): Promise<ListPage>;
  /** `HeadObject` (with `partNumber`: that part, where the server supports it). */
  head(key: string, partNumber?: number, signal?: AbortSignal): Promise<ObjectHeaders>;
  /** `HeadBucket`: resolves when the bucket exists and is accessible. */
  headBucket(signal?: AbortSignal): Promise<void>;
  /**
   * `GetObject`, the body handed to `consume`. `range`, asked before each attempt, makes it
   * a ranged GET (`Range: bytes=<offset>-`, `If-Match: <etag>`): a resumed download.
   */
  get(
    key: string,
    consume: BodyConsumer,
    signal?: AbortSignal,
    range?: () => RangeRequest | undefined,
    versionId?: string,
  ): Promise<void>;
  /** `PutObject`; resolves with the ETag as sent. */
  put(input: PutObjectInput): Promise<string>;
  /** `CreateMultipartUpload`; resolves with the upload id. */
  createMultipart(
    key: string,
    contentType: string | undefined,
    metadata: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<string>;
  /** `UploadPart` with `Content-MD5`; resolves with the part's ETag as sent. */
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    contentMD5: string,
    signal?: AbortSignal,
  ): Promise<string>;
  /** `CompleteMultipartUpload`; resolves with the ETag as sent (radosgw 16: empty). */
  completeMultipart(input: CompleteInput): Promise<string>;
  /** `AbortMultipartUpload`. */
  abortMultipart(key: string, uploadId: string, signal?: AbortSignal): Promise<void>;
  /** One `ListMultipartUploads` page (1000 uploads) of `prefix` after the markers. */
  listUploads(
    prefix: string,
    markers: { keyMarker: string; uploadIdMarker: string } | undefined,
    signal?: AbortSignal,
  ): Promise<UploadsPage>;
  /** One `ListParts` page (1000 parts) of an upload after `partNumberMarker`. */
  listParts(
    key: string,
    uploadId: string,
    partNumberMarker: string | undefined,
    signal?: AbortSignal,
  ): Promise<PartsPage>;
}
