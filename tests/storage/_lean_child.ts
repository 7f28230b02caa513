/**
 * Child process of the lean-path configuration tests (`s3_lean_config_test.ts`): puts
 * `files` objects of 1 KiB one after the other through an `S3Store` configured from the job
 * (static keys or the default credential chain from this process's environment), lists them,
 * reads one, deletes them, and prints one JSON line: `{ ok, listed, sdkLoaded, retries }` or
 * `{ ok: false, error }`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { awsSdkLoaded, S3Store } from "../../storage/stores/s3.ts";
import type { StorageError } from "../../errors.ts";
import type { ChildJob } from "./_s3_front.ts";

const job = JSON.parse(process.argv[process.argv.length - 1]) as ChildJob;
const store = new S3Store({
  bucket: job.bucket,
  endpoint: job.endpoint,
  region: job.region,
  forcePathStyle: job.forcePathStyle,
  accessKeyId: job.key ?? null,
  secretAccessKey: job.secret ?? null,
  maxAttempts: 2,
});
const tmp = await mkdtemp(join(tmpdir(), "accsr-lean-child-"));
try {
  const keys: string[] = [];
  for (let i = 0; i < job.files; i++) {
    const data = Buffer.alloc(1024, i % 251);
    const key = `${job.prefix}f${i}.bin`;
    await store.put(key, { data }, { md5: createHash("md5").update(data).digest("hex") });
    keys.push(key);
  }
  let listed = 0;
  for await (const _ of store.list(job.prefix)) listed++;
  if (keys.length > 0) await store.get(keys[0], join(tmp, "out.bin"));
  await store.delete(keys);
  console.log(JSON.stringify({
    ok: true,
    listed,
    sdkLoaded: awsSdkLoaded(),
    retries: store.retryCount,
  }));
} catch (e) {
  const err = e as StorageError;
  console.log(JSON.stringify({ ok: false, error: { code: err.code, message: err.message } }));
} finally {
  await store.close();
  await rm(tmp, { recursive: true, force: true });
}
