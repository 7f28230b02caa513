/** Unit tests of `storage/keys.ts`: base paths, key joining, unsafe keys, local mapping. */
import { describe, it } from "node:test";
import { expect } from "expect";
import * as path from "node:path";
import {
  commonPrefix,
  joinKey,
  keyToLocalPath,
  normalizeBasePath,
  relativeKey,
  unsafeKeyReason,
} from "../../storage/keys.ts";

describe("normalizeBasePath", () => {
  const cases: [string | null | undefined, string][] = [
    [null, ""],
    [undefined, ""],
    ["", ""],
    ["/", ""],
    ["  ", ""],
    [" /a/b/ ", "a/b"],
    [" /a//b/ ", "a/b"],
    ["//a", "a"],
    ["a/", "a"],
    ["./a/./b/.", "a/b"],
    ["ns/v1", "ns/v1"],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      expect(normalizeBasePath(input)).toBe(expected);
    });
  }

  it("refuses .. segments with a RangeError", () => {
    expect(() => normalizeBasePath("a/../b")).toThrow(RangeError);
    expect(() => normalizeBasePath("..")).toThrow(/"\.\."/);
  });

  it("refuses non-strings with a TypeError", () => {
    expect(() => normalizeBasePath(42 as unknown as string)).toThrow(TypeError);
  });
});

describe("joinKey", () => {
  it("joins with / and drops empty and . segments", () => {
    expect(joinKey("base", "/d/a.txt")).toBe("base/d/a.txt");
    expect(joinKey("", "x")).toBe("x");
    expect(joinKey("", "")).toBe("");
    expect(joinKey("a/", "/b//c/", "./d")).toBe("a/b/c/d");
    expect(joinKey("base", "/tmp/x/f.txt")).toBe("base/tmp/x/f.txt");
  });

  it("never produces //, a leading / or a trailing /", () => {
    for (const parts of [["a/", "/b"], ["/", "/"], ["x//", "//y//"], ["", "/abs/p"]]) {
      const k = joinKey(...parts);
      expect(k).not.toContain("//");
      expect(k.startsWith("/")).toBe(false);
      expect(k.endsWith("/")).toBe(false);
    }
  });
});

describe("relativeKey", () => {
  it("strips the base path (path-component aware)", () => {
    expect(relativeKey("ns/v1", "ns/v1/d/a.txt")).toBe("d/a.txt");
    expect(relativeKey("ns", "ns")).toBe("");
    expect(relativeKey("ns", "nsx/a")).toBeUndefined();
    expect(relativeKey("ns", "other/a")).toBeUndefined();
    expect(relativeKey("", "a/b")).toBe("a/b");
  });
});

describe("unsafeKeyReason", () => {
  const unsafe: [string, RegExp][] = [
    ["", /empty/],
    ["../x", /"\.\."/],
    ["a/../../x", /"\.\."/],
    ["a/..", /"\.\."/],
    ["/abs", /absolute/],
    ["a//b", /empty segment/],
    ["a/", /empty segment/],
    ["a\\b", /backslash/],
    ["..\\x", /backslash/],
    ["./y", /"\."/],
    ["a/./b", /"\."/],
    ["C:/x", /drive letter/],
    ["c:x", /drive letter/],
    ["a\0b", /NUL/],
  ];
  for (const [key, reason] of unsafe) {
    it(`refuses ${JSON.stringify(key)}`, () => {
      expect(unsafeKeyReason(key)).toMatch(reason);
    });
  }

  for (
    const key of ["a.txt", "d/sub/b.txt", ".hidden", "d/.hidden", "a..b", "...", "x y/z", "ü/ñ.txt"]
  ) {
    it(`accepts ${JSON.stringify(key)}`, () => {
      expect(unsafeKeyReason(key)).toBeUndefined();
    });
  }
});

describe("keyToLocalPath", () => {
  const base = path.resolve("/data/base");

  it("maps a key below the base directory", () => {
    expect(keyToLocalPath(base, "d/a.txt")).toBe(path.join(base, "d", "a.txt"));
    expect(keyToLocalPath(base, "a..b")).toBe(path.join(base, "a..b"));
  });

  it("resolves a relative base directory", () => {
    expect(path.isAbsolute(keyToLocalPath("rel/dir", "a.txt"))).toBe(true);
  });

  for (const key of ["", "../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "C:/x", "./x"]) {
    it(`throws a RangeError for ${JSON.stringify(key)}`, () => {
      expect(() => keyToLocalPath(base, key)).toThrow(RangeError);
    });
  }
});

describe("commonPrefix", () => {
  it("is the longest common string prefix", () => {
    expect(commonPrefix([])).toBe("");
    expect(commonPrefix(["d/a.txt"])).toBe("d/a.txt");
    expect(commonPrefix(["d/a.txt", "d/sub/b.txt"])).toBe("d/");
    expect(commonPrefix(["sample.txt", "sample_2.txt"])).toBe("sample");
    expect(commonPrefix(["a", "b"])).toBe("");
    expect(commonPrefix(["ns/x", "ns/x"])).toBe("ns/x");
  });

  it("a listing of the prefix sees every key and everything below each key", () => {
    const keys = ["ns/a.txt", "ns/d/b.txt", "ns/coll"];
    const p = commonPrefix(keys);
    for (const k of keys) {
      expect(k.startsWith(p)).toBe(true);
      expect(`${k}/below`.startsWith(p)).toBe(true);
    }
  });
});
