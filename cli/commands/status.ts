/**
 * `accsr status [path]`: what a push and a pull of a path would do (two dry runs).
 *
 * @module
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { AccsrError, NoFilesFoundError } from "../../errors.ts";
import { TransactionSummary } from "../../storage/mod.ts";
import { mirrorOptionsOf, patternsOf } from "../args.ts";
import type { Command, CommandContext } from "../context.ts";
import { printTransaction, transactionJson, transactionSummaryJson } from "./_transaction.ts";

/**
 * `accsr status`.
 *
 * @example
 * ```ts
 * import { status } from "./status.ts";
 * console.log(status.spec.summary);
 * ```
 */
export const status: Command = {
  spec: {
    name: "status",
    summary: "what a push and a pull of a path would do (never transfers)",
    description: [
      "Plans a push of <path> (relative to the working directory, default '.') and a pull of",
      "the same path below the base path into the working directory, and shows for each the",
      "files that would move, their size, the files that differ (need --force) and collisions.",
      'Objects another tool uploaded without a checkable MD5 show as "cannot compare" with the',
      'reason (not as differing); "accsr push --force" replaces them with uploads whose MD5 is',
      "recorded.",
      "Nothing is transferred. The exit code is 0 whatever the plans say (1 on failures).",
      "With --delete both plans also list the deletions a mirror would make. .accsrignore",
      "files are honoured as by push (--no-ignore-files turns them off).",
    ].join("\n"),
    args: [{
      name: "path",
      required: false,
      help: "file or directory inside the working directory (default '.')",
    }],
    options: ["include", "exclude", "delete", "no-ignore-files"],
    storage: true,
    json: [
      '{ "path": the path as a key below the base path ("" for all),',
      '  "push": <push --dry-run --json result>, "pull": <pull --dry-run --json result> }',
      '(see "accsr push --help"; "refused" says whether a real run would be refused)',
    ].join("\n"),
    examples: [
      ["accsr status", "the whole working directory against the whole base path"],
      ["accsr status data/raw --json", "machine-readable plans for data/raw"],
    ],
  },
  async run(ctx: CommandContext): Promise<number> {
    const arg = ctx.parsed.positionals[0] ?? ".";
    const abs = resolve(ctx.cwd, arg);
    const rel = relative(ctx.cwd, abs);
    if (rel.startsWith("..") || isAbsolute(rel)) {
      throw new AccsrError(
        `Cannot show the status of "${arg}": it is outside the working directory "${ctx.cwd}" (change into the project folder or pass a path inside it)`,
        { code: "PATH_OUTSIDE_CWD" },
      );
    }
    const key = rel.split(sep).join("/");
    const patterns = patternsOf(ctx.parsed);
    const mirror = mirrorOptionsOf(ctx.parsed);
    const storage = ctx.storage({ silent: true });
    let pushPlan: TransactionSummary;
    try {
      pushPlan = await storage.push(key === "" ? "." : key, {
        ...patterns,
        ...mirror,
        dryrun: true,
        localPathPrefix: ctx.cwd,
      });
    } catch (e) {
      if (!(e instanceof NoFilesFoundError)) throw e;
      pushPlan = new TransactionSummary("push");
    }
    const pullOne = (withDelete: boolean) =>
      storage.pull(key, {
        ...patterns,
        ...(withDelete ? mirror : {}),
        dryrun: true,
        localBaseDir: ctx.cwd,
      });
    let pullPlan: TransactionSummary;
    try {
      pullPlan = await pullOne(mirror.delete);
    } catch (e) {
      if (!(e instanceof AccsrError && e.code === "REMOTE_PATH_EMPTY")) throw e;
      ctx.out.warn((e as Error).message);
      pullPlan = await pullOne(false);
    }
    const opts = { dryRun: true, force: false, basePath: storage.remoteBasePath };
    if (ctx.json) {
      ctx.out.json({
        path: key,
        push: (ctx.jsonSummary ? transactionSummaryJson : transactionJson)(pushPlan, opts),
        pull: (ctx.jsonSummary ? transactionSummaryJson : transactionJson)(pullPlan, opts),
      });
      return 0;
    }
    const shown = key === "" ? "." : key;
    printTransaction(ctx.out, pushPlan, { ...opts, label: `push ${shown}`, listFiles: true });
    printTransaction(ctx.out, pullPlan, { ...opts, label: `pull ${shown}`, listFiles: true });
    return 0;
  },
};
