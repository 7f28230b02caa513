/**
 * Builds the npm package `accsr` into `npm/` without dnt:
 *
 * - `npm/esm/`: ESM JavaScript + `.d.ts` of every library file reachable from the `deno.json`
 *   exports and `cli.ts`, compiled by `tsc` (typescript 7 from `tools/`) with
 *   `rewriteRelativeImportExtensions`; `.d.ts` specifiers rewritten from `.ts` to `.js`.
 * - `npm/package.json` (exports, bin, engines, dependencies from the import map), README, LICENSE.
 * - `npm/test/`: the test files (`tests/**\/*_test.ts` that do not use Deno APIs) compiled to
 *   `npm/test/tests/`, with `tests/` data files copied and symlinks to `../esm/*`, so that
 *   `node --test npm/test/tests/…_test.js` runs them against the compiled library. Not published.
 *   `npm/test/test-dependencies.json` lists the npm packages the tests need beyond the library's.
 *
 * Usage: `deno run -A scripts/build_npm.ts [--root DIR] [--out DIR] [--no-tests] [--keep-stage]`
 *
 * @module
 */
import { spawn } from "node:child_process";
import { builtinModules } from "node:module";
import {
  chmod,
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Closure, closureOf, loadGraph, type NpmUse } from "./_npm_graph.ts";
import {
  blankComments,
  findImportSpecifiers,
  isRelative,
  packageNameOf,
  parseJsonc,
  parseNpmSpecifier,
  rewriteDtsSpecifiers,
  rewriteNpmSpecifiers,
} from "./_npm_util.ts";

const PACKAGE_NAME = "accsr";
const BIN_NAME = "accsr";
const BIN_SOURCE = "cli.ts";
const DESCRIPTION =
  "Configuration, remote storage sync (S3, Azure Blob, local directories) and data loading " +
  "utilities — a TypeScript port of the Python library accsr.";
/**
 * Folder (below `esm/`) of the bundled binary: the CLI and the library modules it imports in
 * one file, plus one chunk per lazily loaded part (S3, Azure, …). Node resolves and loads each
 * module of an ESM graph separately: `accsr --help` took 0.18 s of CPU from `esm/cli.js` (110
 * modules), 0.10 s bundled.
 */
const BIN_DIR = "_bin";
/** Small dependencies the binary carries inside its bundle (the others load from node_modules). */
const BUNDLED_INTO_BIN = new Set(["smol-toml", "mime", "ignore"]);
/** Packages tests may use that never become runtime dependencies (nor do `@types/*`). */
const NEVER_RUNTIME_DEPENDENCIES = new Set(["expect", "@types/node"]);
/** The package's README, for Node users (the project README is about the repository). */
const NPM_README = "docs/npm/README.md";
const KEYWORDS = ["s3", "azure-blob-storage", "gcs", "sync", "config", "data", "accsr", "deno"];
/** TypeScript libs matching what Node 20 implements (ES2023 + Symbol.dispose/asyncDispose). */
const LIB = ["ES2023", "ESNext.Disposable"];

interface DenoJson {
  name?: string;
  version?: string;
  description?: string;
  license?: string;
  exports?: string | Record<string, string>;
  imports?: Record<string, string>;
  compilerOptions?: Record<string, unknown>;
}

const started = performance.now();
const log = (msg: string) => console.log(msg);
const warn = (msg: string) => console.warn(`WARNING: ${msg}`);
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

class BuildError extends Error {}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function walk(dir: string, skip: (path: string) => boolean = () => false): Promise<string[]> {
  const files: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return files;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (skip(p)) continue;
    if (e.isDirectory()) files.push(...await walk(p, skip));
    else if (e.isFile()) files.push(p);
  }
  return files;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => output += d);
    child.stderr.on("data", (d) => output += d);
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

/** Library entry points: `deno.json` exports plus the bin source, as root-relative paths. */
async function entryPoints(root: string, denoJson: DenoJson) {
  const exportsMap = typeof denoJson.exports === "string"
    ? { ".": denoJson.exports }
    : denoJson.exports ?? { ".": "./mod.ts" };
  const subpaths: { subpath: string; source: string }[] = [];
  for (const [subpath, target] of Object.entries(exportsMap)) {
    const source = relative(root, resolve(root, target));
    if (await exists(join(root, source))) subpaths.push({ subpath, source });
    else warn(`export "${subpath}" → ${target} does not exist yet: left out of the package`);
  }
  const bin = await exists(join(root, BIN_SOURCE)) ? BIN_SOURCE : undefined;
  if (!bin) warn(`${BIN_SOURCE} does not exist yet: the package gets no "${BIN_NAME}" binary`);
  if (subpaths.length === 0 && !bin) {
    throw new BuildError("no entry point exists: nothing to build");
  }
  return { subpaths, bin };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * `repository`, `homepage` and `bugs` of package.json, from `ACCSR_REPOSITORY_URL`, GitHub
 * Actions (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`: what `npm publish --provenance` checks
 * the field against) or the `origin` remote of the checkout; undefined when none is known.
 */
async function repository(root: string): Promise<Record<string, unknown> | undefined> {
  let url = process.env.ACCSR_REPOSITORY_URL;
  if (!url && process.env.GITHUB_REPOSITORY) {
    url = `${
      process.env.GITHUB_SERVER_URL ?? "https://github.com"
    }/${process.env.GITHUB_REPOSITORY}`;
  }
  if (!url) {
    const r = await run("git", ["-C", root, "remote", "get-url", "origin"], root)
      .catch(() => ({ code: 1, output: "" }));
    if (r.code === 0) url = r.output.trim();
  }
  if (!url) return undefined;
  // git@github.com:o/r.git → https://github.com/o/r
  const web = url.replace(/^git\+/, "").replace(/^git@([^:]+):/, "https://$1/")
    .replace(/^ssh:\/\/git@/, "https://").replace(/\.git$/, "").replace(/\/$/, "");
  if (!/^https?:\/\//.test(web)) return { repository: { type: "git", url } };
  return {
    homepage: `${web}#readme`,
    bugs: { url: `${web}/issues` },
    repository: { type: "git", url: `git+${web}.git` },
  };
}

/** `dependencies` entries (import name → range or `npm:` alias) for the npm packages used. */
function dependencyRanges(uses: Iterable<NpmUse>): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const u of [...uses].sort((a, b) => a.importName.localeCompare(b.importName))) {
    const range = u.range ?? (u.resolvedVersion ? `^${u.resolvedVersion}` : "*");
    deps[u.importName] = u.importName === u.packageName ? range : `npm:${u.packageName}@${range}`;
  }
  return deps;
}

interface TscResult {
  ok: boolean;
  output: string;
  untyped: string[];
}

async function tsc(tscPath: string, project: string, cwd: string): Promise<TscResult> {
  const { code, output } = await run(tscPath, ["-p", project, "--pretty", "false"], cwd);
  const untyped = [
    ...new Set(
      [...output.matchAll(/error TS7016: Could not find a declaration file for module '([^']+)'/g)]
        .map((m) => m[1]),
    ),
  ];
  return { ok: code === 0, output: output.trim(), untyped };
}

/**
 * How npm packages without bundled types are typed: with `@types/<name>` fetched from npm into
 * `<stage>/node_modules` (tsc finds it walking up from `<stage>/src`), else as `any` through a
 * shorthand ambient module. Deno types such packages as `any` (even names used as types), so
 * code that passes `deno check` may need real types under tsc.
 */
interface Untyped {
  stage: string;
  /** npm packages the graph uses, by import name. */
  uses: Map<string, NpmUse>;
  tried: Set<string>;
  shims: Set<string>;
  /** `@types/x@range` fetched, for the report. */
  fetched: string[];
}

function typesPackageFor(u: Untyped, module: string): string {
  const use = u.uses.get(packageNameOf(module));
  const pkg = use?.packageName ?? packageNameOf(module);
  const name = `@types/${pkg.startsWith("@") ? pkg.slice(1).replace("/", "__") : pkg}`;
  const major = use?.resolvedVersion?.split(".")[0];
  return major ? `${name}@^${major}` : name;
}

async function fetchTypes(u: Untyped, modules: string[]): Promise<void> {
  const wanted = new Map(modules.map((m) => [m, typesPackageFor(u, m)]));
  const npmInstall = (specs: string[]) =>
    run("npm", [
      "install",
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--loglevel=error",
      "--prefix",
      u.stage,
      ...specs,
    ], u.stage);
  const all = [...new Set(wanted.values())];
  const ok = new Set<string>();
  if ((await npmInstall(all)).code === 0) all.forEach((s) => ok.add(s));
  else if (all.length > 1) {
    for (const spec of all) if ((await npmInstall([spec])).code === 0) ok.add(spec);
  }
  for (const [m, spec] of wanted) {
    u.tried.add(m);
    if (ok.has(spec)) {
      u.fetched.push(spec);
      warn(
        `npm package "${m}" has no types: type-checked with ${spec} fetched from npm ` +
          `(pin it: add "${spec.replace(/@[^@]*$/, "")}": "npm:${spec}" to the deno.json imports)`,
      );
    } else {
      u.shims.add(m);
      warn(`npm package "${m}" has no types and ${spec} is unavailable: typed as any`);
    }
  }
}

/** Compiles a tsc project (`config` is written to `<stage>/src/<name>`). */
async function compile(
  tscPath: string,
  name: string,
  config: Record<string, unknown>,
  u: Untyped,
): Promise<void> {
  const src = join(u.stage, "src");
  for (let attempt = 0; attempt < 4; attempt++) {
    const files = [...(config.files as string[])];
    if (u.shims.size > 0) {
      await writeFile(
        join(src, "_untyped_modules.d.ts"),
        "// npm packages without type declarations: any, as in Deno.\n" +
          [...u.shims].sort().map((m) => `declare module ${JSON.stringify(m)};\n`).join(""),
      );
      files.push("_untyped_modules.d.ts");
    }
    await writeFile(join(src, name), JSON.stringify({ ...config, files }, null, 2));
    const r = await tsc(tscPath, name, src);
    if (r.ok) return;
    const fresh = r.untyped.filter((m) => !u.tried.has(m) && !u.shims.has(m));
    if (fresh.length === 0) {
      // drop TS7016 diagnostics (about to be handled) with their indented continuation lines
      const blocks = r.output.split(/\n(?=\S)/).filter((b) => !/error TS7016/.test(b));
      const hint = u.shims.size > 0
        ? `\n(typed as any: ${[...u.shims].join(", ")}; names of such packages cannot be ` +
          `used as types under tsc: add their @types package to the deno.json imports)`
        : "";
      throw new BuildError(
        `tsc failed (${name}; rerun with --keep-stage to inspect ${src}):\n` +
          `${blocks.join("\n")}\n` +
          `(the build type-checks for Node 20: lib ${LIB.join(", ")} + @types/node)${hint}`,
      );
    }
    await fetchTypes(u, fresh);
  }
  throw new BuildError(`tsc failed for ${name}: untyped modules keep appearing`);
}

/**
 * Regular files outside `tests/` that test files name with a relative string literal
 * (`"../../deno.json"`), which Node tests can only read if they are copied along.
 */
async function referencedProjectFiles(root: string, testFiles: string[]): Promise<string[]> {
  const testsDir = join(root, "tests") + sep;
  const found = new Set<string>();
  for (const file of testFiles) {
    if (!file.startsWith(testsDir) || !/\.[mc]?tsx?$/.test(file)) continue;
    const code = blankComments(await readFile(file, "utf8"));
    for (const m of code.matchAll(/(["'`])((?:\.\.\/)+[^"'`\s$]+)\1/g)) {
      const target = resolve(dirname(file), m[2]);
      if (target.startsWith(testsDir) || !target.startsWith(root + sep)) continue;
      if (/\.[mc]?tsx?$/.test(target)) continue; // modules: compiled, not copied
      try {
        if ((await stat(target)).isFile()) found.add(target);
      } catch {
        // not a file of the project: ignore
      }
    }
  }
  return [...found].sort();
}

/** Checks that every import of the emitted files resolves: relative files exist, bare ones are deps. */
/** Bundles the emitted CLI (`binJs`) into `esm/_bin/` with `deno bundle` (esbuild). */
async function bundleBin(root: string, binJs: string, deps: Record<string, string>) {
  const outDir = join(dirname(binJs), BIN_DIR);
  await rm(outDir, { recursive: true, force: true });
  const external = Object.keys(deps).filter((d) => !BUNDLED_INTO_BIN.has(d))
    .flatMap((d) => ["--external", d, "--external", `${d}/*`]);
  const r = await run(Deno.execPath(), [
    "bundle",
    "--config",
    join(root, "deno.json"),
    ...external,
    "--code-splitting",
    "--format",
    "esm",
    "--platform",
    "deno",
    "--outdir",
    outDir,
    binJs,
  ], root);
  const out = join(outDir, basename(binJs));
  if (r.code !== 0 || !(await exists(out))) {
    throw new BuildError(`deno bundle of the binary failed:\n${r.output}`);
  }
  const text = await readFile(out, "utf8");
  const body = text.startsWith("#!") ? text.slice(text.indexOf("\n") + 1) : text;
  await writeFile(out, `#!/usr/bin/env node\n${body}`);
  await chmod(out, 0o755);
}

async function verifyEmitted(esmDir: string, deps: Record<string, string>): Promise<string[]> {
  const problems: string[] = [];
  const builtins = new Set(builtinModules);
  for (const file of await walk(esmDir)) {
    if (!/\.(m?js|d\.m?ts)$/.test(file)) continue;
    const src = await readFile(file, "utf8");
    for (const { specifier, line } of findImportSpecifiers(src)) {
      const where = `${relative(esmDir, file)}:${line}`;
      if (specifier.startsWith("types:")) {
        if (specifier !== "types:node") problems.push(`${where}: references types "${specifier}"`);
        continue;
      }
      if (isRelative(specifier)) {
        if (/\.(tsx?|mts|cts)$/.test(specifier) && !specifier.endsWith(".d.ts")) {
          problems.push(`${where}: "${specifier}" still has a TypeScript extension`);
        } else if (!await exists(resolve(dirname(file), specifier))) {
          problems.push(`${where}: "${specifier}" does not exist in the package`);
        }
        continue;
      }
      if (specifier.startsWith("node:") || builtins.has(specifier)) continue;
      if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) {
        problems.push(`${where}: "${specifier}" cannot be loaded by Node`);
        continue;
      }
      if (!(packageNameOf(specifier) in deps)) {
        problems.push(`${where}: "${specifier}" is not in package.json dependencies`);
      }
    }
  }
  return problems;
}

async function main() {
  const { values: flags } = parseArgs({
    args: Deno.args,
    options: {
      root: { type: "string" },
      out: { type: "string" },
      "no-tests": { type: "boolean", default: false },
      "keep-stage": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (flags.help) {
    log(
      "Usage: deno run -A scripts/build_npm.ts [--root DIR] [--out DIR] [--no-tests] [--keep-stage]",
    );
    return;
  }
  const root = resolve(flags.root ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  const out = resolve(flags.out ?? join(root, "npm"));
  const configFile = join(root, "deno.json");
  const denoJson = parseJsonc(await readFile(configFile, "utf8")) as DenoJson;
  if (!denoJson.version) throw new BuildError(`${configFile} has no "version"`);

  // ── 1. module graph ────────────────────────────────────────────────────────────────
  const { subpaths, bin } = await entryPoints(root, denoJson);
  const libRoots = [...new Set([...subpaths.map((s) => s.source), ...(bin ? [bin] : [])])];
  const testsDir = join(root, "tests");
  const skipTestPath = (p: string) =>
    p === join(testsDir, "npm") || p === join(testsDir, "testdata") ||
    p.endsWith(`${sep}node_modules`);
  const testRoots = flags["no-tests"]
    ? []
    : (await walk(testsDir, skipTestPath)).filter((p) => p.endsWith("_test.ts")).map((p) =>
      relative(root, p)
    );
  const graph = await loadGraph(configFile, [...libRoots, ...testRoots].map((p) => join(root, p)));

  const lib = await closureOf(graph, libRoots.map((p) => join(root, p)));
  const libProblems = [...new Set(lib.problems)];
  for (const f of lib.denoFiles) {
    libProblems.push(
      `${relative(root, f)}: uses the Deno global; library code must use node: APIs`,
    );
  }
  for (const f of lib.files) {
    if (!f.startsWith(root + sep)) libProblems.push(`${f}: library file outside ${root}`);
  }
  if (libProblems.length > 0) {
    throw new BuildError(`the library cannot be built for Node:\n  ${libProblems.join("\n  ")}`);
  }
  const dependencies = dependencyRanges(
    [...lib.npm.values()].filter((u) =>
      !NEVER_RUNTIME_DEPENDENCIES.has(u.importName) && !u.importName.startsWith("@types/")
    ),
  );

  const tests: { path: string; closure: Closure }[] = [];
  const skippedTests: string[] = [];
  for (const t of testRoots) {
    const c = await closureOf(graph, [join(root, t)]);
    const reasons = [...new Set(c.problems)];
    if (c.denoFiles.size > 0) {
      reasons.push(`uses Deno APIs (${[...c.denoFiles].map((f) => relative(root, f)).join(", ")})`);
    }
    for (const f of c.files) {
      if (!f.startsWith(testsDir + sep) && !lib.files.has(f)) {
        reasons.push(`imports ${relative(root, f)}, which is not part of the published library`);
      }
    }
    if (reasons.length > 0) skippedTests.push(`${t}: ${reasons.join("; ")}`);
    else tests.push({ path: t, closure: c });
  }

  // ── 2. toolchain ───────────────────────────────────────────────────────────────────
  const tscPath = process.env.TSC ?? join(root, "tools", "node_modules", ".bin", "tsc");
  if (!await exists(tscPath) && !process.env.TSC) {
    // a fresh clone: install the pinned tools (typescript, azurite) as the test task does
    log("no tsc in tools/node_modules: running `npm ci --prefix tools` …");
    const r = await run(
      "npm",
      ["ci", "--prefix", join(root, "tools"), "--no-audit", "--no-fund", "--loglevel=error"],
      root,
    ).catch((e) => ({ code: 1, output: `cannot run npm: ${(e as Error).message}` }));
    if (r.code !== 0) throw new BuildError(`npm ci --prefix tools failed:\n${r.output}`);
    await copyFile(
      join(root, "tools", "package-lock.json"),
      join(root, "tools", "node_modules", ".accsr-installed-lock"),
    );
  }
  if (!await exists(tscPath)) {
    throw new BuildError(`no tsc at ${tscPath}: run \`npm ci --prefix tools\` (or set TSC=…)`);
  }
  const testNpm = new Map<string, NpmUse>();
  for (const t of tests) for (const [k, v] of t.closure.npm) if (!lib.npm.has(k)) testNpm.set(k, v);
  const needed = ["@types/node", ...lib.npm.keys(), ...testNpm.keys()];
  const nodeModules = join(root, "node_modules");
  if (!(await Promise.all(needed.map((p) => exists(join(nodeModules, p))))).every(Boolean)) {
    log("node_modules incomplete: running `deno install`");
    const r = await run(Deno.execPath(), ["install"], root);
    if (r.code !== 0) throw new BuildError(`deno install failed:\n${r.output}`);
  }
  for (const p of needed) {
    if (!await exists(join(nodeModules, p))) {
      throw new BuildError(
        `${join(nodeModules, p)} missing after deno install (add it to the import map?)`,
      );
    }
  }

  // ── 3. stage and compile ───────────────────────────────────────────────────────────
  const stage = await mkdtemp(join(tmpdir(), "accsr-npm-stage-"));
  try {
    const staged = new Set<string>([...lib.files, ...tests.flatMap((t) => [...t.closure.files])]);
    for (const f of staged) {
      const to = join(stage, "src", relative(root, f));
      await mkdir(dirname(to), { recursive: true });
      // `npm:yaml@^2.9.1` → `yaml` (a dependency in package.json)
      if (/\.[mc]?tsx?$/.test(f)) {
        await writeFile(to, rewriteNpmSpecifiers(await readFile(f, "utf8")));
      } else await copyFile(f, to);
    }
    await writeFile(join(stage, "src", "package.json"), '{ "type": "module", "private": true }\n');
    await symlink(nodeModules, join(stage, "src", "node_modules"), "dir");
    const inherited = { ...denoJson.compilerOptions };
    for (
      const k of ["types", "lib", "jsx", "jsxFactory", "jsxFragmentFactory", "jsxImportSource"]
    ) {
      delete inherited[k];
    }
    const base = {
      ...inherited,
      target: "ES2022",
      lib: LIB,
      module: "nodenext",
      moduleResolution: "nodenext",
      rewriteRelativeImportExtensions: true,
      resolveJsonModule: true,
      strict: true,
      types: ["node"],
      skipLibCheck: true,
      noEmitOnError: true,
      newLine: "lf",
      rootDir: ".",
    };
    const untyped: Untyped = {
      stage,
      uses: new Map([...lib.npm, ...testNpm]),
      tried: new Set(),
      shims: new Set(),
      fetched: [],
    };
    log(`tsc: library (${lib.files.size} files) … [${elapsed()}]`);
    await compile(tscPath, "tsconfig.lib.json", {
      compilerOptions: { ...base, declaration: true, outDir: "../lib" },
      files: libRoots,
    }, untyped);
    if (tests.length > 0) {
      log(`tsc: tests (${tests.length} test files) … [${elapsed()}]`);
      await compile(tscPath, "tsconfig.test.json", {
        compilerOptions: { ...base, declaration: false, outDir: "../test" },
        files: tests.map((t) => t.path),
      }, untyped);
    }

    // ── 4. assemble npm/ ─────────────────────────────────────────────────────────────
    await rm(out, { recursive: true, force: true });
    const esm = join(out, "esm");
    await cp(join(stage, "lib"), esm, { recursive: true });
    // entry points reference @types/node (a dependency): our declarations use Node's types
    // (streams, Buffer, AsyncDisposable), and a consumer may compile with `"types": []` (the
    // `tsc --init` default) or an ES2022 lib
    const entryDts = new Set(libRoots.map((p) => join(esm, p.replace(/\.ts$/, ".d.ts"))));
    for (const f of await walk(esm)) {
      if (/\.d\.[mc]?ts$/.test(f)) {
        let text = rewriteDtsSpecifiers(await readFile(f, "utf8"));
        if (entryDts.has(f) && !/^\/\/\/\s*<reference\s+types="node"/m.test(text)) {
          text = `/// <reference types="node" />\n${text}`;
        }
        await writeFile(f, text);
      }
    }
    if (bin) {
      const binJs = join(esm, bin.replace(/\.ts$/, ".js"));
      const text = await readFile(binJs, "utf8");
      const body = text.startsWith("#!") ? text.slice(text.indexOf("\n") + 1) : text;
      await writeFile(binJs, `#!/usr/bin/env node\n${body}`);
      await chmod(binJs, 0o755);
    }
    if (bin) await bundleBin(root, join(esm, bin.replace(/\.ts$/, ".js")), dependencies);
    const emitted = (p: string) => `./esm/${p.replace(/\.ts$/, "")}`;
    const exportsField: Record<string, unknown> = {};
    for (const { subpath, source } of subpaths) {
      exportsField[subpath] = {
        types: `${emitted(source)}.d.ts`,
        default: `${emitted(source)}.js`,
      };
    }
    exportsField["./package.json"] = "./package.json";
    const mainEntry = subpaths.find((s) => s.subpath === ".");
    const repo = await repository(root);
    if (!repo) {
      warn(
        "no repository URL (no `origin` remote, not on GitHub Actions, ACCSR_REPOSITORY_URL " +
          "unset): package.json gets no repository field (npm publish --provenance needs it)",
      );
    }
    const typesNodeRange = parseNpmSpecifier(denoJson.imports?.["@types/node"] ?? "")?.range;
    const pkg = {
      name: PACKAGE_NAME,
      version: denoJson.version,
      description: denoJson.description ?? DESCRIPTION,
      keywords: KEYWORDS,
      license: denoJson.license ?? "MIT",
      ...(repo ?? {}),
      type: "module",
      ...(mainEntry
        ? { main: `${emitted(mainEntry.source)}.js`, types: `${emitted(mainEntry.source)}.d.ts` }
        : {}),
      exports: exportsField,
      // without "./": npm publish rewrites (and warns about) "./esm/cli.js"
      ...(bin ? { bin: { [BIN_NAME]: `esm/${BIN_DIR}/${bin.replace(/\.ts$/, ".js")}` } } : {}),
      files: ["esm/", "README.md", "CHANGELOG.md", "LICENSE"],
      engines: { node: ">=20" },
      // types of the declarations (see above); any version from the one we build with on, so
      // that it dedupes with the consumer's own @types/node
      dependencies: sortKeys({
        ...dependencies,
        "@types/node": `>=${(typesNodeRange ?? "20").replace(/^[\^~>=]+/, "")}`,
      }),
      publishConfig: { access: "public" },
    };
    await writeFile(join(out, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
    // the package's own README (for Node users), the project's CHANGELOG and LICENSE
    for (
      const [from, to] of [[NPM_README, "README.md"], ["CHANGELOG.md", "CHANGELOG.md"], [
        "LICENSE",
        "LICENSE",
      ]]
    ) {
      if (await exists(join(root, from))) await copyFile(join(root, from), join(out, to));
      else warn(`${from} does not exist: the package has no ${to}`);
    }
    const problems = await verifyEmitted(esm, dependencies);
    if (problems.length > 0) {
      throw new BuildError(`the emitted package has broken imports:\n  ${problems.join("\n  ")}`);
    }
    for (const file of await walk(esm)) {
      if (!file.endsWith(".d.ts")) continue;
      for (const { specifier, line } of findImportSpecifiers(await readFile(file, "utf8"))) {
        if (untyped.shims.has(specifier)) {
          warn(`${relative(esm, file)}:${line}: public types use untyped "${specifier}" (any)`);
        }
      }
    }

    // ── 5. tests ─────────────────────────────────────────────────────────────────────
    if (!flags["no-tests"]) {
      const testOut = join(out, "test");
      await mkdir(testOut, { recursive: true });
      if (await exists(join(stage, "test", "tests"))) {
        await cp(join(stage, "test", "tests"), join(testOut, "tests"), { recursive: true });
      }
      // data files (tests/testdata/** and any other non-TypeScript file under tests/)
      for (const f of await walk(testsDir, (p) => p === join(testsDir, "npm"))) {
        if (/\.(ts|mts|cts|tsx)$/.test(f)) continue;
        const to = join(testOut, relative(root, f));
        await mkdir(dirname(to), { recursive: true });
        await cp(f, to);
      }
      // project files the tests read by relative path, e.g. new URL("../../deno.json", …)
      const extras = await referencedProjectFiles(root, tests.flatMap((t) => [...t.closure.files]));
      const esmNames = new Set(await readdir(esm));
      for (const f of extras) {
        const rel = relative(root, f);
        if (esmNames.has(rel.split(sep)[0])) {
          warn(`tests read ${rel}, which lies in a library folder: not copied`);
          continue;
        }
        await mkdir(dirname(join(testOut, rel)), { recursive: true });
        await copyFile(f, join(testOut, rel));
        log(`  copied ${rel} for the tests (read by relative path)`);
      }
      for (const name of esmNames) {
        if (name !== "tests") await symlink(join("..", "esm", name), join(testOut, name));
      }
      await writeFile(join(testOut, "package.json"), '{ "type": "module", "private": true }\n');
      // packages the tests (and the TypeScript consumer check) need besides the library's
      const testDeps = dependencyRanges(
        [...testNpm.values()].filter((u) => u.importName !== "@types/node"),
      );
      const typesNode = parseNpmSpecifier(denoJson.imports?.["@types/node"] ?? "");
      testDeps["@types/node"] = typesNode?.range ?? "^20";
      await writeFile(
        join(testOut, "test-dependencies.json"),
        JSON.stringify(testDeps, null, 2) + "\n",
      );
    }

    // ── 6. summary ───────────────────────────────────────────────────────────────────
    const esmFiles = (await walk(esm)).filter((f) => f.endsWith(".js")).length;
    log(`npm package ${PACKAGE_NAME}@${denoJson.version} → ${relative(root, out) || out}`);
    log(
      `  exports: ${subpaths.map((s) => s.subpath).join(", ") || "(none)"}; bin: ${
        bin ? BIN_NAME : "(none)"
      }`,
    );
    log(`  ${esmFiles} JS modules; dependencies: ${JSON.stringify(dependencies)}`);
    if (!flags["no-tests"]) {
      log(`  ${tests.length} test files compiled to ${relative(root, join(out, "test", "tests"))}`);
      for (const s of skippedTests) log(`  note: test skipped for Node: ${s}`);
    }
    log(`done in ${elapsed()}`);
  } finally {
    if (flags["keep-stage"]) log(`stage kept at ${stage}`);
    else await rm(stage, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  if (!(e instanceof BuildError)) throw e;
  console.error(`build_npm: ${e.message}`);
  process.exit(1);
}
