/**
 * accsr's own temporary files in the folders a pull writes to, and how they are told apart.
 *
 * A download is written to `.accsr-<pid>-<token>.part` in the target folder and renamed into
 * place once verified. Every name that starts with `.accsr-` and ends with `.part` is one of
 * ours ({@linkcode TEMP_FILE_PATTERN}): the local scanner never plans such a file for a push,
 * whatever the include patterns say. The `<pid>` of the writing process makes "is this file
 * still being written?" decidable: a pull removes the temporary files of processes that no
 * longer run ({@linkcode removeStaleTempFiles}) in each folder it writes to, and leaves
 * those of a live process alone.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { unlinkSync } from "node:fs";
import { readdir, stat, unlink } from "node:fs/promises";
import * as path from "node:path";
import process from "node:process";

/**
 * Names of accsr's temporary files: `.accsr-` … `.part` (e.g. `.accsr-4711-9f86d081884c.part`).
 * Older versions wrote `.accsr-<12 hex>.part` (no pid).
 *
 * @example
 * ```ts
 * import { TEMP_FILE_PATTERN } from "accsr/storage";
 * TEMP_FILE_PATTERN.test(".accsr-4711-9f86d081884c.part"); // true
 * TEMP_FILE_PATTERN.test("data.part"); // false
 * ```
 */
export const TEMP_FILE_PATTERN: RegExp = /^\.accsr-.*\.part$/s;

/** `.accsr-<pid>-<token>.part`; the token may carry a `r-` prefix (resumable download). */
const WITH_PID = /^\.accsr-(\d+)-([0-9A-Za-z_-]+)\.part$/;

/** Legacy temporary files without a pid count as stale once they are this old. */
const LEGACY_STALE_MS = 10 * 60 * 1000;

/**
 * Whether a file name (not a path) is one of accsr's temporary files.
 *
 * @example
 * ```ts
 * import { isTempFileName } from "accsr/storage";
 * isTempFileName(".accsr-4711-9f86d081884c.part"); // true
 * isTempFileName("report.csv"); // false
 * ```
 */
export function isTempFileName(name: string): boolean {
  return TEMP_FILE_PATTERN.test(name);
}

/**
 * A temporary file name for this process: `.accsr-<pid>-<token>.part`, `token` unique in
 * the process (8 random hex digits drawn once, then a counter: at least 12 hex digits) unless given (letters, digits, `-`, `_`). Short and of bounded length, so it
 * fits wherever the final name fits.
 *
 * @example
 * ```ts
 * import { tempFileName } from "./temp_files.ts";
 * tempFileName(); // ".accsr-4711-3f2a9c0d0000.part"
 * tempFileName("r-abc"); // ".accsr-4711-r-abc.part"
 * ```
 */
export function tempFileName(token?: string): string {
  if (token !== undefined) return `.accsr-${process.pid}-${token}.part`;
  // one random draw per process, then a counter: unique within the process (the pid tells
  // processes apart), and no random bytes drawn per file
  prefix ??= randomBytes(4).toString("hex");
  return `.accsr-${process.pid}-${prefix}${(serial++).toString(16).padStart(4, "0")}.part`;
}

let prefix: string | undefined;
let serial = 0;

/**
 * The pid and token of a temporary file name, or `undefined` for other names (and for the
 * legacy names without a pid).
 *
 * @example
 * ```ts
 * import { parseTempFileName } from "./temp_files.ts";
 * parseTempFileName(".accsr-4711-r-abc.part"); // { pid: 4711, token: "r-abc" }
 * ```
 */
export function parseTempFileName(name: string): { pid: number; token: string } | undefined {
  const m = WITH_PID.exec(name);
  return m ? { pid: Number(m[1]), token: m[2] } : undefined;
}

/**
 * Whether a process with this pid runs on this machine (`kill(pid, 0)`). A process of
 * another user counts as running (EPERM).
 *
 * @example
 * ```ts
 * import process from "node:process";
 * import { processAlive } from "./temp_files.ts";
 * processAlive(process.pid); // true
 * ```
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Whether a temporary file (by name, with its modification time) belongs to no running
 * writer: its pid is not a running process (and not this one), or, for a legacy name
 * without a pid, it is older than 10 minutes.
 *
 * @example
 * ```ts
 * import { isStaleTempFile } from "./temp_files.ts";
 * isStaleTempFile(".accsr-999999999-abc.part", Date.now()); // true (no such process)
 * ```
 */
export function isStaleTempFile(name: string, mtimeMs: number, now = Date.now()): boolean {
  if (!isTempFileName(name)) return false;
  const parsed = parseTempFileName(name);
  if (parsed === undefined) return now - mtimeMs > LEGACY_STALE_MS;
  return parsed.pid !== process.pid && !processAlive(parsed.pid);
}

/**
 * Removes the stale temporary files ({@linkcode isStaleTempFile}) directly inside `dir`
 * (not below it) and returns their paths. Files of a running process stay, and so do the
 * stale ones whose token `keep` accepts (resumable partial downloads; `onKept` is told
 * about them). Never throws (a missing or
 * unreadable folder has nothing to remove).
 *
 * @example
 * ```ts
 * import { removeStaleTempFiles } from "accsr/storage";
 * const removed = await removeStaleTempFiles("/data/raw");
 * console.log(removed.length);
 * ```
 */
export async function removeStaleTempFiles(
  dir: string,
  options: {
    keep?: (token: string) => boolean;
    onKept?: (token: string, path: string) => void;
  } = {},
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!isTempFileName(name)) continue;
    const parsed = parseTempFileName(name);
    const p = path.join(dir, name);
    if (parsed !== undefined && options.keep?.(parsed.token)) {
      // a partial download of a dead run that this run may resume
      if (isStaleTempFile(name, 0)) options.onKept?.(parsed.token, p);
      continue;
    }
    try {
      const st = parsed === undefined ? await stat(p) : undefined;
      if (!isStaleTempFile(name, st?.mtimeMs ?? 0)) continue;
      await unlink(p);
      removed.push(p);
    } catch {
      // vanished meanwhile, or not ours to remove
    }
  }
  return removed;
}

/** Temporary files this process is writing right now. */
const live = new Set<string>();

/**
 * Records a temporary file this process is writing (until {@linkcode forgetTempFile}), so
 * that a process forced to exit can still remove it ({@linkcode removeLiveTempFilesSync}).
 *
 * @example
 * ```ts
 * import { forgetTempFile, trackTempFile } from "./temp_files.ts";
 * trackTempFile("/data/.accsr-4711-3f2a9c0d11b7.part");
 * forgetTempFile("/data/.accsr-4711-3f2a9c0d11b7.part");
 * ```
 */
export function trackTempFile(path: string): void {
  live.add(path);
}

/**
 * Stops tracking a temporary file (renamed into place, removed, or kept on purpose).
 *
 * @example
 * ```ts
 * import { forgetTempFile } from "./temp_files.ts";
 * forgetTempFile("/data/.accsr-4711-3f2a9c0d11b7.part");
 * ```
 */
export function forgetTempFile(path: string): void {
  live.delete(path);
}

/**
 * Removes, synchronously, every temporary file this process is still writing. For a process
 * about to exit without unwinding (a second Ctrl-C); returns how many were removed.
 *
 * @example
 * ```ts
 * import process from "node:process";
 * import { removeLiveTempFilesSync } from "accsr/storage";
 * process.on("exit", () => removeLiveTempFilesSync());
 * ```
 */
export function removeLiveTempFilesSync(): number {
  let n = 0;
  for (const p of live) {
    try {
      unlinkSync(p);
      n++;
    } catch {
      // already gone
    }
  }
  live.clear();
  return n;
}
