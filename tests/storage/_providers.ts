/**
 * Runs a test block once per storage provider — `memory`, `file` (a temporary root), `s3`
 * (the real server of `_s3_env.ts`; skipped with a printed reason when `S3_ENDPOINT` is
 * unset, failing when `ACCSR_REQUIRE_S3=1`) and `azure` (the Azure Blob service of
 * `_azure_env.ts`, normally Azurite; skipped with a printed reason when `AZURE_BLOB_ENDPOINT`
 * is unset, failing when `ACCSR_REQUIRE_AZURE=1`) — so every engine behaviour is checked
 * against each backend.
 *
 * Every {@linkcode ProviderEnv.storage} call gets its own fresh bucket (created), so cases
 * are independent of each other and of their order, and may use an empty base path. Buckets,
 * their objects and temporary directories are removed after the block.
 *
 * @module
 */
import { after, describe } from "node:test";
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { DeleteBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import {
  RemoteStorage,
  type RemoteStorageConfig,
  type RemoteStorageOptions,
} from "../../storage/mod.ts";
import { describeS3, type S3TestConfig, uniqueBucketName } from "./_s3_env.ts";
import { type AzureTestConfig, describeAzure, uniqueContainerName } from "./_azure_env.ts";

/** The providers every engine test runs against. */
export type ProviderName = "memory" | "file" | "s3" | "azure";

/** Absolute path of `tests/testdata/storage/` (accsr's test resources, our content). */
export const STORAGE_TESTDATA: string = fileURLToPath(
  new URL("../testdata/storage/", import.meta.url),
);

/** Events that keep tests quiet. */
export const QUIET = { log: () => {} };

/**
 * What a test block gets for one provider.
 *
 * @example
 * ```ts
 * import { it } from "node:test";
 * import { describeEachProvider } from "./_providers.ts";
 * describeEachProvider("push", (env) => {
 *   it("pushes", async () => {
 *     const storage = await env.storage({ basePath: "ns" });
 *     const local = await env.resources();
 *     await storage.push("sample.txt", { localPathPrefix: local });
 *   });
 * });
 * ```
 */
export interface ProviderEnv {
  /** The provider of this block. */
  readonly name: ProviderName;
  /** The S3 test server (only for `s3`). */
  readonly s3?: S3TestConfig;
  /** The Azure test service (only for `azure`). */
  readonly azure?: AzureTestConfig;
  /**
   * The real secret of a provider with a real service (`s3`, `azure`), which then must not
   * be replaced by a fake one; `undefined` for `memory` and `file`.
   */
  readonly secret?: string;
  /**
   * A config for a fresh bucket of this provider (the bucket is not created; it is removed
   * after the block if it was). `extra` overrides fields (e.g. `secret`, `basePath`).
   */
  config(extra?: Partial<RemoteStorageConfig>): RemoteStorageConfig;
  /**
   * A {@linkcode RemoteStorage} on a fresh, created bucket. Quiet unless `options.events` is
   * given.
   */
  storage(
    o?: {
      basePath?: string;
      config?: Partial<RemoteStorageConfig>;
      options?: RemoteStorageOptions;
    },
  ): Promise<RemoteStorage>;
  /** Another storage on the same bucket as `storage` (other base path or options). */
  sibling(
    storage: RemoteStorage,
    o?: { basePath?: string; options?: RemoteStorageOptions },
  ): RemoteStorage;
  /** A fresh empty temporary directory (removed after the block). */
  tempDir(): Promise<string>;
  /** A fresh copy of `tests/testdata/storage/` (removed after the block). */
  resources(): Promise<string>;
}

let counter = 0;

/** A valid, unique bucket name for the memory and file stores. */
function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${
    randomBytes(3).toString("hex")
  }`;
}

function s3Admin(config: S3TestConfig): S3Client {
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

function azureAdmin(config: AzureTestConfig): BlobServiceClient {
  return new BlobServiceClient(
    config.endpoint,
    new StorageSharedKeyCredential(config.accountName, config.accountKey),
  );
}

function makeEnv(
  name: ProviderName,
  service: { s3?: S3TestConfig; azure?: AzureTestConfig } = {},
): ProviderEnv {
  const { s3, azure } = service;
  const tempDirs: string[] = [];
  const storages: RemoteStorage[] = [];
  const configs = new Map<RemoteStorage, RemoteStorageConfig>();
  let fileRoot: string | undefined;

  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), "accsr-storage-test-"));
    tempDirs.push(d);
    return d;
  };

  const config = (extra: Partial<RemoteStorageConfig> = {}): RemoteStorageConfig => {
    if (name === "memory") return { provider: "memory", bucket: uniqueName("mem"), ...extra };
    if (name === "file") {
      if (fileRoot === undefined) throw new Error("file root not ready (call inside a test)");
      return { provider: "file", root: fileRoot, bucket: uniqueName("fb"), ...extra };
    }
    if (name === "azure") {
      return {
        provider: "azure_blobs",
        endpoint: azure!.endpoint,
        key: azure!.accountName,
        secret: azure!.accountKey,
        bucket: uniqueContainerName("accsr-rs"),
        ...extra,
      };
    }
    return {
      provider: "s3",
      endpoint: s3!.endpoint,
      region: s3!.region,
      key: s3!.accessKeyId,
      secret: s3!.secretAccessKey,
      bucket: uniqueBucketName("accsr-rs"),
      ...extra,
    };
  };

  const track = (s: RemoteStorage, c: RemoteStorageConfig): RemoteStorage => {
    storages.push(s);
    configs.set(s, c);
    return s;
  };

  after(async () => {
    const buckets = new Set<string>();
    for (const s of storages) {
      if (buckets.has(s.conf.bucket)) continue;
      buckets.add(s.conf.bucket);
      try {
        const store = await s.store();
        const keys: string[] = [];
        for await (const o of store.list("")) keys.push(o.key);
        if (keys.length > 0) await store.delete(keys);
        if (name === "s3") {
          const admin = s3Admin(s3!);
          try {
            await admin.send(new DeleteBucketCommand({ Bucket: s.conf.bucket }));
          } finally {
            admin.destroy();
          }
        }
        if (name === "azure") {
          await azureAdmin(azure!).getContainerClient(s.conf.bucket).deleteIfExists();
        }
      } catch {
        // the bucket was never created, or is already gone
      }
    }
    for (const s of storages) await s.close().catch(() => {});
    for (const d of tempDirs) await rm(d, { recursive: true, force: true });
  });

  return {
    name,
    s3,
    azure,
    secret: s3?.secretAccessKey ?? azure?.accountKey,
    config,
    async storage(o = {}) {
      if (name === "file" && fileRoot === undefined) fileRoot = await tempDir();
      const c = config({
        ...(o.basePath === undefined ? {} : { basePath: o.basePath }),
        ...o.config,
      });
      const s = track(new RemoteStorage(c, { events: QUIET, ...o.options }), c);
      await s.createBucket();
      return s;
    },
    sibling(storage, o = {}) {
      const c = { ...configs.get(storage)! };
      delete c.basePath;
      delete c.base_path;
      if (o.basePath !== undefined) c.basePath = o.basePath;
      return track(new RemoteStorage(c, { events: QUIET, ...o.options }), c);
    },
    tempDir,
    async resources() {
      const d = await tempDir();
      await cp(STORAGE_TESTDATA, d, { recursive: true });
      return d;
    },
  };
}

/**
 * Registers `fn` once per provider, inside `describe("<name> [<provider>]")`.
 *
 * @example
 * ```ts
 * import { describeEachProvider } from "./_providers.ts";
 * describeEachProvider("delete", (env) => {
 *   // it(...) cases using env.storage()
 * }, { only: ["memory", "file"] });
 * ```
 */
export function describeEachProvider(
  name: string,
  fn: (env: ProviderEnv) => void,
  options: { only?: readonly ProviderName[] } = {},
): void {
  const wanted = (p: ProviderName) => options.only === undefined || options.only.includes(p);
  if (wanted("memory")) describe(`${name} [memory]`, () => fn(makeEnv("memory")));
  if (wanted("file")) describe(`${name} [file]`, () => fn(makeEnv("file")));
  if (wanted("s3")) describeS3(`${name} [s3]`, (s3) => fn(makeEnv("s3", { s3 })));
  if (wanted("azure")) {
    describeAzure(`${name} [azure]`, (azure) => fn(makeEnv("azure", { azure })));
  }
}

// ── small file helpers shared by the storage tests ──────────────────────────────────────

/** Writes files (`{ "d/a.txt": "content" }`) below `dir`, creating folders. */
export async function writeTree(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, ...rel.split("/"));
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, content);
  }
}

/** Every file below `dir`, as sorted `/`-separated paths relative to it (dotfiles included). */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Contents of a local file as text. */
export function readText(p: string): Promise<string> {
  return readFile(p, "utf8");
}

/** Sorted keys of every object of the storage's bucket (whole bucket, not just the base path). */
export async function bucketKeys(storage: RemoteStorage): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of (await storage.store()).list("")) keys.push(o.key);
  return keys.sort();
}

/** The content of a remote object as text (downloaded to a temporary file). */
export async function remoteText(storage: RemoteStorage, key: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "accsr-remote-text-"));
  try {
    const p = join(d, "obj");
    await (await storage.store()).get(key, p);
    return await readFile(p, "utf8");
  } finally {
    await rm(d, { recursive: true, force: true });
  }
}
