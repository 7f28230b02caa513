#!/usr/bin/env bash
# End-to-end test of the npm package under Node: build → npm pack → install the tarball into a
# fresh consumer project → import every subpath, run the `accsr` binary, push/pull round trips
# through the CLI (file store; S3 too when S3_ENDPOINT is set), run the compiled library tests
# with `node --test`, and type-check a TypeScript consumer against the published types.
#
# Usage: bash scripts/test_npm.sh
# Env:   S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY  S3 round trip (and the S3 parts of the tests)
#        SKIP_BUILD=1   reuse an existing npm/ instead of building
#        NODE_TEST_CONCURRENCY  test files node --test runs at once (default 4)
#        KEEP_TMP=1     keep the temporary consumer project (path printed at the end)
#        ACCSR_ROOT     project to build (default: this checkout); TSC: tsc binary to use
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "${ACCSR_ROOT:-$SCRIPT_DIR/..}" && pwd)
NPM_TESTS=$(cd "$SCRIPT_DIR/../tests/npm" && pwd)
TSC=${TSC:-$ROOT/tools/node_modules/.bin/tsc}
export NO_COLOR=1
# no test may reach AWS: the credential chain never asks the EC2 instance metadata service
export AWS_EC2_METADATA_DISABLED=true

WORK=$(mktemp -d "${TMPDIR:-/tmp}/accsr-npm-test.XXXXXX")
cleanup() {
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

START=$(date +%s%N)
STEP=0
section() {
  STEP=$((STEP + 1))
  local t=$(( ($(date +%s%N) - START) / 1000000 ))
  printf '\n==> [%d] %s  (at %d.%03d s)\n' "$STEP" "$1" $((t / 1000)) $((t % 1000))
}
# fail: abort (the later sections depend on this one); check_failed: record and go on
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
FAILED=()
check_failed() {
  echo "FAIL: $*" >&2
  FAILED+=("$*")
}
# node -e helper: prints a field of a JSON file (dotted path)
json_field() {
  node -e 'let v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const k of process.argv[2].split(".")) v = v?.[k];
    console.log(typeof v === "string" ? v : JSON.stringify(v ?? null));' "$1" "$2"
}

echo "node $(node --version), npm $(npm --version), $(deno --version | head -1)"
case "$(node --version)" in
  v20.*) ;;
  *) echo "WARNING: the package targets Node 20; this run uses $(node --version)" ;;
esac

# ── build ────────────────────────────────────────────────────────────────────────────────
section "build npm/ (scripts/build_npm.ts)"
if [ ! -x "$TSC" ]; then
  echo "no tsc at $TSC: npm ci --prefix tools"
  npm ci --prefix "$ROOT/tools" --no-audit --no-fund --loglevel=error
fi
if [ "${SKIP_BUILD:-0}" = 1 ]; then
  [ -f "$ROOT/npm/package.json" ] || fail "SKIP_BUILD=1 but $ROOT/npm/package.json does not exist"
  echo "SKIP_BUILD=1: reusing $ROOT/npm"
else
  TSC="$TSC" deno run -A "$SCRIPT_DIR/build_npm.ts" --root "$ROOT"
fi
VERSION=$(json_field "$ROOT/npm/package.json" version)

# ── pack ─────────────────────────────────────────────────────────────────────────────────
section "npm pack"
(cd "$ROOT/npm" && npm pack --json --pack-destination "$WORK" --loglevel=error) >"$WORK/pack.json"
TARBALL="$WORK/$(json_field "$WORK/pack.json" 0.filename)"
[ -f "$TARBALL" ] || fail "npm pack produced no tarball"
node -e '
  const [p] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const files = new Map(p.files.map((f) => [f.path, f]));
  const problems = [];
  for (const f of ["package.json", "esm/mod.js", "esm/mod.d.ts", "esm/cli.js", "esm/_bin/cli.js", "LICENSE"]) {
    if (!files.has(f)) problems.push(`missing ${f}`);
  }
  if (!files.has("README.md")) console.log("WARNING: README.md is not in the tarball");
  for (const bin of ["esm/cli.js", "esm/_bin/cli.js"]) {
    const cli = files.get(bin);
    if (cli && (cli.mode & 0o111) === 0) problems.push(`${bin} is not executable`);
  }
  for (const f of ["CHANGELOG.md", "README.md"]) if (!files.has(f)) problems.push(`missing ${f}`);
  const stray = [...files.keys()].filter((f) => !/^(esm\/|package\.json$|README\.md$|CHANGELOG\.md$|LICENSE$)/.test(f));
  if (stray.length) problems.push(`unexpected files: ${stray.join(", ")}`);
  if ([...files.keys()].some((f) => /_test\.(js|d\.ts)$|^test\//.test(f))) problems.push("tests in tarball");
  console.log(`${p.filename}: ${p.entryCount} files, ${(p.size / 1024).toFixed(1)} KiB packed, ` +
    `${(p.unpackedSize / 1024).toFixed(1)} KiB unpacked`);
  if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
' "$WORK/pack.json" || check_failed "tarball content"

section "npm publish --dry-run"
# clean = exit 0 and no warning, except the one about not being logged in to the registry
if PUB=$(cd "$ROOT/npm" && npm publish --dry-run 2>&1); then
  WARNINGS=$(grep -i 'npm warn' <<<"$PUB" | grep -v 'requires you to be logged in' || true)
  if [ -n "$WARNINGS" ]; then check_failed "npm publish --dry-run warned: $WARNINGS"; else echo "clean"; fi
else
  printf '%s\n' "$PUB" | tail -n 20
  check_failed "npm publish --dry-run failed"
fi
node -e '
  const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const problems = [];
  if (p.name !== "accsr") problems.push(`name ${p.name}`);
  for (const k of ["version", "description", "license", "exports", "bin", "engines", "files", "types"]) {
    if (!p[k]) problems.push(`no ${k}`);
  }
  for (const [sub, e] of Object.entries(p.exports)) {
    if (typeof e === "object" && Object.keys(e)[0] !== "types") problems.push(`exports["${sub}"]: "types" must come first`);
  }
  if (!p.dependencies?.["@types/node"]) problems.push("@types/node is not a dependency (the declarations use Node types)");
  if (!p.repository) console.log("note: no repository field (set by the build from the origin remote or GitHub Actions)");
  if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
' "$ROOT/npm/package.json" || check_failed "package.json metadata"
grep -q "npx accsr" "$ROOT/npm/README.md" || check_failed "npm/README.md is not the README for Node users"

# ── install ──────────────────────────────────────────────────────────────────────────────
section "install the tarball into a consumer project"
CONSUMER="$WORK/consumer"
mkdir -p "$CONSUMER"
echo '{ "name": "accsr-npm-consumer", "private": true, "type": "module" }' >"$CONSUMER/package.json"
mapfile -t EXTRA < <(node -e '
  const f = process.argv[1];
  const deps = require("fs").existsSync(f) ? JSON.parse(require("fs").readFileSync(f, "utf8")) : {};
  for (const [name, range] of Object.entries(deps)) console.log(`${name}@${range}`);
' "$ROOT/npm/test/test-dependencies.json")
echo "npm install $(basename "$TARBALL") ${EXTRA[*]}"
(cd "$CONSUMER" && npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "$TARBALL" "${EXTRA[@]}")
[ -x "$CONSUMER/node_modules/.bin/accsr" ] || check_failed "the accsr binary was not linked"

# ── imports ──────────────────────────────────────────────────────────────────────────────
section "import every subpath (tests/npm/smoke.mjs)"
cp "$NPM_TESTS/smoke.mjs" "$CONSUMER/smoke.mjs"
(cd "$CONSUMER" && node smoke.mjs) || check_failed "smoke checks (tests/npm/smoke.mjs)"

# ── CLI ──────────────────────────────────────────────────────────────────────────────────
section "npx accsr --help / --version"
if HELP=$(cd "$CONSUMER" && npx --no -- accsr --help); then
  head -n 12 <<<"$HELP"
  grep -q "push" <<<"$HELP" || check_failed "accsr --help does not mention push"
else
  check_failed "accsr --help exited non-zero"
fi
if GOT=$(cd "$CONSUMER" && npx --no -- accsr --version); then
  echo "accsr --version: $GOT"
  grep -qF "$VERSION" <<<"$GOT" || check_failed "accsr --version printed '$GOT', expected $VERSION"
else
  check_failed "accsr --version exited non-zero"
fi

section "CommonJS: require(\"accsr\") (Node 20.19+/22.12+)"
if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) || (a === 20 && b >= 19) ? 0 : 1)'; then
  CJS="$CONSUMER/cjs"
  mkdir -p "$CJS"
  echo '{ "name": "cjs-consumer", "private": true, "type": "commonjs" }' >"$CJS/package.json"
  cat >"$CJS/index.js" <<'CJSEOF'
const { RemoteStorage } = require("accsr");
for (const sub of ["config", "storage", "loading", "cli"]) {
  if (Object.keys(require(`accsr/${sub}`)).length === 0) throw new Error(`accsr/${sub} is empty`);
}
const fs = require("node:fs");
fs.mkdirSync("results", { recursive: true });
fs.writeFileSync("results/a.txt", "a\n");
const storage = new RemoteStorage({ provider: "file", root: "store", bucket: "data" }, { events: { log: () => {} } });
storage.createBucket({ existOk: true })
  .then(() => storage.push("results"))
  .then((s) => console.log(`require("accsr"): pushed ${s.syncedFiles.length} file(s)`));
CJSEOF
  (cd "$CJS" && node index.js 2>&1) | tee "$WORK/cjs.txt"
  grep -q 'pushed 1 file' "$WORK/cjs.txt" || check_failed "require(\"accsr\") in a CommonJS project"
else
  echo "skipped: Node $(node --version) cannot require() ES modules"
fi

# roundtrip NAME CONFIG_JSON: create-bucket, push data, push again (no-op), pull to out/, compare
roundtrip() {
  local dir="$CONSUMER/rt-$1"
  mkdir -p "$dir/data/sub dir"
  printf '%s\n' "$2" >"$dir/config.json"
  printf 'hello\n' >"$dir/data/a.txt"
  : >"$dir/data/empty.txt"
  head -c 300000 /dev/urandom >"$dir/data/sub dir/b.bin"
  printf 'x%.0s' {1..1000} >"$dir/data/sub dir/c.txt"
  (
    cd "$dir"
    set -x
    npx --no -- accsr create-bucket
    npx --no -- accsr push data --no-progress
    npx --no -- accsr push data --no-progress
    npx --no -- accsr pull data --to out --no-progress
  ) || {
    check_failed "$1 round trip: a CLI command failed"
    return
  }
  if diff -r "$dir/data" "$dir/out/data"; then
    echo "$1 round trip: $(find "$dir/out/data" -type f | wc -l) files identical"
  else
    check_failed "$1 round trip: pulled files differ from pushed ones"
  fi
}

section "CLI round trip: file store"
roundtrip file "$(node -e 'console.log(JSON.stringify({ remote_storage:
  { provider: "file", root: process.argv[1], bucket: "accsr-npm-rt" } }))' "$CONSUMER/rt-store")"

section "CLI round trip: S3"
if [ -n "${S3_ENDPOINT:-}" ]; then
  roundtrip s3 "$(node -e 'const e = process.env; console.log(JSON.stringify({ remote_storage: {
    provider: "s3", endpoint: e.S3_ENDPOINT, key: e.S3_ACCESS_KEY ?? "test",
    secret: e.S3_SECRET_KEY ?? "testtesttest", bucket: process.argv[1] } }))' \
    "accsr-npm-$(date +%s)-$RANDOM")"
else
  echo "skipped: S3_ENDPOINT is not set"
fi

# ── library tests under Node ─────────────────────────────────────────────────────────────
section "compiled library tests: node --test"
if [ -d "$ROOT/npm/test/tests" ]; then
  # the compiled tests/ plus project files they read (e.g. deno.json); not the esm/ links
  for entry in "$ROOT/npm/test/"*; do
    case "$(basename "$entry")" in package.json | test-dependencies.json) continue ;; esac
    [ -L "$entry" ] || cp -r "$entry" "$CONSUMER/"
  done
  # tests import the library as ../../config/mod.js: point those paths at the installed package
  for entry in "$CONSUMER/node_modules/accsr/esm/"*; do
    ln -s "node_modules/accsr/esm/$(basename "$entry")" "$CONSUMER/$(basename "$entry")"
  done
fi
mapfile -t TEST_FILES < <(cd "$CONSUMER" && find tests -name '*_test.js' 2>/dev/null | sort)
if [ "${#TEST_FILES[@]}" -eq 0 ]; then
  echo "WARNING: no compiled test files (tests/**/*_test.ts) to run"
else
  echo "${#TEST_FILES[@]} test files"
  # files run in parallel; Node's default (CPUs - 1) is 1 on a 2-CPU runner, and the S3/Azure
  # tests mostly wait on the network
  if (cd "$CONSUMER" && ACCSR_REPO_ROOT="$ROOT" timeout 600 node --test --test-concurrency="${NODE_TEST_CONCURRENCY:-4}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$WORK/tap.txt" \
    "${TEST_FILES[@]}"); then
    # guard against runners that stop early and still exit 0
    grep -aq '^# fail 0$' "$WORK/tap.txt" || check_failed "node --test reported failures"
    grep -aq '^# cancelled 0$' "$WORK/tap.txt" || check_failed "node --test reported cancelled tests"
  else
    check_failed "node --test failed"
  fi
  grep -a '^# \(tests\|pass\|fail\|cancelled\|skipped\)' "$WORK/tap.txt" | tr '\n' ' ' || true
  echo
fi

# ── TypeScript consumer ──────────────────────────────────────────────────────────────────
section "TypeScript consumer type-check (tsc --noEmit)"
mkdir -p "$CONSUMER/tc"
cp "$NPM_TESTS/consumer/tsconfig.json" "$CONSUMER/tc/tsconfig.json"
cp "$NPM_TESTS/consumer/index.ts.txt" "$CONSUMER/tc/index.ts"
"$TSC" --version
if "$TSC" -p "$CONSUMER/tc/tsconfig.json" --pretty false; then
  echo "module nodenext: ok"
else
  check_failed "type-check of tests/npm/consumer (module nodenext)"
fi
if "$TSC" -p "$CONSUMER/tc/tsconfig.json" --pretty false --module preserve --moduleResolution bundler; then
  echo "moduleResolution bundler: ok"
else
  check_failed "type-check of tests/npm/consumer (moduleResolution bundler)"
fi

# our declarations must bring what they use: a consumer with the `tsc --init` defaults
# ("types": [], verbatimModuleSyntax, …), one with "lib": ["ES2022"], and a CommonJS one
mkdir -p "$CONSUMER/tc-init" "$CONSUMER/tc-es2022" "$CONSUMER/tc-cjs"
cp "$NPM_TESTS/consumer/plain.ts.txt" "$CONSUMER/tc-init/index.ts"
(cd "$CONSUMER/tc-init" && "$TSC" --init >/dev/null)
if "$TSC" -p "$CONSUMER/tc-init" --noEmit --pretty false &&
  "$TSC" -p "$CONSUMER/tc-init" --noEmit --skipLibCheck false --pretty false; then
  echo "tsc --init defaults (with and without skipLibCheck): ok"
else
  check_failed "type-check of tests/npm/consumer/plain.ts.txt with the tsc --init defaults"
fi
cp "$NPM_TESTS/consumer/plain.ts.txt" "$CONSUMER/tc-es2022/index.ts"
cp "$NPM_TESTS/consumer/tsconfig.es2022.json" "$CONSUMER/tc-es2022/tsconfig.json"
if "$TSC" -p "$CONSUMER/tc-es2022" --pretty false; then
  echo "lib ES2022, no types: ok"
else
  check_failed "type-check of tests/npm/consumer/plain.ts.txt with lib ES2022 and no types"
fi
echo '{ "private": true, "type": "commonjs" }' >"$CONSUMER/tc-cjs/package.json"
cp "$NPM_TESTS/consumer/cjs.ts.txt" "$CONSUMER/tc-cjs/index.ts"
(cd "$CONSUMER/tc-cjs" && "$TSC" --init >/dev/null)
if "$TSC" -p "$CONSUMER/tc-cjs" --noEmit --skipLibCheck false --pretty false; then
  echo "CommonJS consumer (import = require): ok"
else
  check_failed "type-check of tests/npm/consumer/cjs.ts.txt (CommonJS)"
fi

section "done"
if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "npm package accsr@$VERSION: ${#FAILED[@]} check(s) FAILED:" >&2
  printf '  - %s\n' "${FAILED[@]}" >&2
  exit 1
fi
echo "npm package accsr@$VERSION: all checks passed"
