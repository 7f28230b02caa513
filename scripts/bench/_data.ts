/**
 * Deterministic benchmark data: a seeded PRNG (xorshift128) fills files whose names, sizes
 * and contents depend only on the seed, so every run (and every tool) moves the same bytes.
 *
 * @module
 */
import { mkdir, open, writeFile } from "node:fs/promises";
import * as path from "node:path";

/**
 * A seeded xorshift128 generator writing 32-bit words; fast enough for gigabytes.
 *
 * @example
 * ```ts
 * import { Prng } from "./_data.ts";
 * const p = new Prng(42);
 * const buf = new Uint8Array(1024);
 * p.fill(buf);
 * ```
 */
export class Prng {
  #x: number;
  #y = 362436069;
  #z = 521288629;
  #w = 88675123;

  /** Seeds the generator (any 32-bit integer). */
  constructor(seed: number) {
    this.#x = (seed ^ 0x9e3779b9) >>> 0 || 123456789;
    for (let i = 0; i < 16; i++) this.next(); // mix the seed in
  }

  /** Next 32-bit unsigned value. */
  next(): number {
    const t = this.#x ^ (this.#x << 11);
    this.#x = this.#y;
    this.#y = this.#z;
    this.#z = this.#w;
    this.#w = (this.#w ^ (this.#w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.#w;
  }

  /** Fills `buf` (any length) with pseudo-random bytes. */
  fill(buf: Uint8Array): void {
    const words = Math.floor(buf.byteLength / 4);
    const u32 = new Uint32Array(buf.buffer, buf.byteOffset, words);
    let x = this.#x, y = this.#y, z = this.#z, w = this.#w;
    for (let i = 0; i < words; i++) {
      const t = x ^ (x << 11);
      x = y;
      y = z;
      z = w;
      w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
      u32[i] = w;
    }
    this.#x = x;
    this.#y = y;
    this.#z = z;
    this.#w = w;
    for (let i = words * 4; i < buf.byteLength; i++) buf[i] = this.next() & 0xff;
  }
}

/**
 * Writes `count` files of `size` bytes below `dir`, spread over sub-folders of `perDir`
 * files (`d000/f00000.bin`, …), contents from the seeded PRNG.
 *
 * @example
 * ```ts
 * import { writeSmallFiles } from "./_data.ts";
 * await writeSmallFiles("/dev/shm/bench/w1", { count: 10, size: 1024, perDir: 100, seed: 1 });
 * ```
 */
export async function writeSmallFiles(
  dir: string,
  o: { count: number; size: number; perDir: number; seed: number },
): Promise<void> {
  const prng = new Prng(o.seed);
  const buf = new Uint8Array(o.size);
  const batch: Promise<void>[] = [];
  for (let i = 0; i < o.count; i++) {
    const sub = path.join(dir, `d${String(Math.floor(i / o.perDir)).padStart(3, "0")}`);
    if (i % o.perDir === 0) await mkdir(sub, { recursive: true });
    prng.fill(buf);
    batch.push(writeFile(path.join(sub, `f${String(i).padStart(6, "0")}.bin`), buf.slice()));
    if (batch.length >= 64) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
}

/**
 * Writes `count` large files (`big0.bin`, …) of `size` bytes into `dir`, in 16 MiB chunks.
 *
 * @example
 * ```ts
 * import { writeLargeFiles } from "./_data.ts";
 * await writeLargeFiles("/dev/shm/bench/w4", { count: 1, size: 1 << 20, seed: 4 });
 * ```
 */
export async function writeLargeFiles(
  dir: string,
  o: { count: number; size: number; seed: number },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const chunk = new Uint8Array(16 * 1024 * 1024);
  for (let i = 0; i < o.count; i++) {
    const prng = new Prng(o.seed * 1000 + i);
    const fh = await open(path.join(dir, `big${i}.bin`), "w");
    try {
      for (let off = 0; off < o.size; off += chunk.byteLength) {
        const n = Math.min(chunk.byteLength, o.size - off);
        const view = chunk.subarray(0, n);
        prng.fill(view);
        await fh.write(view);
      }
    } finally {
      await fh.close();
    }
  }
}
