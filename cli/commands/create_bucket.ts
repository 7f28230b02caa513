/**
 * `accsr create-bucket`: create the configured bucket.
 *
 * @module
 */
import type { Command, CommandContext } from "../context.ts";

/**
 * `accsr create-bucket`.
 *
 * @example
 * ```ts
 * import { createBucket } from "./create_bucket.ts";
 * console.log(createBucket.spec.name); // "create-bucket"
 * ```
 */
export const createBucket: Command = {
  spec: {
    name: "create-bucket",
    summary: "create the bucket",
    description: [
      "Creates the configured bucket (Azure: container; file: a folder below root). A bucket",
      "that already exists and is yours is fine unless --no-exist-ok is given. Buckets are",
      "never created implicitly by the other commands. --versioning turns on bucket versioning",
      "(also on an existing bucket) where the provider has it (S3 and S3-compatible servers,",
      "file, memory; Azure keeps its account setting), so snapshots bring back overwritten and",
      "deleted objects.",
    ].join("\n"),
    args: [],
    options: ["exist-ok", "no-exist-ok", "versioning"],
    storage: true,
    json:
      '{ "bucket": name, "provider": id, "location": where it lives, "exist_ok": boolean, "versioning": boolean }',
    examples: [
      ["accsr create-bucket", "the bucket of config.json"],
      ["accsr create-bucket --provider file --root ./store --bucket data", "no config file needed"],
      ["accsr create-bucket --no-exist-ok", "fail when it already exists"],
      ["accsr create-bucket --versioning", "keep every version (for snapshots)"],
    ],
  },
  async run(ctx: CommandContext): Promise<number> {
    const existOk = ctx.parsed.values["exist-ok"] !== false;
    const storage = ctx.storage();
    const versioning = ctx.flag("versioning");
    await storage.createBucket({ existOk, ...(versioning ? { versioning } : {}) });
    const location = (await storage.store()).location;
    if (ctx.json) {
      ctx.out.json({
        bucket: storage.conf.bucket,
        provider: storage.provider,
        location,
        exist_ok: existOk,
        versioning,
      });
    } else {
      ctx.out.note(`bucket "${storage.conf.bucket}" is ready (${location})`);
    }
    return 0;
  },
};
