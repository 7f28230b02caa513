/**
 * Nothing skipped in silence: FIFOs, sockets and device files in a pushed folder are skipped
 * with one warning each, counted in the summary (`skippedFiles`, `--json` `skipped_files` with
 * the reason, and the one-line summary); a special file named directly is a clear error saying
 * what it is. (POSIX only: FIFOs via `mkfifo`, sockets via a listening Unix socket, devices via
 * `mknod` as root.)
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import process from "node:process";
import { AccsrError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import { MemoryStore } from "../../storage/stores/memory.ts";
import { jsonOf, project } from "../cli/_helpers.ts";
import { rejectionOf } from "./_helpers.ts";

const posix = process.platform !== "win32";

describe("special files are skipped with a warning, counted, or refused when named", {
  skip: posix ? false : "POSIX only",
}, () => {
  const p = project();
  const dir = join(p.cwd, "odd");
  let server: net.Server | undefined;
  const expected: Record<string, string> = {};

  before(async () => {
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "regular.txt"), "hello\n");
    execFileSync("mkfifo", [join(dir, "pipe")]);
    expected[join(dir, "pipe")] = "named pipe (FIFO)";
    execFileSync("mkfifo", [join(dir, "sub", "pipe2")]);
    expected[join(dir, "sub", "pipe2")] = "named pipe (FIFO)";
    server = net.createServer();
    await new Promise<void>((resolve) => server!.listen(join(dir, "sock"), resolve));
    expected[join(dir, "sock")] = "socket";
    if (process.getuid?.() === 0) {
      try {
        execFileSync("mknod", [join(dir, "null-dev"), "c", "1", "3"]);
        expected[join(dir, "null-dev")] = "character device";
      } catch {
        // no mknod in this container: FIFOs and sockets still cover the case
      }
    }
    expect((await p.cli(["create-bucket"])).code).toBe(0);
  });
  after(async () => {
    await new Promise<void>((resolve) => server ? server.close(() => resolve()) : resolve());
    p.tmp.remove();
  });

  it("library: skipped files are in the summary with their reason, one warning each", async () => {
    const warnings: string[] = [];
    const storage = new RemoteStorage({ provider: "memory", bucket: "bkt" }, {
      store: await (async () => {
        const s = new MemoryStore("bkt", { registry: new Map() });
        await s.createBucket();
        return s;
      })(),
      events: { log: (level, m) => level === "warn" && warnings.push(m) },
    });
    const summary = await storage.push("odd", { localPathPrefix: p.cwd });
    expect(summary.syncedFiles.map((f) => f.name)).toEqual(["odd/regular.txt"]);
    const skipped = Object.fromEntries(summary.skippedFiles.map((f) => [f.path, f.reason]));
    expect(skipped).toEqual(expected);
    expect(warnings.length).toBe(Object.keys(expected).length);
    for (const path of Object.keys(expected)) {
      expect(warnings.filter((w) => w.includes(path)).length).toBe(1);
    }
  });

  it("CLI: one warning each on stderr, a count in the summary line, skipped_files in --json", async () => {
    const human = await p.cli(["push", "odd", "--base-path", "human"]);
    expect(human.code).toBe(0);
    const n = Object.keys(expected).length;
    expect(human.stdout).toContain(`${n} skipped (not regular files)`);
    for (const [path, reason] of Object.entries(expected)) {
      expect(human.stderr).toContain(path);
      expect(human.stderr).toContain(reason);
    }
    const json = jsonOf<{ skipped_files: { path: string; reason: string }[] }>(
      await p.cli(["push", "odd", "--base-path", "json", "--json"]),
    );
    expect(Object.fromEntries(json.skipped_files.map((f) => [f.path, f.reason]))).toEqual(expected);
  });

  it("a special file named directly is an error saying what it is", async () => {
    const storage = new RemoteStorage({ provider: "memory", bucket: "bkt" }, { events: {} });
    const err = await rejectionOf(storage.push("odd/pipe", { localPathPrefix: p.cwd }));
    expect(err).toBeInstanceOf(AccsrError);
    expect((err as AccsrError).code).toBe("LOCAL_PATH_INVALID");
    expect(err.message).toContain('"odd/pipe": it is a named pipe (FIFO), not a regular file');
    const r = await p.cli(["push", "odd/sock"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("it is a socket, not a regular file");
  });
});
