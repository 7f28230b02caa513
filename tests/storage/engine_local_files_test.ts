/** Unit tests of `storage/local_files.ts`: which local files a push considers. */
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { AccsrError } from "../../errors.ts";
import { findLocalFiles, hasGlobMagic } from "../../storage/local_files.ts";

const TREE: Record<string, string> = {
  ".dot.txt": "dot",
  "d/.hidden": "h",
  "d/a.txt": "a",
  "d/sub/b.txt": "bb",
  "d/sub/.hid/c.txt": "c",
  "empty.txt": "",
  "top.txt": "top",
  "x1.csv": "1",
  "x2.csv": "2",
  "xa.csv": "a",
};

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, ...rel.split("/"));
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, content);
  }
}

async function found(pattern: string, base: string): Promise<string[]> {
  return (await findLocalFiles(pattern, base)).map((f) => f.displayPath);
}

async function rejection(p: Promise<unknown>): Promise<AccsrError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AccsrError);
    return e as AccsrError;
  }
  throw new Error("expected a rejection");
}

describe("findLocalFiles", () => {
  let root = "";
  const temps: string[] = [];
  const temp = async () => {
    const d = await mkdtemp(join(tmpdir(), "accsr-local-files-"));
    temps.push(d);
    return d;
  };

  before(async () => {
    root = await temp();
    await write(root, TREE);
  });
  after(async () => {
    for (const d of temps) await rm(d, { recursive: true, force: true });
  });

  it("a file gives itself, with sizes and absolute paths", async () => {
    const files = await findLocalFiles("d/sub/b.txt", root);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({
      displayPath: "d/sub/b.txt",
      absPath: join(root, "d", "sub", "b.txt"),
      size: 2,
    });
  });

  it("a directory gives every file below it, dotfiles included, sorted", async () => {
    expect(await found("d", root)).toEqual([
      "d/.hidden",
      "d/a.txt",
      "d/sub/.hid/c.txt",
      "d/sub/b.txt",
    ]);
    expect(await found("d/", root)).toEqual(await found("d", root));
    expect(await found("./d", root)).toEqual(await found("d", root));
  });

  it('"." gives the whole tree with paths relative to the base', async () => {
    const all = await found(".", root);
    expect(all.sort()).toEqual(Object.keys(TREE).sort());
  });

  it("* does not match dotfiles but walks matched directories fully", async () => {
    expect((await found("*", root)).sort()).toEqual(
      Object.keys(TREE).filter((k) => k !== ".dot.txt").sort(),
    );
    expect(await found(".*", root)).toEqual([".dot.txt"]);
  });

  it("?, [...] and [!...] match one character", async () => {
    expect(await found("x?.csv", root)).toEqual(["x1.csv", "x2.csv", "xa.csv"]);
    expect(await found("x[12].csv", root)).toEqual(["x1.csv", "x2.csv"]);
    expect(await found("x[!12].csv", root)).toEqual(["xa.csv"]);
    expect(await found("x[0-9].csv", root)).toEqual(["x1.csv", "x2.csv"]);
  });

  it("* stays within one path segment", async () => {
    expect(await found("*.txt", root)).toEqual(["empty.txt", "top.txt"]);
    expect(await found("d/*.txt", root)).toEqual(["d/a.txt"]);
    expect(await found("*/a.txt", root)).toEqual(["d/a.txt"]);
  });

  it("** matches any number of directories (not dot directories), each file once", async () => {
    expect((await found("**/*.txt", root)).sort()).toEqual([
      "d/a.txt",
      "d/sub/b.txt",
      "empty.txt",
      "top.txt",
    ]);
    expect(await found("d/**/b.txt", root)).toEqual(["d/sub/b.txt"]);
    const all = await found("d/**", root);
    expect(all.sort()).toEqual(["d/.hidden", "d/a.txt", "d/sub/.hid/c.txt", "d/sub/b.txt"]);
  });

  it("absolute paths and globs give absolute display paths", async () => {
    expect(await found(join(root, "top.txt"), "/somewhere/else")).toEqual([join(root, "top.txt")]);
    expect(await found(join(root, "x[12].csv"), "/somewhere/else")).toEqual([
      join(root, "x1.csv"),
      join(root, "x2.csv"),
    ]);
  });

  it("nothing found is an empty list, not an error", async () => {
    expect(await found("missing.txt", root)).toEqual([]);
    expect(await found("missing/*.txt", root)).toEqual([]);
    expect(await found("*.nothing", root)).toEqual([]);
  });

  it("hasGlobMagic recognises *, ? and [", () => {
    expect(hasGlobMagic("a/*.txt")).toBe(true);
    expect(hasGlobMagic("a?")).toBe(true);
    expect(hasGlobMagic("[ab]")).toBe(true);
    expect(hasGlobMagic("plain/path.txt")).toBe(false);
  });

  it("symlinked files count; symlinked directories are not descended (like os.walk)", async () => {
    const dir = await temp();
    await write(dir, { "t/a.txt": "a", "elsewhere/x.txt": "x" });
    await symlink(join(dir, "t", "a.txt"), join(dir, "t", "link.txt"));
    await symlink(join(dir, "elsewhere"), join(dir, "t", "linkdir"));
    expect(await found("t", dir)).toEqual(["t/a.txt", "t/link.txt"]);
    // a symlinked directory named directly is walked
    expect(await found("t/linkdir", dir)).toEqual(["t/linkdir/x.txt"]);
  });

  it("a broken symbolic link is an error naming it", async () => {
    const dir = await temp();
    await write(dir, { "t/a.txt": "a" });
    await symlink(join(dir, "nowhere"), join(dir, "t", "broken"));
    const e = await rejection(findLocalFiles("t", dir));
    expect(e.code).toBe("LOCAL_PATH_INVALID");
    expect(e.message).toContain("t/broken");
    expect(e.message).toContain("broken symbolic link");
    const direct = await rejection(findLocalFiles("t/broken", dir));
    expect(direct.code).toBe("LOCAL_PATH_INVALID");
  });

  it("a symbolic link loop is an error naming it", async () => {
    const dir = await temp();
    await mkdir(join(dir, "t"));
    await symlink(join(dir, "t", "l2"), join(dir, "t", "l1"));
    await symlink(join(dir, "t", "l1"), join(dir, "t", "l2"));
    const e = await rejection(findLocalFiles("t", dir));
    expect(e.code).toBe("LOCAL_PATH_INVALID");
    expect(e.message).toContain("symbolic link loop");
    await expect(findLocalFiles("t/l1", dir)).rejects.toMatchObject({ code: "LOCAL_PATH_INVALID" });
  });

  // root reads every directory regardless of its mode, so this case cannot fail as root
  it(
    "an unreadable directory is an error naming it",
    { skip: process.getuid?.() === 0 ? "running as root: permissions are not enforced" : false },
    async () => {
      const dir = await temp();
      await write(dir, { "t/locked/a.txt": "a" });
      await chmod(join(dir, "t", "locked"), 0o000);
      try {
        const e = await rejection(findLocalFiles("t", dir));
        expect(e.code).toBe("LOCAL_PATH_INVALID");
        expect(e.message).toContain("permission denied");
      } finally {
        await chmod(join(dir, "t", "locked"), 0o755);
      }
    },
  );
});
