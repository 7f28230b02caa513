/**
 * A private Ceph radosgw cluster for tests that stop the S3 server mid-transfer (the shared
 * dev server must never be stopped). Started with the project's `scripts/s3/start.sh` in a
 * unique run directory with its own ports; `stopGateway()` kills only radosgw (the OSD keeps
 * the memstore data), `startGateway()` brings it back with the data intact, `stop()` stops
 * everything and removes the run directory.
 *
 * Without the Ceph binaries (`scripts/s3/install.sh` unpacks them into `$CEPH_ROOT`), the
 * tests are skipped with a printed reason, or fail when `ACCSR_REQUIRE_S3=1`.
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

// beside the sources, or (compiled tests run from the npm package) in the repository named by
// ACCSR_REPO_ROOT
const SCRIPTS = process.env.ACCSR_REPO_ROOT
  ? join(process.env.ACCSR_REPO_ROOT, "scripts", "s3") + "/"
  : fileURLToPath(new URL("../../scripts/s3/", import.meta.url));

/** `$CEPH_ROOT` (default `/tmp/ceph-rgw/root`). */
export function cephRoot(): string {
  return process.env.CEPH_ROOT || "/tmp/ceph-rgw/root";
}

/** Why a private radosgw cannot be started here, or undefined when it can. */
export function ownRgwSkipReason(): string | undefined {
  if (!existsSync(join(SCRIPTS, "start.sh"))) {
    return `own radosgw tests skipped: ${SCRIPTS}start.sh not found`;
  }
  if (!existsSync(join(cephRoot(), "usr/bin/radosgw"))) {
    return `own radosgw tests skipped: no Ceph binaries in ${cephRoot()} (run scripts/s3/install.sh, or set CEPH_ROOT)`;
  }
  return undefined;
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: "pipe" });
    let out = "";
    child.stdout.on("data", (c) => out += c);
    child.stderr.on("data", (c) => out += c);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, out });
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.createServer();
    s.once("error", () => res(false));
    s.listen(port, "127.0.0.1", () => s.close(() => res(true)));
  });
}

async function pickBase(lo: number, span: number, width: number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = lo + Math.floor(Math.random() * (span - width));
    let ok = true;
    for (let p = base; p < base + width && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error("no free port range found");
}

function httpStatus(url: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((res) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (r) => {
      r.resume();
      res(r.statusCode);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => res(undefined));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A private radosgw cluster.
 *
 * @example
 * ```ts
 * import { OwnRgw } from "./_rgw.ts";
 * const rgw = await OwnRgw.start();
 * try {
 *   console.log(rgw.endpoint);
 *   await rgw.stopGateway();
 *   await rgw.startGateway();
 * } finally {
 *   await rgw.stop();
 * }
 * ```
 */
export class OwnRgw {
  readonly endpoint: string;
  readonly accessKey = "test";
  readonly secretKey = "testtesttest";
  readonly #runDir: string;

  private constructor(runDir: string, port: number) {
    this.#runDir = runDir;
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  /** Starts mon + OSD + radosgw on free 127.0.0.1 ports (≈1.5 s). */
  static async start(): Promise<OwnRgw> {
    const runDir = await mkdtemp(join(tmpdir(), "accsr-rel-rgw-"));
    let lastOut = "";
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await pickBase(37000, 1000, 1);
      const mon = await pickBase(36000, 500, 1);
      const ms = await pickBase(36500, 500, 8);
      const env = {
        RUN_DIR: runDir,
        MON_PORT: String(mon),
        MS_PORT_MIN: String(ms),
        MS_PORT_MAX: String(ms + 7),
        CEPH_ROOT: cephRoot(),
      };
      const r = await run("bash", [join(SCRIPTS, "start.sh"), String(port)], env, 90_000);
      if (r.code === 0) return new OwnRgw(runDir, port);
      lastOut = r.out;
      await run("bash", [join(SCRIPTS, "stop.sh")], { RUN_DIR: runDir }, 30_000);
    }
    await rm(runDir, { recursive: true, force: true });
    throw new Error(`scripts/s3/start.sh failed 3 times:\n${lastOut.slice(-2000)}`);
  }

  #gatewayPid(): number | undefined {
    try {
      return Number(readFileSync(join(this.#runDir, "run/client.rgw.a.pid"), "utf8").trim());
    } catch {
      return undefined;
    }
  }

  /** Kills radosgw only (SIGKILL: connections drop like a crash); waits until it is gone. */
  async stopGateway(): Promise<void> {
    const pid = this.#gatewayPid();
    if (pid === undefined || !alive(pid)) return;
    process.kill(pid, "SIGKILL");
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (alive(pid)) throw new Error(`radosgw ${pid} did not exit`);
  }

  /** Restarts radosgw on the same port with the same data; waits until it answers. */
  async startGateway(): Promise<void> {
    const root = resolve(cephRoot());
    const env: Record<string, string> = { CEPH_CONF: join(this.#runDir, "ceph.conf") };
    if (root !== "/") {
      env.PATH = `${root}/usr/bin:${process.env.PATH ?? ""}`;
      env.LD_LIBRARY_PATH = [
        `${root}/usr/lib/x86_64-linux-gnu`,
        `${root}/usr/lib/x86_64-linux-gnu/ceph`,
        `${root}/lib/x86_64-linux-gnu`,
        process.env.LD_LIBRARY_PATH,
      ].filter(Boolean).join(":");
    }
    const bin = root === "/" ? "radosgw" : `${root}/usr/bin/radosgw`;
    // Without the metadata cache this gateway sends no watch/notify messages, so it does not
    // wait (≈30 s, the OSD watch timeout) for acknowledgements of the killed instance.
    const r = await run(bin, ["-n", "client.rgw.a", "--rgw_cache_enabled=false"], env, 30_000);
    if (r.code !== 0) throw new Error(`radosgw restart failed: ${r.out.slice(-1000)}`);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (await httpStatus(`${this.endpoint}/`, 1000) === 200) return;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`radosgw did not answer on ${this.endpoint} after a restart`);
  }

  /** Stops every daemon of this cluster and removes its run directory. Idempotent. */
  async stop(): Promise<void> {
    if (!existsSync(this.#runDir)) return;
    await run("bash", [join(SCRIPTS, "stop.sh")], { RUN_DIR: this.#runDir }, 30_000);
    await rm(this.#runDir, { recursive: true, force: true });
  }
}

/**
 * Registers a suite that runs against a private radosgw (started before, stopped after).
 * Without Ceph binaries it is skipped with the reason printed, or fails when
 * `ACCSR_REQUIRE_S3=1`.
 *
 * @example
 * ```ts
 * import { it } from "node:test";
 * import { describeOwnRgw } from "./_rgw.ts";
 * describeOwnRgw("server faults", (rgw) => {
 *   it("knows the endpoint", () => console.log(rgw().endpoint));
 * });
 * ```
 */
export function describeOwnRgw(name: string, fn: (rgw: () => OwnRgw) => void): void {
  const reason = ownRgwSkipReason();
  if (reason === undefined) {
    describe(name, () => {
      let rgw: OwnRgw | undefined;
      before(async () => {
        rgw = await OwnRgw.start();
      });
      after(async () => {
        await rgw?.stop();
      });
      fn(() => {
        if (rgw === undefined) throw new Error("radosgw did not start");
        return rgw;
      });
    });
    return;
  }
  if (process.env.ACCSR_REQUIRE_S3 === "1") {
    describe(name, () => {
      it("requires Ceph binaries (ACCSR_REQUIRE_S3=1)", () => {
        throw new Error(`${reason} — but ACCSR_REQUIRE_S3=1 requires them to run`);
      });
    });
    return;
  }
  console.warn(`${name}: ${reason}`);
  describe(name, () => {
    it(reason, { skip: reason }, () => {});
  });
}
