/**
 * AzureBlobStore: the shared ObjectStore conformance suite plus Azure specifics, against the
 * service in `AZURE_BLOB_ENDPOINT` (Azurite: `scripts/azurite/start.sh`). Connection-option
 * cases need no service and always run.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { ConfigError, StorageError } from "../../errors.ts";
import { AzureBlobStore, type AzureBlobStoreOptions } from "../../storage/stores/azure.ts";
import { storeConformance } from "./_conformance.ts";
import { type AzureTestConfig, describeAzure, uniqueContainerName } from "./_azure_env.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const md5 = (d: Uint8Array): string => createHash("md5").update(d).digest("hex");

async function collectKeys(store: AzureBlobStore, prefix: string) {
  const out = [];
  for await (const o of store.list(prefix)) out.push(o);
  return out;
}

async function failure(p: Promise<unknown>): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StorageError);
    return e as StorageError;
  }
  throw new Error("expected a StorageError, got success");
}

/** Every way a value can leak into logs. */
function views(value: unknown): string[] {
  return [
    String(value),
    JSON.stringify(value) ?? "",
    inspect(value, { depth: 10, showHidden: true }),
    inspect(value, { depth: 10, showHidden: true, customInspect: false }),
  ];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("AzureBlobStore connection options (no service needed)", () => {
  const key = "c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw==";

  it("derives the endpoint from the account name", () => {
    const store = new AzureBlobStore({ container: "data", accountName: "acme", accountKey: key });
    expect(store.provider).toBe("azure_blobs");
    expect(store.bucket).toBe("data");
    expect(store.location).toBe("azure://data at https://acme.blob.core.windows.net");
  });

  it("reads account, key and endpoint from a connection string", () => {
    const cs = `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${key};` +
      "EndpointSuffix=core.chinacloudapi.cn";
    const store = new AzureBlobStore({ container: "data", connectionString: cs });
    expect(store.location).toBe("azure://data at https://acme.blob.core.chinacloudapi.cn");
    for (const view of [...views(store), store.location]) {
      expect(view).not.toContain(key);
      expect(view).not.toContain("AccountKey");
    }
  });

  it("accepts UseDevelopmentStorage=true", () => {
    const store = new AzureBlobStore({
      container: "data",
      connectionString: "UseDevelopmentStorage=true",
    });
    expect(store.location).toBe("azure://data at http://127.0.0.1:10000/devstoreaccount1");
  });

  it("keeps a SAS token (given apart or in the endpoint) out of location and views", () => {
    const sas = "sv=2024-11-04&ss=b&srt=co&sp=rl&sig=U2VjcmV0U2lnbmF0dXJl%3D";
    for (
      const options of [
        { container: "data", endpoint: "https://acme.blob.core.windows.net", sasToken: `?${sas}` },
        { container: "data", endpoint: `https://acme.blob.core.windows.net/?${sas}` },
        {
          container: "data",
          connectionString:
            `BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=${sas}`,
        },
      ] satisfies AzureBlobStoreOptions[]
    ) {
      const store = new AzureBlobStore(options);
      expect(store.location).toBe("azure://data at https://acme.blob.core.windows.net");
      for (const view of views(store)) {
        expect(view).not.toContain("U2VjcmV0U2lnbmF0dXJl");
        expect(view).not.toContain("sig=");
      }
    }
  });

  it("refuses options without any account or endpoint with a ConfigError", () => {
    expect(() => new AzureBlobStore({ container: "data" })).toThrow(ConfigError);
    expect(() => new AzureBlobStore({ container: "data", connectionString: "Foo" })).toThrow(
      ConfigError,
    );
    expect(() => new AzureBlobStore({ container: "" })).toThrow(TypeError);
    expect(() => new AzureBlobStore({ container: "data", accountName: "acme", blockSize: 0 }))
      .toThrow(RangeError);
  });
});

describeAzure("AzureBlobStore", (config: AzureTestConfig) => {
  const admin = new BlobServiceClient(
    config.endpoint,
    new StorageSharedKeyCredential(config.accountName, config.accountKey),
  );
  const base = (container: string): AzureBlobStoreOptions => ({
    container,
    endpoint: config.endpoint,
    accountName: config.accountName,
    accountKey: config.accountKey,
  });
  const dropContainer = async (name: string) => {
    await admin.getContainerClient(name).deleteIfExists().catch(() => undefined);
  };

  storeConformance(
    "AzureBlobStore",
    () =>
      Promise.resolve(
        new AzureBlobStore({
          ...base(uniqueContainerName("conf")),
          singleShotThreshold: 4 * MiB,
          blockSize: 2 * MiB,
        }),
      ),
    {
      supportsPartNumber: false,
      multipartThreshold: 4 * MiB,
      secrets: [config.accountKey],
      dispose: (store) => dropContainer(store.bucket),
    },
  );

  describe("AzureBlobStore specifics", () => {
    let tmp = "";
    const containers: string[] = [];
    const stores: AzureBlobStore[] = [];
    const newStore = async (extra: Partial<AzureBlobStoreOptions> = {}, create = true) => {
      const name = uniqueContainerName("spec");
      containers.push(name);
      const store = new AzureBlobStore({ ...base(name), ...extra });
      stores.push(store);
      if (create) await store.createBucket();
      return store;
    };
    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), "accsr-azure-"));
    });
    after(async () => {
      for (const s of stores) await s.close();
      await Promise.all(containers.map(dropContainer));
      await rm(tmp, { recursive: true, force: true });
    });

    it("a blob above the block threshold has the whole-file md5 in listings and head", async () => {
      const store = await newStore({
        singleShotThreshold: 256 * KiB,
        blockSize: 100 * KiB,
        concurrency: 3,
      });
      const data = new Uint8Array(randomBytes(1 * MiB + 777));
      const src = join(tmp, "blocks.bin");
      await writeFile(src, data);
      let sent = 0;
      const put = await store.put("big/blocks.bin", { path: src, size: data.byteLength }, {
        md5: md5(data),
        metadata: { "run-id": "7" },
        contentType: "application/octet-stream",
        onProgress: (n) => (sent += n),
      });
      expect(sent).toBe(data.byteLength);
      expect(put.md5).toBe(md5(data));
      const blocks = await admin.getContainerClient(store.bucket).getBlockBlobClient(
        "big/blocks.bin",
      ).getBlockList("committed");
      expect(blocks.committedBlocks?.length).toBe(11);
      const [listed] = await collectKeys(store, "big/");
      expect(listed.md5).toBe(md5(data));
      expect(listed.etag).toBe(put.etag);
      const head = await store.head("big/blocks.bin");
      expect(head?.md5).toBe(md5(data));
      expect(head?.metadata).toEqual({ "run-id": "7", md5: md5(data) });
      expect(await store.get("big/blocks.bin", join(tmp, "blocks.out"))).toEqual({
        size: data.byteLength,
        md5: md5(data),
      });
    });

    it("a body in memory above the threshold is staged in blocks too", async () => {
      const store = await newStore({ singleShotThreshold: 256 * KiB, blockSize: 100 * KiB });
      const data = new Uint8Array(randomBytes(700 * KiB));
      let sent = 0;
      const put = await store.put("mem/blocks.bin", { data }, {
        md5: md5(data),
        onProgress: (n) => (sent += n),
      });
      expect(sent).toBe(data.byteLength);
      expect(put.md5).toBe(md5(data));
      const blob = admin.getContainerClient(store.bucket).getBlockBlobClient("mem/blocks.bin");
      expect((await blob.getBlockList("committed")).committedBlocks?.length).toBe(7);
      expect((await store.head("mem/blocks.bin"))?.md5).toBe(md5(data));
      expect(await store.get("mem/blocks.bin", join(tmp, "mem.out"))).toEqual({
        size: data.byteLength,
        md5: md5(data),
      });
      // a wrong md5 is refused before any block is sent
      const e = await failure(
        store.put("mem/wrong.bin", { data }, { md5: md5(enc("something else")) }),
      );
      expect(e.message).toContain("does not match the declared MD5");
      expect(await store.head("mem/wrong.bin")).toBeUndefined();
    });

    it("deletes many blobs with Blob Batch requests of at most 256, odd names and missing blobs included", async () => {
      const store = await newStore();
      const odd = ["/lead", "a//b", "dot.", ".hidden/.x", "q?x#y%2F", "sp ace/ü.txt"];
      const keys = [...odd, ...Array.from({ length: 294 }, (_, i) => `many/${i}.txt`)];
      await Promise.all(keys.map((k) => store.put(k, { data: enc(k) }, { md5: md5(enc(k)) })));
      await store.put("keep.txt", { data: enc("k") }, { md5: md5(enc("k")) });
      expect(await collectKeys(store, "")).toHaveLength(301);
      await store.delete([...keys, "never/there.txt"]);
      expect(store.batchRequests).toBe(2); // 301 keys → 256 + 45
      expect((await collectKeys(store, "")).map((o) => o.key)).toEqual(["keep.txt"]);
    });

    it("keys that would name another blob are INVALID_KEY, and delete never hits the other blob", async () => {
      const store = await newStore();
      for (const key of ["a/b", "x", "y"]) {
        await store.put(key, { data: enc(key) }, { md5: md5(enc(key)) });
      }
      // the client resolves "." and ".." segments and the service stores "\\" as "/"
      const aliases = ["a/./b", "./x", "z/../y", "a\\b", "../x", "a/.."];
      for (const key of aliases) {
        for (
          const p of [
            store.put(key, { data: enc("evil") }, { md5: md5(enc("evil")) }),
            store.head(key),
            store.get(key, join(tmp, "alias.out")),
          ]
        ) {
          const e = await failure(p);
          expect(e.code).toBe("INVALID_KEY");
          expect(e.key).toBe(key);
        }
      }
      await store.delete(aliases);
      expect((await collectKeys(store, "")).map((o) => [o.key, o.md5]).sort()).toEqual(
        ["a/b", "x", "y"].map((k) => [k, md5(enc(k))]),
      );
      // names Azure keeps as they are still work
      for (const key of ["/lead", "a//b", "dot.", ".hidden/.x", "q?x#y%2F"]) {
        await store.put(key, { data: enc(key) }, { md5: md5(enc(key)) });
        expect((await store.head(key))?.md5).toBe(md5(enc(key)));
      }
      expect((await collectKeys(store, "")).length).toBe(8);
    });

    it("folders of a hierarchical namespace (hdi_isfolder) are not listed as objects", async () => {
      const store = await newStore();
      const container = admin.getContainerClient(store.bucket);
      await container.getBlockBlobClient("dir").upload("", 0, {
        metadata: { hdi_isfolder: "true" },
      });
      await store.put("dir/a.txt", { data: enc("a") }, { md5: md5(enc("a")) });
      expect((await collectKeys(store, "")).map((o) => o.key)).toEqual(["dir/a.txt"]);
    });

    it("a file that changes during a block upload is refused and nothing is committed", async () => {
      const store = await newStore({ singleShotThreshold: 64 * KiB, blockSize: 64 * KiB });
      const data = new Uint8Array(randomBytes(300 * KiB));
      const src = join(tmp, "changing.bin");
      await writeFile(src, data);
      const e = await failure(
        store.put("changing.bin", { path: src, size: data.byteLength }, {
          md5: md5(enc("not this content")),
        }),
      );
      expect(e.code).toBe("STORAGE_ERROR");
      expect(e.message).toContain("changed while uploading");
      expect(await store.head("changing.bin")).toBeUndefined();
    });

    it("conditional create maps 409 BlobAlreadyExists to PRECONDITION_FAILED", async () => {
      const store = await newStore({ singleShotThreshold: 64 * KiB, blockSize: 64 * KiB });
      const first = enc("first");
      await store.put("c.txt", { data: first }, { md5: md5(first), ifNoneMatch: true });
      const e = await failure(
        store.put("c.txt", { data: enc("second") }, { md5: md5(enc("second")), ifNoneMatch: true }),
      );
      expect(e.code).toBe("PRECONDITION_FAILED");
      expect(e.statusCode).toBe(409);
      expect(e.key).toBe("c.txt");
      expect(e.bucket).toBe(store.bucket);
      expect(e.message).toMatch(/^Cannot upload "azure:\/\/.+\/c\.txt": .*\(.+\)$/);

      // the same through a staged upload
      const big = new Uint8Array(randomBytes(200 * KiB));
      const src = join(tmp, "cond.bin");
      await writeFile(src, big);
      await store.put("cond.bin", { path: src, size: big.byteLength }, {
        md5: md5(big),
        ifNoneMatch: true,
      });
      const again = await failure(
        store.put("cond.bin", { path: src, size: big.byteLength }, {
          md5: md5(big),
          ifNoneMatch: true,
        }),
      );
      expect(again.code).toBe("PRECONDITION_FAILED");
      const stale = await failure(
        store.put("cond.bin", { path: src, size: big.byteLength }, {
          md5: md5(big),
          ifMatch: "0x8D0000000000000",
        }),
      );
      expect(stale.code).toBe("PRECONDITION_FAILED");
      const current = (await store.head("cond.bin"))!.etag!;
      await store.put("cond.bin", { path: src, size: big.byteLength }, {
        md5: md5(big),
        ifMatch: current,
      });
    });

    it("a wrong account key is ACCESS_DENIED and the key shows nowhere", async () => {
      const good = await newStore();
      const wrongKey = randomBytes(64).toString("base64");
      const store = new AzureBlobStore({ ...base(good.bucket), accountKey: wrongKey });
      stores.push(store);
      const errors = [
        await failure(collectKeys(store, "")),
        await failure(store.head("x.txt")),
        await failure(store.put("x.txt", { data: enc("x") }, { md5: md5(enc("x")) })),
      ];
      for (const e of errors) {
        expect(e.code).toBe("ACCESS_DENIED");
        expect(e.statusCode).toBe(403);
        expect(e.message).toContain("access denied");
        for (const view of [...views(e), e.message, e.stack ?? "", ...views(e.cause)]) {
          expect(view).not.toContain(wrongKey);
        }
      }
      for (const view of views(store)) expect(view).not.toContain(wrongKey);
    });

    it("a missing container is BUCKET_NOT_FOUND naming it, with the create-bucket hint", async () => {
      const store = await newStore({}, false);
      // each failure is awaited as it is created (a fast rejection must not wait unhandled)
      for (
        const p of [
          () => collectKeys(store, "a/"),
          () => store.head("a.txt"),
          () => store.get("a.txt", join(tmp, "missing")),
          () => store.delete(["a.txt"]),
          () => store.put("a.txt", { data: enc("a") }, { md5: md5(enc("a")) }),
        ]
      ) {
        const e = await failure(p());
        expect(e.code).toBe("BUCKET_NOT_FOUND");
        expect(e.statusCode).toBe(404);
        expect(e.bucket).toBe(store.bucket);
        expect(e.message).toContain(`container "${store.bucket}" does not exist`);
        expect(e.message).toContain(config.endpoint);
        expect(e.message).toContain("accsr create-bucket");
      }
    });

    it("an unreachable endpoint fails fast with ENDPOINT_UNREACHABLE naming it", async () => {
      const endpoint = `http://127.0.0.1:${await freePort()}/devstoreaccount1`;
      const store = new AzureBlobStore({ ...base("nowhere"), endpoint });
      stores.push(store);
      const t0 = Date.now();
      const e = await failure(collectKeys(store, ""));
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(e.code).toBe("ENDPOINT_UNREACHABLE");
      expect(e.message).toContain(endpoint);
      expect(e.message).toMatch(/^Cannot list "azure:\/\/nowhere\/": .*\(.+\)$/);
      const e2 = await failure(store.put("a", { data: enc("a") }, { md5: md5(enc("a")) }));
      expect(e2.code).toBe("ENDPOINT_UNREACHABLE");
    });

    it("works with a connection string and with a SAS token, without showing either", async () => {
      const seed = await newStore();
      const cs = `DefaultEndpointsProtocol=http;AccountName=${config.accountName};` +
        `AccountKey=${config.accountKey};BlobEndpoint=${config.endpoint};`;
      const byCs = new AzureBlobStore({ container: seed.bucket, connectionString: cs });
      stores.push(byCs);
      await byCs.put("cs.txt", { data: enc("cs") }, { md5: md5(enc("cs")) });
      expect((await byCs.head("cs.txt"))?.md5).toBe(md5(enc("cs")));
      for (const view of views(byCs)) {
        expect(view).not.toContain(config.accountKey);
        expect(view).not.toContain("AccountKey");
      }

      const sasFor = (permissions: string) =>
        generateBlobSASQueryParameters(
          {
            containerName: seed.bucket,
            permissions: ContainerSASPermissions.parse(permissions),
            expiresOn: new Date(Date.now() + 3600_000),
          },
          new StorageSharedKeyCredential(config.accountName, config.accountKey),
        ).toString();
      const rw = sasFor("racwdl");
      const bySas = new AzureBlobStore({
        container: seed.bucket,
        endpoint: config.endpoint,
        sasToken: rw,
      });
      stores.push(bySas);
      await bySas.put("sas.txt", { data: enc("sas") }, { md5: md5(enc("sas")) });
      expect((await collectKeys(bySas, "")).map((o) => o.key).sort()).toEqual([
        "cs.txt",
        "sas.txt",
      ]);
      const sig = new URLSearchParams(rw).get("sig")!;
      for (const view of views(bySas)) {
        expect(view).not.toContain(sig);
        expect(view).not.toContain(encodeURIComponent(sig));
      }

      const readOnly = new AzureBlobStore({
        container: seed.bucket,
        endpoint: `${config.endpoint}?${sasFor("rl")}`,
      });
      stores.push(readOnly);
      expect((await readOnly.head("sas.txt"))?.size).toBe(3);
      const denied = await failure(
        readOnly.put("ro.txt", { data: enc("ro") }, { md5: md5(enc("ro")) }),
      );
      expect(denied.code).toBe("ACCESS_DENIED");
      for (const view of [...views(denied), ...views(denied.cause), denied.stack ?? ""]) {
        expect(view).not.toContain("sig=");
      }
    });

    it("aborting a staged upload gives ABORTED and commits nothing", async () => {
      const store = await newStore({ singleShotThreshold: 64 * KiB, blockSize: 64 * KiB });
      const data = new Uint8Array(randomBytes(2 * MiB));
      const src = join(tmp, "abort.bin");
      await writeFile(src, data);
      const controller = new AbortController();
      const e = await failure(
        store.put("abort.bin", { path: src, size: data.byteLength }, {
          md5: md5(data),
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      );
      expect(e.code).toBe("ABORTED");
      expect(await store.head("abort.bin")).toBeUndefined();
    });

    it("secrets never show in JSON.stringify, String or util.inspect of the store", async () => {
      const store = await newStore();
      expect(JSON.parse(JSON.stringify(store))).toEqual({
        provider: "azure_blobs",
        bucket: store.bucket,
        location: `azure://${store.bucket} at ${config.endpoint}`,
      });
      expect(String(store)).toBe(`AzureBlobStore(azure://${store.bucket} at ${config.endpoint})`);
      for (const view of views(store)) expect(view).not.toContain(config.accountKey);
      expect(Object.values(store).join(" ")).not.toContain(config.accountKey);
    });
  });
});
