#!/usr/bin/env bash
# Executes examples/quick_intro.ipynb in Deno's Jupyter kernel, headlessly, and checks its
# outputs (see scripts/notebook/run_notebook.py). Installs Debian's jupyter-client and
# nbconvert when missing (root + apt-get; it says so), and registers the Deno kernel in a
# temporary Jupyter data folder (XDG_DATA_HOME), never in ~/.local/share/jupyter: the user's
# own kernelspec is left as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import jupyter_client" 2>/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing the Debian packages jupyter-client and jupyter-nbconvert (apt-get)" >&2
    apt-get install -y --no-install-recommends jupyter-client jupyter-nbconvert >/dev/null 2>&1 || {
      apt-get update -qq && apt-get install -y --no-install-recommends jupyter-client jupyter-nbconvert >/dev/null
    }
  else
    echo "error: python3 jupyter_client missing and cannot be installed (need root + apt-get)" >&2
    exit 1
  fi
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# the kernelspec goes to $XDG_DATA_HOME/jupyter/kernels/deno, where jupyter_client finds it
export XDG_DATA_HOME="$out/xdg-data"
mkdir -p "$XDG_DATA_HOME"
deno jupyter --install --force >/dev/null 2>&1 || deno jupyter --install --force
NO_COLOR=1 /usr/bin/python3 scripts/notebook/run_notebook.py examples/quick_intro.ipynb --out "$out/executed.ipynb"
# the same notebook in a folder with no deno.json, importing the library by http URL
ACCSR_REQUIRE_NOTEBOOK=1 deno test -A tests/ecosystem/url_notebook_test.ts
