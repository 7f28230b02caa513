/**
 * {@linkcode RemoteStorage}: git-like `push` / `pull` / `delete` / `listObjects` between a
 * local folder and a namespace (`basePath`) inside a bucket.
 *
 * @module
 */
import { BandwidthLimiter } from "./bandwidth.ts";
import { checkFilters, type TransferFilters } from "./filters.ts";
import { setMaxListeners } from "node:events";
import { mkdir } from "node:fs/promises";
import * as path from "node:path";
import * as nodePath from "node:path";
import { AccsrError } from "../errors.ts";
import { hasGlobMagic } from "./local_files.ts";
import { planSnapshotRestore } from "./snapshot_restore.ts";
import {
  buildSnapshot,
  deleteSnapshot as deleteSnapshotManifest,
  listSnapshots as listSnapshotManifests,
  readSnapshot,
  type Snapshot,
  snapshotKey,
  storeSnapshot,
  validateSnapshotName,
  withSnapshotDisplay,
} from "./snapshots.ts";
import process from "node:process";
import { applyPlan } from "./apply.ts";
import { normalizeBasePath } from "./keys.ts";
import { type PathPattern, skipPredicate } from "./patterns.ts";
import { guessContentType } from "./content_type.ts";
import { MAX_PLAIN_ETAG_SIZE, plainEtagTooLarge } from "./stores/_s3_plain_etag.ts";
import { matchPull, toRemoteObject } from "./plan.ts";
import type { PlanContext } from "./plan_context.ts";
import { planPull, planPush, pushKey } from "./planner.ts";
import { defaultReporter, type Logger, type SyncEvents } from "./progress.ts";
import {
  type NormalizedStorageConfig,
  normalizeStorageConfig,
  redactedConfig,
  type RemoteStorageConfig,
} from "./storage_config.ts";
import { createStore } from "./stores/create.ts";
import type { ObjectStore } from "./stores/types.ts";
import { withTableDisplay } from "./_display.ts";
import {
  type RemoteObject,
  remoteObjectRows,
  remoteObjectTotals,
  type SyncObject,
  type TransactionSummary,
} from "./summary.ts";

/**
 * Options of the {@linkcode RemoteStorage} constructor.
 *
 * @example
 * ```ts
 * import type { RemoteStorageOptions } from "accsr/storage";
 * const o: RemoteStorageOptions = {
 *   addExtraToUpload: (so) => ({ metadata: { origin: "laptop" } }),
 *   events: { log: () => {} }, // silence log lines
 * };
 * ```
 */
export interface RemoteStorageOptions {
  /** Extra metadata / content type for every upload. */
  addExtraToUpload?: (o: SyncObject) => { metadata?: Record<string, string>; contentType?: string };
  /** Overrides the remote hash used for equality (e.g. read a metadata entry). */
  remoteHashExtractor?: (o: RemoteObject) => string | undefined;
  /**
   * Progress and log events; default: a progress bar when stderr is a terminal and `usePbar`
   * is on, and no log lines (see `logger`).
   */
  events?: SyncEvents;
  /**
   * Receives accsr's log lines (`Scanning files in …`, `Uploading file 1/3 to …`, warnings).
   * Without it the library prints no log line, unless `ACCSR_LOG=info` (or `warn`) is set,
   * which prints them on stderr. Ignored when `events` is given.
   */
  logger?: Logger;
  /** Use this store instead of building one from the config (custom backends, fault injection). */
  store?: ObjectStore;
}

export type {
  CleanupOptions,
  CleanupResult,
  DeleteOptions,
  PullOptions,
  PushOptions,
} from "./transfer_options.ts";
import type {
  CleanupOptions,
  CleanupResult,
  DeleteOptions,
  PullOptions,
  PushOptions,
} from "./transfer_options.ts";

/** Every parallel transfer listens on the signal; that is expected, not a leak. */
function allowManyListeners(signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError("Cannot use signal: expected an AbortSignal");
  }
  try {
    setMaxListeners(0, signal);
  } catch { /* runtimes without listener limits */ }
}

/** Validates `delete` / `maxDelete`. */
function checkDelete(o: { delete?: boolean; maxDelete?: number }): void {
  if (o.maxDelete === undefined) return;
  if (!Number.isInteger(o.maxDelete) || o.maxDelete < 0) {
    throw new RangeError(`maxDelete must be a non-negative integer, got ${String(o.maxDelete)}`);
  }
  if (o.delete !== true) {
    throw new RangeError("maxDelete needs delete: true (it limits the deletions of a mirror)");
  }
}

function checkConcurrency(n: number | undefined): number {
  if (n === undefined) return 16;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${String(n)}`);
  }
  return n;
}

/**
 * A planned push (see {@linkcode RemoteStorage.planPush}): what would move, and the transfer
 * of exactly that plan.
 *
 * @example
 * ```ts
 * import type { PlannedPush } from "accsr/storage";
 * async function run(plan: PlannedPush) {
 *   console.log(plan.summary.filesToSync.length);
 *   return await plan.apply();
 * }
 * ```
 */
export interface PlannedPush {
  /** The plan: matched, new, equal and differing files (nothing transferred yet). */
  readonly summary: TransactionSummary;
  /**
   * Transfers the plan (as `push` would have, with its options: `force`, `dryrun`,
   * `snapshot`…) and resolves with the summary of the transaction. Called again, it returns
   * the same promise: a plan is applied at most once.
   */
  apply(): Promise<TransactionSummary>;
  /** Drops the plan without transferring; the hashes learned while planning are kept. */
  discard(): Promise<void>;
}

/**
 * A bucket namespace to push to and pull from.
 *
 * @example
 * ```ts
 * import { RemoteStorage } from "accsr/storage";
 * const storage = new RemoteStorage({ provider: "file", root: "/tmp/accsr-store", bucket: "demo" });
 * await storage.createBucket();
 * const plan = await storage.push("data", { dryrun: true });
 * plan.printShortSummary();
 * await storage.push("data");
 * await storage.pull("data", { localBaseDir: "/tmp/copy" });
 * ```
 */
export class RemoteStorage {
  /** The config as given; the secret is never shown by String, JSON or inspect. */
  readonly conf: RemoteStorageConfig;
  #normalized: NormalizedStorageConfig;
  #basePath = "";
  #options: RemoteStorageOptions;
  #store?: Promise<ObjectStore>;

  /** Validates the config; connects lazily on the first operation. */
  constructor(config: RemoteStorageConfig, options: RemoteStorageOptions = {}) {
    this.#normalized = normalizeStorageConfig(config);
    this.conf = redactedConfig(config);
    this.#options = options;
    this.#basePath = this.#normalized.basePath;
  }

  /** Provider id of the config. */
  get provider(): string {
    return this.conf.provider;
  }

  /** Current base path (normalised: no leading, trailing or double slashes). */
  get remoteBasePath(): string {
    return this.#basePath;
  }

  /** Changes the base path (`null`/`undefined` → bucket root). */
  setRemoteBasePath(path: string | null | undefined): void {
    this.#basePath = normalizeBasePath(path);
  }

  /** The key a local path would be pushed to. */
  getPushRemotePath(localPath: string): string {
    return pushKey(this.#basePath, localPath);
  }

  /** The store this storage talks to (built on first use). */
  store(): Promise<ObjectStore> {
    if (this.#options.store) return Promise.resolve(this.#options.store);
    this.#store ??= createStore(this.#normalized);
    return this.#store;
  }

  /** Releases connections of the underlying store. */
  async close(): Promise<void> {
    if (this.#store) await (await this.#store).close();
  }

  /** `RemoteStorage(s3://bucket/base)` — no secrets. */
  toString(): string {
    return `RemoteStorage(${this.provider}://${this.conf.bucket}/${this.#basePath})`;
  }

  /** Serialisable form without secrets. */
  toJSON(): Record<string, unknown> {
    return { conf: this.conf, remoteBasePath: this.#basePath };
  }

  /** Shown by `Deno.inspect` / `util.inspect`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Shown by `Deno.inspect`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  #events(usePbar?: boolean): SyncEvents {
    return this.#options.events ??
      defaultReporter({
        usePbar: usePbar ?? this.#normalized.usePbar,
        ...(this.#options.logger ? { logger: this.#options.logger } : {}),
      });
  }

  #ctx(
    store: ObjectStore,
    o: {
      includeRegex?: PathPattern;
      excludeRegex?: PathPattern;
      signal?: AbortSignal;
      concurrency?: number;
      delete?: boolean;
      maxDelete?: number;
      ignoreFiles?: boolean;
    } & TransferFilters,
    events: SyncEvents,
  ): PlanContext {
    checkDelete(o);
    const filters: TransferFilters = {
      maxSize: o.maxSize,
      minSize: o.minSize,
      maxAgeMs: o.maxAgeMs,
      minAgeMs: o.minAgeMs,
      filesFrom: o.filesFrom,
    };
    checkFilters(filters);
    return {
      filters,
      delete: o.delete === true,
      maxDelete: o.maxDelete,
      ignoreFiles: o.ignoreFiles !== false,
      store,
      basePath: this.#basePath,
      includeRegex: o.includeRegex,
      excludeRegex: o.excludeRegex,
      remoteHashExtractor: this.#options.remoteHashExtractor,
      events,
      signal: o.signal,
      concurrency: checkConcurrency(o.concurrency),
    };
  }

  /** Applies a plan with the options shared by push and pull. */
  #apply(
    summary: TransactionSummary,
    ctx: PlanContext,
    o: { force?: boolean; dryrun?: boolean; signal?: AbortSignal; bandwidthLimit?: number },
  ): Promise<TransactionSummary> {
    if (
      summary.syncDirection === "push" && this.#normalized.plainEtags &&
      !["memory", "file"].includes(this.#normalized.provider)
    ) {
      // all or nothing: refused before any byte moves, not when the transfer gets there
      const big = summary.filesToSync.find((f) => f.localSize > MAX_PLAIN_ETAG_SIZE);
      if (big !== undefined) {
        return Promise.reject(plainEtagTooLarge(big.localSize, big.remotePath, this.conf.bucket));
      }
    }
    return applyPlan(summary, {
      store: ctx.store,
      force: o.force ?? false,
      dryrun: o.dryrun ?? false,
      concurrency: ctx.concurrency,
      events: ctx.events,
      signal: o.signal,
      addExtraToUpload: summary.syncDirection === "push"
        ? this.#options.addExtraToUpload
        : undefined,
      remoteHashExtractor: this.#options.remoteHashExtractor,
      contentTypeOf: (path) => guessContentType(path, this.#normalized),
      hashCache: ctx.hashCache,
      mirrorRoot: ctx.mirrorRoot,
      maxAttempts: this.#normalized.maxAttempts,
      ...(o.bandwidthLimit === undefined
        ? {}
        : { bandwidth: new BandwidthLimiter(o.bandwidthLimit) }),
    });
  }

  /** The full key prefix of a remote path (keeps a trailing `/`). */
  #fullRemotePath(remotePath: string): string {
    const rp = remotePath.replace(/\/{2,}/g, "/").replace(/^\/+/, "");
    if (this.#basePath === "") return rp;
    return rp === "" ? `${this.#basePath}/` : `${this.#basePath}/${rp}`;
  }

  /**
   * Creates the bucket (never done implicitly). `existOk` (default true) accepts a bucket you
   * own. `versioning` turns on bucket versioning (also on an existing bucket) where the
   * provider has it (S3 and S3-compatible servers, file, memory), so snapshots restore
   * overwritten and deleted objects; Azure keeps its account's setting.
   */
  async createBucket(options: { existOk?: boolean; versioning?: boolean } = {}): Promise<void> {
    await (await this.store()).createBucket({
      existOk: options.existOk ?? true,
      ...(options.versioning ? { versioning: true } : {}),
    });
  }

  /** Every object whose key starts with `<basePath>/<remotePath>` (raw string prefix listing). */
  async listObjects(
    remotePath: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<RemoteObject[]> {
    const store = await this.store();
    const out: RemoteObject[] = [];
    for await (const o of store.list(this.#fullRemotePath(remotePath ?? ""), options)) {
      out.push(toRemoteObject(o));
    }
    return withTableDisplay(out, remoteObjectRows, remoteObjectTotals);
  }

  /**
   * Pushes a file, directory or glob. Plans first; refuses the whole transaction (nothing
   * moves) on collisions or when files differ and `force` is false.
   */
  async push(path: string, options: PushOptions = {}): Promise<TransactionSummary> {
    return await (await this.planPush(path, options)).apply();
  }

  /**
   * Plans a push like {@linkcode RemoteStorage.push} (same options, same refusals before
   * planning) without transferring anything: the returned plan's `summary` says what
   * `apply()` will do, and `apply()` then transfers exactly that plan (no second listing or
   * scan), refusing conflicts as `push` does. Several paths can so be planned first and
   * refused together (the CLI's `accsr push a b`). A plan that is not applied should be
   * `discard()`ed: that keeps the hashes learned while planning for the next run.
   *
   * @example
   * ```ts
   * import { RemoteStorage } from "accsr/storage";
   * const storage = new RemoteStorage({ provider: "memory", bucket: "demo" });
   * await storage.createBucket();
   * const plans = [await storage.planPush("README.md"), await storage.planPush("LICENSE")];
   * if (plans.every((p) => !p.summary.requiresForce)) for (const p of plans) await p.apply();
   * else for (const p of plans) await p.discard();
   * ```
   */
  async planPush(path: string, options: PushOptions = {}): Promise<PlannedPush> {
    allowManyListeners(options.signal);
    const store = await this.store();
    const events = this.#events(options.usePbar);
    const ctx = this.#ctx(store, options, events);
    const snapshot = options.snapshot;
    if (snapshot !== undefined && !options.dryrun) {
      validateSnapshotName(snapshot);
      if (hasGlobMagic(path)) {
        throw new RangeError(
          `Cannot push "${path}" with snapshot: a glob has no folder to record (pass a folder)`,
        );
      }
      if (await store.head(snapshotKey(this.#basePath, snapshot), { signal: options.signal })) {
        throw new AccsrError(
          `Cannot push "${path}" with snapshot "${snapshot}": a snapshot of that name already exists (choose another name; nothing was transferred)`,
          { code: "SNAPSHOT_EXISTS" },
        );
      }
    }
    ctx.followSymlinks = options.followSymlinks;
    const summary = await planPush(ctx, path, options.localPathPrefix);
    let settled: Promise<TransactionSummary> | undefined;
    const apply = async () => {
      const done = await this.#apply(summary, ctx, options);
      if (snapshot !== undefined && !options.dryrun) {
        await this.createSnapshot(snapshot, this.#pushedRemotePath(path, options.localPathPrefix), {
          signal: options.signal,
        });
      }
      return done;
    };
    return {
      summary,
      apply: () => settled ??= apply(),
      discard: async () => {
        settled ??= Promise.resolve(summary);
        await ctx.hashCache?.save();
      },
    };
  }

  /** The remote path (below the base path) a push of the local `p` writes to. */
  #pushedRemotePath(p: string, localPathPrefix?: string): string {
    let rel = p;
    if (localPathPrefix && nodePath.isAbsolute(p)) {
      rel = nodePath.relative(nodePath.resolve(localPathPrefix), p);
    }
    return rel.split(nodePath.sep).join("/").split("/").filter((s) => s !== "" && s !== ".")
      .join("/");
  }

  /**
   * Records snapshot `name` of `<basePath>/<remotePath>`: a manifest of every object below
   * it now (key relative to the base path, size, MD5, ETag, version id on a versioned
   * bucket), stored create-only at `<basePath>/.accsr/snapshots/<name>.json` — of two
   * concurrent creates of one name exactly one succeeds, the other fails with code
   * `SNAPSHOT_EXISTS`. Names: 1–128 letters, digits, `.`, `_`, `-`.
   *
   * @example
   * ```ts
   * import { RemoteStorage } from "accsr/storage";
   * const storage = new RemoteStorage({ provider: "memory", bucket: "demo" });
   * await storage.createBucket({ versioning: true });
   * await storage.push("data").catch(() => {});
   * const snap = await storage.createSnapshot("train-v1", "data", { message: "first run" }).catch(() => undefined);
   * ```
   */
  async createSnapshot(
    name: string,
    remotePath: string,
    options: { message?: string; signal?: AbortSignal } = {},
  ): Promise<Snapshot> {
    validateSnapshotName(name);
    if (typeof remotePath !== "string") {
      throw new TypeError("Cannot create snapshot: remotePath must be a string");
    }
    const store = await this.store();
    const snap = await buildSnapshot(store, {
      basePath: this.#basePath,
      remotePath: remotePath.replace(/^\/+|\/+$/g, "").replace(/^\.$/, ""),
      name,
      ...(options.message === undefined ? {} : { message: options.message }),
      signal: options.signal,
    });
    await storeSnapshot(store, this.#basePath, snap, options.signal);
    return withSnapshotDisplay(snap);
  }

  /**
   * Every snapshot of the base path, oldest first.
   *
   * @example
   * ```ts
   * import { RemoteStorage } from "accsr/storage";
   * const storage = new RemoteStorage({ provider: "memory", bucket: "demo" });
   * await storage.createBucket();
   * console.log((await storage.listSnapshots()).map((s) => s.name));
   * ```
   */
  async listSnapshots(): Promise<Snapshot[]> {
    return await listSnapshotManifests(await this.store(), this.#basePath);
  }

  /**
   * Snapshot `name` (code `SNAPSHOT_NOT_FOUND` when there is none). In a Deno Jupyter
   * notebook it shows as a table of its files with sizes and totals.
   *
   * @example
   * ```ts
   * import { RemoteStorage } from "accsr/storage";
   * const storage = new RemoteStorage({ provider: "memory", bucket: "demo" });
   * await storage.createBucket();
   * await storage.getSnapshot("v1").catch((e) => console.log(e.code)); // SNAPSHOT_NOT_FOUND
   * ```
   */
  async getSnapshot(name: string): Promise<Snapshot> {
    return await readSnapshot(await this.store(), this.#basePath, name);
  }

  /**
   * Deletes snapshot `name`'s manifest (the objects and their versions stay); code
   * `SNAPSHOT_NOT_FOUND` when there is none.
   *
   * @example
   * ```ts
   * import { RemoteStorage } from "accsr/storage";
   * const storage = new RemoteStorage({ provider: "memory", bucket: "demo" });
   * await storage.createBucket();
   * await storage.deleteSnapshot("v1").catch((e) => console.log(e.code)); // SNAPSHOT_NOT_FOUND
   * ```
   */
  async deleteSnapshot(name: string): Promise<void> {
    await deleteSnapshotManifest(await this.store(), this.#basePath, name);
  }

  /**
   * Pulls everything below `<basePath>/<remotePath>` into `localBaseDir`, mirroring keys
   * relative to the base path. Files with equal MD5 never move.
   */
  async pull(remotePath: string, options: PullOptions = {}): Promise<TransactionSummary> {
    if (typeof remotePath !== "string") {
      throw new TypeError("Cannot pull: remotePath must be a string");
    }
    let localBaseDir = options.localBaseDir ?? "";
    let strip = options.stripAbspathPrefix;
    if ((options.stripAbsLocalBaseDir ?? true) && path.isAbsolute(localBaseDir)) {
      if (strip !== undefined && strip !== null) {
        throw new RangeError(
          `Cannot specify both stripAbsLocalBaseDir=true and stripAbspathPrefix="${strip}" when localBaseDir="${localBaseDir}" is an absolute path.`,
        );
      }
      strip = localBaseDir;
    }
    let rp = remotePath;
    const isAbs = rp.startsWith("/") || path.isAbsolute(rp) || /^[A-Za-z]:[\\/]/.test(rp);
    if (strip && isAbs) {
      const norm = (s: string) => s.replace(/\\/g, "/").replace(/\/+$/, "");
      const prefix = norm(strip);
      const r = norm(rp);
      if (r === prefix) rp = "";
      else if (r.startsWith(prefix + "/")) rp = r.slice(prefix.length + 1);
      else {
        throw new RangeError(
          `Cannot pull "${remotePath}": it is absolute but not inside the prefix "${prefix}" to strip (pass a path below it)`,
        );
      }
    }
    if (options.convertToLinuxPath ?? true) rp = rp.replace(/\\/g, "/");
    refuseDotDot("pull", rp);
    localBaseDir = path.resolve(process.cwd(), localBaseDir);
    allowManyListeners(options.signal);
    const store = await this.store();
    const events = this.#events(options.usePbar);
    const ctx = this.#ctx(store, options, events);
    if (options.snapshot !== undefined) {
      if (options.delete) {
        throw new RangeError(
          "Cannot pull with snapshot and delete together (restore the snapshot into an empty folder instead)",
        );
      }
      const snap = await readSnapshot(store, this.#basePath, options.snapshot, options.signal);
      const scope = rp.replace(/^\/+|\/+$/g, "").replace(/^\.$/, "");
      const files = snap.files.filter((f) =>
        scope === "" || f.key === scope || f.key.startsWith(`${scope}/`)
      );
      if (files.length === 0) {
        throw new AccsrError(
          `Cannot pull "${remotePath}" from snapshot "${snap.name}": the snapshot records no file below it (it recorded "${
            snap.path || "/"
          }"; see accsr snapshot show ${snap.name})`,
          { code: "REMOTE_PATH_EMPTY" },
        );
      }
      await mkdir(localBaseDir, { recursive: true });
      const summary = await planSnapshotRestore(ctx, { ...snap, files }, localBaseDir);
      return await this.#apply(summary, ctx, options);
    }
    const summary = await planPull(ctx, rp, { localBaseDir });
    return await this.#apply(summary, ctx, options);
  }

  /**
   * Removes the debris of interrupted transfers below `<basePath>/<remotePath>`: aborts
   * incomplete multipart uploads, whoever started them (S3), and removes the file store's
   * stale temporary files — only those started at least `olderThanMs` ago (default 24 h;
   * 0: all). Returns what was (or, with `dryrun`, would be) removed.
   */
  async cleanup(options: CleanupOptions = {}): Promise<CleanupResult> {
    const olderThanMs = options.olderThanMs ?? 24 * 3600 * 1000;
    if (typeof olderThanMs !== "number" || !(olderThanMs >= 0)) {
      throw new RangeError(`olderThanMs must be a number ≥ 0, got ${String(olderThanMs)}`);
    }
    const store = await this.store();
    const prefix = this.#fullRemotePath(options.remotePath ?? "");
    const dryrun = options.dryrun ?? false;
    // "data" means data itself and what is below data/, not "database"
    const keyFilter = prefix === "" || prefix.endsWith("/")
      ? undefined
      : (key: string) => key === prefix || key.startsWith(`${prefix}/`);
    const removed = store.cleanup
      ? await store.cleanup(prefix, { olderThanMs, dryrun, keyFilter, signal: options.signal })
      : [];
    return { prefix, olderThanMs, dryrun, removed };
  }

  /**
   * Deletes every object below `<basePath>/<remotePath>` (prefix false positives excluded),
   * filtered by the regexes (on keys relative to the base path). Returns what was (or, with
   * `dryrun`, would be) deleted.
   */
  async delete(remotePath: string, options: DeleteOptions = {}): Promise<RemoteObject[]> {
    refuseDotDot("delete", remotePath ?? "");
    const store = await this.store();
    const events = this.#events(false);
    const full = this.#fullRemotePath(remotePath ?? "");
    const listing = [];
    for await (const o of store.list(full, { signal: options.signal })) listing.push(o);
    if (listing.length === 0) {
      events.log?.("warn", `No such remote file or directory: ${full}. Not deleting anything`);
      return [];
    }
    const skip = skipPredicate(options.includeRegex, options.excludeRegex);
    const matches = matchPull(listing, {
      basePath: this.#basePath,
      fullPrefix: full,
      skip,
      keepFolderMarkers: true,
    });
    const selected = matches.filter((m) => !m.skip);
    const doomed = selected.map((m) => m.remote);
    withTableDisplay(
      doomed,
      remoteObjectRows,
      (all) => `${options.dryrun ? "DRY RUN: would delete" : "deleted"} ${remoteObjectTotals(all)}`,
    );
    if (options.dryrun || doomed.length === 0) return doomed;
    // the keys as listed: a name drops a leading "/", which would delete another object
    await store.delete(selected.map((m) => m.key), { signal: options.signal });
    return doomed;
  }
}

/** A remote path is a key prefix below the base path: `..` segments would leave it. */
function refuseDotDot(action: string, remotePath: string): void {
  if (typeof remotePath === "string" && remotePath.split(/[\\/]/).includes("..")) {
    throw new RangeError(
      `Cannot ${action} "${remotePath}": remote paths cannot contain ".." segments (pass a path below the base path)`,
    );
  }
}
