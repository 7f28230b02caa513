/**
 * `--delete`, `--max-delete` and `--no-ignore-files` of push, pull and status (file provider,
 * in-process CLI).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { jsonOf, type Project, project, writeFiles } from "./_helpers.ts";

type Obj = { remote_path: string; local_path: string | null };
type Tx = {
  refused: boolean;
  summary: Record<string, unknown>;
  files_to_delete: Obj[];
  deleted_files: Obj[];
  error?: { code: string; exit_code: number; names?: string[] };
};

/** Relative path → content of every file below `dir`. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p).split(sep).join("/")] = readFileSync(p, "utf8");
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** A project whose bucket holds data/a.txt, data/sub/b.txt and data/old.txt; old.txt is then deleted locally. */
async function mirrored(): Promise<Project> {
  const p = project();
  expect((await p.cli(["create-bucket"])).code).toBe(0);
  writeFiles(p.cwd, { "data/old.txt": "old" });
  expect((await p.cli(["push", "data"])).code).toBe(0);
  rmSync(join(p.cwd, "data", "old.txt"));
  writeFiles(p.cwd, { "data/new.txt": "new" });
  return p;
}

describe("mirror flags", () => {
  it("--max-delete without --delete is a usage error (exit 2), also for pull", async () => {
    const p = project();
    try {
      for (const cmd of [["push", "data"], ["pull", "data"]]) {
        const r = await p.cli([...cmd, "--max-delete", "3"]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('"--max-delete" needs --delete');
        expect(r.stdout).toBe("");
      }
      const bad = await p.cli(["push", "data", "--delete", "--max-delete", "-1"]);
      expect(bad.code).toBe(2);
      const word = await p.cli(["push", "data", "--delete", "--max-delete", "many"]);
      expect(word.code).toBe(2);
      expect(word.stderr).toContain("non-negative integer");
      expect(existsSync(join(p.root, "bkt"))).toBe(false); // nothing was even connected
    } finally {
      p.tmp.remove();
    }
  });

  it("push --delete --dry-run lists uploads and deletions; the real run does both", async () => {
    const p = await mirrored();
    try {
      const dry = await p.cli(["push", "data", "--delete", "--dry-run"]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toBe(
        "would push 1 file (3 B); would delete 1 file; 2 unchanged\n" +
          "  new     data/new.txt  3 B\n" +
          "  delete  data/old.txt  3 B\n",
      );
      const j = jsonOf<Tx>(await p.cli(["push", "data", "--delete", "--dry-run", "--json"]));
      expect(j.summary).toMatchObject({ files_to_sync: 1, files_to_delete: 1, deleted_files: 0 });
      expect(j.files_to_delete.map((o) => o.remote_path)).toEqual(["ns/data/old.txt"]);
      expect(existsSync(join(p.root, "bkt", "ns", "data", "old.txt"))).toBe(true);

      const r = await p.cli(["push", "data", "--delete"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("pushed 1 file (3 B); deleted 1 file; 2 unchanged\n");
      expect(Object.keys(tree(join(p.root, "bkt"))).sort()).toEqual([
        "ns/data/a.txt",
        "ns/data/new.txt",
        "ns/data/sub/b.txt",
      ]);
    } finally {
      p.tmp.remove();
    }
  });

  it("--max-delete refusal: exit 3, MAX_DELETE_EXCEEDED, bucket and folder unchanged", async () => {
    const p = await mirrored();
    try {
      rmSync(join(p.cwd, "data", "a.txt"));
      const bucketBefore = tree(join(p.root, "bkt"));
      const folderBefore = tree(p.cwd);
      const r = await p.cli(["push", "data", "--delete", "--max-delete", "1", "--json"]);
      expect(r.code).toBe(3);
      const j = jsonOf<Tx>(r);
      expect(j.error).toMatchObject({ code: "MAX_DELETE_EXCEEDED", exit_code: 3 });
      expect(j.error?.names).toEqual(["ns/data/a.txt", "ns/data/old.txt"]);
      expect(j.refused).toBe(true);
      expect(r.stderr).toContain("more than the limit of 1");
      expect(r.stderr).toContain("--dry-run");
      expect(tree(join(p.root, "bkt"))).toEqual(bucketBefore);
      expect(tree(p.cwd)).toEqual(folderBefore);
      // the dry run says a real run would be refused, and exits 0
      const dry = await p.cli(["push", "data", "--delete", "--max-delete", "1", "--dry-run"]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain("would delete 2 files; more than --max-delete 1");
      expect(dry.stdout).toContain("a real push would be refused");
      // several paths are planned together: the limit counts them all
      writeFiles(p.cwd, { "other/x.txt": "x" });
      expect((await p.cli(["push", "other"])).code).toBe(0);
      rmSync(join(p.cwd, "other", "x.txt"));
      writeFiles(p.cwd, { "other/y.txt": "y" });
      const before2 = tree(join(p.root, "bkt"));
      const both = await p.cli(["push", "data", "other", "--delete", "--max-delete", "2"]);
      expect(both.code).toBe(3);
      expect(tree(join(p.root, "bkt"))).toEqual(before2);
      // pull: same refusal, nothing downloaded or deleted
      writeFiles(p.cwd, { "data/stale1.txt": "1", "data/stale2.txt": "2" });
      const folder2 = tree(p.cwd);
      const pull = await p.cli(["pull", "data", "--delete", "--max-delete", "1", "--force"]);
      expect(pull.code).toBe(3);
      expect(tree(p.cwd)).toEqual(folder2);
    } finally {
      p.tmp.remove();
    }
  });

  it("pull --delete removes local files missing on the remote, keeps ignored and outside ones", async () => {
    const p = await mirrored();
    try {
      expect((await p.cli(["push", "data", "--delete"])).code).toBe(0);
      writeFiles(p.cwd, {
        "data/stale.txt": "s",
        "data/.accsrignore": "scratch/\n",
        "data/scratch/s.bin": "s",
        "elsewhere.txt": "e",
      });
      const r = await p.cli(["pull", "data", "--delete", "--json"]);
      expect(r.code).toBe(0);
      const j = jsonOf<Tx>(r);
      expect(j.deleted_files.map((o) => o.local_path)).toEqual([
        join(p.cwd, "data", "stale.txt"),
      ]);
      expect(existsSync(join(p.cwd, "data", "scratch", "s.bin"))).toBe(true);
      expect(existsSync(join(p.cwd, "elsewhere.txt"))).toBe(true);
      // --no-ignore-files: the ignored file is no longer protected
      const dry = await p.cli(["pull", "data", "--delete", "--no-ignore-files", "--dry-run"]);
      expect(dry.stdout).toContain("would delete 1 file");
      expect(dry.stdout).toContain(join("data", "scratch", "s.bin"));
    } finally {
      p.tmp.remove();
    }
  });

  it("push honours .accsrignore; --no-ignore-files and status see the same", async () => {
    const p = project();
    try {
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      writeFiles(p.cwd, {
        "data/.accsrignore": "*.tmp\n!keep.tmp\ncache/\n",
        "data/x.tmp": "x",
        "data/keep.tmp": "k",
        "data/cache/c.bin": "c",
      });
      const status = jsonOf<{ push: Tx & { not_on_target: Obj[] } }>(
        await p.cli(["status", "data", "--json"]),
      );
      const planned = status.push.not_on_target.map((o) => o.remote_path).sort();
      expect(planned).toEqual([
        "ns/data/.accsrignore",
        "ns/data/a.txt",
        "ns/data/keep.tmp",
        "ns/data/sub/b.txt",
      ]);
      expect((await p.cli(["push", "data"])).code).toBe(0);
      expect(Object.keys(tree(join(p.root, "bkt"))).sort()).toEqual(planned);
      const all = jsonOf<Tx & { not_on_target: Obj[] }>(
        await p.cli(["push", "data", "--no-ignore-files", "--dry-run", "--json"]),
      );
      expect(all.not_on_target.map((o) => o.remote_path).sort()).toEqual([
        "ns/data/cache/c.bin",
        "ns/data/x.tmp",
      ]);
      expect(statSync(join(p.cwd, "data", "x.tmp")).isFile()).toBe(true);
    } finally {
      p.tmp.remove();
    }
  });

  it("messages name the flags: all files ignored, --delete with a glob", async () => {
    const p = project();
    try {
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      writeFiles(p.cwd, { "only/x.tmp": "x", "only/.accsrignore": "*\n" });
      const r = await p.cli(["push", "only"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("every file it matches is ignored by .accsrignore files");
      expect(r.stderr).toContain("--no-ignore-files");
      expect((await p.cli(["push", "only", "--no-ignore-files"])).code).toBe(0);
      const g = await p.cli(["push", "data/*.txt", "--delete"]);
      expect(g.code).not.toBe(0);
      expect(g.stderr).toContain("with --delete: a glob has no folder to mirror");
    } finally {
      p.tmp.remove();
    }
  });

  it("--help of push and pull shows the mirror and ignore file examples", async () => {
    const p = project({ config: false });
    try {
      const push = (await p.cli(["push", "--help"])).stdout;
      expect(push).toContain("--delete");
      expect(push).toContain("--max-delete N");
      expect(push).toContain("--no-ignore-files");
      expect(push).toContain("accsr push data --delete --dry-run");
      expect(push).toContain(".accsrignore");
      const pull = (await p.cli(["pull", "--help"])).stdout;
      expect(pull).toContain("accsr pull data --delete --dry-run");
    } finally {
      p.tmp.remove();
    }
  });
});
