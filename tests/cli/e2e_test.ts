/**
 * End-to-end: the real `accsr` binary as a child process (`deno run -A cli.ts` under Deno,
 * `node cli.js` on the compiled npm tree).
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { expect } from "expect";
import { VERSION } from "../../cli/mod.ts";
import { project, readText } from "./_helpers.ts";

/** The command that runs the CLI in this runtime. */
function cliCommand(): { command: string; args: string[] } {
  const compiled = fileURLToPath(new URL("../../cli.js", import.meta.url));
  const source = fileURLToPath(new URL("../../cli.ts", import.meta.url));
  // process.execPath is the deno or node binary running this test
  if (process.versions.deno !== undefined) {
    return { command: process.execPath, args: ["run", "-A", "--quiet", source] };
  }
  return { command: process.execPath, args: [existsSync(compiled) ? compiled : source] };
}

/** The environment of this process without storage credentials or configuration. */
function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(AWS_|AZURE_|S3_|NO_COLOR$)/.test(k)) out[k] = v;
  }
  return out;
}

function accsr(argv: string[], cwd: string, env: Record<string, string> = {}) {
  const { command, args } = cliCommand();
  const r = spawnSync(command, [...args, ...argv], {
    cwd,
    encoding: "utf8",
    env: { ...inheritedEnv(), ...env },
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the accsr binary", () => {
  it("--help and --version exit 0; a usage error exits 2", () => {
    const p = project();
    try {
      const help = accsr(["--help"], p.cwd);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain("Usage: accsr <command> [options]");
      expect(accsr(["--version"], p.cwd).stdout).toBe(`accsr ${VERSION}\n`);
      const bad = accsr(["frobnicate"], p.cwd);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('error: unknown command "frobnicate"');
    } finally {
      p.tmp.remove();
    }
  });

  it("pushes and pulls with the file provider; a conflict exits 3", () => {
    const p = project();
    try {
      expect(accsr(["create-bucket"], p.cwd).code).toBe(0);
      const pushed = accsr(["push", "data", "top.txt"], p.cwd);
      expect(pushed).toMatchObject({ code: 0, stdout: "pushed 3 files (8 B); 0 unchanged\n" });
      const pulled = accsr(["pull", ".", "--to", join(p.tmp.path, "copy"), "--json"], p.cwd);
      expect(pulled.code).toBe(0);
      expect(JSON.parse(pulled.stdout).summary.synced_files).toBe(3);
      expect(readText(join(p.tmp.path, "copy"), "data/sub/b.txt")).toBe("bb");
      const unchanged = accsr(["push", "top.txt"], p.cwd);
      expect(unchanged).toMatchObject({ code: 0, stdout: "nothing to push; 1 unchanged\n" });
      writeFileSync(join(p.cwd, "top.txt"), "changed");
      const refused = accsr(["push", "top.txt"], p.cwd);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/^error: Cannot push/);
    } finally {
      p.tmp.remove();
    }
  });
});
