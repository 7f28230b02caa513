/**
 * A small XML reader for the S3 responses the lean request path parses itself
 * (`ListBucketResult`, `InitiateMultipartUploadResult`, `CompleteMultipartUploadResult`,
 * `Error`): elements, text, CDATA, comments and the XML declaration; the five predefined
 * entities and numeric character references are decoded. Not a general XML parser: no
 * DOCTYPE (refused), attributes are skipped, namespaces are ignored. Internal to the S3 store.
 *
 * @module
 */

/**
 * One element: its name, its child elements and its text (all text directly inside it,
 * concatenated, entities decoded).
 *
 * @example
 * ```ts
 * import type { XmlElement } from "./_s3_xml.ts";
 * const e: XmlElement = { name: "Key", text: "a.txt", children: [] };
 * ```
 */
export interface XmlElement {
  /** Element name (with any namespace prefix). */
  name: string;
  /** Text directly inside the element. */
  text: string;
  /** Child elements in document order. */
  children: XmlElement[];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-z]{2,4}));/g;
/** A start tag's inside without attributes: `Name` of `<Name>`. */
const SIMPLE_TAG = /^[^\s/>!?"'=<]+$/;
/** `<name attr="v" …>` or `<name …/>` at the current position. */
const START_TAG = /<([^\s/>!?]+)(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(\/?)>/y;

/**
 * Decodes `&amp; &lt; &gt; &quot; &apos;` and `&#…;` / `&#x…;`. An unknown or invalid
 * reference is left as it is.
 *
 * @example
 * ```ts
 * import { decodeXmlText } from "./_s3_xml.ts";
 * decodeXmlText("a &amp; b &#x1F389; &lt;c&gt;"); // "a & b 🎉 <c>"
 * ```
 */
export function decodeXmlText(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(ENTITY, (all, hex: string, dec: string, name: string) => {
    if (name !== undefined) return ENTITIES[name] ?? all;
    const code = parseInt(hex ?? dec, hex !== undefined ? 16 : 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

/**
 * Parses a document into its root element; throws a `SyntaxError` on malformed input
 * (unclosed or mismatched tags, text or a second element outside the root, DOCTYPE).
 *
 * @example
 * ```ts
 * import { parseXml } from "./_s3_xml.ts";
 * const root = parseXml('<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>');
 * root.children[0].text; // "NoSuchKey"
 * ```
 */
export function parseXml(xml: string): XmlElement {
  // XML normalises line ends; a literal CR only survives as `&#13;`.
  const s = xml.includes("\r") ? xml.replace(/\r\n?/g, "\n") : xml;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`malformed XML: ${what} at offset ${i}`);
  };
  const skipPast = (end: string) => {
    const at = s.indexOf(end, i);
    if (at < 0) fail(`missing "${end}"`);
    const body = s.slice(i, at);
    i = at + end.length;
    return body;
  };
  while (i < s.length) {
    const lt = s.indexOf("<", i);
    const textEnd = lt < 0 ? s.length : lt;
    if (textEnd > i) {
      const text = s.slice(i, textEnd);
      if (stack.length > 0) stack[stack.length - 1].text += decodeXmlText(text);
      else if (text.trim() !== "") fail("text outside the root element");
      i = textEnd;
      if (lt < 0) break;
    }
    const next = s.charCodeAt(i + 1);
    if (next === 0x2f /* </ */) {
      const open = stack.pop();
      const end = i + 2 + (open?.name.length ?? 0);
      if (open !== undefined && s.charCodeAt(end) === 0x3e && s.startsWith(open.name, i + 2)) {
        i = end + 1; // the usual `</Name>`
      } else {
        i += 2;
        const name = skipPast(">").trim();
        if (open?.name !== name) fail(`</${name}> does not close <${open?.name ?? ""}>`);
      }
    } else if (next === 0x3f /* <? */) {
      skipPast("?>");
    } else if (next === 0x21 /* <! */) {
      if (s.startsWith("<!--", i)) skipPast("-->");
      else if (s.startsWith("<![CDATA[", i)) {
        i += 9;
        const text = skipPast("]]>");
        if (stack.length === 0) fail("CDATA outside the root element");
        stack[stack.length - 1].text += text;
      } else fail("DOCTYPE is not supported");
    } else {
      let name: string;
      let selfClosing: boolean;
      const gt = s.indexOf(">", i);
      const simple = gt < 0 ? undefined : s.slice(i + 1, gt);
      if (simple !== undefined && SIMPLE_TAG.test(simple)) {
        // The usual case: `<Name>` without attributes.
        name = simple;
        selfClosing = false;
        i = gt + 1;
      } else {
        START_TAG.lastIndex = i;
        const m = START_TAG.exec(s) ?? fail("invalid start tag");
        i = START_TAG.lastIndex;
        name = m[1];
        selfClosing = m[2] === "/";
      }
      const element: XmlElement = { name, text: "", children: [] };
      if (stack.length > 0) stack[stack.length - 1].children.push(element);
      else if (root === undefined) root = element;
      else fail("a second root element");
      if (!selfClosing) stack.push(element);
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1].name}> is not closed`);
  return root ?? fail("no root element");
}

/**
 * The text of the first child element called `name`, or `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { childText, parseXml } from "./_s3_xml.ts";
 * childText(parseXml("<Error><Code>AccessDenied</Code></Error>"), "Code"); // "AccessDenied"
 * ```
 */
export function childText(element: XmlElement, name: string): string | undefined {
  for (const c of element.children) if (c.name === name) return c.text;
  return undefined;
}

/**
 * One object of a listing page.
 *
 * @example
 * ```ts
 * import type { ListedObject } from "./_s3_xml.ts";
 * const o: ListedObject = { key: "a.txt", size: 3, etag: '"900150983cd24fb0d6963f7d28e17f72"' };
 * ```
 */
export interface ListedObject {
  /** Object key. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** ETag as sent (quotes included). */
  etag?: string;
  /** Last modification time. */
  lastModified?: Date;
}

/**
 * One `ListObjectsV2` page.
 *
 * @example
 * ```ts
 * import type { ListPage } from "./_s3_xml.ts";
 * const page: ListPage = { objects: [], nextToken: undefined };
 * ```
 */
export interface ListPage {
  /** The page's objects (`Contents`). */
  objects: ListedObject[];
  /** Continuation token of the next page; undefined on the last page. */
  nextToken?: string;
}

/**
 * Reads a `ListBucketResult` (ListObjectsV2 without `EncodingType`): every `Contents`
 * (`Key`, `Size`, `ETag`, `LastModified`) and, when `IsTruncated`, `NextContinuationToken`.
 * Pass the response body as bytes where possible: the fields are then read straight out of
 * them as new strings (no element tree, and no key keeps the whole page alive, as substrings
 * of a page string would: 100,000 listed keys held ~35 MB of page text that way). Pages
 * with CDATA, comments or carriage returns go through {@linkcode parseXml}.
 *
 * @example
 * ```ts
 * import { parseListObjectsV2 } from "./_s3_xml.ts";
 * const page = parseListObjectsV2(
 *   "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a &amp; b</Key>" +
 *     "<Size>3</Size><ETag>&quot;x&quot;</ETag></Contents></ListBucketResult>",
 * );
 * page.objects[0].key; // "a & b"
 * ```
 */
export function parseListObjectsV2(xml: string | Uint8Array): ListPage {
  const text = typeof xml === "string" ? xml : utf8.decode(xml);
  // text offsets are byte offsets when every character is ASCII (almost every page)
  const bytes = typeof xml === "string" || xml.byteLength !== text.length ? undefined : xml;
  return scanListPage(text, bytes) ?? parseListTree(text);
}

const utf8 = new TextDecoder();

/**
 * The first `<name>…</name>` in `s[from, to)`: the text decoded, or `undefined` if none.
 * With `bytes` (the page's ASCII bytes), a retained field is decoded from them: a new
 * string, where a substring would keep the whole page text alive.
 */
function fieldText(
  s: string,
  name: string,
  from: number,
  to: number,
  bytes?: Uint8Array,
): string | undefined {
  const open = s.indexOf(`<${name}>`, from);
  if (open === -1 || open >= to) return undefined;
  const start = open + name.length + 2;
  const close = s.indexOf(`</${name}>`, start);
  if (close === -1 || close > to) return undefined;
  const raw = bytes === undefined
    ? s.slice(start, close)
    : utf8.decode(bytes.subarray(start, close));
  return decodeXmlText(raw);
}

/** The name of the document's root element (after the declaration and whitespace). */
function rootName(s: string): string | undefined {
  let i = 0;
  for (;;) {
    i = s.indexOf("<", i);
    if (i === -1) return undefined;
    const next = s[i + 1];
    if (next !== "?" && next !== "!") break;
    i += 2;
  }
  const m = /^[^\s/>]+/.exec(s.slice(i + 1, i + 200));
  return m?.[0];
}

/** The fast path of {@linkcode parseListObjectsV2}; `undefined` when the page needs the tree. */
function scanListPage(s: string, bytes?: Uint8Array): ListPage | undefined {
  if (
    s.includes("<![CDATA[") || s.includes("<!--") || s.includes("\r") || s.includes("<!DOCTYPE")
  ) {
    return undefined;
  }
  const root = rootName(s);
  if (root !== "ListBucketResult") {
    throw new SyntaxError(`expected ListBucketResult, got <${root}>`);
  }
  const objects: ListedObject[] = [];
  let pos = 0;
  for (;;) {
    const start = s.indexOf("<Contents>", pos);
    if (start === -1) break;
    const end = s.indexOf("</Contents>", start);
    if (end === -1) return undefined;
    pos = end + 11;
    const key = fieldText(s, "Key", start, end, bytes);
    if (key === undefined) return undefined; // an unusual shape: the tree decides
    const modified = fieldText(s, "LastModified", start, end);
    const date = modified === undefined ? undefined : new Date(modified);
    objects.push({
      key,
      size: Number(fieldText(s, "Size", start, end) ?? 0),
      etag: fieldText(s, "ETag", start, end, bytes),
      lastModified: date === undefined || isNaN(date.getTime()) ? undefined : date,
    });
  }
  if (objects.length === 0 && s.includes("<Contents")) return undefined;
  // the page's own fields (outside every Contents: keys never hold a raw "<")
  const truncated = fieldText(s, "IsTruncated", 0, s.length)?.trim() === "true";
  return {
    objects,
    nextToken: truncated
      ? fieldText(s, "NextContinuationToken", 0, s.length) || undefined
      : undefined,
  };
}

function parseListTree(xml: string): ListPage {
  const root = parseXml(xml);
  if (root.name !== "ListBucketResult") {
    throw new SyntaxError(`expected ListBucketResult, got <${root.name}>`);
  }
  const objects: ListedObject[] = [];
  for (const c of root.children) {
    if (c.name !== "Contents") continue;
    const key = childText(c, "Key");
    if (key === undefined) continue;
    const modified = childText(c, "LastModified");
    const date = modified === undefined ? undefined : new Date(modified);
    objects.push({
      key,
      size: Number(childText(c, "Size") ?? 0),
      etag: childText(c, "ETag"),
      lastModified: date === undefined || isNaN(date.getTime()) ? undefined : date,
    });
  }
  const truncated = childText(root, "IsTruncated")?.trim() === "true";
  return {
    objects,
    nextToken: truncated ? childText(root, "NextContinuationToken") || undefined : undefined,
  };
}
