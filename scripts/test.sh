#!/usr/bin/env bash
# Set up, lint, and run the whole test suite (pass pytest options through, e.g. -k name).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KEDRO_DISABLE_TELEMETRY=true
export KEDRO_TASKFLOW_AIRFLOW3_PYTHON="$PWD/.venv-airflow3/bin/python" KEDRO_TASKFLOW_REQUIRE_AIRFLOW3=1
.venv/bin/ruff check .
.venv/bin/lint-imports --no-cache > /dev/null
.venv/bin/python -m pytest "$@"
