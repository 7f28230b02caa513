/**
 * Test fixtures for the loading tests: temporary directories and tar archives generated on
 * the fly (tar-stream for the tar format, node:zlib for gzip, the system's bzip2/xz).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

/** One member of a generated archive. */
export interface MemberSpec {
  name: string;
  /** Defaults to a regular file. */
  type?: "file" | "directory" | "symlink";
  content?: string | Uint8Array;
  linkname?: string;
}

/** A fresh temporary directory; call `cleanup()` when done. */
export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "accsr-loading-test-"));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A plain tar archive of `members`, in memory. */
export async function tarBytes(members: readonly MemberSpec[]): Promise<Uint8Array> {
  const archive = pack();
  const chunks: Uint8Array[] = [];
  const done = new Promise<void>((resolve, reject) => {
    archive.on("data", (c: unknown) => chunks.push(c as Uint8Array));
    archive.on("end", () => resolve());
    archive.on("error", reject);
  });
  for (const m of members) {
    const type = m.type ?? "file";
    if (type === "file") {
      const content = typeof m.content === "string"
        ? new TextEncoder().encode(m.content)
        : m.content ?? new Uint8Array();
      await new Promise<void>((resolve, reject) =>
        archive.entry(
          { name: m.name, type, mode: 0o644 },
          content,
          (e) => e ? reject(e) : resolve(),
        )
      );
    } else {
      await new Promise<void>((resolve, reject) =>
        archive.entry(
          { name: m.name, type, mode: 0o755, linkname: m.linkname },
          (e) => e ? reject(e) : resolve(),
        )
      );
    }
  }
  archive.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

/** Whether a command-line tool is on the PATH. */
export function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

export type Compression = "none" | "gzip" | "bzip2" | "xz";

/** Compresses `data` (gzip in-process, bzip2 and xz with the system tools). */
export function compress(data: Uint8Array, compression: Compression): Uint8Array {
  switch (compression) {
    case "none":
      return data;
    case "gzip":
      return new Uint8Array(gzipSync(data));
    case "bzip2":
      return new Uint8Array(execFileSync("bzip2", ["-c"], { input: data }));
    case "xz":
      return new Uint8Array(execFileSync("xz", ["-c"], { input: data }));
  }
}

/** Writes an archive of `members` to `dir/name`, compressed as asked; returns its path. */
export async function writeArchive(
  dir: string,
  name: string,
  members: readonly MemberSpec[],
  compression: Compression = "none",
): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, compress(await tarBytes(members), compression));
  return path;
}

/** The loading test data directory. */
export const TESTDATA = fileURLToPath(new URL("../testdata/loading/", import.meta.url));
