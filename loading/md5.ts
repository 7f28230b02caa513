/**
 * Streaming MD5 of a file.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { AccsrError } from "../errors.ts";

/**
 * Options of {@linkcode md5sum}.
 *
 * @example
 * ```ts
 * import { md5sum } from "./md5.ts";
 * await md5sum("README.md", { signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface Md5sumOptions {
  /** Aborts the read; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * MD5 of a file's content as lower-case hex, read as a stream (constant memory, unlike
 * accsr which reads the whole file).
 *
 * Throws an {@linkcode AccsrError} with code `NOT_A_FILE` when `path` is missing or not a
 * regular file (accsr: a bare `AssertionError`).
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { md5sum } from "./md5.ts";
 * const path = join(tmpdir(), "empty.txt");
 * await writeFile(path, "");
 * console.log(await md5sum(path)); // d41d8cd98f00b204e9800998ecf8427e
 * ```
 */
export async function md5sum(path: string, options: Md5sumOptions = {}): Promise<string> {
  options.signal?.throwIfAborted();
  let isFile = false;
  let size = 0;
  try {
    const st = await stat(path);
    isFile = st.isFile();
    size = st.size;
  } catch (e) {
    throw new AccsrError(`Cannot hash "${path}": no such file (check the path)`, {
      code: "NOT_A_FILE",
      cause: e,
    });
  }
  if (!isFile) {
    throw new AccsrError(
      `Cannot hash "${path}": not a regular file (pass a file, not a directory)`,
      {
        code: "NOT_A_FILE",
      },
    );
  }
  const hash = createHash("md5");
  // small files: one small read (a 1 MiB buffer per tiny file costs more than the hashing)
  const stream = createReadStream(path, { highWaterMark: Math.min(1 << 20, Math.max(size, 4096)) });
  const signal = options.signal;
  const onAbort = () => stream.destroy();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of stream) hash.update(chunk as Uint8Array);
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw new AccsrError(`Cannot hash "${path}": ${(e as Error).message}`, {
      code: "READ_ERROR",
      cause: e,
    });
  } finally {
    signal?.removeEventListener("abort", onAbort);
    stream.destroy();
  }
  signal?.throwIfAborted();
  return hash.digest("hex");
}

/**
 * MD5 of bytes in memory as lower-case hex.
 *
 * @example
 * ```ts
 * import { md5Bytes } from "./md5.ts";
 * console.log(md5Bytes(new TextEncoder().encode("abc"))); // 900150983cd24fb0d6963f7d28e17f72
 * ```
 */
export function md5Bytes(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}
