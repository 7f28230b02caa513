/**
 * Local-disk failures by cause: a full disk (`NO_SPACE`) or a folder the process may not write
 * (`PERMISSION_DENIED`), worded as what they are — never as a network error, and never with
 * "run it again" when rerunning cannot help.
 *
 * @module
 */
import { access, constants, readFile, stat, statfs } from "node:fs/promises";
import * as path from "node:path";
import { StorageError } from "../errors.ts";
import { readableSize } from "./progress.ts";

const NO_SPACE = new Set(["ENOSPC", "EDQUOT"]);
const NO_PERMISSION = new Set(["EACCES", "EPERM", "EROFS"]);

/** The first disk-full or permission error in `e`'s cause chain. */
function fsErrorOf(e: unknown): { code: string; path?: string } | undefined {
  let current: unknown = e;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const c = current as { code?: unknown; syscall?: unknown; path?: unknown; cause?: unknown };
    // an HTTP answer (403…) is the server's business, not the disk's
    if (current instanceof StorageError && current.statusCode !== undefined) return undefined;
    // Deno's file errors carry a code but neither syscall nor path; Node's recursive mkdir
    // says ENOENT on a read-only file system (checked by the caller)
    if (
      typeof c.code === "string" &&
      (NO_SPACE.has(c.code) || NO_PERMISSION.has(c.code) ||
        (c.code === "ENOENT" && c.syscall === "mkdir"))
    ) {
      return { code: c.code, path: typeof c.path === "string" ? c.path : undefined };
    }
    current = c.cause;
  }
  return undefined;
}

/** The nearest existing folder above `p` when it cannot be written (its error), else undefined. */
async function unwritableAncestor(p: string): Promise<{ code: string; path: string } | undefined> {
  let dir = path.dirname(path.resolve(p));
  for (let i = 0; i < 256; i++) {
    const exists = await stat(dir).then(() => true, () => false);
    if (exists) {
      try {
        await access(dir, constants.W_OK);
        return undefined;
      } catch (e) {
        const code = (e as { code?: string }).code ?? "EACCES";
        // the folder that could not be created inside it
        return NO_PERMISSION.has(code) ? { code, path: path.join(dir, "x") } : undefined;
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/** The mount point holding `p` (Linux: from /proc/self/mounts), else `p` itself. */
async function fileSystemOf(p: string): Promise<string> {
  try {
    const mounts = (await readFile("/proc/self/mounts", "utf8")).split("\n")
      .map((line) => line.split(" ")[1]?.replace(/\\040/g, " "))
      .filter((m): m is string => m !== undefined && m !== "");
    let best = "";
    for (const m of mounts) {
      const inside = m === "/" || p === m || p.startsWith(m.endsWith("/") ? m : `${m}/`);
      if (inside && m.length > best.length) best = m;
    }
    return best || p;
  } catch {
    return p;
  }
}

/**
 * Turns a local-disk failure of a pull into a `StorageError` with code `NO_SPACE` ("free N
 * bytes on <filesystem>, then rerun") or `PERMISSION_DENIED` ("cannot write <dir>:
 * permission denied"); `undefined` for any other error.
 *
 * @param e The error a download failed with.
 * @param target The local file being written.
 * @param remainingBytes Bytes this transaction still has to write (this file included).
 *
 * @example
 * ```ts
 * import { localDiskFailure } from "./local_errors.ts";
 * const enospc = Object.assign(new Error("no space"), { code: "ENOSPC", syscall: "write" });
 * const err = await localDiskFailure(enospc, "/mnt/small/data/a.bin", 2_000_000);
 * console.log(err?.code); // "NO_SPACE"
 * ```
 */
export async function localDiskFailure(
  e: unknown,
  target: string,
  remainingBytes: number,
): Promise<StorageError | undefined> {
  let fsError = fsErrorOf(e);
  if (fsError === undefined) return undefined;
  const dir = path.dirname(target);
  if (fsError.code === "ENOENT") {
    const denied = await unwritableAncestor(fsError.path ?? dir);
    if (denied === undefined) return undefined;
    fsError = denied;
  }
  if (NO_SPACE.has(fsError.code)) {
    let existing = dir;
    const fileSystem = await fileSystemOf(path.resolve(dir));
    let free = 0;
    for (let i = 0; i < 64; i++) {
      try {
        const s = await statfs(existing);
        free = Number(s.bavail) * Number(s.bsize);
        break;
      } catch {
        const up = path.dirname(existing);
        if (up === existing) break;
        existing = up;
      }
    }
    const need = Math.max(remainingBytes - free, 1);
    return new StorageError(
      `Cannot write "${target}": no space left on ${fileSystem} (${readableSize(free)} free, ${
        readableSize(remainingBytes)
      } still to write; free ${need} bytes (${readableSize(need)}) on ${fileSystem}, then rerun)`,
      { code: "NO_SPACE", cause: e },
    );
  }
  if (NO_PERMISSION.has(fsError.code)) {
    // mkdir "a/b" failed: "a" is not writable; open "a/b/.x.part" failed: "a/b" is not
    const where = fsError.path !== undefined ? path.dirname(fsError.path) : dir;
    return new StorageError(
      `Cannot write "${where}": permission denied${
        fsError.code === "EROFS" ? " (read-only file system)" : ""
      } (make it writable, or pull into another folder)`,
      { code: "PERMISSION_DENIED", cause: e },
    );
  }
  return undefined;
}
