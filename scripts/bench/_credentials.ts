/**
 * Bench row "credential chain vs static keys": the same CLI push of small files (2,000 × 1
 * KiB; smoke: 20) once with static keys in `config.json` and once with `"key": null` so that
 * the AWS SDK's default provider chain finds the same keys in a profile of a temporary shared
 * credentials file (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_PROFILE`; instance metadata disabled).
 * Both go through the lean request path; the chain costs loading the SDK's credential provider
 * package and reading the file. Runs alternate (static, chain, static, …), each into a fresh
 * prefix with a fresh hash cache; medians of wall time and client CPU. Target: chain ≤ 1.1 ×
 * static (client CPU).
 *
 * Standalone: `deno run -A scripts/bench/_credentials.ts --endpoint URL [--files N] [--reps N]
 * [--repo DIR]` (`--repo`: another checkout's CLI, e.g. an older commit, for comparison).
 *
 * @module
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { writeSmallFiles } from "./_data.ts";
import { Admin, type S3Endpoint } from "./_server.ts";
import { fmtS, measure, median, tail } from "./_util.ts";

/** The two ways of passing the keys. */
export type CredentialMode = "static" | "chain";

/**
 * Result of the credential row.
 *
 * @example
 * ```ts
 * import type { CredentialResult } from "./_credentials.ts";
 * const r: CredentialResult = { files: 2000, runs: { static: [], chain: [] } };
 * ```
 */
export interface CredentialResult {
  /** Files per push. */
  files: number;
  /** Every run of each mode: wall and CPU seconds. */
  runs: Record<CredentialMode, { wallS: number; cpuS?: number; rssMiB?: number }[]>;
}

/**
 * Runs the row against `endpoint` (bucket created if missing, its `cred/` prefix emptied
 * afterwards). Throws when a push fails.
 *
 * @example
 * ```ts
 * import { credentialBench } from "./_credentials.ts";
 * const r = await credentialBench({
 *   repo: "/work/main", endpoint: { url: "http://127.0.0.1:27480", key: "test", secret: "testtesttest" },
 *   bucket: "bench-cred", files: 20, reps: 1, work: "/tmp/cred",
 * });
 * console.log(r.runs.chain.length);
 * ```
 */
export async function credentialBench(o: {
  repo: string;
  endpoint: S3Endpoint;
  bucket: string;
  files: number;
  reps: number;
  work: string;
}): Promise<CredentialResult> {
  const work = path.join(o.work, "credentials");
  const data = path.join(work, "data");
  await writeSmallFiles(path.join(data, "cred"), {
    count: o.files,
    size: 1024,
    perDir: 100,
    seed: 11,
  });
  const credFile = path.join(work, "aws-credentials");
  await writeFile(
    credFile,
    `[bench]\naws_access_key_id = ${o.endpoint.key}\naws_secret_access_key = ${o.endpoint.secret}\n`,
  );
  const admin = new Admin(o.endpoint);
  await admin.createBucket(o.bucket);
  const result: CredentialResult = { files: o.files, runs: { static: [], chain: [] } };
  const cli = path.join(o.repo, "cli.ts");
  try {
    for (let rep = 1; rep <= o.reps; rep++) {
      for (const mode of ["static", "chain"] as const) {
        const cwd = path.join(work, `${mode}-${rep}`);
        await mkdir(cwd, { recursive: true });
        const chain = mode === "chain";
        await writeFile(
          path.join(cwd, "config.json"),
          JSON.stringify({
            remote_storage: {
              provider: "s3",
              endpoint: o.endpoint.url,
              key: chain ? null : o.endpoint.key,
              secret: chain ? null : o.endpoint.secret,
              bucket: o.bucket,
              base_path: `cred/${mode}-${rep}`,
            },
          }),
        );
        const m = await measure({
          cmd: Deno.execPath(),
          args: [
            "run",
            "-A",
            "--config",
            path.join(o.repo, "deno.json"),
            cli,
            "push",
            path.join(data, "cred"),
            "--local-path-prefix",
            data,
            "--no-progress",
          ],
          cwd,
          env: {
            ACCSR_CACHE_DIR: path.join(cwd, "cache"),
            DENO_NO_UPDATE_CHECK: "1",
            NO_COLOR: "1",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_CONFIG_FILE: path.join(cwd, "no-aws-config"),
            ...(chain ? { AWS_SHARED_CREDENTIALS_FILE: credFile, AWS_PROFILE: "bench" } : {}),
          },
        }, path.join(work, "time.out"));
        if (m.code !== 0) {
          throw new Error(`accsr push (${mode} credentials) failed: ${tail(m.stderr || m.stdout)}`);
        }
        const n = await admin.count(o.bucket, `cred/${mode}-${rep}/`);
        if (n !== o.files) throw new Error(`${n} objects after the ${mode} push, not ${o.files}`);
        result.runs[mode].push({ wallS: m.wallS, cpuS: m.cpuS, rssMiB: m.rssMiB });
        console.error(
          `  cred  ${mode.padEnd(6)} r${rep} ${fmtS(m.wallS).padStart(7)} cpu ${
            fmtS(m.cpuS).padStart(7)
          }`,
        );
      }
    }
  } finally {
    await admin.empty(o.bucket, "cred/").catch(() => {});
    admin.close();
    await rm(work, { recursive: true, force: true });
  }
  return result;
}

/**
 * The row as report lines, with the target (chain ≤ 1.1 × static client CPU).
 *
 * @example
 * ```ts
 * import { credentialLines } from "./_credentials.ts";
 * console.log(credentialLines({ files: 20, runs: { static: [], chain: [] } }, true).join("\n"));
 * ```
 */
export function credentialLines(r: CredentialResult, smoke: boolean): string[] {
  const wall = (m: CredentialMode) => median(r.runs[m].map((x) => x.wallS));
  const cpu = (m: CredentialMode) => median(r.runs[m].map((x) => x.cpuS));
  const ratio = (a?: number, b?: number) =>
    a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
  const cpuRatio = ratio(cpu("chain"), cpu("static"));
  const wallRatio = ratio(wall("chain"), wall("static"));
  const status = smoke
    ? "not judged (smoke sizes)"
    : cpuRatio === undefined
    ? "NOT MEASURED"
    : cpuRatio <= 1.1
    ? "MET"
    : "NOT MET";
  return [
    `Credential chain vs static keys: accsr push of ${
      r.files.toLocaleString("en-US")
    } × 1 KiB (CLI, lean path both; chain = a profile in AWS_SHARED_CREDENTIALS_FILE), medians of ${r.runs.static.length}:`,
    `  static keys       wall ${fmtS(wall("static")).padStart(7)}  cpu ${
      fmtS(cpu("static")).padStart(7)
    }`,
    `  credential chain  wall ${fmtS(wall("chain")).padStart(7)}  cpu ${
      fmtS(cpu("chain")).padStart(7)
    }`,
    `  chain / static    wall ${wallRatio?.toFixed(2) ?? "-"}  cpu ${
      cpuRatio?.toFixed(2) ?? "-"
    }  (target ≤ 1.10 client CPU: ${status})`,
  ];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      endpoint: { type: "string" },
      files: { type: "string", default: "2000" },
      reps: { type: "string", default: "3" },
      repo: { type: "string" },
    },
  });
  const url = values.endpoint ?? process.env.S3_ENDPOINT;
  if (!url) throw new Error("--endpoint URL (or S3_ENDPOINT) is required");
  const work = await mkdtemp(path.join(os.tmpdir(), "accsr-bench-cred-"));
  try {
    const r = await credentialBench({
      repo: values.repo ?? path.resolve(import.meta.dirname!, "..", ".."),
      endpoint: {
        url,
        key: process.env.S3_ACCESS_KEY ?? "test",
        secret: process.env.S3_SECRET_KEY ?? "testtesttest",
      },
      bucket: `bench-cred-${Date.now().toString(36)}`,
      files: Number(values.files),
      reps: Number(values.reps),
      work,
    });
    console.log(credentialLines(r, false).join("\n"));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
