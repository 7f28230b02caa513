/**
 * Helpers of the "import by URL" tests: serve this checkout over http on 127.0.0.1 (as a raw
 * GitHub URL would serve it: `.ts` as `application/typescript`), a temporary folder with no
 * `deno.json` above it, and running `deno` there as a user would.
 *
 * @module
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The checkout's root folder. */
export const ROOT: string = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

const TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".mts": "application/typescript; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/** A running http server of the checkout. */
export interface CheckoutServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Paths requested so far (to prove the imports went over http). */
  requested: string[];
  /** Stops the server. */
  close(): Promise<void>;
}

/** Serves the files of the checkout (read-only, nothing outside it) on 127.0.0.1. */
export async function serveCheckout(): Promise<CheckoutServer> {
  const requested: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requested.push(path);
    const file = resolve(ROOT, `.${path}`);
    if (!file.startsWith(ROOT + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const ext = /\.[^./]+$/.exec(file)?.[0] ?? "";
    res.writeHead(200, { "content-type": TYPES[ext] ?? "text/plain; charset=utf-8" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requested,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** A temporary folder with no `deno.json`/`package.json` in it or in any folder above it. */
export function userFolder(prefix = "accsr-url-user-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  for (let dir = dirname(path);; dir = dirname(dir)) {
    for (const f of ["deno.json", "deno.jsonc", "package.json"]) {
      if (existsSync(join(dir, f))) {
        rmSync(path, { recursive: true, force: true });
        throw new Error(`${join(dir, f)} exists above ${path}: set TMPDIR to a folder without one`);
      }
    }
    if (dirname(dir) === dir) break;
  }
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** What a child process printed. */
export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of the test without storage credentials (DENO_DIR etc. are kept). */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(AWS_|AZURE_|S3_|ACCSR_)/.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs a command asynchronously (the server in this process must keep answering). */
export async function runIn(
  cwd: string,
  command: string,
  args: string[],
  env: Record<string, string> = userEnv(),
): Promise<Output> {
  const out = await new Deno.Command(command, {
    args,
    cwd,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Fails with the whole output when a command did not exit 0. */
export function ok(what: string, r: Output): Output {
  if (r.code !== 0) {
    throw new Error(`${what} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return r;
}
