"""Unnamed and lambda nodes, read from a real Kedro project, get readable task names."""

from __future__ import annotations

import shutil

from support.dag_source import task_nodes
from support.environment import BIN, EXAMPLES, run


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

    # In a fresh process: this one may have imported the example's own `fleet` package already.
    run([str(BIN / "kedro-taskflow"), "generate", "--pipeline", "handover"], cwd=project)
    source = (project / "airflow_dags" / "fleet_handover.py").read_text()

    nodes = task_nodes(source)
    assert list(nodes) == ["describe_fleet", "lambda_to_fleet_sheet_checksum"]
    (describe,), (checksum,) = nodes.values()
    assert describe.startswith("describe_fleet__") and checksum.startswith("<lambda>__")
    assert f"Kedro node: {describe}" in source
