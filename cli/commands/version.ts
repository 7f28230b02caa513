/**
 * `accsr version`: the version of accsr (as `--version` / `-V`).
 *
 * @module
 */
import process from "node:process";
import type { Command, CommandContext } from "../context.ts";
import { VERSION } from "../version.ts";

/**
 * `accsr version`.
 *
 * @example
 * ```ts
 * import { version } from "./version.ts";
 * console.log(version.spec.name); // "version"
 * ```
 */
export const version: Command = {
  spec: {
    name: "version",
    summary: "print the version (as --version and -V)",
    description: "Prints the version of accsr; with --json also the runtime.",
    args: [],
    options: [],
    storage: false,
    json: '{ "version": "0.1.0", "runtime": "deno 2.9.6" | "node 20.20.2" }',
    examples: [["accsr version", "e.g. accsr 0.1.0"]],
  },
  run(ctx: CommandContext): Promise<number> {
    if (ctx.json) {
      const deno = process.versions.deno;
      ctx.out.json({
        version: VERSION,
        runtime: deno !== undefined ? `deno ${deno}` : `node ${process.versions.node}`,
      });
    } else ctx.out.line(`accsr ${VERSION}`);
    return Promise.resolve(0);
  },
};
