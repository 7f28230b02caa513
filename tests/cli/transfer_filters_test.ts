/**
 * `--max-size`, `--min-size`, `--max-age`, `--min-age` and `--files-from` on push and pull
 * (file provider, in-process CLI): each selects exactly the expected files, and the others
 * are listed in `--json` "skipped_source_files" with their reason.
 */
import { existsSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { jsonOf, type Project, project, writeFiles } from "./_helpers.ts";

type Obj = { remote_path: string; skip_reason?: string };
type Tx = { not_on_target: Obj[]; skipped_source_files: Obj[]; synced_files: Obj[] };

const DAY = 86_400_000;

/** A project whose data/ holds small.txt (10 B, new), big.bin (3 KiB, new), old.txt (20 B, 3 days old). */
function filtersProject(): Project {
  const p = project();
  writeFiles(p.cwd, {
    "data/small.txt": "0123456789",
    "data/big.bin": "x".repeat(3 * 1024),
    "data/old.txt": "o".repeat(20),
    "list.txt": "# the wanted files\ndata/small.txt\n\n  ./data/old.txt  \n",
  });
  const old = new Date(Date.now() - 3 * DAY);
  utimesSync(join(p.cwd, "data", "old.txt"), old, old);
  return p;
}

const names = (objs: Obj[]) => objs.map((o) => o.remote_path.replace(/^ns\//, "")).sort();

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

const ALL = ["data/a.txt", "data/big.bin", "data/old.txt", "data/small.txt", "data/sub/b.txt"];

/** flag → [files kept, reason word of the skipped ones]. */
const CASES: [string[], string[], string][] = [
  [["--max-size", "1K"], ALL.filter((f) => f !== "data/big.bin"), "max-size"],
  [["--min-size", "1K"], ["data/big.bin"], "min-size"],
  [["--min-size", "10"], ["data/big.bin", "data/old.txt", "data/small.txt"], "min-size"],
  [["--max-age", "1d"], ALL.filter((f) => f !== "data/old.txt"), "max-age"],
  [["--min-age", "2d"], ["data/old.txt"], "min-age"],
  [["--files-from", "list.txt"], ["data/old.txt", "data/small.txt"], "files-from"],
];

describe("transfer filters", () => {
  for (const [flag, kept, reason] of CASES) {
    it(`push ${flag.join(" ")} uploads exactly the selected files and reports the others`, async () => {
      const p = filtersProject();
      try {
        expect((await p.cli(["create-bucket"])).code).toBe(0);
        const r = await p.cli(["push", "data", ...flag, "--json"]);
        expect(r.code).toBe(0);
        const tx = jsonOf<Tx>(r);
        expect(names(tx.synced_files)).toEqual(kept);
        expect(names(tx.skipped_source_files)).toEqual(ALL.filter((f) => !kept.includes(f)));
        for (const s of tx.skipped_source_files) expect(s.skip_reason).toContain(reason);
        expect(files(join(p.root, "bkt", "ns"))).toEqual(kept);
        const text = await p.cli(["push", "data", ...flag, "--dry-run"]);
        expect(text.stdout + text.stderr).toContain("skipped by size/age/--files-from filters");
      } finally {
        p.tmp.remove();
      }
    });

    it(`pull ${flag.join(" ")} downloads exactly the selected files and reports the others`, async () => {
      const p = filtersProject();
      try {
        expect((await p.cli(["create-bucket"])).code).toBe(0);
        expect((await p.cli(["push", "data"])).code).toBe(0);
        // the remote LastModified of old.txt: 3 days ago (the file store reports the mtime)
        const old = new Date(Date.now() - 3 * DAY);
        utimesSync(join(p.root, "bkt", "ns", "data", "old.txt"), old, old);
        const r = await p.cli(["pull", "data", "--to", "copy", ...flag, "--json"]);
        expect(r.code).toBe(0);
        const tx = jsonOf<Tx>(r);
        expect(names(tx.synced_files)).toEqual(kept);
        expect(names(tx.skipped_source_files)).toEqual(ALL.filter((f) => !kept.includes(f)));
        for (const s of tx.skipped_source_files) expect(s.skip_reason).toContain(reason);
        expect(files(join(p.cwd, "copy"))).toEqual(kept);
      } finally {
        p.tmp.remove();
      }
    });
  }

  it("a filtered file is not deleted by push --delete (as rclone)", async () => {
    const p = filtersProject();
    try {
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      expect((await p.cli(["push", "data"])).code).toBe(0);
      rmSync(join(p.cwd, "data", "big.bin"));
      rmSync(join(p.cwd, "data", "small.txt"));
      const r = await p.cli(["push", "data", "--delete", "--max-size", "1K", "--json"]);
      expect(r.code).toBe(0);
      const left = files(join(p.root, "bkt", "ns"));
      expect(left).toContain("data/big.bin"); // larger than --max-size: filtered, kept
      expect(left).not.toContain("data/small.txt"); // selected and gone locally: deleted
    } finally {
      p.tmp.remove();
    }
  });

  it("bad values are usage errors (exit 2) naming the flag", async () => {
    const p = filtersProject();
    try {
      for (
        const [flag, value] of [
          ["--max-size", "12X"],
          ["--min-size", "lots"],
          ["--max-age", "soon"],
          ["--min-age", "3"],
          ["--files-from", "missing.txt"],
        ]
      ) {
        for (const cmd of [["push", "data"], ["pull", "data"]]) {
          const r = await p.cli([...cmd, flag, value]);
          expect(r.code).toBe(2);
          expect(r.stderr).toContain(flag);
          expect(r.stderr).toContain(`accsr ${cmd[0]} --help`);
          expect(r.stdout).toBe("");
        }
      }
    } finally {
      p.tmp.remove();
    }
  });
});
