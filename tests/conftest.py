"""Shared fixtures: a quiet, isolated Kedro and Airflow environment for every test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

# Property tests: CI-friendly by default; `pytest --hypothesis-profile=deep` runs far more examples.
settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("deep", max_examples=1500, deadline=None)
settings.load_profile("ci")

TESTS = Path(__file__).parent
ROOT = TESTS.parent
EXAMPLE = ROOT / "examples" / "spaceflights"
EXAMPLES = {"spaceflights": EXAMPLE, "fleet": ROOT / "examples" / "fleet"}
EXAMPLE_PIPELINES = {
    "spaceflights": ("__default__", "data_processing", "data_science"),
    "fleet": ("__default__", "regional", "reporting", "handover"),
}
SNAPSHOTS = TESTS / "snapshots"
BIN = Path(sys.executable).parent
# A second virtual environment with Airflow 3 (scripts/setup.sh makes it).
AIRFLOW3_PYTHON = Path(
    os.environ.get("KEDRO_TASKFLOW_AIRFLOW3_PYTHON", ROOT / ".venv-airflow3" / "bin" / "python")
)


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory):
    """Telemetry off, and Airflow writing only to a temporary AIRFLOW_HOME with SQLite."""
    home = tmp_path_factory.mktemp("airflow_home")
    values = {
        "KEDRO_DISABLE_TELEMETRY": "true",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        # Airflow 2.11 warns about its own metrics default unless told to use Airflow 3's.
        "AIRFLOW__METRICS__TIMER_UNIT_CONSISTENCY": "True",
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    yield home
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True)
def restore_pythonpath():
    """Kedro's bootstrap_project prepends the project's src/ to PYTHONPATH; keep it from leaking
    into later tests' subprocesses."""
    saved = os.environ.get("PYTHONPATH")
    yield
    if saved is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = saved


@pytest.fixture(scope="session")
def airflow_db(isolated_environment):
    """Airflow's metadata database, migrated once (SQLite)."""
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], check=True, capture_output=True, text=True)
    return isolated_environment


@pytest.fixture(scope="session")
def airflow3(tmp_path_factory) -> dict:
    """The Airflow 3 interpreter and the environment for it: its own AIRFLOW_HOME, migrated DB."""
    require_airflow3()
    home = tmp_path_factory.mktemp("airflow3_home")
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "PATH": f"{AIRFLOW3_PYTHON.parent}{os.pathsep}{os.environ['PATH']}",
    }
    run([str(AIRFLOW3_PYTHON), "-m", "airflow", "db", "migrate"], env=env)
    return {"python": str(AIRFLOW3_PYTHON), "env": env, "bin": AIRFLOW3_PYTHON.parent}


def require_airflow3() -> None:
    """Skip the test when there is no Airflow 3 environment, or fail where one is required."""
    if not AIRFLOW3_PYTHON.exists():
        message = f"no Airflow 3 environment at {AIRFLOW3_PYTHON}: run scripts/setup.sh"
        if os.environ.get("KEDRO_TASKFLOW_REQUIRE_AIRFLOW3"):
            pytest.fail(message)
        pytest.skip(message)


def run(args, cwd=None, env=None, check=True, timeout=300) -> subprocess.CompletedProcess:
    """Run a command of this virtual environment; on failure, show its output."""
    result = subprocess.run(
        args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def probe_airflow(files: list[Path], python: str = sys.executable, env: dict | None = None) -> dict:
    """What a real Airflow DagBag sees in each file, loaded in a fresh interpreter."""
    result = run([python, str(TESTS / "airflow_probe.py"), *map(str, files)], env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


class PythonSnapshot(SingleFileSnapshotExtension):
    """Snapshots as real .py files in tests/snapshots/, so reviewers read them as Python."""

    file_extension = "py"
    _write_mode = WriteMode.TEXT

    @classmethod
    def dirname(cls, *, test_location) -> str:
        return str(SNAPSHOTS / test_location.basename)


@pytest.fixture
def snapshot_py(snapshot):
    return snapshot.use_extension(PythonSnapshot)
