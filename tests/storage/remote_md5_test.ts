/**
 * Unit tests of the interop equality pieces: MD5s recorded by other tools (rclone, s3cmd,
 * GCS), full-object checksums from recorded HEAD responses (CRC64NVME / CRC32C / CRC32 — the
 * shared radosgw 16 returns none), part-size candidates and the one-read multipart ETags, and
 * how `resolveRemoteHash` combines them (with the hash cache's memory of found part sizes).
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { resolveRemoteHash } from "../../storage/equality.ts";
import { checksumOfBytes, checksumOfFile } from "../../storage/full_checksum.ts";
import { HashCache, multipartEtag } from "../../storage/hashing.ts";
import {
  candidatesTruncated,
  multipartEtags,
  partSizeCandidates,
} from "../../storage/part_size_probe.ts";
import {
  checksumHeaders,
  fullObjectChecksum,
  googHashMd5,
  recordedMd5,
} from "../../storage/remote_md5.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { SyncObject, syncObjectRows } from "../../storage/summary.ts";
import type { ObjectStore, StoreObject } from "../../storage/stores/types.ts";

const MiB = 1024 * 1024;
const md5 = (d: Uint8Array): string => createHash("md5").update(d).digest("hex");
const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");

/** A store that only answers `head`, from a table (`key#part` for partNumber requests). */
function headStore(
  answers: Record<string, StoreObject | undefined>,
): ObjectStore & { heads: string[] } {
  const heads: string[] = [];
  const fail = () => Promise.reject(new Error("not used"));
  return {
    heads,
    provider: "fake",
    bucket: "b",
    location: "fake://b",
    createBucket: fail,
    list: () => ({ [Symbol.asyncIterator]: () => ({ next: fail }) }),
    head(key, o = {}) {
      const k = o.partNumber === undefined ? key : `${key}#${o.partNumber}`;
      heads.push(k);
      return Promise.resolve(answers[k]);
    },
    put: fail,
    get: fail,
    delete: fail,
    close: () => Promise.resolve(),
  };
}

/** The hash cache's remote-content memory, in memory. */
function memory() {
  const m = new Map<string, { partSize: number; md5: string }>();
  return {
    map: m,
    remoteContent: (id: string) => m.get(id),
    setRemoteContent: (id: string, md5: string, partSize = 0) => void m.set(id, { partSize, md5 }),
  };
}

describe("recorded MD5s of other tools", () => {
  const hex = "900150983cd24fb0d6963f7d28e17f72"; // md5("abc")
  it("accsr md5, rclone md5chksum (base64), s3cmd-attrs md5:", () => {
    expect(recordedMd5({ md5: hex.toUpperCase() })).toEqual({ md5: hex, source: "md5" });
    expect(recordedMd5({ md5chksum: b64(hex) })).toEqual({ md5: hex, source: "rclone md5chksum" });
    expect(recordedMd5({ "Md5chksum": "kAFQmDzST7DWlj99KOF/cg==" })?.md5).toBe(hex);
    // as s3cmd 2.x writes it
    expect(
      recordedMd5({
        "s3cmd-attrs":
          `atime:1733480000/ctime:1733480000/gid:0/gname:root/md5:${hex}/mode:33188/mtime:1733480000/uid:0/uname:root`,
      }),
    ).toEqual({ md5: hex, source: "s3cmd-attrs" });
  });
  it("malformed or missing values are ignored", () => {
    expect(recordedMd5(undefined)).toBeUndefined();
    expect(recordedMd5({})).toBeUndefined();
    expect(recordedMd5({ md5: "xyz" })).toBeUndefined();
    expect(recordedMd5({ md5chksum: "bm90IGFuIG1kNQ==" })).toBeUndefined(); // 10 bytes
    expect(recordedMd5({ "s3cmd-attrs": "mode:33188/md5:short" })).toBeUndefined();
  });
  it("GCS x-goog-hash md5=", () => {
    expect(googHashMd5(`crc32c=n03x6A==, md5=${b64(hex)}`)).toBe(hex);
    expect(googHashMd5("crc32c=n03x6A==")).toBeUndefined(); // composite objects
    expect(googHashMd5(undefined)).toBeUndefined();
  });
});

describe("full-object checksums (recorded responses)", () => {
  it("computes the catalogue check values of '123456789'", async () => {
    const data = new TextEncoder().encode("123456789");
    const hex = async (a: "crc64nvme" | "crc32c" | "crc32") =>
      Buffer.from(await checksumOfBytes(a, data), "base64").toString("hex");
    expect(await hex("crc64nvme")).toBe("ae8b14860a799888");
    expect(await hex("crc32c")).toBe("e3069283");
    expect(await hex("crc32")).toBe("cbf43926");
  });

  it("parses HEAD headers: FULL_OBJECT qualifies, COMPOSITE does not", () => {
    // A HEAD (x-amz-checksum-mode: ENABLED) of an AWS CLI v2 multipart upload, as recorded.
    const recorded = {
      "accept-ranges": "bytes",
      "content-length": "31457280",
      etag: '"6e1ad2b9d0bb8f2ea0a6f8a4b7f8d7f5-4"',
      "x-amz-checksum-crc64nvme": "rosUhgp5mIg=",
      "x-amz-checksum-type": "FULL_OBJECT",
      "x-amz-server-side-encryption": "AES256",
    };
    const kept = checksumHeaders(recorded);
    expect(kept).toEqual({
      "x-amz-checksum-crc64nvme": "rosUhgp5mIg=",
      "x-amz-checksum-type": "FULL_OBJECT",
    });
    expect(fullObjectChecksum(kept)).toEqual({ algorithm: "crc64nvme", value: "rosUhgp5mIg=" });
    expect(fullObjectChecksum({ "x-amz-checksum-crc32c": "4waSgw==" })).toBeUndefined();
    expect(
      fullObjectChecksum({
        "x-amz-checksum-crc32c": "4waSgw==-4",
        "x-amz-checksum-type": "COMPOSITE",
      }),
    ).toBeUndefined();
    expect(
      fullObjectChecksum({
        "x-amz-checksum-crc32c": "4waSgw==",
        "x-amz-checksum-type": "FULL_OBJECT",
      }),
    ).toEqual({ algorithm: "crc32c", value: "4waSgw==" });
    expect(fullObjectChecksum({ "x-amz-checksum-crc64nvme": "bad" })).toBeUndefined();
    expect(checksumHeaders({ "content-type": "x" })).toBeUndefined();
  });

  describe("resolveRemoteHash with a full-object checksum", () => {
    let dir = "";
    let file = "";
    const content = new TextEncoder().encode("123456789");
    let local = { absPath: "", size: 0, md5: "" };
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "accsr-crc-"));
      file = join(dir, "f.bin");
      await writeFile(file, content);
      local = { absPath: file, size: content.length, md5: md5(content) };
    });
    after(() => rm(dir, { recursive: true, force: true }));

    const object = (checksums: Record<string, string>): StoreObject => ({
      key: "f",
      size: 9,
      etag: `${"a".repeat(32)}-2`,
      checksums,
    });

    it("equal CRC64NVME: equal (and remembered: no second read needed)", async () => {
      const store = headStore({
        f: object({
          "x-amz-checksum-crc64nvme": "rosUhgp5mIg=",
          "x-amz-checksum-type": "FULL_OBJECT",
        }),
      });
      const cache = memory();
      const remote = { name: "f", size: 9, hash: `${"a".repeat(32)}-2` };
      const r = await resolveRemoteHash(store, remote, local, { cache });
      expect(r.remoteHash).toBe(local.md5);
      expect(r.uncomparable).toBeUndefined();
      expect(store.heads).toEqual(["f"]); // no partNumber probe
      expect(cache.map.get("crc64nvme:rosUhgp5mIg=")?.md5).toBe(local.md5);
      // the remembered answer is used even when the file cannot be read any more
      const r2 = await resolveRemoteHash(store, remote, { ...local, absPath: join(dir, "gone") }, {
        cache,
      });
      expect(r2.remoteHash).toBe(local.md5);
    });

    it("equal CRC32C FULL_OBJECT: equal; another CRC: differs (decided, not uncomparable)", async () => {
      const ok = await resolveRemoteHash(
        headStore({
          f: object({ "x-amz-checksum-crc32c": "4waSgw==", "x-amz-checksum-type": "FULL_OBJECT" }),
        }),
        { name: "f", size: 9 },
        local,
      );
      expect(ok.remoteHash).toBe(local.md5);
      const other = await resolveRemoteHash(
        headStore({
          f: object({
            "x-amz-checksum-crc64nvme": "AAAAAAAAAAE=",
            "x-amz-checksum-type": "FULL_OBJECT",
          }),
        }),
        { name: "f", size: 9 },
        local,
      );
      expect(other.remoteHash).not.toBe(local.md5);
      expect(other.uncomparable).toBeUndefined();
    });

    it("checksumOfFile equals checksumOfBytes", async () => {
      expect(await checksumOfFile("crc64nvme", file)).toBe("rosUhgp5mIg=");
    });
  });
});

describe("part-size candidates and one-read multipart ETags", () => {
  it("whole-MiB and whole-MB sizes with (N−1)·p < size ≤ N·p, at least 5 MiB", () => {
    expect(partSizeCandidates(30 * MiB, 5)).toEqual([7 * MiB, 6 * MiB, 7_000_000]);
    for (const p of partSizeCandidates(30 * MiB, 5)) {
      expect(4 * p < 30 * MiB && 30 * MiB <= 5 * p).toBe(true);
    }
    expect(partSizeCandidates(1024 * MiB, 128)).toEqual([8 * MiB]); // aws-cli, 1 GiB
    // 4 MiB and 5 MB would be below S3's minimum part size
    expect(partSizeCandidates(12 * MiB, 3)).toEqual([5 * MiB, 6_000_000]);
    expect(partSizeCandidates(100, 1)).toEqual([100]);
    expect(partSizeCandidates(10 * MiB, 0)).toEqual([]);
    // many fit: bounded, usual sizes first
    const many = partSizeCandidates(1024 * MiB, 2);
    expect(many).toHaveLength(16);
    expect(many[0]).toBe(512 * MiB);
    expect(candidatesTruncated(1024 * MiB, 2)).toBe(true);
    expect(candidatesTruncated(30 * MiB, 5)).toBe(false);
  });

  it("multipartEtags gives what multipartEtag gives, for every size, from one read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "accsr-probe-"));
    try {
      const file = join(dir, "f.bin");
      await writeFile(file, randomBytes(3 * 1000 * 1000 + 17));
      const sizes = [1000, 1024 * 1024, 1000 * 1000, 3 * 1000 * 1000 + 17, 10 * MiB, 777_777];
      const all = await multipartEtags(file, sizes);
      for (const p of sizes) expect(all.get(p)).toBe(await multipartEtag(file, p));
      expect(all.get(1000)).toMatch(/-3001$/);
      expect(all.get(10 * MiB)).toMatch(/-1$/);
      // part boundaries exactly at chunk and file ends; an empty file
      const exact = join(dir, "exact.bin");
      await writeFile(exact, randomBytes(16 * MiB));
      const even = [MiB, 2 * MiB, 8 * MiB, 16 * MiB, 32 * MiB];
      const got = await multipartEtags(exact, even);
      for (const p of even) expect(got.get(p)).toBe(await multipartEtag(exact, p));
      expect(got.get(8 * MiB)).toMatch(/-2$/);
      const empty = join(dir, "empty.bin");
      await writeFile(empty, new Uint8Array(0));
      expect((await multipartEtags(empty, [MiB])).get(MiB)).toBe(await multipartEtag(empty, MiB));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("resolveRemoteHash for multipart ETags of other tools", () => {
  let dir = "";
  let file = "";
  let local = { absPath: "", size: 0, md5: "" };
  const SIZE = 13 * MiB + 5;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "accsr-mp-"));
    file = join(dir, "f.bin");
    const content = randomBytes(SIZE);
    await writeFile(file, content);
    local = { absPath: file, size: SIZE, md5: md5(content) };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("a server that ignores partNumber (radosgw 16): whole-MiB part size found, then remembered", async () => {
    const etag = await multipartEtag(file, 6 * MiB); // 3 parts: no usual tool size
    const whole: StoreObject = { key: "f", size: SIZE, etag };
    const store = headStore({ f: whole, "f#1": whole }); // partNumber ignored: whole object
    const cache = memory();
    const remote = { name: "f", size: SIZE, hash: etag, etag };
    const r = await resolveRemoteHash(store, remote, local, { cache });
    expect(r.remoteHash).toBe(local.md5);
    expect(r.uncomparable).toBeUndefined();
    expect(store.heads).toEqual(["f", "f#1"]);
    expect(cache.map.get(etag)).toEqual({ partSize: 6 * MiB, md5: local.md5 });
    // next run: no request at all (the ETag is known as this content), no reading
    store.heads.length = 0;
    const again = await resolveRemoteHash(store, remote, { ...local, absPath: join(dir, "gone") }, {
      cache,
    });
    expect(again.remoteHash).toBe(local.md5);
    expect(store.heads).toEqual([]);
    // the same ETag, but the cache says the local file has another MD5: asked as before
    await resolveRemoteHash(store, remote, { ...local, md5: "0".repeat(32) }, { cache });
    expect(store.heads[0]).toBe("f");
  });

  it("a whole-MB part size (6,000,000 B) is found too", async () => {
    const etag = await multipartEtag(file, 6_000_000);
    const whole: StoreObject = { key: "f", size: SIZE, etag };
    const r = await resolveRemoteHash(
      headStore({ f: whole, "f#1": whole }),
      { name: "f", size: SIZE, hash: etag, etag },
      local,
    );
    expect(r.remoteHash).toBe(local.md5);
  });

  it("non-round part sizes without a recorded MD5: uncomparable (never equal), probed once", async () => {
    const etag = await multipartEtag(file, 5 * MiB + 7);
    const whole: StoreObject = { key: "f", size: SIZE, etag };
    const store = headStore({ f: whole, "f#1": whole });
    const cache = memory();
    const remote = { name: "f", size: SIZE, hash: etag, etag };
    const r = await resolveRemoteHash(store, remote, local, { cache });
    expect(r.remoteHash).not.toBe(local.md5);
    expect(r.uncomparable).toMatch(/no recorded MD5.*part size/);
    expect(store.heads).toEqual(["f", "f#1"]);
    // the next run with the same local content: no partNumber request, no reading
    store.heads.length = 0;
    const again = await resolveRemoteHash(store, remote, { ...local, absPath: join(dir, "gone") }, {
      cache,
    });
    expect(again.remoteHash).not.toBe(local.md5);
    expect(again.uncomparable).toMatch(/no recorded MD5.*earlier run/);
    expect(store.heads).toEqual(["f"]);
    // changed local content: probed again
    const other = { ...local, md5: "0".repeat(32) };
    const third = await resolveRemoteHash(store, remote, other, { cache });
    expect(third.uncomparable).toMatch(/tried/);
  });

  it("the part size the server reports decides, also for non-round sizes", async () => {
    const etag = await multipartEtag(file, 5 * MiB + 7);
    const store = headStore({
      f: { key: "f", size: SIZE, etag },
      "f#1": { key: "f", size: 5 * MiB + 7, etag, partsCount: 3 },
    });
    const r = await resolveRemoteHash(store, { name: "f", size: SIZE, hash: etag, etag }, local);
    expect(r.remoteHash).toBe(local.md5);
  });

  it("a recorded MD5 of another tool wins over probing (rclone, s3cmd)", async () => {
    const etag = `${"b".repeat(32)}-3`;
    for (
      const metadata of [
        { md5chksum: b64(local.md5) },
        { "s3cmd-attrs": `mode:33188/md5:${local.md5}/uid:0` },
      ] as Record<string, string>[]
    ) {
      const store = headStore({ f: { key: "f", size: SIZE, etag, metadata } });
      const r = await resolveRemoteHash(store, { name: "f", size: SIZE, hash: etag, etag }, local);
      expect(r.remoteHash).toBe(local.md5);
      expect(r.remoteObj?.hash).toBe(local.md5);
      expect(store.heads).toEqual(["f"]);
    }
    // and a recorded MD5 of other content means "differs", decided
    const store = headStore({
      f: { key: "f", size: SIZE, etag, metadata: { md5chksum: b64("0".repeat(32)) } },
    });
    const r = await resolveRemoteHash(store, { name: "f", size: SIZE, hash: etag, etag }, local);
    expect(r.remoteHash).toBe("0".repeat(32));
    expect(r.uncomparable).toBeUndefined();
  });

  it("a one-part multipart ETag is decided without a part-size request", async () => {
    const etag = await multipartEtag(file, SIZE);
    expect(etag).toMatch(/-1$/);
    const store = headStore({ f: { key: "f", size: SIZE, etag } });
    const r = await resolveRemoteHash(store, { name: "f", size: SIZE, hash: etag, etag }, local);
    expect(r.remoteHash).toBe(local.md5);
    expect(store.heads).toEqual(["f"]);
  });
});

describe("the hash cache remembers remote content ids", () => {
  it("survives save and reopen, next to the file entries", async () => {
    const root = await mkdtemp(join(tmpdir(), "accsr-remote-cache-"));
    const saved = process.env.ACCSR_CACHE_DIR;
    process.env.ACCSR_CACHE_DIR = join(root, "cache");
    try {
      const tree = join(root, "tree");
      const etag = `${"c".repeat(32)}-3`;
      const a = await HashCache.open(tree);
      expect(a.remoteContent(etag)).toBeUndefined();
      a.setRemoteContent(etag, "d".repeat(32), 7 * MiB);
      a.setRemoteContent("crc64nvme:rosUhgp5mIg=", "e".repeat(32));
      a.set(
        { absPath: join(tree, "x"), size: 1, mtimeMs: 1, ctimeMs: 1000, ino: 1 },
        "f".repeat(32),
      );
      expect(a.pending).toBe(3);
      await a.save();
      const b = await HashCache.open(tree);
      expect(b.remoteContent(etag)).toEqual({ partSize: 7 * MiB, md5: "d".repeat(32) });
      expect(b.remoteContent("crc64nvme:rosUhgp5mIg=")).toEqual({
        partSize: 0,
        md5: "e".repeat(32),
      });
      expect(b.get({ absPath: join(tree, "x"), size: 1, mtimeMs: 1, ctimeMs: 1000, ino: 1 })).toBe(
        "f".repeat(32),
      );
      // appended later (journal), still read back
      b.setRemoteContent(etag, "0".repeat(32), 8 * MiB);
      await b.save();
      expect((await HashCache.open(tree)).remoteContent(etag)).toEqual({
        partSize: 8 * MiB,
        md5: "0".repeat(32),
      });
    } finally {
      if (saved === undefined) delete process.env.ACCSR_CACHE_DIR;
      else process.env.ACCSR_CACHE_DIR = saved;
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("display rows", () => {
  it("an uncomparable file is 'cannot compare', never 'differs'", () => {
    const base = {
      syncDirection: "push" as const,
      remoteObj: { name: "a", size: 1, hash: `${"1".repeat(32)}-2` },
      localPath: "/w/a",
      existsLocally: true,
      localSize: 1,
      localHash: "2".repeat(32),
      remoteHash: `${"1".repeat(32)}-2`,
    };
    const rows = syncObjectRows([
      new SyncObject({ ...base, uncomparable: "multipart ETag … no recorded MD5" }),
      new SyncObject(base),
    ]);
    expect(rows.map((r) => r.status)).toEqual(["cannot compare", "differs"]);
  });
});

describe("HEAD responses with checksums, through both S3 request paths (recorded headers)", () => {
  const seen: http.IncomingHttpHeaders[] = [];
  let headers: Record<string, string> = {};
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.once("end", () => {
      res.writeHead(200, headers);
      res.end();
    });
  });
  let endpoint = "";
  let dir = "";
  let local = { absPath: "", size: 9, md5: "" };
  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), "accsr-head-"));
    const content = new TextEncoder().encode("123456789");
    await writeFile(join(dir, "f"), content);
    local = { absPath: join(dir, "f"), size: 9, md5: md5(content) };
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  for (const fastPut of [true, false]) {
    it(`${fastPut ? "lean path" : "SDK path"}: CRC64NVME FULL_OBJECT decides, checksum mode requested`, async () => {
      const store = new S3Store({
        bucket: "bkt",
        endpoint,
        accessKeyId: "k",
        secretAccessKey: "s",
        fastPut,
        retryBaseDelay: 1,
      });
      try {
        // as AWS answers a HEAD with x-amz-checksum-mode: ENABLED for an AWS CLI v2 upload
        headers = {
          "content-length": "9",
          etag: `"${"a".repeat(32)}-2"`,
          "last-modified": "Sun, 06 Dec 2026 12:00:00 GMT",
          "x-amz-checksum-crc64nvme": "rosUhgp5mIg=",
          "x-amz-checksum-type": "FULL_OBJECT",
        };
        seen.length = 0;
        const head = await store.head("f");
        expect(head?.checksums).toMatchObject({
          "x-amz-checksum-crc64nvme": "rosUhgp5mIg=",
          "x-amz-checksum-type": "FULL_OBJECT",
        });
        expect(seen[0]["x-amz-checksum-mode"]).toBe("ENABLED");
        const remote = { name: "f", size: 9, hash: `${"a".repeat(32)}-2` };
        expect((await resolveRemoteHash(store, remote, local)).remoteHash).toBe(local.md5);
        headers["x-amz-checksum-crc64nvme"] = "AAAAAAAAAAE=";
        const other = await resolveRemoteHash(store, remote, local);
        expect(other.remoteHash).not.toBe(local.md5);
        expect(other.uncomparable).toBeUndefined();
        if (fastPut) {
          // GCS's XML API: x-goog-hash carries the MD5 (composite objects: crc32c only)
          headers = {
            "content-length": "9",
            etag: '"CJzw6v7G5/oCEAE="',
            "x-goog-hash": `crc32c=4waSgw==,md5=${b64(local.md5)}`,
          };
          expect((await resolveRemoteHash(store, remote, local)).remoteHash).toBe(local.md5);
        }
      } finally {
        await store.close();
      }
    });
  }
});
