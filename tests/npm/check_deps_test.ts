// Unit tests of the dependency checks of scripts/check_deps.ts (run by the test task).
import { describe, it } from "node:test";
import { expect } from "expect";
import { checkDependencies, type DepsInput } from "../../scripts/_deps_check.ts";

const base = (over: Partial<DepsInput> = {}): DepsInput => ({
  sources: [
    {
      path: "config/load.ts",
      text: 'import YAML from "npm:yaml@^2.9.1";\nimport { join } from "node:path";\n' +
        'import { x } from "../errors.ts";\n' +
        '// @ts-types="../_types/cli_progress.d.ts"\nimport p from "npm:cli-progress@^3.12.0";\n' +
        'const m = () => import("npm:@aws-sdk/client-s3@^3.1169.0");',
    },
    { path: "tests/a_test.ts", text: 'import { expect } from "expect";' },
  ],
  toolFiles: [{
    path: "scripts/build.ts",
    text: 'const tsc = join("node_modules", ".bin", "tsc");',
  }],
  imports: {
    yaml: "npm:yaml@^2.9.1",
    "cli-progress": "npm:cli-progress@^3.12.0",
    "@types/cli-progress": "npm:@types/cli-progress@^3.11.6",
    "@aws-sdk/client-s3": "npm:@aws-sdk/client-s3@^3.1169.0",
    expect: "npm:expect@^30.5.2",
    "@types/node": "npm:@types/node@^20",
  },
  toolDependencies: { typescript: "7.0.2" },
  toolBins: { typescript: ["tsc", "tsserver"] },
  ...over,
});

describe("checkDependencies", () => {
  it("rejects @types packages in library code (they pull @types/node into deno doc's graph)", () => {
    const input = base();
    input.sources.push({
      path: "loading/t.ts",
      text:
        '// @ts-types="npm:@types/cli-progress@^3.11.6"\nimport p from "npm:cli-progress@^3.12.0";',
    });
    const problems = checkDependencies(input);
    expect(problems).toEqual([expect.stringContaining('loading/t.ts:1: "npm:@types/cli-progress')]);
  });

  it("accepts npm:name@range, node: and relative imports in library code, bare ones in tests", () => {
    expect(checkDependencies(base())).toEqual([]);
  });

  it("rejects a bare specifier in library or CLI code, naming the npm: form to write", () => {
    const input = base();
    input.sources.push({ path: "cli/x.ts", text: 'import "node:fs";\nimport Y from "yaml";' });
    const problems = checkDependencies(input);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('cli/x.ts:2: bare specifier "yaml"');
    expect(problems[0]).toContain('"npm:yaml@^2.9.1"');
  });

  it("rejects npm: specifiers without a range, with another range, or missing from deno.json", () => {
    const input = base();
    input.sources.push({
      path: "storage/y.ts",
      text:
        'import a from "npm:yaml";\nimport b from "npm:yaml@^2.0.0";\nimport c from "npm:left-pad@^1";',
    });
    const problems = checkDependencies(input).join("\n");
    expect(problems).toContain('storage/y.ts:1: "npm:yaml" has no version range');
    expect(problems).toContain('storage/y.ts:2: "npm:yaml@^2.0.0" differs from the deno.json');
    expect(problems).toContain('storage/y.ts:3: "npm:left-pad@^1": add "left-pad"');
  });

  it("reports deno.json imports nothing uses, including @types of an unused package", () => {
    const input = base({
      imports: {
        ...base().imports,
        "@smithy/signature-v4": "npm:@smithy/signature-v4@^5.7.5",
        "unbzip2-stream": "npm:unbzip2-stream@^1.4.3",
        "@types/unbzip2-stream": "npm:@types/unbzip2-stream@^1.4.3",
      },
    });
    const problems = checkDependencies(input);
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toContain('import "@smithy/signature-v4"');
    expect(problems.join("\n")).toContain('import "@types/unbzip2-stream"');
  });

  it("counts bare imports in tests and notebooks as uses", () => {
    const input = base();
    input.sources = [{
      path: "examples/n.ipynb",
      text: JSON.stringify({
        cells: [{ cell_type: "code", source: ['import YAML from "yaml";\n', 'import "node:fs";'] }],
      }),
    }, ...input.sources.slice(1)];
    const problems = checkDependencies(input).join("\n");
    expect(problems).not.toContain('"yaml"');
    expect(problems).toContain('import "cli-progress"');
  });

  it("reports tools/package.json packages whose name and binaries no script mentions", () => {
    const problems = checkDependencies(
      base({ toolDependencies: { typescript: "7.0.2", azurite: "3.35.0" } }),
    );
    expect(problems).toEqual([expect.stringContaining('tools/package.json: "azurite"')]);
  });
});
