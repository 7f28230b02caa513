/**
 * Resumable block uploads on Azure (Azurite): block ids name the content (whole-file MD5 and
 * block index), so a staged upload interrupted midway leaves uncommitted blocks that the next
 * upload of the same file does not stage again; a changed file stages every block.
 */
import { after, it } from "node:test";
import { expect } from "expect";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { AzureBlobStore } from "../../storage/stores/azure.ts";
import { type AzureTestConfig, describeAzure, uniqueContainerName } from "../storage/_azure_env.ts";
import { md5File, rejectionOf } from "./_helpers.ts";

const MiB = 1024 * 1024;

describeAzure("resumable block uploads (Azurite)", (config: AzureTestConfig) => {
  const container = uniqueContainerName("accsr-resaz");
  const admin = new BlobServiceClient(
    config.endpoint,
    new StorageSharedKeyCredential(config.accountName, config.accountKey),
  );
  const tmpP = mkdtemp(join(tmpdir(), "accsr-resaz-"));
  const store = () =>
    new AzureBlobStore({
      container,
      endpoint: config.endpoint,
      accountName: config.accountName,
      accountKey: config.accountKey,
      singleShotThreshold: 1 * MiB,
      blockSize: 1 * MiB,
      concurrency: 1,
    });
  after(async () => {
    await admin.getContainerClient(container).deleteIfExists().catch(() => undefined);
    await rm(await tmpP, { recursive: true, force: true });
  });

  it("an interrupted upload's staged blocks are not sent again; a changed file sends all", async () => {
    const tmp = await tmpP;
    const first = store();
    await first.createBucket();
    const path = join(tmp, "big.bin");
    await writeFile(path, randomBytes(8 * MiB)); // 8 blocks
    const md5 = await md5File(path);
    const controller = new AbortController();
    let sent = 0;
    const failed = await rejectionOf(first.put("big.bin", { path, size: 8 * MiB }, {
      md5,
      signal: controller.signal,
      onProgress: (n) => {
        sent += n;
        if (sent >= 3 * MiB) controller.abort(new Error("interrupted"));
      },
    }));
    expect(failed).toBeDefined();
    const stagedBefore = first.blocksStaged;
    const blocks = await admin.getContainerClient(container).getBlockBlobClient("big.bin")
      .getBlockList("uncommitted");
    const left = blocks.uncommittedBlocks?.length ?? 0;
    expect(left).toBeGreaterThanOrEqual(3);
    expect(left).toBeLessThan(8);
    expect(stagedBefore).toBeGreaterThanOrEqual(left);
    await first.close();

    const second = store();
    const stored = await second.put("big.bin", { path, size: 8 * MiB }, { md5 });
    expect(stored.md5).toBe(md5);
    expect(second.blocksStaged).toBe(8 - left);
    expect((await second.get("big.bin", join(tmp, "check.bin"))).md5).toBe(md5);

    // a new version of the file: no block of the old one is reused
    await writeFile(path, randomBytes(8 * MiB));
    const md5b = await md5File(path);
    const third = store();
    await third.put("big.bin", { path, size: 8 * MiB }, { md5: md5b });
    expect(third.blocksStaged).toBe(8);
    expect((await third.get("big.bin", join(tmp, "check.bin"))).md5).toBe(md5b);
    await second.close();
    await third.close();
  });
});
