/**
 * The S3 server of the benchmark: a private Ceph radosgw (the project's `scripts/s3/*.sh`)
 * on its own ports and run directory, stopped by PID at exit; plus untimed bucket
 * administration (create, count, empty) through the AWS SDK and radosgw's garbage collector
 * (deleted objects' tails only leave the memstore once collected).
 *
 * @module
 */
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from "npm:@aws-sdk/client-s3@^3.1169.0";
import * as path from "node:path";
import process from "node:process";
import { run, tail } from "./_util.ts";

/**
 * Where an S3 server answers and how to sign for it.
 *
 * @example
 * ```ts
 * import type { S3Endpoint } from "./_server.ts";
 * const e: S3Endpoint = { url: "http://127.0.0.1:27480", key: "test", secret: "testtesttest" };
 * ```
 */
export interface S3Endpoint {
  /** Endpoint URL. */
  url: string;
  /** Access key id. */
  key: string;
  /** Secret access key. */
  secret: string;
}

/**
 * Ports and memory of a private radosgw.
 *
 * @example
 * ```ts
 * import type { ServerOptions } from "./_server.ts";
 * const o: ServerOptions = { repo: "/work/main", runDir: "/tmp/b/ceph", port: 27480, monPort: 26789, msPortMin: 26800, msPortMax: 26899, memstoreBytes: 2 ** 30 };
 * ```
 */
export interface ServerOptions {
  /** Repository root (holds `scripts/s3/`). */
  repo: string;
  /** RUN_DIR of start.sh / stop.sh (wiped by start.sh). */
  runDir: string;
  /** radosgw HTTP port. */
  port: number;
  /** Monitor port. */
  monPort: number;
  /** OSD messenger port range. */
  msPortMin: number;
  /** OSD messenger port range end. */
  msPortMax: number;
  /** Memstore capacity (the data lives in the OSD's RAM). */
  memstoreBytes: number;
}

/**
 * A private radosgw started by {@linkcode startServer}.
 *
 * @example
 * ```ts
 * import { startServer } from "./_server.ts";
 * const s = await startServer({ repo: "/work/main", runDir: "/tmp/b/ceph", port: 27480, monPort: 26789, msPortMin: 26800, msPortMax: 26899, memstoreBytes: 2 ** 30 });
 * try { console.log(s.endpoint.url); } finally { await s.stop(); }
 * ```
 */
export interface Server {
  /** Where it answers. */
  endpoint: S3Endpoint;
  /** Runs radosgw's garbage collector over every pending entry (frees deleted objects). */
  collectGarbage(): Promise<void>;
  /** Stops the daemons by the PIDs in their pid files. Idempotent. */
  stop(): Promise<void>;
}

function cephRoot(): string {
  return process.env.CEPH_ROOT ?? "/tmp/ceph-rgw/root";
}

/** Environment for the Ceph tools unpacked in CEPH_ROOT (as start.sh sets it up). */
function cephEnv(runDir: string): Record<string, string> {
  const env: Record<string, string> = { CEPH_CONF: path.join(runDir, "ceph.conf") };
  const root = cephRoot();
  if (root !== "/") {
    const r = path.resolve(root);
    env.PATH = `${r}/usr/bin:${process.env.PATH ?? ""}`;
    env.LD_LIBRARY_PATH = [
      `${r}/usr/lib/x86_64-linux-gnu`,
      `${r}/usr/lib/x86_64-linux-gnu/ceph`,
      `${r}/lib/x86_64-linux-gnu`,
      process.env.LD_LIBRARY_PATH ?? "",
    ].filter((x) => x !== "").join(":");
  }
  return env;
}

/**
 * Installs Ceph if needed (`scripts/s3/install.sh`, only when `install`) and starts a private
 * radosgw. Throws with the scripts' output when it cannot.
 *
 * @example
 * ```ts
 * import { startServer } from "./_server.ts";
 * const s = await startServer({ repo: ".", runDir: "/tmp/b/ceph", port: 27480, monPort: 26789, msPortMin: 26800, msPortMax: 26899, memstoreBytes: 2 ** 30 }, false);
 * await s.stop();
 * ```
 */
export async function startServer(o: ServerOptions, install = true): Promise<Server> {
  const scripts = path.join(o.repo, "scripts", "s3");
  const env = { CEPH_ROOT: cephRoot() };
  if (install) {
    const r = await run("bash", [path.join(scripts, "install.sh")], { env });
    if (r.code !== 0) {
      throw new Error(`scripts/s3/install.sh failed:\n${tail(r.stdout + r.stderr)}`);
    }
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await run("bash", [path.join(scripts, "stop.sh")], { env: { RUN_DIR: o.runDir } });
  };
  const r = await run("bash", [path.join(scripts, "start.sh"), String(o.port)], {
    env: {
      ...env,
      RUN_DIR: o.runDir,
      MON_PORT: String(o.monPort),
      MS_PORT_MIN: String(o.msPortMin),
      MS_PORT_MAX: String(o.msPortMax),
      MEMSTORE_BYTES: String(o.memstoreBytes),
    },
  });
  if (r.code !== 0) {
    await stop();
    throw new Error(`scripts/s3/start.sh failed:\n${tail(r.stdout + r.stderr)}`);
  }
  return {
    endpoint: { url: `http://127.0.0.1:${o.port}`, key: "test", secret: "testtesttest" },
    async collectGarbage() {
      const g = await run("radosgw-admin", ["gc", "process", "--include-all"], {
        env: cephEnv(o.runDir),
      });
      if (g.code !== 0) {
        console.error(`  note: radosgw-admin gc process failed: ${tail(g.stderr, 3)}`);
      }
    },
    stop,
  };
}

/**
 * Untimed bucket administration through the AWS SDK (independent of the code under test).
 *
 * @example
 * ```ts
 * import { Admin } from "./_server.ts";
 * const admin = new Admin({ url: "http://127.0.0.1:27480", key: "test", secret: "testtesttest" });
 * await admin.createBucket("bench-x");
 * console.log(await admin.count("bench-x", "r1/"));
 * admin.close();
 * ```
 */
export class Admin {
  #client: S3Client;

  /** A client for the endpoint (path-style, checksums only where required). */
  constructor(e: S3Endpoint) {
    this.#client = new S3Client({
      endpoint: e.url,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: e.key, secretAccessKey: e.secret },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  /** Creates the bucket; one that exists already (and is ours) is fine. */
  async createBucket(bucket: string): Promise<void> {
    try {
      await this.#client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw e;
    }
  }

  /** Keys below the prefix. */
  async keys(bucket: string, prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.#client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) if (o.Key !== undefined) out.push(o.Key);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }

  /** Number of objects below the prefix. */
  async count(bucket: string, prefix: string): Promise<number> {
    return (await this.keys(bucket, prefix)).length;
  }

  /** Deletes every object below the prefix. */
  async empty(bucket: string, prefix: string): Promise<void> {
    const keys = await this.keys(bucket, prefix);
    for (let i = 0; i < keys.length; i += 1000) {
      await this.#client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  /** Releases the connections. */
  close(): void {
    this.#client.destroy();
  }
}
