/**
 * Plain ETags (`plainEtags`): every object the S3 store writes gets an ETag equal to the MD5
 * of its content, so tools that compare ETags with local MD5s (Python accsr, `aws s3 sync`
 * style checks, s3fs) see equal files as equal. Internal to the S3 store.
 *
 * Mechanism, chosen by measurement (radosgw 16, 2026-12-06): one streamed `PutObject` (with
 * `Content-MD5`) up to S3's single-PUT limit of 5 GiB. The alternative — the parallel multipart
 * upload followed by a server-side `CopyObject` onto itself (`x-amz-metadata-directive:
 * REPLACE`) — does not work there: radosgw keeps the multipart ETag (`<md5>-N`) on every copy
 * (onto itself, to another key, to another bucket; the copy only rewrites metadata, 4–9 ms).
 * AWS computes a new ETag on copy, but a copy is also limited to 5 GiB, so it would not reach
 * further. Above 5 GiB no S3 request can write an object with a plain ETag: such a file is
 * refused (`PLAIN_ETAG_TOO_LARGE`) before any byte of it is sent.
 *
 * @module
 */
import { StorageError } from "../../errors.ts";

/** S3's limit of one `PutObject` (and of one `CopyObject`): 5 GiB. */
export const MAX_PLAIN_ETAG_SIZE = 5 * 1024 ** 3;

/**
 * How the S3 store uploads a file body of `size` bytes: `"single"` (one PUT) or
 * `"multipart"`. With `plainEtags`, everything up to 5 GiB is one PUT; above, it throws.
 *
 * @throws {StorageError} `PLAIN_ETAG_TOO_LARGE`: `plainEtags` and `size` above 5 GiB.
 *
 * @example
 * ```ts
 * import { uploadMechanism } from "./_s3_plain_etag.ts";
 * uploadMechanism(100 << 20, { multipartThreshold: 64 << 20, plainEtags: false }); // "multipart"
 * uploadMechanism(100 << 20, { multipartThreshold: 64 << 20, plainEtags: true }); // "single"
 * ```
 */
export function uploadMechanism(
  size: number,
  options: { multipartThreshold: number; plainEtags: boolean; key?: string; bucket?: string },
): "single" | "multipart" {
  if (!options.plainEtags) return size > options.multipartThreshold ? "multipart" : "single";
  if (size > MAX_PLAIN_ETAG_SIZE) throw plainEtagTooLarge(size, options.key, options.bucket);
  return "single";
}

/**
 * The error for a file that cannot get a plain ETag (above 5 GiB).
 *
 * @example
 * ```ts
 * import { plainEtagTooLarge } from "./_s3_plain_etag.ts";
 * console.log(plainEtagTooLarge(6 * 1024 ** 3, "big.bin").code); // "PLAIN_ETAG_TOO_LARGE"
 * ```
 */
export function plainEtagTooLarge(size: number, key?: string, bucket?: string): StorageError {
  const gib = (size / 1024 ** 3).toFixed(2);
  return new StorageError(
    `Cannot put "${
      key ?? "object"
    }" with a plain ETag: it has ${gib} GiB, and S3 writes objects above 5 GiB ` +
      `only in parts, whose ETag is never the MD5 (push it without --plain-etags / plain_etags; ` +
      `Python accsr then needs the remote_hash_extractor from the README to see it as unchanged)`,
    { code: "PLAIN_ETAG_TOO_LARGE", key, bucket },
  );
}
