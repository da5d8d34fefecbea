#!/usr/bin/env bash
# Make .venv (kedro-taskflow, editable, with Airflow 2.11 and the test tools) and .venv-airflow3
# (the same project with Airflow 3.3, for the tests that load and run the Airflow 3 output).
set -euo pipefail
cd "$(dirname "$0")/.."

install() {  # install VENV PACKAGES...: quiet, with the log shown only on failure
  local venv=$1; shift
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  if ! { "$venv/bin/python" -m pip install --upgrade pip && "$venv/bin/python" -m pip install "$@"; } \
      > "$venv/pip-install.log" 2>&1; then
    tail -n 30 "$venv/pip-install.log"
    echo "Installing into $venv failed; the whole log is in $venv/pip-install.log." >&2
    exit 1
  fi
}

install .venv -e ".[test]"
if [ "${1:-}" != "--airflow2-only" ]; then
  install .venv-airflow3 -e ".[examples]" "apache-airflow==3.3.*" kedro-airflow  # the latter for benchmarks/
fi
