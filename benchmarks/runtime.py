"""What running Kedro through Airflow costs (issue 9): a task's overhead, and a DAG's wall time.

1. Task overhead, in fresh processes, on a project with one trivial node:
   - ``kedro run --nodes trivial`` (Kedro's own CLI);
   - the runner, ``KedroProject(...).run_nodes("trivial")``, as a task calls it;
   - inside Airflow 2.11 (LocalExecutor on PostgreSQL): the duration Airflow records for the
     generated task, next to a hand-written task that does nothing, in the same scheduler.
2. The examples' ``__default__`` DAGs under that scheduler, from trigger to success, next to
   ``kedro run`` of the same project.

Run it with the Python of ``.venv`` (Airflow 2.11 and the test tools; PostgreSQL's ``initdb`` and
``pg_ctl`` on the PATH), from the repository:

    python benchmarks/runtime.py --repeats 5 --out benchmarks/runtime_results.md   # ~6 minutes
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]
from run import measure  # noqa: E402
from support.kedro_projects import Node, Project, write_project  # noqa: E402
from support.schedulers import PostgresServer, Scheduler  # noqa: E402

BIN = Path(sys.executable).parent
EXAMPLES = ("spaceflights", "fleet")
TRIVIAL = Project(
    package="trivial_project",
    pipelines={"__default__": (Node("trivial", ("raw",), ("out",)),)},
    persisted=frozenset({"raw", "out"}),
)
RUNNER = (
    "from kedro_taskflow.runtime import KedroProject; "
    "KedroProject({package!r}, {path!r}).run_nodes('trivial')"
)
NOOP_DAG = """
import pendulum
from airflow.decorators import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def noop():
    @task
    def nothing():
        pass

    nothing()


noop()
"""


def median_wall(command: list[str], cwd: Path, env: dict, repeats: int) -> float:
    measure(command, cwd, env)  # warm the file caches
    return statistics.median(measure(command, cwd, env)[0] for _ in range(repeats))


def task_overhead(folder: Path, env: dict, repeats: int) -> dict:
    project = write_project(folder, TRIVIAL)
    runner = RUNNER.format(package=TRIVIAL.package, path=str(project))
    return {
        "kedro_run_s": median_wall([str(BIN / "kedro"), "run", "--nodes", "trivial"], project, env, repeats),
        "runner_s": median_wall([sys.executable, "-c", runner], folder, env, repeats),
        "python_s": median_wall([sys.executable, "-c", "pass"], folder, env, repeats),
    }


def durations(airflow: Scheduler, dag_id: str, task_id: str, repeats: int) -> list[float]:
    """Airflow's recorded duration of ``task_id`` over ``repeats`` runs, one after the other."""
    seconds = []
    for i in range(repeats):
        run_id = airflow.trigger(dag_id, f"bench_{i}")
        if airflow.wait(dag_id, run_id, timeout=300) != "success":
            raise RuntimeError(f"{dag_id} run {run_id} failed:\n{airflow.tail()}")
        task = airflow.tasks(dag_id, run_id)[task_id]
        seconds.append((task.end_date - task.start_date).total_seconds())
    return seconds


def under_scheduler(folder: Path, postgres: PostgresServer, env: dict, repeats: int) -> dict:
    """Task durations in Airflow, and each example DAG's wall time from trigger to success."""
    dags = folder / "dags"
    dags.mkdir(parents=True)
    trivial = write_project(folder / "in_airflow", TRIVIAL)
    target = ["--target-dir", str(dags), "--worker-project-path", str(trivial)]
    subprocess.run([str(BIN / "kedro-taskflow"), "generate", *target], cwd=trivial, env=env, check=True)
    (dags / "noop.py").write_text(NOOP_DAG)
    results: dict = {"examples": {}}
    for name in EXAMPLES:
        ignore = shutil.ignore_patterns("airflow_dags")
        project = shutil.copytree(ROOT / "examples" / name, folder / name, ignore=ignore)
        by_kedro = shutil.copytree(project, folder / f"{name}_by_kedro")
        target = ["--target-dir", str(dags), "--worker-project-path", str(project)]
        subprocess.run([str(BIN / "kedro-taskflow"), "generate", *target], cwd=project, env=env, check=True)
        results["examples"][name] = {
            "kedro_run_s": median_wall([str(BIN / "kedro"), "run"], by_kedro, env, repeats)
        }
    home = folder / "airflow_home"
    home.mkdir()
    database = postgres.create_database("bench")
    airflow = Scheduler(BIN, home, dags, database, major=2).start()
    try:
        results["noop_task_s"] = durations(airflow, "noop", "nothing", repeats)
        results["trivial_task_s"] = durations(airflow, "trivial_project", "trivial", repeats)
        for name in EXAMPLES:
            walls, runs = [], []
            for i in range(repeats):
                start = time.perf_counter()
                airflow.trigger(name, f"bench_{i}")
                if airflow.wait(name, f"bench_{i}", timeout=600) != "success":
                    raise RuntimeError(f"{name} failed:\n{airflow.tail()}")
                walls.append(time.perf_counter() - start)
                runs.append(airflow.run_duration(name, f"bench_{i}"))
            results["examples"][name]["airflow_s"] = statistics.median(walls)
            results["examples"][name]["dag_run_s"] = statistics.median(runs)
            results["examples"][name]["tasks"] = len(airflow.tasks(name, "bench_0"))
    finally:
        airflow.stop()
    return results


def report(overhead: dict, scheduled: dict, repeats: int, load: tuple[float, float]) -> str:
    noop, trivial = (
        statistics.median(scheduled["noop_task_s"]),
        statistics.median(scheduled["trivial_task_s"]),
    )
    lines = [
        "# Runtime benchmark",
        "",
        f"Generated by `benchmarks/runtime.py --repeats {repeats}` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; medians of {repeats} runs; "
        f"load average {load[0]:.2f} before, {load[1]:.2f} after.",
        "",
        "## A task's overhead (one trivial node)",
        "",
        "| what | seconds |",
        "|---|---|",
        f"| `python -c pass` (interpreter start) | {overhead['python_s']:.2f} |",
        f"| `kedro run --nodes trivial` | {overhead['kedro_run_s']:.2f} |",
        f"| the runner, `run_nodes('trivial')` in a fresh process | {overhead['runner_s']:.2f} |",
        f"| Airflow 2.11, a task that does nothing (duration Airflow records) | {noop:.2f} |",
        f"| Airflow 2.11, the generated task of the trivial node (same) | {trivial:.2f} |",
        "",
        f"The runner costs {overhead['runner_s'] - overhead['kedro_run_s']:+.2f} s against "
        "`kedro run --nodes`; "
        f"inside Airflow the generated task takes {trivial - noop:.2f} s more than a task that does nothing "
        "(importing Kedro, loading the project's configuration and catalog, the DAG run's versions).",
        "",
        "## The examples' DAGs under a real scheduler (LocalExecutor, PostgreSQL)",
        "",
        "| example | tasks | `kedro run` | DAG run (Airflow's start to end) | trigger command to success |",
        "|---|---|---|---|---|",
    ]
    for name, r in scheduled["examples"].items():
        lines.append(
            f"| {name} | {r['tasks']} | {r['kedro_run_s']:.1f} s | {r['dag_run_s']:.1f} s "
            f"({r['dag_run_s'] / r['kedro_run_s']:.1f}×) | {r['airflow_s']:.1f} s |"
        )
    lines += [
        "",
        "A DAG run pays Airflow's scheduling (heartbeat 1 s here) and a process per task, which "
        "starts Python, imports Airflow, parses the DAG file and imports Kedro; `kedro run` pays "
        "the imports once. Independent tasks run side by side (parallelism 4 on 2 cores). The "
        "trigger command adds `airflow dags trigger`'s own start (a few seconds of imports).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "runtime_results.md")
    args = parser.parse_args()
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true"}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        overhead = task_overhead(folder / "overhead", env, args.repeats)
        postgres = PostgresServer().start()
        try:
            scheduled = under_scheduler(folder / "scheduled", postgres, env, args.repeats)
        finally:
            postgres.stop()
    text = report(overhead, scheduled, args.repeats, (load_before, os.getloadavg()[0]))
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(
        json.dumps({"overhead": overhead, "scheduled": scheduled}, indent=1)
    )
    print(text)


if __name__ == "__main__":
    main()
