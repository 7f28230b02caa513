import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { jsonOf, type Project, project, readText, runCli, writeFiles } from "./_helpers.ts";

const MD5_AAA = "47bce5c74f589f4867dbd57e9ca9f808";

type Tx = {
  sync_direction: string;
  dry_run: boolean;
  force: boolean;
  refused: boolean;
  summary: Record<string, unknown>;
  synced_files: { remote_path: string }[];
  not_on_target: { remote_path: string }[];
  on_target_eq_md5: unknown[];
  on_target_neq_md5: { remote_path: string }[];
  skipped_source_files: unknown[];
  unresolvable_collisions: Record<string, unknown>;
  error?: { code: string; message: string; exit_code: number; names?: string[] };
};
type Listed = {
  name: string;
  path: string;
  size: number;
  hash: string | null;
  last_modified: string | null;
};

/** A project whose bucket exists and holds data/a.txt, data/sub/b.txt and top.txt (base path ns). */
async function pushed(): Promise<Project> {
  const p = project();
  expect((await p.cli(["create-bucket"])).code).toBe(0);
  const r = await p.cli(["push", "data", "top.txt"]);
  expect(r.code).toBe(0);
  return p;
}

async function remotePaths(p: Project, ...args: string[]): Promise<string[]> {
  const r = await p.cli(["ls", "--json", ...args]);
  expect(r.code).toBe(0);
  return jsonOf<Listed[]>(r).map((o) => o.path).sort();
}

describe("create-bucket", () => {
  it("creates the bucket folder below root and accepts an existing bucket by default", async () => {
    const p = project();
    try {
      const r = await p.cli(["create-bucket"]);
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(r.stdout).toMatch(/^bucket "bkt" is ready \(file:\/\/.*bkt\)\n$/);
      expect(statSync(join(p.root, "bkt")).isDirectory()).toBe(true);
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      expect((await p.cli(["create-bucket", "--exist-ok"])).code).toBe(0);
    } finally {
      p.tmp.remove();
    }
  });

  it("--no-exist-ok fails (exit 1) when the bucket exists; the last of the two flags wins", async () => {
    const p = project();
    try {
      expect((await p.cli(["create-bucket", "--no-exist-ok"])).code).toBe(0);
      const r = await p.cli(["create-bucket", "--no-exist-ok"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: Cannot create bucket "bkt".*already exists/);
      expect(r.stderr).toContain("hint: leave out --no-exist-ok");
      expect((await p.cli(["create-bucket", "--no-exist-ok", "--exist-ok"])).code).toBe(0);
    } finally {
      p.tmp.remove();
    }
  });

  it("--json prints bucket, provider, location and exist_ok", async () => {
    const p = project();
    try {
      const r = await p.cli(["create-bucket", "--json", "--no-exist-ok"]);
      expect(r.code).toBe(0);
      expect(jsonOf(r)).toEqual({
        bucket: "bkt",
        provider: "file",
        location: expect.stringContaining("bkt"),
        exist_ok: false,
        versioning: false,
      });
    } finally {
      p.tmp.remove();
    }
  });

  it("other commands fail (exit 1) on a missing bucket and hint at create-bucket", async () => {
    const p = project();
    try {
      const r = await p.cli(["push", "data"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: .*bucket does not exist/);
      expect(r.stderr).toContain('hint: create it with "accsr create-bucket"');
    } finally {
      p.tmp.remove();
    }
  });
});

describe("push", () => {
  it("uploads paths relative to the working directory and prints a short summary", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      const r = await p.cli(["push", "data"]);
      expect(r).toEqual({ code: 0, stdout: "pushed 2 files (5 B); 0 unchanged\n", stderr: "" });
      expect(await remotePaths(p)).toEqual(["data/a.txt", "data/sub/b.txt"]);
      const again = await p.cli(["push", "data"]);
      expect(again.stdout).toBe("nothing to push; 2 unchanged\n");
    } finally {
      p.tmp.remove();
    }
  });

  it("--json prints the transaction with the short summary under `summary`", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      const r = await p.cli(["push", "data", "--json"]);
      expect(r.code).toBe(0);
      const tx = jsonOf<Tx>(r);
      expect(tx.summary).toEqual({
        sync_direction: "push",
        files_to_sync: 2,
        total_size: 5,
        unresolvable_collisions: 0,
        synced_files: 2,
      });
      expect(Object.keys(tx.summary)).toEqual([
        "sync_direction",
        "files_to_sync",
        "total_size",
        "unresolvable_collisions",
        "synced_files",
      ]);
      expect(tx).toMatchObject({
        sync_direction: "push",
        dry_run: false,
        force: false,
        refused: false,
      });
      expect(tx.synced_files.map((o) => o.remote_path).sort()).toEqual([
        "ns/data/a.txt",
        "ns/data/sub/b.txt",
      ]);
      for (
        const key of [
          "matched_source_files",
          "not_on_target",
          "on_target_eq_md5",
          "on_target_neq_md5",
          "unresolvable_collisions",
          "skipped_source_files",
          "failed_files",
        ]
      ) expect(tx).toHaveProperty(key);
    } finally {
      p.tmp.remove();
    }
  });

  it("pushes several paths in one command, and globs", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      expect((await p.cli(["push", "data/sub", "top.txt"])).stdout).toBe(
        "pushed 2 files (5 B); 0 unchanged\n",
      );
      expect((await p.cli(["push", "data/*.txt"])).stdout).toBe(
        "pushed 1 file (3 B); 0 unchanged\n",
      );
      expect(await remotePaths(p)).toEqual(["data/a.txt", "data/sub/b.txt", "top.txt"]);
    } finally {
      p.tmp.remove();
    }
  });

  it("--dry-run lists what would move and transfers nothing", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      const r = await p.cli(["push", "data", "--dry-run"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("would push 2 files (5 B); 0 unchanged");
      expect(r.stdout).toMatch(/new\s+data\/a\.txt\s+3 B/);
      expect(await remotePaths(p)).toEqual([]);
      const j = jsonOf<Tx>(await p.cli(["push", "data", "--dry-run", "--json"]));
      expect(j).toMatchObject({ dry_run: true, refused: false });
      expect(j.summary).toMatchObject({ files_to_sync: 2, synced_files: 0 });
    } finally {
      p.tmp.remove();
    }
  });

  it("refuses to overwrite a changed file without --force (exit 3, nothing moves)", async () => {
    const p = await pushed();
    try {
      writeFiles(p.cwd, { "top.txt": "changed", "data/new.txt": "new" });
      const r = await p.cli(["push", "data", "top.txt"]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^error: Cannot push: 1 file\(s\) differ.*ns\/top\.txt/);
      expect(r.stderr).toContain("--force");
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // the new file of the other path did not move either
      expect(await remotePaths(p)).toEqual(["data/a.txt", "data/sub/b.txt", "top.txt"]);
      const single = await p.cli(["push", "top.txt"]);
      expect(single.code).toBe(3);
    } finally {
      p.tmp.remove();
    }
  });

  it("--dry-run of a refused push lists the conflict, says it would be refused, and exits 0", async () => {
    const p = await pushed();
    try {
      writeFiles(p.cwd, { "top.txt": "changed" });
      const r = await p.cli(["push", "top.txt", "--dry-run"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("would push 1 file (7 B); 1 differs (needs --force)");
      expect(r.stdout).toContain("a real push would be refused");
      expect(r.stdout).toMatch(/differs\s+top\.txt/);
      expect(r.stderr).toBe("");
    } finally {
      p.tmp.remove();
    }
  });

  it("--json on a refused push prints the plan and the error", async () => {
    const p = await pushed();
    try {
      writeFiles(p.cwd, { "top.txt": "changed" });
      const r = await p.cli(["push", "top.txt", "--json"]);
      expect(r.code).toBe(3);
      const j = jsonOf<Tx>(r);
      expect(j.refused).toBe(true);
      expect(j.error).toMatchObject({ code: "SYNC_CONFLICT", exit_code: 3, names: ["ns/top.txt"] });
      expect(j.on_target_neq_md5.map((o) => o.remote_path)).toEqual(["ns/top.txt"]);
      expect(r.stderr).toMatch(/^error: Cannot push/);
    } finally {
      p.tmp.remove();
    }
  });

  it("--force overwrites files that differ", async () => {
    const p = await pushed();
    try {
      writeFiles(p.cwd, { "top.txt": "changed" });
      const r = await p.cli(["push", "top.txt", "--force"]);
      expect(r).toMatchObject({
        code: 0,
        stdout: "pushed 1 file (7 B); 1 differs (overwritten); 0 unchanged\n",
      });
      const out = join(p.tmp.path, "out");
      expect((await p.cli(["pull", "top.txt", "--to", out])).code).toBe(0);
      expect(readText(out, "top.txt")).toBe("changed");
    } finally {
      p.tmp.remove();
    }
  });

  it("refuses collisions even with --force and says force cannot help", async () => {
    const p = await pushed();
    try {
      // remote has data/sub/b.txt; a local *file* data/sub collides with it
      const other = join(p.tmp.path, "other");
      writeFiles(other, { "data/sub": "i am a file" });
      const r = await p.cli(["push", "data/sub", "--force", "--local-path-prefix", other]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^error: Cannot push: 1 name\(s\) collide/);
      expect(r.stderr).toContain("--force cannot resolve collisions");
    } finally {
      p.tmp.remove();
    }
  });

  it("--include and --exclude select paths from their start; repeated --include means any", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      expect((await p.cli(["push", "data", "--include", "data/sub"])).stdout).toBe(
        "pushed 1 file (2 B); 0 unchanged; 1 skipped by --include/--exclude\n",
      );
      expect(await remotePaths(p)).toEqual(["data/sub/b.txt"]);
      expect((await p.cli(["push", ".", "--exclude", "data/", "--exclude", "config"])).code).toBe(
        0,
      );
      expect(await remotePaths(p)).toEqual(["data/sub/b.txt", "top.txt"]);
      await p.cli(["push", ".", "--include", "data/a", "--include", "nothing"]);
      expect(await remotePaths(p)).toEqual(["data/a.txt", "data/sub/b.txt", "top.txt"]);
      // exclude wins over include
      const j = jsonOf<Tx>(
        await p.cli(["push", "data", "--include", "data", "--exclude", "data/a", "--json"]),
      );
      expect(j.skipped_source_files).toHaveLength(1);
    } finally {
      p.tmp.remove();
    }
  });

  it("--local-path-prefix makes keys relative to it (resolved against the working directory)", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      expect((await p.cli(["push", "sub", "--local-path-prefix", "data"])).code).toBe(0);
      expect(await remotePaths(p)).toEqual(["sub/b.txt"]);
      expect(
        (await p.cli(["push", join(p.cwd, "data", "a.txt"), "--local-path-prefix", p.cwd])).code,
      ).toBe(0);
      expect(await remotePaths(p)).toEqual(["data/a.txt", "sub/b.txt"]);
    } finally {
      p.tmp.remove();
    }
  });

  it("a path with no files fails (exit 1) naming the path", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      const r = await p.cli(["push", "nope"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: Cannot push "nope": no files found/);
      expect(r.stderr).toContain(`hint: relative paths are resolved against ${p.cwd}`);
    } finally {
      p.tmp.remove();
    }
  });

  it("--concurrency and --no-progress are accepted", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      const r = await p.cli(["push", "data", "--concurrency", "1", "--no-progress"]);
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(await remotePaths(p)).toEqual(["data/a.txt", "data/sub/b.txt"]);
    } finally {
      p.tmp.remove();
    }
  });
});

describe("--base-path", () => {
  it("overrides the configured base path, and '' means the bucket root", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      expect((await p.cli(["push", "top.txt", "--base-path", "v2/x"])).code).toBe(0);
      expect((await p.cli(["push", "data/a.txt", "--base-path", ""])).code).toBe(0);
      expect(await remotePaths(p)).toEqual([]);
      expect(await remotePaths(p, "--base-path", "v2/x")).toEqual(["top.txt"]);
      const all = jsonOf<Listed[]>(await p.cli(["ls", "--json", "--base-path="]));
      expect(all.map((o) => o.name).sort()).toEqual(["data/a.txt", "v2/x/top.txt"]);
    } finally {
      p.tmp.remove();
    }
  });
});

describe("ls", () => {
  it("prints paths relative to the base path, below an optional prefix", async () => {
    const p = await pushed();
    try {
      const r = await p.cli(["ls"]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim().split("\n").sort()).toEqual([
        "data/a.txt",
        "data/sub/b.txt",
        "top.txt",
      ]);
      expect((await p.cli(["ls", "data/sub"])).stdout).toBe("data/sub/b.txt\n");
      expect((await p.cli(["ls", "nothing"])).stdout).toBe("");
      expect((await p.cli(["ls", "."])).stdout.trim().split("\n")).toHaveLength(3);
    } finally {
      p.tmp.remove();
    }
  });

  it("-l adds size, last modified and hash", async () => {
    const p = await pushed();
    try {
      for (const flag of ["-l", "--long"]) {
        const r = await p.cli(["ls", "data/a.txt", flag]);
        expect(r.code).toBe(0);
        const [line, total] = r.stdout.trim().split("\n");
        expect(line).toMatch(
          new RegExp(`^3  \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ  ${MD5_AAA}  data/a\\.txt$`),
        );
        expect(total).toBe("1 object(s), 3 B");
      }
    } finally {
      p.tmp.remove();
    }
  });

  it("--json prints an array of objects", async () => {
    const p = await pushed();
    try {
      const r = await p.cli(["ls", "data/a", "--json"]);
      expect(jsonOf<Listed[]>(r)).toEqual([{
        name: "ns/data/a.txt",
        path: "data/a.txt",
        size: 3,
        hash: MD5_AAA,
        last_modified: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }]);
      expect(jsonOf(await p.cli(["ls", "nothing", "--json"]))).toEqual([]);
    } finally {
      p.tmp.remove();
    }
  });
});

describe("pull", () => {
  it("--to mirrors the remote tree into a folder (resolved against the working directory)", async () => {
    const p = await pushed();
    try {
      const r = await p.cli(["pull", ".", "--to", "../copy"]);
      expect(r).toEqual({ code: 0, stdout: "pulled 3 files (8 B); 0 unchanged\n", stderr: "" });
      const copy = join(p.tmp.path, "copy");
      expect(readText(copy, "data/a.txt")).toBe("aaa");
      expect(readText(copy, "data/sub/b.txt")).toBe("bb");
      expect(readText(copy, "top.txt")).toBe("top");
      expect((await p.cli(["pull", ".", "--to", "../copy"])).stdout).toBe(
        "nothing to pull; 3 unchanged\n",
      );
    } finally {
      p.tmp.remove();
    }
  });

  it("pulls into the working directory by default, only what is missing", async () => {
    const p = await pushed();
    try {
      const fresh = join(p.tmp.path, "fresh");
      mkdirSync(fresh);
      writeFileSync(join(fresh, "config.json"), readText(p.cwd, "config.json"));
      const r = await p.cli(["pull", "./data", "--config-dir", fresh, "--to", fresh]);
      expect(r.stdout).toBe("pulled 2 files (5 B); 0 unchanged\n");
      expect(readText(fresh, "data/sub/b.txt")).toBe("bb");
      const j = jsonOf<Tx>(await p.cli(["pull", "data", "--json"]));
      expect(j).toMatchObject({ sync_direction: "pull", dry_run: false, refused: false });
      expect(j.summary).toEqual({
        sync_direction: "pull",
        files_to_sync: 0,
        total_size: 0,
        unresolvable_collisions: 0,
        synced_files: 0,
      });
      expect(j.on_target_eq_md5).toHaveLength(2);
    } finally {
      p.tmp.remove();
    }
  });

  it("refuses to overwrite a local file that differs (exit 3) unless --force", async () => {
    const p = await pushed();
    try {
      writeFiles(p.cwd, { "data/a.txt": "local change" });
      const r = await p.cli(["pull", "data"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^error: Cannot pull: 1 file\(s\) differ on the local side/);
      expect(readText(p.cwd, "data/a.txt")).toBe("local change");
      const dry = await p.cli(["pull", "data", "--dry-run"]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain("1 differs (needs --force)");
      expect(readText(p.cwd, "data/a.txt")).toBe("local change");
      const forced = await p.cli(["pull", "data", "--force"]);
      expect(forced.code).toBe(0);
      expect(readText(p.cwd, "data/a.txt")).toBe("aaa");
    } finally {
      p.tmp.remove();
    }
  });

  it("--dry-run, --include and --exclude", async () => {
    const p = await pushed();
    try {
      const out = join(p.tmp.path, "out");
      const dry = await p.cli(["pull", ".", "--to", out, "--dry-run"]);
      expect(dry.stdout).toContain("would pull 3 files (8 B)");
      expect(existsSync(out)).toBe(false);
      await p.cli(["pull", ".", "--to", out, "--include", "data/", "--exclude", "data/sub"]);
      expect(existsSync(join(out, "data", "a.txt"))).toBe(true);
      expect(existsSync(join(out, "data", "sub"))).toBe(false);
      expect(existsSync(join(out, "top.txt"))).toBe(false);
    } finally {
      p.tmp.remove();
    }
  });
});

describe("status", () => {
  it("shows what a push and a pull would do, and transfers nothing", async () => {
    const p = await pushed();
    try {
      writeFiles(p.cwd, { "top.txt": "changed", "data/new.txt": "new!" });
      const r = await p.cli(["status"]);
      expect(r.code).toBe(0);
      const lines = r.stdout.split("\n");
      // config.json, data/new.txt and top.txt
      expect(lines.find((l) => l.startsWith("push .:"))).toMatch(
        /^push \.: would push 3 files \(\d+ B\); 1 differs \(needs --force\); 2 unchanged; a real push would be refused$/,
      );
      expect(lines.find((l) => l.startsWith("pull .:"))).toBe(
        "pull .: would pull 1 file (3 B); 1 differs (needs --force); 2 unchanged; a real pull would be refused",
      );
      expect(r.stdout).toMatch(/new\s+data\/new\.txt/);
      expect(r.stderr).toBe("");
      expect(await remotePaths(p)).toEqual(["data/a.txt", "data/sub/b.txt", "top.txt"]);
      expect(readText(p.cwd, "top.txt")).toBe("changed");
    } finally {
      p.tmp.remove();
    }
  });

  it("--json prints {path, push, pull}", async () => {
    const p = await pushed();
    try {
      writeFiles(p.cwd, { "data/new.txt": "new!" });
      const r = await p.cli(["status", "data", "--json"]);
      expect(r.code).toBe(0);
      const j = jsonOf<{ path: string; push: Tx; pull: Tx }>(r);
      expect(j.path).toBe("data");
      expect(j.push.summary).toMatchObject({
        sync_direction: "push",
        files_to_sync: 1,
        total_size: 4,
      });
      expect(j.push).toMatchObject({ dry_run: true, refused: false });
      expect(j.pull.summary).toMatchObject({ sync_direction: "pull", files_to_sync: 0 });
      expect(j.pull.on_target_eq_md5).toHaveLength(2);
    } finally {
      p.tmp.remove();
    }
  });

  it("accepts --include and --exclude (not --force), and a path that exists on one side only", async () => {
    const p = await pushed();
    try {
      writeFiles(p.cwd, { "top.txt": "changed" });
      expect((await p.cli(["status", "--json", "--force"])).code).toBe(2);
      const filtered = jsonOf<{ push: Tx }>(
        await p.cli(["status", "--json", "--include", "data/"]),
      );
      expect(filtered.push.refused).toBe(false);
      const remoteOnly = jsonOf<{ push: Tx; pull: Tx }>(await p.cli(["status", "gone", "--json"]));
      expect(remoteOnly.push.summary).toMatchObject({ files_to_sync: 0 });
      const outside = await p.cli(["status", "/"]);
      expect(outside.code).toBe(1);
      expect(outside.stderr).toMatch(/^error: Cannot show the status of "\/": it is outside/);
    } finally {
      p.tmp.remove();
    }
  });
});

describe("rm", () => {
  it("--dry-run lists what would be deleted and deletes nothing", async () => {
    const p = await pushed();
    try {
      const r = await p.cli(["rm", "data", "--dry-run"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        "would delete data/a.txt\nwould delete data/sub/b.txt\nwould delete 2 objects (5 B)\n",
      );
      expect(await remotePaths(p)).toHaveLength(3);
    } finally {
      p.tmp.remove();
    }
  });

  it("deletes a folder, honours --include/--exclude, and '.' deletes everything", async () => {
    const p = await pushed();
    try {
      const r = await p.cli(["rm", "data", "--exclude", "data/sub"]);
      expect(r.stdout).toBe("deleted data/a.txt\ndeleted 1 object (3 B)\n");
      expect(await remotePaths(p)).toEqual(["data/sub/b.txt", "top.txt"]);
      await p.cli(["rm", ".", "--include", "top"]);
      expect(await remotePaths(p)).toEqual(["data/sub/b.txt"]);
      const j = jsonOf<{ dry_run: boolean; deleted: Listed[] }>(await p.cli(["rm", ".", "--json"]));
      expect(j).toEqual({
        dry_run: false,
        deleted: [
          expect.objectContaining({ name: "ns/data/sub/b.txt", path: "data/sub/b.txt", size: 2 }),
        ],
      });
      expect(await remotePaths(p)).toEqual([]);
    } finally {
      p.tmp.remove();
    }
  });

  it("nothing to delete is not an error", async () => {
    const p = await pushed();
    try {
      const r = await p.cli(["rm", "nope"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("nothing to delete\n");
      expect(r.stderr).toMatch(/^warning: /);
      expect(jsonOf(await p.cli(["rm", "nope", "--json", "--dry-run"]))).toEqual({
        dry_run: true,
        deleted: [],
      });
    } finally {
      p.tmp.remove();
    }
  });
});

describe("configuration from flags only", () => {
  it("works without any config file when the flags say enough (relative root → working directory)", async () => {
    const p = project({ config: false });
    try {
      const flags = ["--provider", "file", "--root", "../store", "--bucket", "flags-only"];
      expect((await p.cli(["create-bucket", ...flags])).code).toBe(0);
      expect(existsSync(join(p.root, "flags-only"))).toBe(true);
      expect((await p.cli(["push", "top.txt", ...flags])).stdout).toBe(
        "pushed 1 file (3 B); 0 unchanged\n",
      );
      expect((await p.cli(["ls", ...flags])).stdout).toBe("top.txt\n");
    } finally {
      p.tmp.remove();
    }
  });

  it("fails (exit 1) with a hint when nothing is configured", async () => {
    const p = project({ config: false });
    try {
      const r = await p.cli(["ls"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: Cannot connect to remote storage: none is configured/);
      expect(r.stderr).toContain('hint: add a "remote_storage" section to config.json');
    } finally {
      p.tmp.remove();
    }
  });

  it("an unknown provider fails (exit 1) with a message naming it", async () => {
    const p = project();
    try {
      const r = await p.cli(["ls", "--provider", "dropbox"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n")[0]).toMatch(
        /^error: .*unknown provider "dropbox" \(use one of s3, .*file/,
      );
      expect(r.stderr.split("\n")[1]).toMatch(/^hint: /);
      const j = await p.cli(["ls", "--provider", "dropbox", "--json"]);
      expect(jsonOf(j)).toEqual({
        error: {
          code: "INVALID_STORAGE_CONFIG",
          message: expect.stringContaining("dropbox"),
          exit_code: 1,
        },
      });
    } finally {
      p.tmp.remove();
    }
  });

  it("--config-dir reads the config of another folder; its relative root is resolved against it", async () => {
    const p = project();
    try {
      const elsewhere = join(p.tmp.path, "elsewhere");
      mkdirSync(elsewhere);
      await p.cli(["create-bucket"]);
      await p.cli(["push", "top.txt"]);
      const r = await runCli(["ls", "--config-dir", "../work"], { cwd: elsewhere });
      expect(r.stdout).toBe("top.txt\n");
      const missing = await runCli(["ls", "--config-dir", "nope"], { cwd: elsewhere });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(
        /^error: Cannot read config directory ".*nope": no such directory/,
      );
    } finally {
      p.tmp.remove();
    }
  });
});
