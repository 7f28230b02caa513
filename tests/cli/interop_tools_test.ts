/**
 * Interop against the real radosgw: objects uploaded as multipart by other tools — aws-cli (8,
 * 5 and 16 MiB parts), rclone (7 MiB parts, with and without its `md5chksum` metadata), s3cmd
 * (15 MiB parts), boto3 (8 MiB) and the Node SDK's `@aws-sdk/lib-storage` helper (5 MiB) —
 * are shown as unchanged next to identical local files, in both directions (`status`, push and
 * pull dry runs). An object with part sizes that are no whole MiB or MB and no recorded MD5 is
 * "cannot compare" in text (with the way out) and `uncomparable` in JSON, never "differs"; a
 * real push is still refused without `--force`, and `--force` makes it comparable.
 *
 * Tools that are not installed are skipped with the reason (scripts/test.sh installs them).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { after, before, it } from "node:test";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "npm:@aws-sdk/lib-storage@^3.1175.0";
import { expect } from "expect";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { type CliResult, jsonOf, project } from "./_helpers.ts";

const MiB = 1024 * 1024;
const BASE = "interop";

/** Runs a command; resolves with its exit code and output (never rejects). */
function sh(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string }> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) {
    if (v !== undefined) merged[k] = v;
  }
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: merged, maxBuffer: 16 * MiB, timeout: 300_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
        resolve({ code, out: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

type Entries = { remote_path: string; uncomparable?: string }[];
interface Plan {
  on_target_eq_md5: Entries;
  on_target_neq_md5: Entries;
  refused: boolean;
}

describeS3("interop: objects uploaded by other tools (radosgw)", (s3) => {
  const bucket = uniqueBucketName("accsr-interop");
  const p = project({
    config: {
      provider: "s3",
      endpoint: s3.endpoint,
      region: s3.region,
      bucket,
      key: s3.accessKeyId,
      secret: "env:TEST_S3_SECRET",
      base_path: BASE,
    },
  });
  const env = { TEST_S3_SECRET: s3.secretAccessKey };
  const cli = (argv: string[]): Promise<CliResult> => p.cli(argv, { env });
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const host = new URL(s3.endpoint).host;
  const toolEnv = {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_DEFAULT_REGION: s3.region,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const local = (name: string) => join(p.cwd, "data", name);
  const key = (name: string) => `${BASE}/data/${name}`;
  /** name → why it was not uploaded (tool missing or failing). */
  const skipped: Record<string, string> = {};
  const uploaded: string[] = [];
  let status: { push: Plan; pull: Plan } | undefined;
  let statusText = "";
  let pushDry: CliResult | undefined;
  let pullDry: CliResult | undefined;
  let pushDryJson: Plan | undefined;
  let pullDryJson: Plan | undefined;

  const file = (name: string, size: number) => {
    mkdirSync(join(p.cwd, "data"), { recursive: true });
    writeFileSync(local(name), randomBytes(size));
  };
  const upload = async (
    name: string,
    size: number,
    tool: string,
    run: () => Promise<{ code: number; out: string }>,
  ) => {
    file(name, size);
    const r = await run();
    if (r.code === 0) uploaded.push(name);
    else skipped[name] = `${tool} failed or is missing (exit ${r.code}): ${r.out.slice(-400)}`;
  };

  before(async () => {
    expect((await cli(["create-bucket"])).code).toBe(0);
    const tmp = join(p.tmp.path, "tools");
    mkdirSync(tmp, { recursive: true });

    // aws-cli: part size from its config file
    const awsCli = (name: string, size: number, partMiB: number) =>
      upload(name, size, "aws-cli", async () => {
        const config = join(tmp, `aws-${partMiB}.cfg`);
        writeFileSync(
          config,
          `[default]\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = ${partMiB}MB\n`,
        );
        return await sh("aws", [
          "--endpoint-url",
          s3.endpoint,
          "s3",
          "cp",
          "--only-show-errors",
          local(name),
          `s3://${bucket}/${key(name)}`,
        ], { ...toolEnv, AWS_CONFIG_FILE: config });
      });
    await awsCli("aws-8mib.bin", 17 * MiB + 11, 8);
    await awsCli("aws-5mib.bin", 11 * MiB + 3, 5);
    await awsCli("aws-16mib.bin", 33 * MiB + 5, 16);

    // rclone: 7 MiB chunks, with (default) and without its md5chksum metadata
    const rcloneEnv = {
      RCLONE_CONFIG: join(tmp, "rclone.conf"),
      RCLONE_CONFIG_RGW_TYPE: "s3",
      RCLONE_CONFIG_RGW_PROVIDER: "Ceph",
      RCLONE_CONFIG_RGW_ACCESS_KEY_ID: s3.accessKeyId,
      RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY: s3.secretAccessKey,
      RCLONE_CONFIG_RGW_ENDPOINT: s3.endpoint,
      RCLONE_CONFIG_RGW_REGION: s3.region,
      AWS_CA_BUNDLE: undefined, // rclone refuses a CA bundle on a plain-http endpoint
    };
    writeFileSync(rcloneEnv.RCLONE_CONFIG, "");
    const rclone = (name: string, size: number, extra: string[]) =>
      upload(name, size, "rclone", () =>
        sh("rclone", [
          "copyto",
          "--s3-chunk-size",
          "7M",
          "--s3-upload-cutoff",
          "5M",
          "--s3-no-check-bucket",
          ...extra,
          local(name),
          `rgw:${bucket}/${key(name)}`,
        ], rcloneEnv));
    await rclone("rclone-md5.bin", 30 * MiB, []);
    await rclone("rclone-nomd5.bin", 20 * MiB + 9, ["--s3-disable-checksum"]);

    // s3cmd: 15 MiB chunks (it records s3cmd-attrs with the MD5)
    await upload("s3cmd-15mib.bin", 31 * MiB + 1, "s3cmd", async () => {
      const config = join(tmp, "s3cmd.cfg");
      writeFileSync(
        config,
        `[default]\naccess_key = ${s3.accessKeyId}\nsecret_key = ${s3.secretAccessKey}\n` +
          `host_base = ${host}\nhost_bucket = ${host}\nuse_https = False\nsignature_v2 = False\n` +
          `bucket_location = ${s3.region}\n`,
      );
      return await sh("s3cmd", [
        "-c",
        config,
        "--multipart-chunk-size-mb=15",
        "--no-progress",
        "put",
        local("s3cmd-15mib.bin"),
        `s3://${bucket}/${key("s3cmd-15mib.bin")}`,
      ]);
    });

    // boto3 (Debian's python3-boto3): upload_file with 8 MiB parts
    await upload("boto3-8mib.bin", 17 * MiB + 7, "boto3", async () => {
      const script = [
        "import sys, boto3",
        "from boto3.s3.transfer import TransferConfig",
        "from botocore.config import Config",
        "c = boto3.client('s3', endpoint_url=sys.argv[1], region_name=sys.argv[2],",
        "    config=Config(s3={'addressing_style': 'path'}))",
        "t = TransferConfig(multipart_threshold=8*1024*1024, multipart_chunksize=8*1024*1024)",
        "c.upload_file(sys.argv[3], sys.argv[4], sys.argv[5], Config=t)",
      ].join("\n");
      const py = await sh("/usr/bin/python3", ["-c", "import boto3"]);
      return await sh(py.code === 0 ? "/usr/bin/python3" : "python3", [
        "-c",
        script,
        s3.endpoint,
        s3.region,
        local("boto3-8mib.bin"),
        bucket,
        key("boto3-8mib.bin"),
      ], toolEnv);
    });

    // the Node SDK's multipart helper (@aws-sdk/lib-storage), 5 MiB parts
    await upload("sdk-lib-storage.bin", 11 * MiB + 13, "@aws-sdk/lib-storage", async () => {
      try {
        const { readFileSync } = await import("node:fs");
        await new Upload({
          client,
          params: {
            Bucket: bucket,
            Key: key("sdk-lib-storage.bin"),
            Body: readFileSync(local("sdk-lib-storage.bin")),
          },
          partSize: 5 * MiB,
          queueSize: 2,
        }).done();
        return { code: 0, out: "" };
      } catch (e) {
        return { code: 1, out: String(e) };
      }
    });

    // non-MiB, non-MB parts (5 MiB + 7 B) and no metadata: cannot be compared
    file("odd-parts.bin", 11 * MiB + 100);
    {
      const { readFileSync } = await import("node:fs");
      const body = readFileSync(local("odd-parts.bin"));
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key("odd-parts.bin") }),
      );
      const part = 5 * MiB + 7;
      const parts = [];
      for (let i = 0, n = 1; i < body.length; i += part, n++) {
        const r = await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key("odd-parts.bin"),
            UploadId,
            PartNumber: n,
            Body: body.subarray(i, i + part),
          }),
        );
        parts.push({ PartNumber: n, ETag: r.ETag });
      }
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key("odd-parts.bin"),
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    }

    const st = await cli(["status", "data", "--json"]);
    expect(st.code).toBe(0);
    status = jsonOf(st);
    statusText = (await cli(["status", "data"])).stdout;
    pushDry = await cli(["push", "data", "--dry-run"]);
    pullDry = await cli(["pull", "data", "--dry-run"]);
    pushDryJson = jsonOf(await cli(["push", "data", "--dry-run", "--json"]));
    pullDryJson = jsonOf(await cli(["pull", "data", "--dry-run", "--json"]));
  });

  after(async () => {
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length > 0) {
        await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }),
        );
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
      p.tmp.remove();
    }
  });

  const names = (plan: Plan | undefined, field: "on_target_eq_md5" | "on_target_neq_md5") =>
    (plan?.[field] ?? []).map((o) => o.remote_path);

  const tools: [string, string][] = [
    ["aws-cli, 8 MiB parts", "aws-8mib.bin"],
    ["aws-cli, 5 MiB parts", "aws-5mib.bin"],
    ["aws-cli, 16 MiB parts", "aws-16mib.bin"],
    ["rclone, 7 MiB parts with md5chksum", "rclone-md5.bin"],
    ["rclone, 7 MiB parts without md5chksum", "rclone-nomd5.bin"],
    ["s3cmd, 15 MiB parts", "s3cmd-15mib.bin"],
    ["boto3, 8 MiB parts", "boto3-8mib.bin"],
    ["@aws-sdk/lib-storage, 5 MiB parts", "sdk-lib-storage.bin"],
  ];
  for (const [what, name] of tools) {
    it(`${what}: identical file unchanged in status, push and pull dry runs`, async (t) => {
      if (skipped[name] !== undefined) {
        console.log(`skipped ${what}: ${skipped[name]}`);
        t.skip(skipped[name]);
        return;
      }
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key(name) }));
      expect(head.ETag).toMatch(/-\d+"$/); // really multipart, so the ETag is no MD5
      // what each tool records (the test covers both ways: recorded MD5, part-size probe)
      const meta = Object.keys(head.Metadata ?? {}).sort();
      if (name === "rclone-md5.bin") expect(meta).toContain("md5chksum");
      if (name === "s3cmd-15mib.bin") expect(meta).toContain("s3cmd-attrs");
      if (!["rclone-md5.bin", "s3cmd-15mib.bin"].includes(name)) {
        expect(meta.filter((m) => /md5|s3cmd/.test(m))).toEqual([]);
      }
      const remote = key(name);
      for (const plan of [status?.push, status?.pull, pushDryJson, pullDryJson]) {
        expect(names(plan, "on_target_eq_md5")).toContain(remote);
        expect(names(plan, "on_target_neq_md5")).not.toContain(remote);
      }
    });
  }

  it("non-MiB part sizes without metadata: 'cannot compare' in text, uncomparable in JSON", async () => {
    const remote = key("odd-parts.bin");
    for (const plan of [status?.push, status?.pull, pushDryJson, pullDryJson]) {
      const entry = plan?.on_target_neq_md5.find((o) => o.remote_path === remote);
      expect(entry?.uncomparable).toMatch(/no recorded MD5/);
      expect(names(plan, "on_target_eq_md5")).not.toContain(remote);
      expect(plan?.refused).toBe(true);
    }
    for (const text of [statusText, pushDry!.stdout, pullDry!.stdout]) {
      expect(text).toContain("1 cannot compare (needs --force)");
      expect(text).toMatch(/cannot compare\s+data\/odd-parts\.bin\s+.*no recorded MD5/);
      expect(text).toContain("--force replaces");
      expect(text).not.toMatch(/differs?\b/);
    }
    expect(statusText).toContain(`${uploaded.length} unchanged`);
    expect(pushDry!.stdout).toContain(`${uploaded.length} unchanged`);
    expect(pushDry!.stdout).toContain("a real push would be refused");

    // refusal semantics unchanged: nothing moves without --force; the message says why
    const refused = await cli(["push", "data"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("1 file(s) cannot be compared");
    expect(refused.stderr).not.toMatch(/file\(s\) differ/);
    expect(refused.stderr).toContain("--force");

    // the way out: --force replaces it with an upload whose MD5 is recorded
    const forced = await cli(["push", "data/odd-parts.bin", "--force"]);
    expect(forced.code).toBe(0);
    const again = jsonOf<{ push: Plan }>(await cli(["status", "data", "--json"]));
    expect(names(again.push, "on_target_eq_md5")).toContain(remote);
    expect(again.push.on_target_neq_md5).toEqual([]);
  });
});
