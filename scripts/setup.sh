#!/usr/bin/env bash
# Make .venv with kedro-taskflow (editable) and everything its tests and demo need.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
log=.venv/pip-install.log
if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[test]"; } > "$log" 2>&1; then
  tail -n 30 "$log"
  echo "Installing into .venv failed; the whole log is in $log." >&2
  exit 1
fi
