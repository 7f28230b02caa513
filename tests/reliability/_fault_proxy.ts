/**
 * A small fault-injecting HTTP proxy for reliability tests: it listens on 127.0.0.1, forwards
 * every request unchanged (the `Host` header included, so SigV4 signatures stay valid) to an
 * upstream S3 server, records each request (method, path, query, headers, status), and can
 * be told to misbehave for requests matching a rule:
 *
 * - answer with an HTTP status and an S3 error code (`{ status: 503, code: "SlowDown" }`),
 * - reset the connection (`"reset"`), optionally after receiving the request body,
 * - hang without answering (`"hang"`, until the client gives up),
 * - delay forwarding (`{ delayMs }`),
 * - forward the answer but drop the connection after `cutAfterBytes` body bytes
 *   (`{ cutAfterBytes }`: a download interrupted mid-body),
 * - forward but flip one byte of the response body (`"corrupt"`),
 * - forward but flip one byte in the middle of the request body (`"corrupt-request"`: an upload
 *   damaged on the way; the length and headers stay as sent),
 * - forward, let the server act, then drop the connection instead of answering
 *   (`"lose-answer"`: the ambiguous failure where a write succeeded but the client never
 *   learns it),
 * - stall a request body: read its first `afterBytes` bytes, then stop reading and never
 *   answer (`{ stallRequest: n }`: an upload whose body stops moving),
 * - stall a response body: forward the headers and the first `afterBytes` bytes of the
 *   answer, then send nothing more (`{ stallResponse: n }`: a download that stops moving),
 * - run a hook, then forward (`{ before: fn }`: e.g. another writer racing this request).
 *
 * It also counts the body bytes it forwards in each direction ({@linkcode FaultProxy.bytesUp},
 * {@linkcode FaultProxy.bytesDown}), so a test can tell how much a transfer really sent.
 *
 * Rules apply to the first `times` matching requests (default: every one). Only `node:`
 * built-ins are used, so the tests also run compiled under Node.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** What a rule does to a matching request. */
export type FaultAction =
  | { status: number; code?: string }
  | "reset"
  | "hang"
  | "corrupt"
  | "corrupt-request"
  | "lose-answer"
  | { delayMs: number }
  | { stallRequest: number }
  | { stallResponse: number }
  | { before: (request: SeenRequest) => Promise<void> }
  | { cutAfterBytes: number };

/**
 * A fault rule: which requests it matches and what it does to them.
 *
 * @example
 * ```ts
 * import type { FaultRule } from "./_fault_proxy.ts";
 * const rule: FaultRule = { method: "PUT", times: 2, action: { status: 503, code: "SlowDown" } };
 * ```
 */
export interface FaultRule {
  /** HTTP method to match (default: any). */
  method?: string;
  /** Matches the path (without query); a string matches as a substring. */
  path?: RegExp | string;
  /** Matches the query string (without `?`); a string matches as a substring. */
  query?: RegExp | string;
  /** Applies to this many matching requests, then is spent (default: unlimited). */
  times?: number;
  /** What to do. */
  action: FaultAction;
}

/**
 * One request the proxy saw.
 *
 * @example
 * ```ts
 * import type { SeenRequest } from "./_fault_proxy.ts";
 * const r: SeenRequest = { method: "PUT", path: "/b/k", query: "", headers: {}, fault: undefined };
 * ```
 */
export interface SeenRequest {
  method: string;
  path: string;
  query: string;
  headers: http.IncomingHttpHeaders;
  /** The action applied, or undefined when forwarded untouched. */
  fault?: string;
  /** Status sent back (undefined for reset / hang / unfinished). */
  status?: number;
  /** When the request arrived (`Date.now()`). */
  at?: number;
}

function matches(rule: FaultRule, method: string, path: string, query: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
  const test = (m: RegExp | string | undefined, s: string) =>
    m === undefined || (typeof m === "string" ? s.includes(m) : m.test(s));
  return test(rule.path, path) && test(rule.query, query);
}

function describeAction(a: FaultAction): string {
  if (typeof a === "string") return a;
  if ("status" in a) return `status ${a.status}${a.code ? ` ${a.code}` : ""}`;
  if ("stallRequest" in a) return `stall request after ${a.stallRequest} bytes`;
  if ("stallResponse" in a) return `stall response after ${a.stallResponse} bytes`;
  if ("before" in a) return "hook";
  if ("cutAfterBytes" in a) return `cut after ${a.cutAfterBytes} bytes`;
  return `delay ${a.delayMs} ms`;
}

/**
 * The proxy. Start with {@linkcode FaultProxy.start}, stop with {@linkcode FaultProxy.close}.
 *
 * @example
 * ```ts
 * import { FaultProxy } from "./_fault_proxy.ts";
 * const proxy = await FaultProxy.start("http://127.0.0.1:7480");
 * proxy.addRule({ method: "PUT", times: 1, action: "reset" });
 * console.log(proxy.url); // http://127.0.0.1:<port>
 * await proxy.close();
 * ```
 */
export class FaultProxy {
  /** Every request seen, in arrival order. */
  readonly requests: SeenRequest[] = [];
  /** Request body bytes forwarded to the server (uploads). */
  bytesUp = 0;
  /** Response body bytes forwarded to the client (downloads). */
  bytesDown = 0;
  readonly #server: http.Server;
  readonly #upstream: URL;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  readonly #rules: { rule: FaultRule; left: number }[] = [];
  readonly #hanging = new Set<http.ServerResponse>();
  #port = 0;

  private constructor(upstream: string) {
    this.#upstream = new URL(upstream);
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = 2_000;
  }

  /** Starts a proxy in front of `upstream` on a free 127.0.0.1 port. */
  static async start(upstream: string): Promise<FaultProxy> {
    const p = new FaultProxy(upstream);
    await new Promise<void>((resolve, reject) => {
      p.#server.once("error", reject);
      p.#server.listen(0, "127.0.0.1", () => resolve());
    });
    p.#port = (p.#server.address() as AddressInfo).port;
    return p;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Adds a rule (rules are tried in the order added; the first live match applies). */
  addRule(rule: FaultRule): void {
    this.#rules.push({ rule, left: rule.times ?? Infinity });
  }

  /** Removes every rule and forgets the recorded requests. */
  reset(): void {
    this.#rules.length = 0;
    this.requests.length = 0;
    this.bytesUp = 0;
    this.bytesDown = 0;
  }

  /** Requests seen matching `method` and `path` (substring or RegExp) and `query`. */
  count(filter: { method?: string; path?: RegExp | string; query?: RegExp | string } = {}): number {
    return this.requests.filter((r) =>
      matches({ ...filter, action: "hang" }, r.method, r.path, r.query)
    ).length;
  }

  /** Stops listening, drops every connection (hanging ones too). */
  async close(): Promise<void> {
    for (const res of this.#hanging) res.socket?.destroy();
    this.#hanging.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections?.();
    this.#agent.destroy();
    await closed;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? "" : url.slice(q + 1);
    const method = req.method ?? "GET";
    const seen: SeenRequest = {
      method,
      path,
      query,
      headers: { ...req.headers },
      at: Date.now(),
    };
    this.requests.push(seen);
    const live = this.#rules.find((r) => r.left > 0 && matches(r.rule, method, path, query));
    if (live === undefined) return this.#forward(req, res, seen);
    live.left--;
    const action = live.rule.action;
    seen.fault = describeAction(action);
    if (action === "reset") {
      // Let the client send its body, then drop the connection without an answer.
      req.resume();
      const drop = () => req.socket.destroy();
      req.once("end", drop);
      req.once("error", drop);
      return;
    }
    if (action === "hang") {
      req.resume();
      this.#hanging.add(res);
      res.once("close", () => this.#hanging.delete(res));
      return;
    }
    if (action === "corrupt") return this.#forward(req, res, seen, "corrupt");
    if (action === "corrupt-request") return this.#forward(req, res, seen, "corrupt-request");
    if (action === "lose-answer") return this.#forward(req, res, seen, "lose");
    if ("stallRequest" in action) {
      let got = 0;
      this.#hanging.add(res);
      res.once("close", () => this.#hanging.delete(res));
      const onData = (chunk: Buffer) => {
        got += chunk.byteLength;
        if (got >= action.stallRequest) {
          req.off("data", onData);
          req.pause(); // the client's writes now fill the socket buffers and stop
        }
      };
      req.on("data", onData);
      return;
    }
    if ("stallResponse" in action) {
      return this.#forward(req, res, seen, { stallAfter: action.stallResponse });
    }
    if ("before" in action) {
      req.pause();
      action.before(seen).then(
        () => this.#forward(req, res, seen),
        () => req.socket.destroy(),
      );
      return;
    }
    if ("cutAfterBytes" in action) return this.#forward(req, res, seen, action.cutAfterBytes);
    if ("delayMs" in action) {
      const timer = setTimeout(() => this.#forward(req, res, seen), action.delayMs);
      res.once("close", () => clearTimeout(timer));
      return;
    }
    req.resume();
    req.once("end", () => {
      const code = action.code ?? `Injected${action.status}`;
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
        `<Message>injected by the fault proxy</Message></Error>`;
      seen.status = action.status;
      res.writeHead(action.status, {
        "content-type": "application/xml",
        "content-length": String(Buffer.byteLength(body)),
      });
      res.end(method === "HEAD" ? undefined : body);
    });
  }

  #forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    seen: SeenRequest,
    mode?: "corrupt" | "corrupt-request" | "lose" | { stallAfter: number } | number,
  ): void {
    const up = http.request({
      host: this.#upstream.hostname,
      port: this.#upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: this.#agent,
    }, (upRes) => {
      seen.status = upRes.statusCode;
      if (mode === "lose") {
        upRes.resume();
        upRes.once("end", () => res.socket?.destroy());
        return;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (typeof mode === "object") {
        // send the first bytes, then nothing more (the connection stays open)
        let sent = 0;
        this.#hanging.add(res);
        res.once("close", () => this.#hanging.delete(res));
        upRes.on("data", (chunk: Buffer) => {
          if (sent >= mode.stallAfter) return;
          const part = chunk.subarray(0, mode.stallAfter - sent);
          sent += part.byteLength;
          res.write(part);
        });
        return;
      }
      let flipped = mode !== "corrupt";
      let left = typeof mode === "number" ? mode : Infinity;
      upRes.on("data", (chunk: Buffer) => {
        if (left <= 0) return;
        if (chunk.byteLength >= left) {
          // send the first bytes, then drop the connection mid-body
          const n = left;
          res.write(chunk.subarray(0, left), () => {
            this.bytesDown += n;
            res.socket?.destroy();
          });
          left = 0;
          upRes.destroy();
          return;
        }
        left -= chunk.byteLength;
        if (!flipped && chunk.byteLength > 0) {
          const copy = Buffer.from(chunk);
          copy[0] ^= 0xff;
          chunk = copy;
          flipped = true;
        }
        const n = chunk.byteLength;
        // counted once handed to the client's connection; backpressure keeps the count close
        // to what the client really received
        if (!res.write(chunk, () => this.bytesDown += n)) {
          upRes.pause();
          res.once("drain", () => upRes.resume());
        }
      });
      upRes.on("end", () => res.end());
      upRes.on("error", () => res.socket?.destroy());
    });
    up.on("error", () => res.socket?.destroy());
    res.once("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    req.on("data", (chunk: Buffer) => {
      this.bytesUp += chunk.byteLength;
    });
    if (mode === "corrupt-request") {
      // flip the byte in the middle of the body (by Content-Length) on its way through
      const middle = Math.floor(Number(req.headers["content-length"] ?? 0) / 2);
      let at = 0;
      req.on("data", (chunk: Buffer) => {
        if (middle >= at && middle < at + chunk.byteLength) {
          const copy = Buffer.from(chunk);
          copy[middle - at] ^= 0xff;
          chunk = copy;
        }
        at += chunk.byteLength;
        if (!up.write(chunk)) {
          req.pause();
          up.once("drain", () => req.resume());
        }
      });
      req.on("end", () => up.end());
      return;
    }
    req.pipe(up);
  }
}
