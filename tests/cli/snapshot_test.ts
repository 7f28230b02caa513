/**
 * `accsr snapshot …`, `pull --snapshot`, `push --snapshot`, `create-bucket --versioning` and
 * `ls --all`, as a user runs them (file provider).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { jsonOf, project } from "./_helpers.ts";

describe("accsr snapshot", () => {
  it("create, list, show, restore after overwrite and rm, delete; ls --all shows .accsr/", async () => {
    const p = project();
    try {
      expect((await p.cli(["create-bucket", "--versioning"])).code).toBe(0);
      const pushed = await p.cli(["push", "data", "--snapshot", "v1"]);
      expect(pushed.code).toBe(0);
      const created = await p.cli(["snapshot", "create", "v2", "data", "--message", "two"]);
      expect(created.code).toBe(0);
      expect(created.stdout).toContain('created snapshot "v2" of "data": 2 file(s)');
      const listed = jsonOf<{ name: string; files_count: number; versioned: boolean }[]>(
        await p.cli(["snapshot", "list", "--json"]),
      );
      expect(listed.map((s) => [s.name, s.files_count, s.versioned])).toEqual([
        ["v1", 2, true],
        ["v2", 2, true],
      ]);
      const shown = jsonOf<{ files: { key: string }[]; message: string }>(
        await p.cli(["snapshot", "show", "v2", "--json"]),
      );
      expect(shown.message).toBe("two");
      expect(shown.files.map((f) => f.key)).toEqual(["data/a.txt", "data/sub/b.txt"]);
      // ls leaves .accsr/ out unless --all
      const ls = await p.cli(["ls"]);
      expect(ls.stdout).not.toContain(".accsr");
      const all = await p.cli(["ls", "--all"]);
      expect(all.stdout).toContain(".accsr/snapshots/v1.json");
      // overwrite and delete, then restore
      writeFileSync(join(p.cwd, "data", "a.txt"), "changed");
      expect((await p.cli(["push", "data", "--force"])).code).toBe(0);
      expect((await p.cli(["rm", "data/sub"])).code).toBe(0);
      const restored = await p.cli(["pull", "data", "--snapshot", "v1", "--to", "restored"]);
      expect(restored.code).toBe(0);
      expect(readFileSync(join(p.cwd, "restored", "data", "a.txt"), "utf8")).toBe("aaa");
      expect(readFileSync(join(p.cwd, "restored", "data", "sub", "b.txt"), "utf8")).toBe("bb");
      // a plain pull never brings manifests
      const plain = await p.cli(["pull", ".", "--to", "plain"]);
      expect(plain.code).toBe(0);
      expect(() => readFileSync(join(p.cwd, "plain", ".accsr", "snapshots", "v1.json"))).toThrow();
      // delete
      expect((await p.cli(["snapshot", "delete", "v1"])).code).toBe(0);
      const gone = await p.cli(["snapshot", "show", "v1"]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain("no such snapshot");
      // a name taken: refused
      const again = await p.cli(["snapshot", "create", "v2", "data"]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("already exists");
    } finally {
      p.tmp.remove();
    }
  });

  it("usage errors: unknown action, missing NAME, bad name; unversioned restore refused by name", async () => {
    const p = project();
    try {
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      expect((await p.cli(["snapshot", "take"])).code).toBe(2);
      const missing = await p.cli(["snapshot", "show"]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("accsr snapshot --help");
      expect((await p.cli(["push", "data", "--snapshot", "v1"])).code).toBe(0);
      const bad = await p.cli(["snapshot", "create", "a/b", "data"]);
      expect(bad.stderr).toContain("Invalid snapshot name");
      writeFileSync(join(p.cwd, "data", "a.txt"), "changed");
      expect((await p.cli(["push", "data", "--force"])).code).toBe(0);
      const r = await p.cli(["pull", "data", "--snapshot", "v1", "--to", "out"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("ns/data/a.txt");
      expect(r.stderr).toContain("--versioning");
      expect(() => readFileSync(join(p.cwd, "out", "data", "sub", "b.txt"))).toThrow();
    } finally {
      p.tmp.remove();
    }
  });
});
