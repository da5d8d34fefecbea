"""The Airflow versions the docs claim, at their lowest and in between (the highest, 2.11 and 3.3,
are test_airflow_load.py's): every snapshot case loads in a real DagBag of each version for the
major it is written for with no warning, and Airflow 2's files on Airflow 3 with what the docs say.

The lowest of each major also runs the example's DAG once, as ``airflow dags test`` does, with
outputs equal to ``kedro run``'s in the same environment.

Each version gets a virtual environment of its own in .venv-matrix/ (made once, then reused) with
Airflow, and for the versions that run a DAG, Kedro and the example's packages: a DAG file needs
nothing else of ours than kedro_taskflow.runtime, put on the path.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.environment import EXAMPLE, ROOT, outputs, probe_airflow, run, run_dag
from support.snapshots import IDS

from kedro_taskflow.target import AirflowVersion

pytestmark = pytest.mark.airflow

# Version -> what it needs pinned to start on today's packages (docs/dag.md says so too). For a
# DAG run and not a load: 2.4.3's Flask-Session (`airflow db init`) and 3.0.6's cadwyn and fastapi
# (its task runner's API answers every task's start with a validation error on newer ones).
MATRIX = {
    "2.4.3": ("pendulum<3", "Flask-Session<0.6"),
    "2.7.3": ("Flask-Session<0.6",),
    "3.0.6": ("cadwyn<6", "fastapi<0.117"),
    "3.1.8": (),
}
RUNS = ("2.4.3", "3.0.6")  # the lowest minor of each major runs a DAG too


def packages(version: str) -> list[str]:
    """What the environment of ``version`` has: Airflow, its pins, and where it runs a DAG, this
    Kedro and the packages of kedro-taskflow's ``examples`` extra (as its installed metadata says)."""
    wanted = [f"apache-airflow=={version}", *MATRIX[version]]
    if version in RUNS:
        requires = importlib.metadata.requires("kedro-taskflow") or []
        examples = [r.split(";")[0].strip() for r in requires if 'extra == "examples"' in r]
        wanted += [f"kedro=={importlib.metadata.version('kedro')}", *examples]
    return wanted


DEPRECATED_DECORATOR = re.compile(
    r"DeprecatedImportWarning: The `airflow\.decorators\.(dag|task|task_group)` attribute is "
    r"deprecated\. Please use `'airflow\.sdk\.\1'`\."
)
# Airflow 3.0 and 3.1 keep airflow.datasets, deprecated (the first file to import it hears so).
DEPRECATED_DATASET = re.compile(
    r"DeprecationWarning: Import 'airflow\.datasets?\.Dataset' is deprecated and will be removed in "
    r"(the )?Airflow 3\.2\. .*"
)


@pytest.fixture(scope="session")
def pythons() -> dict[str, Path]:
    """Version -> the interpreter of an environment with that Airflow; the missing ones are made
    side by side (pip waits on the network and on disk as much as on the processor)."""
    venvs = {version: ROOT / ".venv-matrix" / f"airflow-{version}" for version in MATRIX}
    missing = {
        v: venv
        for v, venv in venvs.items()
        if not (venv / "installed").exists()
        or (venv / "installed").read_text() != " ".join(packages(v)) + "\n"
    }
    installs = {}
    try:
        for version, venv in missing.items():
            run([sys.executable, "-m", "venv", "--clear", str(venv)])
            pip = [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ]
            installs[version] = subprocess.Popen(
                [*pip, *packages(version)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        for version, install in installs.items():
            output, _ = install.communicate(timeout=900)
            assert install.returncode == 0, f"installing Airflow {version} failed:\n{output[-3000:]}"
            (venvs[version] / "installed").write_text(" ".join(packages(version)) + "\n")
    finally:
        for install in installs.values():
            install.kill()
            install.wait()
    return {version: venv / "bin" / "python" for version, venv in venvs.items()}


@pytest.fixture(scope="module", params=list(MATRIX))
def report(request, pythons, dag_files, tmp_path_factory) -> tuple[str, dict]:
    """What Airflow ``version`` saw in every file written for its major, and, on Airflow 3, in the
    Airflow 2 files too."""
    version = request.param
    env = airflow_environment(tmp_path_factory.mktemp(f"airflow-{version}"))
    python = pythons[version]
    if version.startswith("3"):
        run([str(python), "-m", "airflow", "db", "migrate"], env=env, timeout=300)
    files = [p for (_, v), p in dag_files.items() if version.startswith("3") or v is AirflowVersion.AIRFLOW_2]
    return version, {p: seen for p, seen in probe_airflow(files, str(python), env).items()}


def test_each_file_loads_with_no_error_and_no_warning_on_the_airflow_it_is_written_for(report, dag_files):
    version, seen = report
    major = AirflowVersion(int(version[0]))
    for snapshot_id in IDS:
        file_seen = seen[str(dag_files[snapshot_id, major])]
        assert (file_seen["errors"], file_seen["warnings"]) == ({}, []), (version, snapshot_id)
        assert len(file_seen["dags"]) == 1
        assert "kedro" not in file_seen["new_packages"]


def test_airflow_2_output_on_airflow_3_warns_of_datasets_and_from_3_1_of_the_decorators(report, dag_files):
    version, seen = report
    if not version.startswith("3"):
        pytest.skip("Airflow 2 output on Airflow 2: the test above")
    heard = []
    for snapshot_id in IDS:
        path = dag_files[snapshot_id, AirflowVersion.AIRFLOW_2]
        file_seen = seen[str(path)]
        assert file_seen["errors"] == {}, (version, snapshot_id)  # airflow.datasets is there up to 3.1
        datasets = [w for w in file_seen["warnings"] if DEPRECATED_DATASET.fullmatch(w)]
        heard += datasets
        decorators = [w for w in file_seen["warnings"] if w not in datasets]
        assert not datasets or "from airflow.datasets import" in path.read_text(), (version, snapshot_id)
        if version.startswith("3.0"):
            assert decorators == [], (version, snapshot_id)
        else:
            assert decorators and all(DEPRECATED_DECORATOR.fullmatch(w) for w in decorators), decorators
    assert heard, "a file with datasets: told once that airflow.datasets goes in 3.2"


def airflow_environment(home: Path) -> dict:
    """An Airflow of the matrix writing only to ``home`` (SQLite), with kedro_taskflow.runtime."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": str(ROOT),  # kedro_taskflow.runtime, which is all a DAG file imports of ours
    }


@pytest.mark.timeout(600)
@pytest.mark.parametrize("version", RUNS)
def test_the_example_runs_like_kedro_run_on_the_lowest_minor_of_each_major(version, pythons, tmp_path):
    python = str(pythons[version])
    env = airflow_environment(tmp_path / "airflow_home")
    run(
        [python, "-m", "airflow", "db", "migrate" if version.startswith("3") else "init"],
        env=env,
        timeout=300,
    )
    by_kedro, by_airflow = (
        shutil.copytree(
            EXAMPLE, tmp_path / side / EXAMPLE.name, ignore=shutil.ignore_patterns("airflow_dags")
        )
        for side in ("by_kedro", "by_airflow")
    )
    run([python, "-m", "kedro", "run"], cwd=by_kedro, env=env)

    report = run_dag(
        by_airflow, EXAMPLE.name, tmp_path, "--airflow-version", version[0], python=python, env=env
    )

    assert report["state"] == "success", report
    assert set(report["tasks"].values()) == {"success"}, report
    assert outputs(by_airflow) == outputs(by_kedro)
