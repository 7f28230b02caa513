/**
 * Dependency hygiene, run by the test task (`scripts/test.sh`):
 *
 * - library and CLI sources import only relative `.ts` paths, `node:` built-ins and
 *   `npm:name@range` specifiers (no bare specifiers: the library is imported by URL, where our
 *   `deno.json` import map does not apply);
 * - every `npm:` specifier uses the range of the package's `deno.json` imports entry;
 * - no `deno.json` imports entry and no `tools/package.json` dependency is unused.
 *
 * Usage: `deno run -A scripts/check_deps.ts [--root DIR]`; exits 1 and lists the problems.
 *
 * @module
 */
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { checkDependencies, type SourceFile } from "./_deps_check.ts";
import { parseJsonc } from "./_npm_util.ts";

const SKIP_DIRS = new Set(["node_modules", "npm", "tmp", ".git"]);

async function walk(root: string, dir: string, out: string[]): Promise<string[]> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && relative(root, p) !== join("tests", "testdata")) {
        await walk(root, p, out);
      }
    } else if (e.isFile()) out.push(p);
  }
  return out;
}

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { root: { type: "string" } },
});
const root = resolve(flags.root ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
const files = await walk(root, root, []);
const read = async (p: string): Promise<SourceFile> => ({
  path: relative(root, p).split(sep).join("/"),
  text: await readFile(p, "utf8"),
});
const sources = await Promise.all(
  files.filter((p) => /\.(ts|tsx|mts|js|mjs|cjs|ipynb)$/.test(p)).map(read),
);
const toolFiles = await Promise.all(
  files.filter((p) => {
    const rel = relative(root, p).split(sep).join("/");
    return /^(scripts|\.ci|tests)\//.test(rel) && !/\.(ipynb|bin|gz|xz|bz2|tar)$/.test(rel) ||
      rel === "deno.json";
  }).map(read),
);
const denoJson = parseJsonc(await readFile(join(root, "deno.json"), "utf8")) as {
  imports?: Record<string, string>;
};
const toolsPkg = JSON.parse(await readFile(join(root, "tools", "package.json"), "utf8")) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const toolBins: Record<string, string[]> = {};
try {
  const lock = JSON.parse(await readFile(join(root, "tools", "package-lock.json"), "utf8")) as {
    packages?: Record<string, { bin?: Record<string, string> }>;
  };
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path);
    if (m && entry.bin) toolBins[m[1]] = Object.keys(entry.bin);
  }
} catch {
  // no lock file: package names only
}
const problems = checkDependencies({
  sources,
  toolFiles,
  imports: denoJson.imports ?? {},
  toolDependencies: { ...toolsPkg.dependencies, ...toolsPkg.devDependencies },
  toolBins,
});
if (problems.length > 0) {
  console.error(`check_deps: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `check_deps: ${sources.length} sources, ${
    Object.keys(denoJson.imports ?? {}).length
  } deno.json ` +
    `imports, ${Object.keys(toolsPkg.dependencies ?? {}).length} tools: ok`,
);
