"""The Python API: kedro_taskflow.generate and kedro_taskflow.plan, typed, in their own terms."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from support.cases import RELATIVE
from support.kedro_projects import write_project

import kedro_taskflow
from kedro_taskflow import api
from kedro_taskflow.api import Options
from kedro_taskflow.cli import flag
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import GroupBy, Selection
from kedro_taskflow.target import AirflowVersion


def test_the_package_exports_the_api_without_importing_it():
    code = "import sys, kedro_taskflow; print('kedro_taskflow.api' in sys.modules, 'libcst' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "False False\n"
    )
    assert kedro_taskflow.generate is api.generate and kedro_taskflow.plan is api.plan


def test_generate_without_write_returns_the_files_and_writes_nothing(case_projects):
    project = case_projects["memory_project"]
    generated = kedro_taskflow.generate(project, options=Options(airflow_version=3), write=False)
    (path,) = generated.files
    assert path == project / "airflow_dags" / "memory_project.py"
    assert generated.changed == (path,) and generated.written == ()
    assert "from airflow.sdk import dag, task" in generated.files[path]
    assert "kedro-taskflow generate --airflow-version 3\n" in generated.files[path]
    assert not path.exists()


def test_plan_returns_the_task_graph_of_every_pipeline(case_projects):
    planned = kedro_taskflow.plan(case_projects["hostile_project"], pipelines=None)
    assert [d.pipeline for d in planned.dags] == ["__default__", "with 'quotes' and spaces"]
    assert planned.project_path == case_projects["hostile_project"]


def test_options_take_enums_or_their_values_and_refuse_anything_else():
    assert Options(group_by="namespace", airflow_version=3) == Options(
        group_by=GroupBy.NAMESPACE, airflow_version=AirflowVersion.AIRFLOW_3
    )
    with pytest.raises(UsageError, match=r"^airflow_version must be one of 2, 3, not 4\.$"):
        Options(airflow_version=4)
    with pytest.raises(
        UsageError, match=r"^group_by must be one of 'memory', 'namespace', 'none', not 'tasks'\.$"
    ):
        Options(group_by="tasks")


def test_the_regenerate_command_repeats_every_option_but_machine_paths():
    options = Options(
        env="prod",
        group_by=GroupBy.NONE,
        airflow_version=AirflowVersion.AIRFLOW_3,
        selection=Selection(tags=("a", "b"), to_nodes=("x y",)),
    )
    assert options.command("data science") == (
        "kedro-taskflow generate --env prod --group-by none --airflow-version 3 --tags a,b "
        "--to-nodes 'x y' --pipeline 'data science'"
    )
    assert Options().command("__default__") == "kedro-taskflow generate"
    assert Options(form="task_group").command("__default__") == "kedro-taskflow generate --as task-group"


def test_errors_name_parameters_and_the_cli_spells_them_as_flags(case_projects, tmp_path):
    with pytest.raises(UsageError) as raised:
        kedro_taskflow.generate(case_projects["chain_project"], target_dir=tmp_path, write=False)
    assert str(raised.value).endswith(
        "pass worker_project_path with the project's folder on the Airflow workers."
    )
    assert raised.value.message(flag).endswith(
        "pass --worker-project-path with the project's folder on the Airflow workers."
    )
    with pytest.raises(UsageError) as raised:
        kedro_taskflow.plan(case_projects["chain_project"], pipelines=["__default__", "nope"])
    assert str(raised.value) == "Unknown pipeline 'nope'; the project has: '__default__'."


def test_the_project_is_read_in_its_own_folder_and_the_callers_folder_is_restored(tmp_path, monkeypatch):
    project = write_project(tmp_path, RELATIVE)
    monkeypatch.chdir(tmp_path)
    planned = kedro_taskflow.plan(project)
    assert [t.task_id for t in planned.dags[0].tasks] == ["extract", "transform", "load"]
    assert Path.cwd() == tmp_path


def test_reading_a_project_leaves_the_callers_logging_environment_as_it_was(case_projects):
    """The reader quiets Kedro's import-time logging, but must not leave KEDRO_LOGGING_CONFIG set for
    the caller (and every process it starts, Airflow tasks included)."""
    code = (
        "import os, sys, kedro_taskflow; kedro_taskflow.plan(sys.argv[1]); "
        "print(os.environ.get('KEDRO_LOGGING_CONFIG'))"
    )
    project = str(case_projects["memory_project"])
    done = subprocess.run([sys.executable, "-c", code, project], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "None"


def test_generate_and_plan_pause_the_garbage_collector_and_leave_it_as_it_was(case_projects, monkeypatch):
    project = case_projects["memory_project"]
    during = []
    read = api.read
    monkeypatch.setattr(api, "read", lambda *args: during.append(gc.isenabled()) or read(*args))
    kedro_taskflow.generate(project, write=False)
    assert during == [False] and gc.isenabled()
    with pytest.raises(UsageError):  # also when generation fails
        kedro_taskflow.plan(project, pipelines=["no such pipeline"])
    assert during == [False, False] and gc.isenabled()
    gc.disable()
    try:
        kedro_taskflow.plan(project)
        assert not gc.isenabled()  # a caller's choice stands
    finally:
        gc.enable()
