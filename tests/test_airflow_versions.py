"""--airflow-version: idiomatic output for each Airflow, lint-clean for it, and an easy migration."""

from __future__ import annotations

import json
import sys

from support.cases import MEMORY, NAMESPACED
from support.environment import BIN, run
from support.kedro_projects import write_project

from kedro_taskflow.target import AirflowVersion


def ruff_air(files) -> list[dict]:
    """Ruff's Airflow rules (AIR, preview ones included) over ``files``, ignoring any project config."""
    args = [sys.executable, "-m", "ruff", "check", "--isolated", "--preview", "--select", "AIR"]
    result = run([*args, "--output-format", "json", *map(str, files)], check=False)
    return json.loads(result.stdout)


def test_airflow_3_output_passes_every_airflow_rule(dag_files):
    assert ruff_air(p for (_, v), p in dag_files.items() if v is AirflowVersion.AIRFLOW_3) == []


def test_airflow_2_output_meets_only_the_rule_that_airflow_3_moved_the_decorators(dag_files):
    findings = ruff_air(p for (_, v), p in dag_files.items() if v is AirflowVersion.AIRFLOW_2)
    assert findings, "AIR311 suggests airflow.sdk, which Airflow 2 does not have"
    assert {f["code"] for f in findings} == {"AIR311"}
    # ...and on airflow.datasets.Dataset, which is airflow.sdk.Asset on Airflow 3
    assert all(
        f["message"].startswith(("`airflow.decorators.", "`airflow.datasets.Dataset`")) for f in findings
    )


def test_regenerating_for_airflow_3_is_a_small_reviewable_diff(tmp_path):
    project = write_project(tmp_path, NAMESPACED)
    run([str(BIN / "kedro-taskflow"), "generate"], cwd=project)
    dag_file = project / "airflow_dags" / "namespaced_project.py"

    diff = run(
        [str(BIN / "kedro-taskflow"), "generate", "--airflow-version", "3", "--diff"], cwd=project
    ).stdout

    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == [
        "-    kedro-taskflow generate",
        "+    kedro-taskflow generate --airflow-version 3",
        "-from airflow.decorators import dag, task, task_group",
        "+from airflow.sdk import dag, task, task_group",
    ]
    assert "airflow.decorators" in dag_file.read_text(), "--diff writes nothing"


def test_auto_writes_for_the_airflow_installed_where_it_runs(tmp_path, airflow3):
    project = write_project(tmp_path, MEMORY)
    expected = {}
    for version in ("2", "3"):
        run([str(BIN / "kedro-taskflow"), "generate", "--airflow-version", version], cwd=project)
        expected[version] = (project / "airflow_dags" / "memory_project.py").read_text()
    assert expected["2"] != expected["3"]

    for version, executable in (("2", BIN / "kedro-taskflow"), ("3", airflow3["bin"] / "kedro-taskflow")):
        result = run(
            [str(executable), "generate", "--airflow-version", "auto"], cwd=project, env=airflow3["env"]
        )
        assert (
            f"--airflow-version auto: writing for Airflow {version} (apache-airflow {version}."
            in result.stderr
        )
        assert (project / "airflow_dags" / "memory_project.py").read_text() == expected[version]
