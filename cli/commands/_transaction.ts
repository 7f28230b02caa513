/**
 * Shared by push, pull and status: the `--json` shape of a transaction and its human summary.
 *
 * @module
 */
import { readableSize, type SyncObject, TransactionSummary } from "../../storage/mod.ts";
import type { CommandContext } from "../context.ts";
import { type Output, plural, table } from "../output.ts";

/**
 * The `--json` description of push and pull, for the help.
 *
 * @example
 * ```ts
 * import { TRANSACTION_JSON } from "./_transaction.ts";
 * console.log(TRANSACTION_JSON); // shown by "accsr push --help"
 * ```
 */
export const TRANSACTION_JSON = `{
  "sync_direction": "push" | "pull",
  "dry_run": boolean,
  "force": boolean,
  "refused": boolean,           // a real run would be refused (exit code 3)
  "summary": { "sync_direction", "files_to_sync", "total_size",
               "unresolvable_collisions", "synced_files" },   // accsr's short summary
  "matched_source_files": [SyncObject], "not_on_target": [SyncObject],
  "on_target_eq_md5": [SyncObject], "on_target_neq_md5": [SyncObject],
  "unresolvable_collisions": { name: reason or [RemoteObject] },
  "skipped_source_files": [SyncObject], "synced_files": [SyncObject],
  "failed_files": [{ "name", "error" }],
  "files_to_delete": [SyncObject],   // --delete: planned deletions on the target
  "deleted_files": [SyncObject],     // --delete: deletions done
  "retried_files": [{ "name", "error" }],   // one per retry, e.g. a download with a bad MD5
  "skipped_files": [{ "path", "reason" }]   // FIFOs, sockets, devices, symbolic links left out
}
With --delete, "summary" also has "files_to_delete" and "deleted_files" (counts).
SyncObject: { "sync_direction", "remote_path", "local_path", "remote_obj", "local_size",
  "local_hash", "remote_hash", "exists_locally", "exists_on_remote", "exists_on_target",
  "equal_md5_hash_sum", "skip_reason"? }   // skip_reason: regexes, --max-size, --min-size,
  --max-age, --min-age or --files-from; RemoteObject: { "name", "size", "hash", "etag"?, "last_modified"? }
On exit code 3 the refused plan is printed in this shape with an "error" member added.
--json=summary: only "sync_direction", "dry_run", "force", "refused" and "summary".`;

/**
 * Whether a real run of `summary` would be refused.
 *
 * @example
 * ```ts
 * import { isRefused } from "./_transaction.ts";
 * import { TransactionSummary } from "accsr/storage";
 * isRefused(new TransactionSummary("push"), false); // false
 * ```
 */
export function isRefused(summary: TransactionSummary, force: boolean): boolean {
  return summary.hasUnresolvableCollisions || (summary.requiresForce && !force) ||
    summary.exceedsMaxDelete;
}

/**
 * The `--json` form of a transaction (see {@linkcode TRANSACTION_JSON}).
 *
 * @example
 * ```ts
 * import { transactionJson } from "./_transaction.ts";
 * import { TransactionSummary } from "accsr/storage";
 * const j = transactionJson(new TransactionSummary("pull"), { dryRun: true, force: false });
 * console.log(j.summary); // { sync_direction: "pull", files_to_sync: 0, … }
 * ```
 */
export function transactionJson(
  summary: TransactionSummary,
  options: { dryRun: boolean; force: boolean },
): Record<string, unknown> {
  const full = summary.toJSON();
  return {
    sync_direction: full.sync_direction,
    dry_run: options.dryRun,
    force: options.force,
    refused: isRefused(summary, options.force),
    summary: summary.getShortSummaryDict(),
    ...full,
  };
}

/**
 * The `--json=summary` form of a transaction: the head of {@linkcode transactionJson}
 * without the file lists.
 *
 * @example
 * ```ts
 * import { transactionSummaryJson } from "./_transaction.ts";
 * import { TransactionSummary } from "accsr/storage";
 * const j = transactionSummaryJson(new TransactionSummary("push"), { dryRun: true, force: false });
 * console.log(j); // { sync_direction: "push", dry_run: true, force: false, refused: false, summary: {…} }
 * ```
 */
export function transactionSummaryJson(
  summary: TransactionSummary,
  options: { dryRun: boolean; force: boolean },
): Record<string, unknown> {
  return {
    sync_direction: summary.syncDirection,
    dry_run: options.dryRun,
    force: options.force,
    refused: isRefused(summary, options.force),
    summary: summary.getShortSummaryDict(),
  };
}

/**
 * One summary of several transactions of the same direction (objects deduplicated by name).
 *
 * @example
 * ```ts
 * import { mergeSummaries } from "./_transaction.ts";
 * import { TransactionSummary } from "accsr/storage";
 * const all = mergeSummaries("push", [new TransactionSummary("push"), new TransactionSummary("push")]);
 * console.log(all.filesToSync.length); // 0
 * ```
 */
export function mergeSummaries(
  direction: "push" | "pull",
  summaries: readonly TransactionSummary[],
): TransactionSummary {
  if (summaries.length === 1) return summaries[0];
  const merged = new TransactionSummary(direction);
  const lists = [
    "matchedSourceFiles",
    "notOnTarget",
    "onTargetEqMd5",
    "onTargetNeqMd5",
    "skippedSourceFiles",
    "syncedFiles",
  ] as const;
  for (const list of lists) {
    const seen = new Set<string>();
    for (const s of summaries) {
      for (const o of s[list]) {
        if (seen.has(o.name)) continue;
        seen.add(o.name);
        merged[list].push(o);
      }
    }
  }
  for (const list of ["filesToDelete", "deletedFiles"] as const) {
    const seen = new Set<string>();
    for (const s of summaries) {
      for (const o of s[list]) {
        if (seen.has(o.name)) continue;
        seen.add(o.name);
        merged[list].push(o);
      }
    }
  }
  for (const s of summaries) {
    Object.assign(merged.unresolvableCollisions, s.unresolvableCollisions);
    merged.failedFiles.push(...s.failedFiles);
    if (s.deleteEnabled) merged.deleteEnabled = true;
    if (s.maxDelete !== undefined) merged.maxDelete = s.maxDelete;
    merged.retriedFiles.push(...s.retriedFiles);
    merged.skippedFiles.push(...s.skippedFiles);
  }
  return merged;
}

function bytesOf(objs: readonly SyncObject[]): number {
  return objs.reduce((n, o) => n + o.getBytesTransferred(), 0);
}

/**
 * The one-line human summary, e.g. `pushed 3 files (1.2 kB); 2 unchanged`, and, for a dry
 * run, the table of files that would move.
 *
 * @example
 * ```ts
 * import { printTransaction } from "./_transaction.ts";
 * import { Output, resolveIO } from "../output.ts";
 * import { TransactionSummary } from "accsr/storage";
 * printTransaction(new Output(resolveIO()), new TransactionSummary("push"), { dryRun: true, force: false });
 * // nothing to push; 0 unchanged
 * ```
 */
export function printTransaction(
  out: Output,
  summary: TransactionSummary,
  options: {
    dryRun: boolean;
    force: boolean;
    label?: string;
    listFiles?: boolean;
    basePath?: string;
  },
): void {
  const base = options.basePath ?? "";
  const shown = (name: string) =>
    base !== "" && name.startsWith(`${base}/`) ? name.slice(base.length + 1) : name;
  const direction = summary.syncDirection ?? "push";
  const past = direction === "push" ? "pushed" : "pulled";
  const parts: string[] = [];
  const planned = summary.filesToSync;
  const refused = isRefused(summary, options.force);
  if (options.dryRun) {
    parts.push(
      planned.length === 0
        ? `nothing to ${direction}`
        : `would ${direction} ${plural(planned.length, "file")} (${
          readableSize(bytesOf(planned))
        })`,
    );
  } else {
    const synced = summary.syncedFiles;
    parts.push(
      synced.length === 0
        ? `nothing to ${direction}`
        : `${out.style("green", past)} ${plural(synced.length, "file")} (${
          readableSize(bytesOf(synced))
        })`,
    );
  }
  // Files whose equality cannot be decided are never called "differs" (see cannotCompareNote).
  const uncomparable = summary.uncomparableFiles;
  const differing = summary.onTargetNeqMd5.length - uncomparable.length;
  if (differing > 0) {
    const verb = differing === 1 ? "differs" : "differ";
    parts.push(
      options.force
        ? `${differing} ${verb} (${options.dryRun ? "overwritten with --force" : "overwritten"})`
        : out.style("yellow", `${differing} ${verb} (needs --force)`),
    );
  }
  if (uncomparable.length > 0) {
    const n = uncomparable.length;
    parts.push(
      options.force
        ? `${n} cannot compare (${options.dryRun ? "overwritten with --force" : "overwritten"})`
        : out.style("yellow", `${n} cannot compare (needs --force)`),
    );
  }
  if (summary.deleteEnabled) {
    const planned = summary.filesToDelete.length;
    const deleted = summary.deletedFiles.length;
    if (options.dryRun) {
      if (planned > 0) parts.push(`would delete ${plural(planned, "file")}`);
    } else if (deleted > 0) {
      parts.push(`${out.style("green", "deleted")} ${plural(deleted, "file")}`);
    }
    if (summary.exceedsMaxDelete) {
      parts.push(out.style("red", `more than --max-delete ${summary.maxDelete}`));
    }
  }
  const collisions = Object.keys(summary.unresolvableCollisions).length;
  if (collisions > 0) parts.push(out.style("red", `${plural(collisions, "collision")}`));
  parts.push(`${summary.onTargetEqMd5.length} unchanged`);
  const byRegex =
    summary.skippedSourceFiles.filter((o) =>
      o.skipReason === undefined || o.skipReason === "include/exclude regex"
    ).length;
  if (byRegex > 0) parts.push(`${byRegex} skipped by --include/--exclude`);
  const byFilter = summary.skippedSourceFiles.length - byRegex;
  if (byFilter > 0) parts.push(`${byFilter} skipped by size/age/--files-from filters`);
  if (summary.skippedFiles.length > 0) {
    parts.push(
      out.style("yellow", `${summary.skippedFiles.length} skipped (not regular files)`),
    );
  }
  if (summary.retriedFiles.length > 0) {
    parts.push(`${plural(summary.retriedFiles.length, "retry", "retries")} after corrupt data`);
  }
  if (options.dryRun && refused) {
    parts.push(out.style("red", `a real ${direction} would be refused`));
  }
  const head = options.label ? `${options.label}: ` : "";
  out.line(head + parts.join("; "));
  if (!options.listFiles) return;
  const rows: string[][] = [];
  for (const o of summary.notOnTarget) {
    rows.push(["new", shown(o.name), readableSize(o.getBytesTransferred())]);
  }
  for (const o of summary.onTargetNeqMd5) {
    if (o.uncomparable !== undefined) continue;
    rows.push([
      options.force ? "overwrite" : "differs",
      shown(o.name),
      readableSize(o.getBytesTransferred()),
    ]);
  }
  for (const o of uncomparable) {
    rows.push([
      options.force ? "overwrite" : "cannot compare",
      shown(o.name),
      readableSize(o.getBytesTransferred()),
      o.uncomparable ?? "",
    ]);
  }
  for (const [name, why] of Object.entries(summary.unresolvableCollisions)) {
    rows.push([
      "collision",
      shown(name),
      typeof why === "string" ? why : "remote objects below this key",
    ]);
  }
  for (const o of summary.filesToDelete) {
    rows.push([
      "delete",
      o.syncDirection === "pull" ? o.localPath ?? shown(o.name) : shown(o.name),
      readableSize(o.syncDirection === "pull" ? o.localSize : o.remoteObj?.size ?? 0),
    ]);
  }
  for (const line of table(rows)) out.line(`  ${line}`);
  if (uncomparable.length > 0 && !options.force) out.line(cannotCompareNote(direction));
}

/**
 * The way out for files that cannot be compared, in CLI words.
 *
 * @example
 * ```ts
 * import { cannotCompareNote } from "./_transaction.ts";
 * console.log(cannotCompareNote("push"));
 * ```
 */
export function cannotCompareNote(direction: "push" | "pull"): string {
  return direction === "push"
    ? `  "cannot compare": the remote object records no MD5 accsr can check, it may or may not equal the local file; --force replaces it with an upload whose MD5 is recorded (later runs compare it)`
    : `  "cannot compare": the remote object records no MD5 accsr can check, it may or may not equal the local file; --force replaces the local file with a download ("accsr push --force" instead re-uploads the local file with its MD5 recorded, so later runs compare it)`;
}

/**
 * A remote path argument as the library wants it: `.`, `./` and `/` mean the base path itself.
 *
 * @example
 * ```ts
 * import { remotePathArg } from "./_transaction.ts";
 * remotePathArg("."); // ""
 * remotePathArg("./data/raw"); // "data/raw"
 * ```
 */
export function remotePathArg(path: string): string {
  const p = path.replace(/\\/g, "/");
  if (p === "." || p === "./" || p === "/") return "";
  return p.replace(/^(\.\/)+/, "");
}

/**
 * Prints a push or pull result (JSON with `--json`, else the human summary) and returns the
 * exit code 0: a dry run succeeds, its output tells whether a real run would be refused.
 *
 * @example
 * ```ts ignore
 * return reportTransaction(ctx, summary, storage.remoteBasePath);
 * ```
 */
export function reportTransaction(
  ctx: CommandContext,
  summary: TransactionSummary,
  basePath: string,
): 0 {
  const options = { dryRun: ctx.dryRun, force: ctx.force };
  if (ctx.jsonSummary) ctx.out.json(transactionSummaryJson(summary, options));
  else if (ctx.json) ctx.out.json(transactionJson(summary, options));
  else if (ctx.out.quiet && !ctx.dryRun) return 0;
  else printTransaction(ctx.out, summary, { ...options, listFiles: ctx.dryRun, basePath });
  return 0;
}
