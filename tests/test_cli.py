"""The command-line contract: what is written, --check, --diff, plan --json, and bad input."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest
from support.cases import AIRFLOW_LOCAL_YML, CHAIN, CONFIGURED, MEMORY, NAMESPACED, RELATIVE
from support.dag_source import base_text
from support.environment import BIN, EXAMPLE, ROOT, probe_airflow, run
from support.kedro_projects import Node, data_file, write_project


def cli(*args, cwd, check=True):
    return run([str(BIN / "kedro-taskflow"), *map(str, args)], cwd=cwd, check=check)


def snapshot_of(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path):
    return write_project(tmp_path, MEMORY)


def test_generate_writes_one_file_per_pipeline_then_leaves_it_alone(project):
    first = cli("generate", cwd=project)
    dag_file = project / "airflow_dags" / "memory_project.py"
    assert first.stdout == f"wrote: {dag_file}\n"
    mtime = dag_file.stat().st_mtime_ns

    second = cli("generate", cwd=project / "src")  # the project is found from a folder inside it
    assert second.stdout == f"unchanged: {dag_file}\n"
    assert dag_file.stat().st_mtime_ns == mtime
    assert dag_file.stat().st_mode & 0o777 == 0o644  # readable by an Airflow running as another user


def test_all_skips_empty_pipelines_with_one_line_each_and_writes_the_others(tmp_path):
    """What `kedro pipeline create` leaves (an empty pipeline) does not stop the others."""
    chain = CHAIN.pipelines["__default__"]
    pipelines = {"__default__": chain, "model_evaluation": (), "ingest": chain[:1], "reporting": ()}
    project = write_project(tmp_path, dataclasses.replace(CHAIN, pipelines=pipelines))
    skipped = (
        "skipped: pipeline 'model_evaluation' has no nodes\nskipped: pipeline 'reporting' has no nodes\n"
    )

    done = cli("generate", "--all", cwd=project)
    folder = project / "airflow_dags"
    assert (
        done.stdout == f"wrote: {folder / 'chain_project.py'}\nwrote: {folder / 'chain_project_ingest.py'}\n"
    )
    assert done.stderr == skipped
    assert sorted(p.name for p in folder.glob("*.py")) == ["chain_project.py", "chain_project_ingest.py"]

    planned = cli("plan", "--all", "--json", cwd=project)
    assert [d["pipeline"] for d in json.loads(planned.stdout)["dags"]] == ["__default__", "ingest"]
    assert planned.stderr.startswith(skipped + "note: DAG 'chain_project' passes data between tasks")
    assert planned.stderr.count("\n") == 3  # ingest's one task passes nothing on


def test_all_with_every_pipeline_empty_is_an_error(tmp_path):
    project = write_project(tmp_path, dataclasses.replace(CHAIN, pipelines={"__default__": (), "later": ()}))
    done = cli("generate", "--all", cwd=project, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "Error: Every pipeline of the project is empty ('__default__', 'later'): "
        "add nodes to one in its pipeline registry.\n"
    )
    assert not (project / "airflow_dags").exists()


def test_a_project_is_read_in_its_own_folder_wherever_the_command_runs(tmp_path):
    project = write_project(tmp_path, RELATIVE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    planned = cli("plan", "--json", "--project-path", project, cwd=elsewhere)
    assert [t["task_id"] for t in json.loads(planned.stdout)["dags"][0]["tasks"]] == [
        "extract",
        "transform",
        "load",
    ]
    done = cli("generate", "--project-path", project, cwd=elsewhere)
    assert done.stdout == f"wrote: {project / 'airflow_dags' / 'relative_project.py'}\n"
    assert list(elsewhere.iterdir()) == []


def test_check_and_diff_report_a_moved_pipeline_and_write_nothing(tmp_path):
    project = write_project(tmp_path, CHAIN)
    cli("generate", cwd=project)
    assert cli("generate", "--check", cwd=project).returncode == 0

    moved = dataclasses.replace(
        CHAIN,
        pipelines={
            "__default__": (*CHAIN.pipelines["__default__"], Node("audit", ("loaded",), ("audited",)))
        },
    )
    shutil.rmtree(project)
    project = write_project(tmp_path, moved)
    (project / "airflow_dags").mkdir()
    stale = project / "airflow_dags" / "chain_project.py"
    stale.write_text("# an older DAG\n")
    before = snapshot_of(project)

    check = cli("generate", "--check", cwd=project, check=False)
    assert check.returncode == 1
    assert check.stderr == f"would change: {stale}\n"

    diff = cli("generate", "--diff", cwd=project)
    assert diff.stdout.startswith("--- a/chain_project.py\n+++ b/chain_project.py\n")  # in airflow_dags/
    assert "-# an older DAG\n" in diff.stdout
    assert '+        project.run_nodes("audit")\n' in diff.stdout
    assert snapshot_of(project) == before


def test_an_interrupted_write_leaves_the_old_file_intact(tmp_path):
    project = write_project(tmp_path, CHAIN)
    cli("generate", cwd=project)
    dag_file = project / "airflow_dags" / "chain_project.py"
    old = dag_file.read_bytes()
    spec_file = project / "src" / "chain_project" / "pipelines.json"
    spec = json.loads(spec_file.read_text())
    spec["__default__"].append(
        {"name": "audit", "inputs": ["loaded"], "outputs": [], "namespace": None, "tags": []}
    )
    spec_file.write_text(json.dumps(spec))
    # Fault injection: the process dies the moment the new text is flushed to its temporary file.
    die_at_fsync = (
        "import os, signal, sys\n"
        "os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from kedro_taskflow.cli import main\n"
        "main()\n"
    )

    result = run([sys.executable, "-c", die_at_fsync, "generate"], cwd=project, check=False)

    assert result.returncode == -signal.SIGKILL
    assert dag_file.read_bytes() == old
    (staged,) = (project / "airflow_dags").glob(".chain_project.py.*.tmp")  # the new text never replaced it
    assert 'project.run_nodes("audit")' in staged.read_text()
    assert cli("generate", cwd=project).stdout == f"wrote: {dag_file}\n"
    assert 'project.run_nodes("audit")' in dag_file.read_text()


def test_plan_json_has_the_documented_shape(project):
    plan = json.loads(cli("plan", "--json", cwd=project).stdout)
    built_in = {
        key: {"value": value, "source": "built-in"}
        for key, value in (
            ("schedule", None),
            ("start_date", [2024, 1, 1]),
            ("catchup", False),
            ("max_active_runs", 1),
            ("owner", "kedro"),
            ("retries", 1),
            ("retry_delay", 5),
            ("execution", "tasks"),
        )
    }
    task_settings = {k: built_in[k] for k in ("owner", "retries", "retry_delay")}
    for task in plan["dags"][0]["tasks"]:
        assert task.pop("settings") == task_settings
    assert plan == {
        "dags": [
            {
                "dag_id": "memory_project",
                "pipeline": "__default__",
                "file": str(project / "airflow_dags" / "memory_project.py"),
                "settings": built_in,
                "tasks": [
                    {"task_id": "clean", "nodes": ["clean"], "upstream": []},
                    {"task_id": "describe", "nodes": ["describe"], "upstream": ["clean"]},
                    {"task_id": "split_to_score", "nodes": ["split", "fit", "score"], "upstream": ["clean"]},
                    {"task_id": "report", "nodes": ["report"], "upstream": ["describe", "split_to_score"]},
                ],
            }
        ]
    }
    assert not (project / "airflow_dags").exists()


def test_plan_shows_each_task_s_settings_and_where_they_come_from(tmp_path):
    project = write_project(tmp_path, CONFIGURED)
    plan = json.loads(cli("plan", "--json", "--pipeline", "regions", cwd=project).stdout)
    (dag,) = plan["dags"]
    assert dag["settings"]["schedule"] == {"value": "@daily", "source": "pipeline"}
    assert dag["settings"]["start_date"] == {"value": [2025, 3, 1], "source": "default"}
    assert dag["settings"]["owner"] == {"value": "data-eng", "source": "default"}  # templated
    tasks = {t["task_id"]: t["settings"] for t in dag["tasks"]}
    # node > namespace > tag > pipeline > default; several nodes: the strictest timeout, most slots
    assert tasks["us.clean_to_evaluate"] == {
        "owner": {"value": "data-eng", "source": "default"},
        "retries": {"value": 5, "source": "namespace:us"},
        "retry_delay": {"value": 3, "source": "pipeline"},
        "execution_timeout": {"value": 30, "source": "node:us.train"},
        "pool_slots": {"value": 4, "source": "node:us.train"},
        "queue": {"value": "us_workers", "source": "namespace:us"},
    }
    assert tasks["eu.clean_to_evaluate"]["execution_timeout"] == {"value": 60, "source": "tag:training"}
    assert tasks["us.make"]["pool"] == {"value": "ingest_pool", "source": "tag:ingest"}
    table = cli("plan", "--pipeline", "regions", cwd=project).stdout
    assert (
        "    task us.audit  <- us.make\n"
        '      settings: retries=5 (namespace:us), queue="us_workers" (namespace:us)\n'
    ) in table


def test_a_dag_scheduled_on_a_pipeline_runs_on_every_dataset_that_pipeline_s_dag_declares(tmp_path):
    local = AIRFLOW_LOCAL_YML.replace(
        "schedule: {datasets: [eu.metrics, us.metrics]}", "schedule: {pipeline: regions}"
    )
    assert local != AIRFLOW_LOCAL_YML
    configured = dataclasses.replace(CONFIGURED, conf={**CONFIGURED.conf, "local/airflow.yml": local})
    project = write_project(tmp_path, configured)
    plan = json.loads(cli("plan", "--json", "--all", cwd=project).stdout)
    dags = {d["pipeline"]: d for d in plan["dags"]}
    assert dags["reporting"]["settings"]["schedule"] == {
        "value": {"pipeline": "regions"},
        "source": "pipeline",
    }

    cli("generate", "--all", cwd=project)
    regions = (project / "airflow_dags" / "configured_project_regions.py").read_text()
    reporting = (project / "airflow_dags" / "configured_project_reporting.py").read_text()
    outlets = set(re.findall(r'Dataset\("([^"]+)"\)', regions))
    schedule = re.search(r"schedule=\[(.*?)\],\n", reporting, re.DOTALL).group(1)
    assert len(outlets) == 8 and set(re.findall(r'Dataset\("([^"]+)"\)', schedule)) == outlets


def test_plan_table_lists_tasks_nodes_and_upstreams(project):
    table = cli("plan", cwd=project).stdout
    assert "task split_to_score  <- clean\n    node 'split'\n    node 'fit'\n    node 'score'\n" in table


def test_plan_shows_groups_as_a_tree(tmp_path):
    project = write_project(tmp_path, NAMESPACED)
    table = cli("plan", cwd=project).stdout
    assert (
        "  group reporting  (namespace 'reporting')\n"
        "    group reporting.daily  (namespace 'reporting.daily')\n"
        "      task reporting.daily.collect  <- compare\n"
        "      task reporting.daily.summarise  <- enrich\n"
        "    task reporting.publish  <- reporting.daily.summarise\n"
    ) in table


def test_selection_options_reach_the_regenerate_command(tmp_path):
    project = write_project(tmp_path, NAMESPACED)
    cli("generate", "--tags", "reporting", "--tags", "ingest", "--group-by", "namespace", cwd=project)
    source = (project / "airflow_dags" / "namespaced_project.py").read_text()
    assert "    kedro-taskflow generate --group-by namespace --tags reporting,ingest\n" in source
    assert (
        cli(
            "generate", "--check", "--group-by", "namespace", "--tags", "reporting,ingest", cwd=project
        ).returncode
        == 0
    )


def test_worker_project_path_puts_the_dag_anywhere(project, tmp_path):
    dags = tmp_path / "elsewhere"
    cli("generate", "--target-dir", dags, "--worker-project-path", "/opt/projects/memory", cwd=project)
    source = (dags / "memory_project.py").read_text()
    assert 'project_path="/opt/projects/memory",' in source
    assert "Path(__file__)" not in source and "from pathlib import Path" not in source
    assert "--worker-project-path /opt/projects/memory" in source


def test_dag_inside_project_finds_it_relative_to_itself(project):
    cli("generate", "--target-dir", project / "deploy" / "dags", cwd=project)
    source = (project / "deploy" / "dags" / "memory_project.py").read_text()
    assert "project_path=Path(__file__).resolve().parents[2]," in source
    assert str(project) not in source


def test_kedro_plugin_command_runs_inside_the_project(tmp_path):
    copy = shutil.copytree(EXAMPLE, tmp_path / "spaceflights", ignore=shutil.ignore_patterns("airflow_dags"))
    result = run([str(BIN / "kedro"), "taskflow", "generate", "--pipeline", "data_processing"], cwd=copy)
    written = copy / "airflow_dags" / "spaceflights_data_processing.py"
    assert result.stdout.strip().endswith(f"wrote: {written}")
    assert written.read_text() == (EXAMPLE / "airflow_dags" / written.name).read_text()


# Bad input: exit 2, one line that says what is wrong and how to fix it, nothing written.


def _broken(tmp_path, file, text):
    project = write_project(tmp_path, CHAIN)
    target = next(project.rglob(file))
    target.write_text(text)
    return project


def _with_folder_in_the_way(tmp_path):
    """Two pipelines; the first DAG file exists, the second one's path is a folder."""
    pipelines = {"__default__": CHAIN.pipelines["__default__"], "other": CHAIN.pipelines["__default__"][:1]}
    project = write_project(tmp_path, dataclasses.replace(CHAIN, pipelines=pipelines))
    (project / "airflow_dags" / "chain_project_other.py").mkdir(parents=True)
    (project / "airflow_dags" / "chain_project.py").write_text("# Generated by kedro-taskflow, then edited\n")
    return project


def _read_only(tmp_path):
    """A target folder nobody can write to, root included (``chattr +i``), undone after the test."""
    folder = tmp_path / "chain_project" / "airflow_dags"
    folder.mkdir(parents=True)
    lock = ["chattr", "+i", str(folder)] if os.geteuid() == 0 else ["chmod", "0555", str(folder)]
    subprocess.run(lock, check=True)
    _unlock.append(["chattr", "-i", str(folder)] if os.geteuid() == 0 else ["chmod", "0755", str(folder)])
    return folder


_unlock: list[list[str]] = []


@pytest.fixture(autouse=True)
def unlock_folders():
    yield
    while _unlock:
        subprocess.run(_unlock.pop(), check=True)


def _airflow_yml(tmp_path, text, project=CHAIN):
    """A project whose conf/base/airflow.yml is ``text``."""
    configured = dataclasses.replace(project, conf={"base/airflow.yml": text})
    return ["--project-path", write_project(tmp_path, configured)]


def _with_pipeline(name):
    """CHAIN with another pipeline, ``name``, of its first node."""
    chain = CHAIN.pipelines["__default__"]
    return dataclasses.replace(CHAIN, pipelines={"__default__": chain, name: chain[:1]})


def _unshared(tmp_path, catalog: dict | None = None):
    """The chain project on workers that share no disk, with ``catalog`` as conf/base's if given."""
    conf = {"base/airflow.yml": "default:\n  shared_filesystem: false\n"}
    if catalog is not None:
        conf["base/catalog.yml"] = json.dumps(catalog)
    return ["--project-path", write_project(tmp_path, dataclasses.replace(CHAIN, conf=conf))]


VERSIONED_AND_FACTORY = {
    "raw": {"type": "json.JSONDataset", "filepath": "data/raw.json"},
    "extracted": {"type": "json.JSONDataset", "filepath": "data/extracted.json", "versioned": True},
    "{stage}ed": {"type": "json.JSONDataset", "filepath": "data/{stage}.json"},
}


def test_plan_refuses_as_generate_does_and_notes_local_datasets_between_tasks_otherwise(tmp_path):
    args = _unshared(tmp_path / "unshared")
    refused = cli("plan", *args, cwd=tmp_path, check=False)
    generated = cli("generate", *args, cwd=tmp_path, check=False)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == generated.stderr
    assert refused.stderr.startswith("Error: conf/base/airflow.yml: default.shared_filesystem is false, ")

    project = write_project(tmp_path, CHAIN)
    planned = cli("plan", cwd=project)
    assert planned.stdout.startswith("DAG chain_project  (pipeline '__default__'")
    assert planned.stderr == (
        "note: DAG 'chain_project' passes data between tasks on a local path, so its tasks must share a "
        "disk (workers that share none need `shared_filesystem: false` in airflow.yml, which refuses this): "
        f"dataset 'extracted' at data/{data_file('extracted')}, saved by 'extract', loaded by 'transform'; "
        f"dataset 'transformed' at data/{data_file('transformed')}, saved by 'transform', loaded by 'load'.\n"
    )


def _foreign_dag(tmp_path):
    project = write_project(tmp_path, CHAIN)
    (project / "airflow_dags").mkdir()
    (project / "airflow_dags" / "chain_project.py").write_text("# someone's own DAG\n")
    return project


# The docs' bad-input table (row name -> message) and, for each row, the arguments that cause it.
BAD_INPUT_TABLE = (ROOT / "docs" / "bad-input.md").read_text(encoding="utf-8")
BAD_INPUT_ROWS = dict(re.findall(r"^\| (.+?) \| `` (.+) `` \|$", BAD_INPUT_TABLE, re.MULTILINE))
BAD_INPUT = {
    "missing project path": lambda p: ["--project-path", p / "nope"],
    "not a Kedro project": lambda p: ["--project-path", p],
    "broken `settings.py`": lambda p: ["--project-path", _broken(p, "settings.py", "this is not python\n")],
    "broken `pipeline_registry.py`": lambda p: [
        "--project-path",
        _broken(p, "pipeline_registry.py", "raise RuntimeError('boom')\n"),
    ],
    "a catalog pattern with a placeholder its name lacks": lambda p: [
        "--project-path",
        _broken(p, "catalog.yml", '{"ra{rest}": {"type": "json.JSONDataset", "filepath": "{nam}"}}'),
    ],
    "invalid YAML in `airflow.yml`": lambda p: _airflow_yml(p, "default:\n  retries: [1\n"),
    "unknown pipeline": lambda p: ["--project-path", write_project(p, CHAIN), "--pipeline", "nope"],
    "mistyped pipeline": lambda p: ["--project-path", write_project(p, CHAIN), "--pipeline", "__defualt__"],
    "empty pipeline": lambda p: [
        "--project-path",
        write_project(p, dataclasses.replace(CHAIN, pipelines={**CHAIN.pipelines, "later": ()})),
        "--pipeline",
        "later",
    ],
    "empty pipeline in a project without nodes": lambda p: [
        "--project-path",
        write_project(p, dataclasses.replace(CHAIN, pipelines={"__default__": ()})),
    ],
    "unknown environment": lambda p: ["--project-path", write_project(p, CHAIN), "--env", "prod"],
    "missing conf source": lambda p: [
        "--project-path",
        write_project(p, CHAIN),
        "--conf-source",
        "elsewhere",
    ],
    "target is a file": lambda p: [
        *("--project-path", write_project(p, CHAIN)),
        *("--target-dir", p / "chain_project" / "pyproject.toml"),
    ],
    "target is a file, with `--check`": lambda p: [
        *("--project-path", write_project(p, CHAIN)),
        *("--target-dir", p / "chain_project" / "pyproject.toml"),
        "--check",
    ],
    "read-only target folder": lambda p: [
        *("--project-path", write_project(p, CHAIN)),
        *("--target-dir", _read_only(p)),
    ],
    "target outside the project, no worker path": lambda p: [
        *("--project-path", write_project(p, CHAIN)),
        *("--target-dir", p / "dags"),
    ],
    "a DAG file there that kedro-taskflow did not write": lambda p: ["--project-path", _foreign_dag(p)],
    "a folder where a DAG file goes": lambda p: ["--project-path", _with_folder_in_the_way(p), "--all"],
    "`--group-by none` with in-memory datasets": lambda p: [
        *("--project-path", write_project(p, MEMORY)),
        *("--group-by", "none"),
    ],
    "unknown `--group-by`": lambda p: ["--project-path", write_project(p, MEMORY), "--group-by", "tasks"],
    "`--tags` cutting an in-memory input from its producer": lambda p: [
        *("--project-path", write_project(p, NAMESPACED)),
        *("--tags", "training"),
    ],
    "`--tags` selecting nothing": lambda p: ["--project-path", write_project(p, MEMORY), "--tags", "nope"],
    "unknown node in `--from-nodes`": lambda p: [
        *("--project-path", write_project(p, MEMORY)),
        *("--from-nodes", "split,nope"),
    ],
    "unknown `--airflow-version`": lambda p: [
        *("--project-path", write_project(p, MEMORY)),
        *("--airflow-version", "4"),
    ],
    "unknown option": lambda p: ["--project-path", write_project(p, MEMORY), "--colour"],
    "`--all` with `--pipeline`": lambda p: [
        "--project-path",
        write_project(p, CHAIN),
        "--all",
        "--pipeline",
        "x",
    ],
    "airflow.yml: unknown key": lambda p: _airflow_yml(p, "default:\n  tasks:\n    node:load: {pol: x}\n"),
    "airflow.yml: wrong type": lambda p: _airflow_yml(p, "default:\n  retries: two\n"),
    "airflow.yml: bad schedule": lambda p: _airflow_yml(p, "default:\n  schedule: every day\n"),
    "airflow.yml: bad start date": lambda p: _airflow_yml(p, "default:\n  start_date: [2024, 13, 1]\n"),
    "airflow.yml: unknown pipeline section": lambda p: _airflow_yml(p, "defalt:\n  retries: 2\n"),
    "airflow.yml: not a selector": lambda p: _airflow_yml(p, "default:\n  tasks:\n    load: {retries: 0}\n"),
    "airflow.yml: selector matching no node": lambda p: _airflow_yml(
        p, "default:\n  tasks:\n    node:lode: {retries: 0}\n"
    ),
    "airflow.yml: invalid dataset URI": lambda p: _airflow_yml(
        p, "default:\n  dataset_uris: {loaded: not a uri}\n"
    ),
    "airflow.yml: `schedule` and `schedule_interval`": lambda p: _airflow_yml(
        p, "default:\n  schedule: '@daily'\n  schedule_interval: '@daily'\n"
    ),
    "airflow.yml: schedule on an unknown pipeline": lambda p: _airflow_yml(
        p, "reporting:\n  schedule: {pipeline: region}\n", CONFIGURED
    ),
    "airflow.yml: schedule on a pipeline without datasets": lambda p: _airflow_yml(
        p, "reporting:\n  schedule: {pipeline: regions}\n", CONFIGURED
    ),
    "airflow.yml: schedule on the DAG's own pipeline": lambda p: [
        *_airflow_yml(p, "regions:\n  datasets: true\n  schedule: {pipeline: regions}\n", CONFIGURED),
        "--pipeline",
        "regions",
    ],
    "airflow.yml: unknown flavour": lambda p: _airflow_yml(
        p, "default:\n  tasks:\n    node:load: {flavour: kubernetess}\n"
    ),
    "airflow.yml: flavour without its required argument": lambda p: _airflow_yml(
        p, "default:\n  tasks:\n    node:load: {flavour: {docker: {network_mode: host}}}\n"
    ),
    "airflow.yml: isolated task, no absolute project path": lambda p: _airflow_yml(
        p, "default:\n  tasks:\n    node:load: {flavour: {external_python: {python: /usr/bin/python3}}}\n"
    ),
    "airflow.yml: unknown `as`": lambda p: _airflow_yml(p, "default:\n  as: group\n"),
    "a task group's module where another pipeline's DAG file goes": lambda p: [
        *_airflow_yml(p, "default:\n  as: task_group\ngroup:\n  as: dag\n", _with_pipeline("group")),
        "--all",
    ],
    "a task id too long once in the task group": lambda p: [
        "--project-path",
        write_project(
            p, dataclasses.replace(CHAIN, pipelines={"__default__": (Node("n" * 240, ("raw",), ("x",)),)})
        ),
        "--as",
        "task-group",
    ],
    "airflow.yml: `shared_filesystem: false`, local datasets between tasks": _unshared,
    "airflow.yml: `shared_filesystem: false`, a versioned dataset and a dataset factory on local paths": (
        lambda p: _unshared(p, VERSIONED_AND_FACTORY)
    ),
}


def test_every_documented_bad_input_is_tested():
    assert BAD_INPUT_ROWS and list(BAD_INPUT_ROWS) == list(BAD_INPUT)


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_exits_2_with_one_line(case, tmp_path):
    args = BAD_INPUT[case](tmp_path)
    before = snapshot_of(tmp_path)

    result = cli("generate", *args, cwd=tmp_path, check=False)

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    pattern = ".+".join(re.escape(part) for part in BAD_INPUT_ROWS[case].split("…"))
    assert re.fullmatch(pattern, result.stderr.strip()), result.stderr
    assert snapshot_of(tmp_path) == before


# -- owning the DAG: hand edits, bases, conflicts (see also test_merge.py) ---------------------


def _change_pipeline(project, edit_nodes):
    """Edit the project's pipelines.json (``edit_nodes``: the node list -> the new node list)."""
    spec_file = project / "src" / "chain_project" / "pipelines.json"
    spec = json.loads(spec_file.read_text())
    spec["__default__"] = edit_nodes(spec["__default__"])
    spec_file.write_text(json.dumps(spec))


def _add_audit(nodes):
    return [*nodes, {"name": "audit", "inputs": ["loaded"], "outputs": [], "namespace": None, "tags": []}]


def _hand_edit(dag_file, old, new):
    text = dag_file.read_text()
    assert text.count(old) == 1
    dag_file.write_text(text.replace(old, new))


@pytest.fixture
def chain(tmp_path):
    """The chain project, generated once: (project, its DAG file, that file's base)."""
    project = write_project(tmp_path, CHAIN)
    cli("generate", cwd=project)
    dag_file = project / "airflow_dags" / "chain_project.py"
    return project, dag_file, project / "airflow_dags" / ".kedro-taskflow" / "chain_project.py.base"


def test_the_base_is_what_was_generated_and_an_unedited_regeneration_changes_no_byte(chain):
    project, dag_file, base = chain
    assert base_text(base) == dag_file.read_text()
    before = snapshot_of(project)
    assert cli("generate", cwd=project).stdout == f"unchanged: {dag_file}\n"
    assert snapshot_of(project) == before


def test_hand_edits_survive_a_pipeline_change_and_check_tells_only_of_the_pipeline(chain):
    project, dag_file, base = chain
    _hand_edit(dag_file, "    @task\n    def transform():", "    @task(retries=3)\n    def transform():")
    _hand_edit(dag_file, "    schedule=None,", '    schedule="@daily",')
    assert cli("generate", "--check", cwd=project).returncode == 0  # hand edits alone: quiet

    _change_pipeline(project, _add_audit)
    check = cli("generate", "--check", cwd=project, check=False)
    assert (check.returncode, check.stderr) == (1, f"would change: {dag_file}\n")
    diff = cli("generate", "--diff", cwd=project).stdout
    assert "+    def audit():\n" in diff and "retries=3" not in diff and "@daily" not in diff

    assert cli("generate", cwd=project).stdout == f"wrote: {dag_file}\n"
    text = dag_file.read_text()
    assert "    @task(retries=3)\n    def transform():" in text and '    schedule="@daily",' in text
    assert 'project.run_nodes("audit")' in text and ">> audit()" in text
    assert "retries=3" not in base_text(base) and 'project.run_nodes("audit")' in base_text(base)
    assert cli("generate", "--check", cwd=project).returncode == 0


def test_check_fails_in_one_line_on_a_dag_file_that_would_not_load_whoever_broke_it(chain):
    project, dag_file, _ = chain
    _hand_edit(dag_file, '        project.run_nodes("transform")', '        projekt.run_nodes("transform")')
    check = cli("generate", "--check", cwd=project, check=False)
    assert (check.returncode, check.stderr) == (
        1,
        f"does not load: {dag_file}: task transform: uses 'projekt', defined nowhere\n",
    )
    _hand_edit(dag_file, "    def transform():", "    def transform(:")
    check = cli("generate", "--check", cwd=project, check=False)
    assert check.returncode == 1
    assert re.fullmatch(
        rf"does not load: {re.escape(str(dag_file))}: does not compile \(line \d+: .*\)\n", check.stderr
    )


def test_a_conflict_exits_1_and_writes_nothing_until_the_conflicting_edit_is_discarded(chain):
    project, dag_file, base = chain
    _hand_edit(dag_file, "    @task\n    def load():", '    @task(pool="warehouse")\n    def load():')
    _hand_edit(dag_file, "    schedule=None,", '    schedule="@daily",')
    _change_pipeline(project, lambda nodes: [n for n in nodes if n["name"] != "load"])
    before = snapshot_of(project)

    refused = cli("generate", cwd=project, check=False)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f"conflict: {dag_file}: task load: edited here, but the pipeline no longer has it; "
        "undo the edit, regenerate, then redo it",
        "Nothing was written. --diff shows what the new generation changes; --discard-edits drops the "
        "edits in conflict, keeping the others.",
    ]
    assert snapshot_of(project) == before

    plugin = run([str(BIN / "kedro"), "taskflow", "generate"], cwd=project, check=False)
    assert plugin.returncode == 1 and "conflict: " in plugin.stderr
    diff = cli("generate", "--diff", cwd=project)
    assert '-    @task(pool="warehouse")\n' in diff.stdout and "conflict: " in diff.stderr
    assert snapshot_of(project) == before

    discarded = cli("generate", "--discard-edits", cwd=project)
    assert discarded.stderr == (
        f"discarded: {dag_file}: task load (edited here, but the pipeline no longer has it):\n"
        '    @task(pool="warehouse")\n'
    )
    assert discarded.stdout == f"wrote: {dag_file}\n"
    assert dag_file.read_text() == base_text(base).replace("    schedule=None,", '    schedule="@daily",')
    assert "def load" not in dag_file.read_text()


def test_a_file_without_a_base_gets_one_if_unedited_and_is_refused_if_edited(chain):
    project, dag_file, base = chain
    base.unlink()
    assert cli("generate", cwd=project).stdout == f"unchanged: {dag_file}\n"
    assert base_text(base) == dag_file.read_text()

    base.unlink()
    _hand_edit(dag_file, "    schedule=None,", '    schedule="@daily",')
    _change_pipeline(project, _add_audit)
    before = snapshot_of(project)
    refused = cli("generate", cwd=project, check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        f"conflict: {dag_file}: no record of what kedro-taskflow generated here "
        "(.kedro-taskflow/chain_project.py.base is missing"
    )
    assert snapshot_of(project) == before
    assert cli("generate", "--check", cwd=project, check=False).returncode == 1  # file and pipeline differ


def test_a_deleted_dag_file_is_generated_anew(chain):
    project, dag_file, base = chain
    text = dag_file.read_text()
    dag_file.unlink()
    assert cli("generate", cwd=project).stdout == f"wrote: {dag_file}\n"
    assert dag_file.read_text() == text == base_text(base)


@pytest.mark.airflow
def test_airflow_loads_the_dag_folder_and_not_the_bases(chain):
    project, dag_file, base = chain
    (folder_report,) = probe_airflow([dag_file.parent]).values()
    assert folder_report["errors"] == {} and list(folder_report["dags"]) == ["chain_project"]
    assert base.is_file()


def test_a_base_from_the_same_inputs_spares_rendering_and_other_inputs_do_not_match(chain):
    project, dag_file, base = chain
    first, text = base.read_text().split("\n", 1)
    # Same digest, other text: generate takes the base as the new generation without rendering,
    # so the file (which differs from it) reads as hand-edited, and the base stays as it is.
    tampered = f"{first}\n{text.replace('retries', 'tries')}"
    base.write_text(tampered)
    assert cli("generate", "--check", cwd=project).returncode == 0
    assert cli("generate", cwd=project).stdout == f"unchanged: {dag_file}\n"
    assert base.read_text() == tampered
    assert cli("generate", "--check", "--airflow-version", "3", cwd=project, check=False).returncode == 1
    _change_pipeline(project, _add_audit)
    assert cli("generate", "--check", cwd=project, check=False).returncode == 1


def test_a_base_without_its_inputs_line_is_still_a_base(chain):
    project, dag_file, base = chain
    first, text = base.read_text().split("\n", 1)
    base.write_text(text)  # as the first kedro-taskflow with bases wrote it
    _hand_edit(dag_file, "    schedule=None,", '    schedule="@daily",')
    assert cli("generate", "--check", cwd=project).returncode == 0
    _change_pipeline(project, _add_audit)
    assert cli("generate", cwd=project).stdout == f"wrote: {dag_file}\n"
    assert '    schedule="@daily",' in dag_file.read_text()
    assert base.read_text().split("\n", 1)[0] != first  # the pipeline changed, so the inputs did
    assert 'project.run_nodes("audit")' in base_text(base)


@pytest.mark.parametrize(
    "args", [["--help"], ["generate", "--project-path", "missing"], ["plan", "--project-path", "missing"]]
)
def test_the_command_leaves_what_is_alive_to_the_end_of_the_process(args, tmp_path):
    """Whatever way the command ends, the collector does not walk everything once more at exit
    (0.3 s after a 5,000-node project): the console script freezes it first."""
    probe = (
        "import atexit, gc; from kedro_taskflow.cli import main; "
        "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0)); main()"
    )
    result = run([sys.executable, "-c", probe, *args], cwd=tmp_path, check=False)
    assert result.stdout.splitlines()[-1] == "frozen: True", result


def test_check_alone_checks_every_generated_file_with_the_command_it_was_generated_with(tmp_path):
    """The pre-commit hook runs a bare ``--check``: a DAG of another pipeline, generated with other
    options, is checked as it was generated, and goes stale with its own pipeline."""
    audit_nodes = CHAIN.pipelines["__default__"][:2]
    two = dataclasses.replace(CHAIN, pipelines={**CHAIN.pipelines, "audit": audit_nodes})
    project = write_project(tmp_path, two)
    cli("generate", cwd=project)
    cli("generate", "--pipeline", "audit", "--airflow-version", "3", "--group-by", "none", cwd=project)
    audit = project / "airflow_dags" / "chain_project_audit.py"

    check = cli("generate", "--check", cwd=project)
    assert check.stdout == "2 DAG files up to date (pipelines '__default__', 'audit')\n"
    assert check.stderr == ""

    spec_file = project / "src" / "chain_project" / "pipelines.json"
    spec = json.loads(spec_file.read_text())
    spec["audit"] = _add_audit(spec["audit"][:1] + [{**spec["audit"][1], "outputs": ["loaded"]}])
    spec_file.write_text(json.dumps(spec))
    stale = cli("generate", "--check", cwd=project, check=False)
    assert (stale.returncode, stale.stdout, stale.stderr) == (1, "", f"would change: {audit}\n")
    # Named options check what they name, as before: __default__ alone is current.
    assert cli("generate", "--check", "--pipeline", "__default__", cwd=project).stdout == (
        "1 DAG file up to date (pipelines '__default__')\n"
    )


def test_check_alone_names_a_generated_file_whose_command_it_cannot_read(chain):
    project, dag_file, base = chain
    command = "with:\n\n    kedro-taskflow generate"
    base.write_text(base.read_text().replace(command, "with:\n\n    kedro-flow"))
    refused = cli("generate", "--check", cwd=project, check=False)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        f"Error: {dag_file} names no command it was generated with: pass --pipeline or --all to check it.\n"
    )


def test_diff_says_in_one_line_when_nothing_would_change(chain):
    project, dag_file, base = chain
    diff = cli("generate", "--diff", cwd=project)
    assert (diff.stdout, diff.stderr) == ("", "1 DAG file up to date\n")


@pytest.mark.parametrize("command", [(), ("generate",), ("plan",)])
def test_help_is_plain_text(command, tmp_path):
    """click prints docstrings and help as they are: no reStructuredText or Markdown quoting."""
    shown = cli(*command, "--help", cwd=tmp_path).stdout
    assert "Usage: kedro-taskflow" in shown
    assert "`" not in shown, shown


@pytest.mark.airflow
def test_a_watcher_file_keeps_its_hand_edits_when_the_pipeline_moves_on(tmp_path):
    """Watcher execution's file merges as any other: edits to the producer and to a node's task
    survive a new node, which joins the producer's run and gets its task; ``--check`` sees it."""
    project = write_project(tmp_path, CHAIN)
    cli("generate", "--execution", "watcher", cwd=project)
    dag_file = project / "airflow_dags" / "chain_project.py"
    edited = dag_file.read_text()
    for old, new in (
        ("@task(show_return_value_in_logs=False)", "@task(show_return_value_in_logs=False, retries=3)"),
        (
            '        project.run_nodes("load", outcomes=outcomes)',
            '        print("loading")\n        project.run_nodes("load", outcomes=outcomes)',
        ),
    ):
        assert old in edited
        edited = edited.replace(old, new)
    dag_file.write_text(edited)
    assert cli("generate", "--execution", "watcher", "--check", cwd=project).returncode == 0  # edits alone

    dags = shutil.move(project / "airflow_dags", tmp_path / "dags")
    shutil.rmtree(project)
    audit = Node("audit", ("loaded",), ("audited",))
    project = write_project(
        tmp_path,
        dataclasses.replace(CHAIN, pipelines={"__default__": (*CHAIN.pipelines["__default__"], audit)}),
    )
    shutil.move(dags, project / "airflow_dags")
    check = cli("generate", "--execution", "watcher", "--check", cwd=project, check=False)
    assert (check.returncode, check.stderr) == (1, f"would change: {dag_file}\n")

    cli("generate", "--execution", "watcher", cwd=project)
    merged = dag_file.read_text()
    assert "    @task(show_return_value_in_logs=False, retries=3)\n    def kedro_run():" in merged
    assert 'print("loading")\n        project.run_nodes("load", outcomes=outcomes)' in merged
    assert 'return project.run_dag("extract", "transform", "load", "audit")' in merged
    assert "def audit(outcomes: dict):" in merged and "load(outcomes) >> audit(outcomes)" in merged
    seen = probe_airflow([dag_file])[str(dag_file)]
    assert (seen["errors"], seen["warnings"]) == ({}, [])
    assert seen["dags"]["chain_project"]["audit"] == ["kedro_run", "load"]
