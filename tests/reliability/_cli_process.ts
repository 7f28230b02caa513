/**
 * The real `accsr` CLI as a child process that a test can signal or kill mid-transfer
 * (`deno run -A cli.ts` under Deno, `node cli.js` on the compiled npm tree).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** How a child ended. */
export interface CliExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process. */
export interface CliProcess {
  child: ChildProcess;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Settles when the process has exited. */
  exited: Promise<CliExit>;
  /**
   * Sends a signal with `process.kill(pid)` (Deno's `child.kill()` reports the child as
   * ended by that signal even when the child handled it and exited with its own code).
   */
  kill(signal: NodeJS.Signals): void;
}

function cliCommand(): { command: string; args: string[] } {
  const compiled = fileURLToPath(new URL("../../cli.js", import.meta.url));
  const source = fileURLToPath(new URL("../../cli.ts", import.meta.url));
  if (process.versions.deno !== undefined) {
    return { command: process.execPath, args: ["run", "-A", "--quiet", source] };
  }
  return { command: process.execPath, args: [existsSync(compiled) ? compiled : source] };
}

/** The environment of this process without storage credentials or configuration. */
function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(AWS_|AZURE_|S3_|NO_COLOR$|ACCSR__)/.test(k)) out[k] = v;
  }
  return out;
}

/** Starts `accsr <argv>` in `cwd`. */
export function startCli(
  argv: string[],
  cwd: string,
  env: Record<string, string> = {},
): CliProcess {
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, ...argv], {
    cwd,
    env: { ...inheritedEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<CliExit>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    kill(signal: NodeJS.Signals) {
      process.kill(child.pid!, signal);
    },
  };
}

/** Runs `accsr <argv>` to the end (at most 10 minutes). */
export async function runCliProcess(
  argv: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<CliExit> {
  const p = startCli(argv, cwd, env);
  const timer = setTimeout(() => p.kill("SIGKILL"), 600_000);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits (polling every 5 ms, at most `ms`) until `ready()`; returns whether it became true. */
export async function waitFor(ready: () => boolean, ms = 60_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/**
 * Writes `config.json` with a `remote_storage` section for S3 (secret read from `TEST_S3_SECRET`);
 * `endpoint`, which Python accsr does not accept, goes into `remote_storage_ts`.
 */
export async function writeS3Config(
  cwd: string,
  s3: { endpoint: string; region: string; bucket: string; key: string; basePath: string },
): Promise<void> {
  await writeFile(
    join(cwd, "config.json"),
    JSON.stringify({
      remote_storage: {
        provider: "s3",
        region: s3.region,
        bucket: s3.bucket,
        key: s3.key,
        secret: "env:TEST_S3_SECRET",
        base_path: s3.basePath,
        use_pbar: false,
      },
      remote_storage_ts: { endpoint: s3.endpoint },
    }),
  );
}
