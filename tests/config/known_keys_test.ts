import { describe, it } from "node:test";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "expect";
import { closestKnownKey, KNOWN_SECTION_KEYS, REMOTE_STORAGE_KEYS } from "../../config/mod.ts";

const SOURCE = fileURLToPath(new URL("../../storage/storage_config.ts", import.meta.url));

describe("known keys of remote_storage", () => {
  it("cover every field of RemoteStorageConfig", { skip: !existsSync(SOURCE) }, () => {
    const text = readFileSync(SOURCE, "utf8");
    const body = /export interface RemoteStorageConfig \{([\s\S]*?)\n\}/.exec(text)![1];
    const fields = [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
    expect(fields.length).toBeGreaterThan(10);
    expect(fields.filter((f) => !REMOTE_STORAGE_KEYS.includes(f))).toEqual([]);
    expect(KNOWN_SECTION_KEYS.remote_storage).toBe(REMOTE_STORAGE_KEYS);
  });

  it("suggest the closest known key", () => {
    expect(closestKnownKey("bucekt", REMOTE_STORAGE_KEYS)).toBe("bucket");
    expect(closestKnownKey("BasePath", REMOTE_STORAGE_KEYS)).toBe("basePath");
    expect(closestKnownKey("provder", REMOTE_STORAGE_KEYS)).toBe("provider");
    expect(closestKnownKey("completely_different", REMOTE_STORAGE_KEYS)).toBeUndefined();
  });
});
