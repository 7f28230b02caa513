/**
 * Full-object checksums of a local file (CRC64NVME, CRC32C, CRC32), as S3 declares them:
 * base64 of the big-endian value. Computed with hash-wasm (WebAssembly, ~170 MB/s).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { open } from "node:fs/promises";
import type { IHasher } from "npm:hash-wasm@^4.13.0";
import type { ChecksumAlgorithm } from "./remote_md5.ts";

/** Reflected polynomials: CRC-64/NVME, CRC-32C (Castagnoli), CRC-32 (ISO-HDLC). */
async function hasher(algorithm: ChecksumAlgorithm): Promise<IHasher> {
  // loaded on first use: a 280 KB module (inlined WebAssembly) that a sync of plain-MD5
  // objects never needs (it cost ~80 ms of every Node start)
  const { createCRC32, createCRC64 } = await import("npm:hash-wasm@^4.13.0");
  switch (algorithm) {
    case "crc64nvme":
      return await createCRC64("9a6c9329ac4bc9b5");
    case "crc32c":
      return await createCRC32(0x82f63b78);
    case "crc32":
      return await createCRC32(0xedb88320);
  }
}

/**
 * The checksum of `data` as S3 sends it (`x-amz-checksum-<algorithm>`: base64).
 *
 * @example
 * ```ts
 * import { checksumOfBytes } from "./full_checksum.ts";
 * await checksumOfBytes("crc64nvme", new TextEncoder().encode("123456789")); // "rosUhgp5mIg="
 * ```
 */
export async function checksumOfBytes(
  algorithm: ChecksumAlgorithm,
  data: Uint8Array,
): Promise<string> {
  const h = await hasher(algorithm);
  h.init();
  h.update(data);
  return Buffer.from(h.digest("binary")).toString("base64");
}

/**
 * The checksum of a local file as S3 sends it (base64), read sequentially in 8 MiB chunks.
 *
 * @example
 * ```ts
 * import { checksumOfFile } from "./full_checksum.ts";
 * console.log(await checksumOfFile("crc32c", "README.md"));
 * ```
 */
export async function checksumOfFile(
  algorithm: ChecksumAlgorithm,
  absPath: string,
  signal?: AbortSignal,
): Promise<string> {
  const h = await hasher(algorithm);
  h.init();
  const fh = await open(absPath, "r");
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return Buffer.from(h.digest("binary")).toString("base64");
}
