import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, it } from "node:test";
import { expect } from "expect";
import { EXIT_CODES, VERSION } from "../../cli/mod.ts";
import { runCli } from "./_helpers.ts";

const cwd = tmpdir();
const cli = (argv: string[]) => runCli(argv, { cwd });
const COMMANDS = ["push", "pull", "ls", "rm", "create-bucket", "status", "config"];

describe("accsr --help and --version", () => {
  it("--help prints the global help on stdout with every command and exits 0", async () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const r = await cli(argv);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain("Usage: accsr <command> [options]");
      for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c}`);
      expect(r.stdout).toContain("Exit codes:");
      expect(r.stdout).toContain("AWS_ACCESS_KEY_ID");
    }
  });

  it("every command has a help with usage, options, JSON shape and examples", async () => {
    for (const c of COMMANDS) {
      for (const argv of [[c, "--help"], [c, "-h"], ["help", c], ["--help", c]]) {
        const r = await cli(argv);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`Usage: accsr ${c}`);
        expect(r.stdout).toContain("JSON output (--json):");
        expect(r.stdout).toContain("Examples:");
        expect(r.stdout).toContain(`accsr ${c}`);
      }
    }
  });

  it("push --help documents the JSON shape of a transaction", async () => {
    const r = await cli(["push", "--help"]);
    for (
      const key of ['"summary"', '"files_to_sync"', '"refused"', '"dry_run"', '"synced_files"']
    ) {
      expect(r.stdout).toContain(key);
    }
  });

  it("--version prints the version of deno.json", async () => {
    const denoJson = JSON.parse(
      readFileSync(new URL("../../deno.json", import.meta.url), "utf8"),
    ) as { version: string };
    expect(VERSION).toBe(denoJson.version);
    const r = await cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`accsr ${denoJson.version}\n`);
    expect((await cli(["push", "--version"])).stdout).toBe(`accsr ${VERSION}\n`);
  });
});

describe("usage errors exit 2 and print the error and one line pointing to the help", () => {
  const usage = async (argv: string[], message: string, helpOf?: string) => {
    const r = await cli(argv);
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toContain(`error: ${message}`);
    // the message (with its suggestion) and one line, never the help itself
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines.at(-1)).toBe(helpOf ? `see \`accsr ${helpOf} --help\`` : "see `accsr --help`");
    expect(r.stderr).not.toContain("Usage:");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    return r;
  };

  it("no command at all", async () => {
    await usage([], "missing command");
  });

  it("an unknown command, with a suggestion", async () => {
    const r = await usage(["pusj"], 'unknown command "pusj"');
    expect(r.stderr).toContain('did you mean "push"');
    await usage(["help", "nope"], 'unknown command "nope"');
  });

  it("an unknown option, globally and for a command", async () => {
    await usage(["--frobnicate"], 'unknown option "--frobnicate"');
    const r = await usage(
      ["push", "data", "--forse"],
      'unknown option "--forse" for "accsr push"',
      "push",
    );
    expect(r.stderr).toContain('did you mean "--force"');
  });

  it("an option another command has", async () => {
    await usage(["ls", "--force"], 'unknown option "--force" for "accsr ls"', "ls");
    await usage(["push", "x", "--to", "d"], 'unknown option "--to" for "accsr push"', "push");
    await usage(["pull", "x", "-l"], 'unknown option "-l" for "accsr pull"', "pull");
    await usage(["create-bucket", "--dry-run"], 'unknown option "--dry-run"', "create-bucket");
  });

  it("a missing argument", async () => {
    await usage(["push"], 'missing argument <path> of "accsr push"', "push");
    await usage(["pull"], 'missing argument <remote-path> of "accsr pull"', "pull");
    await usage(["rm"], 'missing argument <remote-path> of "accsr rm"', "rm");
  });

  it("too many arguments", async () => {
    await usage(["pull", "a", "b"], 'too many arguments for "accsr pull"', "pull");
    await usage(["ls", "a", "b"], 'too many arguments for "accsr ls"', "ls");
    await usage(["config", "x", "y"], 'too many arguments for "accsr config"', "config");
    await usage(["status", "a", "b"], 'too many arguments for "accsr status"', "status");
  });

  it("a missing option value", async () => {
    await usage(["pull", "x", "--to"], 'option "--to" needs a value', "pull");
    await usage(["push", "x", "--include", "--force"], 'option "--include" needs a value', "push");
  });

  it("a value for a boolean option", async () => {
    await usage(["push", "x", "--force=yes"], 'option "--force" does not take a value', "push");
  });

  it("an invalid --concurrency", async () => {
    for (const v of ["0", "-1", "abc", "1.5"]) {
      await usage(
        ["push", "x", `--concurrency=${v}`],
        'option "--concurrency" needs a positive integer',
        "push",
      );
    }
  });

  it("an invalid --include or --exclude regex", async () => {
    await usage(
      ["push", "x", "--include", "("],
      'option "--include" needs a regular expression',
      "push",
    );
    await usage(
      ["rm", "x", "--exclude", "[a"],
      'option "--exclude" needs a regular expression',
      "rm",
    );
  });
});
