/**
 * CLI conventions checked on the real binary (`deno run -A cli.ts` under Deno, `node cli.js`
 * on the compiled npm tree): a closed pipe ends it quietly, the completion scripts load in
 * bash.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { expect } from "expect";
import { project } from "./_helpers.ts";

/** The command line that runs the CLI in this runtime. */
function cliCommand(): string[] {
  const compiled = fileURLToPath(new URL("../../cli.js", import.meta.url));
  const source = fileURLToPath(new URL("../../cli.ts", import.meta.url));
  if (process.versions.deno !== undefined) {
    return [process.execPath, "run", "-A", "--quiet", source];
  }
  return [process.execPath, existsSync(compiled) ? compiled : source];
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(AWS_|AZURE_|S3_|NO_COLOR$|ACCSR_)/.test(k)) out[k] = v;
  }
  return out;
}

/** Runs a bash script in which `$ACCSR` is the command line of the CLI. */
function bash(script: string, cwd: string) {
  const r = spawnSync("bash", ["-c", script], {
    cwd,
    encoding: "utf8",
    env: { ...inheritedEnv(), ACCSR: cliCommand().map(quote).join(" ") },
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the accsr binary in a pipeline", () => {
  it("`accsr ls | head -1` prints one line, no error, exit code 0", () => {
    const p = project();
    try {
      // more than a pipe buffer (64 KiB) of output, so that writing fails once head exits
      for (let i = 0; i < 400; i++) {
        writeFileSync(join(p.cwd, "data", `${"long-name-".repeat(20)}${i}.txt`), String(i));
      }
      const setup = bash(
        'eval "$ACCSR create-bucket" && eval "$ACCSR push data" >/dev/null',
        p.cwd,
      );
      expect(setup).toMatchObject({ code: 0 });
      for (const command of ["ls", "ls -l", "ls --json"]) {
        const r = bash(
          `eval "$ACCSR ${command}" 2>stderr.txt | head -1; echo "exit=\${PIPESTATUS[0]}"; cat stderr.txt`,
          p.cwd,
        );
        const lines = r.stdout.split("\n");
        expect([command, lines.length]).toEqual([command, 3]); // the line, exit=…, ""
        expect([command, lines[1]]).toEqual([command, "exit=0"]);
        expect(r.stdout).not.toContain("EPIPE");
        expect(r.stdout).not.toContain("error");
      }
    } finally {
      p.tmp.remove();
    }
  });
});
