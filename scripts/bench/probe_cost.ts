/**
 * The extra cost of comparing a local file with a multipart object uploaded by another tool
 * (issue 18): one read of a file with N part-size candidates hashed side by side, and the
 * full-object CRC64NVME, against a plain MD5 of the same file.
 *
 * Usage: `deno run -A scripts/bench/probe_cost.ts [--mib 1024] [--dir /tmp]`; prints seconds and
 * MB/s per variant (the file is written first, read from the page cache, then removed).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { checksumOfFile } from "../../storage/full_checksum.ts";
import { multipartEtags, partSizeCandidates } from "../../storage/part_size_probe.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { mib: { type: "string", default: "1024" }, dir: { type: "string" } },
});
const MiB = 1024 * 1024;
const size = Number(values.mib) * MiB;
const dir = await mkdtemp(join(values.dir ?? tmpdir(), "accsr-probe-bench-"));
const file = join(dir, "big.bin");
try {
  const fh = await open(file, "w");
  const block = new Uint8Array(8 * MiB).map((_, i) => (i * 2654435761) >>> 24);
  for (let done = 0; done < size; done += block.length) {
    await fh.write(block.subarray(0, Math.min(block.length, size - done)));
  }
  await fh.close();

  const time = async (label: string, fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    const s = (performance.now() - t) / 1000;
    console.log(
      `${label.padEnd(48)} ${s.toFixed(2).padStart(7)} s ${
        (size / 1e6 / s).toFixed(0).padStart(6)
      } MB/s`,
    );
    return s;
  };
  const md5 = () =>
    new Promise<void>((resolve, reject) => {
      const h = createHash("md5");
      createReadStream(file, { highWaterMark: 8 * MiB }).on("data", (c) => h.update(c)).on(
        "end",
        () => resolve(void h.digest()),
      ).on("error", reject);
    });
  await md5(); // warm the page cache
  console.log(`file: ${values.mib} MiB`);
  await time("plain MD5 (baseline)", md5);
  await time("multipart ETag, 1 candidate (8 MiB)", () => multipartEtags(file, [8 * MiB]));
  const c3 = partSizeCandidates(size, Math.ceil(size / (7 * MiB)));
  await time(
    `multipart ETags, ${c3.length} candidate(s) (7 MiB parts)`,
    () => multipartEtags(file, c3),
  );
  const c16 = partSizeCandidates(size, 2);
  await time(
    `multipart ETags, ${c16.length} candidate(s) (2 parts, worst)`,
    () => multipartEtags(file, c16),
  );
  await time("CRC64NVME (full-object checksum)", () => checksumOfFile("crc64nvme", file));
} finally {
  await rm(dir, { recursive: true, force: true });
}
