/**
 * A token bucket shared by every transfer of a run (`bandwidthLimit`, bytes/s): the stores
 * call {@linkcode BandwidthLimiter.take} for each chunk they send or receive, and waiters are
 * served first come, first served, so parallel transfers share the rate fairly.
 *
 * @module
 */

/**
 * Caps the total rate of the bytes passed through it.
 *
 * @example
 * ```ts
 * import { BandwidthLimiter } from "accsr/storage";
 * const limit = new BandwidthLimiter(4 * 1024 * 1024); // 4 MiB/s
 * await limit.take(65536); // waits when the bucket is empty
 * ```
 */
export class BandwidthLimiter {
  /** Bytes per second. */
  readonly rate: number;
  #capacity: number;
  #tokens: number;
  #last = Date.now();
  #tail: Promise<void> = Promise.resolve();

  /** A limiter of `bytesPerSecond` (a burst of at most a quarter second's worth). */
  constructor(bytesPerSecond: number) {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) {
      throw new RangeError(
        `bandwidthLimit must be a positive number of bytes/s, got ${bytesPerSecond}`,
      );
    }
    this.rate = bytesPerSecond;
    this.#capacity = Math.max(1, bytesPerSecond / 4);
    this.#tokens = this.#capacity;
  }

  /** Waits until `bytes` may pass (a chunk larger than the bucket waits for its whole time). */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    const turn = this.#tail.then(async () => {
      signal?.throwIfAborted();
      const now = Date.now();
      this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.rate / 1000);
      this.#last = now;
      this.#tokens -= bytes;
      if (this.#tokens < 0) await sleep((-this.#tokens / this.rate) * 1000, signal);
    });
    this.#tail = turn.catch(() => {});
    return turn;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Passes the chunks of `source` on at the limiter's rate (unchanged when `limiter` is
 * undefined).
 *
 * @example
 * ```ts
 * import { BandwidthLimiter, throttled } from "./bandwidth.ts";
 * for await (const c of throttled([new Uint8Array(10)], new BandwidthLimiter(1e6))) console.log(c.length);
 * ```
 */
export async function* throttled<T extends { byteLength: number }>(
  source: AsyncIterable<T> | Iterable<T>,
  limiter: BandwidthLimiter | undefined,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  for await (const chunk of source) {
    if (limiter !== undefined) await limiter.take(chunk.byteLength, signal);
    yield chunk;
  }
}

/**
 * Takes `bytes` from the limiter in 256 KiB pieces (so other transfers interleave): used
 * before a request whose body the store cannot pace while it is sent (one-request uploads
 * to S3 and Azure), which are thereby paced per object.
 *
 * @example
 * ```ts
 * import { BandwidthLimiter, takeAll } from "./bandwidth.ts";
 * await takeAll(new BandwidthLimiter(1e9), 1024);
 * ```
 */
export async function takeAll(
  limiter: BandwidthLimiter | undefined,
  bytes: number,
  signal?: AbortSignal,
): Promise<void> {
  if (limiter === undefined) return;
  const piece = 256 * 1024;
  for (let done = 0; done < bytes; done += piece) {
    await limiter.take(Math.min(piece, bytes - done), signal);
  }
}
