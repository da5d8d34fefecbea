"""Generated DAG source, pinned as real .py files under tests/snapshots/test_snapshots/.

Update with ``pytest tests/test_snapshots.py --snapshot-update`` and read every changed file
as a reviewer would before committing it.
"""

from __future__ import annotations

import ast

import black
import pytest
from cases import CASES
from conftest import EXAMPLE
from kedro_projects import write_project

from kedro_taskflow.cli import dag_files
from kedro_taskflow.codegen import BLACK_MODE

# (case, pipeline) for every snapshot; the example's key is "spaceflights".
SNAPSHOT_CASES = [("spaceflights", p) for p in ("__default__", "data_processing", "data_science")] + [
    (case, pipeline) for case, project in CASES.items() for pipeline in project.pipelines
]


def snapshot_id(case: str, pipeline: str) -> str:
    index = ([p for c, p in SNAPSHOT_CASES if c == case]).index(pipeline)
    return f"{case}-{index}"


@pytest.fixture(scope="session")
def case_projects(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("projects")
    paths = {name: write_project(root, project) for name, project in CASES.items()}
    return {"spaceflights": EXAMPLE, **paths}


@pytest.fixture(scope="session")
def generated(case_projects) -> dict:
    """(case, pipeline) -> generated source, made once for the whole session."""
    texts = {}
    for case, path in case_projects.items():
        files, _ = dag_files(project_path=path, all_pipelines=True)
        by_pipeline = {_pipeline_of(text): text for text in files.values()}
        texts.update({(case, p): text for p, text in by_pipeline.items()})
    return texts


def _pipeline_of(source: str) -> str:
    """The pipeline a DAG file runs, read from its KedroProject(...) call."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "KedroProject":
            return next(ast.literal_eval(k.value) for k in node.keywords if k.arg == "pipeline")
    raise AssertionError("no KedroProject(...) in the generated file")


@pytest.mark.parametrize(("case", "pipeline"), SNAPSHOT_CASES, ids=[snapshot_id(*c) for c in SNAPSHOT_CASES])
def test_dag_source(case, pipeline, generated, snapshot_py):
    source = generated[(case, pipeline)]
    assert source == snapshot_py


@pytest.mark.parametrize(("case", "pipeline"), SNAPSHOT_CASES, ids=[snapshot_id(*c) for c in SNAPSHOT_CASES])
def test_source_is_black_clean_and_deterministic(case, pipeline, generated, case_projects):
    source = generated[(case, pipeline)]
    assert black.format_str(source, mode=BLACK_MODE) == source
    again, _ = dag_files(project_path=case_projects[case], pipelines=(pipeline,))
    assert list(again.values()) == [source]


def test_committed_example_dags_are_current(generated):
    committed = {p.name: p.read_text() for p in sorted((EXAMPLE / "airflow_dags").glob("*.py"))}
    expected = {
        f"spaceflights{'' if p == '__default__' else '_' + p}.py": generated[("spaceflights", p)]
        for p in ("__default__", "data_processing", "data_science")
    }
    assert committed == expected
