/**
 * Reading one member of a tar archive, with the compression (none, gzip, bzip2, xz) detected
 * from the file's content.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { extract as tarExtract, type Header } from "npm:tar-stream@^3.2.2";
// @ts-types="../_types/unbzip2_stream.d.ts"
import unbzip2Stream from "npm:unbzip2-stream@^1.4.3";
import * as xzDecompress from "npm:xz-decompress@^0.2.3";
import { AccsrError, LoadingError } from "../errors.ts";

/**
 * Options of {@linkcode openFileInTar} and {@linkcode readFileFromTar}.
 *
 * @example
 * ```ts
 * import type { OpenFileInTarOptions } from "accsr/loading";
 * const o: OpenFileInTarOptions = {};
 * ```
 */
export interface OpenFileInTarOptions {
  /**
   * Aborts the scan of the archive and any later read of the entry; the promise or stream
   * then rejects with `signal.reason`.
   */
  signal?: AbortSignal;
}

/**
 * One regular file inside a tar archive, returned by {@linkcode openFileInTar}.
 *
 * The content is read lazily from the archive: every call of `bytes()`, `text()` or
 * `stream()` reads the member from its start. After `close()` (or the end of an
 * `await using` block) `closed` is `true`, streams still open are cancelled and further reads
 * throw a {@linkcode LoadingError} with code `"ENTRY_CLOSED"`.
 *
 * @example
 * ```ts
 * import { openFileInTar } from "accsr/loading";
 * await using entry = await openFileInTar("tests/testdata/loading/sample.tgz", "sample\\.txt");
 * console.log(entry.name, entry.size, await entry.text());
 * ```
 */
export interface TarEntry extends AsyncDisposable {
  /** Member name as stored in the archive, e.g. `"data/sample.txt"`. */
  readonly name: string;
  /** Size of the member in bytes. */
  readonly size: number;
  /** `true` once `close()` was called (directly or by `await using`). */
  readonly closed: boolean;
  /** The whole member content. */
  bytes(): Promise<Uint8Array>;
  /** The whole member content decoded as UTF-8 (invalid sequences become U+FFFD). */
  text(): Promise<string>;
  /**
   * The member content as a stream, read from the archive as it is consumed (bounded
   * memory, whatever the member size).
   */
  stream(): ReadableStream<Uint8Array>;
  /** Releases the entry; idempotent. */
  close(): Promise<void>;
}

type Compression = "none" | "gzip" | "bzip2" | "xz";

/** Where the single matching member lives, found by the first pass over the archive. */
interface MemberInfo {
  name: string;
  size: number;
  /** Position among all tar entries (0-based), used to find it again in the second pass. */
  index: number;
  /** Offset of the member's data in the uncompressed tar stream. */
  dataOffset: number;
}

/** Members up to this size are kept from the first pass, so reading them costs no second pass. */
const BUFFER_LIMIT = 8 * 1024 * 1024;
const CHUNK_SIZE = 64 * 1024;
const MAX_LISTED = 20;

const unbzip2 = unbzip2Stream as () => NodeJS.ReadWriteStream;

/** The package is UMD, so its named export is only found on the CommonJS default export. */
const XzReadableStream: typeof xzDecompress.XzReadableStream = xzDecompress.XzReadableStream ??
  (xzDecompress as unknown as { default: typeof xzDecompress }).default.XzReadableStream;

/**
 * Opens the single regular file of the tar archive at `path` whose name matches
 * `fileRegex`, anchored at the start like Python's `re.match` (`"data/"` matches
 * `data/x.csv`, not `raw/data/x.csv`; a `RegExp`'s flags are kept, except `g`). The syntax is
 * JavaScript's (`(?<name>…)`, not Python's `(?P<name>…)`). The archive may be plain, gzip-,
 * bzip2- or xz-compressed; the format is detected from the content, not the file name.
 *
 * Directories, symbolic and hard links and other special members are never candidates. When zero or several
 * regular files match (the default `".*"` matches every file, so it only suits
 * one-file archives), a {@linkcode LoadingError} with code `"TAR_NO_MATCH"` or
 * `"TAR_AMBIGUOUS_MATCH"` lists the matches (or the archive's files). A missing file gives
 * `"FILE_NOT_FOUND"`; zip files, other compressions and corrupt archives give `"BAD_ARCHIVE"`.
 *
 * The archive is scanned once to find the match (without keeping other members in memory);
 * a member larger than 8 MiB is streamed from the archive again when read. Note that xz
 * decompression (WASM) is serialised process-wide: finish or close one xz entry's stream
 * before starting to read another xz archive.
 *
 * @example
 * ```ts
 * import { openFileInTar } from "accsr/loading";
 * const entry = await openFileInTar("tests/testdata/loading/sample.tgz", /sample_2/);
 * try {
 *   for await (const chunk of entry.stream()) console.log(chunk.byteLength);
 * } finally {
 *   await entry.close();
 * }
 * console.log(entry.closed); // true
 * ```
 */
export async function openFileInTar(
  path: string,
  fileRegex: string | RegExp = ".*",
  options: OpenFileInTarOptions = {},
): Promise<TarEntry> {
  const matches = anchoredMatcher(fileRegex);
  const signal = options.signal;
  signal?.throwIfAborted();
  const compression = await detectCompression(path);
  const scan = await scanArchive(path, compression, matches, signal);
  if (scan.matches.length !== 1) {
    const pattern = String(fileRegex instanceof RegExp ? fileRegex : `/${fileRegex}/`);
    if (scan.matches.length === 0) {
      throw new LoadingError(
        `Cannot open a member of tar archive "${path}": regular expression ${pattern} matched ` +
          `no regular file (the archive's files: ${listNames(scan.fileNames, scan.fileCount)})`,
        { code: "TAR_NO_MATCH" },
      );
    }
    throw new LoadingError(
      `Cannot open a member of tar archive "${path}": regular expression ${pattern} matched ` +
        `${scan.matches.length} regular files: ${
          listNames(scan.matches.map((m) => m.name), scan.matches.length)
        } (exactly one must match; make the expression more specific)`,
      { code: "TAR_AMBIGUOUS_MATCH" },
    );
  }
  return new ArchiveMember(path, compression, scan.matches[0], scan.buffered, signal);
}

/**
 * Reads the single regular file of the tar archive at `path` whose name matches
 * `fileRegex` (see {@linkcode openFileInTar} for the matching rules and errors).
 *
 * @example
 * ```ts
 * import { readFileFromTar } from "accsr/loading";
 * const data = await readFileFromTar("tests/testdata/loading/sample.tgz", "sample_2");
 * console.log(new TextDecoder().decode(data));
 * ```
 */
export async function readFileFromTar(
  path: string,
  fileRegex: string | RegExp = ".*",
  options: OpenFileInTarOptions = {},
): Promise<Uint8Array> {
  const entry = await openFileInTar(path, fileRegex, options);
  try {
    return await entry.bytes();
  } finally {
    await entry.close();
  }
}

/** A test `name → boolean` with Python `re.match` semantics (match at index 0 only). */
function anchoredMatcher(fileRegex: string | RegExp): (name: string) => boolean {
  let re: RegExp;
  if (fileRegex instanceof RegExp) {
    re = new RegExp(fileRegex.source, fileRegex.flags.replace(/[gy]/g, "") + "y");
  } else if (typeof fileRegex === "string") {
    re = new RegExp(fileRegex, "y");
  } else {
    throw new TypeError(
      `Cannot open a member of a tar archive: fileRegex must be a string or a RegExp, got ${typeof fileRegex}`,
    );
  }
  return (name) => {
    re.lastIndex = 0;
    return re.test(name);
  };
}

function listNames(names: readonly string[], total: number): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => JSON.stringify(n)).join(", ");
  return `[${shown}${total > MAX_LISTED ? `, … ${total - MAX_LISTED} more` : ""}]`;
}

function isRegularFile(header: Header): boolean {
  return header.type === "file" || header.type === "contiguous-file";
}

/** Detects the compression from the first bytes; rejects missing files, zip and the like. */
async function detectCompression(path: string): Promise<Compression> {
  let fh: FileHandle;
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new LoadingError(
        `Cannot open tar archive "${path}": not a regular file (pass the archive's path)`,
        { code: "NOT_A_FILE" },
      );
    }
    fh = await open(path, "r");
  } catch (e) {
    if (e instanceof AccsrError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new LoadingError(
      `Cannot open tar archive "${path}": ${
        code === "ENOENT" ? "no such file (check the path)" : (e as Error).message
      }`,
      { code: code === "ENOENT" ? "FILE_NOT_FOUND" : "LOADING_ERROR", cause: e },
    );
  }
  let head: Uint8Array;
  try {
    const buf = new Uint8Array(8);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const bad = (what: string) =>
    new LoadingError(
      `Cannot open tar archive "${path}": ${what} (expected a tar archive, optionally gzip, bzip2 or xz compressed)`,
      { code: "BAD_ARCHIVE" },
    );
  if (head.length === 0) throw bad("the file is empty");
  if (starts(0x1f, 0x8b)) return "gzip";
  if (starts(0x42, 0x5a, 0x68)) return "bzip2";
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return "xz";
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) {
    throw bad("it is a zip archive, which is not supported");
  }
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) throw bad("zstd compression is not supported");
  return "none";
}

/** The uncompressed tar byte stream of the archive. */
function decompressedStream(path: string, compression: Compression): Readable {
  switch (compression) {
    case "none":
      return createReadStream(path, { highWaterMark: CHUNK_SIZE });
    case "gzip": {
      const source = createReadStream(path, { highWaterMark: CHUNK_SIZE });
      const gunzip = createGunzip({ chunkSize: CHUNK_SIZE });
      source.on("error", (e) => gunzip.destroy(e));
      gunzip.on("close", () => source.destroy());
      return source.pipe(gunzip);
    }
    case "bzip2": {
      const source = createReadStream(path, { highWaterMark: CHUNK_SIZE });
      const bunzip = unbzip2();
      const out = fromClassicStream(bunzip);
      source.on("error", (e) => out.destroy(e));
      out.on("close", () => source.destroy());
      source.pipe(bunzip);
      return out;
    }
    case "xz": {
      const xz = new XzReadableStream(fileWebStream(path));
      return Readable.fromWeb(xz as unknown as NodeWebReadableStream<Uint8Array>, {
        highWaterMark: CHUNK_SIZE,
      });
    }
  }
}

/**
 * A modern Readable over a classic (`through`) stream, with backpressure. Unlike
 * `Readable.wrap`, it does not destroy itself when the classic stream auto-destroys right
 * after `end`, before the last data was consumed.
 */
function fromClassicStream(classic: NodeJS.ReadWriteStream): Readable {
  const out = new Readable({
    highWaterMark: CHUNK_SIZE,
    read() {
      classic.resume();
    },
    destroy(error, callback) {
      (classic as unknown as { destroy?: () => void }).destroy?.();
      callback(error);
    },
  });
  classic.on("data", (chunk: Uint8Array) => {
    if (!out.push(chunk)) classic.pause();
  });
  classic.on("end", () => out.push(null));
  classic.on("error", (e: Error) => out.destroy(e));
  return out;
}

/** A pull-driven web stream of a file (Node's `Readable.toWeb` does not honour backpressure everywhere). */
function fileWebStream(path: string): ReadableStream<Uint8Array> {
  let fh: FileHandle | undefined;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (fh === undefined) {
        const opened = await open(path, "r");
        if (cancelled) {
          await opened.close();
          return;
        }
        fh = opened;
      }
      const buf = new Uint8Array(CHUNK_SIZE);
      const { bytesRead } = await fh.read(buf, 0, CHUNK_SIZE, null);
      if (bytesRead === 0) {
        await fh.close();
        fh = undefined;
        cancelled = true;
        controller.close();
      } else {
        controller.enqueue(buf.subarray(0, bytesRead));
      }
    },
    async cancel() {
      cancelled = true;
      const handle = fh;
      fh = undefined;
      await handle?.close();
    },
  }, { highWaterMark: 0 });
}

/** The tar entries of the archive, with a teardown for the whole pipeline. */
function openTar(path: string, compression: Compression) {
  const input = decompressedStream(path, compression);
  // allowUnknownFormat: accept pre-POSIX (v7) headers too, like Python's tarfile
  const entries = tarExtract({ allowUnknownFormat: true } as Parameters<typeof tarExtract>[0]);
  let destroyed = false;
  const destroy = (error?: Error) => {
    if (destroyed) return;
    destroyed = true;
    entries.destroy(error);
    input.destroy();
  };
  void pump(input, entries, destroy);
  return { entries, destroy };
}

/**
 * Feeds the decompressed bytes to the tar parser with backpressure. (Node's `pipe` into the
 * streamx-based parser can miss a `drain` and stall, seen with bzip2 input.)
 */
async function pump(
  input: Readable,
  entries: ReturnType<typeof tarExtract>,
  destroy: (error?: Error) => void,
): Promise<void> {
  try {
    for await (const chunk of input) {
      if (entries.destroyed) return;
      if (!entries.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            entries.off("drain", done);
            entries.off("close", done);
            resolve();
          };
          entries.on("drain", done);
          entries.on("close", done);
        });
      }
    }
    if (!entries.destroyed) (entries as unknown as { end(): void }).end();
  } catch (e) {
    destroy(e instanceof Error ? e : new Error(String(e)));
  }
}

function archiveError(path: string, e: unknown): unknown {
  if (e instanceof AccsrError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new LoadingError(
    `Cannot read tar archive "${path}": ${message} (the archive is corrupt, truncated or not a tar archive)`,
    { code: "BAD_ARCHIVE", cause: e },
  );
}

/** Runs `work` with `teardown` called on abort; rejects with the abort reason if aborted. */
async function abortable<T>(
  signal: AbortSignal | undefined,
  teardown: (reason: unknown) => void,
  work: () => Promise<T>,
): Promise<T> {
  if (signal === undefined) return await work();
  signal.throwIfAborted();
  const onAbort = () => teardown(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await work();
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw e;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

interface ScanResult {
  matches: MemberInfo[];
  /** The first regular file names (for messages) and their total number. */
  fileNames: string[];
  fileCount: number;
  /** The content of the only match, when it is small and the archive compressed. */
  buffered?: Uint8Array[];
}

/** First pass: lists the regular files, keeps the matches (and a small single match's data). */
async function scanArchive(
  path: string,
  compression: Compression,
  matches: (name: string) => boolean,
  signal: AbortSignal | undefined,
): Promise<ScanResult> {
  const tar = openTar(path, compression);
  const result: ScanResult = { matches: [], fileNames: [], fileCount: 0 };
  try {
    return await abortable(signal, (reason) => tar.destroy(reason as Error), async () => {
      let index = 0;
      for await (const entry of tar.entries) {
        const header = entry.header;
        const position = index++;
        if (!isRegularFile(header)) {
          entry.resume();
          continue;
        }
        result.fileCount++;
        if (result.fileNames.length < MAX_LISTED) result.fileNames.push(header.name);
        if (!matches(header.name)) {
          entry.resume();
          continue;
        }
        result.matches.push({
          name: header.name,
          size: header.size,
          index: position,
          dataOffset: (header as Header & { byteOffset: number }).byteOffset,
        });
        if (result.matches.length === 1 && compression !== "none" && header.size <= BUFFER_LIMIT) {
          const chunks: Uint8Array[] = [];
          for await (const chunk of entry) chunks.push(chunk as Uint8Array);
          result.buffered = chunks;
          continue;
        }
        result.buffered = undefined;
        entry.resume();
      }
      return result;
    });
  } catch (e) {
    throw signal?.aborted ? e : archiveError(path, e);
  } finally {
    tar.destroy();
  }
}

/** A source of chunks with an explicit teardown that interrupts a pending read. */
interface ChunkSource {
  next(): Promise<Uint8Array | null>;
  destroy(error?: Error): void;
}

/** Chunks of a Node or streamx readable, pulled one at a time. */
function readableSource(readable: AsyncIterable<unknown>, teardown: () => void): ChunkSource {
  const iterator = readable[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await iterator.next();
      return r.done ? null : r.value as Uint8Array;
    },
    destroy() {
      teardown();
    },
  };
}

/** Second pass: the member's bytes, straight from the archive. */
function memberSource(path: string, compression: Compression, info: MemberInfo): ChunkSource {
  if (compression === "none") {
    if (info.size === 0) return { next: () => Promise.resolve(null), destroy() {} };
    const file = createReadStream(path, {
      start: info.dataOffset,
      end: info.dataOffset + info.size - 1,
      highWaterMark: CHUNK_SIZE,
    });
    return readableSource(file, () => file.destroy());
  }
  const tar = openTar(path, compression);
  const entries = tar.entries[Symbol.asyncIterator]();
  let member: AsyncIterator<unknown> | undefined;
  let position = 0;
  let done = false;
  return {
    async next() {
      if (done) return null;
      while (member === undefined) {
        const r = await entries.next();
        if (r.done) throw archiveChanged(path, info);
        if (position++ < info.index) {
          r.value.resume();
          continue;
        }
        const header = r.value.header;
        if (header.name !== info.name || header.size !== info.size || !isRegularFile(header)) {
          throw archiveChanged(path, info);
        }
        member = r.value[Symbol.asyncIterator]();
      }
      const r = await member.next();
      if (r.done) {
        done = true;
        tar.destroy();
        return null;
      }
      return r.value as Uint8Array;
    },
    destroy(error?: Error) {
      done = true;
      tar.destroy(error);
    },
  };
}

function archiveChanged(path: string, info: MemberInfo): LoadingError {
  return new LoadingError(
    `Cannot read "${info.name}" from tar archive "${path}": the member is gone (the archive changed since it was opened)`,
    { code: "BAD_ARCHIVE" },
  );
}

function closedError(name: string): LoadingError {
  return new LoadingError(
    `Cannot read "${name}" from tar archive: the entry is closed (read it before closing it)`,
    { code: "ENTRY_CLOSED" },
  );
}

/** The {@linkcode TarEntry} implementation. */
class ArchiveMember implements TarEntry {
  readonly name: string;
  readonly size: number;
  #closed = false;
  readonly #path: string;
  readonly #compression: Compression;
  readonly #info: MemberInfo;
  #buffered: Uint8Array[] | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #active = new Set<(error: Error) => void>();

  constructor(
    path: string,
    compression: Compression,
    info: MemberInfo,
    buffered: Uint8Array[] | undefined,
    signal: AbortSignal | undefined,
  ) {
    this.name = info.name;
    this.size = info.size;
    this.#path = path;
    this.#compression = compression;
    this.#info = info;
    this.#buffered = buffered;
    this.#signal = signal;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async bytes(): Promise<Uint8Array> {
    const out = new Uint8Array(this.size);
    let offset = 0;
    const reader = this.stream().getReader();
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        if (offset + value.byteLength > out.length) throw this.#sizeMismatch();
        out.set(value, offset);
        offset += value.byteLength;
      }
    } catch (e) {
      await reader.cancel().catch(() => {});
      throw e;
    } finally {
      reader.releaseLock();
    }
    if (offset !== out.length) throw this.#sizeMismatch();
    return out;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  stream(): ReadableStream<Uint8Array> {
    if (this.#closed) throw closedError(this.name);
    this.#signal?.throwIfAborted();
    const buffered = this.#buffered;
    let source: ChunkSource | undefined;
    let finished = false;
    let closer: ((error: Error) => void) | undefined;
    const signal = this.#signal;
    const onAbort = () => closer?.(signal!.reason);
    const finish = () => {
      finished = true;
      if (closer) this.#active.delete(closer);
      signal?.removeEventListener("abort", onAbort);
    };
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        closer = (error: Error) => {
          if (finished) return;
          finish();
          source?.destroy();
          try {
            controller.error(error);
          } catch { /* already closed */ }
        };
        this.#active.add(closer);
        signal?.addEventListener("abort", onAbort, { once: true });
      },
      pull: async (controller) => {
        if (finished) return;
        if (source === undefined) {
          if (buffered !== undefined) {
            let i = 0;
            source = {
              next: () => Promise.resolve(i < buffered.length ? buffered[i++] : null),
              destroy() {},
            };
          } else {
            source = memberSource(this.#path, this.#compression, this.#info);
          }
        }
        let chunk: Uint8Array | null;
        try {
          chunk = await source.next();
        } catch (e) {
          if (finished) return;
          finish();
          source.destroy();
          controller.error(archiveError(this.#path, e));
          return;
        }
        if (finished) return;
        if (chunk === null) {
          finish();
          controller.close();
        } else {
          controller.enqueue(chunk);
        }
      },
      cancel: () => {
        if (finished) return;
        finish();
        source?.destroy();
      },
    }, { highWaterMark: 0 });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#buffered = undefined;
      for (const close of [...this.#active]) close(closedError(this.name));
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #sizeMismatch(): LoadingError {
    return new LoadingError(
      `Cannot read "${this.name}" from tar archive "${this.#path}": the size differs from the header's ${this.size} bytes (the archive is corrupt)`,
      { code: "BAD_ARCHIVE" },
    );
  }
}
