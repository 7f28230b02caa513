/**
 * Helpers of the CLI tests: run the CLI in-process with captured output and a temporary
 * working directory.
 *
 * @module
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { run } from "../../cli/mod.ts";

/** What a CLI run printed and returned. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Options of {@linkcode runCli}. */
export interface RunCliOptions {
  /** Working directory. */
  cwd: string;
  /** Environment (default: empty, so the process environment never leaks in). */
  env?: Record<string, string | undefined>;
  /** Pretend stdout and stderr are terminals. */
  isTTY?: boolean;
}

/** Runs the CLI in-process and captures its output. */
export async function runCli(argv: string[], options: RunCliOptions): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), columns: 80 },
    cwd: options.cwd,
    env: options.env ?? {},
    ...(options.isTTY === undefined ? {} : { isTTY: options.isTTY }),
  });
  return { code, stdout, stderr };
}

/** Parses stdout as JSON, with the output in the error when it is not. */
export function jsonOf<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** A temporary directory; `remove()` deletes it. */
export interface TempDir {
  /** Absolute path. */
  path: string;
  /** Deletes the directory. */
  remove(): void;
}

/** Creates a temporary directory. */
export function tempDir(prefix = "accsr-cli-test-"): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes files below `dir` (parents created): strings as they are, anything else as JSON. */
export function writeFiles(dir: string, files: Record<string, unknown>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
}

/** Reads a text file below `dir`. */
export function readText(dir: string, name: string): string {
  return readFileSync(join(dir, name), "utf8");
}

/** A project folder (the working directory) and a store root next to it, both temporary. */
export interface Project {
  /** Parent temporary directory. */
  tmp: TempDir;
  /** The working directory of the CLI runs. */
  cwd: string;
  /** Root folder of the file provider. */
  root: string;
  /** Runs the CLI with `cwd` as working directory. */
  cli(argv: string[], options?: Omit<RunCliOptions, "cwd">): Promise<CliResult>;
}

/**
 * A project with `data/a.txt`, `data/sub/b.txt`, `top.txt` and a `config.json` that selects
 * the file provider (root `../store`, bucket `bkt`, base path `ns`) unless `config` is false.
 */
export function project(options: { config?: boolean | Record<string, unknown> } = {}): Project {
  const tmp = tempDir();
  const cwd = join(tmp.path, "work");
  const root = join(tmp.path, "store");
  mkdirSync(root, { recursive: true });
  writeFiles(cwd, { "data/a.txt": "aaa", "data/sub/b.txt": "bb", "top.txt": "top" });
  if (options.config !== false) {
    const storage = typeof options.config === "object"
      ? options.config
      : { provider: "file", root: "../store", bucket: "bkt", base_path: "ns" };
    writeFiles(cwd, { "config.json": { remote_storage: storage } });
  }
  return {
    tmp,
    cwd,
    root,
    cli: (argv, o = {}) => runCli(argv, { cwd, ...o }),
  };
}
