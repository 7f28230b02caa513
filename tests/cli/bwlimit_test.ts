/**
 * `--bwlimit RATE` (library `bandwidthLimit`): a lower bound on the time of a capped run
 * (never an upper bound), on the file, memory and S3 stores, for one file and for parallel
 * transfers sharing the cap.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { expect } from "expect";
import { RemoteStorage } from "../../storage/mod.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { project, tempDir } from "./_helpers.ts";

const MiB = 1024 * 1024;

/** Seconds `fn` takes. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

describe("--bwlimit", () => {
  it("a 16 MiB push and pull with --bwlimit 4M take at least 3.5 s each (file store); the bar shows the cap", async () => {
    const p = project();
    try {
      writeFileSync(join(p.cwd, "data", "big.bin"), randomBytes(16 * MiB));
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      let r: Awaited<ReturnType<typeof p.cli>> | undefined;
      const push = await timed(async () => {
        r = await p.cli(["push", "data/big.bin", "--bwlimit", "4M"], { isTTY: true });
      });
      expect(r!.code).toBe(0);
      expect(push).toBeGreaterThanOrEqual(3.5);
      expect(r!.stderr).toContain("(limit 4");
      const pull = await timed(async () => {
        r = await p.cli(["pull", "data/big.bin", "--to", "copy", "--bwlimit", "4M"]);
      });
      expect(r!.code).toBe(0);
      expect(pull).toBeGreaterThanOrEqual(3.5);
    } finally {
      p.tmp.remove();
    }
  });

  it("parallel transfers share one cap: 4 × 4 MiB with --bwlimit 4M take at least 3.5 s", async () => {
    const p = project();
    try {
      for (let i = 0; i < 4; i++) {
        writeFileSync(join(p.cwd, "data", `part${i}.bin`), randomBytes(4 * MiB));
      }
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      let code = -1;
      const s = await timed(async () => {
        code = (await p.cli(["push", "data", "--bwlimit", "4M", "--concurrency", "4"])).code;
      });
      expect(code).toBe(0);
      expect(s).toBeGreaterThanOrEqual(3.5);
    } finally {
      p.tmp.remove();
    }
  });

  it("library bandwidthLimit on the memory store: 16 MiB up and down at 4 MiB/s take at least 3.5 s each", async () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir.path, "d"));
      writeFileSync(join(dir.path, "d", "big.bin"), randomBytes(16 * MiB));
      const storage = new RemoteStorage({ provider: "memory", bucket: uniqueBucketName("bw") });
      await storage.createBucket();
      const up = await timed(() =>
        storage.push("d", { localPathPrefix: dir.path, bandwidthLimit: 4 * MiB })
      );
      expect(up).toBeGreaterThanOrEqual(3.5);
      const down = await timed(() =>
        storage.pull("d", { localBaseDir: join(dir.path, "copy"), bandwidthLimit: 4 * MiB })
      );
      expect(down).toBeGreaterThanOrEqual(3.5);
    } finally {
      dir.remove();
    }
  });

  it("bad rates are usage errors (exit 2) naming --bwlimit", async () => {
    const p = project();
    try {
      for (const v of ["0", "fast", "-1M", "4X"]) {
        for (const cmd of ["push", "pull"]) {
          const r = await p.cli([cmd, "data", "--bwlimit", v]);
          expect(r.code).toBe(2);
          expect(r.stderr).toContain("--bwlimit");
        }
      }
    } finally {
      p.tmp.remove();
    }
  });
});

describeS3("--bwlimit against a real S3 server", (s3) => {
  const bucket = uniqueBucketName("accsr-bw");
  const p = project({
    config: {
      provider: "s3",
      endpoint: s3.endpoint,
      region: s3.region,
      bucket,
      key: s3.accessKeyId,
      secret: "env:TEST_S3_SECRET",
      base_path: "bw",
    },
  });
  const env = { TEST_S3_SECRET: s3.secretAccessKey };
  after(async () => {
    try {
      await p.cli(["rm", ".", "--base-path", ""], { env });
    } finally {
      p.tmp.remove();
    }
  });

  it("a 16 MiB push (multipart) and 4 × 3 MiB (one request each) with --bwlimit 4M take at least 3.5 s; so does the pull", async () => {
    writeFileSync(join(p.cwd, "data", "big.bin"), randomBytes(16 * MiB));
    mkdirSync(join(p.cwd, "small"));
    for (let i = 0; i < 4; i++) {
      writeFileSync(join(p.cwd, "small", `s${i}.bin`), randomBytes(3 * MiB));
    }
    expect((await p.cli(["create-bucket"], { env })).code).toBe(0);
    for (const path of ["data/big.bin", "small"]) {
      let code = -1;
      const s = await timed(async () => {
        code = (await p.cli(["push", path, "--bwlimit", "4M"], { env })).code;
      });
      expect(code).toBe(0);
      expect(s).toBeGreaterThanOrEqual(path === "small" ? 2.5 : 3.5); // 12 MiB: 3 s, minus the burst
    }
    let code = -1;
    const s = await timed(async () => {
      code = (await p.cli(["pull", "data", "--to", "copy", "--bwlimit", "4M"], { env })).code;
    });
    expect(code).toBe(0);
    expect(s).toBeGreaterThanOrEqual(3.5);
  });
});
