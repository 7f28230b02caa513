import { join } from "node:path";
import { after, it } from "node:test";
import { DeleteBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "expect";
import { describeS3, uniqueBucketName } from "../storage/_s3_env.ts";
import { type CliResult, jsonOf, project, readText, writeFiles } from "./_helpers.ts";

const MD5_AAA = "47bce5c74f589f4867dbd57e9ca9f808";

describeS3("accsr CLI against a real S3 server", (s3) => {
  const bucket = uniqueBucketName("accsr-cli");
  const p = project({
    config: {
      provider: "s3",
      // host/port/secure: keys Python accsr accepts too (endpoint would warn)
      host: new URL(s3.endpoint).hostname,
      port: Number(new URL(s3.endpoint).port),
      secure: new URL(s3.endpoint).protocol === "https:",
      region: s3.region,
      bucket,
      key: s3.accessKeyId,
      secret: "env:TEST_S3_SECRET",
      base_path: "cli/ns",
    },
  });
  const env = { TEST_S3_SECRET: s3.secretAccessKey };
  const cli = (argv: string[], e: Record<string, string> = env): Promise<CliResult> =>
    p.cli(argv, { env: e });
  const noSecret = (r: CliResult) => {
    expect(r.stdout).not.toContain(s3.secretAccessKey);
    expect(r.stderr).not.toContain(s3.secretAccessKey);
    return r;
  };

  after(async () => {
    try {
      await cli(["rm", ".", "--base-path", ""]);
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      });
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    } finally {
      p.tmp.remove();
    }
  });

  it("round trip: create-bucket, push, ls, status, conflict, force, pull, rm", async () => {
    expect(noSecret(await cli(["create-bucket"]))).toMatchObject({ code: 0 });
    expect((await cli(["create-bucket"])).code).toBe(0);
    const nope = noSecret(await cli(["create-bucket", "--no-exist-ok"]));
    expect(nope.code).toBe(1);

    const pushed = noSecret(await cli(["push", "data", "top.txt"]));
    expect(pushed).toMatchObject({
      code: 0,
      stdout: "pushed 3 files (8 B); 0 unchanged\n",
      stderr: "",
    });

    const long = noSecret(await cli(["ls", "data/a", "-l"]));
    expect(long.stdout).toContain(`${MD5_AAA}  data/a.txt`);
    const listed = jsonOf<{ name: string; path: string; hash: string }[]>(
      await cli(["ls", "--json"]),
    );
    expect(listed.map((o) => o.name).sort()).toEqual([
      "cli/ns/data/a.txt",
      "cli/ns/data/sub/b.txt",
      "cli/ns/top.txt",
    ]);

    writeFiles(p.cwd, { "top.txt": "changed" });
    const status = jsonOf<{ push: { summary: { files_to_sync: number }; refused: boolean } }>(
      await cli(["status", "--json", "--exclude", "config"]),
    );
    expect(status.push.summary.files_to_sync).toBe(1);
    expect(status.push.refused).toBe(true);

    const refused = noSecret(await cli(["push", "top.txt"]));
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^error: Cannot push: 1 file\(s\) differ/);
    expect(noSecret(await cli(["push", "top.txt", "--force"])).code).toBe(0);

    const out = join(p.tmp.path, "copy");
    const pulled = noSecret(await cli(["pull", ".", "--to", out, "--json"]));
    expect(jsonOf<{ summary: { synced_files: number } }>(pulled).summary.synced_files).toBe(3);
    expect(readText(out, "top.txt")).toBe("changed");
    expect(readText(out, "data/sub/b.txt")).toBe("bb");

    const dry = jsonOf<{ deleted: unknown[] }>(await cli(["rm", "data", "--dry-run", "--json"]));
    expect(dry.deleted).toHaveLength(2);
    expect((await cli(["rm", "data"])).stdout).toContain("deleted 2 objects (5 B)");
    expect((await cli(["ls"])).stdout).toBe("top.txt\n");
  });

  it("takes credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY with flags only", async () => {
    const flags = [
      "--provider",
      "s3",
      "--endpoint",
      s3.endpoint,
      "--bucket",
      bucket,
      "--base-path",
      "cli/env",
    ];
    const awsEnv = {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_REGION: s3.region,
    };
    const r = noSecret(
      await cli(["push", "top.txt", "--config-dir", p.tmp.path, ...flags], awsEnv),
    );
    expect(r.code).toBe(0);
    expect(noSecret(await cli(["ls", "--config-dir", p.tmp.path, ...flags], awsEnv)).stdout).toBe(
      "top.txt\n",
    );
  });

  it("a wrong secret fails (exit 1) with a hint and without printing the secret", async () => {
    const wrong = "wrong-secret-value-123";
    const r = await cli(["ls", "--debug"], { TEST_S3_SECRET: wrong });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).toContain("hint: ");
    expect(r.stderr).not.toContain(wrong);
    expect(r.stdout).not.toContain(wrong);
  });
});
