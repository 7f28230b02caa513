/**
 * `accsr rm <remote-path>`: delete remote objects.
 *
 * @module
 */
import { readableSize } from "../../storage/mod.ts";
import { patternsOf } from "../args.ts";
import type { Command, CommandContext } from "../context.ts";
import { plural } from "../output.ts";
import { objectJson, relativeName } from "./ls.ts";
import { remotePathArg } from "./_transaction.ts";

/**
 * `accsr rm`.
 *
 * @example
 * ```ts
 * import { rm } from "./rm.ts";
 * console.log(rm.spec.options); // ["dry-run", "include", "exclude"]
 * ```
 */
export const rm: Command = {
  spec: {
    name: "rm",
    summary: "delete remote objects",
    description: [
      "Deletes every object below <base path>/<remote-path>: the object of that name and the",
      "objects in that folder (not data/ab when removing data/a). '.' deletes everything below",
      "the base path. --include/--exclude filter the keys relative to the base path;",
      "--dry-run only lists what would be deleted. Nothing to delete is not an error.",
    ].join("\n"),
    args: [{
      name: "remote-path",
      required: true,
      help: "file or folder below the base path ('.' for all)",
    }],
    options: ["dry-run", "include", "exclude"],
    storage: true,
    json: [
      '{ "dry_run": boolean, "deleted": [{ "name", "path", "size", "hash", "last_modified" }] }',
      "(with --dry-run, deleted lists what would be deleted)",
      '--json=summary: { "dry_run": boolean, "deleted": count, "total_size": bytes }',
    ].join("\n"),
    examples: [
      ["accsr rm data/tmp --dry-run", "what would be deleted"],
      ["accsr rm data --exclude 'data/keep/'", "delete data/ except data/keep/"],
    ],
  },
  async run(ctx: CommandContext): Promise<number> {
    const storage = ctx.storage();
    const deleted = await storage.delete(remotePathArg(ctx.parsed.positionals[0]), {
      ...patternsOf(ctx.parsed),
      dryrun: ctx.dryRun,
    });
    const base = storage.remoteBasePath;
    if (ctx.jsonSummary) {
      ctx.out.json({
        dry_run: ctx.dryRun,
        deleted: deleted.length,
        total_size: deleted.reduce((n, o) => n + o.size, 0),
      });
      return 0;
    }
    if (ctx.json) {
      ctx.out.json({ dry_run: ctx.dryRun, deleted: deleted.map((o) => objectJson(o, base)) });
      return 0;
    }
    for (const o of deleted) {
      ctx.out.note(`${ctx.dryRun ? "would delete" : "deleted"} ${relativeName(o.name, base)}`);
    }
    const bytes = readableSize(deleted.reduce((n, o) => n + o.size, 0));
    ctx.out.note(
      deleted.length === 0
        ? "nothing to delete"
        : `${ctx.dryRun ? "would delete" : ctx.out.style("green", "deleted")} ${
          plural(deleted.length, "object")
        } (${bytes})`,
    );
    return 0;
  },
};
