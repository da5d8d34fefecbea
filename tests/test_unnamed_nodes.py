"""Unnamed and lambda nodes, read from a real Kedro project, get readable task names."""

from __future__ import annotations

import shutil

from conftest import EXAMPLES
from dag_source import task_nodes

from kedro_taskflow.cli import dag_files


def test_unnamed_and_lambda_nodes_of_a_real_project_get_readable_task_ids(tmp_path):
    ignore = shutil.ignore_patterns("airflow_dags")
    project = shutil.copytree(EXAMPLES["fleet"], tmp_path / "fleet", ignore=ignore)
    pipeline = project / "src" / "fleet" / "pipelines" / "handover" / "pipeline.py"
    text = pipeline.read_text()
    for old, new in (
        ('                name="describe_fleet",\n', ""),  # unnamed: Kedro calls it describe_fleet__<hash>
        ('                name="checksum_sheet",\n', ""),
        ("func=checksum_sheet,", "func=lambda sheet: checksum_sheet(sheet),"),
    ):
        assert old in text
        text = text.replace(old, new)
    pipeline.write_text(text)

    files, _ = dag_files(project_path=project, pipelines=("handover",))
    (source,) = files.values()

    nodes = task_nodes(source)
    assert list(nodes) == ["describe_fleet", "lambda_to_fleet_sheet_checksum"]
    (describe,), (checksum,) = nodes.values()
    assert describe.startswith("describe_fleet__") and checksum.startswith("<lambda>__")
    assert f"Kedro node: {describe}" in source
