/**
 * accsr in two minutes: configuration + a git-like push/pull round trip.
 *
 * Runs against a local-directory store by default (no server needed) and against an S3
 * server when `S3_ENDPOINT` is set (with `S3_ACCESS_KEY`, `S3_SECRET_KEY`):
 *
 * ```sh
 * deno task demo
 * S3_ENDPOINT=http://127.0.0.1:9000 S3_ACCESS_KEY=minioadmin S3_SECRET_KEY=minioadmin deno task demo
 * ```
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { DefaultDataConfiguration, RemoteStorage, type RemoteStorageConfig } from "../mod.ts";

const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const style = (c: string, t: string) => color ? `\x1b[${c}m${t}\x1b[0m` : t;
const say = (text: string) => console.log(`\n${style("1", `# ${text}`)}`);
const code = (text: string) => console.log(style("2", `> ${text}`));

const work = mkdtempSync(path.join(os.tmpdir(), "accsr-demo-"));
try {
  say("1. Configuration: config.json (committed) + config_local.json (private), merged deeply");
  const remote: Record<string, unknown> = process.env.S3_ENDPOINT
    ? {
      provider: "s3",
      endpoint: process.env.S3_ENDPOINT,
      key: "env:S3_ACCESS_KEY",
      secret: "env:S3_SECRET_KEY",
      bucket: `accsr-demo-${Date.now()}`,
      base_path: "my_remote_dir",
    }
    : {
      provider: "file",
      root: path.join(work, "object-store"),
      bucket: "accsr-demo",
      base_path: "my_remote_dir",
    };
  writeFileSync(
    path.join(work, "config.json"),
    JSON.stringify(
      { data: "data", data_raw: "data/raw", artifacts: "data/artifacts", remote_storage: remote },
      null,
      2,
    ),
  );
  writeFileSync(
    path.join(work, "config_local.json"),
    JSON.stringify({ remote_storage: { use_pbar: false } }),
  );
  console.log(readFileSync(path.join(work, "config.json"), "utf8"));
  const config = new DefaultDataConfiguration({ configDirectory: work });
  code("config.dataRaw");
  console.log(config.dataRaw);
  code('config.explain(["remote_storage", "use_pbar"]).source');
  console.log(config.explain(["remote_storage", "use_pbar"]).source);

  say("2. Some sample data");
  const sample = path.join(config.dataRaw, "sample_dir");
  await mkdir(sample, { recursive: true });
  for (let i = 1; i <= 3; i++) {
    await writeFile(path.join(sample, `sample_${i}.txt`), `sample ${i}\n`.repeat(i));
  }
  await writeFile(path.join(config.dataRaw, "notes.md"), "# notes\n");
  console.log("data/raw/sample_dir/sample_{1,2,3}.txt, data/raw/notes.md");

  const storageConfig = config.getEntry<RemoteStorageConfig>("remote_storage");
  const storage = new RemoteStorage(storageConfig, { events: { log: () => {} } });
  say(
    `3. A bucket (created explicitly, never implicitly): ${storage.provider}://${storageConfig.bucket}`,
  );
  code("await storage.createBucket()");
  await storage.createBucket();

  say("4. Dry run first: what would a push do?");
  code(
    '(await storage.push("data/raw", { localPathPrefix: work, dryrun: true })).printShortSummary()',
  );
  (await storage.push("data/raw", { localPathPrefix: work, dryrun: true })).printShortSummary();

  say("5. Push: every file is new, so all of them move");
  code('(await storage.push("data/raw", { localPathPrefix: work })).printShortSummary()');
  (await storage.push("data/raw", { localPathPrefix: work })).printShortSummary();

  say("6. Push again: nothing changed, nothing moves (MD5 equality)");
  (await storage.push("data/raw", { localPathPrefix: work })).printShortSummary();

  say("7. Delete one remote file, push again: exactly that file moves");
  code('await storage.delete("data/raw/sample_dir/sample_2.txt")');
  const deleted = await storage.delete("data/raw/sample_dir/sample_2.txt");
  console.log("deleted:", deleted.map((o) => o.name));
  (await storage.push("data/raw", { localPathPrefix: work })).printShortSummary();

  say(
    "8. A changed local file is refused without force (the whole transaction, before any byte moves)",
  );
  await writeFile(path.join(sample, "sample_1.txt"), "changed locally\n");
  try {
    await storage.push("data/raw", { localPathPrefix: work });
  } catch (e) {
    console.log(`${(e as Error).name}: ${(e as Error).message}`);
  }
  code('await storage.push("data/raw", { localPathPrefix: work, force: true })');
  (await storage.push("data/raw", { localPathPrefix: work, force: true })).printShortSummary();

  say("9. What is on the remote");
  code('await storage.listObjects("")');
  for (const o of await storage.listObjects("")) {
    console.log(`${o.name}  ${o.size} B  md5 ${o.hash}`);
  }

  say("10. Pull into a fresh folder (a colleague's laptop with no data): everything arrives");
  const fresh = path.join(work, "colleague");
  code(`await storage.pull("data/raw", { localBaseDir: "${fresh}" })`);
  (await storage.pull("data/raw", { localBaseDir: fresh })).printShortSummary();
  say("11. Pull again: all data is there, nothing moves");
  (await storage.pull("data/raw", { localBaseDir: fresh })).printShortSummary();
  await storage.close();
  say("Done. The same code works whatever the state of the local disk.");
} finally {
  rmSync(work, { recursive: true, force: true });
}
