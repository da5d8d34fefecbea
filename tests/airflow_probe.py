"""Run in a fresh interpreter: load DAG files in Airflow's DagBag and report what Airflow saw.

Usage: python airflow_probe.py FILE... ; prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings
from pathlib import Path

# A minimal hand-written TaskFlow DAG, loaded first so that Airflow's own lazy imports are done.
MINIMAL_DAG = """
import pendulum
from airflow.decorators import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def minimal():
    @task
    def nothing():
        pass

    nothing()


minimal()
"""


def main(files: list[str]) -> None:
    from airflow.models import DagBag  # imported before any DAG, as in Airflow's DAG processor

    with tempfile.TemporaryDirectory() as folder:
        warm_up = Path(folder) / "minimal.py"
        warm_up.write_text(MINIMAL_DAG)
        assert not DagBag(dag_folder=str(warm_up), include_examples=False).import_errors
    report = {}
    for path in files:
        before = set(sys.modules)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bag = DagBag(dag_folder=path, include_examples=False, safe_mode=False)
        report[path] = {
            "errors": {k: str(v) for k, v in bag.import_errors.items()},
            "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
            "dags": {
                dag.dag_id: {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}
                for dag in bag.dags.values()
            },
            # Top-level packages this file's parse imported (Airflow names DAG modules unusual_prefix_*).
            "new_packages": sorted(
                {m.split(".")[0] for m in set(sys.modules) - before}
                - {"airflow"}
                - {m for m in sys.modules if m.startswith("unusual_prefix_")}
            ),
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
