/**
 * Downloading a URL to a file, atomically.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, link, lstat, mkdir, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AccsrError, LoadingError } from "../errors.ts";
import { type ByteProgress, createByteProgress } from "./_progress.ts";

/**
 * Progress of a download, reported to {@linkcode DownloadFileOptions.onProgress}.
 *
 * @example
 * ```ts
 * import type { DownloadProgress } from "accsr/loading";
 * const show = (p: DownloadProgress) => console.log(p);
 * ```
 */
export interface DownloadProgress {
  /** Bytes received (and written) so far. */
  receivedBytes: number;
  /** Expected size from `Content-Length`, when the server sent it. */
  totalBytes?: number;
}

/**
 * Options of {@linkcode downloadFile}.
 *
 * @example
 * ```ts
 * import type { DownloadFileOptions } from "accsr/loading";
 * const o: DownloadFileOptions = { overwriteExisting: true, headers: { authorization: "Bearer …" } };
 * ```
 */
export interface DownloadFileOptions {
  /**
   * Draws a progress bar counting the bytes received on stderr (when it is a terminal).
   * @default {false}
   */
  showProgress?: boolean;
  /**
   * Replaces `outputFile` when it exists; otherwise an existing file is an error.
   * @default {false}
   */
  overwriteExisting?: boolean;
  /**
   * Extra request headers, for this request only (and its redirects; `Authorization` and
   * `Cookie` are dropped when a redirect leaves the origin).
   */
  headers?: Record<string, string>;
  /** Aborts the download; the promise rejects with `signal.reason` and no file is left. */
  signal?: AbortSignal;
  /** Called after every chunk written, and once before the body is read. */
  onProgress?: (progress: DownloadProgress) => void;
}

const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const ORIGIN_BOUND_HEADERS = ["authorization", "cookie", "proxy-authorization"];
const SECRET_QUERY_PARAM = /sig|signature|token|secret|password|passwd|credential|key/i;

/**
 * Downloads `url` (http, https or file) to `outputFile`.
 *
 * The body is streamed to a temporary file beside the target (`.<name>.accsr-part-<random>`)
 * that is renamed to `outputFile` only once complete, so `outputFile` never holds a partial
 * download. Parent folders are created; a relative `outputFile` (even a bare file name)
 * resolves against the working directory. Redirects are followed (up to 20).
 *
 * Errors are {@linkcode LoadingError}s whose messages name the URL without credentials:
 * `"FILE_EXISTS"` when `outputFile` exists and `overwriteExisting` is not set (checked before
 * downloading), `"HTTP_ERROR"` (with `statusCode`) for an error status, `"DOWNLOAD_FAILED"`
 * when the server cannot be reached, `"DOWNLOAD_INCOMPLETE"` when the connection breaks or
 * the body is shorter or longer than its `Content-Length`, `"UNSUPPORTED_URL"` for other
 * protocols. In every failure case no file, partial or temporary, is left behind.
 *
 * Credentials in the URL (`https://user:pass@host/…`) are sent as HTTP Basic authentication.
 * The request asks for `Accept-Encoding: identity`, so the bytes saved are the file's bytes;
 * when a server sends a `Content-Encoding` anyway, Node's `fetch` decodes it (Deno's keeps
 * it) and the size check against `Content-Length` is skipped.
 *
 * @example
 * ```ts
 * import { downloadFile } from "accsr/loading";
 * await downloadFile("https://example.com/data.csv", "data/raw/data.csv", {
 *   overwriteExisting: true,
 *   headers: { "User-Agent": "my-tool/1.0" },
 * });
 * ```
 */
export async function downloadFile(
  url: string,
  outputFile: string,
  options: DownloadFileOptions = {},
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  const { target: parsed, authorization } = parseUrl(url);
  const shownUrl = redactUrl(parsed.href);
  const target = resolve(outputFile);
  if (!options.overwriteExisting && await exists(target)) throw fileExists(shownUrl, outputFile);

  let source: Source;
  try {
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      source = await fetchFollowingRedirects(parsed, shownUrl, authorization, options);
    } else if (parsed.protocol === "file:") {
      source = await fileSource(parsed, shownUrl);
    } else {
      throw new LoadingError(
        `Cannot download "${shownUrl}": unsupported protocol "${parsed.protocol}" (use http, https or file)`,
        { code: "UNSUPPORTED_URL" },
      );
    }
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw e;
  }

  const directory = dirname(target);
  let temp: string | undefined;
  let fh: FileHandle | undefined;
  let progress: ByteProgress | undefined;
  let received = 0;
  try {
    await mkdir(directory, { recursive: true });
    temp = join(directory, `.${basename(target)}.accsr-part-${randomBytes(6).toString("hex")}`);
    fh = await open(temp, "wx");
    if (options.showProgress) progress = createByteProgress(outputFile, source.totalBytes);
    const report = () => {
      progress?.update(received);
      options.onProgress?.({ receivedBytes: received, totalBytes: source.totalBytes });
    };
    report();
    for await (const chunk of readChunks(source, shownUrl, () => received)) {
      signal?.throwIfAborted();
      await writeAll(fh, chunk);
      received += chunk.byteLength;
      report();
    }
    signal?.throwIfAborted();
    if (source.checkLength && source.totalBytes !== undefined && received !== source.totalBytes) {
      throw new LoadingError(
        `Cannot download "${shownUrl}": received ${received} bytes, expected ${source.totalBytes} (the connection was cut or the server misbehaved; retry)`,
        { code: "DOWNLOAD_INCOMPLETE" },
      );
    }
    await fh.close();
    fh = undefined;
    await moveIntoPlace(temp, target, options.overwriteExisting ?? false, shownUrl, outputFile);
    temp = undefined;
  } catch (e) {
    await source.cancel().catch(() => {});
    if (signal?.aborted) throw signal.reason;
    if (e instanceof AccsrError) throw e;
    throw new LoadingError(
      `Cannot download "${shownUrl}" to "${outputFile}": ${describe(e)}`,
      { cause: e },
    );
  } finally {
    progress?.stop();
    await fh?.close().catch(() => {});
    if (temp !== undefined) await unlink(temp).catch(() => {});
  }
}

/** Splits user info off the URL: the URL to fetch, and a Basic `Authorization` value. */
function parseUrl(url: string): { target: URL; authorization?: string } {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TypeError(`Cannot download "${redactUrl(url)}": not a valid absolute URL`);
  }
  let authorization: string | undefined;
  if (target.username !== "" || target.password !== "") {
    const user = decodeURIComponent(target.username);
    const password = decodeURIComponent(target.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    target.username = "";
    target.password = "";
  }
  return { target, authorization };
}

/**
 * The URL as it may appear in messages: no user info, and the values of query parameters
 * that look like secrets (signatures, tokens, keys) replaced by `REDACTED`.
 */
function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, "$1");
  }
  parsed.username = "";
  parsed.password = "";
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY_PARAM.test(name)) parsed.searchParams.set(name, "REDACTED");
  }
  return parsed.href;
}

/** An open response body (or file) to copy. */
interface Source {
  body: AsyncIterable<Uint8Array>;
  totalBytes?: number;
  /** Whether `totalBytes` is the exact size of `body` (not so for content-encoded responses). */
  checkLength: boolean;
  /** The HTTP response, kept reachable while its body is read. */
  response?: Response;
  cancel(): Promise<void>;
}

async function fetchFollowingRedirects(
  start: URL,
  shownUrl: string,
  authorization: string | undefined,
  options: DownloadFileOptions,
): Promise<Source> {
  const headers = new Headers({ "accept-encoding": "identity" });
  if (authorization !== undefined) headers.set("authorization", authorization);
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  let current = start;
  for (let redirects = 0;; redirects++) {
    let response: Response;
    try {
      response = await fetch(current, {
        headers,
        redirect: "manual",
        signal: options.signal,
      });
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new LoadingError(`Cannot download "${shownUrl}": ${describe(e)}`, {
        code: "DOWNLOAD_FAILED",
        cause: e,
      });
    }
    const location = response.headers.get("location");
    if (REDIRECT_STATUSES.has(response.status) && location !== null) {
      await response.body?.cancel().catch(() => {});
      if (redirects >= MAX_REDIRECTS) {
        throw new LoadingError(
          `Cannot download "${shownUrl}": more than ${MAX_REDIRECTS} redirects (check the URL)`,
          { code: "TOO_MANY_REDIRECTS", statusCode: response.status },
        );
      }
      const next = new URL(location, current);
      if (next.origin !== current.origin) {
        for (const name of ORIGIN_BOUND_HEADERS) headers.delete(name);
      }
      current = next;
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      const via = current.href === start.href
        ? ""
        : ` (redirected to "${redactUrl(current.href)}")`;
      const hint = response.status === 404
        ? " (check the URL)"
        : response.status === 401 || response.status === 403
        ? " (check the credentials or headers)"
        : "";
      throw new LoadingError(
        `Cannot download "${shownUrl}": HTTP ${response.status}${
          response.statusText ? ` ${response.statusText}` : ""
        }${via}${hint}`,
        { code: "HTTP_ERROR", statusCode: response.status },
      );
    }
    const length = response.headers.get("content-length");
    const encoding = response.headers.get("content-encoding");
    const totalBytes = length !== null && /^\d+$/.test(length.trim()) ? Number(length) : undefined;
    const body = response.body;
    return {
      body: body === null ? emptyBody() : webStreamChunks(body),
      totalBytes,
      checkLength: encoding === null || encoding.trim().toLowerCase() === "identity",
      // Node's fetch (undici) cancels the body of a Response that is garbage-collected: the
      // source keeps the Response reachable until the body has been read
      response,
      cancel: async () => {
        await body?.cancel().catch(() => {});
      },
    };
  }
}

async function fileSource(url: URL, shownUrl: string): Promise<Source> {
  const path = fileURLToPath(url);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error("not a regular file"), { code: "EISDIR" });
    size = info.size;
  } catch (e) {
    throw new LoadingError(`Cannot download "${shownUrl}": ${describe(e)}`, {
      code: (e as NodeJS.ErrnoException).code === "ENOENT" ? "FILE_NOT_FOUND" : "DOWNLOAD_FAILED",
      cause: e,
    });
  }
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  return {
    body: stream as AsyncIterable<Uint8Array>,
    totalBytes: size,
    checkLength: true,
    cancel: () => Promise.resolve(void stream.destroy()),
  };
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

async function* webStreamChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The body's chunks; a failure while reading becomes `DOWNLOAD_INCOMPLETE`. */
async function* readChunks(
  source: Source,
  shownUrl: string,
  received: () => number,
): AsyncGenerator<Uint8Array> {
  const iterator = source.body[Symbol.asyncIterator]();
  while (true) {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await iterator.next();
    } catch (e) {
      const expected = source.totalBytes === undefined ? "" : ` of ${source.totalBytes}`;
      throw new LoadingError(
        `Cannot download "${shownUrl}": the connection broke after ${received()}${expected} bytes: ${
          describe(e)
        } (retry)`,
        { code: "DOWNLOAD_INCOMPLETE", cause: e },
      );
    }
    if (r.done) return;
    yield r.value;
  }
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Renames the finished temporary file to `target`; without overwrite, never replaces a file. */
async function moveIntoPlace(
  temp: string,
  target: string,
  overwrite: boolean,
  shownUrl: string,
  outputFile: string,
): Promise<void> {
  if (overwrite) {
    await rename(temp, target);
    return;
  }
  try {
    // link fails if the target appeared meanwhile, unlike rename
    await link(temp, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw fileExists(shownUrl, outputFile);
    // file systems without hard links: check, then rename
    if (await exists(target)) throw fileExists(shownUrl, outputFile);
    await rename(temp, target);
    return;
  }
  await unlink(temp);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function fileExists(shownUrl: string, outputFile: string): LoadingError {
  return new LoadingError(
    `Cannot download "${shownUrl}" to "${outputFile}": the file exists (pass overwriteExisting: true to replace it)`,
    { code: "FILE_EXISTS" },
  );
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error && e.cause.message !== e.message
    ? ` (${e.cause.message})`
    : "";
  return `${e.message}${cause}`;
}
