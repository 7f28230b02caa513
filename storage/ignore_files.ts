/**
 * `.accsrignore` files: gitignore syntax (patterns, `**`, trailing `/`, `!` negation,
 * comments) in a folder and any subfolder, each file's patterns relative to its folder.
 * Matching is done by the npm package `ignore` (the matcher eslint and others use); this
 * module only finds the files and rebases their patterns onto one root, so that deeper files
 * override shallower ones and an excluded folder excludes everything below it, as in git.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import ignore from "npm:ignore@^7.0.5";
import { AccsrError } from "../errors.ts";

/**
 * Name of the ignore files accsr reads.
 *
 * @example
 * ```ts
 * import { IGNORE_FILE_NAME } from "./ignore_files.ts";
 * console.log(IGNORE_FILE_NAME); // ".accsrignore"
 * ```
 */
export const IGNORE_FILE_NAME = ".accsrignore";

/** Escapes a folder path so that it matches itself literally inside a gitignore pattern. */
function escapeDir(dir: string): string {
  const escaped = dir.replace(/[\\*?[\]]/g, "\\$&");
  return /^[!#]/.test(escaped) ? `\\${escaped}` : escaped;
}

/**
 * The patterns of one ignore file, rewritten relative to the root: a pattern in the file of
 * folder `dir` (a `/`-path relative to the root, `""` for the root itself) that contains a
 * `/` before its end is anchored at `dir`; one without matches at any depth below `dir`.
 * Blank lines and comments are dropped.
 *
 * @example
 * ```ts
 * import { rebasePatterns } from "./ignore_files.ts";
 * rebasePatterns("*.log\n!keep.log\n/build/\n# comment", "sub");
 * // ["sub/**\/*.log", "!sub/**\/keep.log", "sub/build/"]
 * ```
 */
export function rebasePatterns(text: string, dir: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.startsWith("#")) continue;
    if (dir === "") {
      out.push(line);
      continue;
    }
    const negative = line.startsWith("!");
    const pattern = negative ? line.slice(1) : line;
    // trailing (unescaped) spaces and the trailing "/" do not make a pattern anchored
    const body = pattern.replace(/(?<!\\)\s+$/, "").replace(/\/+$/, "");
    if (body === "") continue;
    const anchored = body.includes("/");
    const prefix = escapeDir(dir) + (anchored ? "/" : "/**/");
    out.push(`${negative ? "!" : ""}${prefix}${pattern.replace(/^\/+/, "")}`);
  }
  return out;
}

/**
 * Decides which paths below a root folder the `.accsrignore` files of that folder and its
 * subfolders exclude. Ignore files are read lazily (once per folder) as paths below them are
 * asked about; folders that do not exist simply have none.
 *
 * @example
 * ```ts
 * import { IgnoreMatcher } from "./ignore_files.ts";
 * const matcher = new IgnoreMatcher("/data/project");
 * if (await matcher.ignores("/data/project/cache/x.bin", false)) console.log("not pushed");
 * ```
 */
export class IgnoreMatcher {
  /** Absolute root folder: paths are matched relative to it. */
  readonly root: string;
  readonly #ig = ignore({ ignorecase: false });
  readonly #loaded = new Map<string, Promise<void>>();
  readonly #read?: (dir: string) => Promise<string | undefined>;
  /** Whether any ignore file had a pattern (until then nothing is ignored, nothing matched). */
  #any = false;
  readonly #rootSlash: string;

  /**
   * A matcher for the tree below `root` (absolute or relative to the working directory).
   * `options.read` replaces reading the ignore files from disk: it gets a folder as a
   * `/`-path relative to the root and returns the text of its ignore file, if any (a pull
   * uses it for the ignore files it is about to download).
   */
  constructor(
    root: string,
    options: { read?: (dir: string) => Promise<string | undefined> } = {},
  ) {
    this.root = path.resolve(root);
    this.#rootSlash = this.root.endsWith(path.sep) ? this.root : this.root + path.sep;
    this.#read = options.read;
  }

  /** Loads the ignore file of `rel` (a `/`-path of a folder relative to the root) and of its parents. */
  #load(rel: string): Promise<void> {
    let p = this.#loaded.get(rel);
    if (p === undefined) {
      const parent = rel === "" ? undefined : rel.includes("/") ? rel.replace(/\/[^/]*$/, "") : "";
      p = (async () => {
        if (parent !== undefined) await this.#load(parent);
        const file = path.join(
          this.root,
          ...rel.split("/").filter((s) => s !== ""),
          IGNORE_FILE_NAME,
        );
        let text: string | undefined;
        if (this.#read !== undefined) {
          text = await this.#read(rel);
          const patterns = text === undefined ? [] : rebasePatterns(text, rel);
          if (patterns.length > 0) {
            this.#ig.add(patterns);
            this.#any = true;
          }
          return;
        }
        try {
          text = await readFile(file, "utf8");
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === "ENOENT" || code === "ENOTDIR") return;
          throw new AccsrError(
            `Cannot read ignore file "${file}": ${
              code === "EACCES" || code === "EPERM" ? "permission denied" : (e as Error).message
            } (fix its permissions, or pass ignoreFiles: false)`,
            { code: "LOCAL_PATH_INVALID", cause: e },
          );
        }
        const patterns = rebasePatterns(text, rel);
        if (patterns.length > 0) {
          this.#ig.add(patterns);
          this.#any = true;
        }
      })();
      this.#loaded.set(rel, p);
    }
    return p;
  }

  /**
   * The `/`-path of `absPath` relative to the root, or `undefined` when it is the root
   * itself or lies outside it.
   */
  relative(absPath: string): string | undefined {
    if (absPath.startsWith(this.#rootSlash) && !absPath.includes(`${path.sep}.`)) {
      // the walk's paths: already absolute and normal below the root
      const rel = absPath.slice(this.#rootSlash.length);
      if (rel !== "" && !rel.includes(`${path.sep}${path.sep}`)) {
        return path.sep === "/" ? rel : rel.split(path.sep).join("/");
      }
    }
    const rel = path.relative(this.root, path.resolve(absPath));
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep).join("/");
  }

  /**
   * Whether the ignore files exclude `absPath` (a file, or a folder when `isDirectory`), or
   * a folder it lies in. Paths outside the root are never ignored.
   */
  async ignores(absPath: string, isDirectory: boolean): Promise<boolean> {
    const rel = this.relative(absPath);
    if (rel === undefined) return false;
    const cut = rel.lastIndexOf("/");
    await this.#load(cut === -1 ? "" : rel.slice(0, cut));
    // no pattern anywhere yet: nothing to match (the matcher would also remember every path)
    if (!this.#any) return false;
    return this.#ig.ignores(isDirectory ? `${rel}/` : rel);
  }
}
