/**
 * A quiet library: push, pull, a dry run, a pull of a missing path and a delete print nothing
 * on stdout or stderr (not on a terminal, no logger, no `ACCSR_LOG`); a `logger` receives the
 * lines instead.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { expect } from "expect";
import { RemoteStorage } from "../../storage/mod.ts";
import { SdkS3, type SdkS3Options } from "../../storage/stores/_s3_sdk.ts";

/** Everything written to stdout, stderr or the console while `fn` runs. */
async function captured(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const saved = {
    out: process.stdout.write,
    err: process.stderr.write,
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
  };
  // only text: under `node --test` the runner's own protocol goes through stdout as bytes,
  // and is passed on
  const writer =
    (original: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
    (chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === "string") {
        chunks.push(chunk);
        return true;
      }
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    };
  const grab = (...args: unknown[]) => chunks.push(args.map(String).join(" "));
  process.stdout.write = writer(saved.out, process.stdout) as typeof process.stdout.write;
  process.stderr.write = writer(saved.err, process.stderr) as typeof process.stderr.write;
  console.log =
    console.info =
    console.warn =
    console.error =
      grab;
  try {
    await fn();
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    Object.assign(console, {
      log: saved.log,
      info: saved.info,
      warn: saved.warn,
      error: saved.error,
    });
  }
  return chunks.join("");
}

describe("the library prints nothing unless asked", () => {
  it("push, dry run, pull, a missing pull source and delete: no output", async (t) => {
    if (process.stderr.isTTY) {
      t.skip("stderr is a terminal here (the progress bar is allowed)");
      return;
    }
    const saved = process.env.ACCSR_LOG;
    delete process.env.ACCSR_LOG;
    const dir = mkdtempSync(join(tmpdir(), "accsr-quiet-"));
    try {
      mkdirSync(join(dir, "data", "sub"), { recursive: true });
      writeFileSync(join(dir, "data", "a.txt"), "a");
      writeFileSync(join(dir, "data", "sub", "b.txt"), "bb");
      mkdirSync(join(dir, "store", "quiet-bucket"), { recursive: true });
      const storage = new RemoteStorage({
        provider: "file",
        root: join(dir, "store"),
        bucket: "quiet-bucket",
      });
      let pushed = 0;
      let pulled = 0;
      const text = await captured(async () => {
        await storage.push("data", { localPathPrefix: dir, dryrun: true });
        pushed = (await storage.push("data", { localPathPrefix: dir })).syncedFiles.length;
        pulled = (await storage.pull("data", { localBaseDir: join(dir, "copy") })).syncedFiles
          .length;
        await storage.pull("no/such/path", { localBaseDir: join(dir, "copy") });
        await storage.delete("data/sub", { dryrun: true });
        await storage.close();
      });
      expect(text).toBe("");
      expect([pushed, pulled]).toEqual([2, 2]);

      const lines: string[] = [];
      const logged = new RemoteStorage(
        { provider: "file", root: join(dir, "store"), bucket: "quiet-bucket" },
        { logger: (level, message) => lines.push(`${level}: ${message}`) },
      );
      const text2 = await captured(async () => {
        await logged.pull("no/such/path", { localBaseDir: join(dir, "copy") });
        await logged.close();
      });
      expect(text2).toBe("");
      expect(lines.some((l) => l.startsWith("info: Scanning remote paths"))).toBe(true);
      expect(lines.some((l) => l.startsWith("warn: No files found"))).toBe(true);
    } finally {
      if (saved !== undefined) process.env.ACCSR_LOG = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("building an S3 client emits no AWS SDK Node-version warning and leaves the environment as it was", async () => {
    const name = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";
    const saved = process.env[name];
    delete process.env[name];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      new SdkS3({
        bucket: "quiet-bucket",
        region: "us-east-1",
        endpoint: "http://127.0.0.1:9",
        forcePathStyle: true,
        credentials: { accessKeyId: "k", secretAccessKey: "s" },
        checksumMode: "WHEN_REQUIRED",
        maxAttempts: 1,
      } as unknown as SdkS3Options);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(warnings.filter((w) => /NodeVersionSupport|AWS SDK/i.test(w))).toEqual([]);
      expect(process.env[name]).toBeUndefined();
    } finally {
      process.off("warning", onWarning);
      if (saved !== undefined) process.env[name] = saved;
    }
  });
});

describe("a relative file root", () => {
  it("resolves against configDirectory when given, as the CLI does for a config file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "accsr-root-"));
    try {
      mkdirSync(join(dir, "project", "store", "root-bucket"), { recursive: true });
      const storage = new RemoteStorage({
        provider: "file",
        root: "store",
        bucket: "root-bucket",
        configDirectory: join(dir, "project"),
      });
      expect((await storage.store()).location).toContain(join(dir, "project", "store"));
      expect(await storage.listObjects("")).toEqual([]);
      await storage.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
