// Smoke test of the installed npm package `accsr`, run with plain Node from a consumer project
// (scripts/test_npm.sh copies it there): every subpath export imports, the public names of
// the API contract (/work/shared/API.md) exist, and a few calls work under Node.
//
// Specifiers are built at run time on purpose: `deno check tests/` must not try to resolve
// the package name "accsr", which only exists in the consumer project.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

const PKG = "accsr";
const ERRORS = [
  "AccsrError",
  "ConfigError",
  "ConfigKeyError",
  "NoFilesFoundError",
  "SyncConflictError",
  "StorageError",
];
const CONFIG = [
  "ConfigurationBase",
  "DefaultDataConfiguration",
  "ConfigProvider",
  "loadConfigFiles",
  "deepMerge",
  "resolveEnvMarkers",
  "ENV_VAR_MARKER",
];
const STORAGE = ["RemoteStorage", "SyncObject", "TransactionSummary"];
const LOADING = [
  "downloadFile",
  "openFileInTar",
  "readFileFromTar",
  "md5sum",
  "toJsonCompatibleValue",
  "toJsonCompatibleDict",
];
/** Subpath → names it must export (the contract's, not an exhaustive list). */
const EXPECTED = {
  "": [...ERRORS, ...CONFIG, ...STORAGE, ...LOADING],
  "/config": CONFIG,
  "/storage": STORAGE,
  "/loading": LOADING,
  "/cli": ["run"],
};

let failures = 0;
/** Runs one named check and reports it; failures are counted, not thrown. */
async function check(name, fn) {
  try {
    await fn();
    console.log(`  ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`  FAIL ${name}\n       ${String(e?.stack ?? e).split("\n").join("\n       ")}`);
  }
}

const modules = {};
for (const [subpath, names] of Object.entries(EXPECTED)) {
  const specifier = PKG + subpath;
  await check(`import("${specifier}") exports ${names.join(", ")}`, async () => {
    const mod = await import(specifier);
    modules[subpath] = mod;
    const missing = names.filter((n) => mod[n] === undefined);
    assert.deepEqual(missing, [], `missing exports of "${specifier}": ${missing.join(", ")}`);
  });
}

await check("subpath exports share one module instance with the root", () => {
  const root = modules[""];
  assert.ok(root, "root module not loaded");
  for (const [subpath, names] of Object.entries(EXPECTED)) {
    if (subpath === "" || !modules[subpath]) continue;
    for (const n of names) {
      if (n in root) assert.equal(modules[subpath][n], root[n], `${PKG}${subpath} ${n}`);
    }
  }
});

await check("error classes extend AccsrError and carry a string code", () => {
  const root = modules[""];
  assert.ok(root, "root module not loaded");
  const e = new root.ConfigError('Cannot read config file "x": broken');
  assert.ok(e instanceof root.AccsrError);
  assert.ok(e instanceof Error);
  assert.equal(typeof e.code, "string");
  assert.equal(e.name, "ConfigError");
});

await check("package.json is exported and has the bin", async () => {
  const { createRequire } = await import("node:module");
  const pkg = createRequire(import.meta.url)(`${PKG}/package.json`);
  assert.equal(pkg.name, PKG);
  // the bundled binary (esm/_bin/: the CLI in one file, lazily loaded parts as chunks)
  assert.equal(pkg.bin?.accsr, "esm/_bin/cli.js");
  assert.equal(pkg.type, "module");
});

const tmp = await mkdtemp(join(tmpdir(), "accsr-smoke-"));
try {
  await check("md5sum hashes a file", async () => {
    const f = join(tmp, "abc.txt");
    await writeFile(f, "abc");
    assert.equal(await modules["/loading"].md5sum(f), "900150983cd24fb0d6963f7d28e17f72");
  });
  await check("deepMerge merges objects and replaces arrays", () => {
    const { deepMerge } = modules["/config"];
    assert.deepEqual(deepMerge({ a: { b: 1, l: [1] } }, { a: { c: 2, l: [2] } }), {
      a: { b: 1, c: 2, l: [2] },
    });
  });
  await check("ConfigurationBase reads config.json and resolves env: markers", async () => {
    const { ConfigurationBase } = modules["/config"];
    await writeFile(join(tmp, "config.json"), JSON.stringify({ a: { b: "env:SMOKE_X" } }));
    const c = new ConfigurationBase({ configDirectory: tmp, env: { SMOKE_X: "y" } });
    assert.equal(c.getEntry(["a", "b"]), "y");
  });
  await check("cli run() prints the version and returns 0", async () => {
    const { run } = modules["/cli"];
    let out = "";
    // usable both as a function and as a stream-like object with write()
    const sink = Object.assign((s) => {
      out += String(s);
      return true;
    }, { isTTY: false, columns: 80 });
    sink.write = sink;
    const io = { stdout: sink, stderr: sink, env: {}, cwd: tmp };
    const code = await run(["--version"], io);
    assert.equal(code, 0, out);
    const { createRequire } = await import("node:module");
    const { version } = createRequire(import.meta.url)(`${PKG}/package.json`);
    assert.match(out, new RegExp(version.replaceAll(".", "\\.")));
  });
} finally {
  await rm(tmp, { recursive: true, force: true });
}

if (failures > 0) {
  console.log(`smoke: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("smoke: all checks passed");
