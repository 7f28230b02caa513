#!/usr/bin/env bash
# Executes examples/quick_intro.ipynb in Deno's Jupyter kernel, headlessly, and checks its
# outputs (see scripts/notebook/run_notebook.py). Installs Debian's jupyter-client and
# nbconvert when missing (root + apt-get), and registers the Deno kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import jupyter_client" 2>/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get install -y --no-install-recommends jupyter-client jupyter-nbconvert >/dev/null 2>&1 || {
      apt-get update -qq && apt-get install -y --no-install-recommends jupyter-client jupyter-nbconvert >/dev/null
    }
  else
    echo "error: python3 jupyter_client missing and cannot be installed (need root + apt-get)" >&2
    exit 1
  fi
fi
deno jupyter --install --force >/dev/null 2>&1 || deno jupyter --install --force
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
NO_COLOR=1 /usr/bin/python3 scripts/notebook/run_notebook.py examples/quick_intro.ipynb --out "$out/executed.ipynb"
# the same notebook in a folder with no deno.json, importing the library by http URL
ACCSR_REQUIRE_NOTEBOOK=1 deno test -A tests/ecosystem/url_notebook_test.ts
