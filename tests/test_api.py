"""The Python API: kedro_taskflow.generate and kedro_taskflow.plan, typed, in their own terms."""

from __future__ import annotations

import dataclasses
import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.cases import CHAIN, MEMORY, RELATIVE
from support.kedro_projects import data_file, write_project

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


# -- shared_filesystem: false, the pre-flight check of workers that share no disk -------------

UNSHARED = "default:\n  shared_filesystem: false\n"
FIX = (
    "put them on object storage (s3://, gs://, abfs://...) in the catalog of the environment the workers "
    "use (the one env names), or keep each in one task with the tasks that load it (group_by namespace, "
    "or a MemoryDataset between their nodes)."
)


def _project(tmp_path, package, project=CHAIN, airflow_yml=UNSHARED, **catalogs):
    """``project`` as package ``package`` (one process imports a package once: each test has its
    own), with ``airflow_yml`` and catalogs by environment (``local={...}``), as JSON."""
    conf = {
        "base/airflow.yml": airflow_yml,
        **{f"{env}/catalog.yml": json.dumps(c) for env, c in catalogs.items()},
    }
    return write_project(tmp_path, dataclasses.replace(project, package=package, conf=conf))


def _stored(name, filepath, **more):
    return {name: {"type": "json.JSONDataset", "filepath": filepath, **more}}


def test_workers_that_share_no_disk_refuse_each_local_dataset_between_tasks_and_write_nothing(tmp_path):
    project = _project(tmp_path, "unshared_chain")
    extracted, transformed = data_file("extracted"), data_file("transformed")
    message = (
        "conf/base/airflow.yml: default.shared_filesystem is false, but DAG 'unshared_chain' passes data "
        "between tasks on a local path, where a task on another worker does not find it: "
        f"dataset 'extracted' at data/{extracted}, saved by 'extract', loaded by 'transform'; "
        f"dataset 'transformed' at data/{transformed}, saved by 'transform', loaded by 'load': " + FIX
    )
    for call in (api.plan, api.generate):
        with pytest.raises(UsageError) as error:
            call(project)
        assert str(error.value) == message
    assert not (project / "airflow_dags").exists()


def test_only_what_one_task_saves_and_another_loads_counts_and_file_urls_are_local(tmp_path):
    """Raw inputs (on every worker's copy), in-memory data and a persisted dataset inside one task
    (``model``: fit and score share a task by their in-memory data) are not named; nor is what is on
    object storage (``description``); ``file://`` is a local path."""
    local = {**_stored("scores", "file:///srv/scores.json"), **_stored("description", "s3://lake/d.json")}
    with pytest.raises(UsageError) as error:
        api.generate(_project(tmp_path, "unshared_memory", MEMORY, local=local))
    listed = str(error.value).split("does not find it: ")[1].split(": put them")[0]
    assert listed == (
        f"dataset 'cleaned' at data/{data_file('cleaned')}, saved by 'clean', loaded by 'describe', "
        "'split_to_score'; dataset 'scores' at file:///srv/scores.json, saved by 'split_to_score', "
        "loaded by 'report'"
    )


def test_a_versioned_dataset_and_a_dataset_factory_on_local_paths_are_named_as_such(tmp_path):
    catalog = {
        **_stored("raw", f"data/{data_file('raw')}"),
        **_stored("extracted", "data/extracted.json", versioned=True),
        **_stored("{stage}ed", "data/{stage}.json"),
    }
    with pytest.raises(UsageError) as error:
        api.plan(_project(tmp_path, "unshared_versioned", base=catalog))
    assert str(error.value).split("does not find it: ")[1].split(": put them")[0] == (
        "versioned dataset 'extracted' at data/extracted.json, saved by 'extract', loaded by 'transform'; "
        "dataset 'transformed' at data/transform.json (catalog pattern '{stage}ed'), saved by 'transform', "
        "loaded by 'load'"
    )


def test_on_object_storage_the_dag_is_generated_and_the_key_changes_no_byte_of_it(tmp_path):
    """The check runs when generating: nothing of it is in the DAG file, so nothing runs on the
    workers when Airflow parses it."""
    local = {**_stored("extracted", "s3://lake/extracted.json"), **_stored("transformed", "gs://lake/t.json")}
    project = _project(tmp_path, "unshared_on_storage", local=local)
    unshared = api.generate(project, write=False)
    (project / "conf" / "base" / "airflow.yml").write_text("default:\n  shared_filesystem: true\n")
    shared = api.generate(project, write=False)
    assert unshared.files == shared.files
    assert "s3://" not in next(iter(unshared.files.values()))


def test_a_pipeline_s_section_says_whether_its_workers_share_a_disk(tmp_path):
    two = dataclasses.replace(CHAIN, pipelines={**CHAIN.pipelines, "nightly": CHAIN.pipelines["__default__"]})
    project = _project(
        tmp_path, "nightly_shared", two, airflow_yml=UNSHARED + "nightly:\n  shared_filesystem: true\n"
    )
    assert api.generate(project, pipelines=["nightly"], write=False).files
    with pytest.raises(UsageError, match=r"^conf/base/airflow.yml: default.shared_filesystem is false"):
        api.generate(project, pipelines=["__default__"], write=False)

    project = _project(
        tmp_path, "nightly_unshared", two, airflow_yml="nightly:\n  shared_filesystem: false\n"
    )
    assert api.generate(project, pipelines=["__default__"], write=False).files
    with pytest.raises(
        UsageError, match=r"^conf/base/airflow.yml: nightly.shared_filesystem is false, but DAG "
    ):
        api.generate(project, pipelines=["nightly"], write=False)


def test_keeping_the_datasets_in_one_task_passes_the_check(tmp_path):
    namespaced = dataclasses.replace(
        CHAIN,
        pipelines={
            "__default__": tuple(
                dataclasses.replace(n, namespace="etl") for n in CHAIN.pipelines["__default__"]
            )
        },
    )
    project = _project(tmp_path, "unshared_namespace", namespaced)
    with pytest.raises(UsageError):
        api.plan(project)
    (dag,) = api.plan(project, options=Options(group_by="namespace")).dags
    assert [t.task_id for t in dag.tasks] == ["etl"]


def test_plan_notes_local_datasets_between_tasks_where_workers_may_share_a_disk(tmp_path):
    planned = api.plan(_project(tmp_path, "noted_chain", airflow_yml="default:\n  retries: 1\n"))
    assert planned.notes == (
        "DAG 'noted_chain' passes data between tasks on a local path, so its tasks must share a disk "
        "(workers that share none need `shared_filesystem: false` in airflow.yml, which refuses this): "
        f"dataset 'extracted' at data/{data_file('extracted')}, saved by 'extract', loaded by 'transform'; "
        f"dataset 'transformed' at data/{data_file('transformed')}, saved by 'transform', loaded by 'load'.",
    )
    on_storage = {**_stored("extracted", "s3://l/e.json"), **_stored("transformed", "s3://l/t.json")}
    assert api.plan(_project(tmp_path, "unnoted_chain", airflow_yml="{}\n", local=on_storage)).notes == ()
