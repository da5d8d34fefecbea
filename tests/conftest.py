"""Fixtures: a quiet, isolated Kedro and Airflow environment for every test, and the DAG files
generated once per session. Helpers live in ``support/``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import settings
from support.cases import CASES
from support.environment import AIRFLOW3_PYTHON, BIN, EXAMPLES, SNAPSHOTS, require_airflow3, run
from support.kedro_projects import write_project
from support.scheduled import TEMPLATE, new_scheduler, preloading
from support.schedulers import PostgresServer, Scheduler
from support.snapshots import SNAPSHOT_CASES, dag_file_text, generate
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from kedro_taskflow.target import AirflowVersion

# Property tests: CI-friendly by default, the same examples on every run (a red CI is reproducible,
# never a new draw); `pytest --hypothesis-profile=deep` draws far more, new ones each time.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.register_profile("deep", max_examples=1500, deadline=None)
settings.load_profile("ci")


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


@pytest.fixture(scope="session")
def case_projects(tmp_path_factory) -> dict:
    """Project name -> folder: the bundled examples, and the small cases written to disk."""
    root = tmp_path_factory.mktemp("projects")
    return {**EXAMPLES, **{name: write_project(root, project) for name, project in CASES.items()}}


@pytest.fixture(scope="session")
def generated(case_projects) -> dict[tuple[str, AirflowVersion], str]:
    """(snapshot id, Airflow version) -> generated source, made once for the whole session."""
    return {
        (i, v): generate(case_projects[SNAPSHOT_CASES[i][0]], i, v)
        for i in SNAPSHOT_CASES
        for v in AirflowVersion
    }


@pytest.fixture(scope="session")
def dag_files(generated, tmp_path_factory) -> dict:
    """(snapshot id, Airflow version) -> the generated source in a file of its own (a task group's
    with a DAG that calls it)."""
    folder = tmp_path_factory.mktemp("dag_files")
    paths = {}
    for (snapshot_id, version), text in generated.items():
        paths[snapshot_id, version] = folder / f"{snapshot_id}-airflow{version.value}.py"
        paths[snapshot_id, version].write_text(dag_file_text(snapshot_id, version, text), encoding="utf-8")
    return paths


# Fixtures that start or migrate an Airflow: a test using one is in the `airflow` layer, whatever
# its module says, so that the fast lane (-m "not airflow") never waits for Airflow.
AIRFLOW_FIXTURES = frozenset({"airflow3", "airflow_db"})


@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads xdist_group into the test ids
def pytest_collection_modifyitems(items) -> None:
    """Mark the `airflow` layer; under ``-n 2 --dist loadgroup`` (scripts/test.sh) each of its
    modules runs in one worker, one test at a time, sharing that worker's clusters and environments
    (what a module makes on disk, such as the Airflow matrix's, is made by one process), while the
    other worker takes other modules and the fast tests. (One group for the whole layer made CI's
    tests take over 30 minutes.)"""
    for item in items:
        if AIRFLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.airflow)
        if item.get_closest_marker("airflow"):
            item.add_marker(pytest.mark.xdist_group(f"airflow-{item.path.stem}"))


def pytest_runtest_setup(item) -> None:
    """Under ``--dist loadgroup`` an airflow module must be one group (xdist marks it on the test
    ids): else what it makes once per session is made by both workers at once."""
    if (
        getattr(item.config.option, "loadgroup", False)
        and item.get_closest_marker("airflow")
        and "@" not in item.nodeid
    ):
        pytest.fail(
            f"pytest-xdist did not group the airflow layer ({item.nodeid} has no @airflow-...): "
            "install the pytest and pytest-xdist versions the test extra allows",
            pytrace=False,
        )


# --- real schedulers (tests/support/schedulers.py) ------------------------------------------------


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL cluster for the session, with a migrated Airflow 2 database to copy."""
    server = PostgresServer().start()
    try:
        url = server.create_database(TEMPLATE)
        run([str(BIN / "airflow"), "db", "migrate"], env={"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url})
        yield server
    finally:
        server.stop()


@pytest.fixture
def scheduler(tmp_path, request):
    """Start a scheduler over a DAG folder: ``scheduler(dags, major=2)``; stopped after the test."""
    started = []

    def start(dags: Path, major: int = 2, preload: bool = False) -> Scheduler:
        """``preload``: with Kedro preloaded, the deployment setting of docs/execution.md."""
        home = tmp_path / f"airflow{major}_home"
        started.append(new_scheduler(home, dags, major, request))
        if preload:
            started[-1].env |= preloading(home)
        return started[-1].start()

    yield start
    for s in started:
        s.stop()
