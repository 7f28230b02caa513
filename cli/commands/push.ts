/**
 * `accsr push <path…>`: upload what is missing or changed.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { MaxDeleteExceededError, SyncConflictError } from "../../errors.ts";
import type { PlannedPush, TransactionSummary } from "../../storage/mod.ts";
import { concurrencyOf, mirrorOptionsOf, patternsOf, UsageError } from "../args.ts";
import type { Command, CommandContext } from "../context.ts";
import { bandwidthLimitOf, filterOptionsOf, followSymlinksOf } from "../transfer_options.ts";
import { isRefused, mergeSummaries, reportTransaction, TRANSACTION_JSON } from "./_transaction.ts";

/**
 * `accsr push`.
 *
 * @example
 * ```ts
 * import { push } from "./push.ts";
 * console.log(push.spec.name, push.spec.options); // push ["local-path-prefix", "dry-run", …]
 * ```
 */
export const push: Command = {
  spec: {
    name: "push",
    summary: "upload files that are missing or changed on the remote",
    description: [
      "Uploads files, directories (recursively) or globs to the bucket, below the base path.",
      "A file's key is its path relative to --local-path-prefix (default: the working",
      "directory); an absolute path without a prefix keeps its full path as key (as accsr).",
      "Files with equal MD5 never move. Files that differ are only overwritten with --force;",
      "otherwise the whole transaction is refused before anything moves (exit code 3). Several",
      "paths are planned once, all first, and refused together. --dry-run lists what would move",
      "and exits 0; its output says whether a real run would be refused. Named pipes, sockets",
      'and devices are never pushed: one warning each, listed in --json "skipped_files"',
      "(naming one directly is an error). An empty path (\"\") is a usage error: use '.'.",
      "",
      "--delete mirrors a folder: remote objects below it without a local file are deleted,",
      "after every upload succeeded (never objects the regexes skip or .accsrignore ignores,",
      "never the reserved .accsr/ prefix). --max-delete N refuses the whole transaction when",
      "more than N deletions are planned. Run it with --dry-run first to see the deletions.",
      "",
      ".accsrignore files (gitignore syntax: patterns, **, trailing /, ! negation, # comments)",
      "in the pushed folder and any subfolder keep files out of the push; each file's patterns",
      "are relative to its folder. The ignore files themselves are pushed. --no-ignore-files",
      "turns them off.",
      "",
      "Symbolic links: by default a link to a file is pushed with its target's bytes (a warning",
      "names each whose target lies outside the pushed folder) and a link to a folder is not",
      'walked (a warning each; listed in --json "skipped_files"). --no-follow-symlinks skips',
      "every link with a warning; --follow-symlinks (-L) also walks folder links, skipping a",
      "link that leads back to a folder above it (a loop, by device and inode).",
      "",
      "Filters (as rclone; the paths the regexes see): --max-size/--min-size SIZE (bytes or 500K,",
      "8M, 1G: binary units), --max-age/--min-age DURATION (30m, 24h, 7d; the file's mtime),",
      "--files-from FILE (one path per line, # comments). Skipped files are listed in --json",
      '"skipped_source_files" with a "skip_reason"; --delete never deletes them.',
      "--bwlimit RATE caps the total upload rate of the run (bytes/s: 500K, 8M, 1G), shared by",
      "the parallel uploads; the progress bar shows the cap.",
    ].join("\n"),
    args: [{
      name: "path",
      required: true,
      variadic: true,
      help: "file, directory or glob (* ? [..] **)",
    }],
    options: [
      "local-path-prefix",
      "dry-run",
      "force",
      "include",
      "exclude",
      "concurrency",
      "delete",
      "max-delete",
      "no-ignore-files",
      "max-size",
      "min-size",
      "max-age",
      "min-age",
      "files-from",
      "bwlimit",
      "follow-symlinks",
      "no-follow-symlinks",
      "no-progress",
      "snapshot",
    ],
    exitCodes: [0, 1, 2, 3, 130],
    storage: true,
    json: TRANSACTION_JSON,
    examples: [
      ["accsr push data/raw", "upload what is missing below data/raw"],
      [
        "accsr push data --delete --dry-run",
        "mirror data: see what would be uploaded and deleted on the remote",
      ],
      ["accsr push data --delete --max-delete 100", "then mirror; refused if >100 deletions"],
      ["printf 'cache/\\n*.tmp\\n!keep.tmp\\n' > data/.accsrignore", "keep files out of pushes"],
      ["accsr push data --dry-run", "show the plan, transfer nothing"],
      ["accsr push data --max-size 1G --min-age 1h", "no huge files, none still being written"],
      ["accsr push data -L", "also walk symlinked folders"],
      ["accsr push 'results/**/*.csv' --exclude 'results/tmp/'", "a glob, minus a folder"],
      ["accsr push /abs/project/data --local-path-prefix /abs/project", "keys data/…"],
      ["accsr push data --force --json", "overwrite changed files, JSON result"],
      ["accsr push data --snapshot train-v3", "then record snapshot train-v3 of data"],
    ],
  },
  async run(ctx: CommandContext): Promise<number> {
    const prefixFlag = ctx.option("local-path-prefix");
    const prefix = prefixFlag === undefined ? undefined : resolve(ctx.cwd, prefixFlag);
    const patterns = patternsOf(ctx.parsed);
    const concurrency = concurrencyOf(ctx.parsed);
    const mirror = mirrorOptionsOf(ctx.parsed);
    const filters = filterOptionsOf(ctx.parsed, ctx.cwd);
    const bandwidthLimit = bandwidthLimitOf(ctx.parsed);
    const followSymlinks = followSymlinksOf(ctx.parsed);
    const paths = ctx.parsed.positionals;
    const snapshot = ctx.option("snapshot");
    if (snapshot !== undefined && paths.length > 1) {
      throw new UsageError(
        `--snapshot records one folder: pass one path (got ${paths.length})`,
        ctx.parsed.command,
      );
    }
    const storage = ctx.storage({ dryRun: ctx.dryRun });
    const optionsOf = (path: string) => ({
      ...patterns,
      ...mirror,
      ...filters,
      ...(bandwidthLimit === undefined ? {} : { bandwidthLimit }),
      ...(followSymlinks === undefined ? {} : { followSymlinks }),
      concurrency,
      force: ctx.force,
      dryrun: ctx.dryRun,
      localPathPrefix: prefix ?? (isAbsolute(path) ? undefined : ctx.cwd),
      signal: ctx.signal,
      ...(snapshot === undefined ? {} : { snapshot }),
    });

    let summary: TransactionSummary;
    if (paths.length > 1 && !ctx.dryRun) {
      // plan every path first (once: each plan is then applied as it is) so that a conflict
      // in one refuses them all
      const plans: PlannedPush[] = [];
      try {
        for (const p of paths) plans.push(await storage.planPush(p, optionsOf(p)));
      } catch (e) {
        for (const p of plans) await p.discard();
        throw e;
      }
      const plan = mergeSummaries("push", plans.map((p) => p.summary));
      if (isRefused(plan, ctx.force)) {
        for (const p of plans) await p.discard();
        throw refusal(plan, ctx.force);
      }
      const done: TransactionSummary[] = [];
      try {
        for (const p of plans) done.push(await p.apply());
      } catch (e) {
        for (const p of plans.slice(done.length + 1)) await p.discard();
        throw movedBefore(e, done);
      }
      summary = mergeSummaries("push", done);
    } else {
      summary = mergeSummaries(
        "push",
        await sequential(paths, (p) => storage.push(p, optionsOf(p))),
      );
    }
    return reportTransaction(ctx, summary, storage.remoteBasePath);
  },
};

/* Runs `fn` on each item, one after the other. */
async function sequential<T, R>(
  items: readonly T[],
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await fn(item));
  return out;
}

/* The `SyncConflictError` a real run of the (merged) plan would throw. */
function refusal(plan: TransactionSummary, force: boolean): SyncConflictError {
  const direction = plan.syncDirection ?? "push";
  if (!plan.hasUnresolvableCollisions && !(plan.requiresForce && !force)) {
    const doomed = plan.filesToDelete.map((o) => o.name);
    return new MaxDeleteExceededError(
      `Cannot ${direction}: ${doomed.length} deletion(s) planned, more than the limit of ${plan.maxDelete}; nothing was transferred and nothing deleted: ${
        doomed.slice(0, 10).join(", ")
      }`,
      doomed,
      plan.maxDelete ?? 0,
      { summary: plan },
    );
  }
  const collisions = Object.keys(plan.unresolvableCollisions);
  if (collisions.length > 0) {
    return new SyncConflictError(
      `Cannot ${direction}: ${collisions.length} name(s) collide, nothing was transferred (--force cannot resolve this): ${
        collisions.slice(0, 10).join(", ")
      }`,
      collisions,
      { summary: plan },
    );
  }
  const names = plan.onTargetNeqMd5.map((o) => o.name);
  const uncomparable = plan.uncomparableFiles;
  const differing = names.length - uncomparable.length;
  const what = [
    ...(differing > 0 ? [`${differing} file(s) differ`] : []),
    ...(uncomparable.length > 0
      ? [`${uncomparable.length} file(s) cannot be compared (${uncomparable[0].uncomparable})`]
      : []),
  ].join(" and ");
  return new SyncConflictError(
    `Cannot ${direction}: ${what} on the ${direction === "push" ? "remote" : "local side"}${
      force ? "" : " and --force was not given"
    }, nothing was transferred: ${names.slice(0, 10).join(", ")}`,
    names,
    { summary: plan },
  );
}

/* A refusal of a later path after earlier paths moved files is no longer "nothing moved". */
function movedBefore(e: unknown, done: readonly TransactionSummary[]): unknown {
  const moved = done.reduce((n, s) => n + s.syncedFiles.length, 0);
  if (!(e instanceof SyncConflictError) || e.code !== "SYNC_CONFLICT" || moved === 0) return e;
  return new SyncConflictError(
    `${
      e.message.replace(/, nothing was transferred/, "")
    }; ${moved} file(s) of the paths before were transferred (run the push again to finish)`,
    e.names,
    { code: "CONCURRENT_CHANGE", summary: e.summary, cause: e },
  );
}
