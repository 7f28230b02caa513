/**
 * `.accsrignore` files: pattern rebasing (pure), the matcher on a real tree, and agreement
 * with `git check-ignore` on a tree with nested ignore files and negations (when git is
 * installed).
 */
import { describe, it } from "node:test";
import { expect } from "expect";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IgnoreMatcher, rebasePatterns } from "../../storage/ignore_files.ts";
import { isProtectedLocalPath, isReservedRemoteKey } from "../../storage/plan.ts";
import { filesBelow } from "../../storage/local_files.ts";
import { writeTree } from "./_providers.ts";
import { IGNORE_TREE, IGNORE_TREE_KEPT } from "./_ignore_tree.ts";

function hasGit(): boolean {
  try {
    execFileSync("git", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("ignore files", () => {
  it("rebases patterns of a subfolder's file onto the root", () => {
    expect(rebasePatterns("*.log\n!keep.log\n/build/\na/b\n# c\n\n  \n", "sub")).toEqual([
      "sub/**/*.log",
      "!sub/**/keep.log",
      "sub/build/",
      "sub/a/b",
    ]);
    expect(rebasePatterns("x\n", "")).toEqual(["x"]);
    // glob characters in folder names match literally
    expect(rebasePatterns("*.bin", "[odd]")).toEqual(["\\[odd\\]/**/*.bin"]);
    expect(rebasePatterns("dir/\r\n", "s")).toEqual(["s/**/dir/"]);
  });

  it("the matcher selects exactly the expected files of a nested tree with negations", async () => {
    const dir = await mkdtemp(join(tmpdir(), "accsr-ignore-"));
    try {
      await writeTree(dir, IGNORE_TREE);
      const m = new IgnoreMatcher(dir);
      const kept = await filesBelow(dir, { skip: (p, d) => m.ignores(p, d) });
      expect(kept.map((f) => f.displayPath).sort()).toEqual(IGNORE_TREE_KEPT);
      expect(await m.ignores(join(dir, "nowhere", "x.tmp"), false)).toBe(true);
      expect(await m.ignores(join(dir, "..", "outside.tmp"), false)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("agrees with git check-ignore on the same tree", { skip: !hasGit() }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "accsr-ignore-git-"));
    try {
      await writeTree(dir, IGNORE_TREE);
      // the same rules as .gitignore files
      for (const [rel, text] of Object.entries(IGNORE_TREE)) {
        if (rel.endsWith(".accsrignore")) {
          await writeFile(join(dir, rel.replace(/\.accsrignore$/, ".gitignore")), text);
        }
      }
      execFileSync("git", ["init", "-q"], { cwd: dir });
      const files = Object.keys(IGNORE_TREE).filter((f) => !f.endsWith(".accsrignore"));
      let ignoredByGit: string[] = [];
      try {
        ignoredByGit = execFileSync("git", ["check-ignore", "--no-index", ...files], {
          cwd: dir,
          encoding: "utf8",
        }).split("\n").filter((l) => l !== "");
      } catch (e) {
        // exit 1: nothing ignored
        ignoredByGit = String((e as { stdout?: string }).stdout ?? "").split("\n").filter(Boolean);
      }
      expect(ignoredByGit.length).toBeGreaterThan(5);
      const m = new IgnoreMatcher(dir);
      const ignoredByUs: string[] = [];
      for (const f of files) if (await m.ignores(join(dir, f), false)) ignoredByUs.push(f);
      expect(ignoredByUs.sort()).toEqual(ignoredByGit.map((l) => l.replace(/^"|"$/g, "")).sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("knows accsr's own files and the reserved remote prefix", () => {
    expect(isProtectedLocalPath(".accsr-0a1b2c.part")).toBe(true);
    expect(isProtectedLocalPath("d/.accsr-123-0a1b2c.part")).toBe(true);
    expect(isProtectedLocalPath(".accsr-meta/bkt/objects/x")).toBe(true);
    expect(isProtectedLocalPath(".accsr/snapshots/v1.json")).toBe(true);
    expect(isProtectedLocalPath("d/.accsrignore")).toBe(true);
    expect(isProtectedLocalPath("d/accsr.part")).toBe(false);
    expect(isProtectedLocalPath("d/a.txt")).toBe(false);
    expect(isReservedRemoteKey(".accsr/snapshots/v1.json")).toBe(true);
    expect(isReservedRemoteKey(".accsrx/a")).toBe(false);
    expect(isReservedRemoteKey("d/.accsr/a")).toBe(false);
  });
});
