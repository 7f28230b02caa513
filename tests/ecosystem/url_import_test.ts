/**
 * The library and the CLI imported by http URL from a folder with no deno.json (issue 13):
 * a `deno run` script does a config + push + pull round trip (file store; S3 too when
 * S3_ENDPOINT is set) and `deno run -A <url>/cli.ts` answers --help and ls. Deno-only (spawns
 * `deno`); the checkout is served on 127.0.0.1 by this process.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { RemoteStorage, type RemoteStorageConfig } from "../../mod.ts";
import { s3SkipReason, s3TestConfig, uniqueBucketName } from "../storage/_s3_env.ts";
import { type CheckoutServer, ok, runIn, serveCheckout, userFolder } from "./_serve.ts";

const SCRIPT = (url: string) => `
import { DefaultDataConfiguration, RemoteStorage } from "${url}/mod.ts";
import * as fs from "node:fs";
import * as path from "node:path";

const cwd = process.cwd();
const config = new DefaultDataConfiguration({ configDirectory: cwd });
const storage = new RemoteStorage(config.getEntry("remote_storage"), { events: { log: () => {} } });
await storage.createBucket();
const pushed = await storage.push("data/raw", { localPathPrefix: cwd });
const again = await storage.push("data/raw", { localPathPrefix: cwd });
const pulled = await storage.pull("data/raw", { localBaseDir: path.join(cwd, "pulled") });
const sample = fs.readFileSync(path.join(cwd, "pulled", "data", "raw", "sub dir", "b.txt"), "utf8");
console.log(JSON.stringify({
  dataRaw: path.relative(cwd, config.dataRaw),
  pushed: pushed.syncedFiles.length,
  again: again.syncedFiles.length,
  pulled: pulled.syncedFiles.length,
  sample,
}));
`;

/** A user project: config.json for `remoteStorage`, data/raw with three files, script.ts. */
function userProject(url: string, remoteStorage: RemoteStorageConfig) {
  const folder = userFolder();
  writeFileSync(
    join(folder.path, "config.json"),
    JSON.stringify({ data: "data", data_raw: "data/raw", remote_storage: remoteStorage }),
  );
  mkdirSync(join(folder.path, "data", "raw", "sub dir"), { recursive: true });
  writeFileSync(join(folder.path, "data", "raw", "a.txt"), "hello\n");
  writeFileSync(join(folder.path, "data", "raw", "sub dir", "b.txt"), "b".repeat(5000));
  writeFileSync(join(folder.path, "data", "raw", "empty.txt"), "");
  writeFileSync(join(folder.path, "script.ts"), SCRIPT(url));
  return folder;
}

async function roundTrip(server: CheckoutServer, remoteStorage: RemoteStorageConfig) {
  const folder = userProject(server.url, remoteStorage);
  try {
    const r = ok(
      "deno run -A script.ts",
      await runIn(folder.path, Deno.execPath(), ["run", "-A", "script.ts"]),
    );
    const result = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(result).toEqual({
      dataRaw: "data/raw",
      pushed: 3,
      again: 0,
      pulled: 3,
      sample: "b".repeat(5000),
    });
    expect(readFileSync(join(folder.path, "pulled", "data", "raw", "a.txt"), "utf8")).toBe(
      "hello\n",
    );
    // the CLI by URL, in the same folder (it reads config.json from the working directory)
    const ls = ok(
      "cli.ts ls",
      await runIn(folder.path, Deno.execPath(), ["run", "-A", `${server.url}/cli.ts`, "ls"]),
    );
    expect(ls.stdout.split("\n").filter(Boolean).sort()).toEqual([
      "data/raw/a.txt",
      "data/raw/empty.txt",
      "data/raw/sub dir/b.txt",
    ]);
    if (remoteStorage.provider !== "file") {
      await new RemoteStorage(remoteStorage, { events: { log: () => {} } }).delete("data/raw");
    }
  } finally {
    folder.remove();
  }
}

describe("import by http URL from a folder without deno.json", () => {
  let server: CheckoutServer;
  before(async () => {
    server = await serveCheckout();
  });
  after(async () => {
    await server?.close();
  });

  it("a deno run script: config + push + pull round trip with the file store", async () => {
    await roundTrip(server, { provider: "file", root: "store", bucket: "url-import" });
    // the library really came over http, with its npm dependencies resolved without our deno.json
    expect(server.requested).toContain("/mod.ts");
    expect(server.requested).toContain("/config/load.ts");
    expect(server.requested).not.toContain("/deno.json");
  });

  it("a deno run script: config + push + pull round trip with S3", async (t) => {
    const skip = s3SkipReason();
    if (skip) {
      if (process.env.ACCSR_REQUIRE_S3 === "1") throw new Error(skip);
      t.skip(skip);
      return;
    }
    const s3 = s3TestConfig()!;
    await roundTrip(server, {
      provider: "s3",
      endpoint: s3.endpoint,
      key: s3.accessKeyId,
      secret: s3.secretAccessKey,
      region: s3.region,
      bucket: uniqueBucketName("accsr-url"),
    });
  });

  it("deno run -A <url>/cli.ts --help and --version", async () => {
    const folder = userFolder();
    try {
      const help = ok(
        "cli.ts --help",
        await runIn(folder.path, Deno.execPath(), ["run", "-A", `${server.url}/cli.ts`, "--help"]),
      );
      expect(help.stdout).toContain("Usage: accsr <command> [options]");
      const version = ok(
        "cli.ts --version",
        await runIn(folder.path, Deno.execPath(), [
          "run",
          "-A",
          `${server.url}/cli.ts`,
          "--version",
        ]),
      );
      expect(version.stdout).toMatch(/^accsr \d+\.\d+\.\d+/);
    } finally {
      folder.remove();
    }
  });
});
