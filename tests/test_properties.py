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
from conftest import probe_airflow
from dag_source import closure, task_nodes
from hypothesis import given, settings
from hypothesis import strategies as st
from kedro_graph import kedro_edges
from strategies import pipelines

from kedro_taskflow.codegen import BLACK_MODE, render
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import Deployment, PipelineSpec, ProjectSpec, Selection
from kedro_taskflow.planning import GROUP_BY, plan_dag

pytestmark = pytest.mark.airflow


def generate_random_dags(folder: Path, airflow_version: int) -> list[tuple[Path, set, set]]:
    """Write one DAG file per hypothesis example; return (file, selected nodes, their edges)."""
    written = []

    @settings(database=None)
    @given(pipelines(max_nodes=30), st.sampled_from(GROUP_BY), st.booleans())
    def generate(pipeline, group_by, by_tag):
        nodes, persisted = pipeline
        selection = Selection(tags=("train",)) if by_tag else None

        def plan(order):
            spec = ProjectSpec(
                "Random", "random_project", (PipelineSpec("__default__", tuple(order)),), persisted
            )
            deployment = Deployment(project_path="/opt/random")
            return plan_dag(
                spec,
                "__default__",
                deployment,
                "kedro-taskflow generate",
                group_by,
                selection,
                airflow_version,
            )

        try:
            dag = plan(nodes)
        except UsageError:  # refused with a message: in-memory data across tasks, or nothing selected
            return
        source = render(dag)
        ast.parse(source)
        assert black.format_str(source, mode=BLACK_MODE) == source
        assert render(plan(list(reversed(nodes)))) == source, "the same pipeline gives the same bytes"

        selected = {n.name for n in nodes if not by_tag or "train" in n.tags}
        edges = kedro_edges(nodes)  # as Kedro sees them: transcoded names are one dataset
        path = folder / f"dag_{len(written)}.py"
        path.write_text(source, encoding="utf-8")
        written.append((path, selected, {(a, b) for a, b in edges if a in selected and b in selected}))

    generate()
    assert written, "hypothesis produced no pipeline the generator accepts"
    return written


@pytest.mark.parametrize("airflow_version", [2, 3])
def test_random_pipelines_become_dags_airflow_loads_and_that_mean_the_pipeline(
    airflow_version, tmp_path, monkeypatch, request
):
    dags = generate_random_dags(tmp_path, airflow_version)
    python, env = sys.executable, None
    if airflow_version == 3:
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
