"""Run in a fresh interpreter: load DAG files in Airflow's DagBag and report what Airflow saw.

Usage: python airflow_probe.py FILE... ; prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings
from pathlib import Path

import airflow

MAJOR = int(airflow.__version__.split(".")[0])
DECORATORS = "airflow.decorators" if MAJOR == 2 else "airflow.sdk"

# A minimal hand-written TaskFlow DAG, loaded first so that Airflow's own lazy imports are done.
MINIMAL_DAG = f"""
import pendulum
from {DECORATORS} import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def minimal():
    @task
    def nothing():
        pass

    nothing()


minimal()
"""


def main(files: list[str]) -> None:
    # Imported before any DAG, as in Airflow's DAG processor.
    if MAJOR == 2:
        from airflow.models import DagBag

        options = {"include_examples": False}
    else:
        try:
            from airflow.dag_processing.dagbag import DagBag
        except ModuleNotFoundError:  # Airflow 3.0 and 3.1
            from airflow.models.dagbag import DagBag

        options = {}

    with tempfile.TemporaryDirectory() as folder:
        warm_up = Path(folder) / "minimal.py"
        warm_up.write_text(MINIMAL_DAG)
        assert not DagBag(dag_folder=str(warm_up), **options).import_errors
    report = {}
    for path in files:
        before = set(sys.modules)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bag = DagBag(dag_folder=path, safe_mode=False, **options)
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
