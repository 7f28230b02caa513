import { describe, it } from "node:test";
import { expect } from "expect";
import { jsonOf, type Project, project } from "./_helpers.ts";

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[/;

async function ready(config?: Record<string, unknown>): Promise<Project> {
  const p = project(config ? { config } : {});
  expect((await p.cli(["create-bucket"])).code).toBe(0);
  return p;
}

describe("terminal output", () => {
  it("colours stdout and draws a progress bar on stderr when both are terminals", async () => {
    const p = await ready();
    try {
      const r = await p.cli(["push", "data"], { isTTY: true });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(ANSI);
      // deno-lint-ignore no-control-regex
      expect(r.stdout.replace(/\x1b\[\d+m/g, "")).toBe("pushed 2 files (5 B); 0 unchanged\n");
      expect(r.stderr).toContain("pushing |");
      expect(r.stderr).toContain("100%");
    } finally {
      p.tmp.remove();
    }
  });

  it("NO_COLOR turns colours off (the progress bar stays)", async () => {
    const p = await ready();
    try {
      const r = await p.cli(["push", "data"], { isTTY: true, env: { NO_COLOR: "1" } });
      expect(r.stdout).toBe("pushed 2 files (5 B); 0 unchanged\n");
      expect(r.stderr).toContain("pushing |");
    } finally {
      p.tmp.remove();
    }
  });

  it("--no-progress, --json and use_pbar: false draw no progress bar", async () => {
    const p = await ready();
    try {
      const quiet = await p.cli(["push", "data", "--no-progress"], { isTTY: true });
      expect(quiet.stderr).toBe("");
      const json = await p.cli(["push", "top.txt", "--json"], { isTTY: true });
      expect(json.stderr).toBe("");
      expect(json.stdout).not.toMatch(ANSI);
      expect(jsonOf(json)).toHaveProperty("summary");
    } finally {
      p.tmp.remove();
    }
    const q = await ready({ provider: "file", root: "../store", bucket: "bkt", use_pbar: false });
    try {
      const r = await q.cli(["push", "data"], { isTTY: true });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
    } finally {
      q.tmp.remove();
    }
  });

  it("prints nothing decorative when not on a terminal", async () => {
    const p = await ready();
    try {
      const r = await p.cli(["push", "data"], { isTTY: false });
      expect(r.stdout).toBe("pushed 2 files (5 B); 0 unchanged\n");
      expect(r.stderr).toBe("");
    } finally {
      p.tmp.remove();
    }
  });
});

describe("errors", () => {
  it("are one error line and one hint line, without a stack trace", async () => {
    const p = await ready();
    try {
      const r = await p.cli(["push", "missing"]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^error: Cannot push "missing"/);
      expect(lines[1]).toMatch(/^hint: /);
    } finally {
      p.tmp.remove();
    }
  });

  it("--debug adds the stack trace", async () => {
    const p = await ready();
    try {
      const r = await p.cli(["push", "missing", "--debug"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: Cannot push "missing"/);
      expect(r.stderr).toMatch(/\n\s+at /);
    } finally {
      p.tmp.remove();
    }
  });

  it("are coloured on a terminal only", async () => {
    const p = await ready();
    try {
      expect((await p.cli(["push", "missing"], { isTTY: true })).stderr).toMatch(ANSI);
      expect((await p.cli(["push", "missing"], { isTTY: true, env: { NO_COLOR: "1" } })).stderr).not
        .toMatch(ANSI);
    } finally {
      p.tmp.remove();
    }
  });

  it("with --json, failures also print {error: {code, message, exit_code}} on stdout", async () => {
    const p = await ready();
    try {
      const r = await p.cli(["push", "missing", "--json"]);
      expect(r.code).toBe(1);
      expect(jsonOf(r)).toEqual({
        error: {
          code: "NO_FILES_FOUND",
          message: expect.stringContaining("missing"),
          exit_code: 1,
        },
      });
    } finally {
      p.tmp.remove();
    }
  });
});
