/**
 * A counting HTTP proxy on 127.0.0.1: forwards every request unchanged (headers included, so
 * SigV4 signatures stay valid) to the S3 server and counts requests by method. It adds
 * latency and CPU, so the benchmark uses it only in a separate counting pass, never for
 * timings.
 *
 * @module
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Requests seen since the last reset, by HTTP method.
 *
 * @example
 * ```ts
 * import type { Counts } from "./_proxy.ts";
 * const c: Counts = { total: 3, byMethod: { GET: 1, PUT: 2 } };
 * ```
 */
export interface Counts {
  /** All requests. */
  total: number;
  /** Requests per method (`GET`, `PUT`, `HEAD`, `POST`, `DELETE`). */
  byMethod: Record<string, number>;
}

/**
 * A running counting proxy.
 *
 * @example
 * ```ts
 * import { startProxy } from "./_proxy.ts";
 * const p = await startProxy("http://127.0.0.1:27480");
 * p.reset();
 * // … run a client against p.url …
 * console.log(p.counts());
 * await p.close();
 * ```
 */
export interface CountingProxy {
  /** `http://127.0.0.1:<port>` to give the clients as endpoint. */
  url: string;
  /** Zeroes the counters. */
  reset(): void;
  /** A copy of the counters. */
  counts(): Counts;
  /** Stops listening and drops idle connections. */
  close(): Promise<void>;
}

/**
 * Starts a counting proxy in front of `target` on a free port of 127.0.0.1.
 *
 * @example
 * ```ts
 * import { startProxy } from "./_proxy.ts";
 * const p = await startProxy("http://127.0.0.1:27480");
 * await p.close();
 * ```
 */
export async function startProxy(target: string): Promise<CountingProxy> {
  const t = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let counts: Counts = { total: 0, byMethod: {} };
  const server = http.createServer((req, res) => {
    const method = req.method ?? "?";
    counts.total++;
    counts.byMethod[method] = (counts.byMethod[method] ?? 0) + 1;
    const headers = { ...req.headers };
    // the proxy already answered "100 Continue"; `expect` is never a SigV4-signed header
    const signed = /SignedHeaders=([^,\s]*)/.exec(String(headers.authorization ?? ""))?.[1] ?? "";
    if (!signed.split(";").includes("expect")) delete headers.expect;
    const upstream = http.request({
      host: t.hostname,
      port: t.port,
      method,
      path: req.url,
      headers,
      agent,
    }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
      up.pipe(res);
    });
    upstream.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy error: ${e.message}`);
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    reset() {
      counts = { total: 0, byMethod: {} };
    },
    counts() {
      return { total: counts.total, byMethod: { ...counts.byMethod } };
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
