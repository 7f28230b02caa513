/**
 * The accsr command line, as a function: {@linkcode run} takes the arguments and the I/O
 * (streams, environment, working directory) and returns the exit code, so the CLI can be
 * embedded and tested in-process. The `accsr` binary (`cli.ts`) is a thin wrapper around it.
 *
 * ```text
 * accsr <command> [options]
 *   push <path…>        upload files that are missing or changed on the remote
 *   pull <remote-path>  download files that are missing or changed locally
 *   ls [remote-path]    list remote objects (-l: size, last modified, hash)
 *   rm <remote-path>    delete remote objects
 *   create-bucket       create the bucket
 *   status [path]       what a push and a pull would do (never transfers)
 *   config              the merged configuration, secrets redacted (--explain: provenance)
 *   version             the version (also -V, --version)
 *   completion <shell>  the bash, zsh or fish completion script
 *   cleanup [path]      abort incomplete uploads, remove stale temporary files (--older-than)
 * exit codes: 0 ok, 1 failure, 2 usage error, 3 refused transaction, 130/143 interrupted
 * ```
 *
 * @example
 * ```ts
 * import { run } from "accsr/cli";
 *
 * let out = "";
 * const code = await run(["status", "data", "--json"], {
 *   stdout: { write: (s) => (out += s) },
 *   cwd: "/tmp/project", // holds config.json with a "remote_storage" section
 * });
 * if (code === 0) console.log(JSON.parse(out).push.summary.files_to_sync);
 * ```
 *
 * @module
 */
export { EXIT_CODES, type ExitCodes, run } from "./run.ts";
export type { CliWriter, RunIO } from "./output.ts";
export { VERSION } from "./version.ts";
