"""Every snapshot case, written for each Airflow, loads in a real DagBag of that Airflow (2.11, 3.3)
cleanly, and means the Kedro pipeline."""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

import pytest
from support.cases import CASES
from support.dag_source import closure, task_nodes
from support.environment import EXAMPLES, probe_airflow
from support.kedro_graph import kedro_edges
from support.kedro_projects import full_name
from support.snapshots import IDS, SNAPSHOT_CASES

from kedro_taskflow.reader import read_project
from kedro_taskflow.target import AirflowVersion, Form

pytestmark = pytest.mark.airflow

AIRFLOW_2, AIRFLOW_3 = AirflowVersion.AIRFLOW_2, AirflowVersion.AIRFLOW_3
CASE_VERSIONS = [pytest.param(i, v, id=f"{i}-airflow{v.value}") for i in IDS for v in AirflowVersion]


def _probe(files, tmp_path_factory, python=sys.executable, env=None) -> dict:
    # Loaded from a folder of its own, where a marker that ran as code would leave a file.
    cwd = tmp_path_factory.mktemp("cwd")
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        report = probe_airflow(sorted(files), python, env)
    finally:
        os.chdir(previous)
    assert not any(cwd.iterdir()), "loading the DAGs created files"
    return {Path(k): v for k, v in report.items()}


@pytest.fixture(scope="module")
def airflow2_report(tmp_path_factory, dag_files) -> dict:
    """Airflow 2.11 loading every file written for Airflow 2."""
    return _probe([dag_files[i, AIRFLOW_2] for i in IDS], tmp_path_factory)


@pytest.fixture(scope="module")
def airflow3_report(tmp_path_factory, airflow3, dag_files) -> dict:
    """Airflow 3 loading every file: those written for it, and those written for Airflow 2."""
    return _probe(dag_files.values(), tmp_path_factory, airflow3["python"], airflow3["env"])


@pytest.fixture
def seen(request, dag_files) -> dict:
    """What the Airflow a file is written for saw in it."""
    snapshot_id, version = (
        request.node.callspec.params["snapshot_id"],
        request.node.callspec.params["version"],
    )
    report = request.getfixturevalue("airflow3_report" if version is AIRFLOW_3 else "airflow2_report")
    return report[dag_files[snapshot_id, version]]


# Airflow 2's JSON-schema validation, with the format checkers jsonschema imports where installed
# (jsonpointer comes with the Celery cluster's packages).
AIRFLOW_DATASET_SCHEDULING = {
    "jsonpointer",
    "jsonschema",
    "jsonschema_specifications",
    "referencing",
    "rfc3339_validator",
    "rpds",
}


@pytest.mark.parametrize(("snapshot_id", "version"), CASE_VERSIONS)
def test_loads_without_errors_or_warnings(snapshot_id, version, seen, dag_files):
    assert seen["errors"] == {}
    assert seen["warnings"] == []
    assert len(seen["dags"]) == 1
    # Only the light runtime module: no kedro, pandas, libcst, black or the project's package.
    # (A DAG scheduled on datasets makes Airflow 2 load its own JSON-schema validation.)
    on_datasets = "schedule=[" in dag_files[snapshot_id, version].read_text()
    allowed = {"kedro_taskflow"} | (AIRFLOW_DATASET_SCHEDULING if on_datasets else set())
    assert set(seen["new_packages"]) <= allowed
    assert not (
        {"kedro", "pandas", "libcst", "black", SNAPSHOT_CASES[snapshot_id][0]} & set(seen["new_packages"])
    )


def _kedro_edges(case: str, pipeline: str, tags: tuple[str, ...]) -> tuple[set[str], set[tuple[str, str]]]:
    """The selected nodes and Kedro's dependencies between them (as ``kedro run --tags`` sees them)."""
    if case in EXAMPLES:
        spec = read_project(EXAMPLES[case]).pipeline(pipeline)
        edges = kedro_edges(spec.nodes)
        names = {n.name for n in spec.nodes}
    else:
        project = CASES[case]
        names = {full_name(n) for n in project.pipelines[pipeline] if not tags or set(n.tags) & set(tags)}
        edges = project.node_edges(pipeline)
    return names, {(a, b) for a, b in edges if a in names and b in names}


@pytest.mark.parametrize(("snapshot_id", "version"), CASE_VERSIONS)
def test_task_graph_is_the_kedro_graph(snapshot_id, version, seen, dag_files):
    (dag,) = seen["dags"].values()
    source = dag_files[snapshot_id, version].read_text()
    nodes_of = task_nodes(source)
    case, pipeline, options = SNAPSHOT_CASES[snapshot_id]
    for producer, nodes in task_nodes(source, runner="run_dag").items():  # watcher execution
        assert sorted(nodes) == sorted(n for ns in nodes_of.values() for n in ns), "it runs every node"
        assert dag.pop(producer) == [] and all(producer in ups for ups in dag.values()), "before every task"
        dag = {task: [u for u in ups if u != producer] for task, ups in dag.items()}
    assert set(nodes_of) == set(dag), "every Airflow task comes from one @task function"
    for task_id in dag:
        assert re.fullmatch(r"[A-Za-z0-9_.-]{1,250}", task_id)

    names, kedro_edges = _kedro_edges(case, pipeline, options.selection.tags)
    task_of = {node: task for task, nodes in nodes_of.items() for node in nodes}
    assert sorted(task_of) == sorted(names) == sorted(n for ns in nodes_of.values() for n in ns), (
        "each node runs in exactly one task"
    )
    in_group = options.form is Form.TASK_GROUP  # called in a DAG: its id is each task id's first part
    for task, nodes in nodes_of.items():
        if len(nodes) == 1:
            own = task.split(".", 1)[1] if in_group else task
            assert own == nodes[0] or not re.fullmatch(r"[A-Za-z0-9_.-]{1,250}", nodes[0])

    airflow_edges = {(u, t) for t, ups in dag.items() for u in ups}
    implied = {(task_of[a], task_of[b]) for a, b in kedro_edges if task_of[a] != task_of[b]}
    assert closure(airflow_edges) == closure(implied)
    assert not any(a == b for a, b in closure(airflow_edges)), "no cycle"


@pytest.mark.parametrize("snapshot_id", IDS)
def test_airflow_2_output_also_loads_on_airflow_3_with_only_deprecation_warnings(
    snapshot_id, airflow3_report, dag_files
):
    if "from airflow.datasets import" in dag_files[snapshot_id, AIRFLOW_2].read_text():
        pytest.skip("Airflow 3 has no airflow.datasets: a DAG with datasets is written for one Airflow")
    seen = airflow3_report[dag_files[snapshot_id, AIRFLOW_2]]
    assert seen["errors"] == {}
    assert seen["warnings"], "Airflow 3 deprecates airflow.decorators"
    assert all(
        re.fullmatch(
            r"\w+Warning: The `airflow\.decorators\.(dag|task|task_group)` attribute is "
            r"deprecated\. Please use `'airflow\.sdk\.\1'`\.",
            w,
        )
        for w in seen["warnings"]
    ), seen["warnings"]


def test_hostile_names_stay_literals(generated):
    source = generated["hostile_project-default", AIRFLOW_2]
    tree = ast.parse(source)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert any("PWNED" in s for s in strings), "the marker dataset is documented"
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            n.value = ""
    assert "PWNED" not in ast.unparse(tree), "outside string literals, nothing of the marker remains"
