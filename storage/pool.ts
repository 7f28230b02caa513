/**
 * A bounded worker pool.
 *
 * @module
 */

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight. With `stopOnError`, no
 * new item starts after the first rejection (items already running finish). Resolves with
 * one settled result per started item, in input order (`undefined` for items never started).
 *
 * @example
 * ```ts
 * import { runPool } from "./pool.ts";
 * const results = await runPool([1, 2, 3], 2, async (n) => n * 2);
 * console.log(results.map((r) => r?.status === "fulfilled" ? r.value : null)); // [2, 4, 6]
 * ```
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  options: { stopOnError?: boolean; signal?: AbortSignal } = {},
): Promise<(PromiseSettledResult<R> | undefined)[]> {
  const results: (PromiseSettledResult<R> | undefined)[] = new Array(items.length);
  let next = 0;
  let stop = false;
  const worker = async () => {
    while (!stop && next < items.length) {
      if (options.signal?.aborted) {
        stop = true;
        break;
      }
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await fn(items[i], i) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
        if (options.stopOnError) stop = true;
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(concurrency) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}
