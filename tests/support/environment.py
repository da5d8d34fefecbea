"""Where things are, and how tests run commands and look at what Airflow sees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SUPPORT = Path(__file__).parent
TESTS = SUPPORT.parent
ROOT = TESTS.parent
EXAMPLE = ROOT / "examples" / "spaceflights"
EXAMPLES = {"spaceflights": EXAMPLE, "fleet": ROOT / "examples" / "fleet"}
EXAMPLE_PIPELINES = {
    "spaceflights": ("__default__", "data_processing", "data_science"),
    "fleet": ("__default__", "regional", "reporting", "handover"),
}
SNAPSHOTS = TESTS / "snapshots"
BIN = Path(sys.executable).parent
# A second virtual environment with Airflow 3 (scripts/setup.sh makes it).
AIRFLOW3_PYTHON = Path(
    os.environ.get("KEDRO_TASKFLOW_AIRFLOW3_PYTHON", ROOT / ".venv-airflow3" / "bin" / "python")
)


def require_airflow3() -> None:
    """Skip the test when there is no Airflow 3 environment, or fail where one is required."""
    import pytest  # here: support.snapshots imports this module in environments without pytest

    if not AIRFLOW3_PYTHON.exists():
        message = f"no Airflow 3 environment at {AIRFLOW3_PYTHON}: run scripts/setup.sh"
        if os.environ.get("KEDRO_TASKFLOW_REQUIRE_AIRFLOW3"):
            pytest.fail(message)
        pytest.skip(message)


def run(args, cwd=None, env=None, check=True, timeout=300) -> subprocess.CompletedProcess:
    """Run a command of this virtual environment; on failure, show its output."""
    result = subprocess.run(
        args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def probe_airflow(files: list[Path], python: str = sys.executable, env: dict | None = None) -> dict:
    """What a real Airflow DagBag sees in each file, loaded in a fresh interpreter."""
    result = run([python, str(SUPPORT / "airflow_probe.py"), *map(str, files)], env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def outputs(project: Path) -> dict[str, bytes]:
    """Every file a run wrote under data/, versioned datasets keyed without their timestamp."""
    result = {}
    for path in sorted((project / "data").rglob("*")):
        relative = path.relative_to(project / "data")
        if path.is_file() and relative.parts[0] != "01_raw" and path.name != ".gitkeep":
            result[output_name(relative.parts)] = path.read_bytes()
    return result


def run_dag(
    project: Path,
    dag_id: str,
    tmp_path: Path,
    *options: str,
    python: str = sys.executable,
    env: dict | None = None,
) -> dict:
    """Generate the project's DAGs with the CLI, then run one once in the Airflow of ``python``
    (``env``: its environment), from another folder; what ``airflow_run.py`` reports."""
    run([str(BIN / "kedro-taskflow"), "generate", *(options or ("--all",))], cwd=project)
    dag_file = project / "airflow_dags" / f"{dag_id}.py"
    elsewhere = tmp_path / "worker_cwd"
    elsewhere.mkdir()
    result = run([python, str(SUPPORT / "airflow_run.py"), str(dag_file), dag_id], cwd=elsewhere, env=env)
    assert not any(elsewhere.iterdir()), "the runner must not depend on or write to the working directory"
    return json.loads(result.stdout.strip().splitlines()[-1])


def output_name(parts: tuple[str, ...]) -> str:
    """A saved file's path without the version of a versioned dataset (``name/<version>/name``)."""
    if len(parts) >= 3 and parts[-3] == parts[-1]:
        parts = (*parts[:-2], parts[-1])
    return "/".join(parts)
