#!/usr/bin/env bash
# Set up, generate the example's DAGs, and run the main one under a real Airflow 2 scheduler
# (SequentialExecutor on SQLite, each task in its own process as in production), in a throw-away
# AIRFLOW_HOME that is removed on exit (one you set is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --airflow2-only
export PATH="$PWD/.venv/bin:$PATH" KEDRO_DISABLE_TELEMETRY=true
made_home=
if [ -z "${AIRFLOW_HOME:-}" ]; then
  AIRFLOW_HOME=$(mktemp -d -t kedro-taskflow-demo.XXXXXX)
  made_home=$AIRFLOW_HOME
fi
export AIRFLOW_HOME
scheduler=
cleanup() {
  local status=$?
  if [ -n "$scheduler" ]; then
    # The scheduler's task runners leave its process group, not its session: end the whole session.
    pkill -TERM -s "$scheduler" 2> /dev/null; sleep 2; pkill -KILL -s "$scheduler" 2> /dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$AIRFLOW_HOME/scheduler.log" ]; then
    echo "The demo failed. The end of the scheduler's log:" >&2
    tail -n 20 "$AIRFLOW_HOME/scheduler.log" >&2
    for log in $(grep -rl "ERROR" "$AIRFLOW_HOME/logs/dag_id=spaceflights" 2> /dev/null); do
      echo "The end of a failed task's log, $log:" >&2
      tail -n 20 "$log" >&2
    done
  fi
  [ -z "$made_home" ] || rm -rf "$made_home"
}
trap cleanup EXIT
export AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY=True
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC=1
export AIRFLOW__CORE__DAGS_FOLDER="$PWD/examples/spaceflights/airflow_dags"

cd examples/spaceflights
kedro-taskflow plan
kedro-taskflow generate --all
echo "The DAG of the __default__ pipeline, $PWD/airflow_dags/spaceflights.py (its first 40 lines):"
head -n 40 airflow_dags/spaceflights.py | sed 's/^/  | /'
echo "Starting an Airflow scheduler (AIRFLOW_HOME=$AIRFLOW_HOME)..."
airflow db migrate > "$AIRFLOW_HOME/db-migrate.log" 2>&1
airflow dags reserialize > "$AIRFLOW_HOME/reserialize.log" 2>&1
setsid airflow scheduler > "$AIRFLOW_HOME/scheduler.log" 2>&1 &
scheduler=$!
airflow dags trigger spaceflights --run-id demo > /dev/null 2>&1

python - "$AIRFLOW_HOME/airflow.db" <<'PY'
"""Follow the run in Airflow's database until it ends; print each task's final state."""
import sqlite3, sys, time

db = sqlite3.connect(sys.argv[1])
query = "SELECT task_id, state FROM task_instance WHERE dag_id = 'spaceflights' AND run_id = 'demo'"
seen, deadline = {}, time.monotonic() + 600
while time.monotonic() < deadline:
    for task_id, state in db.execute(query):
        if state in ("success", "failed", "upstream_failed") and seen.get(task_id) != state:
            seen[task_id] = state
            print(f"  {task_id}: {state}", flush=True)
    (run_state,) = db.execute(
        "SELECT state FROM dag_run WHERE dag_id = 'spaceflights' AND run_id = 'demo'"
    ).fetchone() or (None,)
    if run_state in ("success", "failed"):
        print(f"DAG run spaceflights/demo: {run_state}")
        sys.exit(run_state != "success")
    time.sleep(1)
sys.exit("The run did not end within 10 minutes; see the scheduler's log.")
PY
echo "Kedro's lines in the tasks' logs (in $AIRFLOW_HOME/logs/dag_id=spaceflights/run_id=demo/):"
grep -rh "Running node:" "$AIRFLOW_HOME/logs/dag_id=spaceflights/run_id=demo/" | sort | sed 's/^.*INFO - /  /'  # in time order
echo "The model's metrics:"
cat data/08_reporting/metrics.json
echo
