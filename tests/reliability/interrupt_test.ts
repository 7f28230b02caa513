/**
 * Interrupted CLI runs against radosgw: real `accsr` processes killed (SIGKILL) or
 * interrupted (SIGINT, SIGTERM) mid-pull and mid-push. Shows that temporary files are never
 * planned for a push, that a rerun leaves exactly the synced files, and that SIGINT/SIGTERM
 * exit with 130/143 within 3 s, leaving no temporary file. Transfers go through the fault
 * proxy, which delays each object request so that the kill lands mid-transfer.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { S3Client } from "@aws-sdk/client-s3";
import { RemoteStorage } from "../../storage/mod.ts";
import { S3Store } from "../../storage/stores/s3.ts";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import {
  adminClient,
  dropBucket,
  leftovers,
  openUploads,
  QUIET,
  randomFiles,
  treeMd5,
} from "./_helpers.ts";
import { FaultProxy } from "./_fault_proxy.ts";
import { runCliProcess, startCli, waitFor, writeS3Config } from "./_cli_process.ts";

const FILES = 300;
const SIZE = 64 * 1024;
/** What the issue allows between the signal and the exit. */
const EXIT_WITHIN_MS = 3_000;

/** The pid of a process that has ended (for a stale temporary file of a dead run). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["--version"]);
  return r.pid!;
}

const INTERRUPTED_LINE =
  /^interrupted: \d+ of \d+ files transferred; run the same command again to finish$/m;

describeS3("interrupted CLI runs (radosgw, real processes)", (s3) => {
  let proxy: FaultProxy;
  let admin: S3Client;
  let tmp = "";
  let source = "";
  let expected: Record<string, string> = {};
  const bucket = uniqueBucketName("accsr-rel-intr");
  const env = { TEST_S3_SECRET: s3.secretAccessKey };

  before(async () => {
    proxy = await FaultProxy.start(s3.endpoint);
    admin = adminClient(s3.endpoint, s3.accessKeyId, s3.secretAccessKey);
    tmp = await mkdtemp(join(tmpdir(), "accsr-rel-intr-"));
    source = join(tmp, "source");
    await randomFiles(join(source, "d"), FILES, SIZE);
    expected = await treeMd5(source);
    const store = new S3Store({
      bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    await store.createBucket();
    const storage = new RemoteStorage({ provider: "s3", bucket, basePath: "ns" }, {
      store,
      events: QUIET,
    });
    await storage.push("d", { localPathPrefix: source });
    await store.close();
  });
  after(async () => {
    await proxy.close();
    await dropBucket(admin, bucket);
    admin.destroy();
    await rm(tmp, { recursive: true, force: true });
  });

  /** A project folder whose config points at the bucket through the proxy. */
  async function project(name: string): Promise<string> {
    const cwd = join(tmp, name);
    await mkdir(cwd, { recursive: true });
    await writeS3Config(cwd, {
      endpoint: proxy.url,
      region: s3.region,
      bucket,
      key: s3.accessKeyId,
      basePath: "ns",
    });
    return cwd;
  }

  /** Object GETs seen by the proxy (not listings). */
  const objectGets = () =>
    proxy.requests.filter((r) => r.method === "GET" && r.query === "").length;

  function slowGets() {
    proxy.reset();
    proxy.addRule({ method: "GET", query: /^$/, action: { delayMs: 40 } });
  }

  it("SIGKILL mid-pull: no temporary file is planned for a push; the rerun leaves exactly the synced files", async () => {
    const cwd = await project("kill");
    const out = join(cwd, "out");
    // temporary files of an earlier run that died, and of a run still in progress
    await mkdir(join(out, "d"), { recursive: true });
    const stale = join(out, "d", `.accsr-${deadPid()}-0123456789ab.part`);
    const inProgress = join(out, "d", `.accsr-${process.pid}-0123456789ab.part`);
    await writeFile(stale, "stale");
    await writeFile(inProgress, "in progress");

    slowGets();
    const p = startCli(["pull", ".", "--to", "out"], cwd, env);
    expect(await waitFor(() => objectGets() >= FILES / 3)).toBe(true);
    p.kill("SIGKILL");
    const killed = await p.exited;
    expect(killed.signal).toBe("SIGKILL");
    const left = (await leftovers(out)).filter((f) => f !== inProgress && f !== stale);
    console.log(`  SIGKILL after ${objectGets()} GETs: ${left.length} temporary file(s) left`);

    // a push of that folder plans none of them, whatever --include says
    const plan = await runCliProcess(
      ["push", "out", "--dry-run", "--json", "--include", ".*"],
      cwd,
      env,
    );
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as { not_on_target: { local_path: string }[] };
    expect(planned.not_on_target.length).toBeGreaterThan(0);
    expect(plan.stdout).not.toContain(".accsr-");
    expect(plan.stdout).not.toContain(".part");

    proxy.reset();
    const rerun = await runCliProcess(["pull", ".", "--to", "out"], cwd, env);
    expect(rerun.code).toBe(0);
    // the other run's file stays; everything else is exactly the synced tree
    expect(await leftovers(out)).toEqual([inProgress]);
    await rm(inProgress);
    expect(await treeMd5(out)).toEqual(expected);
  });

  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const code = sig === "SIGINT" ? 130 : 143;
    it(`${sig} mid-pull: exit ${code} within 3 s, one-line report, no temporary file; the rerun finishes`, async () => {
      const cwd = await project(`pull-${sig}`);
      const out = join(cwd, "out");
      slowGets();
      const p = startCli(["pull", ".", "--to", "out"], cwd, env);
      expect(await waitFor(() => objectGets() >= FILES / 3)).toBe(true);
      const t0 = Date.now();
      p.kill(sig);
      const r = await p.exited;
      const ms = Date.now() - t0;
      console.log(`  ${sig}: exited ${r.code} after ${ms} ms`);
      expect(r.code).toBe(code);
      expect(ms).toBeLessThan(EXIT_WITHIN_MS);
      expect(r.stderr).toMatch(INTERRUPTED_LINE);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(await leftovers(out)).toEqual([]);
      // every file present is complete
      const got = await treeMd5(out);
      for (const [name, md5] of Object.entries(got)) expect(md5).toBe(expected[name]);

      proxy.reset();
      const rerun = await runCliProcess(["pull", ".", "--to", "out"], cwd, env);
      expect(rerun.code).toBe(0);
      expect(await treeMd5(out)).toEqual(expected);
    });
  }

  it("--json: an interrupted pull prints an error object with code INTERRUPTED", async () => {
    const cwd = await project("json");
    slowGets();
    const p = startCli(["pull", ".", "--to", "out", "--json"], cwd, env);
    expect(await waitFor(() => objectGets() >= FILES / 4)).toBe(true);
    p.kill("SIGINT");
    const r = await p.exited;
    expect(r.code).toBe(130);
    const doc = JSON.parse(r.stdout) as {
      error: { code: string; exit_code: number; message: string };
      synced_files: unknown[];
    };
    expect(doc.error.code).toBe("INTERRUPTED");
    expect(doc.error.exit_code).toBe(130);
    expect(doc.error.message).toMatch(INTERRUPTED_LINE);
    expect(doc.synced_files.length).toBeGreaterThan(0);
    expect(await leftovers(join(cwd, "out"))).toEqual([]);
  });

  it("a second Ctrl-C exits at once", async () => {
    const cwd = await project("twice");
    proxy.reset();
    // every object request hangs: the first Ctrl-C alone would take the grace period
    proxy.addRule({ method: "GET", query: /^$/, action: "hang" });
    const p = startCli(["pull", ".", "--to", "out"], cwd, env);
    expect(await waitFor(() => objectGets() >= 4)).toBe(true);
    p.kill("SIGINT");
    p.kill("SIGINT");
    const r = await p.exited;
    expect(r.code).toBe(130);
    expect(await leftovers(join(cwd, "out"))).toEqual([]);
    proxy.reset();
  });

  it("SIGINT mid-push: exit 130, objects complete or absent, no multipart upload open", async () => {
    const cwd = await project("push");
    await randomFiles(join(cwd, "up"), 120, SIZE);
    const local = await treeMd5(join(cwd, "up"));
    proxy.reset();
    proxy.addRule({ method: "PUT", action: { delayMs: 40 } });
    const p = startCli(["push", "up"], cwd, env);
    const puts = () => proxy.requests.filter((r) => r.method === "PUT").length;
    expect(await waitFor(() => puts() >= 30)).toBe(true);
    p.kill("SIGINT");
    const r = await p.exited;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(INTERRUPTED_LINE);
    proxy.reset();
    const listed = await runCliProcess(["ls", "up/", "--json"], cwd, env);
    const objects = JSON.parse(listed.stdout) as { name: string; hash: string }[];
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.length).toBeLessThan(120);
    for (const o of objects) expect(o.hash).toBe(local[o.name.slice("ns/up/".length)]);
    expect(await openUploads(admin, bucket)).toEqual([]);
    const rerun = await runCliProcess(["push", "up"], cwd, env);
    expect(rerun.code).toBe(0);
    expect((await readdir(join(cwd, "up"))).length).toBe(120);
  });
});

describe("temporary file names", () => {
  it("are recognised whatever the pid and token", async () => {
    const { isTempFileName, tempFileName } = await import("../../storage/temp_files.ts");
    expect(isTempFileName(tempFileName())).toBe(true);
    expect(isTempFileName(".accsr-0123456789ab.part")).toBe(true);
    expect(isTempFileName("accsr-1.part")).toBe(false);
  });
});
