/**
 * Mirror planning (`--delete`): which remote objects a push removes and which local files a
 * pull removes, after the ignore files, the include/exclude regexes and the filters have
 * protected what they skip.
 *
 * @module
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AccsrError } from "../errors.ts";
import type { filterPredicate } from "./filters.ts";
import { IGNORE_FILE_NAME, IgnoreMatcher } from "./ignore_files.ts";
import { joinKey, keyToLocalPath } from "./keys.ts";
import { filesBelow, type SkipEntry } from "./local_files.ts";
import type { PlanContext } from "./plan_context.ts";
import { skipPredicate } from "./patterns.ts";
import { planPullDeletions, planPushDeletions, toRemoteObject } from "./plan.ts";
import { SyncObject } from "./summary.ts";
import type { StoreObject } from "./stores/types.ts";

/** The remote objects a push with delete removes, as sync objects (see `planPushDeletions`). */
export async function planPushDeleted(
  ctx: PlanContext,
  listing: readonly StoreObject[],
  o: {
    scopeKey: string;
    display: string;
    pushedAbs: string;
    localKeys: ReadonlySet<string>;
    skip: (displayPath: string) => boolean;
    matcher?: IgnoreMatcher;
    filtered?: ReturnType<typeof filterPredicate>;
  },
): Promise<SyncObject[]> {
  const displayOf = (rest: string) => o.display === "" ? rest : `${o.display}/${rest}`;
  const candidates = planPushDeletions(listing, {
    basePath: ctx.basePath,
    scopeKey: o.scopeKey,
    localKeys: o.localKeys,
    protect: (rest) => o.skip(displayOf(rest)),
  });
  const prefix = o.scopeKey === "" ? "" : `${o.scopeKey}/`;
  const out: SyncObject[] = [];
  for (const c of candidates) {
    const rest = c.key.slice(prefix.length);
    const localPath = path.join(o.pushedAbs, ...rest.split("/"));
    if (o.matcher !== undefined && await o.matcher.ignores(localPath, false)) continue;
    // the filters protect what they would skip (as rclone: filtered files are not deleted)
    if (
      o.filtered?.({
        path: displayOf(rest),
        size: c.size,
        mtimeMs: c.lastModified?.getTime(),
      }) !== undefined
    ) continue;
    out.push(
      new SyncObject({
        syncDirection: "push",
        remotePath: c.key,
        remoteObj: toRemoteObject(c),
        localPath,
        displayPath: displayOf(rest),
      }),
    );
  }
  return out;
}

/** The text of the remote ignore file of folder `dir` (relative to the base path) a pull brings, if any. */
async function remoteIgnoreText(
  ctx: PlanContext,
  matches: readonly { relKey: string; key: string; skip: boolean; problem?: string }[],
  dir: string,
): Promise<string | undefined> {
  const rel = dir === "" ? IGNORE_FILE_NAME : `${dir}/${IGNORE_FILE_NAME}`;
  const m = matches.find((x) => x.relKey === rel && !x.skip && x.problem === undefined);
  if (m === undefined) return undefined;
  const tmpDir = await mkdtemp(path.join(tmpdir(), "accsr-ignore-"));
  try {
    const file = path.join(tmpDir, "ignore");
    await ctx.store.get(m.key, file, { signal: ctx.signal });
    return await readFile(file, "utf8");
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** The local files a pull with delete removes, as sync objects (see `planPullDeletions`). */
export async function planPullDeleted(
  ctx: PlanContext,
  remotePath: string,
  localBaseDir: string,
  matches: readonly { relKey: string; key: string; skip: boolean; problem?: string }[],
  filtered?: ReturnType<typeof filterPredicate>,
): Promise<SyncObject[]> {
  const scopeRel = joinKey(remotePath);
  const scopeDir = scopeRel === "" ? localBaseDir : keyToLocalPath(localBaseDir, scopeRel);
  if ((await stat(scopeDir).catch(() => undefined))?.isDirectory() !== true) return [];
  ctx.mirrorRoot = scopeDir;
  let skipEntry: SkipEntry | undefined;
  if (ctx.ignoreFiles !== false) {
    // the local ignore files protect, and so do those this pull brings (the tree after it)
    const local = new IgnoreMatcher(localBaseDir);
    const pulled = new IgnoreMatcher(localBaseDir, {
      read: (dir) => remoteIgnoreText(ctx, matches, dir),
    });
    skipEntry = async (abs, isDir) =>
      await local.ignores(abs, isDir) || await pulled.ignores(abs, isDir);
  }
  const local = await filesBelow(scopeDir, { skip: skipEntry });
  const byRel = new Map(local.map((f) => [joinKey(scopeRel, f.displayPath), f]));
  const doomed = planPullDeletions(
    [...byRel.keys()],
    new Set(matches.map((m) => m.relKey)),
    skipPredicate(ctx.includeRegex, ctx.excludeRegex),
  ).filter((rel) => {
    // the filters protect what they would skip (as rclone: filtered files are not deleted)
    const f = byRel.get(rel)!;
    return filtered?.({ path: rel, size: f.size, mtimeMs: f.mtimeMs }) === undefined;
  });
  if (doomed.length > 0 && matches.length === 0) {
    throw new AccsrError(
      `Cannot pull "${remotePath}" with delete: nothing exists on the remote below it, so every local file below "${scopeDir}" would be deleted (check the path; remove the local files yourself if that is what you want)`,
      { code: "REMOTE_PATH_EMPTY" },
    );
  }
  return doomed.map((rel) => {
    const f = byRel.get(rel)!;
    return new SyncObject({
      syncDirection: "pull",
      remotePath: joinKey(ctx.basePath, rel),
      localPath: f.absPath,
      existsLocally: true,
      localSize: f.size,
      localMtimeMs: f.mtimeMs,
    });
  });
}
