/**
 * Errors by cause, not by layer (CLI against radosgw): a full disk is `NO_SPACE` ("free N
 * bytes on <filesystem>, then rerun"), a folder that cannot be written is `PERMISSION_DENIED`
 * ("cannot write <dir>: permission denied") — neither worded as a network error nor telling
 * to "run the pull again"; `https://` against a plain-http endpoint is `ENDPOINT_NOT_TLS`
 * ("does not speak https; use http://…").
 *
 * The full disk is a 1 MiB tmpfs the test mounts (needs root on Linux; skipped otherwise);
 * the unwritable folder is a read-only tmpfs as root (root ignores permission bits), a
 * `chmod 555` folder otherwise.
 */
import { after, before, it } from "node:test";
import { expect } from "expect";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { S3Client } from "@aws-sdk/client-s3";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { type CliResult, jsonOf, project, writeFiles } from "../cli/_helpers.ts";
import { adminClient, dropBucket } from "./_helpers.ts";

interface ErrorJson {
  synced_files?: unknown[];
  error: { code: string; message: string; exit_code: number };
}

/** Mounts a tmpfs of `size` at a new folder; undefined when this machine cannot. */
function mountTmpfs(size: string, readOnly = false): string | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "accsr-tmpfs-"));
  try {
    execFileSync("mount", [
      "-t",
      "tmpfs",
      "-o",
      `size=${size}${readOnly ? ",ro" : ""}`,
      "tmpfs",
      dir,
    ], {
      stdio: "ignore",
    });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync("umount", [dir], { stdio: "ignore" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeS3("errors by cause: full disk, unwritable folder, TLS mismatch (CLI)", (s3) => {
  let admin: S3Client;
  const bucket = uniqueBucketName("accsr-rel-disk");
  const p = project({ config: false });
  const mounts: string[] = [];
  const kib = (n: number) => "x".repeat(n * 1024);
  writeFiles(p.cwd, {
    "big/a.bin": kib(400),
    "big/b.bin": kib(400),
    "big/c.bin": kib(400),
    "big/d.bin": kib(400),
  });
  const cli = (argv: string[]): Promise<CliResult> => p.cli(argv);

  before(async () => {
    admin = adminClient(s3.endpoint, s3.accessKeyId, s3.secretAccessKey);
    writeFiles(p.cwd, {
      "config.json": {
        remote_storage: {
          provider: "s3",
          endpoint: s3.endpoint,
          region: s3.region,
          bucket,
          key: s3.accessKeyId,
          secret: s3.secretAccessKey,
        },
      },
    });
    expect((await cli(["create-bucket"])).code).toBe(0);
    expect((await cli(["push", "big"])).code).toBe(0);
  });
  after(async () => {
    for (const m of mounts) unmount(m);
    await dropBucket(admin, bucket);
    admin.destroy();
    p.tmp.remove();
  });

  it("a pull onto a full disk is NO_SPACE: how much to free, on which file system; no partial file", async (t) => {
    const mnt = mountTmpfs("1m");
    if (mnt === undefined) return t.skip("cannot mount a tmpfs here (needs root on Linux)");
    mounts.push(mnt);
    const r = await cli(["pull", "big", "--to", mnt, "--concurrency", "1", "--json"]);
    expect(r.code).toBe(1);
    const json = jsonOf<ErrorJson>(r);
    expect(json.error.code).toBe("NO_SPACE");
    expect(json.error.message).toContain(`no space left on ${mnt}`);
    expect(json.error.message).toMatch(/free \d+ bytes \([^)]*\) on /);
    expect(json.error.message).toContain("then rerun");
    expect(json.error.message).not.toMatch(/run the pull again|s3:\/\/|http:\/\//);
    expect(r.stderr).toContain("df -h");
    // what fitted is complete, nothing half-written is left
    const left = readdirSync(join(mnt, "big"));
    expect(left.filter((f) => f.endsWith(".part"))).toEqual([]);
    expect(left.length).toBe(json.synced_files!.length);
    expect(left.length).toBeLessThan(4);
  });

  it("a pull into a folder that cannot be written is PERMISSION_DENIED naming the folder", async (t) => {
    let target: string;
    if (process.getuid?.() === 0) {
      const ro = mountTmpfs("1m", true);
      if (ro === undefined) return t.skip("cannot mount a read-only tmpfs here");
      mounts.push(ro);
      target = ro;
    } else if (process.platform !== "win32") {
      target = join(p.tmp.path, "locked");
      mkdirSync(target);
      chmodSync(target, 0o555);
    } else {
      return t.skip("no permission bits on Windows");
    }
    const r = await cli(["pull", "big", "--to", target, "--json"]);
    expect(r.code).toBe(1);
    const json = jsonOf<ErrorJson>(r);
    expect(json.error.code).toBe("PERMISSION_DENIED");
    expect(json.error.message).toContain(`Cannot write "${target}": permission denied`);
    expect(json.error.message).not.toMatch(/EACCES|EROFS|run the pull again|s3:\/\//);
    expect(r.stderr).toContain("--to DIR");
  });

  it("https:// against a plain-http endpoint says so (ENDPOINT_NOT_TLS), not retried", async () => {
    const https = s3.endpoint.replace(/^http:/, "https:");
    const r = await cli(["ls", "--endpoint", https, "--json"]);
    expect(r.code).toBe(1);
    const json = jsonOf<ErrorJson>(r);
    expect(json.error.code).toBe("ENDPOINT_NOT_TLS");
    expect(json.error.message).toContain(`does not speak https`);
    expect(json.error.message).toContain(`use ${s3.endpoint}`);
    expect(json.error.message).not.toContain("InvalidContentType");
  });
});
