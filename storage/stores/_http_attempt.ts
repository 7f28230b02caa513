/**
 * One HTTP request attempt of the lean request paths (S3 and Azure): connect timeout, idle
 * watchdog in both directions, abort by signal, small answers read whole, settles only once
 * the answer's consumer has settled (no stray writes after a retry).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createReadStream } from "node:fs";
import type http from "node:http";
import { idleTimeoutError, IdleWatch, tapped } from "./_idle.ts";
import { abortError, prematureClose, readAll, writeBody } from "./_s3_http.ts";

/**
 * Answers up to this size (by `Content-Length`) are read whole before their consumer sees
 * them; larger ones are streamed.
 */
const SMALL_ANSWER_BYTES = 64 * 1024;

/**
 * What one attempt sends and how it judges the answer.
 *
 * @example
 * ```ts
 * import http from "node:http";
 * import type { Attempt } from "./_http_attempt.ts";
 * const a: Attempt<number> = {
 *   request: http.request,
 *   options: { host: "127.0.0.1", port: 8080, method: "GET", path: "/" },
 *   body: undefined,
 *   handle: (res) => Promise.resolve(res.statusCode ?? 0),
 *   httpError: (status, text) => new Error(`${status}: ${text}`),
 *   idleTimeoutMs: 30_000,
 *   connectTimeoutMs: 5_000,
 *   connectTimeoutError: () => new Error("no connection within 5 s"),
 * };
 * ```
 */
export interface Attempt<T> {
  /** `http.request` or `https.request`. */
  request: typeof http.request;
  /** Host, port, method, path, headers, agent (and `lookup`). */
  options: http.RequestOptions;
  /** Bytes, the first `size` bytes of a file (read anew on each attempt), or nothing. */
  body: Uint8Array | { path: string; size: number } | undefined;
  /** Aborts the attempt. */
  signal?: AbortSignal;
  /** Consumes a 2xx answer; the attempt settles when this settles. */
  handle: (res: http.IncomingMessage, body: AsyncIterable<Uint8Array>) => Promise<T>;
  /** Read the answer whole whatever its size. */
  whole?: boolean;
  /** The error of a non-2xx answer, from its status, body text and headers. */
  httpError: (status: number, text: string, headers: http.IncomingHttpHeaders) => Error;
  /** The attempt fails when no byte moves for this long once connected. */
  idleTimeoutMs: number;
  /** Connecting may take this long. */
  connectTimeoutMs: number;
  /** The error of a connection not established within `connectTimeoutMs`. */
  connectTimeoutError: () => Error;
}

/**
 * Sends one request; resolves with what `handle` returns for a 2xx answer, rejects with
 * `httpError(...)` for another status, with a timeout, abort or transport error otherwise.
 *
 * @example
 * ```ts
 * import http from "node:http";
 * import { sendAttempt } from "./_http_attempt.ts";
 * const status = await sendAttempt({
 *   request: http.request,
 *   options: { host: "127.0.0.1", port: 8080, method: "HEAD", path: "/" },
 *   body: undefined,
 *   handle: (res) => Promise.resolve(res.statusCode),
 *   httpError: (s) => new Error(`HTTP ${s}`),
 *   idleTimeoutMs: 30_000,
 *   connectTimeoutMs: 5_000,
 *   connectTimeoutError: () => new Error("connect timeout"),
 * }).catch(() => undefined);
 * ```
 */
export function sendAttempt<T>(a: Attempt<T>): Promise<T> {
  const { signal, body, handle } = a;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    let settled = false;
    let handling: Promise<unknown> | undefined;
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    let watch: IdleWatch | undefined;
    const touch = () => watch?.touch();
    const finish = (error: unknown, value?: T) => {
      if (settled) return;
      settled = true;
      if (connectTimer !== undefined) clearTimeout(connectTimer);
      watch?.stop();
      unlisten?.();
      const done = () => error !== undefined ? reject(error) : resolve(value!);
      if (error !== undefined && handling !== undefined) handling.then(done, done);
      else done();
    };
    const req = a.request(a.options, (res) => {
      if (settled) {
        // Aborted or timed out already (Deno may still deliver the answer): drop it, so
        // that nothing (a destination file) is touched after the call returned.
        res.destroy();
        return;
      }
      touch();
      const status = res.statusCode ?? 0;
      if (
        a.whole || a.options.method === "HEAD" || status < 200 || status >= 300 ||
        Number(res.headers["content-length"] ?? Infinity) <= SMALL_ANSWER_BYTES
      ) {
        // read whole with data events (no stream iterator per answer), then handed over
        const chunks: Uint8Array[] = [];
        res.on("data", (chunk: Uint8Array) => {
          touch();
          chunks.push(chunk);
        });
        res.on("end", () => {
          if (settled) return;
          if (status < 200 || status >= 300) {
            finish(a.httpError(status, Buffer.concat(chunks).toString("utf8"), res.headers));
            return;
          }
          handling = handle(res, iterate(chunks)).then(
            (value) => finish(undefined, value),
            (e) => finish(e),
          );
        });
        const cut = (e?: unknown) => {
          if (res.complete || settled) return;
          req.destroy();
          finish(prematureClose(e ?? closedEarly()));
        };
        res.on("error", cut);
        res.on("close", () => cut());
        return;
      }
      const resBody = tapped(res, touch);
      if (status < 200 || status >= 300) {
        readAll(resBody).then(
          (text) => finish(a.httpError(status, text.toString("utf8"), res.headers)),
          (e) => finish(e),
        );
        return;
      }
      handling = handle(res, resBody).then(
        (value) => finish(undefined, value),
        (e) => {
          if (!res.complete) req.destroy();
          finish(prematureClose(e));
        },
      );
    });
    const unlisten = signal === undefined ? undefined : whenAborted(signal, () => {
      req.destroy();
      finish(abortError(signal));
    });
    // Timed from the moment a socket is assigned (not the wait for a free pooled socket).
    const idle = () => {
      if (settled) return;
      watch = new IdleWatch(a.idleTimeoutMs, () => {
        req.destroy();
        finish(idleTimeoutError(a.idleTimeoutMs));
      });
    };
    req.on("socket", (socket) => {
      if (!socket.connecting) return idle();
      connectTimer = setTimeout(() => {
        req.destroy();
        finish(a.connectTimeoutError());
      }, a.connectTimeoutMs);
      socket.once("connect", () => {
        clearTimeout(connectTimer);
        idle();
      });
    });
    req.on("error", (e) => finish(e));
    if (body === undefined || body instanceof Uint8Array) writeBody(req, body, touch);
    else if (body.size === 0) req.end(touch);
    else {
      // A file body is read anew on each attempt; a read error fails the attempt.
      const file = createReadStream(body.path, { start: 0, end: body.size - 1 });
      file.on("error", (e) => {
        req.destroy();
        finish(e);
      });
      let sent = 0;
      file.on("data", (chunk) => {
        sent += chunk.length;
        touch();
      });
      file.on("end", () => {
        if (sent === body.size) return;
        req.destroy();
        finish(Object.assign(
          new Error(
            `"${body.path}" has ${sent} bytes, not ${body.size} (it changed while uploading)`,
          ),
          { name: "LocalFileChanged" },
        ));
      });
      req.on("close", () => file.destroy());
      file.pipe(req);
    }
  });
}

/** The chunks of an answer read whole, as the stream its consumer expects. */
function iterate(chunks: Uint8Array[]): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: () =>
          Promise.resolve(
            i < chunks.length
              ? { done: false, value: chunks[i++] }
              : { done: true, value: undefined },
          ),
      };
    },
  };
}

function closedEarly(): Error {
  return Object.assign(new Error("the connection closed before the answer ended"), {
    code: "ECONNRESET",
  });
}

/** In-flight requests per signal: one `abort` listener per signal, not one per request. */
const abortWaiters = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `onAbort` when `signal` aborts; returns the function that forgets it. */
function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  let waiters = abortWaiters.get(signal);
  if (waiters === undefined) {
    const set = waiters = new Set();
    abortWaiters.set(signal, set);
    signal.addEventListener("abort", () => {
      for (const f of [...set]) f();
      set.clear();
    }, { once: true });
  }
  waiters.add(onAbort);
  return () => waiters.delete(onAbort);
}
