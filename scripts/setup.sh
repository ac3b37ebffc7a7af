#!/usr/bin/env bash
# Set up .venv for 公报问答. CPU torch goes in first so that nothing pulls the CUDA build.
#   scripts/setup.sh          the app and CLI
#   scripts/setup.sh --test   plus the test tools (pytest, ruff, mypy, Playwright, Chromium, milvus-lite)
#   scripts/setup.sh --milvus plus the Milvus client (store = "milvus://host:19530" in rag.toml)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python
"$VPY" -m pip install -q --upgrade pip
"$VPY" -c "import torch" 2>/dev/null || "$VPY" -m pip install -q "torch==2.13.0"
if [ "${1:-}" = "--test" ]; then
  "$VPY" -m pip install -q -e ".[test]"
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "setup: could not install chromium; browser tests will be skipped" >&2
    else
      echo "setup: chromium not found (apt-get install chromium); browser tests will be skipped" >&2
    fi
  fi
elif [ "${1:-}" = "--milvus" ]; then
  "$VPY" -m pip install -q -e ".[milvus]"
else
  "$VPY" -m pip install -q -e .
fi
echo "setup: done ($("$VPY" -c 'import torch; print("torch", torch.__version__)'))"
