/**
 * The file-system calls of the planner's per-file hot paths (the walk's `lstat`, reading
 * small files to hash them, the `stat` of a file to plan or record): one small place for the
 * runtime difference, and a count of every call (for tests that prove work is not done twice).
 *
 * They are synchronous on purpose: a walk of 100,000 files spends most of its CPU in the
 * promise machinery of `node:fs/promises` (measured in Deno 2.9 on tmpfs, per call: async
 * `lstat` 17 µs CPU, `node:fs` `lstatSync` 8.5 µs, `Deno.lstatSync` 3.2 µs; async
 * `readFile` of a 300-byte file 32 µs, `readFileSync` 7 µs). Callers yield to the event loop
 * between batches. Deno's own calls are used under Deno (its `node:fs` wraps them and builds
 * a `Stats` object on top), `node:fs` under Node. Both report the same times (Deno: mtime in
 * milliseconds, ctime in whole seconds).
 *
 * @module
 */
import {
  linkSync,
  lstatSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";

/**
 * What the planner needs of a file-system entry.
 *
 * @example
 * ```ts
 * import { localFs } from "./local_fs.ts";
 * const st = localFs.lstat("README.md");
 * console.log(st.isFile, st.size);
 * ```
 */
export interface LocalStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
  isFile: boolean;
  isDirectory: boolean;
  isSymbolicLink: boolean;
  /** A FIFO, socket or device: what it is (see `specialKind` in `local_files.ts`). */
  special?: string;
}

/** The part of Deno's namespace used here (not typed under Node's compiler). */
interface DenoFs {
  lstatSync(path: string): DenoFileInfo;
  statSync(path: string): DenoFileInfo;
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: Uint8Array): void;
  linkSync(from: string, to: string): void;
  renameSync(from: string, to: string): void;
}

interface DenoFileInfo {
  size: number;
  mtime: Date | null;
  ctime?: Date | null;
  ino: number | null;
  dev: number;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  isBlockDevice: boolean | null;
  isCharDevice: boolean | null;
  isFifo: boolean | null;
  isSocket: boolean | null;
}

const deno = (globalThis as { Deno?: DenoFs }).Deno;

function specialOf(f: {
  isFifo: boolean | null;
  isSocket: boolean | null;
  isCharDevice: boolean | null;
  isBlockDevice: boolean | null;
}): string {
  if (f.isFifo) return "named pipe (FIFO)";
  if (f.isSocket) return "socket";
  if (f.isCharDevice) return "character device";
  if (f.isBlockDevice) return "block device";
  return "special file";
}

function fromDeno(f: DenoFileInfo): LocalStat {
  const st: LocalStat = {
    size: f.size,
    mtimeMs: f.mtime?.getTime() ?? 0,
    ctimeMs: f.ctime?.getTime() ?? 0,
    ino: f.ino ?? 0,
    dev: f.dev,
    isFile: f.isFile,
    isDirectory: f.isDirectory,
    isSymbolicLink: f.isSymlink,
  };
  if (!f.isFile && !f.isDirectory && !f.isSymlink) st.special = specialOf(f);
  return st;
}

function fromNode(s: import("node:fs").Stats): LocalStat {
  const st: LocalStat = {
    size: s.size,
    mtimeMs: s.mtimeMs,
    ctimeMs: s.ctimeMs,
    ino: s.ino,
    dev: s.dev,
    isFile: s.isFile(),
    isDirectory: s.isDirectory(),
    isSymbolicLink: s.isSymbolicLink(),
  };
  if (!st.isFile && !st.isDirectory && !st.isSymbolicLink) {
    st.special = specialOf({
      isFifo: s.isFIFO(),
      isSocket: s.isSocket(),
      isCharDevice: s.isCharacterDevice(),
      isBlockDevice: s.isBlockDevice(),
    });
  }
  return st;
}

/** Deno's errors carry the same `code` as Node's (`ENOENT`, `EACCES`…). */
function rethrow(e: unknown, syscall: string, path: string): never {
  const err = e as { code?: string; syscall?: string; path?: string };
  if (err && typeof err === "object" && err.code !== undefined) {
    err.syscall ??= syscall;
    err.path ??= path;
  }
  throw e;
}

const counts = {
  lstat: 0,
  stat: 0,
  readFile: 0,
  writeFile: 0,
  link: 0,
  unlink: 0,
  rename: 0,
};

/** What {@linkcode localFs.counts} reports. */
export type LocalFsCounts = typeof counts;

/**
 * Synchronous `lstat`, `stat` and `readFile` (see the module documentation), and the
 * `writeFile`, `link`, `unlink` and `rename` with which a pull places a small file, counted.
 *
 * @example
 * ```ts
 * import { localFs } from "./local_fs.ts";
 * const bytes = localFs.readFile("README.md");
 * console.log(bytes.byteLength, localFs.counts().readFile);
 * ```
 */
export const localFs = {
  /** `lstat` (a link itself). Throws Node-style errors with `code`. */
  lstat(path: string): LocalStat {
    counts.lstat++;
    try {
      return deno ? fromDeno(deno.lstatSync(path)) : fromNode(lstatSync(path));
    } catch (e) {
      rethrow(e, "lstat", path);
    }
  },
  /** `stat` (through links). Throws Node-style errors with `code`. */
  stat(path: string): LocalStat {
    counts.stat++;
    try {
      return deno ? fromDeno(deno.statSync(path)) : fromNode(statSync(path));
    } catch (e) {
      rethrow(e, "stat", path);
    }
  },
  /**
   * `stat`, or `undefined` when nothing is there (`ENOENT`; Node builds no error for it).
   * Other failures (`ENOTDIR`, `ENAMETOOLONG`, `EACCES`…) throw.
   */
  statIfExists(path: string): LocalStat | undefined {
    counts.stat++;
    try {
      if (!deno) {
        const s = statSync(path, { throwIfNoEntry: false });
        return s === undefined ? undefined : fromNode(s);
      }
      return fromDeno(deno.statSync(path));
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return undefined;
      rethrow(e, "stat", path);
    }
  },
  /** The whole content of a (small) file. */
  readFile(path: string): Uint8Array {
    counts.readFile++;
    try {
      return deno ? deno.readFileSync(path) : readFileSync(path);
    } catch (e) {
      rethrow(e, "open", path);
    }
  },
  /** Creates or truncates `path` and writes `data` (open, write, close). */
  writeFile(path: string, data: Uint8Array): void {
    counts.writeFile++;
    try {
      if (deno) deno.writeFileSync(path, data);
      else writeFileSync(path, data);
    } catch (e) {
      rethrow(e, "open", path);
    }
  },
  /** A new name for a file; fails with `EEXIST` when `to` exists. */
  link(from: string, to: string): void {
    counts.link++;
    try {
      if (deno) deno.linkSync(from, to);
      else linkSync(from, to);
    } catch (e) {
      rethrow(e, "link", from);
    }
  },
  /** Removes a name (`node:fs` under both runtimes: Deno's `removeSync` would remove folders). */
  unlink(path: string): void {
    counts.unlink++;
    try {
      unlinkSync(path);
    } catch (e) {
      rethrow(e, "unlink", path);
    }
  },
  /** Moves `from` to `to`, replacing `to`. */
  rename(from: string, to: string): void {
    counts.rename++;
    try {
      if (deno) deno.renameSync(from, to);
      else renameSync(from, to);
    } catch (e) {
      rethrow(e, "rename", from);
    }
  },
  /** Calls made so far by this process (for tests and diagnostics). */
  counts(): LocalFsCounts {
    return { ...counts };
  },
};
