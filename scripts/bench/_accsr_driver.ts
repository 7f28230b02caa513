/**
 * Drives accsr through its library (`mod.ts`) with the CLI's argument shape, for when
 * `cli.ts` does not exist yet and for the memory check (a dry-run plan whose output must not
 * list 100,000 files). Reads `config.json` (section `remote_storage`) from the working
 * directory, like the CLI.
 *
 * Usage: `deno run -A --config <repo>/deno.json scripts/bench/_accsr_driver.ts <command>`
 * - `create-bucket`
 * - `push <path> [--local-path-prefix DIR]`
 * - `pull <remote-path> [--to DIR]`
 * - `plan <path> [--local-path-prefix DIR]` (push dry run; prints `{"files": N, "toSync": M}`)
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { RemoteStorage, type RemoteStorageConfig } from "../../mod.ts";

/**
 * Runs one command; returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./_accsr_driver.ts";
 * Deno.exit(await main(["create-bucket"]));
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const positionals: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--no-progress") continue;
    if (a.startsWith("--")) flags[a.slice(2)] = rest[++i];
    else positionals.push(a);
  }
  const conf = JSON.parse(readFileSync("config.json", "utf8"))
    .remote_storage as RemoteStorageConfig;
  const storage = new RemoteStorage({ ...conf, usePbar: false }, { events: {} });
  try {
    switch (command) {
      case "create-bucket":
        await storage.createBucket();
        return 0;
      case "push":
      case "plan": {
        const s = await storage.push(positionals[0], {
          localPathPrefix: flags["local-path-prefix"],
          dryrun: command === "plan",
          usePbar: false,
        });
        console.log(
          JSON.stringify({ files: s.allFilesAnalyzed.length, toSync: s.filesToSync.length }),
        );
        return 0;
      }
      case "pull": {
        const s = await storage.pull(positionals[0], {
          localBaseDir: flags.to ?? process.cwd(),
          usePbar: false,
        });
        console.log(
          JSON.stringify({ files: s.allFilesAnalyzed.length, toSync: s.filesToSync.length }),
        );
        return 0;
      }
      default:
        console.error(`unknown command ${command}`);
        return 2;
    }
  } finally {
    await storage.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
