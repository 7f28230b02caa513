/** Unit tests of `storage/pool.ts`: the bounded worker pool of the transfers. */
import { describe, it } from "node:test";
import { expect } from "expect";
import { runPool } from "../../storage/pool.ts";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("runPool", () => {
  it("returns results in input order and never exceeds the concurrency", async () => {
    let running = 0;
    let peak = 0;
    const results = await runPool([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return n * 10;
    });
    expect(results.map((r) => r?.status === "fulfilled" ? r.value : null)).toEqual([
      50,
      10,
      40,
      20,
      30,
    ]);
    expect(peak).toBe(2);
  });

  it("without stopOnError, every item runs and failures are recorded", async () => {
    const results = await runPool(
      [1, 2, 3],
      1,
      (n) => n === 2 ? Promise.reject(new Error("two")) : Promise.resolve(n),
    );
    expect(results.map((r) => r?.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });

  it("with stopOnError, no new item starts after a failure (undefined = never started)", async () => {
    const started: number[] = [];
    const results = await runPool([1, 2, 3, 4], 1, (n) => {
      started.push(n);
      return n === 2 ? Promise.reject(new Error("two")) : Promise.resolve(n);
    }, { stopOnError: true });
    expect(started).toEqual([1, 2]);
    expect(results.map((r) => r?.status)).toEqual(["fulfilled", "rejected", undefined, undefined]);
  });

  it("an aborted signal starts nothing more", async () => {
    const ac = new AbortController();
    const started: number[] = [];
    const results = await runPool([1, 2, 3], 1, (n) => {
      started.push(n);
      if (n === 1) ac.abort();
      return Promise.resolve(n);
    }, { signal: ac.signal });
    expect(started).toEqual([1]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it("handles an empty list and odd concurrency values", async () => {
    expect(await runPool([], 4, () => Promise.resolve(1))).toEqual([]);
    const r = await runPool([1, 2], 0, (n) => Promise.resolve(n));
    expect(r.map((x) => x?.status)).toEqual(["fulfilled", "fulfilled"]);
  });
});
