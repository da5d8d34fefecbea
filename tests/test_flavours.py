"""Isolated tasks (``flavour:`` in airflow.yml): the body stands alone, and Airflow runs it.

All four flavours load with no error or warning in Airflow 2.11 and 3.3 (providers installed) as
their decorated operators; on Airflow 2 the pod Airflow would start and the source it ships to the
pod and the container are rendered. tests/test_scheduler.py runs virtualenv and external_python.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
from support.cases import FLAVOURED, FOUR
from support.environment import BIN, probe_airflow, run
from support.kedro_projects import write_project

from kedro_taskflow import api
from kedro_taskflow.api import Options


@pytest.fixture(scope="module")
def flavoured(tmp_path_factory) -> tuple[Path, str]:
    project = write_project(tmp_path_factory.mktemp("flavoured"), FLAVOURED)
    options = Options(worker_project_path="/opt/flavoured")
    (text,) = api.generate(project, options=options, write=False).files.values()
    return project, text


def test_dag_source(flavoured, snapshot_py):
    assert flavoured[1] == snapshot_py


def test_isolated_bodies_import_and_build_everything_they_use(flavoured):
    import ast

    tree = ast.parse(flavoured[1])
    isolated = [
        f
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef)
        and any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) for d in f.decorator_list)
    ]
    assert len(isolated) == 4
    for function in isolated:
        names = {
            n.id
            for s in function.body
            for n in ast.walk(s)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        }
        assert [a.arg for a in function.args.args] == ["run"]  # the DAG run, rendered by Airflow
        assert names == {"KedroProject", "run"}, (function.name, names)  # no module-level object


def test_airflow_3_writes_the_same_decorators(flavoured):
    project = flavoured[0]
    options = Options(worker_project_path="/opt/flavoured", airflow_version=api.AirflowVersion.AIRFLOW_3)
    (three,) = api.generate(project, options=options, write=False).files.values()
    assert three.count("@task.") == flavoured[1].count("@task.") == 4
    assert "from airflow.sdk import dag, task\n" in three


RENDER = """
import json, sys
from airflow.models import DagBag
from airflow.utils import timezone

bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
assert not bag.import_errors, bag.import_errors
dag = bag.get_dag("flavoured_project")
from kedro_taskflow.runtime import DAG_RUN
templated = {t.task_id: list(t.op_args) == [DAG_RUN] and "op_args" in t.template_fields for t in dag.tasks}
pod_task, docker_task = dag.get_task("load"), dag.get_task("publish")
pod_task.__dict__["hook"] = type("NoCluster", (), {"is_in_cluster": False})()  # no kube config here
pod = pod_task.build_pod_request_obj(context=None)
container = pod.spec.containers[0]
docker_task.op_kwargs, docker_task.op_args = {}, []
print(json.dumps({
    "kinds": {t.task_id: type(t).__name__ for t in dag.tasks},
    "templated_run": templated,
    "pod": {"image": container.image, "namespace": pod.metadata.namespace,
            "command": container.command, "args": container.args},
    "docker": {"image": docker_task.image,
               "command": docker_task.command if isinstance(docker_task.command, list) else None},
    "pod_script": pod_task.get_python_source(),
    "docker_script": docker_task.get_python_source(),
}))
"""


def test_kubernetes_and_docker_load_and_render_what_would_run(flavoured, tmp_path, airflow_db):
    dag_file = tmp_path / "flavoured_project.py"
    dag_file.write_text(flavoured[1])
    result = run([sys.executable, "-c", RENDER, str(dag_file)], cwd=tmp_path)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["kinds"] == {
        "extract": "_PythonExternalDecoratedOperator",
        "transform": "_PythonVirtualenvDecoratedOperator",
        "load": "_KubernetesDecoratedOperator",
        "publish": "_DockerDecoratedOperator",
    }
    assert report["templated_run"] == dict.fromkeys(report["kinds"], True)
    assert report["pod"]["image"] == "registry.example.com/flavoured:1.0"
    assert report["pod"]["namespace"] == "data"
    assert report["docker"]["image"] == "registry.example.com/flavoured:1.0"
    for script, node in ((report["pod_script"], "load"), (report["docker_script"], "publish")):
        assert 'project_path="/app"' in script
        assert f'.run_nodes("{node}", run=run)' in script
        assert "@task" not in script  # what Airflow ships: the function alone


@pytest.mark.airflow
@pytest.mark.parametrize("version", list(api.AirflowVersion), ids=lambda v: f"airflow{v.value}")
def test_flavoured_dags_load_cleanly_in_the_airflow_they_are_written_for(
    flavoured, version, tmp_path, request
):
    options = Options(worker_project_path="/opt/flavoured", airflow_version=version)
    (text,) = api.generate(flavoured[0], options=options, write=False).files.values()
    dag_file = tmp_path / "flavoured_project.py"
    dag_file.write_text(text)
    if version is api.AirflowVersion.AIRFLOW_3:
        airflow3 = request.getfixturevalue("airflow3")
        report = probe_airflow([dag_file], airflow3["python"], airflow3["env"])
    else:
        report = probe_airflow([dag_file])
    seen = report[str(dag_file)]

    assert (seen["errors"], seen["warnings"]) == ({}, [])
    assert seen["dags"] == {
        "flavoured_project": {
            "extract": [],
            "transform": ["extract"],
            "load": ["transform"],
            "publish": ["load"],
        }
    }
    assert not {"kedro", "pandas", "libcst", "black", "flavoured_project"} & set(seen["new_packages"])


SECTION_YML = """\
default:
  flavour: {external_python: {python: /opt/venvs/flavoured/bin/python}}
  tasks:
    "node:transform":
      flavour: {virtualenv: {requirements: ["kedro~=1.0"], system_site_packages: false}}
"""


def test_plan_shows_each_task_s_flavour_and_where_it_comes_from(tmp_path):
    project = write_project(tmp_path, dataclasses.replace(FOUR, conf={"base/airflow.yml": SECTION_YML}))
    command = [str(BIN / "kedro-taskflow"), "plan", "--worker-project-path", "/opt/flavoured"]
    (dag,) = json.loads(run([*command, "--json"], cwd=project).stdout)["dags"]
    flavours = {t["task_id"]: t["settings"]["flavour"] for t in dag["tasks"]}

    section = {
        "value": {"external_python": {"python": "/opt/venvs/flavoured/bin/python"}},
        "source": "default",
    }
    assert flavours == {
        "extract": section,
        "transform": {
            "value": {"virtualenv": {"requirements": ["kedro~=1.0"], "system_site_packages": False}},
            "source": "node:transform",
        },
        "load": section,
        "publish": section,
    }
    table = run(command, cwd=project).stdout
    assert (
        "  task extract\n"
        '    settings: flavour={"external_python": {"python": "/opt/venvs/flavoured/bin/python"}} (default)\n'
        "  task transform  <- extract\n"
        '    settings: flavour={"virtualenv": {"requirements": ["kedro~=1.0"], '
        '"system_site_packages": false}} (node:transform)\n'
    ) in table
