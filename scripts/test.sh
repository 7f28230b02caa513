#!/usr/bin/env bash
# The whole test run (`deno task test`): installs what it needs, runs the quality gates,
# starts the test services (Ceph radosgw for S3, Azurite for Azure) on 127.0.0.1 unless
# S3_ENDPOINT / AZURE_BLOB_ENDPOINT point at running ones, runs the Deno test suite, the npm
# package tests under Node, the notebook and the benchmark smoke run, and stops every
# service it started (by PID).
#
# Env: ACCSR_REQUIRE_S3=1 / ACCSR_REQUIRE_AZURE=1 turn "service unavailable" into a failure
# (CI sets them). S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY: use an existing S3 server.
# AZURE_BLOB_ENDPOINT: use an existing Azurite. SKIP_NPM=1, SKIP_NOTEBOOK=1: skip those parts
# (never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/accsr-test.XXXXXX")
STARTED_S3=""
STARTED_AZ=""
step() { printf '\n==> %s\n' "$*"; }

cleanup() {
  local rc=$?
  if [ -n "$STARTED_AZ" ]; then AZURITE_RUN_DIR="$WORK/azurite" bash scripts/azurite/stop.sh >/dev/null 2>&1 || true; fi
  if [ -n "$STARTED_S3" ]; then RUN_DIR="$WORK/ceph" bash scripts/s3/stop.sh >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT

step "dependencies"
deno install --frozen
if ! cmp -s tools/package-lock.json tools/node_modules/.accsr-installed-lock 2>/dev/null; then
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
  cp tools/package-lock.json tools/node_modules/.accsr-installed-lock
fi

step "quality gates: fmt, lint, check, doc, publish"
deno fmt --check
deno lint
deno check mod.ts cli.ts tests/ scripts/ examples/
doc_out=$(deno doc --lint mod.ts config/mod.ts storage/mod.ts loading/mod.ts cli/mod.ts 2>&1) || { echo "$doc_out" >&2; exit 1; }
echo "$doc_out"
if grep -qi "warning" <<<"$doc_out"; then echo "error: deno doc --lint printed warnings (see above)" >&2; exit 1; fi
deno publish --dry-run --allow-dirty
deno run -A scripts/check_deps.ts   # no bare specifiers in library code, no unused dependencies

step "S3 test server (Ceph radosgw)"
if [ -z "${S3_ENDPOINT:-}" ]; then
  export CEPH_ROOT="${CEPH_ROOT:-/tmp/ceph-rgw/root}"
  port=${ACCSR_TEST_S3_PORT:-17480}
  if bash scripts/s3/install.sh >"$WORK/ceph-install.log" 2>&1 && \
     RUN_DIR="$WORK/ceph" MON_PORT=${ACCSR_TEST_MON_PORT:-16789} MS_PORT_MIN=16800 MS_PORT_MAX=16899 \
       bash scripts/s3/start.sh "$port" >"$WORK/ceph-start.log" 2>&1; then
    STARTED_S3=1
    export S3_ENDPOINT="http://127.0.0.1:$port" S3_ACCESS_KEY=test S3_SECRET_KEY=testtesttest
    tail -n 1 "$WORK/ceph-start.log"
  else
    cat "$WORK/ceph-install.log" "$WORK/ceph-start.log" 2>/dev/null | tail -n 20 >&2 || true
    if [ "${ACCSR_REQUIRE_S3:-}" = "1" ]; then echo "error: no S3 server could be started and ACCSR_REQUIRE_S3=1" >&2; exit 1; fi
    echo "warning: no S3 server could be started; S3 tests will be skipped" >&2
  fi
else
  echo "using the S3 server at $S3_ENDPOINT"
fi

step "Azure test server (Azurite)"
if [ -z "${AZURE_BLOB_ENDPOINT:-}" ]; then
  if out=$(AZURITE_RUN_DIR="$WORK/azurite" bash scripts/azurite/start.sh 2>"$WORK/azurite-start.log"); then
    STARTED_AZ=1
    export "$(printf '%s\n' "$out" | tail -n 1)"
    echo "$out" | tail -n 1
  else
    cat "$WORK/azurite-start.log" >&2 || true
    if [ "${ACCSR_REQUIRE_AZURE:-}" = "1" ]; then echo "error: Azurite could not be started and ACCSR_REQUIRE_AZURE=1" >&2; exit 1; fi
    echo "warning: Azurite could not be started; Azure tests will be skipped" >&2
  fi
else
  echo "using Azurite at $AZURE_BLOB_ENDPOINT"
fi

step "other S3 tools for the interop tests (aws-cli, rclone, s3cmd, boto3)"
# tests/cli/interop_tools_test.ts uploads with them; a missing tool skips its case (with the
# reason). Installed from Debian when missing (root + apt-get), and said so.
missing=()
command -v aws >/dev/null || missing+=(awscli)
command -v rclone >/dev/null || missing+=(rclone)
command -v s3cmd >/dev/null || missing+=(s3cmd)
/usr/bin/python3 -c "import boto3" 2>/dev/null || missing+=(python3-boto3)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "all present"
elif command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing the Debian packages ${missing[*]} (apt-get)"
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  } || echo "warning: could not install ${missing[*]}; their interop tests are skipped" >&2
else
  echo "warning: ${missing[*]} missing and not installable (need root + apt-get); their interop tests are skipped" >&2
fi

step "Deno tests"
export ACCSR_CACHE_DIR="$WORK/cache"
# no test may reach AWS: the credential chain never asks the EC2 instance metadata service
export AWS_EC2_METADATA_DISABLED=true
# every temporary file of the tests (os.tmpdir(), mktemp) lands in the work folder, which is
# removed at the end: the machine is left as it was found
export TMPDIR="$WORK/tmp"
mkdir -p "$TMPDIR"
deno test -A --parallel tests/

if [ "${SKIP_NPM:-}" != "1" ]; then
  step "npm package under Node"
  bash scripts/test_npm.sh
fi

if [ -f scripts/test_notebook.sh ] && [ "${SKIP_NOTEBOOK:-}" != "1" ]; then
  step "notebook"
  bash scripts/test_notebook.sh
fi

if [ -f scripts/bench/main.ts ]; then
  step "benchmark smoke run"
  deno run -A scripts/bench/main.ts --smoke
fi

step "all tests passed"
