"""What the tests under real schedulers share: the examples and a runs project, generated and
planned through the command line, and what they look for in task logs and saved versions."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

from support.environment import AIRFLOW3_PYTHON, BIN, EXAMPLES, require_airflow3, run
from support.schedulers import Scheduler

TEMPLATE = "airflow_template"  # the session's migrated Airflow 2 database, which each test copies

ANSI = re.compile(r"\x1b\[")
RICH_FRAME = re.compile(r"[│╭╰─]{3}")  # rich's boxes and rules


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


def plan(project: Path, dag_id: str) -> dict[str, list[str]]:
    """Task id -> the node names it runs, from ``kedro-taskflow plan --json``."""
    result = run([str(BIN / "kedro-taskflow"), "plan", "--all", "--json"], cwd=project)
    (dag,) = (d for d in json.loads(result.stdout)["dags"] if d["dag_id"] == dag_id)
    return {t["task_id"]: t["nodes"] for t in dag["tasks"]}


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
    """Until another run has saved a value too (two versions), at most ``pause`` seconds."""
    deadline = time.monotonic() + pause
    while time.monotonic() < deadline and len(list(Path("data/value.json").glob("*"))) < 2:
        time.sleep(0.1)
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


def version_of(logical_date: datetime) -> str:
    """Kedro's version string for a DAG run's logical date (UTC, milliseconds)."""
    utc = logical_date.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H.%M.%S.") + f"{utc.microsecond // 1000:03d}Z"


def saved_versions(project: Path, dataset: str) -> dict[str, dict]:
    folder = project / "data" / f"{dataset}.json"
    return {v.name: json.loads((v / f"{dataset}.json").read_text()) for v in folder.iterdir()}


INHERITS_KEDRO = """
import gc
import os
import sys

import pendulum
from {decorators} import dag, task


def ancestors(pid):
    while pid > 1:
        pid = int(open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[1])
        yield pid


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def inherits_kedro():
    @task
    def inherited():
        from kedro_taskflow.runtime import preload

        assert "kedro.framework.session" in sys.modules, "Kedro is not imported"
        assert preload.preloaded_in in set(ancestors(os.getpid())), preload.preloaded_in
        assert gc.get_freeze_count() > 0, "what the parent imported is in this task's collections"
        print(f"Kedro preloaded by process {{preload.preloaded_in}}, an ancestor of this task's")

    {calls}


inherits_kedro()
"""


def inherits_kedro_dag(major: int, queues: tuple[str, ...] = ()) -> str:
    """A DAG whose task fails unless an ancestor of its process preloaded Kedro, and names it;
    with ``queues``, one such task per queue, ``inherited_on_<queue>``, never retried."""
    calls = [f'inherited.override(task_id="inherited_on_{q}", queue="{q}", retries=0)()' for q in queues]
    return INHERITS_KEDRO.format(
        decorators="airflow.decorators" if major == 2 else "airflow.sdk",
        calls="\n    ".join(calls or ["inherited()"]),
    )


def preloading(home: Path) -> dict[str, str]:
    """The environment of a scheduler in ``home`` that preloads Kedro (docs/execution.md):
    ``lazy_load_plugins`` off, and the plugin in Airflow's plugins folder, which finds it as its
    ``airflow.plugins`` entry point does (an editable install may predate the entry point)."""
    plugins = home / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    (plugins / "kedro_taskflow_preload.py").write_text(
        "from kedro_taskflow.runtime.preload import KedroPreload  # noqa: F401\n"
    )
    return {"AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False", "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins)}


def new_scheduler(home: Path, dags: Path, major: int, request) -> Scheduler:
    """A scheduler over ``dags`` (2: LocalExecutor on a copy of the session's PostgreSQL
    database; 3: ``airflow standalone`` on SQLite), not started."""
    home.mkdir()
    if major == 2:
        database = request.getfixturevalue("postgres").create_database(f"t_{uuid.uuid4().hex}", TEMPLATE)
        return Scheduler(BIN, home, dags, database, major)
    require_airflow3()
    return Scheduler(AIRFLOW3_PYTHON.parent, home, dags, f"sqlite:///{home / 'airflow.db'}", major)
