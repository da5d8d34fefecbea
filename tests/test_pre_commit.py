"""The repository's ``.pre-commit-hooks.yaml``, run by pre-commit itself on a project's git repo."""

from __future__ import annotations

import json
import os
import subprocess

from support.cases import CHAIN
from support.environment import BIN, ROOT, run
from support.kedro_projects import write_project


def pre_commit(project, home) -> subprocess.CompletedProcess:
    """``pre-commit try-repo`` with this checkout's hooks, as a team would run them on commit."""
    return run(
        [str(BIN / "pre-commit"), "try-repo", str(ROOT), "kedro-taskflow-check", "--all-files"],
        cwd=project,
        env={"PRE_COMMIT_HOME": str(home), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        check=False,
    )


def git(project, *args) -> None:
    run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=project)


def test_the_hook_passes_while_dags_follow_the_pipeline_hand_edits_included_and_fails_once_it_moves_on(
    tmp_path,
):
    project = write_project(tmp_path, CHAIN)
    run([str(BIN / "kedro-taskflow"), "generate"], cwd=project)
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-qm", "DAGs")

    passed = pre_commit(project, tmp_path / "cache")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "kedro-taskflow DAGs follow their pipelines" in passed.stdout and "Passed" in passed.stdout

    dag = project / "airflow_dags" / "chain_project.py"
    edited = dag.read_text(encoding="utf-8").replace('"retries": 1,', '"retries": 3,')
    assert edited != dag.read_text(encoding="utf-8")
    dag.write_text(edited, encoding="utf-8")
    git(project, "add", ".")

    hand_edit = pre_commit(project, tmp_path / "cache")
    assert hand_edit.returncode == 0, hand_edit.stdout + hand_edit.stderr  # a hand edit alone is fine

    pipelines = project / "src" / CHAIN.package / "pipelines.json"
    spec = json.loads(pipelines.read_text(encoding="utf-8"))
    spec["__default__"].append(
        {"name": "report", "inputs": ["loaded"], "outputs": ["report"], "namespace": None, "tags": []}
    )
    pipelines.write_text(json.dumps(spec), encoding="utf-8")
    git(project, "add", ".")

    failed = pre_commit(project, tmp_path / "cache")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout and "would change: " in failed.stdout
    assert "chain_project.py" in failed.stdout
