/**
 * Incomplete multipart uploads and their parts, as both S3 request paths report them:
 * the shapes of one `ListMultipartUploads` / `ListParts` page, and the readers of their XML
 * answers for the lean path. Internal to the S3 store (cleanup and resumable uploads).
 *
 * @module
 */
import { childText, parseXml } from "./_s3_xml.ts";

/**
 * One incomplete multipart upload.
 *
 * @example
 * ```ts
 * import type { UploadListing } from "./_s3_multipart.ts";
 * const u: UploadListing = { key: "data/big.bin", uploadId: "2~abc", initiated: new Date() };
 * ```
 */
export interface UploadListing {
  /** Object key the upload will create. */
  key: string;
  /** Upload id. */
  uploadId: string;
  /** When the upload was started, when the server says. */
  initiated?: Date;
}

/**
 * One `ListMultipartUploads` page.
 *
 * @example
 * ```ts
 * import type { UploadsPage } from "./_s3_multipart.ts";
 * const p: UploadsPage = { uploads: [] };
 * ```
 */
export interface UploadsPage {
  /** The page's uploads. */
  uploads: UploadListing[];
  /** Markers of the next page; undefined on the last page. */
  next?: { keyMarker: string; uploadIdMarker: string };
}

/**
 * One uploaded part.
 *
 * @example
 * ```ts
 * import type { PartListing } from "./_s3_multipart.ts";
 * const p: PartListing = { partNumber: 1, etag: '"9e107d9d372bb6826bd81d3542a419d6"', size: 16777216 };
 * ```
 */
export interface PartListing {
  /** 1-based part number. */
  partNumber: number;
  /** ETag as sent (quotes included). */
  etag: string;
  /** Size in bytes. */
  size: number;
}

/**
 * One `ListParts` page.
 *
 * @example
 * ```ts
 * import type { PartsPage } from "./_s3_multipart.ts";
 * const p: PartsPage = { parts: [], nextPartNumberMarker: undefined };
 * ```
 */
export interface PartsPage {
  /** The page's parts. */
  parts: PartListing[];
  /** Marker of the next page; undefined on the last page. */
  nextPartNumberMarker?: string;
}

function date(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  return isNaN(d.getTime()) ? undefined : d;
}

/**
 * Reads a `ListMultipartUploadsResult`.
 *
 * @example
 * ```ts
 * import { parseListUploads } from "./_s3_multipart.ts";
 * const page = parseListUploads(
 *   "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>a</Key>" +
 *     "<UploadId>2~x</UploadId><Initiated>2026-12-06T10:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>",
 * );
 * page.uploads[0].uploadId; // "2~x"
 * ```
 */
export function parseListUploads(xml: string): UploadsPage {
  const root = parseXml(xml);
  if (root.name !== "ListMultipartUploadsResult") {
    throw new SyntaxError(`expected ListMultipartUploadsResult, got <${root.name}>`);
  }
  const uploads: UploadListing[] = [];
  for (const c of root.children) {
    if (c.name !== "Upload") continue;
    const key = childText(c, "Key");
    const uploadId = childText(c, "UploadId");
    if (key === undefined || !uploadId) continue;
    uploads.push({ key, uploadId, initiated: date(childText(c, "Initiated")) });
  }
  const truncated = childText(root, "IsTruncated")?.trim() === "true";
  const keyMarker = childText(root, "NextKeyMarker");
  const uploadIdMarker = childText(root, "NextUploadIdMarker");
  return {
    uploads,
    next: truncated && keyMarker ? { keyMarker, uploadIdMarker: uploadIdMarker ?? "" } : undefined,
  };
}

/**
 * Reads a `ListPartsResult`.
 *
 * @example
 * ```ts
 * import { parseListParts } from "./_s3_multipart.ts";
 * const page = parseListParts(
 *   "<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber>" +
 *     "<ETag>&quot;abc&quot;</ETag><Size>5242880</Size></Part></ListPartsResult>",
 * );
 * page.parts[0].size; // 5242880
 * ```
 */
export function parseListParts(xml: string): PartsPage {
  const root = parseXml(xml);
  if (root.name !== "ListPartsResult") {
    throw new SyntaxError(`expected ListPartsResult, got <${root.name}>`);
  }
  const parts: PartListing[] = [];
  for (const c of root.children) {
    if (c.name !== "Part") continue;
    const n = Number(childText(c, "PartNumber"));
    if (!Number.isInteger(n) || n < 1) continue;
    parts.push({
      partNumber: n,
      etag: childText(c, "ETag") ?? "",
      size: Number(childText(c, "Size") ?? 0),
    });
  }
  const truncated = childText(root, "IsTruncated")?.trim() === "true";
  return {
    parts,
    nextPartNumberMarker: truncated
      ? childText(root, "NextPartNumberMarker") || undefined
      : undefined,
  };
}
