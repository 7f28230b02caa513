/**
 * The state of interrupted multipart uploads, kept outside the synced tree beside the hash
 * cache (`$ACCSR_CACHE_DIR/uploads/`, else `$XDG_CACHE_HOME/accsr/uploads/`, else
 * `~/.cache/accsr/uploads/`): one small JSON file per store location and key, naming the
 * upload id and the file version it uploads. Written atomically (temporary file + rename).
 * A lock file beside it, holding the pid of its owner, keeps two overlapping runs from
 * sharing one upload: the second run simply uploads without resuming.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { processAlive } from "./temp_files.ts";

/**
 * What is recorded about one multipart upload in progress.
 *
 * @example
 * ```ts
 * import type { UploadState } from "./resume_state.ts";
 * const s: UploadState = {
 *   version: 1, location: "s3://b at http://127.0.0.1:7480", key: "data/big.bin", uploadId: "2~x",
 *   size: 268435456, md5: "9e107d9d372bb6826bd81d3542a419d6", partSize: 16777216, created: "2026-12-06T13:00:00.000Z",
 * };
 * ```
 */
export interface UploadState {
  /** Format version (1). */
  version: 1;
  /** Where the upload goes (store location, no secret). */
  location: string;
  /** Object key. */
  key: string;
  /** Upload id. */
  uploadId: string;
  /** Size of the file being uploaded. */
  size: number;
  /** MD5 of the whole file being uploaded. */
  md5: string;
  /** Part size used. */
  partSize: number;
  /** When the upload started (ISO). */
  created: string;
}

/**
 * The folder of the upload states, or `undefined` when no cache folder can be found (or
 * `ACCSR_RESUME=0`).
 *
 * @example
 * ```ts
 * import { uploadStateDir } from "./resume_state.ts";
 * console.log(uploadStateDir()); // e.g. /home/me/.cache/accsr/uploads
 * ```
 */
export function uploadStateDir(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (env.ACCSR_RESUME === "0") return undefined;
  if (env.ACCSR_CACHE_DIR) return path.join(env.ACCSR_CACHE_DIR, "uploads");
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, "accsr", "uploads");
  const home = os.homedir();
  return home ? path.join(home, ".cache", "accsr", "uploads") : undefined;
}

/**
 * The exclusively held state of one (location, key): read, write, remove, release.
 *
 * @example
 * ```ts
 * import { UploadStates } from "./resume_state.ts";
 * const states = new UploadStates("/tmp/accsr-uploads");
 * const held = await states.acquire("s3://b at http://127.0.0.1:7480", "data/big.bin");
 * if (held) {
 *   console.log(await held.read());
 *   await held.release();
 * }
 * ```
 */
export interface HeldUploadState {
  /** The recorded state, if any (and readable). */
  read(): Promise<UploadState | undefined>;
  /** Records the state (atomically). */
  write(state: UploadState): Promise<void>;
  /** Forgets the state. */
  remove(): Promise<void>;
  /** Releases the lock. Idempotent. */
  release(): Promise<void>;
}

/**
 * The upload states in one folder.
 *
 * @example
 * ```ts
 * import { UploadStates } from "./resume_state.ts";
 * const states = new UploadStates("/tmp/accsr-uploads");
 * const held = await states.acquire("s3://b at http://127.0.0.1:7480", "data/big.bin");
 * await held?.release();
 * ```
 */
export class UploadStates {
  /** The folder. */
  readonly dir: string;

  /** States in `dir` (created on the first write). */
  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Takes the lock of (location, key); `undefined` when a running process holds it (or the
   * folder is not writable). A lock whose owner no longer runs is taken over.
   */
  async acquire(location: string, key: string): Promise<HeldUploadState | undefined> {
    const id = createHash("sha256").update(`${location}\0${key}`).digest("hex").slice(0, 32);
    const file = path.join(this.dir, `${id}.json`);
    const lock = path.join(this.dir, `${id}.lock`);
    try {
      await mkdir(this.dir, { recursive: true });
    } catch {
      return undefined;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(lock, String(process.pid), { flag: "wx" });
        return held(file, lock);
      } catch (e) {
        if ((e as { code?: string }).code !== "EEXIST") return undefined;
        const owner = Number(await readFile(lock, "utf8").catch(() => ""));
        if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) return undefined;
        await unlink(lock).catch(() => {}); // its owner died: take it over
      }
    }
    return undefined;
  }
}

function held(file: string, lock: string): HeldUploadState {
  let released = false;
  return {
    async read() {
      try {
        const s = JSON.parse(await readFile(file, "utf8")) as UploadState;
        return s && s.version === 1 && typeof s.uploadId === "string" ? s : undefined;
      } catch {
        return undefined;
      }
    },
    async write(state) {
      const tmp = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
      try {
        await writeFile(tmp, JSON.stringify(state));
        await rename(tmp, file);
      } catch {
        await unlink(tmp).catch(() => {}); // best effort: without a state, no resume
      }
    },
    async remove() {
      await unlink(file).catch(() => {});
    },
    async release() {
      if (released) return;
      released = true;
      await unlink(lock).catch(() => {});
    },
  };
}
