/**
 * The `accsr` command line: `deno run -A cli.ts <command> [options]` (npm: the `accsr` bin).
 * Everything happens in {@linkcode run} of `cli/run.ts`; see `accsr --help`.
 *
 * @module
 */
import process from "node:process";
import { exitOnBrokenPipe } from "./cli/epipe.ts";
import { run } from "./cli/run.ts";
import { listenForInterrupts } from "./cli/signals.ts";

// `accsr ls | head -1`: when the reader goes away, end quietly with exit code 0
for (const stream of [process.stdout, process.stderr]) {
  exitOnBrokenPipe(stream, (code) => process.exit(code));
}

// the AWS SDK warns on Node < 22 at its first request; a CLI user cannot act on that
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// Ctrl-C / SIGTERM: abort the command (it reports and returns 130 / 143); a second one exits at once
const interrupts = listenForInterrupts();
const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupts.signal,
});
// let piped output drain before exiting (process.exit does not wait on every platform)
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((r) => s.write("", r))));
process.exit(code);
