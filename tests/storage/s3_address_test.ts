/**
 * The lean path addresses a bucket as the AWS SDK v3 does: for AWS regions of every partition
 * and custom endpoints, virtual-hosted or path-style (names that cannot be a host label,
 * dotted names, IP hosts, `forcePathStyle`), the URL of `ListObjectsV2` built by the SDK (its
 * request captured before it is sent; no network) equals the one `s3Target` builds.
 */
import { describe, it } from "node:test";
import { expect } from "expect";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { awsEndpoint, s3Target, virtualHostable } from "../../storage/stores/_s3_address.ts";

async function sdkUrl(
  bucket: string,
  region: string,
  endpoint: string | undefined,
  forcePathStyle: boolean,
): Promise<string> {
  let url = "";
  const client = new S3Client({
    region,
    endpoint,
    forcePathStyle,
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    maxAttempts: 1,
    requestHandler: {
      handle: (req: { protocol: string; hostname: string; port?: number; path: string }) => {
        url = `${req.protocol}//${req.hostname}${req.port ? `:${req.port}` : ""}${req.path}`;
        return Promise.reject(Object.assign(new Error("captured"), { name: "Captured" }));
      },
    } as unknown as S3Client["config"]["requestHandler"],
  });
  await client.send(new ListObjectsV2Command({ Bucket: bucket })).catch(() => {});
  client.destroy();
  return url;
}

function ourUrl(
  bucket: string,
  region: string,
  endpoint: string | undefined,
  forcePathStyle: boolean,
): string {
  const t = s3Target(bucket, region, endpoint ? new URL(endpoint) : undefined, forcePathStyle);
  return `${t.protocol}//${t.host}${t.bucketPath}/`;
}

const BUCKETS = [
  "my-bucket",
  "a--b",
  "abc",
  "ab",
  "x".repeat(63),
  "x".repeat(64),
  "my.bucket",
  "My_Bucket",
  "UPPER",
  "under_score",
  "-bucket",
  "bucket-",
  "my..bucket",
  "192.168.1.1",
  "bucket--ol-s3",
];
const REGIONS = [
  "us-east-1",
  "eu-central-1",
  "ap-southeast-2",
  "cn-north-1",
  "us-gov-west-1",
  "us-iso-east-1",
  "us-isob-east-1",
  "eu-isoe-west-1",
  "us-isof-south-1",
  "aws-global",
  "mars-1",
];
const ENDPOINTS = [
  "http://127.0.0.1:7480",
  "http://localhost:7480",
  "https://s3.example.com",
  "http://minio.local:9000",
  "http://[::1]:9000",
];

describe("S3 addressing as the AWS SDK builds it", () => {
  it("AWS regions of every partition, virtual-hosted where the bucket name allows", async () => {
    for (const region of REGIONS) {
      for (const bucket of BUCKETS) {
        for (const forcePathStyle of [false, true]) {
          expect(
            `${bucket} ${region} ${forcePathStyle} ${
              ourUrl(bucket, region, undefined, forcePathStyle)
            }`,
          ).toBe(
            `${bucket} ${region} ${forcePathStyle} ${await sdkUrl(
              bucket,
              region,
              undefined,
              forcePathStyle,
            )}`,
          );
        }
      }
    }
  });

  it("custom endpoints: virtual-hosted unless path-style is forced, the host is an IP or the name is no host label", async () => {
    for (const endpoint of ENDPOINTS) {
      for (const bucket of BUCKETS) {
        for (const forcePathStyle of [false, true]) {
          expect(
            `${bucket} ${endpoint} ${forcePathStyle} ${
              ourUrl(bucket, "us-east-1", endpoint, forcePathStyle)
            }`,
          ).toBe(
            `${bucket} ${endpoint} ${forcePathStyle} ${await sdkUrl(
              bucket,
              "us-east-1",
              endpoint,
              forcePathStyle,
            )}`,
          );
        }
      }
    }
  });

  it("an endpoint with a path keeps it; keys and bucket names are encoded", () => {
    const t = s3Target("data", "us-east-1", new URL("https://gw.example.com/s3/"), true);
    expect([t.host, t.bucketPath]).toEqual(["gw.example.com", "/s3/data"]);
    const v = s3Target("data", "us-east-1", new URL("https://gw.example.com/s3/"), false);
    expect([v.host, v.bucketPath, v.hostname]).toEqual([
      "data.gw.example.com",
      "/s3",
      "data.gw.example.com",
    ]);
    expect(s3Target("a b", "us-east-1", undefined, false).bucketPath).toBe("/a%20b");
  });

  it("names under .localhost connect to the loopback address without DNS", async () => {
    const t = s3Target("data", "us-east-1", new URL("http://localhost:7480"), false);
    expect(t.hostname).toBe("data.localhost");
    expect(t.lookup).toBeDefined();
    const address = await new Promise((resolve, reject) =>
      t.lookup!("data.localhost", {}, (e, a) => e ? reject(e) : resolve(a))
    );
    expect(address).toBe("127.0.0.1");
    expect(s3Target("data", "us-east-1", new URL("http://minio.local:9000"), false).lookup)
      .toBeUndefined();
  });

  it("helpers", () => {
    expect(awsEndpoint("cn-north-1").host).toBe("s3.cn-north-1.amazonaws.com.cn");
    expect(virtualHostable("my-data")).toBe(true);
    expect(virtualHostable("my.data")).toBe(false);
  });
});
