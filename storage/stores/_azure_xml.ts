/**
 * Lean readers of the Blob service's XML answers (`List Blobs`, `Get Block List`, error
 * bodies): the fields accsr uses, found with `indexOf` scans instead of a DOM or the SDK's
 * deserialiser (which built several objects per listed blob and dominated the CPU of a no-op
 * push). Internal to the Azure store.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/**
 * One listed blob, as {@linkcode parseListBlobs} reads it.
 *
 * @example
 * ```ts
 * import type { ListedBlob } from "./_azure_xml.ts";
 * const b: ListedBlob = { name: "a.txt", size: 3, metadata: {} };
 * ```
 */
export interface ListedBlob {
  /** Blob name (decoded). */
  name: string;
  /** Content-Length. */
  size: number;
  /** ETag as listed (unquoted). */
  etag?: string;
  /** Content-MD5 as 16 bytes, when the blob has one. */
  contentMD5?: Uint8Array;
  /** Last-Modified. */
  lastModified?: Date;
  /** Metadata, names as stored. */
  metadata: Record<string, string>;
}

const ENTITY = /&(?:#x([0-9a-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Text with XML entities decoded. */
export function xmlText(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(
    ENTITY,
    (_, hex, dec, name) =>
      hex !== undefined
        ? String.fromCodePoint(parseInt(hex, 16))
        : dec !== undefined
        ? String.fromCodePoint(parseInt(dec, 10))
        : NAMED[name],
  );
}

/** The text of the first `<tag>…</tag>` in `xml[from, to)`, or undefined (`<tag/>`: ""). */
function field(xml: string, tag: string, from: number, to: number): string | undefined {
  const open = xml.indexOf(`<${tag}`, from);
  if (open < 0 || open >= to) return undefined;
  const gt = xml.indexOf(">", open);
  if (gt < 0 || gt >= to) return undefined;
  if (xml[gt - 1] === "/") return "";
  const close = xml.indexOf(`</${tag}>`, gt);
  if (close < 0 || close > to) return undefined;
  return xml.slice(gt + 1, close);
}

/**
 * The blobs and the next marker of one `List Blobs` page (flat listing, `include=metadata`).
 * Names sent percent-encoded (`<Name Encoded="true">`, for characters XML cannot carry) are
 * decoded.
 *
 * @example
 * ```ts
 * import { parseListBlobs } from "./_azure_xml.ts";
 * const page = parseListBlobs(
 *   "<EnumerationResults><Blobs><Blob><Name>a</Name><Properties><Content-Length>3</Content-Length>" +
 *     "</Properties><Metadata><md5>x</md5></Metadata></Blob></Blobs><NextMarker/></EnumerationResults>",
 * );
 * console.log(page.blobs[0].name, page.blobs[0].size, page.next); // a 3 undefined
 * ```
 */
export function parseListBlobs(xml: string): { blobs: ListedBlob[]; next?: string } {
  const blobs: ListedBlob[] = [];
  let at = 0;
  for (;;) {
    const start = xml.indexOf("<Blob>", at);
    if (start < 0) break;
    const end = xml.indexOf("</Blob>", start);
    if (end < 0) throw new Error("malformed List Blobs answer: <Blob> not closed");
    at = end + 7;
    // name (possibly percent-encoded)
    const nameOpen = xml.indexOf("<Name", start);
    const nameGt = xml.indexOf(">", nameOpen);
    const nameClose = xml.indexOf("</Name>", nameGt);
    if (nameOpen < 0 || nameOpen > end || nameClose < 0 || nameClose > end) {
      throw new Error("malformed List Blobs answer: a blob without <Name>");
    }
    let name = xmlText(xml.slice(nameGt + 1, nameClose));
    if (/Encoded\s*=\s*"true"/i.test(xml.slice(nameOpen, nameGt))) name = decodeURIComponent(name);
    const propsAt = xml.indexOf("<Properties>", nameClose);
    const propsEnd = propsAt < 0 || propsAt > end ? end : xml.indexOf("</Properties>", propsAt);
    const p0 = propsAt < 0 || propsAt > end ? end : propsAt;
    const length = field(xml, "Content-Length", p0, propsEnd);
    const md5 = field(xml, "Content-MD5", p0, propsEnd);
    const modified = field(xml, "Last-Modified", p0, propsEnd);
    const etag = field(xml, "Etag", p0, propsEnd);
    const metadata: Record<string, string> = {};
    const metaAt = xml.indexOf("<Metadata>", propsEnd);
    if (metaAt >= 0 && metaAt < end) {
      const metaEnd = xml.indexOf("</Metadata>", metaAt);
      let m = metaAt + 10;
      while (m < metaEnd) {
        const lt = xml.indexOf("<", m);
        if (lt < 0 || lt >= metaEnd) break;
        const gt = xml.indexOf(">", lt);
        const tag = xml.slice(lt + 1, gt);
        if (tag.endsWith("/")) {
          metadata[tag.slice(0, -1).trim()] = "";
          m = gt + 1;
          continue;
        }
        const close = xml.indexOf(`</${tag}>`, gt);
        if (close < 0 || close > metaEnd) break;
        metadata[tag] = xmlText(xml.slice(gt + 1, close));
        m = close + tag.length + 3;
      }
    }
    const bytes = md5 ? Buffer.from(md5, "base64") : undefined;
    blobs.push({
      name,
      size: length ? Number(length) : 0,
      etag: etag === undefined ? undefined : xmlText(etag),
      contentMD5: bytes !== undefined && bytes.length === 16 ? bytes : undefined,
      lastModified: modified ? new Date(modified) : undefined,
      metadata,
    });
  }
  const next = field(xml, "NextMarker", at, xml.length);
  return { blobs, next: next ? xmlText(next) : undefined };
}

/**
 * The uncommitted blocks (base64 id → size) of a `Get Block List` answer.
 *
 * @example
 * ```ts
 * import { parseUncommittedBlocks } from "./_azure_xml.ts";
 * const m = parseUncommittedBlocks(
 *   "<BlockList><CommittedBlocks/><UncommittedBlocks><Block><Name>QQ==</Name><Size>5</Size></Block></UncommittedBlocks></BlockList>",
 * );
 * console.log(m.get("QQ==")); // 5
 * ```
 */
export function parseUncommittedBlocks(xml: string): Map<string, number> {
  const out = new Map<string, number>();
  const from = xml.indexOf("<UncommittedBlocks>");
  if (from < 0) return out;
  const to = xml.indexOf("</UncommittedBlocks>", from);
  let at = from;
  for (;;) {
    const start = xml.indexOf("<Block>", at);
    if (start < 0 || (to >= 0 && start > to)) break;
    const end = xml.indexOf("</Block>", start);
    if (end < 0) break;
    const name = field(xml, "Name", start, end);
    const size = field(xml, "Size", start, end);
    if (name !== undefined) out.set(xmlText(name), Number(size ?? 0));
    at = end + 8;
  }
  return out;
}

/**
 * Code and message of an error body (`<Error><Code>…</Code><Message>…</Message></Error>`).
 *
 * @example
 * ```ts
 * import { parseErrorXml } from "./_azure_xml.ts";
 * console.log(parseErrorXml("<Error><Code>BlobNotFound</Code><Message>x</Message></Error>").code);
 * ```
 */
export function parseErrorXml(xml: string): { code?: string; message?: string } {
  const code = field(xml, "Code", 0, xml.length);
  const message = field(xml, "Message", 0, xml.length);
  return {
    code: code ? xmlText(code) : undefined,
    message: message ? xmlText(message).split("\n")[0] : undefined,
  };
}
