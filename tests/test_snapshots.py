"""Generated DAG source, pinned as real .py files under tests/snapshots/test_snapshots/.

Update with ``pytest tests/test_snapshots.py --snapshot-update`` and read every changed file
as a reviewer would before committing it.
"""

from __future__ import annotations

import ast

import black
import pytest
from cases import CASES
from conftest import EXAMPLE_PIPELINES, EXAMPLES
from dag_source import task_nodes
from kedro_projects import write_project

from kedro_taskflow.cli import dag_files
from kedro_taskflow.codegen import BLACK_MODE
from kedro_taskflow.naming import MADE_LEN

# Snapshot id -> (project, pipeline, generate options); "spaceflights" is the bundled example.
SNAPSHOT_CASES = {
    **{f"{name}-{i}": (name, p, {}) for name, ps in EXAMPLE_PIPELINES.items() for i, p in enumerate(ps)},
    **{
        f"{case}-{i}": (case, pipeline, {})
        for case, project in CASES.items()
        for i, pipeline in enumerate(project.pipelines)
    },
    "fleet-by-namespace": ("fleet", "__default__", {"group_by": "namespace"}),
    "fleet-reporting-one-task-per-node": ("fleet", "reporting", {"group_by": "none"}),
    "namespaced_project-by-namespace": ("namespaced_project", "__default__", {"group_by": "namespace"}),
    "namespaced_project-tags-reporting": ("namespaced_project", "__default__", {"tags": ("reporting",)}),
}
# Every case again, written for Airflow 3.
SNAPSHOT_CASES.update(
    {
        f"{i}-airflow3": (case, p, {**options, "airflow_version": "3"})
        for i, (case, p, options) in SNAPSHOT_CASES.items()
    }
)
IDS = list(SNAPSHOT_CASES)


@pytest.fixture(scope="session")
def case_projects(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("projects")
    paths = {name: write_project(root, project) for name, project in CASES.items()}
    return {**EXAMPLES, **paths}


@pytest.fixture(scope="session")
def generated(case_projects) -> dict:
    """Snapshot id -> generated source, made once for the whole session."""
    texts = {}
    for snapshot_id, (case, pipeline, options) in SNAPSHOT_CASES.items():
        files, _ = dag_files(project_path=case_projects[case], pipelines=(pipeline,), **options)
        (texts[snapshot_id],) = files.values()
    return texts


@pytest.mark.parametrize("snapshot_id", IDS)
def test_dag_source(snapshot_id, generated, snapshot_py):
    assert generated[snapshot_id] == snapshot_py


@pytest.mark.parametrize("snapshot_id", IDS)
def test_source_is_black_clean_and_deterministic(snapshot_id, generated, case_projects):
    source = generated[snapshot_id]
    assert black.format_str(source, mode=BLACK_MODE) == source
    case, pipeline, options = SNAPSHOT_CASES[snapshot_id]
    again, _ = dag_files(project_path=case_projects[case], pipelines=(pipeline,), **options)
    assert list(again.values()) == [source]


@pytest.mark.parametrize("example", EXAMPLES)
def test_committed_example_dags_are_current(example, generated):
    folder = EXAMPLES[example] / "airflow_dags"
    committed = {p.name: p.read_text() for p in sorted(folder.glob("*.py"))}
    expected = {
        f"{example}{'' if p == '__default__' else '_' + p}.py": generated[f"{example}-{i}"]
        for i, p in enumerate(EXAMPLE_PIPELINES[example])
    }
    assert committed == expected


def _scopes(tree: ast.AST):
    """Every function body of a module: the DAG's, each task group's."""
    return [n.body for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]


def _upstream_sides(expression: ast.expr) -> list[str]:
    """``a >> [b, c] >> d``: the sides left of a ``>>`` (``a``, ``[b, c]``)."""
    sides = []
    while isinstance(expression, ast.BinOp) and isinstance(expression.op, ast.RShift):
        sides.append(ast.unparse(expression.left.right if _is_shift(expression.left) else expression.left))
        expression = expression.left
    return sides


def _is_shift(expression: ast.expr) -> bool:
    return isinstance(expression, ast.BinOp) and isinstance(expression.op, ast.RShift)


@pytest.mark.parametrize("snapshot_id", IDS)
def test_one_statement_per_upstream_side_and_short_made_names(snapshot_id, generated):
    tree = ast.parse(generated[snapshot_id])
    for body in _scopes(tree):
        sides = [s for stmt in body if isinstance(stmt, ast.Expr) for s in _upstream_sides(stmt.value)]
        assert len(sides) == len(set(sides)), sides
    nodes_of = task_nodes(generated[snapshot_id])
    for task_id, nodes in nodes_of.items():
        label = task_id.rsplit(".", 1)[-1]
        kept = len(nodes) == 1 and nodes[0].endswith(label)  # a Kedro node name, kept as it is
        assert kept or len(label) <= MADE_LEN, task_id
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef):
            assert len(fn.name) <= MADE_LEN, fn.name
