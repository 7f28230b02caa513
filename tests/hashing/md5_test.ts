import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { digestFile, hashingStats, WORKER_MIN_BYTES } from "../../hashing/md5.ts";
import { multipartEtag } from "../../storage/hashing.ts";

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

function pattern(size: number, seed: number): Uint8Array {
  const a = new Uint8Array(size);
  for (let i = 0; i < size; i++) a[i] = (i * 131 + seed * 7 + (i >> 12)) & 255;
  return a;
}

describe("digestFile: whole-file MD5 and part MD5s from one read", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "accsr-digest-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (
    const [label, size, partSize] of [
      ["small file, in the calling thread", 300_000, 65_536],
      ["small file, size a multiple of the part size", 4 * 65_536, 65_536],
      ["large file, in a worker thread", WORKER_MIN_BYTES + 5_000_123, 5 * 1024 * 1024],
      [
        "large file, size a multiple of the part size",
        WORKER_MIN_BYTES + 4 * 1024 * 1024,
        4 * 1024 * 1024,
      ],
    ] as const
  ) {
    it(`${label} (${size} bytes, parts of ${partSize})`, async () => {
      const data = pattern(size, size % 97);
      const path = join(dir, `f${size}.bin`);
      await writeFile(path, data);
      const jobsBefore = hashingStats().workerJobs;
      const d = await digestFile(path, { partSize });
      expect(d.md5).toBe(md5(data));
      expect(d.size).toBe(size);
      const expected: string[] = [];
      for (let o = 0; o < size; o += partSize) expected.push(md5(data.subarray(o, o + partSize)));
      expect(d.parts).toEqual(expected);
      // large files are hashed off the calling thread
      expect(hashingStats().workerJobs - jobsBefore).toBe(size >= WORKER_MIN_BYTES ? 1 : 0);
      // without a part size: the same whole-file MD5, no parts
      const plain = await digestFile(path);
      expect(plain.md5).toBe(md5(data));
      expect(plain.parts).toBeUndefined();
    });
  }

  it("hashes several large files at once, each correctly", async () => {
    const files = await Promise.all([1, 2, 3].map(async (i) => {
      const data = pattern(WORKER_MIN_BYTES + i * 1000, i);
      const path = join(dir, `many${i}.bin`);
      await writeFile(path, data);
      return { path, md5: md5(data) };
    }));
    const got = await Promise.all(files.map((f) => digestFile(f.path)));
    expect(got.map((g) => g.md5)).toEqual(files.map((f) => f.md5));
  });

  it("SIMD kernel: whole-file and part MD5s right for every tail length, two files side by side", async () => {
    // sizes around 64-byte blocks, parts and the 2 MiB read chunk; part sizes multiple of 64
    const partSize = 5 * 1024 * 1024 + 64 * 7;
    const sizes = [
      WORKER_MIN_BYTES,
      WORKER_MIN_BYTES + 1,
      WORKER_MIN_BYTES + 55,
      WORKER_MIN_BYTES + 56,
      WORKER_MIN_BYTES + 63,
      WORKER_MIN_BYTES + 64,
      2 * partSize,
      2 * partSize + 119,
      3 * partSize - 1,
    ];
    const files = await Promise.all(sizes.map(async (size, i) => {
      const data = pattern(size, 40 + i);
      const path = join(dir, `simd${i}.bin`);
      await writeFile(path, data);
      const parts: string[] = [];
      for (let o = 0; o < size; o += partSize) parts.push(md5(data.subarray(o, o + partSize)));
      return { path, md5: md5(data), parts, size };
    }));
    const before = hashingStats();
    // all at once: the pool pairs them two per worker
    const got = await Promise.all(files.map((f) => digestFile(f.path, { partSize })));
    for (const [i, f] of files.entries()) {
      expect({ i, md5: got[i].md5, size: got[i].size }).toEqual({ i, md5: f.md5, size: f.size });
      expect(got[i].parts).toEqual(f.parts);
    }
    const after = hashingStats();
    expect(after.workerJobs - before.workerJobs).toBe(files.length);
    // the runtime here (Deno 2, Node 20) has WebAssembly SIMD: every file went through the kernel
    expect(after.simdJobs - before.simdJobs).toBe(files.length);
    // a part size that is no multiple of 64 bytes: node:crypto, same results
    const odd = 4 * 1024 * 1024 + 3;
    const data = pattern(WORKER_MIN_BYTES + 999, 9);
    const path = join(dir, "odd.bin");
    await writeFile(path, data);
    const d = await digestFile(path, { partSize: odd });
    const expected: string[] = [];
    for (let o = 0; o < data.length; o += odd) expected.push(md5(data.subarray(o, o + odd)));
    expect(d.md5).toBe(md5(data));
    expect(d.parts).toEqual(expected);
    expect(hashingStats().simdJobs).toBe(after.simdJobs);
  });

  it("SIMD kernel: an aborted digest rejects; the other file of the pair still completes", async () => {
    const partSize = 4 * 1024 * 1024;
    const a = pattern(WORKER_MIN_BYTES * 3, 11);
    const b = pattern(WORKER_MIN_BYTES * 2 + 777, 12);
    await writeFile(join(dir, "pa.bin"), a);
    await writeFile(join(dir, "pb.bin"), b);
    const c = new AbortController();
    const pa = digestFile(join(dir, "pa.bin"), { partSize, signal: c.signal });
    const pb = digestFile(join(dir, "pb.bin"), { partSize });
    c.abort(new Error("stop a"));
    await expect(pa).rejects.toThrow("stop a");
    expect((await pb).md5).toBe(md5(b));
    expect((await digestFile(join(dir, "pa.bin"), { partSize })).md5).toBe(md5(a));
  });

  it("an empty file has one part (the MD5 of nothing)", async () => {
    const path = join(dir, "empty");
    await writeFile(path, "");
    const d = await digestFile(path, { partSize: 1024 });
    expect(d.parts).toEqual(["d41d8cd98f00b204e9800998ecf8427e"]);
  });

  it("a missing file is READ_ERROR; an aborted digest rejects with the reason", async () => {
    const err = await digestFile(join(dir, "nope"), { size: WORKER_MIN_BYTES }).catch((e) => e);
    expect(err.code).toBe("READ_ERROR");
    const path = join(dir, "abort.bin");
    await writeFile(path, pattern(WORKER_MIN_BYTES * 2, 3));
    const c = new AbortController();
    const p = digestFile(path, { signal: c.signal });
    c.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    // the worker is free again afterwards
    expect((await digestFile(path)).md5).toMatch(/^[0-9a-f]{32}$/);
  });

  it("multipartEtag is the MD5 of the part MD5s and the part count", async () => {
    const data = pattern(3 * 65_536 + 17, 5);
    const path = join(dir, "mp.bin");
    await writeFile(path, data);
    const outer = createHash("md5");
    for (let o = 0; o < data.length; o += 65_536) {
      outer.update(createHash("md5").update(data.subarray(o, o + 65_536)).digest());
    }
    expect(await multipartEtag(path, 65_536)).toBe(`${outer.digest("hex")}-4`);
  });
});
