import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { LoadingError } from "../../errors.ts";
import { downloadFile, type DownloadProgress } from "../../loading/mod.ts";
import { tempDir } from "./_fixtures.ts";

const CONTENT = "Hello from the accsr download test!\n".repeat(1000); // 36 000 bytes
const BIG = new Uint8Array(1 << 20).map((_, i) => i % 251);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Routes of the local test server. */
const routes: Record<string, Handler> = {
  "/file.txt": (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": CONTENT.length });
    res.end(CONTENT);
  },
  "/paced.txt": (_req, res) => {
    // four pieces, 100 ms apart, so that the client sees several chunks even on a busy machine
    res.writeHead(200, { "content-type": "text/plain", "content-length": CONTENT.length });
    const step = CONTENT.length / 4;
    const send = (i: number) => {
      if (i === 4) return void res.end();
      res.write(CONTENT.slice(i * step, (i + 1) * step), () => setTimeout(() => send(i + 1), 100));
    };
    send(0);
  },
  "/chunked.bin": (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(BIG.subarray(0, 1000));
    res.end(BIG.subarray(1000));
  },
  "/empty": (_req, res) => {
    res.writeHead(200, { "content-length": 0 });
    res.end();
  },
  "/headers": (req, res) => {
    const body = JSON.stringify(req.headers);
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  },
  "/redirect": (_req, res) => {
    res.writeHead(302, { location: "/redirect-2" });
    res.end("moved");
  },
  "/redirect-2": (_req, res) => {
    res.writeHead(301, { location: "/file.txt" });
    res.end();
  },
  "/redirect-loop": (_req, res) => {
    res.writeHead(302, { location: "/redirect-loop" });
    res.end();
  },
  "/redirect-missing": (_req, res) => {
    res.writeHead(307, { location: "/missing" });
    res.end();
  },
  "/missing": (_req, res) => {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  },
  "/auth": (req, res) => {
    const expected = `Basic ${Buffer.from("alice:s3cr3t").toString("base64")}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="test"' });
      res.end();
      return;
    }
    res.writeHead(200, { "content-length": 6 });
    res.end("secret");
  },
  "/cut": (_req, res) => {
    // promises 100 000 bytes, sends 10 000, then drops the connection
    res.writeHead(200, { "content-length": 100_000 });
    res.write(BIG.subarray(0, 10_000), () => setTimeout(() => res.socket?.destroy(), 20));
  },
  "/cut-chunked": (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(BIG.subarray(0, 10_000), () => setTimeout(() => res.socket?.destroy(), 20));
  },
  "/gzip-encoded": (_req, res) => {
    const body = gzipSync(CONTENT);
    res.writeHead(200, { "content-encoding": "gzip", "content-length": body.length });
    res.end(body);
  },
  "/slow": (_req, res) => {
    // sends a first chunk, then trickles forever (until the client goes away)
    res.writeHead(200, { "content-length": 10_000_000 });
    res.write(BIG.subarray(0, 1000));
    const timer = setInterval(() => res.write(BIG.subarray(0, 10)), 20);
    res.on("close", () => clearInterval(timer));
  },
};

let server: Server;
let base: string;
let dir: { path: string; cleanup: () => Promise<void> };

before(async () => {
  server = createServer((req, res) => {
    const handler = routes[new URL(req.url ?? "/", "http://x").pathname];
    if (handler) handler(req, res);
    else routes["/missing"](req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await tempDir();
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dir.cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<LoadingError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(LoadingError);
    return e as LoadingError;
  }
  throw new Error("expected a rejection");
}

/** A fresh, empty sub-directory of the test directory. */
async function freshDir(name: string): Promise<string> {
  const path = join(dir.path, name);
  await mkdir(path, { recursive: true });
  return path;
}

describe("downloadFile", () => {
  it("downloads a file and leaves nothing else in the folder", async () => {
    const out = await freshDir("success");
    const target = join(out, "file.txt");
    await downloadFile(`${base}/file.txt`, target);
    expect(await readFile(target, "utf8")).toBe(CONTENT);
    expect(await readdir(out)).toEqual(["file.txt"]);
  });

  it("downloads a body without Content-Length and an empty body", async () => {
    const out = await freshDir("chunked");
    await downloadFile(`${base}/chunked.bin`, join(out, "chunked.bin"));
    expect((await readFile(join(out, "chunked.bin"))).equals(BIG)).toBe(true);
    await downloadFile(`${base}/empty`, join(out, "empty"));
    expect((await readFile(join(out, "empty"))).byteLength).toBe(0);
  });

  it("creates missing parent folders", async () => {
    const target = join(dir.path, "deep", "er", "file.txt");
    await downloadFile(`${base}/file.txt`, target);
    expect(await readFile(target, "utf8")).toBe(CONTENT);
  });

  it("accepts a path relative to the working directory, even a bare file name", async () => {
    const name = `accsr-download-test-${process.pid}-${Date.now()}.txt`;
    const absolute = join(process.cwd(), name);
    try {
      await downloadFile(`${base}/file.txt`, name);
      expect(await readFile(absolute, "utf8")).toBe(CONTENT);
    } finally {
      await rm(absolute, { force: true });
    }
    // and a relative path with folders, resolved against the working directory too
    const nested = relative(process.cwd(), join(dir.path, "relative", "file.txt"));
    await downloadFile(`${base}/file.txt`, nested);
    expect(await readFile(join(dir.path, "relative", "file.txt"), "utf8")).toBe(CONTENT);
  });

  it("reports progress in bytes received, with the total from Content-Length", async () => {
    const events: DownloadProgress[] = [];
    await downloadFile(`${base}/paced.txt`, join(await freshDir("progress"), "f.txt"), {
      onProgress: (p) => events.push({ ...p }),
    });
    expect(events[0]).toEqual({ receivedBytes: 0, totalBytes: CONTENT.length });
    expect(events.at(-1)).toEqual({ receivedBytes: CONTENT.length, totalBytes: CONTENT.length });
    expect(events.length).toBeGreaterThan(2);
    for (let i = 1; i < events.length; i++) {
      expect(events[i].receivedBytes).toBeGreaterThanOrEqual(events[i - 1].receivedBytes);
    }
  });

  it("reports progress without a total when Content-Length is missing", async () => {
    const events: DownloadProgress[] = [];
    await downloadFile(`${base}/chunked.bin`, join(await freshDir("progress2"), "c.bin"), {
      onProgress: (p) => events.push({ ...p }),
    });
    expect(events.at(-1)).toEqual({ receivedBytes: BIG.length, totalBytes: undefined });
  });

  it("downloads with showProgress enabled", async () => {
    const target = join(await freshDir("bar"), "f.txt");
    await downloadFile(`${base}/file.txt`, target, { showProgress: true });
    expect(await readFile(target, "utf8")).toBe(CONTENT);
  });

  it("sends the given headers with that request only", async () => {
    const out = await freshDir("headers");
    await downloadFile(`${base}/headers`, join(out, "h1.json"), {
      headers: { "X-Test-Header": "yes", "User-Agent": "accsr-test/1.0" },
    });
    const first = JSON.parse(await readFile(join(out, "h1.json"), "utf8"));
    expect(first["x-test-header"]).toBe("yes");
    expect(first["user-agent"]).toBe("accsr-test/1.0");
    expect(first["accept-encoding"]).toBe("identity");

    await downloadFile(`${base}/headers`, join(out, "h2.json"));
    const second = JSON.parse(await readFile(join(out, "h2.json"), "utf8"));
    expect(second["x-test-header"]).toBeUndefined();
  });

  it("follows redirects", async () => {
    const target = join(await freshDir("redirect"), "f.txt");
    await downloadFile(`${base}/redirect`, target);
    expect(await readFile(target, "utf8")).toBe(CONTENT);
  });

  it("gives up after too many redirects", async () => {
    const out = await freshDir("loop");
    const e = await rejection(downloadFile(`${base}/redirect-loop`, join(out, "f.txt")));
    expect(e.code).toBe("TOO_MANY_REDIRECTS");
    expect(await readdir(out)).toEqual([]);
  });

  it("fails on HTTP 404 naming the URL and status, leaving no file", async () => {
    const out = await freshDir("404");
    const e = await rejection(downloadFile(`${base}/missing`, join(out, "f.txt")));
    expect(e.code).toBe("HTTP_ERROR");
    expect(e.statusCode).toBe(404);
    expect(e.message).toContain(`${base}/missing`);
    expect(e.message).toContain("404");
    expect(await readdir(out)).toEqual([]);
  });

  it("names the final URL when a redirect leads to an error", async () => {
    const out = await freshDir("redirect-404");
    const e = await rejection(downloadFile(`${base}/redirect-missing`, join(out, "f.txt")));
    expect(e.statusCode).toBe(404);
    expect(e.message).toContain(`${base}/redirect-missing`);
    expect(e.message).toContain(`${base}/missing`);
    expect(await readdir(out)).toEqual([]);
  });

  for (const route of ["/cut", "/cut-chunked"]) {
    it(`fails when the connection is cut mid-body (${route}), leaving no file`, async () => {
      const out = await freshDir(`cut${route.replace("/", "-")}`);
      const e = await rejection(downloadFile(`${base}${route}`, join(out, "f.bin")));
      expect(e.code).toBe("DOWNLOAD_INCOMPLETE");
      expect(e.message).toContain(`${base}${route}`);
      expect(await readdir(out)).toEqual([]);
    });
  }

  it("refuses to overwrite an existing file unless asked to", async () => {
    const out = await freshDir("overwrite");
    const target = join(out, "f.txt");
    await writeFile(target, "old");
    const e = await rejection(downloadFile(`${base}/file.txt`, target));
    expect(e.code).toBe("FILE_EXISTS");
    expect(e.message).toContain(target);
    expect(await readFile(target, "utf8")).toBe("old");
    expect(await readdir(out)).toEqual(["f.txt"]);

    await downloadFile(`${base}/file.txt`, target, { overwriteExisting: true });
    expect(await readFile(target, "utf8")).toBe(CONTENT);
    expect(await readdir(out)).toEqual(["f.txt"]);
  });

  it("keeps the existing file when an overwriting download fails", async () => {
    const out = await freshDir("overwrite-fail");
    const target = join(out, "f.bin");
    await writeFile(target, "old");
    await rejection(downloadFile(`${base}/cut`, target, { overwriteExisting: true }));
    expect(await readFile(target, "utf8")).toBe("old");
    expect(await readdir(out)).toEqual(["f.bin"]);
  });

  it("aborts via the signal, removing the temporary file", async () => {
    const out = await freshDir("abort");
    const controller = new AbortController();
    const reason = new Error("user stop");
    const promise = downloadFile(`${base}/slow`, join(out, "slow.bin"), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.receivedBytes > 0) controller.abort(reason);
      },
    });
    await expect(promise).rejects.toBe(reason);
    expect(await readdir(out)).toEqual([]);
  });

  it("rejects at once with an already aborted signal", async () => {
    const out = await freshDir("abort-early");
    const controller = new AbortController();
    controller.abort();
    await expect(downloadFile(`${base}/file.txt`, join(out, "f.txt"), {
      signal: controller.signal,
    })).rejects.toMatchObject({ name: "AbortError" });
    expect(await readdir(out)).toEqual([]);
  });

  it("sends URL credentials as Basic auth and never prints them", async () => {
    const out = await freshDir("auth");
    const url = base.replace("http://", "http://alice:s3cr3t@");
    await downloadFile(`${url}/auth`, join(out, "ok.txt"));
    expect(await readFile(join(out, "ok.txt"), "utf8")).toBe("secret");

    const wrong = base.replace("http://", "http://alice:WRONGPASS@");
    const e = await rejection(downloadFile(`${wrong}/auth`, join(out, "no.txt")));
    expect(e.statusCode).toBe(401);
    expect(e.message).not.toContain("WRONGPASS");
    expect(e.message).not.toContain("alice");
    expect(e.message).toContain("127.0.0.1");

    const missing = await rejection(downloadFile(`${wrong}/missing`, join(out, "no.txt")));
    expect(missing.message).not.toContain("WRONGPASS");
  });

  it("redacts secret-looking query parameters in messages", async () => {
    const e = await rejection(
      downloadFile(`${base}/missing?X-Amz-Signature=abcdef123&part=1`, join(dir.path, "q.txt")),
    );
    expect(e.message).not.toContain("abcdef123");
    expect(e.message).toContain("part=1");
  });

  it("fails with DOWNLOAD_FAILED when nothing listens", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const out = await freshDir("refused");
    const e = await rejection(downloadFile(`http://127.0.0.1:${port}/x`, join(out, "x")));
    expect(e.code).toBe("DOWNLOAD_FAILED");
    expect(await readdir(out)).toEqual([]);
  });

  it("saves a content-encoded body as served (no length check on decoded bytes)", async () => {
    const target = join(await freshDir("encoded"), "f.txt");
    await downloadFile(`${base}/gzip-encoded`, target);
    // runtimes decode gzip transfer encoding; either way the download succeeds
    const data = await readFile(target);
    expect(data.byteLength).toBeGreaterThan(0);
  });

  it("copies file: URLs and rejects other protocols", async () => {
    const out = await freshDir("file-url");
    const source = join(out, "source.txt");
    await writeFile(source, "local content");
    await downloadFile(pathToFileURL(source).href, join(out, "copy.txt"));
    expect(await readFile(join(out, "copy.txt"), "utf8")).toBe("local content");

    const e = await rejection(downloadFile("ftp://127.0.0.1/x", join(out, "ftp.txt")));
    expect(e.code).toBe("UNSUPPORTED_URL");
    await expect(downloadFile("not a url", join(out, "bad.txt"))).rejects.toThrow(TypeError);
  });
});
