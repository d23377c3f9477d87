#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv with a Python >= 3.12 found on
# this machine, and install bayes-iris with its report, dask and dev extras.
# Idempotent: does nothing when .venv is already up to date with pyproject.toml.
# `bash scripts/bootstrap.sh --find-python` only prints the interpreter it would use.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
MIN_MINOR=12

py_ok() {  # $1 = interpreter; true if it is CPython >= 3.12 with venv support
  "$1" -c "import sys, venv; sys.exit(0 if sys.version_info >= (3, $MIN_MINOR) else 1)" >/dev/null 2>&1
}

find_python() {
  local c
  if [ -n "${BAYES_IRIS_PYTHON:-}" ]; then
    if py_ok "$BAYES_IRIS_PYTHON"; then echo "$BAYES_IRIS_PYTHON"; return 0; fi
    echo "BAYES_IRIS_PYTHON=$BAYES_IRIS_PYTHON is not a Python >= 3.$MIN_MINOR with venv" >&2
    return 1
  fi
  for c in python3.12 python3.13 python3 python; do
    if command -v "$c" >/dev/null 2>&1 && py_ok "$(command -v "$c")"; then command -v "$c"; return 0; fi
  done
  # pyenv keeps interpreters that are not on PATH.
  local roots=()
  if [ -n "${BAYES_IRIS_SEARCH_ROOTS:-}" ]; then  # for tests: only these folders
    read -r -a roots <<< "$BAYES_IRIS_SEARCH_ROOTS"
  else
    if command -v pyenv >/dev/null 2>&1; then roots+=("$(pyenv root)/versions"); fi
    roots+=("$HOME/.pyenv/versions" "/root/.pyenv/versions" "/opt/python" "/usr/local/bin")
  fi
  for r in "${roots[@]}"; do
    [ -d "$r" ] || continue
    for c in $(ls -d "$r"/3.1[2-9]*/bin/python3 "$r"/python3.1[2-9] 2>/dev/null | sort -V); do
      if py_ok "$c"; then echo "$c"; return 0; fi
    done
  done
  # uv-managed interpreters
  if command -v uv >/dev/null 2>&1; then
    c=$(uv python find ">=3.$MIN_MINOR" 2>/dev/null || true)
    if [ -n "$c" ] && py_ok "$c"; then echo "$c"; return 0; fi
  fi
  return 1
}

if [ "${1:-}" = "--find-python" ]; then
  find_python || { echo "no Python >= 3.$MIN_MINOR found" >&2; exit 1; }
  exit 0
fi

stamp="$VENV/.bayes-iris-installed"
want=$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -c1-16)

if [ -x "$VENV/bin/python" ] && py_ok "$VENV/bin/python" && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

if ! [ -x "$VENV/bin/python" ] || ! py_ok "$VENV/bin/python"; then
  if ! PY=$(find_python); then
    cat >&2 <<MSG
bayes-iris needs Python >= 3.$MIN_MINOR (PyMC 6 and ArviZ 1.x require it), and none was found
(looked at python3.13, python3.12, python3 on PATH, pyenv versions and uv).
Install one, then run this command again, for example:
  pyenv install 3.12      # then: PYENV_VERSION=3.12.x make ...
  uv python install 3.12
  sudo apt-get install python3.12 python3.12-venv
or point to an interpreter explicitly:  BAYES_IRIS_PYTHON=/path/to/python3.12 make ...
MSG
    exit 1
  fi
  echo "bootstrap: creating $VENV with $PY ($("$PY" -V 2>&1))"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

echo "bootstrap: installing bayes-iris and its dependencies into $VENV (first time: a few minutes)"
# This machine's pip configuration lists local mirror folders that may not exist; pip warns once
# per package about each. Drop those lines only (errors still show; pipefail keeps pip's status).
quiet_pip() {
  "$VENV/bin/python" -m pip "$@" --quiet --disable-pip-version-check 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}
quiet_pip install --upgrade pip
quiet_pip install -e ".[report,dask,dev]"
# The fallback report renderer executes chunks in a Jupyter kernel of this environment.
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
# Compile every model the report fits once now, so that the first fit on this machine loads
# compiled code instead of compiling it; the numbers are the same either way (numba fast-math
# off: src/bayes_iris/inference/determinism.py). BAYES_IRIS_WARMUP=0 skips it (CI does).
PYTHONHASHSEED=0 MPLBACKEND=Agg "$VENV/bin/python" -m bayes_iris.pipeline.warmup || \
  echo "bootstrap: warm-up incomplete (the first fit will compile instead)" >&2
echo "$want" > "$stamp"
echo "bootstrap: ready ($("$VENV/bin/python" -V 2>&1))"
