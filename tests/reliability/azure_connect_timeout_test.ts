/**
 * Azure: an endpoint whose host silently drops the connection attempts (a black hole) fails in
 * bounded time, on the lean request path (listing, properties, downloads, uploads) and on the
 * SDK path (container creation, deletes) alike: each attempt may take the 5 s connect timeout,
 * 3 attempts, so ≈ 15 s instead of the kernel's SYN retries (about 2 minutes), within the S3
 * store's bound (≈ 27 s). The black hole is a listening socket on 127.0.0.1 whose accept queue
 * is full and which never accepts: the kernel then drops every further SYN, exactly like a
 * filtered host. It needs `python3` (skipped with a note without it); no Azure service.
 * Also: `https://` against a plain-http server is `ENDPOINT_NOT_TLS`, not retried.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { StorageError } from "../../errors.ts";
import { AzureBlobStore } from "../../storage/stores/azure.ts";

const DEV_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

// listen(0) and never accept; three half-open connects fill the accept queue (non-blocking)
const BLACK_HOLE = `
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
fill = []
for _ in range(3):
    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", port)); fill.append(c)
time.sleep(0.3)
print(port, flush=True)
sys.stdin.read()
`;

const python = spawnSync("python3", ["-c", "print(1)"]).status === 0;

describe(
  "Azure connect timeout (black-hole endpoint)",
  { skip: !python && "python3 missing" },
  () => {
    let child: ChildProcess | undefined;
    let port = 0;

    before(async () => {
      child = spawn("python3", ["-c", BLACK_HOLE], { stdio: ["pipe", "pipe", "inherit"] });
      const lines = createInterface({ input: child.stdout! });
      for await (const line of lines) {
        port = Number(line.trim());
        break;
      }
      expect(port).toBeGreaterThan(0);
    });

    after(() => {
      child?.stdin?.end(); // the script exits when its stdin closes
      child?.kill();
    });

    async function timed(p: Promise<unknown>): Promise<{ error: StorageError; seconds: number }> {
      const t0 = Date.now();
      try {
        await p;
      } catch (e) {
        expect(e).toBeInstanceOf(StorageError);
        return { error: e as StorageError, seconds: (Date.now() - t0) / 1000 };
      }
      throw new Error("expected a failure");
    }

    it("lean path (head, list) and SDK path (create-bucket) fail with ENDPOINT_UNREACHABLE within S3's bound", async () => {
      const store = new AzureBlobStore({
        container: "blackhole",
        endpoint: `http://127.0.0.1:${port}/devstoreaccount1`,
        accountName: "devstoreaccount1",
        accountKey: DEV_KEY,
      });
      try {
        const results = await Promise.all([
          timed(store.head("a.txt")),
          timed((async () => {
            for await (const _ of store.list("")) { /* nothing */ }
          })()),
          timed(store.createBucket()),
        ]);
        for (const { error, seconds } of results) {
          expect(error.code).toBe("ENDPOINT_UNREACHABLE");
          expect(error.message).toContain(`127.0.0.1:${port}`);
          // at least one connect timeout waited; well below the ≈ 2 min of SYN retries and
          // within the S3 store's worst case (≈ 27 s)
          expect(seconds).toBeGreaterThanOrEqual(4.5);
          expect(seconds).toBeLessThan(30);
        }
      } finally {
        await store.close();
      }
    });
  },
);

describe("Azure https:// against a plain-http endpoint", () => {
  it("is ENDPOINT_NOT_TLS naming the http:// URL to use, on the lean and the SDK path, not retried", async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end("plain http");
    });
    let connections = 0;
    server.on("connection", () => connections++);
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
    );
    const endpoint = `https://127.0.0.1:${port}/devstoreaccount1`;
    const store = new AzureBlobStore({
      container: "plain",
      endpoint,
      accountName: "devstoreaccount1",
      accountKey: DEV_KEY,
    });
    try {
      for (const p of [() => store.head("a.txt"), () => store.createBucket()]) {
        const before = connections;
        let error: StorageError | undefined;
        try {
          await p();
        } catch (e) {
          error = e as StorageError;
        }
        expect(error).toBeInstanceOf(StorageError);
        expect(error!.code).toBe("ENDPOINT_NOT_TLS");
        expect(error!.message).toContain(`the endpoint ${endpoint} does not speak https`);
        expect(error!.message).toContain(`use http://127.0.0.1:${port}/devstoreaccount1`);
        expect(error!.message).not.toContain(DEV_KEY);
        // not retried: one connection (one TLS handshake attempt) per call
        expect(connections - before).toBe(1);
      }
      expect(requests).toBe(0); // no TLS handshake succeeded, so no HTTP request arrived
    } finally {
      await store.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
