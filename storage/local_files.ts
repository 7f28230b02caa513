/**
 * Finds the local files a push considers: a file, a directory (recursive, dotfiles
 * included), or a glob (`*`, `?`, `[…]` within one segment, `**` across segments; like
 * Python's glob, wildcards do not match names starting with `.`). accsr's own temporary
 * files (`.accsr-*.part`, see `temp_files.ts`) are never found.
 *
 * @module
 */
import type { Dirent, Stats } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import * as path from "node:path";
import { setImmediate } from "node:timers";
import { AccsrError } from "../errors.ts";
import { localFs, type LocalStat } from "./local_fs.ts";
import { isTempFileName } from "./temp_files.ts";

/**
 * A local file found for a push.
 *
 * @example
 * ```ts
 * import type { LocalFile } from "./local_files.ts";
 * const f: LocalFile = { displayPath: "d/a.txt", absPath: "/w/d/a.txt", size: 1, mtimeMs: 0, ino: 1 };
 * ```
 */
export interface LocalFile {
  /** The path as the glob produced it: relative to the scan directory (or absolute), `/`-separated. */
  displayPath: string;
  /** Absolute path. */
  absPath: string;
  /** Size in bytes at scan time. */
  size: number;
  /** Modification time at scan time. */
  mtimeMs: number;
  /** Status change time at scan time. */
  ctimeMs?: number;
  /** Inode number at scan time. */
  ino: number;
}

const MAGIC = /[*?[]/;

/**
 * Whether a path contains glob characters.
 *
 * @example
 * ```ts
 * import { hasGlobMagic } from "./local_files.ts";
 * hasGlobMagic("data/*.csv"); // true
 * ```
 */
export function hasGlobMagic(p: string): boolean {
  return MAGIC.test(p);
}

function segmentRegex(seg: string): RegExp {
  let src = "";
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === "*") src += "[^/]*";
    else if (c === "?") src += "[^/]";
    else if (c === "[") {
      const end = seg.indexOf("]", i + 2);
      if (end === -1) src += "\\[";
      else {
        let cls = seg.slice(i + 1, end);
        if (cls.startsWith("!")) cls = "^" + cls.slice(1);
        src += "[" + cls.replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else src += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp("^" + src + "$", "s");
}

function joinDisplay(display: string, name: string): string {
  if (display === "") return name;
  return display.endsWith("/") ? display + name : `${display}/${name}`;
}

async function readdirSafe(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

async function expandGlob(pattern: string, baseDir: string): Promise<string[]> {
  const isAbs = path.isAbsolute(pattern);
  const segs = pattern.split("/").filter((s) => s !== "" && s !== ".");
  const results = new Set<string>();
  const startDisplay = isAbs ? "/" : "";
  const startAbs = isAbs ? "/" : baseDir;

  async function step(display: string, abs: string, i: number): Promise<void> {
    if (i === segs.length) {
      results.add(display);
      return;
    }
    const seg = segs[i];
    if (seg === "**") {
      await step(display, abs, i + 1);
      for (const e of await readdirSafe(abs)) {
        if (e.isDirectory() && !e.name.startsWith(".")) {
          await step(joinDisplay(display, e.name), path.join(abs, e.name), i);
        }
      }
    } else if (MAGIC.test(seg)) {
      const re = segmentRegex(seg);
      const entries = (await readdirSafe(abs)).sort((a, b) => a.name < b.name ? -1 : 1);
      for (const e of entries) {
        if (e.name.startsWith(".") && !seg.startsWith(".")) continue;
        if (re.test(e.name)) {
          await step(joinDisplay(display, e.name), path.join(abs, e.name), i + 1);
        }
      }
    } else {
      const next = path.join(abs, seg);
      try {
        await lstat(next);
      } catch {
        return;
      }
      await step(joinDisplay(display, seg), next, i + 1);
    }
  }
  await step(startDisplay, startAbs, 0);
  return [...results].filter((r) => r !== "" && r !== "/");
}

/**
 * What a local entry is when it is neither a regular file nor a folder (FIFO, socket,
 * device), else `undefined`.
 *
 * @example
 * ```ts
 * import { lstatSync } from "node:fs";
 * import { specialKind } from "./local_files.ts";
 * specialKind(lstatSync("/dev/null")); // "character device"
 * ```
 */
export function specialKind(st: Stats): string | undefined {
  if (st.isFile() || st.isDirectory() || st.isSymbolicLink()) return undefined;
  if (st.isFIFO()) return "named pipe (FIFO)";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  return "special file";
}

function invalid(p: string, state: string, hint: string, cause?: unknown): AccsrError {
  return new AccsrError(`Cannot push "${p}": ${state} (${hint})`, {
    code: "LOCAL_PATH_INVALID",
    cause,
  });
}

async function statFollow(abs: string, display: string): Promise<Stats> {
  try {
    return await stat(abs);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") {
      throw invalid(display, "broken symbolic link", "fix or remove the link", e);
    }
    if (code === "ELOOP") throw invalid(display, "symbolic link loop", "fix the link", e);
    if (code === "EACCES") throw invalid(display, "permission denied", "check permissions", e);
    throw invalid(display, (e as Error).message, "check the path", e);
  }
}

function fileOf(
  displayPath: string,
  absPath: string,
  st: Pick<Stats, "size" | "mtimeMs" | "ctimeMs" | "ino">,
): LocalFile {
  return {
    displayPath,
    absPath,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    ino: st.ino,
  };
}

/** Entries stat'ed between two yields to the event loop (a listing runs meanwhile). */
const YIELD_EVERY = 256;

/** Lets timers and I/O callbacks run (a resolved promise would only run microtasks). */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Walks a directory tree: entries sorted by name, the result in sorted depth-first order.
 * One `readdir` per folder and one synchronous `lstat` per entry (see `local_fs.ts`: a fifth
 * of the CPU of the promise API), yielding to the event loop every few hundred entries so
 * that the remote listing started beside the walk keeps going.
 */
async function walk(
  absDir: string,
  display: string,
  skip?: SkipEntry,
  onSpecial?: OnSpecial,
  links: LinkPolicy = {},
  ancestors: ReadonlySet<string> = new Set(),
  out: LocalFile[] = [],
): Promise<LocalFile[]> {
  let names: string[];
  try {
    // names only: Deno's `withFileTypes` costs one lstat per entry, and each file needs an
    // lstat (or stat) anyway
    names = await readdir(absDir);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw invalid(
      display,
      code === "EACCES" ? "permission denied" : (e as Error).message,
      "check permissions",
      e,
    );
  }
  names.sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  const dirPrefix = absDir.endsWith(path.sep) ? absDir : absDir + path.sep;
  const dispPrefix = display === "" ? "" : display.endsWith("/") ? display : `${display}/`;
  let since = 0;
  for (const name of names) {
    // accsr's own temporary files (`.accsr-*.part`) never travel
    if (isTempFileName(name)) continue;
    if (++since >= YIELD_EVERY) {
      since = 0;
      await yieldToLoop();
    }
    const abs = dirPrefix + name;
    const disp = dispPrefix + name;
    let st: LocalStat;
    try {
      st = localFs.lstat(abs);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") continue; // vanished meanwhile
      throw invalid(disp, (e as Error).message, "check permissions", e);
    }
    if (skip !== undefined && await skip(abs, st.isDirectory)) continue;
    if (st.isDirectory) {
      const seen = new Set(ancestors).add(`${st.dev}:${st.ino}`);
      await walk(abs, disp, skip, onSpecial, links, seen, out);
      continue;
    }
    if (st.isSymbolicLink) {
      if (links.follow === false) {
        links.onSymlink?.({
          absPath: abs,
          displayPath: disp,
          reason: "symbolic link (skipped: --no-follow-symlinks)",
        });
        continue;
      }
      const target = await statFollow(abs, disp);
      if (target.isDirectory()) {
        // by default symlinked directories are not descended (like os.walk)
        if (links.follow !== true) {
          links.onSymlink?.({
            absPath: abs,
            displayPath: disp,
            reason: "symbolic link to a directory (not walked: pass --follow-symlinks)",
          });
          continue;
        }
        const id = `${target.dev}:${target.ino}`;
        if (ancestors.has(id)) {
          links.onSymlink?.({
            absPath: abs,
            displayPath: disp,
            reason: "symbolic link loop (it leads to a folder above it; not walked)",
          });
          continue;
        }
        await walk(abs, disp, skip, onSpecial, links, new Set(ancestors).add(id), out);
        continue;
      }
      if (target.isFile()) await links.checkOutside?.(abs, disp);
      const kind = specialKind(target);
      if (kind !== undefined) onSpecial?.({ absPath: abs, displayPath: disp, reason: kind });
      if (target.isFile()) out.push(fileOf(disp, abs, target));
      continue;
    }
    if (st.special !== undefined) {
      onSpecial?.({ absPath: abs, displayPath: disp, reason: st.special });
      continue;
    }
    if (st.isFile) out.push(fileOf(disp, abs, st));
  }
  return out;
}

/**
 * Decides whether the walk leaves out an entry (a folder is then not descended); used for
 * `.accsrignore` files.
 *
 * @example
 * ```ts
 * import type { SkipEntry } from "./local_files.ts";
 * const skipCaches: SkipEntry = (absPath, isDirectory) => Promise.resolve(isDirectory && absPath.endsWith("/cache"));
 * ```
 */
export type SkipEntry = (absPath: string, isDirectory: boolean) => Promise<boolean>;

/**
 * Options of {@linkcode findLocalFiles}.
 *
 * @example
 * ```ts
 * import type { FindOptions } from "./local_files.ts";
 * const o: FindOptions = { skip: (p) => Promise.resolve(p.endsWith(".tmp")) };
 * ```
 */
export interface FindOptions {
  /** Leaves out matching files, and matching folders with everything below them. */
  skip?: SkipEntry;
  /** Told about every FIFO, socket or device found (they are never returned). */
  onSpecial?: OnSpecial;
  /**
   * Symbolic links inside walked folders: `undefined` (default) reads file links and does not
   * walk directory links; `false` skips every link; `true` also walks directory links (a link
   * back to a folder above it, by device and inode, is a loop and is not walked).
   */
  followSymlinks?: boolean;
  /** Told about every link left out (and why). */
  onSymlink?: OnSpecial;
  /** Told about every file link read whose target lies outside `insideOf`. */
  onOutsideLink?: (file: { absPath: string; displayPath: string; target: string }) => void;
  /** The folder links should stay inside (the pushed folder), for `onOutsideLink`. */
  insideOf?: string;
}

/** How a walk treats symbolic links. */
interface LinkPolicy {
  follow?: boolean;
  onSymlink?: OnSpecial;
  checkOutside?: (absPath: string, displayPath: string) => Promise<void>;
}

function linkPolicy(o: FindOptions): LinkPolicy {
  const inside = o.insideOf;
  const onOutside = o.onOutsideLink;
  let root: Promise<string> | undefined;
  return {
    follow: o.followSymlinks,
    onSymlink: o.onSymlink,
    checkOutside: inside === undefined || onOutside === undefined
      ? undefined
      : async (abs, disp) => {
        root ??= realpath(inside).catch(() => path.resolve(inside));
        const target = await realpath(abs).catch(() => undefined);
        if (target === undefined) return;
        const rel = path.relative(await root, target);
        if (rel.startsWith("..") || path.isAbsolute(rel)) {
          onOutside({ absPath: abs, displayPath: disp, target });
        }
      },
  };
}

/**
 * Called for a special file (FIFO, socket, device) the walk leaves out.
 *
 * @example
 * ```ts
 * import type { OnSpecial } from "./local_files.ts";
 * const warn: OnSpecial = (f) => console.warn(`skipping ${f.displayPath}: ${f.reason}`);
 * ```
 */
export type OnSpecial = (file: { absPath: string; displayPath: string; reason: string }) => void;

/**
 * Every file matched by `pattern` (a path or glob), relative to `baseDir` unless absolute.
 * Directories are walked recursively; `options.skip` leaves entries out. Throws an `AccsrError` (code `LOCAL_PATH_INVALID`)
 * for broken links, link loops and unreadable directories; returns `[]` when nothing
 * matches.
 *
 * @example
 * ```ts
 * import { findLocalFiles } from "./local_files.ts";
 * const files = await findLocalFiles("data/**\/*.csv", process.cwd());
 * console.log(files.map((f) => f.displayPath));
 * ```
 */
export async function findLocalFiles(
  pattern: string,
  baseDir: string,
  options: FindOptions = {},
): Promise<LocalFile[]> {
  const posix = pattern.split(path.sep).join("/");
  let candidates: string[];
  if (hasGlobMagic(posix)) candidates = await expandGlob(posix, baseDir);
  else {
    const segs = posix.split("/").filter((s) => s !== "" && s !== ".");
    candidates = [(path.isAbsolute(posix) ? "/" : "") + segs.join("/")];
  }
  const out: LocalFile[] = [];
  const links = linkPolicy(options);
  for (const display of candidates) {
    const abs = path.resolve(baseDir, display);
    let lst: Stats;
    try {
      lst = await lstat(abs);
    } catch {
      continue; // missing: nothing found for this candidate
    }
    if (lst.isSymbolicLink() && options.followSymlinks === false) {
      options.onSymlink?.({
        absPath: abs,
        displayPath: display,
        reason: "symbolic link (skipped: --no-follow-symlinks)",
      });
      continue;
    }
    const st = lst.isSymbolicLink() ? await statFollow(abs, display) : lst;
    if (options.skip !== undefined && await options.skip(abs, st.isDirectory())) continue;
    const kind = specialKind(st);
    if (kind !== undefined && !hasGlobMagic(posix)) {
      throw invalid(
        display,
        `it is a ${kind}, not a regular file`,
        "only files, folders and links to them can be pushed",
      );
    }
    if (kind !== undefined) {
      options.onSpecial?.({ absPath: abs, displayPath: display, reason: kind });
    }
    if (st.isDirectory()) {
      const walked = await walk(
        abs,
        display,
        options.skip,
        options.onSpecial,
        links,
        new Set([`${st.dev}:${st.ino}`]),
      );
      for (const f of walked) out.push(f);
    } else if (st.isFile() && !isTempFileName(path.basename(abs))) {
      if (lst.isSymbolicLink()) await links.checkOutside?.(abs, display);
      out.push(fileOf(display, abs, st));
    }
  }
  if (candidates.length <= 1) return out; // one walk finds each file once
  const seen = new Set<string>();
  return out.filter((f) => !seen.has(f.absPath) && seen.add(f.absPath));
}

/**
 * Every file below the folder `absDir` (recursively, not following symlinked folders), with
 * `displayPath` relative to it; `options.skip` leaves entries out.
 *
 * @example
 * ```ts
 * import { filesBelow } from "./local_files.ts";
 * const files = await filesBelow("/tmp");
 * console.log(files.map((f) => f.displayPath));
 * ```
 */
export function filesBelow(absDir: string, options: FindOptions = {}): Promise<LocalFile[]> {
  return walk(absDir, "", options.skip, options.onSpecial);
}
