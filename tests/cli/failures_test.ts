/**
 * Usage errors that say what to do (exit 2, no stack-trace hint): remote paths with `..`, `.`
 * or empty segments on every command that takes one; an empty path for push and pull alike;
 * an endpoint with an unsupported scheme (flag or config file).
 */
import { describe, it } from "node:test";
import { expect } from "expect";
import { project, writeFiles } from "./_helpers.ts";

describe("CLI: paths and endpoints refused as usage errors", () => {
  it("remote paths with .. or empty segments are refused on pull, ls and rm (exit 2)", async () => {
    const p = project();
    try {
      expect((await p.cli(["create-bucket"])).code).toBe(0);
      expect((await p.cli(["push", "data"])).code).toBe(0);
      const cases: string[][] = [
        ["pull", "../.."],
        ["pull", "data/../x"],
        ["pull", "data//sub"],
        ["pull", "data/./sub"],
        ["ls", "../x"],
        ["ls", "a//b"],
        ["rm", "../../other"],
        ["rm", "data//a.txt"],
      ];
      for (const argv of cases) {
        const r = await p.cli(argv);
        expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
        expect(r.stderr).toContain("<remote-path>");
        expect(r.stderr).toContain(`see \`accsr ${argv[0]} --help\``);
        expect(r.stderr).not.toContain("--debug");
      }
      // nothing was deleted by the refused rm
      const listed = await p.cli(["ls"]);
      expect(listed.stdout).toContain("data/a.txt");
      // a trailing slash, a leading "./" or "/" stay fine
      for (const ok of ["data/", "./data", "/data", "."]) {
        expect((await p.cli(["ls", ok])).code).toBe(0);
      }
    } finally {
      p.tmp.remove();
    }
  });

  it('pull "" and push "" behave alike: a usage error pointing to "."', async () => {
    const p = project();
    try {
      for (const command of ["push", "pull"]) {
        const r = await p.cli([command, ""]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('is empty (use "." for everything');
      }
    } finally {
      p.tmp.remove();
    }
  });

  it("an endpoint with an unsupported scheme is a usage error, from a flag or a file", async () => {
    const p = project();
    try {
      const flag = await p.cli([
        "ls",
        "--provider",
        "s3",
        "--bucket",
        "bkt",
        "--endpoint",
        "htp://127.0.0.1:9",
      ]);
      expect(flag.code).toBe(2);
      expect(flag.stderr).toContain('unsupported scheme "htp"');
      expect(flag.stderr).not.toContain("stack trace");
      writeFiles(p.cwd, {
        "config.json": {
          remote_storage: { provider: "s3", bucket: "bkt", endpoint: "htp://127.0.0.1:9" },
        },
      });
      const file = await p.cli(["ls"]);
      expect(file.code).toBe(2);
      expect(file.stderr).toContain('unsupported scheme "htp"');
      expect(file.stderr).not.toContain("stack trace");
    } finally {
      p.tmp.remove();
    }
  });
});
