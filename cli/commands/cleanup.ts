/**
 * `accsr cleanup [remote-path]`: abort incomplete multipart uploads and remove stale
 * temporary files left by interrupted transfers.
 *
 * @module
 */
import type { CleanupEntry } from "../../storage/mod.ts";
import type { Command, CommandContext } from "../context.ts";
import { parseDuration } from "../duration.ts";
import { plural } from "../output.ts";
import { remotePathArg } from "./_transaction.ts";

/** The default of `--older-than`. */
const DEFAULT_OLDER_THAN = "24h";

function entryJson(e: CleanupEntry): Record<string, unknown> {
  return {
    kind: e.kind,
    ...(e.key === undefined ? {} : { key: e.key }),
    ...(e.uploadId === undefined ? {} : { upload_id: e.uploadId }),
    ...(e.path === undefined ? {} : { path: e.path }),
    started: e.started?.toISOString() ?? null,
  };
}

/**
 * `accsr cleanup`.
 *
 * @example
 * ```ts
 * import { cleanup } from "./cleanup.ts";
 * console.log(cleanup.spec.options); // ["older-than", "dry-run"]
 * ```
 */
export const cleanup: Command = {
  spec: {
    name: "cleanup",
    summary: "abort incomplete uploads and remove stale temporary files",
    description: [
      "Removes the debris of interrupted transfers below <base path>/<remote-path> (default:",
      "the whole base path): aborts incomplete multipart uploads, whoever started them (a",
      "killed push, another tool), and removes the file store's stale temporary files.",
      "Only what started at least --older-than ago (default 24h; 0s: everything) is touched,",
      "so uploads in progress elsewhere survive. An upload aborted here cannot be resumed:",
      "the next push of that file starts it anew. --dry-run only lists what would be removed.",
    ].join("\n"),
    args: [{
      name: "remote-path",
      required: false,
      help: "path below the base path (default: all)",
    }],
    options: ["older-than", "dry-run"],
    storage: true,
    json: [
      '{ "dry_run": boolean, "older_than_ms": number, "prefix": string,',
      '  "removed": [{ "kind": "multipart_upload" | "temporary_file", "key"?, "upload_id"?,',
      '               "path"?, "started": ISO date | null }] }',
      "(with --dry-run, removed lists what would be removed)",
    ].join("\n"),
    examples: [
      ["accsr cleanup", "abort uploads below the base path started more than 24 h ago"],
      ["accsr cleanup --older-than 0s --dry-run", "list every incomplete upload"],
      ["accsr cleanup data/raw --older-than 7d", "only below data/raw, older than a week"],
    ],
  },
  async run(ctx: CommandContext): Promise<number> {
    const olderThanMs = parseDuration(
      ctx.option("older-than") ?? DEFAULT_OLDER_THAN,
      "--older-than",
      ctx.parsed.command,
    );
    const remotePath = remotePathArg(ctx.parsed.positionals[0] ?? ".");
    const storage = ctx.storage();
    const result = await storage.cleanup({
      remotePath,
      olderThanMs,
      dryrun: ctx.dryRun,
      signal: ctx.signal,
    });
    if (ctx.json) {
      ctx.out.json({
        dry_run: result.dryrun,
        older_than_ms: result.olderThanMs,
        prefix: result.prefix,
        removed: result.removed.map(entryJson),
      });
      return 0;
    }
    const verb = (done: string, would: string) => ctx.dryRun ? would : done;
    for (const e of result.removed) {
      const started = e.started ? ` (started ${e.started.toISOString()})` : "";
      ctx.out.line(
        e.kind === "multipart_upload"
          ? `${
            verb("aborted", "would abort")
          } incomplete upload of ${e.key} [${e.uploadId}]${started}`
          : `${verb("removed", "would remove")} temporary file ${e.path}${started}`,
      );
    }
    const uploads = result.removed.filter((e) => e.kind === "multipart_upload").length;
    const files = result.removed.length - uploads;
    ctx.out.line(
      result.removed.length === 0
        ? `nothing to clean up below "${result.prefix}" older than ${
          ctx.option("older-than") ?? DEFAULT_OLDER_THAN
        }`
        : `${verb("cleaned up", "would clean up")}: ${plural(uploads, "incomplete upload")}, ${
          plural(files, "temporary file")
        }`,
    );
    return 0;
  },
};
