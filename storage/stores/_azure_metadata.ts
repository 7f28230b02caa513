/**
 * Azure metadata names must be C# identifiers (`[A-Za-z_][A-Za-z0-9_]*`); S3 and accsr allow
 * names such as `run-id`. Names that are not identifiers are stored as `accsr_h_<hex of
 * UTF-8>` and decoded again when read, so user metadata round-trips on every store.
 *
 * @module
 */

import { Buffer } from "node:buffer";

const PREFIX = "accsr_h_";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENCODED = /^accsr_h_((?:[0-9a-f]{2})+)$/i;

/**
 * The metadata name Azure stores for `name`.
 *
 * @example
 * ```ts
 * import { encodeMetadataName } from "./_azure_metadata.ts";
 * console.log(encodeMetadataName("owner")); // owner
 * console.log(encodeMetadataName("run-id")); // accsr_h_72756e2d6964
 * ```
 */
export function encodeMetadataName(name: string): string {
  if (IDENTIFIER.test(name) && !name.toLowerCase().startsWith(PREFIX)) return name;
  return PREFIX + Buffer.from(name, "utf8").toString("hex");
}

/**
 * The original name of a stored metadata name.
 *
 * @example
 * ```ts
 * import { decodeMetadataName } from "./_azure_metadata.ts";
 * console.log(decodeMetadataName("accsr_h_72756e2d6964")); // run-id
 * ```
 */
export function decodeMetadataName(name: string): string {
  const m = ENCODED.exec(name);
  if (m === null) return name;
  const decoded = Buffer.from(m[1], "hex").toString("utf8");
  return decoded.includes("\uFFFD") ? name : decoded;
}

/**
 * Metadata as Azure accepts it (names encoded).
 *
 * @example
 * ```ts
 * import { encodeMetadata } from "./_azure_metadata.ts";
 * console.log(encodeMetadata({ "run-id": "42", md5: "x" })); // { accsr_h_72756e2d6964: "42", md5: "x" }
 * ```
 */
export function encodeMetadata(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) out[encodeMetadataName(k)] = v;
  return out;
}

/**
 * Metadata as the user wrote it (names decoded).
 *
 * @example
 * ```ts
 * import { decodeMetadata } from "./_azure_metadata.ts";
 * console.log(decodeMetadata({ accsr_h_72756e2d6964: "42" })); // { "run-id": "42" }
 * ```
 */
export function decodeMetadata(
  metadata: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata ?? {})) out[decodeMetadataName(k)] = v;
  return out;
}
