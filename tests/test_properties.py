"""Random and hostile pipelines, end to end: plan, generate, and load every file in a real Airflow.

The examples come from hypothesis (60 by default; ``--hypothesis-profile=deep`` for far more);
the files are then loaded together in one fresh interpreter per Airflow version.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import black
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.dag_source import closure, task_nodes
from support.environment import probe_airflow
from support.kedro_graph import kedro_edges
from support.strategies import pipelines

from kedro_taskflow.codegen import render
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import GroupBy, PipelineSpec, ProjectSpec, Selection
from kedro_taskflow.planning import plan_dag
from kedro_taskflow.target import AirflowVersion, Deployment, Target

pytestmark = pytest.mark.airflow


def generate_random_dags(folder: Path, airflow_version: AirflowVersion) -> list[tuple[Path, set, set]]:
    """Write one DAG file per hypothesis example; return (file, selected nodes, their edges)."""
    written = []

    @settings(database=None)
    @given(pipelines(max_nodes=30), st.sampled_from(GroupBy), st.booleans())
    def generate(pipeline, group_by, by_tag):
        nodes, persisted = pipeline
        selection = Selection(tags=("train",)) if by_tag else None

        def plan(order):
            spec = ProjectSpec(
                "Random", "random_project", (PipelineSpec("__default__", tuple(order)),), persisted
            )
            return plan_dag(spec, "__default__", group_by, selection)

        target = Target(airflow_version, Deployment(project_path="/opt/random"))

        try:
            dag = plan(nodes)
        except UsageError:  # refused with a message: in-memory data across tasks, or nothing selected
            return
        source = render(dag, target)
        ast.parse(source)
        assert black.format_str(source, mode=black.Mode()) == source  # as `black` would leave it
        assert render(plan(list(reversed(nodes))), target) == source, "the same pipeline gives the same bytes"

        selected = {n.name for n in nodes if not by_tag or "train" in n.tags}
        edges = kedro_edges(nodes)  # as Kedro sees them: transcoded names are one dataset
        path = folder / f"dag_{len(written)}.py"
        path.write_text(source, encoding="utf-8")
        written.append((path, selected, {(a, b) for a, b in edges if a in selected and b in selected}))

    generate()
    assert written, "hypothesis produced no pipeline the generator accepts"
    return written


@pytest.mark.parametrize("airflow_version", AirflowVersion)
def test_random_pipelines_become_dags_airflow_loads_and_that_mean_the_pipeline(
    airflow_version, tmp_path, monkeypatch, request
):
    dags = generate_random_dags(tmp_path, airflow_version)
    python, env = sys.executable, None
    if airflow_version is AirflowVersion.AIRFLOW_3:
        airflow3 = request.getfixturevalue("airflow3")
        python, env = airflow3["python"], airflow3["env"]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)

    report = probe_airflow([path for path, _, _ in dags], python, env)

    assert not any(cwd.iterdir()), "loading the DAGs created files (a name ran as code?)"
    for path, selected, node_edges in dags:
        seen = report[str(path)]
        assert seen["errors"] == {} and seen["warnings"] == [], path
        (graph,) = seen["dags"].values()
        nodes_of = task_nodes(path.read_text(encoding="utf-8"))
        assert set(nodes_of) == set(graph), path
        task_of = {node: task for task, names in nodes_of.items() for node in names}
        assert (
            sorted(task_of) == sorted(selected) == sorted(n for names in nodes_of.values() for n in names)
        ), path
        airflow_edges = {(u, t) for t, ups in graph.items() for u in ups}
        implied = {(task_of[a], task_of[b]) for a, b in node_edges if task_of[a] != task_of[b]}
        assert closure(airflow_edges) == closure(implied), path
        assert not any(a == b for a, b in closure(airflow_edges)), path
