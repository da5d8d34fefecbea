"""``kedro_taskflow.runtime`` on a worker: real Kedro runs of the example, and a packaged deployment.

Kedro runs go to subprocesses: importing the example's ``spaceflights`` package in the test process
would collide with other tests that build projects of the same name.
"""

from __future__ import annotations

import json
import shutil
import sys
from importlib.metadata import EntryPoint
from pathlib import Path
from types import SimpleNamespace

import pendulum
import pytest
import tomllib
from support.environment import AIRFLOW3_PYTHON, BIN, EXAMPLE, ROOT, SUPPORT, outputs, require_airflow3, run
from support.scheduled import preloading

from kedro_taskflow.runtime import KedroProject, KedroTaskflowRuntimeError

PATH_VARIABLE = "KEDRO_TASKFLOW_PROJECT_PATH_SPACEFLIGHTS"
DATA_PROCESSING = "preprocess_companies_node"

RUN_NODES = """
import sys
from kedro_taskflow.runtime import KedroProject
KedroProject(package_name="spaceflights", project_path=sys.argv[1]).run_nodes(*sys.argv[2:])
"""


def copy_example(destination: Path) -> Path:
    return shutil.copytree(
        EXAMPLE, destination, ignore=shutil.ignore_patterns("airflow_dags", "__pycache__", ".ruff_cache")
    )


def run_nodes(tmp_path: Path, project_path: str, *nodes: str, env=None, check=True):
    """``KedroProject(...).run_nodes(*nodes)`` in a fresh interpreter, from an empty folder."""
    cwd = tmp_path / "worker_cwd"
    cwd.mkdir(exist_ok=True)
    result = run(
        [sys.executable, "-c", RUN_NODES, project_path, *nodes],
        cwd=cwd,
        env={"PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
        check=check,
    )
    assert not any(cwd.iterdir()), "the runtime must not write to the working directory"
    return result


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_run_nodes_runs_exactly_the_named_nodes(tmp_path):
    project = copy_example(tmp_path / "project")
    before = files(project)

    run_nodes(tmp_path, str(project), DATA_PROCESSING)

    assert files(project) == before | {"data/02_intermediate/preprocessed_companies.parquet"}


def test_path_variable_overrides_the_project_path(tmp_path):
    project = copy_example(tmp_path / "project")

    run_nodes(tmp_path, "/nonexistent", DATA_PROCESSING, env={PATH_VARIABLE: str(project)})

    assert (project / "data/02_intermediate/preprocessed_companies.parquet").is_file()


@pytest.mark.parametrize("variable", [None, "/nonexistent/from_variable"])
def test_missing_project_folder_names_the_folder_and_the_variable(variable, monkeypatch):
    if variable is None:
        monkeypatch.delenv(PATH_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(PATH_VARIABLE, variable)
    project = KedroProject(package_name="spaceflights", project_path="/nonexistent/from_dag")

    with pytest.raises(KedroTaskflowRuntimeError) as error:
        project.run_nodes(DATA_PROCESSING)

    message = str(error.value)
    assert (variable or "/nonexistent/from_dag") in message
    assert "does not exist" in message and PATH_VARIABLE in message


def test_unknown_node_fails_naming_it_and_runs_nothing(tmp_path):
    project = copy_example(tmp_path / "project")
    before = files(project)

    result = run_nodes(tmp_path, str(project), DATA_PROCESSING, "no_such_node", check=False)

    assert result.returncode != 0
    assert "Pipeline does not contain nodes named ['no_such_node']" in result.stderr
    assert files(project) == before


def test_run_nodes_without_names_refuses_and_runs_nothing(tmp_path):
    """Kedro takes an empty node list as no filter at all: a hand-edited task must not run everything."""
    project = copy_example(tmp_path / "project")
    before = files(project)

    result = run_nodes(tmp_path, str(project), check=False)

    assert result.returncode != 0
    assert "run_nodes() needs at least one node name" in result.stderr
    assert files(project) == before


def test_importing_the_runtime_imports_no_kedro_or_generator(tmp_path):
    probe = (
        "import json, sys; import kedro_taskflow.runtime; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = set(json.loads(run([sys.executable, "-c", probe], cwd=tmp_path).stdout))

    assert "kedro_taskflow" in loaded
    assert not loaded & {"kedro", "libcst", "black", "click"}


@pytest.mark.airflow
def test_packaged_deployment_runs_in_airflow_like_kedro_run(tmp_path, airflow_db):
    """``kedro package`` -> wheel on the worker's path + a folder with only data/ and dist/ conf."""
    source = copy_example(tmp_path / "source")
    run([str(BIN / "kedro"), "package"], cwd=source)
    (wheel,) = (source / "dist").glob("spaceflights-*.whl")
    site = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)])

    deploy = tmp_path / "deploy"  # no pyproject.toml, no src/, no conf/: the archive kedro package made
    shutil.copytree(source / "data", deploy / "data", ignore=shutil.ignore_patterns(".gitkeep"))
    shutil.copy(source / "dist" / "conf-spaceflights.tar.gz", deploy)
    dags = tmp_path / "dags"
    generate = [str(BIN / "kedro-taskflow"), "generate", "--project-path", str(source)]
    generate += ["--target-dir", str(dags), "--worker-project-path", str(deploy)]
    run([*generate, "--worker-conf-source", "conf-spaceflights.tar.gz"])  # read from the project's conf/
    assert 'conf_source="conf-spaceflights.tar.gz",' in (dags / "spaceflights.py").read_text()
    cwd = tmp_path / "worker_cwd"
    cwd.mkdir()
    worker_env = {"PYTHONPATH": str(site)}
    # The package comes from the wheel only. (PYTHONPATH is set explicitly: Kedro's bootstrap_project,
    # run in-process by other tests, prepends project source folders to os.environ["PYTHONPATH"].)
    importable = [sys.executable, "-c", "import spaceflights"]
    assert run(importable, cwd=cwd, env={"PYTHONPATH": ""}, check=False).returncode != 0
    assert run(importable, cwd=cwd, env=worker_env).returncode == 0

    result = run(
        [sys.executable, str(SUPPORT / "airflow_run.py"), str(dags / "spaceflights.py"), "spaceflights"],
        cwd=cwd,
        env=worker_env,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["state"] == "success"
    assert set(report["tasks"].values()) == {"success"}
    assert not any(cwd.iterdir())
    by_kedro = copy_example(tmp_path / "by_kedro")
    run([str(BIN / "kedro"), "run"], cwd=by_kedro)
    expected = outputs(by_kedro)
    assert "08_reporting/metrics.json" in expected
    assert outputs(deploy) == expected


# --- what fails alike on every attempt fails the task at once (AirflowFailException) -------------

IN_A_TASK = """
import json, sys
from types import SimpleNamespace
import pendulum
from airflow.models.taskinstance import set_current_context
from kedro_taskflow.runtime import KedroProject
run = SimpleNamespace(logical_date=pendulum.datetime(2024, 5, 1, tz="UTC"), conf=json.loads(sys.argv[2]))
with set_current_context({"dag_run": run}):
    try:
        KedroProject(package_name="spaceflights", project_path=sys.argv[1]).run_nodes(*sys.argv[3:])
    except Exception as error:
        print("raised:", json.dumps([type(error).__name__, str(error)]))
        sys.exit(3)
"""


def run_in_a_task(tmp_path: Path, project: Path, conf: dict, *nodes: str) -> list[str]:
    """``run_nodes`` inside an Airflow 2 task's context: the error's class name and message."""
    result = run(
        [sys.executable, "-c", IN_A_TASK, str(project), json.dumps(conf), *nodes],
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 3, (result.stdout, result.stderr[-3000:])
    (line,) = (line for line in result.stdout.splitlines() if line.startswith("raised: "))
    return json.loads(line.removeprefix("raised: "))


@pytest.mark.airflow
def test_a_missing_project_folder_fails_the_task_without_retries(monkeypatch):
    from airflow.exceptions import AirflowFailException
    from airflow.models.taskinstance import set_current_context

    monkeypatch.delenv(PATH_VARIABLE, raising=False)
    project = KedroProject(package_name="spaceflights", project_path="/nonexistent/from_dag")
    run = SimpleNamespace(logical_date=pendulum.datetime(2024, 5, 1, tz="UTC"), conf={})

    with set_current_context({"dag_run": run}), pytest.raises(AirflowFailException) as error:
        project.run_nodes(DATA_PROCESSING)

    assert "/nonexistent/from_dag does not exist on this worker" in str(error.value)
    assert isinstance(error.value.__cause__, KedroTaskflowRuntimeError)


@pytest.mark.airflow
@pytest.mark.parametrize(
    ("break_it", "conf", "nodes", "message"),
    [
        (None, {"model_options.x": 1}, [DATA_PROCESSING], "The DAG run's conf sets 'model_options.x'"),
        (None, {}, ["no_such_node"], "Pipeline does not contain nodes named ['no_such_node']"),
        ("settings.py", {}, [DATA_PROCESSING], "NameError: name 'undefined_name' is not defined"),
        ("catalog.yml", {}, [DATA_PROCESSING], "DatasetError"),
    ],
    ids=["undeclared-parameter", "unknown-node", "broken-settings", "broken-catalog"],
)
def test_what_every_attempt_would_fail_alike_fails_without_retries(tmp_path, break_it, conf, nodes, message):
    project = copy_example(tmp_path / "project")
    if break_it == "settings.py":
        (project / "src" / "spaceflights" / "settings.py").write_text("HOOKS = (undefined_name,)\n")
    elif break_it == "catalog.yml":
        (project / "conf" / "base" / "catalog.yml").write_text("companies: {type: no.such.Dataset}\n")
    before = files(project)

    kind, text = run_in_a_task(tmp_path, project, conf, *nodes)

    assert kind == "AirflowFailException"
    assert message in text, text
    assert text.endswith("(not retried: every attempt would fail alike)")
    assert files(project) == before


@pytest.mark.airflow
def test_a_node_s_own_error_keeps_the_retries(tmp_path):
    project = copy_example(tmp_path / "project")
    (project / "data" / "01_raw" / "companies.csv").write_text("not,the\ncolumns,expected\n")

    kind, text = run_in_a_task(tmp_path, project, {}, DATA_PROCESSING)

    assert kind == "KeyError", text


LOAD_PLUGINS = """
import sys
from airflow import plugins_manager

plugins_manager.ensure_plugins_loaded()  # as a webserver or a task loads them under lazy loading
names = sorted(plugin["name"] for plugin in plugins_manager.get_plugin_info())
print(names, "kedro.framework.session" in sys.modules)
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("major", [2, 3])
@pytest.mark.parametrize(("lazy", "kedro_imported"), [("True", False), ("False", True)])
def test_the_preload_plugin_imports_kedro_only_when_plugins_load_at_start(
    lazy, kedro_imported, major, tmp_path
):
    """The deployment setting of docs/execution.md: ``lazy_load_plugins = False`` makes every
    Airflow process import Kedro when it imports ``airflow``; under the default, nothing."""
    python = sys.executable if major == 2 else str(AIRFLOW3_PYTHON)
    if major == 3:
        require_airflow3()
    env = {**preloading(tmp_path), "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": lazy, "AIRFLOW_HOME": str(tmp_path)}
    result = run([python, "-c", LOAD_PLUGINS], cwd=tmp_path, env=env)
    assert result.stdout.strip().splitlines()[-1] == f"['kedro_taskflow_preload'] {kedro_imported}"


def test_the_preload_plugin_is_declared_where_airflow_finds_installed_plugins():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    ((name, value),) = declared["airflow.plugins"].items()
    plugin = EntryPoint(name, value, "airflow.plugins").load()  # as Airflow's plugins manager loads it
    assert (plugin.__module__, plugin.name) == ("kedro_taskflow.runtime.preload", name)
