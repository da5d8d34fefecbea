"""Run in a fresh interpreter: run one DAG once with ``dag.test()`` and report task states.

Usage: python airflow_run.py DAG_FILE DAG_ID ; prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import json
import sys

from airflow.models import DagBag


def main(path: str, dag_id: str) -> None:
    bag = DagBag(dag_folder=path, include_examples=False)
    assert not bag.import_errors, bag.import_errors
    run = bag.get_dag(dag_id).test()
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    print(json.dumps({"state": run.state, "tasks": states}))


if __name__ == "__main__":
    main(*sys.argv[1:])
