/**
 * A recording front for an S3 server, on 127.0.0.1 only: plain http or https with a
 * self-signed certificate made by `openssl` for the test. It forwards every request unchanged
 * (the `Host` header too, so SigV4 signatures stay valid) and records its host, path, signing
 * region, session token and user agent; `answer` may reply instead of the server (region
 * redirects, expired tokens). Also: a local container-credentials endpoint
 * (`AWS_CONTAINER_CREDENTIALS_FULL_URI`) and a child process running this module with
 * `--accsr-lean-child` (under Node: its compiled `.js`), see {@linkcode runChild}.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { awsSdkLoaded, S3Store } from "../../storage/stores/s3.ts";
import type { StorageError } from "../../errors.ts";

/** One request the front saw. */
export interface FrontRequest {
  method: string;
  host: string;
  path: string;
  /** Region of the SigV4 credential scope. */
  region?: string;
  /** `x-amz-security-token`. */
  token?: string;
  userAgent?: string;
}

/** What `answer` may send instead of forwarding. */
export interface FrontAnswer {
  status: number;
  headers?: Record<string, string>;
  code?: string;
  /** Answer this much later (ms). */
  delayMs?: number;
}

/** A self-signed certificate for 127.0.0.1 and localhost, and its files. */
export interface TestCertificate {
  key: Buffer;
  cert: Buffer;
  /** The certificate as a file (a CA bundle to trust). */
  certPath: string;
  dispose(): void;
}

/** Makes a self-signed certificate with `openssl` (10 minutes valid is plenty; 1 day). */
export function selfSignedCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "accsr-tls-"));
  const keyPath = join(dir, "key.pem");
  const certPath = join(dir, "cert.pem");
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ], { stdio: "ignore" });
  return {
    key: readFileSync(keyPath),
    cert: readFileSync(certPath),
    certPath,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The front. Start with {@linkcode S3Front.start}, stop with {@linkcode S3Front.close}.
 *
 * @example
 * ```ts
 * import { S3Front } from "./_s3_front.ts";
 * const front = await S3Front.start("http://127.0.0.1:7480");
 * console.log(front.port, front.requests.length);
 * await front.close();
 * ```
 */
export class S3Front {
  readonly requests: FrontRequest[] = [];
  /** Replies instead of the server when it returns an answer. */
  answer: ((r: FrontRequest) => FrontAnswer | undefined) | undefined;
  /** Waits this long (ms) before forwarding each request (a slow link: time passes). */
  delayMs = 0;
  readonly #server: http.Server;
  readonly #upstream: URL;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  private constructor(upstream: string, tls?: { key: Buffer; cert: Buffer }) {
    this.#upstream = new URL(upstream);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.#handle(req, res);
    this.#server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    this.#server.keepAliveTimeout = 2_000;
  }

  /** Starts a front of `upstream` on a free 127.0.0.1 port (https with `tls`). */
  static async start(upstream: string, tls?: { key: Buffer; cert: Buffer }): Promise<S3Front> {
    const f = new S3Front(upstream, tls);
    await new Promise<void>((resolve, reject) => {
      f.#server.once("error", reject);
      f.#server.listen(0, "127.0.0.1", () => resolve());
    });
    return f;
  }

  /** `http://127.0.0.1:<port>`. */
  url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The port it listens on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections?.();
    this.#agent.destroy();
    await closed;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const auth = String(req.headers.authorization ?? "");
    const seen: FrontRequest = {
      method: req.method ?? "GET",
      host: String(req.headers.host ?? ""),
      path: req.url ?? "/",
      region: /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth)?.[1],
      token: req.headers["x-amz-security-token"] as string | undefined,
      userAgent: req.headers["user-agent"] as string | undefined,
    };
    this.requests.push(seen);
    const answer = this.answer?.(seen);
    if (answer !== undefined) {
      req.resume();
      req.once("end", () =>
        setTimeout(() => {
          const code = answer.code ?? `Status${answer.status}`;
          const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
            `<Message>answered by the test front</Message></Error>`;
          res.writeHead(answer.status, {
            "content-type": "application/xml",
            "content-length": String(Buffer.byteLength(body)),
            ...answer.headers,
          });
          res.end(seen.method === "HEAD" ? undefined : body);
        }, answer.delayMs ?? 0));
      return;
    }
    if (this.delayMs > 0) {
      req.pause();
      setTimeout(() => this.#forward(req, res), this.delayMs);
    } else this.#forward(req, res);
  }

  #forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const up = http.request({
      host: this.#upstream.hostname,
      port: this.#upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: this.#agent,
    }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", () => res.socket?.destroy());
    req.pipe(up);
  }
}

/**
 * A container-credentials endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI`) on 127.0.0.1 that
 * hands out the given keys with session token `token-<n>` for the n-th fetch, expiring
 * `validMs` later.
 *
 * @example
 * ```ts
 * import { CredentialsEndpoint } from "./_s3_front.ts";
 * const ep = await CredentialsEndpoint.start("test", "testtesttest", 3_600_000);
 * console.log(ep.url, ep.fetches);
 * await ep.close();
 * ```
 */
export class CredentialsEndpoint {
  /** Fetches so far. */
  fetches = 0;
  readonly #server: http.Server;

  private constructor(key: string, secret: string, validMs: number) {
    this.#server = http.createServer((_req, res) => {
      this.fetches++;
      const body = JSON.stringify({
        AccessKeyId: key,
        SecretAccessKey: secret,
        Token: `token-${this.fetches}`,
        Expiration: new Date(Date.now() + validMs).toISOString(),
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
  }

  /** Starts the endpoint on a free 127.0.0.1 port. */
  static async start(key: string, secret: string, validMs: number): Promise<CredentialsEndpoint> {
    const e = new CredentialsEndpoint(key, secret, validMs);
    await new Promise<void>((resolve) => e.#server.listen(0, "127.0.0.1", () => resolve()));
    return e;
  }

  /** `http://127.0.0.1:<port>/credentials`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/credentials`;
  }

  /** Stops it. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections?.();
    await closed;
  }
}

/** What the child does (see {@linkcode runChild}). */
export interface ChildJob {
  bucket: string;
  endpoint: string;
  region: string;
  forcePathStyle?: boolean;
  /** Static keys; without them the default credential chain. */
  key?: string;
  secret?: string;
  /** Objects of 1 KiB to put, one after the other (or `concurrency` at a time). */
  files: number;
  concurrency?: number;
  prefix: string;
}

/** What the child reports. */
export interface ChildReport {
  ok: boolean;
  error?: { code?: string; message: string };
  listed?: number;
  sdkLoaded?: boolean;
  retries?: number;
}

/**
 * Runs a child process (this module with `--accsr-lean-child`) that puts `files` objects of
 * 1 KiB one after the other through an `S3Store` configured from the job (static keys, or the
 * default credential chain from its environment), lists them, reads one, deletes them, and
 * reports `{ ok, listed, sdkLoaded, retries }` or `{ ok: false, error }`. Only `env` as AWS
 * settings: no AWS variable of
 * this process, shared config and credentials files that do not exist (unless `env` names
 * some), instance metadata disabled (nothing ever reaches AWS).
 */
export async function runChild(
  job: ChildJob,
  env: Record<string, string> = {},
): Promise<{ report: ChildReport; stderr: string }> {
  const ts = import.meta.url.endsWith(".ts");
  const script = fileURLToPath(
    new URL(ts ? "./_s3_front.ts" : "./_s3_front.js", import.meta.url),
  );
  // No HOME of its own (Deno would lose its module cache): the shared files are redirected.
  const home = mkdtempSync(join(tmpdir(), "accsr-aws-"));
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(AWS_|S3_|ACCSR__|NODE_EXTRA_CA_CERTS$|DENO_CERT$)/.test(k)) {
      base[k] = v;
    }
  }
  const args = process.versions.deno !== undefined
    ? ["run", "-A", "--quiet", script, CHILD_FLAG, JSON.stringify(job)]
    : [script, CHILD_FLAG, JSON.stringify(job)];
  try {
    const child = spawn(process.execPath, args, {
      env: {
        ...base,
        AWS_CONFIG_FILE: join(home, "no-config"),
        AWS_SHARED_CREDENTIALS_FILE: join(home, "no-credentials"),
        AWS_EC2_METADATA_DISABLED: "true",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    await new Promise((resolve) => child.once("close", resolve));
    const line = stdout.trim().split("\n").pop() ?? "";
    let report: ChildReport;
    try {
      report = JSON.parse(line);
    } catch {
      report = { ok: false, error: { message: `no report; stderr: ${stderr}` } };
    }
    return { report, stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const CHILD_FLAG = "--accsr-lean-child";

/** The child's work (see {@linkcode runChild}); prints one JSON line. */
async function leanChild(job: ChildJob): Promise<void> {
  const store = new S3Store({
    bucket: job.bucket,
    endpoint: job.endpoint,
    region: job.region,
    forcePathStyle: job.forcePathStyle,
    accessKeyId: job.key ?? null,
    secretAccessKey: job.secret ?? null,
    maxAttempts: 2,
  });
  const tmp = await mkdtemp(join(tmpdir(), "accsr-lean-child-"));
  try {
    const keys: string[] = [];
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < job.files; i++) {
      const data = Buffer.alloc(1024, i % 251);
      const key = `${job.prefix}f${i}.bin`;
      batch.push(store.put(key, { data }, { md5: createHash("md5").update(data).digest("hex") }));
      keys.push(key);
      if (batch.length >= (job.concurrency ?? 1)) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
    let listed = 0;
    for await (const _ of store.list(job.prefix)) listed++;
    if (keys.length > 0) await store.get(keys[0], join(tmp, "out.bin"));
    await store.delete(keys);
    const report: ChildReport = {
      ok: true,
      listed,
      sdkLoaded: awsSdkLoaded(),
      retries: store.retryCount,
    };
    console.log(JSON.stringify(report));
  } catch (e) {
    const err = e as StorageError;
    console.log(JSON.stringify({ ok: false, error: { code: err.code, message: err.message } }));
  } finally {
    await store.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf(CHILD_FLAG);
if (childAt !== -1) await leanChild(JSON.parse(process.argv[childAt + 1]) as ChildJob);
