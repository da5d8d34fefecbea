"""The snapshot gallery: which project, pipeline and options each generated DAG file comes from.

Snapshots are named after their pipeline (``fleet-regional``); every one is written for Airflow 2,
and its Airflow 3 text differs only where ``test_snapshots`` says.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from kedro_taskflow import api
from kedro_taskflow.api import Options
from kedro_taskflow.model import Execution, GroupBy, Selection
from kedro_taskflow.target import AirflowVersion, Form
from support.cases import CASES
from support.environment import EXAMPLE_PIPELINES, SNAPSHOTS


def _slug(pipeline: str) -> str:
    return "default" if pipeline == "__default__" else "-".join(re.findall(r"[A-Za-z0-9_]+", pipeline))


# Snapshot id -> (project, pipeline, options); "spaceflights" and "fleet" are the bundled examples.
SNAPSHOT_CASES: dict[str, tuple[str, str, Options]] = {
    **{f"{name}-{_slug(p)}": (name, p, Options()) for name, ps in EXAMPLE_PIPELINES.items() for p in ps},
    **{
        f"{case}-{_slug(p)}": (case, p, Options())
        for case, project in CASES.items()
        for p in project.pipelines
    },
    # conf/production/airflow.yml: a cron schedule, and a DAG scheduled on another's Datasets.
    **{
        f"spaceflights-production-{p}": ("spaceflights", p, Options(env="production"))
        for p in ("data_processing", "data_science")
    },
    "fleet-by-namespace": ("fleet", "__default__", Options(group_by=GroupBy.NAMESPACE)),
    "fleet-reporting-one-task-per-node": ("fleet", "reporting", Options(group_by=GroupBy.NONE)),
    "namespaced_project-by-namespace": (
        "namespaced_project",
        "__default__",
        Options(group_by=GroupBy.NAMESPACE),
    ),
    "namespaced_project-tags-reporting": (
        "namespaced_project",
        "__default__",
        Options(selection=Selection(tags=("reporting",))),
    ),
    # Watcher execution: a producer task runs the nodes, each node's task reports its outcome.
    "spaceflights-watcher": ("spaceflights", "__default__", Options(execution=Execution.WATCHER)),
    "fleet-watcher": ("fleet", "__default__", Options(execution=Execution.WATCHER)),
    "namespaced_project-watcher-tags-reporting": (
        "namespaced_project",
        "__default__",
        Options(execution=Execution.WATCHER, selection=Selection(tags=("reporting",))),
    ),
    # A task group's module (--as task-group), for a DAG of the team's own: the example's, nested
    # groups in watcher execution, and airflow.yml's default_args and DAG settings (ignored).
    "spaceflights-task-group": ("spaceflights", "__default__", Options(form=Form.TASK_GROUP)),
    "fleet-watcher-task-group": (
        "fleet",
        "__default__",
        Options(execution=Execution.WATCHER, form=Form.TASK_GROUP),
    ),
    "configured_project-regions-task-group": ("configured_project", "regions", Options(form=Form.TASK_GROUP)),
}
IDS = list(SNAPSHOT_CASES)


def snapshot_file(snapshot_id: str) -> Path:
    return SNAPSHOTS / "test_snapshots" / f"test_dag_source[{snapshot_id}].py"


# What a DAG file of a team holds around a task group's module, in the probes' files.
TEAM_DAG = """

import pendulum
from {decorators} import dag


@dag(dag_id="team", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def team():
    {group}()


team()
"""


def dag_file_text(snapshot_id: str, airflow_version: AirflowVersion, text: str) -> str:
    """A snapshot case's text as a file Airflow loads: a task group's module gets a DAG that calls
    its group appended (its task ids then start with the group's id, as in a team's DAG)."""
    if SNAPSHOT_CASES[snapshot_id][2].form is not Form.TASK_GROUP:
        return text
    (group,) = re.findall(r"^def (\w+)\(\):$", text, flags=re.MULTILINE)
    decorators = "airflow.decorators" if airflow_version is AirflowVersion.AIRFLOW_2 else "airflow.sdk"
    return text + TEAM_DAG.format(decorators=decorators, group=group)


def generate(project: Path | str, snapshot_id: str, airflow_version: AirflowVersion) -> str:
    """One snapshot case's DAG text, written for ``airflow_version``, from the project at ``project``:
    rendered, whatever is on disk (``generate`` would take a base of the same inputs instead)."""
    _case, pipeline, options = SNAPSHOT_CASES[snapshot_id]
    options = dataclasses.replace(options, airflow_version=airflow_version)
    planned = api.plan(project, pipelines=[pipeline], options=options)
    (dag,) = planned.dags
    deployment = api.deployment_of(planned.project_path, planned.project_path / api.DEFAULT_TARGET, options)
    return api.render(dag, api.target_of(dag, deployment, options, options.form or Form.DAG))
