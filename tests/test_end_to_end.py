"""The generated DAGs run in a real Airflow and produce exactly what ``kedro run`` produces."""

from __future__ import annotations

import shutil
import sys

import pytest
from support.cases import CASES
from support.environment import BIN, EXAMPLES, outputs, run, run_dag
from support.kedro_projects import write_project

pytestmark = pytest.mark.airflow


# name -> (example, pipeline, generate options, pipeline kedro runs first in both copies, files to expect)
EXAMPLE_RUNS = {
    "spaceflights": ("spaceflights", "__default__", (), None, ("08_reporting/metrics.json",)),
    "fleet": (
        "fleet",
        "__default__",
        (),
        None,
        ("08_reporting/daily/summary.json", "06_models/eu/model.pickle"),
    ),
    "fleet-by-namespace": (
        "fleet",
        "__default__",
        ("--group-by", "namespace"),
        None,
        ("08_reporting/daily/summary.json",),
    ),
    # Transcoding: checksum_sheet reads fleet_sheet@text, the file describe_fleet wrote as @json.
    "fleet-handover": ("fleet", "handover", (), None, ("08_reporting/fleet_sheet_checksum.json",)),
    "spaceflights-airflow3": ("spaceflights", "__default__", ("--airflow-version", "3"), None, ()),
    "fleet-airflow3": ("fleet", "__default__", ("--airflow-version", "3"), None, ()),
    "fleet-reporting-one-task-per-node": (
        "fleet",
        "reporting",
        ("--group-by", "none"),
        "regional",
        ("08_reporting/daily/summary.json",),
    ),
}


@pytest.mark.parametrize("name", EXAMPLE_RUNS)
def test_examples_run_like_kedro_run(name, tmp_path, request):
    example, pipeline, options, prepare, expected_files = EXAMPLE_RUNS[name]
    ignore = shutil.ignore_patterns("airflow_dags")
    by_kedro = shutil.copytree(EXAMPLES[example], tmp_path / "by_kedro" / example, ignore=ignore)
    by_airflow = shutil.copytree(EXAMPLES[example], tmp_path / "by_airflow" / example, ignore=ignore)
    for copy in (by_kedro, by_airflow) if prepare else ():
        run([str(BIN / "kedro"), "run", "--pipeline", prepare], cwd=copy)
    run([str(BIN / "kedro"), "run", "--pipeline", pipeline], cwd=by_kedro)

    dag_id = example if pipeline == "__default__" else f"{example}_{pipeline}"
    for_airflow_3 = options[-2:] == ("--airflow-version", "3")
    if for_airflow_3:
        airflow = request.getfixturevalue("airflow3")
        python, env = airflow["python"], airflow["env"]
    else:
        request.getfixturevalue("airflow_db")
        python, env = sys.executable, None
    report = run_dag(by_airflow, dag_id, tmp_path, "--pipeline", pipeline, *options, python=python, env=env)

    assert report["state"] == "success"
    assert set(report["tasks"].values()) == {"success"}
    expected = outputs(by_kedro)
    assert set(expected_files) <= set(expected)
    assert outputs(by_airflow) == expected


@pytest.mark.parametrize(
    "case", ["memory_project", "cycle_project", "hostile_project", "namespaced_project", "configured_project"]
)
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
