"""A pipeline as a task group (``generate --as task-group``, airflow.yml's ``as: task_group``) that
a team's own DAG imports and calls: regenerating rewrites the group's module, never the team's file;
the example's team DAG loads on Airflow 2.11 and 3.3. (Its run under real schedulers is in
test_watcher.py, beside the other DAG runs of that scheduler.)"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
from support.cases import CHAIN
from support.environment import BIN, EXAMPLE, probe_airflow, run
from support.kedro_projects import write_project

TEAM_DAG = "team_dag.py"
GROUP = "spaceflights_group.py"
NEW_NODE = """\
            Node(func=len, inputs="model_input_table", outputs="table_rows", name="count_rows_node"),
        ]
    )
"""
# Hand edits to the group's module: a task's decorator, and a task of the team's wired inside it.
TASK = "    def create_model_input_table_node():\n"
EDITED = "    @task(retries=3)  # the join is flaky\n" + TASK
AUDIT = """\
    @task
    def audit():
        \"\"\"The team's check of the model input table.\"\"\"

"""
WIRING = "    (\n        [preprocess_companies_node(), preprocess_shuttles_node()]\n"


def cli(*args, cwd, check=True):
    return run([str(BIN / "kedro-taskflow"), *map(str, args)], cwd=cwd, check=check)


def copy_example(tmp_path):
    return shutil.copytree(EXAMPLE, tmp_path / "spaceflights", ignore=shutil.ignore_patterns("__pycache__"))


def test_a_pipeline_change_regenerates_the_group_and_keeps_its_hand_edits_and_the_team_s_file(tmp_path):
    project = copy_example(tmp_path)
    dags = project / "airflow_dags"
    before = {p.name: p.read_bytes() for p in dags.glob("*.py") if p.name != GROUP}
    group = dags / GROUP
    text = group.read_text()
    assert "    @task\n" + TASK in text and WIRING in text
    text = text.replace("    @task\n" + TASK, EDITED).replace(WIRING, AUDIT + WIRING)
    group.write_text(text + "    create_model_input_table_node() >> audit()\n")
    pipeline = project / "src" / "spaceflights" / "pipelines" / "data_science" / "pipeline.py"
    assert pipeline.read_text().endswith("        ]\n    )\n")
    pipeline.write_text(pipeline.read_text().removesuffix("        ]\n    )\n") + NEW_NODE)

    checked = cli("generate", "--check", cwd=project, check=False)  # every generated file, as it was made
    assert checked.returncode == 1
    assert f"would change: {group}" in checked.stderr.splitlines()

    result = cli("generate", "--as", "task-group", cwd=project)

    assert result.stdout == f"wrote: {group}\n"
    text = group.read_text()
    assert '    def count_rows_node():\n        """model_input_table -> table_rows' in text
    assert 'project.run_nodes("count_rows_node")' in text
    assert EDITED in text  # the hand edits, kept
    assert '    def audit():\n        """The team\'s check of the model input table."""\n' in text
    assert "    create_model_input_table_node_task >> audit_task\n" in text
    assert {p.name: p.read_bytes() for p in dags.glob("*.py") if p.name != GROUP} == before  # the team's too
    assert cli("generate", "--as", "task-group", cwd=project).stdout == f"unchanged: {group}\n"


def test_as_task_group_in_airflow_yml_is_per_pipeline_and_says_which_dag_settings_it_ignores(tmp_path):
    chain = CHAIN.pipelines["__default__"]
    yml = "default:\n  retries: 4\ningest:\n  as: task_group\n  schedule: '@daily'\n  catchup: true\n"
    spec = dataclasses.replace(
        CHAIN, pipelines={"__default__": chain, "ingest": chain[:1]}, conf={"base/airflow.yml": yml}
    )
    project = write_project(tmp_path, spec)
    folder = project / "airflow_dags"

    result = cli("generate", "--all", cwd=project)

    group = folder / "chain_project_ingest_group.py"
    assert result.stdout == f"wrote: {folder / 'chain_project.py'}\nwrote: {group}\n"
    assert result.stderr == (
        "warning: chain_project_ingest_group.py is a task group: it ignores airflow.yml's DAG settings "
        "(schedule, catchup); the DAG that calls it has its own\n"
    )
    text = group.read_text()
    assert '\n@task_group(default_args={"retries": 4})\ndef chain_project_ingest_group():\n' in text
    assert "airflow.yml's DAG settings are ignored here (schedule, catchup)." in " ".join(text.split())
    assert "@dag" not in text and "schedule" not in text.partition('"""\n\n')[2]
    assert cli("generate", "--check", cwd=project).stdout.startswith("2 DAG files up to date")


def test_plan_names_the_file_each_pipeline_s_form_is_written_to(tmp_path):
    chain = CHAIN.pipelines["__default__"]
    spec = dataclasses.replace(
        CHAIN,
        pipelines={"__default__": chain, "ingest": chain[:1]},
        conf={"base/airflow.yml": "ingest:\n  as: task_group\n"},
    )
    project = write_project(tmp_path, spec)
    folder = project / "airflow_dags"

    def files(*options):
        return [
            d["file"]
            for d in json.loads(cli("plan", "--all", "--json", *options, cwd=project).stdout)["dags"]
        ]

    assert files() == [str(folder / "chain_project.py"), str(folder / "chain_project_ingest_group.py")]
    assert files("--as", "task-group") == [
        str(folder / "chain_project_group.py"),
        str(folder / "chain_project_ingest_group.py"),
    ]
    assert files("--as", "dag") == [str(folder / "chain_project.py"), str(folder / "chain_project_ingest.py")]
    cli("generate", "--all", "--as", "task-group", cwd=project)
    assert sorted(p.name for p in folder.glob("*.py")) == sorted(
        Path(f).name for f in files("--as", "task-group")
    )


def test_a_file_of_someone_else_where_the_group_goes_is_never_overwritten(tmp_path):
    project = write_project(tmp_path, CHAIN)
    mine = project / "airflow_dags" / "chain_project_group.py"
    mine.parent.mkdir()
    mine.write_text("# the team's own module\n")

    result = cli("generate", "--as", "task-group", cwd=project, check=False)

    assert result.returncode == 2
    assert result.stderr == (
        f"Error: {mine} exists and was not generated by kedro-taskflow: move it away or pass another "
        "--target-dir.\n"
    )
    assert mine.read_text() == "# the team's own module\n"
    assert not (mine.parent / ".kedro-taskflow").exists()


# Called twice in one DAG, with a group id each (two environments, say).
TWICE = """\
import pendulum
from spaceflights_group import spaceflights_group

try:
    from airflow.sdk import dag, task
except ImportError:
    from airflow.decorators import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def twice():
    first = spaceflights_group.override(group_id="first")()
    second = spaceflights_group.override(group_id="second")()
    first >> second


twice()
"""


@pytest.mark.airflow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("major", [2, 3])
def test_the_example_s_team_dag_loads_on_each_airflow_with_the_group_between_its_tasks(
    major, tmp_path, request
):
    """extract before the group's first tasks, notify after its last; twice with two group ids."""
    project = copy_example(tmp_path)
    dags = project / "airflow_dags"
    (dags / "twice.py").write_text(TWICE)
    # Airflow puts the DAG folder on sys.path: Airflow 2 its DAGS_FOLDER, Airflow 3 the DAG bundle's
    # folder (BundleDagBag, in the dag-processor and each task), which the probe's DagBag is not.
    env = {"AIRFLOW__CORE__DAGS_FOLDER": str(dags)}
    python = str(BIN / "python")
    if major == 3:
        airflow3 = request.getfixturevalue("airflow3")  # the session's, migrated once
        cli("generate", "--as", "task-group", "--airflow-version", "3", cwd=project)
        python = airflow3["python"]
        env = {**airflow3["env"], **env}
        env["PYTHONPATH"] = os.pathsep.join([str(dags), *filter(None, [os.environ.get("PYTHONPATH")])])

    seen = probe_airflow([dags / TEAM_DAG, dags / "twice.py", dags / GROUP], python, env)

    team, twice, group = (seen[str(dags / name)] for name in (TEAM_DAG, "twice.py", GROUP))
    for file_seen in (team, twice, group):
        assert (file_seen["errors"], file_seen["warnings"]) == ({}, [])
        assert "kedro" not in file_seen["new_packages"]
    assert group["dags"] == {}  # the module defines no DAG
    tasks = team["dags"]["spaceflights_team"]
    inside = {
        "preprocess_companies_node": ["extract"],
        "preprocess_shuttles_node": ["extract"],
        "create_model_input_table_node": ["preprocess_companies_node", "preprocess_shuttles_node"],
        "split_data_node_to_evaluate_model_node": ["create_model_input_table_node"],
    }
    prefixed = {
        f"spaceflights_group.{task}": [u if u == "extract" else f"spaceflights_group.{u}" for u in ups]
        for task, ups in inside.items()
    }
    assert tasks == {
        "extract": [],
        **prefixed,
        "notify": ["spaceflights_group.split_data_node_to_evaluate_model_node"],
    }
    assert set(twice["dags"]["twice"]) == {f"{g}.{task}" for g in ("first", "second") for task in inside}
    assert twice["dags"]["twice"]["second.preprocess_companies_node"] == [
        "first.split_data_node_to_evaluate_model_node"
    ]
