/**
 * The commands of the CLI, in the order of the help.
 *
 * @module
 */
import type { CommandSpec } from "../args.ts";
import type { Command } from "../context.ts";
import { cleanup } from "./cleanup.ts";
import { completion } from "./completion.ts";
import { config } from "./config.ts";
import { createBucket } from "./create_bucket.ts";
import { ls } from "./ls.ts";
import { pull } from "./pull.ts";
import { push } from "./push.ts";
import { rm } from "./rm.ts";
import { snapshot } from "./snapshot.ts";
import { status } from "./status.ts";
import { version } from "./version.ts";

/**
 * Every command by name.
 *
 * @example
 * ```ts
 * import { COMMANDS } from "./mod.ts";
 * console.log([...COMMANDS.keys()]); // ["push", "pull", "ls", "rm", "create-bucket", "snapshot", "status", "config", "cleanup", "version", "completion"]
 * ```
 */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [push, pull, ls, rm, createBucket, snapshot, status, config, cleanup, version, completion].map((
    c,
  ) => [
    c.spec.name,
    c,
  ]),
);

/**
 * The grammar of every command by name.
 *
 * @example
 * ```ts
 * import { COMMAND_SPECS } from "./mod.ts";
 * console.log(COMMAND_SPECS.get("ls")?.summary); // "list remote objects"
 * ```
 */
export const COMMAND_SPECS: ReadonlyMap<string, CommandSpec> = new Map(
  [...COMMANDS].map(([name, c]) => [name, c.spec]),
);
