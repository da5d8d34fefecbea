#!/usr/bin/env bash
# Set up, generate the example's DAGs, and run the main one under a real Airflow 2 scheduler
# (SequentialExecutor on SQLite, each task in its own process as in production).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --airflow2-only
export PATH="$PWD/.venv/bin:$PATH" KEDRO_DISABLE_TELEMETRY=true
export AIRFLOW_HOME="${AIRFLOW_HOME:-$(mktemp -d)}"
export AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY=True
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC=1
export AIRFLOW__CORE__DAGS_FOLDER="$PWD/examples/spaceflights/airflow_dags"

cd examples/spaceflights
kedro-taskflow plan
kedro-taskflow generate --all
echo "Starting an Airflow scheduler (AIRFLOW_HOME=$AIRFLOW_HOME)..."
airflow db migrate > "$AIRFLOW_HOME/db-migrate.log" 2>&1
airflow dags reserialize > "$AIRFLOW_HOME/reserialize.log" 2>&1
setsid airflow scheduler > "$AIRFLOW_HOME/scheduler.log" 2>&1 &
scheduler=$!
# The scheduler's task runners leave its process group, not its session: end the whole session.
trap 'pkill -TERM -s "$scheduler" 2>/dev/null; sleep 2; pkill -KILL -s "$scheduler" 2>/dev/null || true' EXIT
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
echo "Task logs: $AIRFLOW_HOME/logs/dag_id=spaceflights/run_id=demo/. The model's metrics:"
cat data/08_reporting/metrics.json
echo
