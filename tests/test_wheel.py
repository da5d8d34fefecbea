"""The package as users install it: ``python -m build`` makes a wheel and an sdist, and the wheel,
installed in a fresh virtual environment (not editable, not this checkout), generates a DAG that
loads in Airflow 2.11's DagBag and runs, its tasks importing the runtime from the wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from support.cases import CHAIN
from support.environment import ROOT, SUPPORT
from support.kedro_projects import data_file, write_project

pytestmark = pytest.mark.airflow


def _run(args, cwd: Path, timeout: int = 600) -> str:
    """Run with this test session's environment minus anything that would import this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        output = f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        raise AssertionError(f"{args} exited {result.returncode}\n{output}")
    return result.stdout


def test_built_wheel_in_a_fresh_virtualenv_generates_a_dag_that_loads_and_runs(tmp_path, airflow_db):
    # Build from a copy holding only what the sdist needs, so the checkout gets no build/ folder.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "MANIFEST.in"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "kedro_taskflow", source / "kedro_taskflow", ignore=ignore)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)], cwd=tmp_path)
    (wheel,) = dist.glob("kedro_taskflow-*-py3-none-any.whl")
    (sdist,) = dist.glob("kedro_taskflow-*.tar.gz")
    wheel_files = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "kedro_taskflow/runtime/__init__.py",
        "kedro_taskflow/runtime/silent_logging.yml",
        "kedro_taskflow/kedro_logging.yml",
        "kedro_taskflow/api.py",
    } <= wheel_files
    with tarfile.open(sdist) as archive:
        sdist_files = {Path(*Path(n).parts[1:]).as_posix() for n in archive.getnames()}
    assert {"pyproject.toml", "README.md", "kedro_taskflow/runtime/__init__.py"} <= sdist_files
    assert not any(n.startswith("tests/") for n in sdist_files)

    # A fresh virtual environment: the wheel, Airflow 2.11, and what the project's catalog uses.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    _run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            str(wheel),
            "apache-airflow==2.11.*",
            "kedro-datasets[json-jsondataset]",
        ],
        cwd=tmp_path,
    )
    where = _run([python, "-c", "import kedro_taskflow; print(kedro_taskflow.__file__)"], cwd=tmp_path)
    assert Path(where.strip()).is_relative_to(venv), where

    project = write_project(tmp_path / "projects", CHAIN)
    _run([bin_dir / "kedro-taskflow", "generate"], cwd=project)
    dag_file = project / "airflow_dags" / "chain_project.py"

    seen = json.loads(_run([python, SUPPORT / "airflow_probe.py", dag_file], cwd=tmp_path).splitlines()[-1])
    report = seen[str(dag_file)]
    assert report["errors"] == {} and report["warnings"] == []
    assert set(report["new_packages"]) <= {"kedro_taskflow"}  # parsing imports no kedro
    graph = {"extract": [], "transform": ["extract"], "load": ["transform"]}
    assert report["dags"] == {"chain_project": graph}

    ran = _run([python, SUPPORT / "airflow_run.py", dag_file, "chain_project"], cwd=tmp_path)
    assert json.loads(ran.splitlines()[-1]) == {"state": "success", "tasks": dict.fromkeys(graph, "success")}
    loaded = json.loads((project / "data" / data_file("loaded")).read_text())
    assert loaded["node"] == "load"
