/**
 * Symbolic link policy of push (file provider, in-process CLI) on a tree with a file link
 * to outside the pushed folder, a link to a folder inside it, and a loop.
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { jsonOf, type Project, project, writeFiles } from "./_helpers.ts";

type Tx = {
  synced_files: { remote_path: string }[];
  skipped_files: { path: string; reason: string }[];
};

/** data/a.txt, data/sub/b.txt, data/secret.txt → ../outside/secret.txt, data/alias → sub, data/sub/loop → .. */
function linkProject(): Project {
  const p = project();
  writeFiles(p.tmp.path, { "outside/secret.txt": "secret" });
  mkdirSync(join(p.cwd, "data"), { recursive: true });
  symlinkSync(join(p.tmp.path, "outside", "secret.txt"), join(p.cwd, "data", "secret.txt"));
  symlinkSync("sub", join(p.cwd, "data", "alias"));
  symlinkSync("..", join(p.cwd, "data", "sub", "loop"));
  return p;
}

/** Relative paths of every file below `dir`. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)).split(sep).join("/"));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

const skippedNames = (tx: Tx, cwd: string) =>
  tx.skipped_files.map((s) => relative(cwd, s.path).split(sep).join("/")).sort();

describe("symbolic links on push", () => {
  it("default: file links are read (a warning names one leading outside), folder links are not walked, with a warning", async () => {
    const p = linkProject();
    try {
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      const r = await p.cli(["push", "data", "--json"]);
      expect(r.code).toBe(0);
      expect(files(join(p.root, "bkt", "ns"))).toEqual([
        "data/a.txt",
        "data/secret.txt",
        "data/sub/b.txt",
      ]);
      expect(r.stderr).toContain("data/secret.txt");
      expect(r.stderr).toContain("outside the pushed folder");
      expect(r.stderr).toContain("secret.txt"); // the target is named too
      const tx = jsonOf<Tx>(r);
      expect(skippedNames(tx, p.cwd)).toEqual(["data/alias", "data/sub/loop"]);
      for (const s of tx.skipped_files) expect(s.reason).toContain("not walked");
      expect(r.stderr).toContain("data/alias");
    } finally {
      p.tmp.remove();
    }
  });

  it("--no-follow-symlinks skips every link with a notice", async () => {
    const p = linkProject();
    try {
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      const r = await p.cli(["push", "data", "--no-follow-symlinks", "--json"]);
      expect(r.code).toBe(0);
      expect(files(join(p.root, "bkt", "ns"))).toEqual(["data/a.txt", "data/sub/b.txt"]);
      const tx = jsonOf<Tx>(r);
      expect(skippedNames(tx, p.cwd)).toEqual(["data/alias", "data/secret.txt", "data/sub/loop"]);
      for (const s of tx.skipped_files) expect(s.reason).toContain("--no-follow-symlinks");
      for (const n of ["data/alias", "data/secret.txt", "data/sub/loop"]) {
        expect(r.stderr).toContain(n);
      }
    } finally {
      p.tmp.remove();
    }
  });

  for (const flag of ["--follow-symlinks", "-L"]) {
    it(`${flag} walks folder links too and stops at loops (device + inode)`, async () => {
      const p = linkProject();
      try {
        expect((await p.cli(["create-bucket"])).code).toBe(0);
        const r = await p.cli(["push", "data", flag, "--json"]);
        expect(r.code).toBe(0);
        expect(files(join(p.root, "bkt", "ns"))).toEqual([
          "data/a.txt",
          "data/alias/b.txt",
          "data/secret.txt",
          "data/sub/b.txt",
        ]);
        const tx = jsonOf<Tx>(r);
        expect(skippedNames(tx, p.cwd)).toEqual(["data/alias/loop", "data/sub/loop"]);
        for (const s of tx.skipped_files) expect(s.reason).toContain("loop");
        expect(r.stderr).toContain("outside the pushed folder");
      } finally {
        p.tmp.remove();
      }
    });
  }

  it("--follow-symlinks with --no-follow-symlinks is a usage error", async () => {
    const p = linkProject();
    try {
      const r = await p.cli(["push", "data", "-L", "--no-follow-symlinks"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--no-follow-symlinks");
    } finally {
      p.tmp.remove();
    }
  });
});
