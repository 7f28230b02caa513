/**
 * The habits of rclone and git, in the user's words: `-n`, `-q`, `-V`, `accsr version`,
 * `accsr completion`, help texts that list only what a command has, messages that name CLI
 * flags, a missing pull source as an error, a bad bucket name as a usage error.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { VERSION } from "../../cli/mod.ts";
import { COMMAND_SPECS } from "../../cli/commands/mod.ts";
import { project, runCli, tempDir, writeFiles } from "./_helpers.ts";

const LIBRARY_WORDS = /\b(existOk|localPathPrefix|force is (true|false)|pass force|dryrun)\b/;

describe("habits: -n, -q, -V, accsr version", () => {
  it("-n is --dry-run", async () => {
    const p = project();
    try {
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      const r = await p.cli(["push", "data", "-n"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^would push 2 files/);
      expect((await p.cli(["ls"])).stdout).toBe(""); // nothing moved
      expect((await p.cli(["rm", "data", "-n"])).stdout).toBe("nothing to delete\n");
    } finally {
      p.tmp.remove();
    }
  });

  it("-q/--quiet drops the summary lines and warnings, not results or errors", async () => {
    const p = project();
    try {
      expect((await p.cli(["create-bucket", "-q"])).stdout).toBe("");
      const pushed = await p.cli(["push", "data", "-q"]);
      expect(pushed).toEqual({ code: 0, stdout: "", stderr: "" });
      expect((await p.cli(["ls", "--quiet"])).stdout).toBe("data/a.txt\ndata/sub/b.txt\n");
      const json = await p.cli(["push", "data", "-q", "--json"]);
      expect(JSON.parse(json.stdout).summary.files_to_sync).toBe(0);
      writeFiles(p.cwd, { "data/a.txt": "changed" });
      const refused = await p.cli(["push", "data", "-q"]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/^error: /);
    } finally {
      p.tmp.remove();
    }
  });

  it("-V, --version and `accsr version` print the version", async () => {
    const tmp = tempDir();
    try {
      for (const argv of [["-V"], ["--version"], ["version"], ["push", "-V"]]) {
        const r = await runCli(argv, { cwd: tmp.path });
        expect([argv, r.code, r.stdout]).toEqual([argv, 0, `accsr ${VERSION}\n`]);
      }
      const j = JSON.parse((await runCli(["version", "--json"], { cwd: tmp.path })).stdout);
      expect(j.version).toBe(VERSION);
      expect(j.runtime).toMatch(/^(deno|node) \d/);
    } finally {
      tmp.remove();
    }
  });
});

describe("accsr completion", () => {
  async function script(shell: string): Promise<string> {
    const tmp = tempDir();
    try {
      const r = await runCli(["completion", shell], { cwd: tmp.path });
      expect(r.code).toBe(0);
      return r.stdout;
    } finally {
      tmp.remove();
    }
  }

  it("the bash script loads in bash and completes commands, options and shells", async () => {
    const dir = mkdtempSync(join(tmpdir(), "accsr-completion-"));
    try {
      const file = join(dir, "accsr.bash");
      writeFileSync(file, await script("bash"));
      const complete = (words: string[]) => {
        const r = spawnSync("bash", [
          "--norc",
          "-c",
          `source "$0" || exit 9; complete -p accsr >/dev/null || exit 8; COMP_WORDS=(${
            words.map((w) => `'${w}'`).join(" ")
          }); COMP_CWORD=${words.length - 1}; _accsr; printf '%s\\n' "\${COMPREPLY[@]}"`,
          file,
        ], { encoding: "utf8" });
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        return r.stdout.trim().split("\n");
      };
      expect(complete(["accsr", "pu"])).toEqual(["push", "pull"]);
      expect(complete(["accsr", "push", "--for"])).toEqual(["--force"]);
      expect(complete(["accsr", "push", "--dry"])).toEqual(["--dry-run"]);
      expect(complete(["accsr", "--config-dir", "x", "status", "--fo"])).toEqual([""]);
      expect(complete(["accsr", "completion", ""])).toEqual(["bash", "zsh", "fish"]);
      expect(complete(["accsr", ""])).toEqual([...COMMAND_SPECS.keys(), "help"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("zsh and fish scripts cover every command; an unknown shell is a usage error", async () => {
    const zsh = await script("zsh");
    const fish = await script("fish");
    expect(zsh).toMatch(/^#compdef accsr/);
    for (const name of COMMAND_SPECS.keys()) {
      expect(zsh).toContain(`${name})`);
      expect(fish).toContain(`-a ${name} `);
    }
    expect(fish).toContain("-l dry-run -s n");
    const tmp = tempDir();
    try {
      const r = await runCli(["completion", "tcsh"], { cwd: tmp.path });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('unknown shell "tcsh"');
    } finally {
      tmp.remove();
    }
  });
});

describe("help lists only what a command has", () => {
  const help = async (command: string) => {
    const tmp = tempDir();
    try {
      return (await runCli([command, "--help"], { cwd: tmp.path })).stdout;
    } finally {
      tmp.remove();
    }
  };

  it("status offers neither --force nor --concurrency", async () => {
    const text = await help("status");
    expect(text).not.toContain("--force ");
    expect(text).not.toContain("--concurrency");
  });

  it("only push and pull list exit code 3 and --no-progress", async () => {
    for (const c of COMMAND_SPECS.keys()) {
      const text = await help(c);
      const transfers = c === "push" || c === "pull";
      expect([c, text.includes("\n  3  refused")]).toEqual([c, transfers]);
      expect([c, text.includes("--no-progress")]).toEqual([c, transfers]);
      expect([c, /^ {2}0 {2}success$/m.test(text)]).toEqual([c, true]);
    }
  });
});

describe("messages in the user's words", () => {
  it("a refused push names --force, never the library's option", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      await p.cli(["push", "data"]);
      writeFiles(p.cwd, { "data/a.txt": "changed" });
      for (const argv of [["push", "data"], ["push", "data", "top.txt"]]) {
        const r = await p.cli(argv);
        expect(r.code).toBe(3);
        expect(r.stderr).toContain("--force");
        expect(r.stderr).not.toMatch(LIBRARY_WORDS);
      }
      const dry = await p.cli(["push", "data", "-n"], { isTTY: false });
      expect(dry.stderr).not.toMatch(LIBRARY_WORDS);
    } finally {
      p.tmp.remove();
    }
  });

  it("create-bucket --no-exist-ok on an existing bucket names --no-exist-ok", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      const r = await p.cli(["create-bucket", "--no-exist-ok"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("--no-exist-ok");
      expect(r.stderr).not.toMatch(LIBRARY_WORDS);
    } finally {
      p.tmp.remove();
    }
  });

  it("a missing bucket says create-bucket once", async () => {
    const p = project();
    try {
      const r = await p.cli(["ls"]);
      expect(r.code).toBe(1);
      expect(r.stderr.match(/create-bucket/g)).toHaveLength(1);
    } finally {
      p.tmp.remove();
    }
  });

  it("a path outside --local-path-prefix names the flag", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      const r = await p.cli(["push", "data", "--local-path-prefix", "elsewhere"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toMatch(LIBRARY_WORDS);
    } finally {
      p.tmp.remove();
    }
  });
});

describe("consistent exit codes", () => {
  it("a missing pull source is an error (1) like a missing push source", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      await p.cli(["push", "data"]);
      const push = await p.cli(["push", "nonexist"]);
      const pull = await p.cli(["pull", "nonexist"]);
      expect([push.code, pull.code]).toEqual([1, 1]);
      expect(pull.stderr).toMatch(/^error: Cannot pull "nonexist": no remote files found/);
      expect(pull.stderr).not.toContain("warning");
      expect(pull.stderr).toContain("accsr ls");
      expect(pull.stderr.trimEnd().split("\n")).toHaveLength(2); // error and hint
      const json = await p.cli(["pull", "nonexist", "--json"]);
      expect(JSON.parse(json.stdout).error.code).toBe("NO_FILES_FOUND");
      // an existing path, and everything ('.'), still work
      expect((await p.cli(["pull", "data", "-n"])).code).toBe(0);
      expect((await p.cli(["pull", ".", "-n"])).code).toBe(0);
    } finally {
      p.tmp.remove();
    }
  });

  it("an invalid bucket name is a usage error (2), from a flag or a file", async () => {
    const p = project();
    try {
      const flag = await p.cli(["ls", "--bucket", "My_Bucket"]);
      expect(flag.code).toBe(2);
      expect(flag.stderr).toContain('invalid name "My_Bucket"');
      writeFiles(p.cwd, {
        "config.json": { remote_storage: { provider: "s3", bucket: "ab", endpoint: "http://x" } },
      });
      expect((await p.cli(["ls"])).code).toBe(2);
    } finally {
      p.tmp.remove();
    }
  });
});

describe("--json keeps its shape; --json=summary gives only the counts", () => {
  it("push, pull, status, ls and rm", async () => {
    const p = project();
    try {
      await p.cli(["create-bucket"]);
      const full = JSON.parse((await p.cli(["push", "data", "-n", "--json"])).stdout);
      expect(Object.keys(full)).toEqual(expect.arrayContaining(["summary", "not_on_target"]));
      const short = JSON.parse((await p.cli(["push", "data", "-n", "--json=summary"])).stdout);
      expect(short).toEqual({
        sync_direction: "push",
        dry_run: true,
        force: false,
        refused: false,
        summary: full.summary,
      });
      await p.cli(["push", "data"]);
      const pulled = JSON.parse((await p.cli(["pull", "data", "--json=summary"])).stdout);
      expect(Object.keys(pulled)).toEqual([
        "sync_direction",
        "dry_run",
        "force",
        "refused",
        "summary",
      ]);
      const status = JSON.parse((await p.cli(["status", "--json=summary"])).stdout);
      expect(Object.keys(status.push)).not.toContain("matched_source_files");
      expect(JSON.parse((await p.cli(["ls", "--json=summary"])).stdout)).toEqual({
        objects: 2,
        total_size: 5,
      });
      expect(JSON.parse((await p.cli(["rm", "data", "-n", "--json=summary"])).stdout)).toEqual({
        dry_run: true,
        deleted: 2,
        total_size: 5,
      });
      const bad = await p.cli(["ls", "--json=full"]);
      expect(bad.code).toBe(2);
    } finally {
      p.tmp.remove();
    }
  });
});

describe("cliWords", () => {
  it("turns the library's option names into the CLI's flags", async () => {
    const { cliWords } = await import("../../cli/words.ts");
    const cases: [string, string][] = [
      [
        "Cannot push: 1 file(s) differ on the remote and force is false, nothing was transferred (pass force to overwrite, or run a dry run to inspect): a",
        "--force",
      ],
      ['Cannot create bucket "b" in x: it already exists (pass existOk to accept it)', ""],
      ['Cannot push "a": it is not inside localPathPrefix "/p" (x)', "--local-path-prefix"],
      [
        "This transaction plans 3 deletions, more than maxDelete=2, and would be refused",
        "--max-delete 2",
      ],
      ['Cannot pull into "d": a file (pass a directory as localBaseDir)', "--to"],
      ["would not succeed without force=True", "--force"],
      ["Skipping push because dryrun=True", "--dry-run"],
    ];
    for (const [library, flag] of cases) {
      const cli = cliWords(library);
      expect(cli).not.toMatch(LIBRARY_WORDS);
      expect(cli).not.toMatch(/\b(maxDelete|localBaseDir|force=True)\b/);
      if (flag) expect(cli).toContain(flag);
    }
  });
});
