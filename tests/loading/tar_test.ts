import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { pipeline } from "node:stream/promises";
import { after, before, describe, it } from "node:test";
import { createGunzip, createGzip } from "node:zlib";
import { expect } from "expect";
import { pack } from "tar-stream";
import { LoadingError } from "../../errors.ts";
import { openFileInTar, readFileFromTar } from "../../loading/mod.ts";
import {
  type Compression,
  hasTool,
  type MemberSpec,
  tempDir,
  TESTDATA,
  writeArchive,
} from "./_fixtures.ts";

const SAMPLE_TGZ = join(TESTDATA, "sample.tgz");

async function rejection(promise: Promise<unknown>): Promise<LoadingError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(LoadingError);
    return e as LoadingError;
  }
  throw new Error("expected a rejection");
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return new TextDecoder().decode(Buffer.concat(chunks));
}

describe("openFileInTar on accsr's sample.tgz (xz content, .tgz name)", () => {
  for (
    const [regex, expected] of [
      ["^[a-z]*.txt$", "sample.txt"],
      ["^[a-z]*_2.txt$", "sample_2.txt"],
    ]
  ) {
    it(`picks the member matching ${regex} and reads its content`, async () => {
      const want = await readFile(join(TESTDATA, expected), "utf8");
      await using entry = await openFileInTar(SAMPLE_TGZ, regex);
      expect(entry.name).toBe(expected);
      expect(entry.size).toBe(Buffer.byteLength(want));
      expect(await entry.text()).toBe(want);
    });
  }

  it("rejects the default regex, which matches both members", async () => {
    const e = await rejection(openFileInTar(SAMPLE_TGZ));
    expect(e.code).toBe("TAR_AMBIGUOUS_MATCH");
    expect(e.message).toContain('"sample.txt"');
    expect(e.message).toContain('"sample_2.txt"');
  });

  it("rejects a regex matching nothing and names the archive's files", async () => {
    const e = await rejection(openFileInTar(SAMPLE_TGZ, "nothing"));
    expect(e.code).toBe("TAR_NO_MATCH");
    expect(e.message).toContain("/nothing/");
    expect(e.message).toContain('"sample.txt"');
  });

  it("anchors the regex at the start of the name, like Python re.match", async () => {
    expect((await rejection(openFileInTar(SAMPLE_TGZ, "txt"))).code).toBe("TAR_NO_MATCH");
    expect((await rejection(openFileInTar(SAMPLE_TGZ, /_2/))).code).toBe("TAR_NO_MATCH");
    await using entry = await openFileInTar(SAMPLE_TGZ, /sample_2/g);
    expect(entry.name).toBe("sample_2.txt");
  });

  it("readFileFromTar returns the member's bytes", async () => {
    const data = await readFileFromTar(SAMPLE_TGZ, "sample_2");
    expect(new TextDecoder().decode(data)).toBe(
      await readFile(join(TESTDATA, "sample_2.txt"), "utf8"),
    );
  });

  it("opens several xz archives concurrently", async () => {
    const texts = await Promise.all(
      Array.from(
        { length: 4 },
        (_, i) => readFileFromTar(SAMPLE_TGZ, i % 2 ? "sample_2" : "sample\\."),
      ),
    );
    expect(texts.map((t) => t.byteLength)).toEqual([56, 37, 56, 37]);
  });
});

describe("openFileInTar entry lifecycle", () => {
  it("is open during use and closed after close()", async () => {
    const entry = await openFileInTar(SAMPLE_TGZ, "sample_2");
    expect(entry.closed).toBe(false);
    expect(await entry.text()).toContain("second");
    expect(entry.closed).toBe(false);
    await entry.close();
    expect(entry.closed).toBe(true);
    await entry.close(); // idempotent
    expect(entry.closed).toBe(true);
  });

  it("is closed after an `await using` block", async () => {
    let seen: { closed: boolean } | undefined;
    {
      await using entry = await openFileInTar(SAMPLE_TGZ, "sample_2");
      seen = entry;
      expect(entry.closed).toBe(false);
      await entry.bytes();
    }
    expect(seen.closed).toBe(true);
  });

  it("refuses reads after close", async () => {
    const entry = await openFileInTar(SAMPLE_TGZ, "sample_2");
    await entry.close();
    expect(() => entry.stream()).toThrow(LoadingError);
    const e = await rejection(entry.bytes());
    expect(e.code).toBe("ENTRY_CLOSED");
  });

  it("reads the member again from its start on every call", async () => {
    await using entry = await openFileInTar(SAMPLE_TGZ, "sample\\.txt");
    const first = await readAll(entry.stream());
    expect(await entry.text()).toBe(first);
    expect(first).toContain("sample text");
  });
});

describe("openFileInTar member selection", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await dir.cleanup();
  });

  it("never picks a directory: a regex matching a directory and a file picks the file", async () => {
    const path = await writeArchive(dir.path, "dir_and_file.tar", [
      { name: "data", type: "directory" },
      { name: "data/inner.txt", content: "inner" },
      { name: "datafile.csv", content: "a,b\n1,2\n" },
    ]);
    // matches the directory "data" and the file "datafile.csv"
    await using entry = await openFileInTar(path, "data(file|$)");
    expect(entry.name).toBe("datafile.csv");
    expect(await entry.text()).toBe("a,b\n1,2\n");
  });

  it("reports no match when the regex matches only a directory", async () => {
    const path = await writeArchive(dir.path, "only_dir.tar", [
      { name: "folder", type: "directory" },
      { name: "other.txt", content: "x" },
    ]);
    expect((await rejection(openFileInTar(path, "folder"))).code).toBe("TAR_NO_MATCH");
  });

  it("does not count symlinks as candidates", async () => {
    const path = await writeArchive(dir.path, "link.tar", [
      { name: "real.txt", content: "real" },
      { name: "real_link.txt", type: "symlink", linkname: "real.txt" },
    ]);
    await using entry = await openFileInTar(path, "real");
    expect(entry.name).toBe("real.txt");
  });

  it("accepts the default regex for a one-file archive", async () => {
    const path = await writeArchive(dir.path, "one.tar", [{ name: "only.txt", content: "only" }]);
    expect(new TextDecoder().decode(await readFileFromTar(path))).toBe("only");
  });

  it("rejects the default regex for a two-file archive", async () => {
    const path = await writeArchive(dir.path, "two.tar", [
      { name: "a.txt", content: "a" },
      { name: "b.txt", content: "b" },
    ]);
    const e = await rejection(openFileInTar(path));
    expect(e.code).toBe("TAR_AMBIGUOUS_MATCH");
    expect(e.message).toContain("2 regular files");
  });

  it("reads an empty member and a long (pax) member name", async () => {
    const longName = `${"deep/".repeat(40)}file.txt`;
    const path = await writeArchive(dir.path, "odd.tar", [
      { name: "empty.txt", content: "" },
      { name: longName, content: "long" },
    ], "gzip");
    expect((await readFileFromTar(path, "empty")).byteLength).toBe(0);
    await using entry = await openFileInTar(path, "deep/");
    expect(entry.name).toBe(longName);
    expect(await entry.text()).toBe("long");
  });
});

describe("openFileInTar compression detection (from content, not name)", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const members: MemberSpec[] = [
    { name: "docs", type: "directory" },
    { name: "docs/readme.md", content: "# readme\n" },
    { name: "docs/data.json", content: '{"a": 1}' },
  ];
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await dir.cleanup();
  });

  const cases: [Compression, boolean][] = [
    ["none", true],
    ["gzip", true],
    ["bzip2", hasTool("bzip2")],
    ["xz", hasTool("xz")],
  ];
  for (const [compression, available] of cases) {
    it(`reads a ${compression} archive, whatever its name`, { skip: !available }, async () => {
      // deliberately misleading names
      const path = await writeArchive(dir.path, `${compression}.zip.tar`, members, compression);
      await using entry = await openFileInTar(path, "docs/data");
      expect(entry.name).toBe("docs/data.json");
      expect(JSON.parse(await entry.text())).toEqual({ a: 1 });
      expect(await readAll(entry.stream())).toBe('{"a": 1}');
    });
  }

  it("rejects a zip file", async () => {
    const path = join(dir.path, "archive.tar");
    // a minimal empty zip: the end-of-central-directory record
    await writeFile(path, Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]));
    const e = await rejection(openFileInTar(path));
    expect(e.code).toBe("BAD_ARCHIVE");
    expect(e.message).toContain("zip");
  });

  it("rejects garbage, an empty file and a truncated archive", async () => {
    const garbage = join(dir.path, "garbage.tar");
    await writeFile(garbage, "this is not a tar archive at all\n".repeat(40));
    expect((await rejection(openFileInTar(garbage))).code).toBe("BAD_ARCHIVE");

    const empty = join(dir.path, "empty.tar");
    await writeFile(empty, "");
    expect((await rejection(openFileInTar(empty))).code).toBe("BAD_ARCHIVE");

    const full = await readFile(
      await writeArchive(dir.path, "full.tgz", [
        { name: "big.bin", content: new Uint8Array(200_000).map((_, i) => (i * 7919) % 251) },
      ], "gzip"),
    );
    const truncated = join(dir.path, "truncated.tgz");
    await writeFile(truncated, full.subarray(0, Math.floor(full.byteLength / 2)));
    expect((await rejection(openFileInTar(truncated))).code).toBe("BAD_ARCHIVE");
  });

  it("rejects a missing file and a directory", async () => {
    expect((await rejection(openFileInTar(join(dir.path, "missing.tar")))).code).toBe(
      "FILE_NOT_FOUND",
    );
    expect((await rejection(openFileInTar(dir.path))).code).toBe("NOT_A_FILE");
  });

  it("aborts the scan when the signal fires", async () => {
    const path = await writeArchive(dir.path, "abort.tar", [{ name: "a", content: "a" }]);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(openFileInTar(path, "a", { signal: controller.signal })).rejects.toThrow("stop");
  });
});

/**
 * Live memory (JS heap + array buffers) after a forced GC, when the runtime lets us force one
 * (`exact`); otherwise the current, GC-dependent figure.
 */
async function liveMemory(): Promise<
  { baseline: number; exact: boolean; sample: () => Promise<number> }
> {
  let gc: (() => void) | undefined;
  try {
    v8.setFlagsFromString("--expose-gc");
    const candidate = runInNewContext("gc");
    if (typeof candidate === "function") gc = candidate as () => void;
  } catch { /* no forced GC available */ }
  const sample = async () => {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const usage = process.memoryUsage();
    // Node counts array buffers separately; Deno reports them as `external` only
    return usage.heapUsed + (usage.arrayBuffers || usage.external);
  };
  return { baseline: await sample(), exact: gc !== undefined, sample };
}

/** Deterministic, mildly compressible content: block `i` of 1 MiB. */
function block(i: number): Uint8Array {
  const out = new Uint8Array(1 << 20);
  for (let j = 0; j < out.length; j += 4096) {
    out.fill((i * 31 + j / 4096) & 0xff, j, j + 4096);
  }
  out[0] = i & 0xff;
  return out;
}

/** Writes a gzip tar with a small member, a `mib`-MiB member, and a small trailing member. */
async function writeBigArchive(path: string, mib: number): Promise<string> {
  const archive = pack();
  const hash = createHash("md5");
  const writing = pipeline(archive, createGzip({ level: 1 }), createWriteStream(path));
  await new Promise<void>((resolve, reject) =>
    archive.entry({ name: "before.txt" }, "before", (e) => e ? reject(e) : resolve())
  );
  const sink = archive.entry({ name: "big.bin", size: mib << 20 });
  const sinkDone = new Promise<void>((resolve, reject) => {
    sink.on("finish", () => resolve());
    sink.on("error", reject);
  });
  for (let i = 0; i < mib; i++) {
    const data = block(i);
    hash.update(data);
    if (!sink.write(data)) {
      await new Promise<void>((resolve) => sink.once("drain", () => resolve()));
    }
  }
  (sink as unknown as { end(): void }).end();
  await sinkDone;
  await new Promise<void>((resolve, reject) =>
    archive.entry({ name: "after.txt" }, "after", (e) => e ? reject(e) : resolve())
  );
  archive.finalize();
  await writing;
  return hash.digest("hex");
}

describe("openFileInTar with large members", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await dir.cleanup();
  });

  it("streams a 64 MiB member of a gzip tar with bounded memory", async () => {
    const mib = 64;
    const path = join(dir.path, "big.tar.gz");
    const expectedMd5 = await writeBigArchive(path, mib);
    // Decompressing 64 MiB leaves tens of MiB of garbage buffers before V8 collects them,
    // whoever reads, so RSS is measured after a plain gunzip of the whole archive has brought
    // the runtime to its steady state. Live memory (after a forced GC) is the sharper check:
    // it would grow by the member size if the member were buffered.
    for await (const _ of createReadStream(path).pipe(createGunzip())) { /* discard */ }
    const live = await liveMemory();
    const baselineRss = process.memoryUsage().rss;
    let peakRss = baselineRss;
    let peakLive = live.baseline;
    const hash = createHash("md5");
    let size = 0;
    let nextRss = 0;
    let nextLive = 0;
    {
      await using entry = await openFileInTar(path, "big");
      expect(entry.size).toBe(mib << 20);
      for await (const chunk of entry.stream()) {
        hash.update(chunk);
        size += chunk.byteLength;
        if (size >= nextRss) {
          nextRss += 1 << 20;
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
        }
        if (size >= nextLive) {
          nextLive += 16 << 20;
          peakLive = Math.max(peakLive, await live.sample());
        }
      }
    }
    expect(size).toBe(mib << 20);
    expect(hash.digest("hex")).toBe(expectedMd5);
    // RSS is process-wide: other test files running in parallel in this process move it, so it
    // is only the fallback when live memory cannot be measured exactly
    if (live.exact) expect((peakLive - live.baseline) / (1 << 20)).toBeLessThan(16);
    else expect((peakRss - baselineRss) / (1 << 20)).toBeLessThan(40);
  });

  it("reads a member beyond the in-memory limit through a second pass, by bytes()", async () => {
    const path = join(dir.path, "medium.tar.gz");
    const expectedMd5 = await writeBigArchive(path, 12);
    const data = await readFileFromTar(path, "big");
    expect(data.byteLength).toBe(12 << 20);
    expect(createHash("md5").update(data).digest("hex")).toBe(expectedMd5);
    expect(new TextDecoder().decode(await readFileFromTar(path, "after"))).toBe("after");
  });

  it("reads a member of a plain tar directly at its offset", async () => {
    const path = await writeArchive(dir.path, "offset.tar", [
      { name: "first.bin", content: new Uint8Array(1000).fill(1) },
      { name: "second.txt", content: "second member" },
      { name: "third.bin", content: new Uint8Array(700).fill(3) },
    ]);
    expect(new TextDecoder().decode(await readFileFromTar(path, "second"))).toBe("second member");
  });

  it("errors a running stream with the abort reason when the signal fires", async () => {
    const path = join(dir.path, "abort-stream.tar.gz");
    await writeBigArchive(path, 16);
    const controller = new AbortController();
    await using entry = await openFileInTar(path, "big", { signal: controller.signal });
    const reader = entry.stream().getReader();
    expect((await reader.read()).done).toBe(false);
    const reason = new Error("enough");
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
    expect(() => entry.stream()).toThrow("enough");
  });

  it("cancels the archive read when the stream is closed early", async () => {
    const path = join(dir.path, "cancel.tar.gz");
    await writeBigArchive(path, 16);
    const entry = await openFileInTar(path, "big");
    const reader = entry.stream().getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await entry.close();
    await expect(reader.read()).rejects.toThrow(/closed/);
  });
});
