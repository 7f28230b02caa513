import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { AccsrError } from "../../errors.ts";
import { md5Bytes, md5sum } from "../../loading/mod.ts";
import { tempDir, TESTDATA } from "./_fixtures.ts";

describe("md5sum", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await dir.cleanup();
  });

  for (
    const [content, hash] of [
      ["", "d41d8cd98f00b204e9800998ecf8427e"],
      ["abc", "900150983cd24fb0d6963f7d28e17f72"],
      ["The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6"],
    ]
  ) {
    it(`hashes ${JSON.stringify(content)} to ${hash}`, async () => {
      const path = join(dir.path, `${hash}.txt`);
      await writeFile(path, content);
      expect(await md5sum(path)).toBe(hash);
      expect(md5Bytes(new TextEncoder().encode(content))).toBe(hash);
    });
  }

  it("hashes a file larger than its read buffer", async () => {
    const data = new Uint8Array(5 * (1 << 20) + 123).map((_, i) => (i * 31) % 256);
    const path = join(dir.path, "big.bin");
    await writeFile(path, data);
    expect(await md5sum(path)).toBe(createHash("md5").update(data).digest("hex"));
  });

  it("hashes the committed test data", async () => {
    const path = join(TESTDATA, "sample_2.txt");
    expect(await md5sum(path)).toMatch(/^[0-9a-f]{32}$/);
  });

  it("rejects a directory", async () => {
    const sub = join(dir.path, "sub");
    await mkdir(sub);
    const error = await md5sum(sub).catch((e) => e);
    expect(error).toBeInstanceOf(AccsrError);
    expect(error.code).toBe("NOT_A_FILE");
    expect(error.message).toContain(sub);
  });

  it("rejects a missing file", async () => {
    const missing = join(dir.path, "missing.txt");
    const error = await md5sum(missing).catch((e) => e);
    expect(error).toBeInstanceOf(AccsrError);
    expect(error.code).toBe("NOT_A_FILE");
    expect(error.message).toContain("no such file");
  });

  it("rejects with the abort reason when the signal is aborted", async () => {
    const path = join(dir.path, "abort.txt");
    await writeFile(path, "x");
    const controller = new AbortController();
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(md5sum(path, { signal: controller.signal })).rejects.toBe(reason);
  });
});
