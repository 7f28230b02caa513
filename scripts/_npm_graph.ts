/**
 * The module graph of the npm build, from one `deno info --json` call over all roots
 * (library entry points and test files), so every file is resolved exactly as Deno resolves
 * it (import map, `nodeModulesDir`, lock file).
 *
 * @module
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isRelative, packageNameOf, parseNpmSpecifier, usesDenoApi } from "./_npm_util.ts";

/** One dependency edge as written in the source and as Deno resolved it. */
export interface Edge {
  /** The specifier as written, e.g. `yaml` or `../errors.ts`. */
  written: string;
  /** Resolved specifier: `file:///…`, `npm:yaml@^2.9.1`, `node:fs`, …; undefined on error. */
  resolved?: string;
  /** Deno's resolution error, if any. */
  error?: string;
  line: number;
  /** Whether the edge is the code or the types of the import (`@ts-types`, `.d.ts`). */
  kind: "code" | "type";
}

/** One module of the graph. */
export interface GraphModule {
  url: string;
  /** Local path for `file:` modules. */
  path?: string;
  mediaType?: string;
  error?: string;
  edges: Edge[];
}

/** The graph: modules by URL, plus `redirects` (e.g. `npm:yaml@^2` → `npm:/yaml@2.9.1`). */
export interface Graph {
  modules: Map<string, GraphModule>;
  redirects: Record<string, string>;
}

interface InfoDependency {
  specifier: string;
  code?: { specifier?: string; error?: string; span?: { start: { line: number } } };
  type?: { specifier?: string; error?: string; span?: { start: { line: number } } };
}
interface InfoModule {
  specifier: string;
  local?: string;
  mediaType?: string;
  error?: string;
  dependencies?: InfoDependency[];
}

/** Runs `deno info --json` over several roots at once, resolved with `configFile`. */
export async function loadGraph(configFile: string, rootPaths: readonly string[]): Promise<Graph> {
  const dir = await mkdtemp(join(tmpdir(), "accsr-npm-info-"));
  try {
    const entry = join(dir, "entry.ts");
    await writeFile(
      entry,
      rootPaths.map((p) => `import ${JSON.stringify(pathToFileURL(p).href)};\n`).join(""),
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", configFile, entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`deno info failed (exit ${code}):\n${new TextDecoder().decode(stderr)}`);
    }
    const info = JSON.parse(new TextDecoder().decode(stdout)) as {
      modules: InfoModule[];
      redirects?: Record<string, string>;
    };
    const entryUrl = pathToFileURL(entry).href;
    const modules = new Map<string, GraphModule>();
    for (const m of info.modules) {
      if (m.specifier === entryUrl) continue;
      const edges: Edge[] = [];
      for (const d of m.dependencies ?? []) {
        for (const [kind, r] of [["code", d.code], ["type", d.type]] as const) {
          if (!r) continue;
          edges.push({
            kind,
            written: d.specifier,
            resolved: r.specifier,
            error: r.error,
            line: (r.span?.start.line ?? 0) + 1,
          });
        }
      }
      modules.set(m.specifier, {
        url: m.specifier,
        path: m.specifier.startsWith("file:") ? fileURLToPath(m.specifier) : undefined,
        mediaType: m.mediaType,
        error: m.error,
        edges,
      });
    }
    return { modules, redirects: info.redirects ?? {} };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An npm package a part of the graph uses. */
export interface NpmUse {
  /** The name the emitted code imports: the npm package name, or the import map key. */
  importName: string;
  /** The real package name on npm. */
  packageName: string;
  /** Range from the specifier (i.e. the import map), if any. */
  range?: string;
  /** Version Deno resolved, if known. */
  resolvedVersion?: string;
  /** First importer, for messages. */
  from: string;
}

/** What is reachable from a set of roots. */
export interface Closure {
  /** Local files (absolute paths), including the roots. */
  files: Set<string>;
  /** Local files that use the Deno global in code. */
  denoFiles: Set<string>;
  npm: Map<string, NpmUse>;
  /** Problems that make the closure unusable under Node (unresolvable, `jsr:`, range conflicts, …). */
  problems: string[];
}

/** Walks the local part of the graph from `roots` (absolute paths). */
export async function closureOf(graph: Graph, roots: readonly string[]): Promise<Closure> {
  const result: Closure = { files: new Set(), denoFiles: new Set(), npm: new Map(), problems: [] };
  const queue = roots.map((p) => pathToFileURL(p).href);
  const importer = new Map<string, string>();
  const seen = new Set<string>();
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const mod = graph.modules.get(url);
    if (!mod || !mod.path) {
      result.problems.push(`${url}: not in the module graph`);
      continue;
    }
    if (mod.error) {
      const from = importer.get(url);
      result.problems.push(`${mod.path}: ${mod.error}${from ? ` (imported at ${from})` : ""}`);
      continue;
    }
    result.files.add(mod.path);
    if (/^(TypeScript|JavaScript|Mts|Mjs|Dts|Dmts)$/.test(mod.mediaType ?? "")) {
      if (usesDenoApi(await readFile(mod.path, "utf8"))) result.denoFiles.add(mod.path);
    }
    for (const e of mod.edges) {
      const where = `${mod.path}:${e.line}`;
      if (e.error || !e.resolved) {
        result.problems.push(`${where}: cannot resolve "${e.written}": ${e.error ?? "unknown"}`);
        continue;
      }
      if (e.resolved.startsWith("node:")) continue;
      if (e.resolved.startsWith("file:")) {
        // (a `// @ts-types="./x.d.ts"` directive gives an npm import local types: fine)
        if (!isRelative(e.written) && e.kind !== "type") {
          result.problems.push(
            `${where}: "${e.written}" maps to a local file through the import map; ` +
              `Node cannot resolve that (import it with a relative path)`,
          );
        }
        if (!importer.has(e.resolved)) importer.set(e.resolved, where);
        queue.push(e.resolved);
        continue;
      }
      const npm = parseNpmSpecifier(e.resolved);
      if (npm) {
        // `npm:yaml@^2` written inline or a bare `yaml` mapped by the import map; the types
        // edge of a `// @ts-types="npm:@types/x@^1"` directive names its own package
        const importName = e.written.startsWith("npm:") || e.kind === "type"
          ? npm.name
          : packageNameOf(e.written);
        const known = result.npm.get(importName);
        if (!known) {
          const redirected = parseNpmSpecifier(graph.redirects[e.resolved] ?? "");
          result.npm.set(importName, {
            importName,
            packageName: npm.name,
            range: npm.range,
            resolvedVersion: redirected?.range,
            from: where,
          });
        } else if (known.range !== npm.range || known.packageName !== npm.name) {
          result.problems.push(
            `${where}: "${e.written}" asks for ${npm.name}@${npm.range ?? "*"} but ${known.from} ` +
              `for ${known.packageName}@${known.range ?? "*"}: use one range everywhere`,
          );
        }
        continue;
      }
      result.problems.push(
        `${where}: "${e.written}" (${e.resolved}) cannot be loaded by Node ` +
          `(use an npm:name@range specifier, a node: built-in or a relative path)`,
      );
    }
  }
  return result;
}
