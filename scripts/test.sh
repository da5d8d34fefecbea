#!/usr/bin/env bash
# Set up, lint, and run the whole test suite (pass pytest options through, e.g. -k name).
set -euo pipefail
cd "$(dirname "$0")/.."
# The scheduler tests start a throw-away PostgreSQL cluster. Debian and Ubuntu install its server
# binaries in /usr/lib/postgresql/<version>/bin, off the PATH: look there too, and check first.
if ! command -v initdb > /dev/null || ! command -v pg_ctl > /dev/null; then
  for bin in $(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V -r); do
    if [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ]; then PATH="$bin:$PATH"; export PATH; break; fi
  done
fi
if ! command -v initdb > /dev/null || ! command -v pg_ctl > /dev/null; then
  echo "scripts/test.sh needs PostgreSQL's initdb and pg_ctl, on the PATH or in /usr/lib/postgresql/<version>/bin: install them (Debian/Ubuntu: apt-get install postgresql)." >&2
  exit 2
fi
if ! command -v redis-server > /dev/null; then
  echo "scripts/test.sh needs redis-server: the Celery tests start a throw-away Redis. Install it (Debian/Ubuntu: apt-get install redis-server)." >&2
  exit 2
fi
bash scripts/setup.sh
export KEDRO_DISABLE_TELEMETRY=true
export KEDRO_TASKFLOW_AIRFLOW3_PYTHON="$PWD/.venv-airflow3/bin/python" KEDRO_TASKFLOW_REQUIRE_AIRFLOW3=1
.venv/bin/ruff check .
.venv/bin/lint-imports --no-cache > /dev/null
# Two workers: each module of the `airflow` layer in one, serially (tests/conftest.py).
.venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
