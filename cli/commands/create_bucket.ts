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
      "never created implicitly by the other commands.",
    ].join("\n"),
    args: [],
    options: ["exist-ok", "no-exist-ok"],
    storage: true,
    json: '{ "bucket": name, "provider": id, "location": where it lives, "exist_ok": boolean }',
    examples: [
      ["accsr create-bucket", "the bucket of config.json"],
      ["accsr create-bucket --provider file --root ./store --bucket data", "no config file needed"],
      ["accsr create-bucket --no-exist-ok", "fail when it already exists"],
    ],
  },
  async run(ctx: CommandContext): Promise<number> {
    const existOk = ctx.parsed.values["exist-ok"] !== false;
    const storage = ctx.storage();
    await storage.createBucket({ existOk });
    const location = (await storage.store()).location;
    if (ctx.json) {
      ctx.out.json({
        bucket: storage.conf.bucket,
        provider: storage.provider,
        location,
        exist_ok: existOk,
      });
    } else {
      ctx.out.note(`bucket "${storage.conf.bucket}" is ready (${location})`);
    }
    return 0;
  },
};
