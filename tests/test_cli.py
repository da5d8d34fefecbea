"""The command-line contract: what is written, --check, --diff, plan --json, and bad input."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest
from cases import CHAIN, MEMORY, NAMESPACED
from conftest import BIN, EXAMPLE, run
from kedro_projects import Node, write_project


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
    assert diff.stdout.startswith(f"--- a/{stale}\n+++ b/{stale}\n")
    assert "-# an older DAG\n" in diff.stdout
    assert '+        project.run_nodes("audit")\n' in diff.stdout
    assert snapshot_of(project) == before


def test_plan_json_has_the_documented_shape(project):
    plan = json.loads(cli("plan", "--json", cwd=project).stdout)
    assert plan == {
        "dags": [
            {
                "dag_id": "memory_project",
                "pipeline": "__default__",
                "file": str(project / "airflow_dags" / "memory_project.py"),
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
    (project / "airflow_dags" / "chain_project.py").write_text("# kept as it is\n")
    return project


BAD_INPUT = {
    "missing path": (lambda p: ["--project-path", p / "nope"], "does not exist"),
    "not a kedro project": (lambda p: ["--project-path", p], "is not a Kedro project"),
    "broken settings.py": (
        lambda p: ["--project-path", _broken(p, "settings.py", "this is not python\n")],
        "Could not load the Kedro project",
    ),
    "broken pipeline_registry.py": (
        lambda p: ["--project-path", _broken(p, "pipeline_registry.py", "raise RuntimeError('boom')\n")],
        "RuntimeError: boom",
    ),
    "unknown pipeline": (
        lambda p: ["--project-path", write_project(p, CHAIN), "--pipeline", "nope"],
        "Unknown pipeline 'nope'; the project has: '__default__'.",
    ),
    "empty pipeline": (
        lambda p: [
            "--project-path",
            write_project(p, dataclasses.replace(CHAIN, pipelines={"__default__": ()})),
        ],
        "has no nodes",
    ),
    "unknown env": (lambda p: ["--project-path", write_project(p, CHAIN), "--env", "prod"], "conf/prod"),
    "missing conf source": (
        lambda p: ["--project-path", write_project(p, CHAIN), "--conf-source", "elsewhere"],
        "Conf source elsewhere does not exist",
    ),
    "target is a file": (
        lambda p: [
            "--project-path",
            write_project(p, CHAIN),
            "--target-dir",
            p / "chain_project" / "pyproject.toml",
        ],
        "is a file, not a folder",
    ),
    "unwritable target": (
        lambda p: [
            *("--project-path", write_project(p, CHAIN), "--worker-project-path", "/opt/chain"),
            *("--target-dir", "/proc/kedro-taskflow-dags"),
        ],
        "is not writable",
    ),
    "target outside project": (
        lambda p: ["--project-path", write_project(p, CHAIN), "--target-dir", p / "dags"],
        "pass --worker-project-path",
    ),
    "a folder where a DAG file goes": (
        lambda p: ["--project-path", _with_folder_in_the_way(p), "--all"],
        "something that is not a file is in the way",
    ),
    "group-by none with in-memory datasets": (
        lambda p: ["--project-path", write_project(p, MEMORY), "--group-by", "none"],
        "--group-by none would pass in-memory datasets between tasks: 'test_set' (made by 'split', read by "
        "'score'); 'train_set' (made by 'split', read by 'fit'). Declare them in the catalog, or use "
        "--group-by memory.",
    ),
    "unknown group-by": (
        lambda p: ["--project-path", write_project(p, MEMORY), "--group-by", "tasks"],
        "--group-by must be one of memory, namespace, none, not 'tasks'.",
    ),
    "tags cutting an in-memory input from its producer": (
        lambda p: ["--project-path", write_project(p, NAMESPACED), "--tags", "training"],
        "'eu.clean' (made by 'eu.clean', read by 'eu.evaluate')",
    ),
    "tags selecting nothing": (
        lambda p: ["--project-path", write_project(p, MEMORY), "--tags", "nope"],
        "The node selection leaves no node of pipeline '__default__'",
    ),
    "unknown node": (
        lambda p: ["--project-path", write_project(p, MEMORY), "--from-nodes", "split,nope"],
        "--from-nodes: no node named 'nope' in the pipeline.",
    ),
    "unknown airflow version": (
        lambda p: ["--project-path", write_project(p, MEMORY), "--airflow-version", "4"],
        "--airflow-version must be 2, 3 or auto, not '4'.",
    ),
    "an option click does not know": (
        lambda p: ["--project-path", write_project(p, MEMORY), "--colour"],
        "Error: No such option '--colour'.",
    ),
    "all and pipeline": (
        lambda p: ["--project-path", write_project(p, CHAIN), "--all", "--pipeline", "x"],
        "either --all or --pipeline",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_exits_2_with_one_line(case, tmp_path):
    make_args, message = BAD_INPUT[case]
    args = make_args(tmp_path)
    before = snapshot_of(tmp_path)

    result = cli("generate", *args, cwd=tmp_path, check=False)

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert snapshot_of(tmp_path) == before
