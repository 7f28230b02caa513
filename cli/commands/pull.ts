/**
 * `accsr pull <remote-path>`: download what is missing or changed.
 *
 * @module
 */
import { resolve } from "node:path";
import { AccsrError } from "../../errors.ts";
import { concurrencyOf, mirrorOptionsOf, patternsOf, UsageError } from "../args.ts";
import type { Command, CommandContext } from "../context.ts";
import { bandwidthLimitOf, filterOptionsOf } from "../transfer_options.ts";
import { remotePathArg, reportTransaction, TRANSACTION_JSON } from "./_transaction.ts";

/**
 * `accsr pull`.
 *
 * @example
 * ```ts
 * import { pull } from "./pull.ts";
 * console.log(pull.spec.args[0].name); // "remote-path"
 * ```
 */
export const pull: Command = {
  spec: {
    name: "pull",
    summary: "download files that are missing or changed locally",
    description: [
      "Downloads every object below <base path>/<remote-path> into --to (default: the working",
      "directory), mirroring keys relative to the base path: remote data/a.csv lands in",
      "DIR/data/a.csv. Files with equal MD5 never move; files that differ locally are only",
      "overwritten with --force, otherwise nothing moves (exit code 3). '.' pulls everything",
      "below the base path (\"\" is a usage error, as for push); remote paths with '..', '.' or",
      "empty segments are refused (exit code 2). --dry-run lists what would move and exits 0.",
      "A full disk fails with code NO_SPACE (how much to free), an unwritable folder with",
      "PERMISSION_DENIED; a download whose MD5 does not match is fetched again (retried_files).",
      "",
      "--delete mirrors: local files below the pulled path that are not on the remote are",
      "deleted after every download succeeded — never files outside that path, files that",
      ".accsrignore ignores (local ones, and those this pull brings) or --include/--exclude",
      "skip, and never accsr's own files (.accsr-*.part, .accsr-meta/, .accsr/, .accsrignore).",
      "--max-delete N refuses the whole transaction when more than N deletions are planned.",
      "",
      "--snapshot NAME restores what snapshot NAME recorded below the path (see accsr snapshot):",
      "planned against the snapshot's MD5s, recorded versions read on a versioned bucket. On an",
      "unversioned bucket, objects changed or deleted since refuse the whole restore (code",
      "SNAPSHOT_OBJECT_CHANGED, nothing written). Not combinable with --delete.",
      "",
      "Filters (as rclone; the keys the regexes see): --max-size/--min-size SIZE (bytes or 500K,",
      "8M, 1G: binary units), --max-age/--min-age DURATION (30m, 24h, 7d; the remote",
      "LastModified), --files-from FILE (one path per line, # comments). Skipped objects are",
      'listed in --json "skipped_source_files" with a "skip_reason"; --delete never deletes them.',
      "--bwlimit RATE caps the total download rate of the run (bytes/s: 500K, 8M, 1G), shared",
      "by the parallel downloads; the progress bar shows the cap.",
    ].join("\n"),
    args: [{ name: "remote-path", required: true, help: "path below the base path ('.' for all)" }],
    options: [
      "to",
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
      "no-progress",
      "snapshot",
    ],
    exitCodes: [0, 1, 2, 3, 130],
    storage: true,
    json: TRANSACTION_JSON,
    examples: [
      ["accsr pull data/raw", "download what is missing below data/raw"],
      ["accsr pull . --to /tmp/copy", "everything below the base path, into /tmp/copy"],
      ["accsr pull data --include 'data/2024' --dry-run", "the plan for a subset"],
      ["accsr pull data --force", "also overwrite local files that differ"],
      ["accsr pull data --max-age 7d --bwlimit 8M", "last week's files, at most 8 MiB/s"],
      ["accsr pull data --delete --dry-run", "mirror: see which local files would be deleted"],
      ["accsr pull data --delete --max-delete 20", "then mirror; refused if >20 deletions"],
      [
        "accsr pull data --snapshot train-v3 --to /tmp/v3",
        "restore what snapshot train-v3 recorded",
      ],
    ],
  },
  async run(ctx: CommandContext): Promise<number> {
    const localBaseDir = resolve(ctx.cwd, ctx.option("to") ?? ".");
    const patterns = patternsOf(ctx.parsed);
    const concurrency = concurrencyOf(ctx.parsed);
    const mirror = mirrorOptionsOf(ctx.parsed);
    const filters = filterOptionsOf(ctx.parsed, ctx.cwd);
    const bandwidthLimit = bandwidthLimitOf(ctx.parsed);
    const storage = ctx.storage({ dryRun: ctx.dryRun, missingIsError: true });
    const remotePath = remotePathArg(ctx.parsed.positionals[0]);
    const snapshot = ctx.option("snapshot");
    if (snapshot !== undefined && mirror.delete) {
      throw new UsageError("--snapshot and --delete cannot be combined", ctx.parsed.command);
    }
    const summary = await storage.pull(remotePath, {
      ...patterns,
      ...mirror,
      ...filters,
      ...(bandwidthLimit === undefined ? {} : { bandwidthLimit }),
      concurrency,
      force: ctx.force,
      dryrun: ctx.dryRun,
      localBaseDir,
      signal: ctx.signal,
      ...(snapshot === undefined ? {} : { snapshot }),
    });
    if (
      remotePath !== "" && summary.matchedSourceFiles.length === 0 &&
      summary.skippedSourceFiles.length === 0
    ) {
      // like a push of a missing path: an error, not a warning
      throw new AccsrError(
        `Cannot pull "${remotePath}": no remote files found under "${
          [storage.remoteBasePath, remotePath].filter((p) => p !== "").join("/")
        }"`,
        { code: "NO_FILES_FOUND" },
      );
    }
    return reportTransaction(ctx, summary, storage.remoteBasePath);
  },
};
