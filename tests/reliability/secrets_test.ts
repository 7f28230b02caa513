/**
 * No secret in any output: a broad storage scenario (push, pull, ls, delete, dry runs,
 * summaries, a refused transaction, a wrong secret, an unknown bucket, an unreachable
 * endpoint, the default reporter) runs with recognisable secrets while everything the
 * library prints or returns is captured — stdout, stderr, `events.log`, `String`,
 * `JSON.stringify` and `util.inspect` of storages, configs, stores, summaries and errors
 * (with their causes). None of it may contain a secret.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { inspect } from "node:util";
import { RemoteStorage, type RemoteStorageConfig } from "../../storage/mod.ts";
import { defaultReporter, type SyncEvents } from "../../storage/progress.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { adminClient, dropBucket, put, rejectionOf } from "./_helpers.ts";

/** Every way a value can end up in a log or a bug report. */
function views(value: unknown): string[] {
  const out = [
    String(value),
    inspect(value, { depth: Infinity }),
    inspect(value, { depth: 10, showHidden: true }),
  ];
  try {
    out.push(JSON.stringify(value) ?? "");
  } catch (e) {
    out.push(`JSON.stringify failed: ${(e as Error).message}`);
  }
  if (value instanceof Error) {
    out.push(value.stack ?? "");
    let cause: unknown = value.cause;
    for (let i = 0; i < 6 && cause !== undefined; i++) {
      out.push(...views(cause));
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  return out;
}

/** Captures stdout, stderr and console output while `fn` runs. */
async function capture(fn: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const grab = (...args: unknown[]) => {
    chunks.push(args.map((a) => typeof a === "string" ? a : inspect(a, { depth: 10 })).join(" "));
  };
  const saved = {
    out: process.stdout.write,
    err: process.stderr.write,
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
    table: console.table,
  };
  const write = (chunk: unknown) => {
    chunks.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk as Uint8Array));
    return true;
  };
  process.stdout.write = write as typeof process.stdout.write;
  process.stderr.write = write as typeof process.stderr.write;
  console.log =
    console.info =
    console.warn =
    console.error =
    console.debug =
    console.table =
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
      debug: saved.debug,
      table: saved.table,
    });
  }
  return chunks.join("\n");
}

describeS3("no secret in any output", (config) => {
  const WRONG = "wrong-SECRET-canary-91f3";
  const TOKEN = "session-TOKEN-canary-77aa";
  const bucket = uniqueBucketName("accsr-rel-secret");
  let tmp = "";
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-secret-"));
  });
  after(async () => {
    const admin = adminClient(config.endpoint, config.accessKeyId, config.secretAccessKey);
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  it("a broad storage scenario never shows the secret (nor a wrong one, nor a token)", async () => {
    const secrets = [config.secretAccessKey, WRONG, TOKEN];
    expect(config.secretAccessKey.length).toBeGreaterThanOrEqual(8);
    const logged: string[] = [];
    const events: SyncEvents = {
      log: (level, message) => logged.push(`${level}: ${message}`),
      fileDone: (o, n, t, e) => logged.push(`${o.name} ${n}/${t} ${e?.message ?? "ok"}`),
    };
    const conf: RemoteStorageConfig = {
      provider: "s3",
      bucket,
      endpoint: config.endpoint,
      key: config.accessKeyId,
      secret: config.secretAccessKey,
      basePath: "ns",
    };
    const seen: unknown[] = [];
    const src = join(tmp, "src");
    await put(join(src, "d", "a.txt"), "a\n");
    await put(join(src, "d", "b.txt"), "b\n");

    const printed = await capture(async () => {
      const storage = new RemoteStorage(conf, { events });
      seen.push(storage, storage.conf, await storage.store());
      await storage.createBucket();
      const dry = await storage.push("d", { localPathPrefix: src, dryrun: true });
      dry.printShortSummary();
      const pushed = await storage.push("d", { localPathPrefix: src });
      pushed.printShortSummary();
      console.log(pushed);
      seen.push(dry, pushed, pushed.getShortSummaryDict(), pushed.syncedFiles[0]);
      const listed = await storage.listObjects("d");
      console.log(listed);
      console.table?.(listed);
      seen.push(listed);
      const pulled = await storage.pull("d", { localBaseDir: join(tmp, "out") });
      pulled.printShortSummary();
      seen.push(pulled, await storage.pull("d", { localBaseDir: join(tmp, "out"), dryrun: true }));
      // A refused transaction (needs force).
      await writeFile(join(src, "d", "a.txt"), "changed\n");
      const refused = await rejectionOf(storage.push("d", { localPathPrefix: src }));
      console.error(refused);
      seen.push(refused);
      seen.push(await storage.delete("d/b.txt", { dryrun: true }), await storage.delete("d/b.txt"));
      // The default reporter printing its log lines on stderr (as with ACCSR_LOG=info).
      const plain = new RemoteStorage({ ...conf, usePbar: false }, {
        events: defaultReporter({ usePbar: false, logLevel: "info" }),
      });
      seen.push(await plain.pull("d", { localBaseDir: join(tmp, "out2") }));
      await plain.close();
      // Wrong secret, with a session token.
      const wrong = new RemoteStorage({ ...conf, secret: WRONG, sessionToken: TOKEN }, { events });
      seen.push(wrong, wrong.conf, await wrong.store());
      for (
        const call of [
          () => wrong.push("d", { localPathPrefix: src }),
          () => wrong.pull("d", { localBaseDir: join(tmp, "out3") }),
          () => wrong.listObjects(""),
          () => wrong.delete("d"),
          () => wrong.createBucket(),
        ]
      ) {
        const e = await rejectionOf(call());
        console.error(e);
        console.log(String(e), e.message);
        seen.push(e);
      }
      await wrong.close();
      // Unknown bucket and unreachable endpoint.
      const missing = new RemoteStorage(
        { ...conf, bucket: uniqueBucketName("accsr-rel-nobucket") },
        { events },
      );
      const e1 = await rejectionOf(missing.pull("", { localBaseDir: join(tmp, "out4") }));
      console.error(e1);
      seen.push(e1);
      await missing.close();
      const s = net.createServer();
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
      const port = (s.address() as net.AddressInfo).port;
      await new Promise<void>((r) => s.close(() => r()));
      const away = new RemoteStorage({ ...conf, endpoint: `http://127.0.0.1:${port}` }, { events });
      const e2 = await rejectionOf(away.push("d", { localPathPrefix: src }));
      console.error(e2);
      seen.push(e2, away);
      await away.close();
      await storage.close();
    });

    const everything = [printed, ...logged, ...seen.flatMap(views)];
    expect(printed).toContain("files_to_sync"); // the capture worked: stdout…
    expect(printed).toContain("Downloading file"); // …and the default reporter's stderr
    expect(logged.some((l) => l.includes("Uploading file"))).toBe(true);
    expect(everything.join("\n")).toContain("access denied for bucket");
    for (const text of everything) {
      for (const secret of secrets) {
        if (text.includes(secret)) {
          throw new Error(
            `secret found in output: …${
              text.slice(Math.max(0, text.indexOf(secret) - 200), text.indexOf(secret) + 50)
            }…`,
          );
        }
      }
    }
  });
});
