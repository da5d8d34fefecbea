"""Generated DAGs under real Airflow schedulers, as production runs them.

Airflow 2.11: a scheduler with LocalExecutor on PostgreSQL; each task is launched by the executor
in its own process, with its output redirected into Airflow's task logger. Airflow 3.3:
``airflow standalone`` (scheduler, dag-processor, api-server), tasks talking to the api-server.
Every test has a wall-clock limit and ends every process its scheduler started.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path

import pytest
from support.environment import AIRFLOW3_PYTHON, BIN, EXAMPLES, ROOT, outputs, require_airflow3, run
from support.schedulers import PostgresServer, Scheduler

pytestmark = pytest.mark.airflow

TEMPLATE = "airflow_template"
ANSI = re.compile(r"\x1b\[")
RICH_FRAME = re.compile(r"[│╭╰─]{3}")  # rich's boxes and rules


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

    def start(dags: Path, major: int = 2) -> Scheduler:
        home = tmp_path / f"airflow{major}_home"
        home.mkdir()
        if major == 2:
            database = request.getfixturevalue("postgres").create_database(f"t_{uuid.uuid4().hex}", TEMPLATE)
            airflow_bin = BIN
        else:
            require_airflow3()
            database = f"sqlite:///{home / 'airflow.db'}"
            airflow_bin = AIRFLOW3_PYTHON.parent
        started.append(Scheduler(airflow_bin, home, dags, database, major))
        return started[-1].start()

    yield start
    for s in started:
        s.stop()


def copy_example(example: str, destination: Path) -> Path:
    return shutil.copytree(
        EXAMPLES[example], destination, ignore=shutil.ignore_patterns("airflow_dags", "__pycache__")
    )


def generate(project: Path, *options: str, kedro_taskflow: Path = BIN / "kedro-taskflow") -> Path:
    run([str(kedro_taskflow), "generate", "--all", *options], cwd=project)
    return project / "airflow_dags"


def assert_kedro_logged_once(log: str, nodes: list[str]) -> None:
    """Kedro's lines reach the task log once each, as plain text in Airflow's format."""
    for node in nodes:
        assert len(re.findall(rf"Completed node: {re.escape(node)}\b", log)) == 1, (node, log[-3000:])
    assert not ANSI.search(log), "ANSI escape codes in the task log"
    assert not RICH_FRAME.search(log), "rich rendering in the task log"


# --- the examples, end to end ------------------------------------------------------------------

EXAMPLE_DAGS = {  # example -> (its __default__ DAG id, a pair of tasks that can run at the same time)
    "spaceflights": ("spaceflights", ("preprocess_companies_node", "preprocess_shuttles_node")),
    "fleet": ("fleet", ("eu.make_orders", "us.make_orders")),
}


@pytest.mark.timeout(420)
@pytest.mark.parametrize("major", [2, 3])
@pytest.mark.parametrize("example", EXAMPLE_DAGS)
def test_example_runs_under_a_real_scheduler_like_kedro_run(example, major, tmp_path, scheduler):
    dag_id, (left, right) = EXAMPLE_DAGS[example]
    by_kedro = copy_example(example, tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)
    by_airflow = copy_example(example, tmp_path / "by_airflow")
    dags = generate(by_airflow, "--airflow-version", str(major))

    airflow = scheduler(dags, major)
    run_id = airflow.trigger(dag_id, "manual__example")
    state = airflow.wait(dag_id, run_id, timeout=300)
    tasks = airflow.tasks(dag_id, run_id)

    assert state == "success", {t.task_id: t.state for t in tasks.values()}
    assert {t.state for t in tasks.values()} == {"success"}
    assert outputs(by_airflow) == outputs(by_kedro)
    nodes = plan(by_airflow, dag_id)
    assert set(tasks) == set(nodes)
    for task_id, task_nodes in nodes.items():
        assert_kedro_logged_once(airflow.log(dag_id, run_id, task_id), task_nodes)
    if major == 2:  # LocalExecutor runs independent tasks side by side
        a, b = tasks[left], tasks[right]
        assert a.start_date < b.end_date and b.start_date < a.end_date, (a, b)


def plan(project: Path, dag_id: str) -> dict[str, list[str]]:
    """Task id -> the node names it runs, from ``kedro-taskflow plan --json``."""
    result = run([str(BIN / "kedro-taskflow"), "plan", "--all", "--json"], cwd=project)
    (dag,) = (d for d in json.loads(result.stdout)["dags"] if d["dag_id"] == dag_id)
    return {t["task_id"]: t["nodes"] for t in dag["tasks"]}


# --- retries, failures, versions and parameters --------------------------------------------------

NODES = '''\
"""Nodes whose behaviour the tests steer through files in data/ and through parameters."""

import logging
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def make_value(value):
    logger.debug("make_value made %s", value)
    return {"value": value}


def wait(pause):
    time.sleep(pause)
    return pause


def double(record, _waited):
    return {"value": record["value"] * 2}


def flaky():
    marker = Path("data/flaky.attempted")
    if not marker.exists():
        marker.touch()
        raise RuntimeError("flaky fails on its first attempt")
    return {"flaky": "ok"}


def fragile():
    if Path("data/broken").exists():
        raise ValueError("the input is broken: delete data/broken")
    return {"fragile": "ok"}


def after_fragile(record):
    return {"after": record}


def independent():
    return {"independent": "ok"}
'''

REGISTRY = """\
from kedro.pipeline import Node, Pipeline

from runs_project.nodes import after_fragile, double, flaky, fragile, independent, make_value, wait


def register_pipelines():
    versions = Pipeline(
        [
            Node(make_value, "params:value", "value", name="make_value"),
            Node(wait, "params:pause", "waited", name="wait"),
            Node(double, ["value", "waited"], "doubled", name="double"),
        ]
    )
    failures = Pipeline(
        [
            Node(flaky, None, "flaky_out", name="flaky"),
            Node(fragile, None, "fragile_out", name="fragile"),
            Node(after_fragile, "fragile_out", "final", name="after_fragile"),
            Node(independent, None, "independent_out", name="independent"),
        ]
    )
    return {"__default__": versions + failures, "versions": versions, "failures": failures}
"""

CATALOG = {
    **{
        name: {"type": "json.JSONDataset", "filepath": f"data/{name}.json", "versioned": True}
        for name in ("value", "doubled")
    },
    **{
        name: {"type": "json.JSONDataset", "filepath": f"data/{name}.json"}
        for name in ("flaky_out", "fragile_out", "final", "independent_out")
    },
}


# Kedro's project template's logging, with levels of its own: a node's DEBUG line must reach the
# task log, kedro.io's INFO lines ("Loading data from ...") must not, and no handler may write.
LOGGING = """\
version: 1
disable_existing_loggers: True
formatters:
  simple: {format: "%(asctime)s - %(name)s - %(levelname)s - %(message)s"}
handlers:
  console: {class: logging.StreamHandler, formatter: simple, stream: "ext://sys.stdout"}
  info_file_handler: {class: logging.handlers.RotatingFileHandler, filename: info.log, delay: True}
  rich: {class: kedro.logging.RichHandler, rich_tracebacks: True}
loggers:
  kedro: {level: INFO}
  kedro.io: {level: WARNING}
  runs_project: {level: DEBUG, handlers: [console], propagate: False}
root:
  handlers: [rich, info_file_handler]
"""


def write_runs_project(root: Path) -> Path:
    """A Kedro project for runs that fail, retry, overlap and take parameters."""
    project = root / "runs_project"
    src = project / "src" / "runs_project"
    src.mkdir(parents=True)
    (project / "conf" / "base").mkdir(parents=True)
    (project / "conf" / "local").mkdir()
    (project / "data").mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.kedro]\npackage_name = "runs_project"\nproject_name = "runs_project"\n'
        'kedro_init_version = "1.7.0"\nsource_dir = "src"\n'
    )
    (src / "__init__.py").write_text("")
    (src / "settings.py").write_text("")
    (src / "nodes.py").write_text(NODES)
    (src / "pipeline_registry.py").write_text(REGISTRY)
    (project / "conf" / "base" / "catalog.yml").write_text(json.dumps(CATALOG))
    (project / "conf" / "logging.yml").write_text(LOGGING)
    (project / "conf" / "base" / "parameters.yml").write_text(json.dumps({"value": 0, "pause": 0}))
    return project


def hand_tune(dag_file: Path, max_active_runs: int = 1) -> None:
    """What a person does before deploying: retry after a second, let runs overlap."""
    text = dag_file.read_text()
    for old, new in (
        ("pendulum.duration(minutes=5)", "pendulum.duration(seconds=1)"),
        ("max_active_runs=1,", f"max_active_runs={max_active_runs},"),
    ):
        assert old in text
        text = text.replace(old, new)
    dag_file.write_text(text)


@pytest.mark.timeout(400)
@pytest.mark.parametrize("major", [2, 3])
def test_retry_failure_and_clearing_after_a_fix(major, tmp_path, scheduler):
    project = write_runs_project(tmp_path)
    dags = generate(project, "--airflow-version", str(major))
    hand_tune(dags / "runs_project_failures.py")
    (project / "data" / "broken").touch()
    dag_id = "runs_project_failures"

    airflow = scheduler(dags, major)
    run_id = airflow.trigger(dag_id, "manual__failures")
    assert airflow.wait(dag_id, run_id, timeout=240) == "failed"
    tasks = airflow.tasks(dag_id, run_id)

    assert {t: tasks[t].state for t in tasks} == {
        "flaky": "success",
        "fragile": "failed",
        "after_fragile": "upstream_failed",
        "independent": "success",
    }
    assert tasks["flaky"].try_number == 2  # failed once, then succeeded on its retry
    assert "flaky fails on its first attempt" in airflow.log(dag_id, run_id, "flaky", attempt=1)
    failure = airflow.log(dag_id, run_id, "fragile", attempt=2)
    kedro_error = "Node fragile: fragile(None) -> [fragile_out] failed with error: \nthe input is broken"
    assert kedro_error in failure
    assert "ValueError: the input is broken: delete data/broken" in failure
    assert not ANSI.search(failure) and not RICH_FRAME.search(failure)

    (project / "data" / "broken").unlink()  # the fix
    airflow.clear(dag_id, "fragile")
    assert airflow.wait(dag_id, run_id, timeout=120) == "success"
    assert {t.state for t in airflow.tasks(dag_id, run_id).values()} == {"success"}
    assert json.loads((project / "data" / "final.json").read_text()) == {"after": {"fragile": "ok"}}


def version_of(logical_date: datetime) -> str:
    """Kedro's version string for a DAG run's logical date (UTC, milliseconds)."""
    utc = logical_date.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H.%M.%S.") + f"{utc.microsecond // 1000:03d}Z"


def saved_versions(project: Path, dataset: str) -> dict[str, dict]:
    folder = project / "data" / f"{dataset}.json"
    return {v.name: json.loads((v / f"{dataset}.json").read_text()) for v in folder.iterdir()}


@pytest.mark.timeout(500)
def test_one_dag_run_is_one_kedro_run_with_its_version_and_params(tmp_path, scheduler):
    """Two overlapping runs with different params each save under their own version and load only
    what they saved, also when their tasks run again; an undeclared parameter fails the run."""
    project = write_runs_project(tmp_path)
    dags = generate(project)
    hand_tune(dags / "runs_project_versions.py", max_active_runs=2)
    dag_id = "runs_project_versions"
    (double_task,) = (t for t, nodes in plan(project, dag_id).items() if "double" in nodes)

    airflow = scheduler(dags)
    slow = airflow.trigger(dag_id, "manual__slow", {"value": 1, "pause": 12})
    fast = airflow.trigger(dag_id, "manual__fast", {"value": 2})
    assert airflow.wait(dag_id, fast, timeout=200) == "success"
    assert airflow.wait(dag_id, slow, timeout=200) == "success"
    version = {r: version_of(airflow.logical_date(dag_id, r)) for r in (slow, fast)}
    slow_tasks, fast_tasks = airflow.tasks(dag_id, slow), airflow.tasks(dag_id, fast)

    # The project's logging levels hold in the task log, with Airflow's handlers only.
    made = airflow.log(dag_id, slow, "make_value")
    assert made.count("make_value made 1") == 1
    assert "Completed node: make_value" in made and "Marking task as SUCCESS" in made
    assert "Loading data from" not in airflow.log(dag_id, slow, double_task)
    assert not (project / "info.log").exists()

    # The fast run saved a newer `value` before the slow run's double loaded it, after its pause.
    assert version[fast] > version[slow]
    assert fast_tasks["make_value"].end_date < slow_tasks[double_task].start_date + timedelta(seconds=12)
    expected = {
        "value": {version[slow]: {"value": 1}, version[fast]: {"value": 2}},
        "doubled": {version[slow]: {"value": 2}, version[fast]: {"value": 4}},
    }
    assert {d: saved_versions(project, d) for d in expected} == expected

    airflow.clear(dag_id, "make_value")  # both runs again, from their first task
    for run_id in (slow, fast):
        assert airflow.wait(dag_id, run_id, timeout=200) == "success"
        again = airflow.tasks(dag_id, run_id)["make_value"]
        assert again.try_number == 2
        log = airflow.log(dag_id, run_id, "make_value", attempt=2)
        assert f"Replacing dataset 'value' of version {version[run_id]}, saved by an earlier attempt." in log
    assert {d: saved_versions(project, d) for d in expected} == expected

    steer = airflow.trigger(dag_id, "manual__steer", {"value": 3, "value_path": "/tmp/elsewhere.json"})
    assert airflow.wait(dag_id, steer, timeout=200) == "failed"
    refused = airflow.tasks(dag_id, steer)["make_value"]
    assert (refused.state, refused.try_number) == ("failed", 1)  # at once: a retry would fail alike
    message = (
        "The DAG run's conf sets 'value_path', which the project does not declare as parameters "
        "(it declares: pause, value)"
    )
    assert message in airflow.log(dag_id, steer, "make_value", attempt=1)
    assert {d: saved_versions(project, d) for d in expected} == expected


# --- isolated tasks (flavour:) -------------------------------------------------------------------


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    """Wheels of kedro-taskflow and what the runs project needs: virtualenvs install offline."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    needs = [
        "kedro==" + metadata.version("kedro"),
        "kedro-datasets[json-jsondataset]==" + metadata.version("kedro-datasets"),
    ]
    run([str(BIN / "pip"), "wheel", "--quiet", str(ROOT), *needs, "--wheel-dir", str(folder)], timeout=300)
    return folder


ISOLATED = {
    "external_python": {"python": "{python}"},  # the Airflow's own Python: it has kedro and the runner
    "virtualenv": {  # made for the task, from local wheels only, without the base Python's packages
        "requirements": ["kedro-taskflow", "kedro", "kedro-datasets[json-jsondataset]"],
        "system_site_packages": False,
        "pip_install_options": ["--no-index", "--find-links", "{wheelhouse}"],
    },
}


@pytest.mark.timeout(400)
@pytest.mark.parametrize(
    ("flavour", "major"), [("external_python", 2), ("virtualenv", 2), ("external_python", 3)]
)
def test_an_isolated_task_is_part_of_the_dag_run(flavour, major, tmp_path, scheduler, request):
    """``double`` runs isolated, after ``make_value`` as a plain ``@task``: it loads the value this
    run saved, saves under the same version, takes the run's conf, and logs into its task log."""
    project = write_runs_project(tmp_path)
    python = BIN / "python" if major == 2 else AIRFLOW3_PYTHON
    wheels = request.getfixturevalue("wheelhouse") if flavour == "virtualenv" else ""
    arguments = json.loads(
        json.dumps(ISOLATED[flavour]).replace("{wheelhouse}", str(wheels)).replace("{python}", str(python))
    )
    yml = {"versions": {"tasks": {"node:double": {"flavour": {flavour: arguments}}}}}
    (project / "conf" / "base" / "airflow.yml").write_text(json.dumps(yml))
    dags = generate(project, "--worker-project-path", str(project), "--airflow-version", str(major))
    dag_id = "runs_project_versions"
    (double_task,) = (t for t, nodes in plan(project, dag_id).items() if "double" in nodes)
    assert f"@task.{flavour}(" in (dags / f"{dag_id}.py").read_text()

    airflow = scheduler(dags, major)
    run_id = airflow.trigger(dag_id, "manual__isolated", {"value": 5})
    state = airflow.wait(dag_id, run_id, timeout=300)
    tasks = airflow.tasks(dag_id, run_id)
    log = airflow.log(dag_id, run_id, double_task)

    assert state == "success", ({t.task_id: t.state for t in tasks.values()}, log[-3000:])
    version = version_of(airflow.version_date(dag_id, run_id))
    assert {d: saved_versions(project, d) for d in ("value", "doubled")} == {
        "value": {version: {"value": 5}},
        "doubled": {version: {"value": 10}},
    }
    by_kedro = write_runs_project(tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run", "--pipeline", "versions", "--params", "value=5"], cwd=by_kedro)
    assert outputs(project) == outputs(by_kedro)
    assert_kedro_logged_once(log, ["wait", "double"])


@pytest.mark.timeout(400)
def test_a_dag_scheduled_on_another_pipeline_runs_once_that_pipeline_s_dag_has_run(tmp_path, scheduler):
    """Data-aware scheduling: data_science runs by itself once data_processing's run has updated
    every Dataset it declares, and the two runs write what ``kedro run`` writes."""
    by_kedro = copy_example("spaceflights", tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)
    project = copy_example("spaceflights", tmp_path / "by_airflow")
    yml = {
        "data_processing": {"datasets": True},
        "data_science": {"schedule": {"pipeline": "data_processing"}},
    }
    (project / "conf" / "base" / "airflow.yml").write_text(json.dumps(yml))
    dags = generate(project)
    upstream, downstream = "spaceflights_data_processing", "spaceflights_data_science"

    airflow = scheduler(dags)
    first = airflow.trigger(upstream, "manual__upstream")
    assert airflow.wait(upstream, first, timeout=200) == "success"
    deadline = time.monotonic() + 120
    while not airflow.runs(downstream) and time.monotonic() < deadline:
        time.sleep(1)
    ((run_id, run_type),) = airflow.runs(downstream).items()
    assert run_type == "dataset_triggered"
    assert airflow.wait(downstream, run_id, timeout=200) == "success"

    assert outputs(project) == outputs(by_kedro)
    assert airflow.runs(upstream) == {first: "manual"}
    assert airflow.runs("spaceflights") == {}
