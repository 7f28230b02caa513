/**
 * Exit codes keep their promise when another writer races a transaction: 3 ("refused,
 * nothing moved") only when nothing moved; a push that moved some files and then met a
 * concurrent change exits 1 with code `CONCURRENT_CHANGE` and says how many moved. A writer
 * that stored exactly the bytes we would write is not a conflict (push and pull).
 *
 * The CLI runs in-process against radosgw through the fault proxy; the proxy's hook writes
 * the racing version straight to the server just before it forwards our PUT.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SyncConflictError } from "../../errors.ts";
import { RemoteStorage } from "../../storage/mod.ts";
import { MemoryStore } from "../../storage/stores/memory.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { jsonOf, project, writeFiles } from "../cli/_helpers.ts";
import { FaultProxy, type SeenRequest } from "./_fault_proxy.ts";
import { adminClient, dropBucket, HookedStore, md5Of, QUIET, rejectionOf } from "./_helpers.ts";

interface PushJson {
  synced_files: unknown[];
  error?: { code: string; message: string; exit_code: number; names?: string[] };
}

describeS3("concurrent changes: exit codes (CLI against S3)", (s3) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  const bucket = uniqueBucketName("accsr-rel-cc");
  const p = project({ config: false });
  const files: Record<string, string> = {};
  for (let i = 0; i < 10; i++) files[`set/f${String(i).padStart(2, "0")}.txt`] = `ours ${i}\n`;
  writeFiles(p.cwd, files);

  before(async () => {
    proxy = await FaultProxy.start(s3.endpoint);
    admin = adminClient(s3.endpoint, s3.accessKeyId, s3.secretAccessKey);
    writeFiles(p.cwd, {
      "config.json": {
        remote_storage: {
          provider: "s3",
          endpoint: proxy.url,
          region: s3.region,
          bucket,
          key: s3.accessKeyId,
          secret: s3.secretAccessKey,
        },
      },
    });
    expect((await p.cli(["create-bucket"])).code).toBe(0);
  });
  after(async () => {
    await proxy.close();
    await dropBucket(admin, bucket);
    admin.destroy();
    p.tmp.remove();
  });

  /** Before our `nth` object PUT is forwarded, another writer stores `content(key)` there. */
  function raceAt(nth: number, content: (key: string) => string): void {
    let seen = 0;
    proxy.reset();
    proxy.addRule({
      method: "PUT",
      path: `/${bucket}/`,
      action: {
        before: async (r: SeenRequest) => {
          if (++seen !== nth) return;
          const key = decodeURIComponent(r.path.slice(bucket.length + 2));
          await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content(key) }));
        },
      },
    });
  }

  const push = (base: string) =>
    p.cli(["push", "set", "--base-path", base, "--concurrency", "1", "--json", "--no-progress"]);

  it("some files moved, then another writer changed one: exit 1, CONCURRENT_CHANGE, says how many moved", async () => {
    raceAt(6, () => "theirs\n");
    const r = await push("some-moved");
    expect(r.code).toBe(1);
    const json = jsonOf<PushJson>(r);
    expect(json.error?.code).toBe("CONCURRENT_CHANGE");
    expect(json.error?.exit_code).toBe(1);
    expect(json.synced_files.length).toBe(5);
    expect(json.error?.message).toContain("5 of 10 file(s) were transferred");
    expect(r.stderr).toContain("another writer changed 1 file(s)");
    // the other writer's version stays
    const changed = json.error!.names![0];
    expect(await (await fetchObject(changed))).toBe("theirs\n");
  });

  it("another writer changed the first file before anything moved: exit 3 (refused), nothing moved", async () => {
    raceAt(1, () => "theirs\n");
    const r = await push("none-moved");
    expect(r.code).toBe(3);
    const json = jsonOf<PushJson>(r);
    expect(json.error?.code).toBe("SYNC_CONFLICT");
    expect(json.synced_files.length).toBe(0);
    expect(json.error?.message).toContain("nothing was transferred");
  });

  it("another writer stored exactly our bytes: not a conflict, exit 0", async () => {
    const ours = (key: string) => files[`set/${basename(key)}`];
    raceAt(3, ours);
    const r = await push("identical");
    expect(r.code).toBe(0);
    expect(jsonOf<PushJson>(r).synced_files.length).toBe(10);
    // the rerun finds everything equal
    proxy.reset();
    const again = jsonOf<{ summary: { files_to_sync: number } }>(await push("identical"));
    expect(again.summary.files_to_sync).toBe(0);
  });

  async function fetchObject(key: string): Promise<string> {
    const { GetObjectCommand } = await import("@aws-sdk/client-s3");
    const out = await admin.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString();
  }
});

describe("concurrent changes: a second pull into the same folder (library, memory store)", () => {
  let tmp = "";
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function setup(theirs: (key: string, ours: string) => string) {
    tmp ||= await mkdtemp(join(tmpdir(), "accsr-rel-cc-"));
    const inner = new MemoryStore("bkt", { registry: new Map() });
    await inner.createBucket();
    const data: Record<string, string> = {};
    for (let i = 0; i < 16; i++) {
      const key = `d/f${i}.txt`;
      data[key] = `content ${i}\n`;
      await inner.put(key, { data: new TextEncoder().encode(data[key]) }, {
        md5: md5Of(data[key]),
      });
    }
    // Another pull writes each file into place just before ours finishes its download.
    const store = new HookedStore(inner, {
      beforeGet: async (key, destination) => {
        await writeFile(join(dirname(destination), basename(key)), theirs(key, data[key]));
      },
    });
    const out = await mkdtemp(join(tmp, "out-"));
    const storage = new RemoteStorage({ provider: "memory", bucket: "bkt" }, {
      store,
      events: QUIET,
    });
    return { storage, out, data };
  }

  it("files another pull wrote with identical bytes are not a conflict", async () => {
    const { storage, out, data } = await setup((_k, ours) => ours);
    const summary = await storage.pull("d", { localBaseDir: out });
    expect(summary.syncedFiles.length).toBe(16);
    for (const [key, text] of Object.entries(data)) {
      expect(await readFile(join(out, key), "utf8")).toBe(text);
    }
  });

  it("a file another writer wrote with different bytes is still a conflict, and kept", async () => {
    const { storage, out } = await setup((key, ours) => key === "d/f3.txt" ? "theirs\n" : ours);
    const err = await rejectionOf(storage.pull("d", { localBaseDir: out, concurrency: 1 }));
    expect(err).toBeInstanceOf(SyncConflictError);
    expect((err as SyncConflictError).names).toEqual(["d/f3.txt"]);
    expect(await readFile(join(out, "d/f3.txt"), "utf8")).toBe("theirs\n");
  });
});
