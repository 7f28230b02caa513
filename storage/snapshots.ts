/**
 * Snapshots: named JSON manifests of what a remote path held (key, size, MD5, ETag and — on
 * a versioned bucket — version id of every object), stored create-only at
 * `<basePath>/.accsr/snapshots/<name>.json`. Building, validating, reading and writing them;
 * restoring is planned in `snapshot_restore.ts`.
 *
 * @module
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { AccsrError, StorageError } from "../errors.ts";
import { joinKey, relativeKey } from "./keys.ts";
import { matchPull } from "./plan.ts";
import { runPool } from "./pool.ts";
import { DISPLAY_ROWS, escapeHtml, htmlTable } from "./_display.ts";
import { readableSize } from "./progress.ts";
import type { ObjectStore, StoreObject } from "./stores/types.ts";
import { ACCSR_VERSION } from "./_version.ts";

/**
 * One file of a {@linkcode Snapshot}.
 *
 * @example
 * ```ts
 * import type { SnapshotFile } from "accsr/storage";
 * const f: SnapshotFile = { key: "data/a.csv", size: 3, md5: "900150983cd24fb0d6963f7d28e17f72" };
 * ```
 */
export interface SnapshotFile {
  /** Key relative to the base path. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** MD5 of the content (lower-case hex). */
  md5: string;
  /** ETag of the object when the snapshot was taken. */
  etag?: string;
  /** Version id (versioned buckets): restores read exactly this version. */
  versionId?: string;
}

/**
 * A named record of what a remote path held.
 *
 * @example
 * ```ts
 * import type { Snapshot } from "accsr/storage";
 * const s: Snapshot = { name: "v1", created: "2026-01-01T00:00:00.000Z", path: "data", files: [] };
 * ```
 */
export interface Snapshot {
  /** Name (letters, digits, `.`, `_`, `-`; starts with a letter or digit). */
  name: string;
  /** Creation time, ISO 8601. */
  created: string;
  /** Free text given at creation. */
  message?: string;
  /** The remote path (below the base path) the snapshot records. */
  path: string;
  /** Version of accsr that wrote it. */
  tool?: string;
  /** Every file, sorted by key. */
  files: SnapshotFile[];
}

/** Folder of the manifests, relative to the base path. */
const SNAPSHOT_DIR = ".accsr/snapshots";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Throws a `RangeError` naming the rule when `name` is no valid snapshot name.
 *
 * @example
 * ```ts
 * import { validateSnapshotName } from "accsr/storage";
 * validateSnapshotName("train-2026-01"); // ok
 * ```
 */
export function validateSnapshotName(name: string): void {
  if (typeof name !== "string" || !NAME.test(name) || name.includes("..")) {
    throw new RangeError(
      `Invalid snapshot name ${
        JSON.stringify(name)
      }: use 1–128 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "train-2026-01")`,
    );
  }
}

/**
 * The key of the manifest of snapshot `name`.
 *
 * @example
 * ```ts
 * import { snapshotKey } from "accsr/storage";
 * snapshotKey("ns", "v1"); // "ns/.accsr/snapshots/v1.json"
 * ```
 */
export function snapshotKey(basePath: string, name: string): string {
  validateSnapshotName(name);
  return joinKey(basePath, SNAPSHOT_DIR, `${name}.json`);
}

function snapshotError(message: string, code: string, cause?: unknown): AccsrError {
  return new AccsrError(message, { code, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Records what `<basePath>/<remotePath>` holds now: lists it (leaving out `.accsr/`), asks
 * each object's MD5 and version id (a HEAD per object), and returns the manifest (not yet
 * stored). Objects without a known MD5 (multipart uploads of other tools, with neither an
 * `md5` metadata entry nor a plain ETag) refuse the snapshot, naming them.
 *
 * @example
 * ```ts
 * import { buildSnapshot, MemoryStore } from "accsr/storage";
 * const store = new MemoryStore("b");
 * await store.createBucket();
 * const s = await buildSnapshot(store, { basePath: "", remotePath: "", name: "v1" }).catch(() => undefined);
 * ```
 */
export async function buildSnapshot(
  store: ObjectStore,
  o: {
    basePath: string;
    remotePath: string;
    name: string;
    message?: string;
    signal?: AbortSignal;
    concurrency?: number;
  },
): Promise<Snapshot> {
  validateSnapshotName(o.name);
  const full = joinKey(o.basePath, o.remotePath);
  const listing: StoreObject[] = [];
  for await (const x of store.list(full, { signal: o.signal })) listing.push(x);
  const matches = matchPull(listing, {
    basePath: o.basePath,
    fullPrefix: full,
    skip: () => false,
  }).filter((m) => m.problem === undefined);
  if (matches.length === 0) {
    throw snapshotError(
      `Cannot create snapshot "${o.name}": nothing exists on the remote below "${
        o.remotePath || "/"
      }" (push the files first; check the path with accsr ls)`,
      "REMOTE_PATH_EMPTY",
    );
  }
  const results = await runPool(matches, o.concurrency ?? 16, async (m) => {
    const listed = listing.find((x) => x.key === m.key);
    const h = await store.head(m.key, { signal: o.signal });
    const current = h ?? listed!;
    return { m, current, md5: current.md5 ?? listed?.md5 };
  }, { signal: o.signal, stopOnError: true });
  o.signal?.throwIfAborted();
  const files: SnapshotFile[] = [];
  const unknown: string[] = [];
  for (const r of results) {
    if (r?.status === "rejected") throw r.reason;
    const { m, current, md5 } = r!.value;
    if (md5 === undefined || !/^[0-9a-f]{32}$/i.test(md5)) {
      unknown.push(m.relKey);
      continue;
    }
    const f: SnapshotFile = { key: m.relKey, size: current.size, md5: md5.toLowerCase() };
    if (current.etag !== undefined) f.etag = current.etag;
    if (current.versionId !== undefined) f.versionId = current.versionId;
    files.push(f);
  }
  if (unknown.length > 0) {
    throw snapshotError(
      `Cannot create snapshot "${o.name}": the MD5 of ${unknown.length} object(s) is unknown (multipart uploads without an md5 metadata entry): ${
        unknown.slice(0, 10).join(", ")
      } (pull and push them again with accsr, which records the MD5)`,
      "SNAPSHOT_MD5_UNKNOWN",
    );
  }
  files.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const snap: Snapshot = {
    name: o.name,
    created: new Date().toISOString(),
    ...(o.message === undefined ? {} : { message: o.message }),
    path: relativeKey(o.basePath, full) ?? o.remotePath,
    tool: `accsr ${ACCSR_VERSION}`,
    files,
  };
  return snap;
}

/**
 * Stores a manifest create-only: when `name` already exists (also when a concurrent writer
 * stored it first) it fails with code `SNAPSHOT_EXISTS` and the existing one stays.
 *
 * @example
 * ```ts
 * import { MemoryStore, storeSnapshot } from "accsr/storage";
 * const store = new MemoryStore("b");
 * await store.createBucket();
 * await storeSnapshot(store, "", { name: "v1", created: new Date().toISOString(), path: "", files: [] });
 * ```
 */
export async function storeSnapshot(
  store: ObjectStore,
  basePath: string,
  snap: Snapshot,
  signal?: AbortSignal,
): Promise<void> {
  const key = snapshotKey(basePath, snap.name);
  const data = new TextEncoder().encode(JSON.stringify(snap, null, 2) + "\n");
  try {
    await store.put(key, { data }, {
      md5: createHash("md5").update(data).digest("hex"),
      ifNoneMatch: true,
      contentType: "application/json",
      signal,
    });
  } catch (e) {
    if (e instanceof StorageError && e.code === "PRECONDITION_FAILED") {
      throw snapshotError(
        `Cannot create snapshot "${snap.name}": a snapshot of that name already exists in ${store.location} (choose another name, or delete it first with accsr snapshot delete ${snap.name})`,
        "SNAPSHOT_EXISTS",
        e,
      );
    }
    throw e;
  }
}

/**
 * Reads and validates the manifest of snapshot `name`; code `SNAPSHOT_NOT_FOUND` when there
 * is none.
 *
 * @example
 * ```ts
 * import { MemoryStore, readSnapshot } from "accsr/storage";
 * const store = new MemoryStore("b");
 * await store.createBucket();
 * await readSnapshot(store, "", "v1").catch((e) => console.log(e.code)); // SNAPSHOT_NOT_FOUND
 * ```
 */
export async function readSnapshot(
  store: ObjectStore,
  basePath: string,
  name: string,
  signal?: AbortSignal,
): Promise<Snapshot> {
  const key = snapshotKey(basePath, name);
  const dir = await mkdtemp(path.join(tmpdir(), "accsr-snapshot-"));
  let text: string;
  try {
    const file = path.join(dir, "manifest.json");
    await store.get(key, file, { signal });
    text = await readFile(file, "utf8");
  } catch (e) {
    if (e instanceof StorageError && e.code === "NOT_FOUND") {
      throw snapshotError(
        `Cannot read snapshot "${name}": there is no such snapshot in ${store.location} (list them with accsr snapshot list)`,
        "SNAPSHOT_NOT_FOUND",
        e,
      );
    }
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return parseSnapshot(text, key);
}

/**
 * Parses and validates a manifest's text (`where` names it in errors).
 *
 * @example
 * ```ts
 * import { parseSnapshot } from "accsr/storage";
 * parseSnapshot('{"name":"v1","created":"2026-01-01T00:00:00Z","path":"","files":[]}', "v1.json");
 * ```
 */
export function parseSnapshot(text: string, where: string): Snapshot {
  const bad = (why: string) =>
    snapshotError(
      `Cannot read snapshot manifest "${where}": ${why} (it was not written by accsr, or was edited)`,
      "SNAPSHOT_INVALID",
    );
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON: ${(e as Error).message}`);
  }
  const s = v as Snapshot;
  if (typeof s !== "object" || s === null) throw bad("not an object");
  if (typeof s.name !== "string" || typeof s.created !== "string" || typeof s.path !== "string") {
    throw bad("name, created or path missing");
  }
  if (!Array.isArray(s.files)) throw bad("files missing");
  for (const f of s.files) {
    if (
      typeof f?.key !== "string" || typeof f.size !== "number" || typeof f.md5 !== "string" ||
      !/^[0-9a-f]{32}$/.test(f.md5)
    ) throw bad(`a file entry lacks key, size or MD5: ${JSON.stringify(f)}`);
  }
  return withSnapshotDisplay(s);
}

/**
 * Every stored snapshot, sorted by creation time (oldest first).
 *
 * @example
 * ```ts
 * import { listSnapshots, MemoryStore } from "accsr/storage";
 * const store = new MemoryStore("b");
 * await store.createBucket();
 * console.log((await listSnapshots(store, "")).length); // 0
 * ```
 */
export async function listSnapshots(
  store: ObjectStore,
  basePath: string,
  signal?: AbortSignal,
): Promise<Snapshot[]> {
  const prefix = joinKey(basePath, SNAPSHOT_DIR) + "/";
  const names: string[] = [];
  for await (const o of store.list(prefix, { signal })) {
    const rest = o.key.slice(prefix.length);
    if (!rest.endsWith(".json") || rest.includes("/")) continue;
    const name = rest.slice(0, -5);
    if (NAME.test(name)) names.push(name);
  }
  const out = await runPool(names, 8, (n) => readSnapshot(store, basePath, n, signal), {
    signal,
    stopOnError: true,
  });
  const snaps = out.map((r) => {
    if (r?.status === "rejected") throw r.reason;
    return r!.value;
  });
  return snaps.sort((a, b) =>
    a.created < b.created ? -1 : a.created > b.created ? 1 : a.name < b.name ? -1 : 1
  );
}

/**
 * Deletes the manifest of snapshot `name` (the objects stay); `SNAPSHOT_NOT_FOUND` when there
 * is none.
 *
 * @example
 * ```ts
 * import { deleteSnapshot, MemoryStore } from "accsr/storage";
 * const store = new MemoryStore("b");
 * await store.createBucket();
 * await deleteSnapshot(store, "", "v1").catch((e) => console.log(e.code)); // SNAPSHOT_NOT_FOUND
 * ```
 */
export async function deleteSnapshot(
  store: ObjectStore,
  basePath: string,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  const key = snapshotKey(basePath, name);
  if ((await store.head(key, { signal })) === undefined) {
    throw snapshotError(
      `Cannot delete snapshot "${name}": there is no such snapshot in ${store.location} (list them with accsr snapshot list)`,
      "SNAPSHOT_NOT_FOUND",
    );
  }
  await store.delete([key], { signal });
}

/**
 * Gives a snapshot a table display in Deno Jupyter notebooks (files, sizes, totals; at most
 * 50 rows shown) and returns it.
 *
 * @example
 * ```ts
 * import { withSnapshotDisplay } from "accsr/storage";
 * const s = withSnapshotDisplay({ name: "v1", created: "2026-01-01T00:00:00Z", path: "", files: [] });
 * ```
 */
export function withSnapshotDisplay(s: Snapshot): Snapshot {
  const totals = () =>
    `snapshot "${s.name}" of "${s.path || "/"}" (${s.created}${
      s.message ? `: ${s.message}` : ""
    }): ${s.files.length} file(s), ${readableSize(s.files.reduce((n, f) => n + f.size, 0))}`;
  Object.defineProperty(s, Symbol.for("Jupyter.display"), {
    value: () => ({
      "text/plain": totals(),
      "text/html": `<p>${escapeHtml(totals())}</p>` +
        htmlTable(
          s.files.slice(0, DISPLAY_ROWS).map((f) => ({
            key: f.key,
            size: readableSize(f.size),
            md5: f.md5,
            version: f.versionId ?? "",
          })),
          s.files.length,
        ),
    }),
    enumerable: false,
    configurable: true,
  });
  return s;
}
