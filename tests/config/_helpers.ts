/**
 * Shared fixtures of the config tests: temporary directories and the files of
 * `tests/testdata/config/`.
 *
 * @module
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Absolute path of `tests/testdata/config/`. */
export const FIXTURES: string = fileURLToPath(new URL("../testdata/config/", import.meta.url));

/** The file hierarchy of the fixtures: JSON defaults, YAML overrides. */
export const FIXTURE_FILES: readonly string[] = ["config.json", "config_local.yml"];

/** Runs `fn` with a fresh temporary directory that is removed afterwards. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "accsr-config-test-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with a temporary directory holding a copy of the fixtures. */
export function withFixtureDir<T>(fn: (dir: string) => T): T {
  return withTempDir((dir) => {
    cpSync(FIXTURES, dir, { recursive: true });
    return fn(dir);
  });
}

/** Writes files into `dir`: strings as they are, anything else as JSON. */
export function writeFiles(dir: string, files: Record<string, unknown>): void {
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(
      join(dir, name),
      typeof content === "string" ? content : JSON.stringify(content, null, 2),
    );
  }
}

/** Runs `fn` with `process.env[name]` set to `value` (or deleted), then restores it. */
export function withProcessEnv<T>(name: string, value: string | undefined, fn: () => T): T {
  const before = process.env[name];
  try {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
    return fn();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

/** Calls `fn` and returns what it throws (fails when it does not throw). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to throw");
}
