"""The generated DAGs run in a real Airflow and produce exactly what ``kedro run`` produces."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from cases import CASES
from conftest import BIN, EXAMPLE, TESTS, run
from kedro_projects import write_project

pytestmark = pytest.mark.airflow


def outputs(project: Path) -> dict[str, bytes]:
    """Every file a run wrote under data/, versioned datasets keyed without their timestamp."""
    result = {}
    for path in sorted((project / "data").rglob("*")):
        relative = path.relative_to(project / "data")
        if path.is_file() and relative.parts[0] != "01_raw" and path.name != ".gitkeep":
            parts = relative.parts
            if len(parts) >= 3 and parts[-3] == parts[-1]:  # name/<version>/name
                parts = (*parts[:-2], parts[-1])
            result["/".join(parts)] = path.read_bytes()
    return result


def run_dag(project: Path, dag_id: str, tmp_path: Path) -> dict:
    """Generate the project's DAGs with the CLI, then run one with ``dag.test()`` elsewhere."""
    run([str(BIN / "kedro-taskflow"), "generate", "--all"], cwd=project)
    dag_file = project / "airflow_dags" / f"{dag_id}.py"
    elsewhere = tmp_path / "worker_cwd"
    elsewhere.mkdir()
    result = run([sys.executable, str(TESTS / "airflow_run.py"), str(dag_file), dag_id], cwd=elsewhere)
    assert not any(elsewhere.iterdir()), "the runner must not depend on or write to the working directory"
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_spaceflights_runs_like_kedro_run(tmp_path, airflow_db):
    by_kedro = shutil.copytree(EXAMPLE, tmp_path / "by_kedro", ignore=shutil.ignore_patterns("airflow_dags"))
    by_airflow = shutil.copytree(
        EXAMPLE, tmp_path / "by_airflow", ignore=shutil.ignore_patterns("airflow_dags")
    )
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)

    report = run_dag(by_airflow, "spaceflights", tmp_path)

    assert report["state"] == "success"
    assert set(report["tasks"].values()) == {"success"}
    expected = outputs(by_kedro)
    assert (
        "08_reporting/metrics.json" in expected and "06_models/regressor.pickle/regressor.pickle" in expected
    )
    assert outputs(by_airflow) == expected


@pytest.mark.parametrize("case", ["memory_project", "cycle_project", "hostile_project"])
def test_small_pipelines_run_like_kedro_run(case, tmp_path, airflow_db):
    by_kedro = write_project(tmp_path / "by_kedro", CASES[case])
    by_airflow = write_project(tmp_path / "by_airflow", CASES[case])
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)

    report = run_dag(by_airflow, case, tmp_path)

    assert report["state"] == "success"
    assert set(report["tasks"].values()) == {"success"}
    expected = outputs(by_kedro)
    assert expected, "the pipeline writes persisted datasets"
    assert outputs(by_airflow) == expected
    assert not (by_airflow / "PWNED").exists() and not (tmp_path / "worker_cwd" / "PWNED").exists()
