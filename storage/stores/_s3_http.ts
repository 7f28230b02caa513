/**
 * HTTP helpers of the lean S3 path (`_s3_fast.ts`): SigV4 encodings, metadata headers, reading
 * answers, S3 error XML to SDK-shaped errors, body writing with idle tracking, abortable sleep.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type http from "node:http";
import { BODY_CHUNK } from "./_idle.ts";
import type { ObjectHeaders } from "./_s3_ops.ts";
import { checksumHeaders } from "../remote_md5.ts";
import { childText, parseXml } from "./_s3_xml.ts";

/** RFC 3986 encoding (everything but `A-Z a-z 0-9 - _ . ~`), as SigV4 wants it. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The SigV4 canonical query string, which is also what is sent. */
export function canonicalQuery(query: Record<string, string | undefined> | undefined): string {
  if (query === undefined) return "";
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) pairs.push(`${encodeRfc3986(name)}=${encodeRfc3986(value)}`);
  }
  return pairs.sort().join("&");
}

export function addMetadata(headers: Record<string, string>, metadata?: Record<string, string>) {
  for (const [name, value] of Object.entries(metadata ?? {})) {
    headers[`x-amz-meta-${name.toLowerCase()}`] = value;
  }
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The root of an XML answer; an `<Error>` inside a 200 (S3 does that) is thrown. */
export function xmlResult(
  res: { status: number; headers: http.IncomingHttpHeaders; body: Buffer },
) {
  const text = res.body.toString("utf8");
  const root = parseXml(text);
  if (root.name === "Error") throw s3Error(res.status, text, res.headers);
  return root;
}

export function objectHeaders(h: http.IncomingHttpHeaders): ObjectHeaders {
  const text = (v: string | string[] | undefined) => typeof v === "string" ? v : undefined;
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    if (name.startsWith("x-amz-meta-") && typeof value === "string") {
      metadata[name.slice(11)] = value;
    }
  }
  const modified = text(h["last-modified"]);
  const parts = text(h["x-amz-mp-parts-count"]);
  return {
    etag: text(h.etag),
    size: h["content-length"] === undefined ? undefined : Number(h["content-length"]),
    lastModified: modified === undefined ? undefined : new Date(modified),
    metadata,
    sseCustomerAlgorithm: text(h["x-amz-server-side-encryption-customer-algorithm"]),
    serverSideEncryption: text(h["x-amz-server-side-encryption"]),
    partsCount: parts === undefined ? undefined : Number(parts),
    contentRange: text(h["content-range"]),
    checksums: checksumHeaders(h),
    versionId: text(h["x-amz-version-id"]),
  };
}

export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/**
 * Writes the body in pieces, honouring back-pressure; each piece the socket takes counts as
 * progress (a stalled upload stops taking pieces, so its idle time is measured exactly).
 */
export function writeBody(
  req: http.ClientRequest,
  body: Uint8Array | undefined,
  touch: () => void,
) {
  if (body === undefined || body.byteLength <= BODY_CHUNK) {
    req.end(body, touch);
    return;
  }
  let offset = 0;
  const next = () => {
    touch();
    while (offset < body.byteLength) {
      const end = Math.min(offset + BODY_CHUNK, body.byteLength);
      const ok = req.write(body.subarray(offset, end), touch);
      offset = end;
      if (!ok) {
        req.once("drain", next);
        return;
      }
    }
    req.end(touch);
  };
  next();
}

/**
 * An error shaped like the SDK's: `name` = S3 code from the error XML, `$metadata`; with
 * `bucketRegion` from `x-amz-bucket-region`.
 */
export function s3Error(status: number, body: string, headers: http.IncomingHttpHeaders): Error {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const root = parseXml(body);
    if (root.name === "Error") {
      code = childText(root, "Code") || undefined;
      message = childText(root, "Message") || undefined;
    }
  } catch {
    // no XML (HEAD has no body): the status decides
  }
  code ??= status === 404
    ? "NotFound"
    : status === 403
    ? "Forbidden"
    : status === 412
    ? "PreconditionFailed"
    : `HTTP${status}`;
  return Object.assign(new Error(message ?? code), {
    name: code,
    Code: code,
    $metadata: {
      httpStatusCode: status,
      requestId: headers["x-amz-request-id"] as string | undefined,
    },
    // the bucket's region, on a redirect or a wrongly signed region (region discovery)
    bucketRegion: headers["x-amz-bucket-region"] as string | undefined,
  });
}

/** A body that ends early is a dropped connection (worth a retry), whatever the stream says. */
export function prematureClose(error: unknown): unknown {
  const code = (error as { code?: string } | undefined)?.code;
  return code === "ERR_STREAM_PREMATURE_CLOSE"
    ? Object.assign(new Error("the connection closed before the answer ended"), {
      code: "ECONNRESET",
      cause: error,
    })
    : error;
}

export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error("The operation was aborted"), {
    name: "AbortError",
    cause: signal.reason,
  });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
