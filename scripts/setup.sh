#!/usr/bin/env bash
# Make .venv (kedro-taskflow, editable, with Airflow 2.11 and the test tools) and .venv-airflow3
# (the same project with Airflow 3.3, for the tests that load and run the Airflow 3 output).
set -euo pipefail
cd "$(dirname "$0")/.."

install() {  # install VENV PACKAGES...: a progress line every 10 s; the log shown only on failure
  local venv=$1; shift
  local log="$venv/pip-install.log" started=$SECONDS
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  echo "Installing into $venv: $* (a few minutes the first time)"
  { "$venv/bin/python" -m pip install --upgrade pip && "$venv/bin/python" -m pip install "$@"; } > "$log" 2>&1 &
  local pip=$!
  while kill -0 "$pip" 2> /dev/null; do
    sleep 2
    if (( (SECONDS - started) % 10 < 2 )) && kill -0 "$pip" 2> /dev/null; then
      echo "  $((SECONDS - started)) s: $(grep -E '^(Collecting|Installing|Building|Successfully)' "$log" | tail -n 1 | cut -c1-90)"
    fi
  done
  if ! wait "$pip"; then
    tail -n 30 "$log"
    echo "Installing into $venv failed; the whole log is in $log." >&2
    exit 1
  fi
  echo "  done in $((SECONDS - started)) s"
}

# Black 25 here and 26 there: the tests hold both to the same bytes.
install .venv -e ".[test]" "black<26"
if [ "${1:-}" != "--airflow2-only" ]; then
  install .venv-airflow3 -e ".[examples,flavours]" "apache-airflow==3.3.*" "black>=26" kedro-airflow  # the latter for benchmarks/
fi
