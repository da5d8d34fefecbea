"""Run in a fresh interpreter: run one DAG once, as Airflow's own test command does, and report.

Usage: python airflow_run.py DAG_FILE DAG_ID ; prints one JSON object on the last line of stdout.
Airflow 2: ``dag.test()`` in this process. Airflow 3, and Airflow 2.4 (whose DAGs have no
``test()``): ``airflow dags test`` (on Airflow 3 it serializes the DAG and runs its tasks through the
Task SDK), then the run's states are read from the metadata DB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import airflow


def run_in_process(path: str, dag_id: str) -> dict:
    from airflow.models import DagBag

    bag = DagBag(dag_folder=path, include_examples=False)
    assert not bag.import_errors, bag.import_errors
    dag = bag.get_dag(dag_id)
    if not hasattr(dag, "test"):  # Airflow 2.4
        return run_with_cli(path, dag_id)
    run = dag.test()
    return {"state": run.state, "tasks": {ti.task_id: ti.state for ti in run.get_task_instances()}}


def run_with_cli(path: str, dag_id: str) -> dict:
    env = {**os.environ, "AIRFLOW__CORE__DAGS_FOLDER": str(Path(path).parent)}
    test = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", dag_id], env=env, capture_output=True, text=True
    )
    if test.returncode != 0:
        print(test.stdout[-5000:], test.stderr[-5000:], file=sys.stderr)
    from airflow.models import DagRun, TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        run = session.query(DagRun).filter(DagRun.dag_id == dag_id).order_by(DagRun.id.desc()).first()
        tasks = session.query(TaskInstance).filter(
            TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id
        )
        return {"state": str(run.state), "tasks": {ti.task_id: str(ti.state) for ti in tasks}}


def main(path: str, dag_id: str) -> None:
    major = int(airflow.__version__.split(".")[0])
    report = run_in_process(path, dag_id) if major == 2 else run_with_cli(path, dag_id)
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:])
