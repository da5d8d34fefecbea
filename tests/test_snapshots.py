"""Generated DAG source, pinned as real .py files under tests/snapshots/test_snapshots/.

Update with ``pytest tests/test_snapshots.py --snapshot-update`` and read every changed file
as a reviewer would before committing it.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import shlex
import shutil
import sys

import black
import pytest
from support.dag_source import base_text, task_nodes
from support.environment import BIN, EXAMPLE_PIPELINES, EXAMPLES, SNAPSHOTS, TESTS, run
from support.snapshots import IDS, SNAPSHOT_CASES, snapshot_file

from kedro_taskflow.codegen import BLACK_MODE
from kedro_taskflow.naming import MADE_LEN
from kedro_taskflow.target import AirflowVersion

AIRFLOW_2, AIRFLOW_3 = AirflowVersion.AIRFLOW_2, AirflowVersion.AIRFLOW_3


@pytest.mark.parametrize("snapshot_id", IDS)
def test_dag_source(snapshot_id, generated, snapshot_py):
    assert generated[snapshot_id, AIRFLOW_2] == snapshot_py


def test_every_snapshot_file_is_a_case():
    assert set((SNAPSHOTS / "test_snapshots").glob("*.py")) == {snapshot_file(i) for i in IDS}


@pytest.mark.parametrize("snapshot_id", IDS)
def test_airflow_3_differs_only_in_the_decorators_import_and_the_command(snapshot_id, generated):
    two, three = (generated[snapshot_id, v] for v in (AIRFLOW_2, AIRFLOW_3))
    if "from airflow.datasets import Dataset\n" in two:  # Airflow 2's Dataset is Airflow 3's Asset
        two = two.replace("from airflow.datasets import Dataset\n", "").replace("Dataset(", "Asset(")
        two = black.format_str(two, mode=BLACK_MODE)  # shorter names may wrap differently
        three = three.replace("from airflow.sdk import Asset, ", "from airflow.sdk import ")
    two, three = two.splitlines(), three.splitlines()
    changed = [
        (a, b)
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=two, b=three, autojunk=False).get_opcodes()
        if tag != "equal"
        for a, b in zip(two[i1:i2], three[j1:j2], strict=True)
    ]
    (command_2, command_3), (import_2, import_3) = changed
    words_2, words_3 = shlex.split(command_2), shlex.split(command_3)
    at = words_3.index("--airflow-version")
    assert words_3[at : at + 2] == ["--airflow-version", "3"]
    assert words_3[:at] + words_3[at + 2 :] == words_2
    assert import_2.startswith("from airflow.decorators import dag, task")
    assert import_3 == import_2.replace("from airflow.decorators import", "from airflow.sdk import")


@pytest.mark.parametrize("version", AirflowVersion)
@pytest.mark.parametrize("snapshot_id", IDS)
def test_black_with_its_default_settings_leaves_the_source_alone(snapshot_id, version, generated):
    """What ``black`` with no configuration does to the file (our pinned mode is not its default)."""
    source = generated[snapshot_id, version]
    assert black.format_str(source, mode=black.Mode()) == source


def test_a_fresh_interpreter_with_another_hash_seed_writes_the_same_bytes(case_projects, generated):
    cases = {i: str(case_projects[SNAPSHOT_CASES[i][0]]) for i in IDS}
    script = (
        "import json, sys\n"
        "from support.snapshots import generate\n"
        "from kedro_taskflow.target import AirflowVersion\n"
        "cases = json.loads(sys.argv[1])\n"
        "print(json.dumps({i: generate(p, i, AirflowVersion.AIRFLOW_2) for i, p in cases.items()}))\n"
    )
    seed = "1" if os.environ.get("PYTHONHASHSEED") == "0" else "0"
    result = run(
        [sys.executable, "-c", script, json.dumps(cases)],
        cwd=TESTS,
        env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(TESTS)},
        timeout=600,
    )
    again = json.loads(result.stdout.strip().splitlines()[-1])
    assert again == {i: generated[i, AIRFLOW_2] for i in IDS}


@pytest.mark.parametrize("example", EXAMPLES)
def test_committed_example_dags_are_current(example, generated):
    folder = EXAMPLES[example] / "airflow_dags"
    committed = {p.name: p.read_text() for p in sorted(folder.glob("*.py"))}
    expected = {
        f"{example}{'' if p == '__default__' else '_' + p}.py": generated[snapshot_id, AIRFLOW_2]
        for snapshot_id, (case, p, options) in SNAPSHOT_CASES.items()
        if case == example and options == type(options)()
    }
    assert len(expected) == len(EXAMPLE_PIPELINES[example])
    assert committed == expected
    # Nobody edits the examples' DAGs: each base (what generate wrote last) is the DAG itself.
    bases = {p.name.removesuffix(".base"): base_text(p) for p in sorted(folder.glob(".kedro-taskflow/*"))}
    assert bases == committed


@pytest.mark.parametrize("example", EXAMPLES)
def test_generate_leaves_a_clone_of_each_example_as_committed(example, tmp_path):
    """Bases included: their inputs digest covers kedro-taskflow's code, so after any change to the
    package, regenerate the examples (README, Development) and a fresh clone stays clean."""
    copy = tmp_path / example
    shutil.copytree(EXAMPLES[example], copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    before = {p: p.read_bytes() for p in sorted((copy / "airflow_dags").rglob("*")) if p.is_file()}

    result = run([str(BIN / "kedro-taskflow"), "generate", "--all"], cwd=copy)

    assert all(line.startswith("unchanged: ") for line in result.stdout.splitlines()), result.stdout
    after = {p: p.read_bytes() for p in sorted((copy / "airflow_dags").rglob("*")) if p.is_file()}
    assert after == before


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
    source = generated[snapshot_id, AIRFLOW_2]
    tree = ast.parse(source)
    for body in _scopes(tree):
        sides = [s for stmt in body if isinstance(stmt, ast.Expr) for s in _upstream_sides(stmt.value)]
        assert len(sides) == len(set(sides)), sides
    nodes_of = task_nodes(source)
    for task_id, nodes in nodes_of.items():
        label = task_id.rsplit(".", 1)[-1]
        kept = len(nodes) == 1 and nodes[0].endswith(label)  # a Kedro node name, kept as it is
        assert kept or len(label) <= MADE_LEN, task_id
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef):
            assert len(fn.name) <= MADE_LEN, fn.name
