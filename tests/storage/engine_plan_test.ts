/** Unit tests of `storage/plan.ts`: the pure matching of local files and remote listings. */
import { describe, it } from "node:test";
import { expect } from "expect";
import type { LocalFile } from "../../storage/local_files.ts";
import { matchPull, matchPush, toRemoteObject } from "../../storage/plan.ts";
import type { StoreObject } from "../../storage/stores/types.ts";

const file = (displayPath: string): LocalFile => ({
  displayPath,
  absPath: `/w/${displayPath}`,
  size: 1,
  mtimeMs: 0,
  ino: 1,
});
const obj = (key: string, size = 1): StoreObject => ({
  key,
  size,
  etag: `etag-${key}`,
  md5: undefined,
});
const never = () => false;

describe("toRemoteObject", () => {
  it("prefers the MD5 as hash, keeps the raw ETag", () => {
    expect(toRemoteObject({ key: "a.txt", size: 3, etag: "e", md5: "m" })).toEqual({
      name: "a.txt",
      size: 3,
      hash: "m",
      etag: "e",
    });
    expect(toRemoteObject({ key: "a.txt", size: 3, etag: "abc-2" }).hash).toBe("abc-2");
    expect(toRemoteObject({ key: "a.txt", size: 3 }).hash).toBeUndefined();
  });

  it("keeps dates and metadata, never a leading / in the name", () => {
    const d = new Date(0);
    const r = toRemoteObject({ key: "/x", size: 0, lastModified: d, metadata: { a: "b" } });
    expect(r).toEqual({ name: "x", size: 0, lastModified: d, metadata: { a: "b" } });
  });
});

describe("matchPush", () => {
  it("matches a remote object with exactly the key", () => {
    const [m] = matchPush([{ file: file("a.txt"), key: "a.txt", skip: false }], [
      obj("a.txt"),
      obj("a.txt.bak"),
    ]);
    expect(m.remote?.name).toBe("a.txt");
    expect(m.collidesWith).toEqual([]);
  });

  it("no remote object: remote undefined", () => {
    const [m] = matchPush([{ file: file("new.txt"), key: "ns/new.txt", skip: false }], [
      obj("ns/other.txt"),
    ]);
    expect(m.remote).toBeUndefined();
    expect(m.key).toBe("ns/new.txt");
  });

  it("objects below the key collide (one or many), prefix look-alikes do not", () => {
    const listing = [obj("coll/one.txt"), obj("coll/two.txt"), obj("coll.txt"), obj("collx/y")];
    const [m] = matchPush([{ file: file("coll"), key: "coll", skip: false }], listing);
    expect(m.collidesWith.map((o) => o.name)).toEqual(["coll/one.txt", "coll/two.txt"]);
    expect(m.remote).toBeUndefined();
    const [one] = matchPush([{ file: file("coll"), key: "coll", skip: false }], [
      obj("coll/one.txt"),
    ]);
    expect(one.collidesWith.map((o) => o.name)).toEqual(["coll/one.txt"]);
    expect(one.remote).toBeUndefined();
  });

  it("skipped files get no collisions", () => {
    const [m] = matchPush([{ file: file("coll"), key: "coll", skip: true }], [obj("coll/one.txt")]);
    expect(m.skip).toBe(true);
    expect(m.collidesWith).toEqual([]);
  });

  it('an object "/a.txt" is not the object "a.txt"', () => {
    const [m] = matchPush([{ file: file("a.txt"), key: "a.txt", skip: false }], [obj("/a.txt")]);
    expect(m.remote).toBeUndefined();
    const [n] = matchPush([{ file: file("a.txt"), key: "a.txt", skip: false }], [
      obj("a.txt"),
      obj("/a.txt"),
    ]);
    expect(n.remote?.etag).toBe("etag-a.txt");
  });

  it("keeps the order of the entries", () => {
    const entries = ["c", "a", "b"].map((k) => ({ file: file(k), key: k, skip: false }));
    expect(matchPush(entries, []).map((m) => m.key)).toEqual(["c", "a", "b"]);
  });
});

describe("matchPull", () => {
  it("maps keys relative to the base path and drops objects outside it", () => {
    const m = matchPull([obj("ns/a.txt"), obj("ns/d/b.txt"), obj("nsx/c.txt")], {
      basePath: "ns",
      fullPrefix: "ns/",
      skip: never,
    });
    expect(m.map((x) => [x.key, x.relKey, x.remote.name])).toEqual([
      ["ns/a.txt", "a.txt", "ns/a.txt"],
      ["ns/d/b.txt", "d/b.txt", "ns/d/b.txt"],
    ]);
    expect(m.every((x) => x.problem === undefined && !x.skip)).toBe(true);
  });

  it("drops prefix false positives: file.txt never pulls file.txt.collision", () => {
    const listing = [
      obj("file.txt"),
      obj("file.txt.collision"),
      obj("dir_name/f"),
      obj("dir_name_collision/f"),
    ];
    expect(
      matchPull(listing, { basePath: "", fullPrefix: "file.txt", skip: never }).map((x) =>
        x.relKey
      ),
    )
      .toEqual(["file.txt"]);
    expect(
      matchPull(listing, { basePath: "", fullPrefix: "dir_name", skip: never }).map((x) =>
        x.relKey
      ),
    )
      .toEqual(["dir_name/f"]);
    // a prefix ending in "/" or empty takes everything listed
    expect(matchPull(listing, { basePath: "", fullPrefix: "", skip: never })).toHaveLength(4);
  });

  it("drops folder markers (keys ending in /) unless asked to keep them; empty objects stay", () => {
    const listing = [obj("d/", 0), obj("d/empty.txt", 0), obj("d/a.txt")];
    expect(matchPull(listing, { basePath: "", fullPrefix: "d", skip: never }).map((x) => x.relKey))
      .toEqual([
        "d/empty.txt",
        "d/a.txt",
      ]);
    expect(
      matchPull(listing, { basePath: "", fullPrefix: "d", skip: never, keepFolderMarkers: true })
        .map((x) => x.key),
    ).toEqual(["d/", "d/empty.txt", "d/a.txt"]);
  });

  it("applies the skip predicate to the key relative to the base path", () => {
    const seen: string[] = [];
    const m = matchPull([obj("ns/d/a.txt"), obj("ns/d/b.txt")], {
      basePath: "ns",
      fullPrefix: "ns/d",
      skip: (rel) => (seen.push(rel), rel.endsWith("b.txt")),
    });
    expect(seen).toEqual(["d/a.txt", "d/b.txt"]);
    expect(m.map((x) => x.skip)).toEqual([false, true]);
  });

  it("flags unsafe keys, including a leading /", () => {
    const keys = ["../x", "a/../../x", "/abs", "a//b", "a\\b", "./y"];
    const m = matchPull([...keys.map((k) => obj(k)), obj("ok.txt")], {
      basePath: "",
      fullPrefix: "",
      skip: never,
    });
    const problems = Object.fromEntries(m.map((x) => [x.key, x.problem]));
    for (const k of keys) expect(problems[k]).toMatch(/^unsafe key/);
    expect(problems["/abs"]).toContain("absolute");
    expect(problems["ok.txt"]).toBeUndefined();
  });

  it("flags a key that has other keys below it; skipped objects are not flagged", () => {
    const listing = [obj("p"), obj("p/q"), obj("../evil")];
    const m = matchPull(listing, { basePath: "", fullPrefix: "", skip: (r) => r === "../evil" });
    expect(m.find((x) => x.key === "p")?.problem).toMatch(/other objects exist below "p\/"/);
    expect(m.find((x) => x.key === "p/q")?.problem).toBeUndefined();
    expect(m.find((x) => x.key === "../evil")?.problem).toBeUndefined();
  });

  it('the base path itself (relative key "") is unsafe to pull', () => {
    const [m] = matchPull([obj("ns")], { basePath: "ns", fullPrefix: "ns/", skip: never });
    // a listing of "ns/" never returns "ns"; given anyway, it is refused
    expect(m.relKey).toBe("");
    expect(m.problem).toMatch(/unsafe key/);
  });
});
