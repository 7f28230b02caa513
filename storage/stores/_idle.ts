/**
 * One idle-timeout bound for both directions of an S3 request: a watchdog that fails an
 * attempt when no byte has moved (request body handed to the socket, response headers or
 * body bytes received) for `idleMs`. Node's `socket.setTimeout` (which both request paths used
 * before) re-arms itself once when the socket's write queue changed since the last check, so
 * an upload whose body stalls was only detected after twice the timeout (60 s instead of
 * 30 s); the SDK also defers arming it by 3 s. Internal to the S3 store.
 *
 * @module
 */
import { Readable } from "node:stream";

/** Bytes per write of a request body: each written chunk counts as progress. */
export const BODY_CHUNK = 64 * 1024;

/**
 * Calls `onIdle` once when {@linkcode IdleWatch.touch} was not called for `idleMs`.
 *
 * @example
 * ```ts
 * import { IdleWatch } from "./_idle.ts";
 * const watch = new IdleWatch(30_000, () => console.log("stalled"));
 * watch.touch(); // progress
 * watch.stop();
 * ```
 */
export class IdleWatch {
  readonly #idleMs: number;
  readonly #onIdle: () => void;
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #done = false;

  /** Starts watching now. */
  constructor(idleMs: number, onIdle: () => void) {
    this.#idleMs = idleMs;
    this.#onIdle = onIdle;
    this.#last = Date.now();
    this.#arm(idleMs);
  }

  /** Records progress. */
  touch(): void {
    this.#last = Date.now();
  }

  /** Stops the watch (idempotent). */
  stop(): void {
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => {
      if (this.#done) return;
      const idle = Date.now() - this.#last;
      if (idle >= this.#idleMs) {
        this.#done = true;
        this.#onIdle();
      } else {
        this.#arm(this.#idleMs - idle);
      }
    }, ms);
  }
}

/**
 * The error of an attempt that stalled: named `TimeoutError`, so it is retried like one.
 *
 * @example
 * ```ts
 * import { idleTimeoutError } from "./_idle.ts";
 * idleTimeoutError(30_000).name; // "TimeoutError"
 * ```
 */
export function idleTimeoutError(idleMs: number): Error {
  return Object.assign(
    new Error(`no byte moved for ${idleMs} ms (idle timeout)`),
    { name: "TimeoutError" },
  );
}

/**
 * A request body as a stream of {@linkcode BODY_CHUNK}-sized pieces; every piece the socket
 * takes calls `touch` (a stalled upload stops pulling pieces).
 *
 * @example
 * ```ts
 * import { chunkedBody } from "./_idle.ts";
 * const stream = chunkedBody(new Uint8Array(10), () => {});
 * ```
 */
export function chunkedBody(data: Uint8Array, touch: () => void): Readable {
  let offset = 0;
  return new Readable({
    highWaterMark: BODY_CHUNK,
    read() {
      touch();
      if (offset >= data.byteLength) {
        this.push(null);
        return;
      }
      const end = Math.min(offset + BODY_CHUNK, data.byteLength);
      this.push(data.subarray(offset, end));
      offset = end;
    },
  });
}

/**
 * Yields the chunks of `body`, calling `touch` for each.
 *
 * @example
 * ```ts
 * import { tapped } from "./_idle.ts";
 * for await (const chunk of tapped([new Uint8Array(1)], () => {})) console.log(chunk.length);
 * ```
 */
export async function* tapped(
  body: AsyncIterable<Uint8Array>,
  touch: () => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    touch();
    yield chunk;
  }
}
