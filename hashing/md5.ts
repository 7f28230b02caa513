/**
 * MD5 of bytes and files, shared by `storage/` and `loading/` (neither imports the other
 * for it).
 *
 * - {@linkcode md5Bytes}: MD5 of bytes in memory.
 * - {@linkcode md5sum}: MD5 of a file.
 * - {@linkcode digestFile}: the whole-file MD5 and, optionally, the MD5 of every part of a
 *   given size, from ONE read of the file. Files of at least {@linkcode WORKER_MIN_BYTES} are
 *   hashed in a small pool of `node:worker_threads` workers (Deno and Node), so the thread
 *   that drives the requests stays free and two files hash on two cores; smaller files are
 *   hashed in the calling thread (a worker round trip costs more than hashing them).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import { AccsrError } from "../errors.ts";
import { WORKER_SOURCE } from "./_md5_worker.ts";

/** Files at least this large are hashed in a worker thread. */
export const WORKER_MIN_BYTES: number = 8 * 1024 * 1024;

/** Bytes per read while hashing a file. */
const CHUNK = 2 * 1024 * 1024;

/**
 * MD5 of bytes in memory as lower-case hex.
 *
 * @example
 * ```ts
 * import { md5Bytes } from "accsr";
 * console.log(md5Bytes(new TextEncoder().encode("abc"))); // 900150983cd24fb0d6963f7d28e17f72
 * ```
 */
export function md5Bytes(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

/**
 * Options of {@linkcode md5sum}.
 *
 * @example
 * ```ts
 * import { md5sum } from "accsr/loading";
 * await md5sum("README.md", { signal: AbortSignal.timeout(5000) });
 * ```
 */
export interface Md5sumOptions {
  /** Aborts the read; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * The digest of a file read once: whole-file MD5, size read and (when a part size was asked
 * for) the MD5 of every part, all lower-case hex.
 *
 * @example
 * ```ts
 * import type { FileDigest } from "./md5.ts";
 * const d: FileDigest = { md5: "d41d8cd98f00b204e9800998ecf8427e", size: 0 };
 * ```
 */
export interface FileDigest {
  /** MD5 of the whole content. */
  md5: string;
  /** Bytes read. */
  size: number;
  /** Part size the `parts` were computed for. */
  partSize?: number;
  /** MD5 of each part of `partSize` bytes (the last one shorter); at least one. */
  parts?: string[];
}

/**
 * Options of {@linkcode digestFile}.
 *
 * @example
 * ```ts
 * import type { DigestOptions } from "./md5.ts";
 * const o: DigestOptions = { partSize: 16 * 1024 * 1024 };
 * ```
 */
export interface DigestOptions {
  /** Also compute the MD5 of every part of this many bytes. */
  partSize?: number;
  /** Aborts the read; the promise then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** The file's size if known (saves a `stat` when choosing where to hash). */
  size?: number;
}

/**
 * MD5 of a file's content as lower-case hex, read as a stream (constant memory, unlike
 * accsr which reads the whole file); large files are hashed in a worker thread.
 *
 * Throws an {@linkcode AccsrError} with code `NOT_A_FILE` when `path` is missing or not a
 * regular file (accsr: a bare `AssertionError`), `READ_ERROR` when reading fails.
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { md5sum } from "accsr/loading";
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
      { code: "NOT_A_FILE" },
    );
  }
  return (await digestFile(path, { signal: options.signal, size })).md5;
}

/**
 * Reads `path` once and returns its whole-file MD5 and, with `partSize`, the MD5 of each part
 * (what S3 multipart uploads send as `Content-MD5` per part). Files of at least
 * {@linkcode WORKER_MIN_BYTES} are hashed off the calling thread.
 *
 * Throws an {@linkcode AccsrError} with code `READ_ERROR` when the file cannot be read.
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { digestFile } from "./md5.ts";
 * const path = join(tmpdir(), "abc.txt");
 * await writeFile(path, "abc");
 * const d = await digestFile(path, { partSize: 2 });
 * console.log(d.md5, d.parts); // 900150983cd24fb0d6963f7d28e17f72 [ "187ef4436122d1cc2f40dc2b92f0eba0", "4a8a08f09d37b73795649038408b5f33" ]
 * ```
 */
export async function digestFile(path: string, options: DigestOptions = {}): Promise<FileDigest> {
  const { partSize, signal } = options;
  signal?.throwIfAborted();
  if (partSize !== undefined && !(Number.isInteger(partSize) && partSize > 0)) {
    throw new RangeError(`digestFile: partSize must be a positive integer (got ${partSize})`);
  }
  let size = options.size;
  if (size === undefined) size = (await stat(path).catch(() => undefined))?.size ?? 0;
  try {
    if (size >= WORKER_MIN_BYTES) {
      const pool = workerPool();
      if (pool !== undefined) return await pool.run(path, partSize, signal);
    }
    return await digestInThread(path, partSize, signal);
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (e instanceof AccsrError) throw e;
    throw new AccsrError(`Cannot hash "${path}": ${(e as Error).message}`, {
      code: "READ_ERROR",
      cause: e,
    });
  }
}

/** The same algorithm as the worker's, in the calling thread. */
async function digestInThread(
  path: string,
  partSize: number | undefined,
  signal: AbortSignal | undefined,
): Promise<FileDigest> {
  const fh = await open(path, "r");
  try {
    const size = (await fh.stat()).size;
    const whole = createHash("md5");
    const parts: string[] = [];
    let part = partSize === undefined ? undefined : createHash("md5");
    let inPart = 0;
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, size || 1)));
    let pos = 0;
    for (;;) {
      signal?.throwIfAborted();
      const want = part === undefined ? buf.length : Math.min(buf.length, partSize! - inPart);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) break;
      const view = buf.subarray(0, bytesRead);
      whole.update(view);
      pos += bytesRead;
      if (part !== undefined) {
        part.update(view);
        inPart += bytesRead;
        if (inPart === partSize) {
          parts.push(part.digest("hex"));
          part = createHash("md5");
          inPart = 0;
        }
      }
    }
    if (part !== undefined && (inPart > 0 || parts.length === 0)) parts.push(part.digest("hex"));
    signal?.throwIfAborted();
    return partSize === undefined
      ? { md5: whole.digest("hex"), size: pos }
      : { md5: whole.digest("hex"), size: pos, partSize, parts };
  } finally {
    await fh.close();
  }
}

// --- worker pool ---------------------------------------------------------------------------

interface Job {
  id: number;
  path: string;
  partSize?: number;
  resolve: (d: FileDigest) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface WorkerLike {
  postMessage(m: unknown): void;
  on(event: string, fn: (m: never) => void): void;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

interface Slot {
  worker: WorkerLike;
  jobs: Job[];
}

/** Jobs one worker runs at a time (its SIMD kernel hashes two files side by side). */
const JOBS_PER_WORKER = 2;

/** Whether the worker hashes this job with the SIMD kernel (parts of whole 64-byte blocks). */
const simdCapable = (job: Job) => job.partSize !== undefined && job.partSize % 64 === 0;

/**
 * A few long-lived hashing workers, up to two files at a time each; unref'd while idle. A
 * file with parts joins a worker already hashing one (two files in one SIMD call cost about
 * what one costs alone) before an idle worker is used.
 */
class Md5Pool {
  readonly #size: number;
  readonly #make: () => WorkerLike;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 1;

  constructor(size: number, make: () => WorkerLike) {
    this.#size = size;
    this.#make = make;
  }

  run(path: string, partSize: number | undefined, signal?: AbortSignal): Promise<FileDigest> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const job: Job = { id: this.#nextId++, path, partSize, resolve, reject, signal };
      if (signal !== undefined) {
        job.onAbort = () => this.#cancel(job);
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  #cancel(job: Job): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    const slot = this.#slots.find((s) => s.jobs.includes(job));
    if (slot !== undefined) {
      slot.jobs.splice(slot.jobs.indexOf(job), 1);
      slot.worker.postMessage({ cancel: job.id });
      if (slot.jobs.length === 0) slot.worker.unref();
    }
    this.#settle(job, undefined, job.signal!.reason);
    this.#pump();
  }

  #settle(job: Job, value: FileDigest | undefined, error?: unknown): void {
    if (job.signal !== undefined && job.onAbort !== undefined) {
      job.signal.removeEventListener("abort", job.onAbort);
      job.onAbort = undefined;
    }
    if (error !== undefined) job.reject(error);
    else job.resolve(value!);
  }

  /** The worker for `job`: one hashing a file it can pair with, else an idle or new one. */
  #slotFor(job: Job): Slot | undefined {
    if (simdCapable(job)) {
      const pair = this.#slots.find((s) => s.jobs.length === 1 && simdCapable(s.jobs[0]));
      if (pair !== undefined) return pair;
    }
    const idle = this.#slots.find((s) => s.jobs.length === 0);
    if (idle !== undefined) return idle;
    if (this.#slots.length < this.#size) return this.#spawn();
    return this.#slots.find((s) => s.jobs.length < JOBS_PER_WORKER);
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const slot = this.#slotFor(this.#queue[0]);
      if (slot === undefined) return;
      const job = this.#queue.shift()!;
      slot.jobs.push(job);
      stats.workerJobs++;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, path: job.path, partSize: job.partSize, chunk: CHUNK });
    }
  }

  #spawn(): Slot {
    const slot: Slot = { worker: this.#make(), jobs: [] };
    slot.worker.on("message", (m: WorkerAnswer) => {
      const job = slot.jobs.find((j) => j.id === m.id);
      if (job === undefined) return; // a cancelled job's late answer
      slot.jobs.splice(slot.jobs.indexOf(job), 1);
      if (slot.jobs.length === 0) slot.worker.unref();
      if (m.error !== undefined) {
        this.#settle(
          job,
          undefined,
          Object.assign(new Error(m.error.message), { code: m.error.code }),
        );
      } else {
        if (m.simd) stats.simdJobs++;
        this.#settle(job, { md5: m.md5!, size: m.size!, partSize: job.partSize, parts: m.parts });
      }
      this.#pump();
    });
    slot.worker.on("error", (e: unknown) => this.#lost(slot, e));
    slot.worker.on("exit", () => this.#lost(slot, new Error("hashing worker exited")));
    this.#slots.push(slot);
    return slot;
  }

  #lost(slot: Slot, e: unknown): void {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return;
    this.#slots.splice(i, 1);
    for (const job of slot.jobs.splice(0)) {
      // hash it here instead
      digestInThread(job.path, job.partSize, job.signal).then(
        (d) => this.#settle(job, d),
        (err) => this.#settle(job, undefined, err ?? e),
      );
    }
    this.#pump();
  }
}

interface WorkerAnswer {
  id: number;
  md5?: string;
  size?: number;
  parts?: string[];
  simd?: boolean;
  error?: { message: string; code?: string };
}

let pool: Md5Pool | undefined;
const stats = { workerJobs: 0, simdJobs: 0 };

/**
 * Counters of this process's hashing (for tests and diagnostics): `workerJobs` = files
 * hashed in a worker thread, `simdJobs` = those of them hashed with the WebAssembly SIMD
 * kernel (whole-file and part MD5s in one pass, two files side by side).
 *
 * @example
 * ```ts
 * import { hashingStats } from "./md5.ts";
 * console.log(hashingStats().workerJobs); // 0
 * ```
 */
export function hashingStats(): { workerJobs: number; simdJobs: number } {
  return { ...stats };
}

function workerPool(): Md5Pool | undefined {
  if (pool !== undefined || typeof Worker !== "function") return pool;
  const cores = typeof os.availableParallelism === "function"
    ? os.availableParallelism()
    : os.cpus().length;
  pool = new Md5Pool(
    Math.max(1, Math.min(4, cores)),
    () => new Worker(WORKER_SOURCE, { eval: true }) as unknown as WorkerLike,
  );
  return pool;
}
