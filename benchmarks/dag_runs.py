"""What a DAG run costs in each execution (issue 21), next to a DAG whose tasks do nothing.

For each size, a synthetic project (``make_project.py``: persisted pickles, in-memory chains,
parameters) is generated three ways into one DAG folder:

- ``noop``: a DAG of exactly the tasks and edges of the ``tasks`` DAG, whose tasks do nothing;
- ``tasks``: ``kedro-taskflow generate`` (each task runs its nodes in its own Kedro session);
- ``watcher``: ``--execution watcher`` (one Kedro session runs the nodes, a task per node reports).

Each runs, one run after the other, under Airflow 2.11 (LocalExecutor on PostgreSQL, parallelism
4, heartbeat 1 s), twice: under Airflow's default settings, and with Kedro preloaded
(``lazy_load_plugins = False``, docs/execution.md). Next to them, ``kedro run`` of the project.

Reported: each DAG run's duration as Airflow records it (its start to its end) and its ratio to
the no-op DAG's (targets: tasks <= 1.5x, watcher <= 1.2x); a task's cost over a no-op task
(median of the tasks' recorded durations; target <= 0.5 s); where the run's time goes (the
longest path through the DAG of the tasks' durations, and the rest: waiting to be scheduled);
and the steps of one task's run, timed inside a process that has imported Airflow, with and
without Kedro preloaded (``task_steps.py``).

Run it with the Python of ``.venv`` (Airflow 2.11, kedro-datasets; PostgreSQL's ``initdb`` and
``pg_ctl`` on the PATH), from the repository:

    python benchmarks/dag_runs.py --sizes 40,100 --repeats 1    # about 15 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]
from make_project import write_project  # noqa: E402
from parse_dags import minimal_dag  # noqa: E402
from support.scheduled import preloading  # noqa: E402
from support.schedulers import PostgresServer, Scheduler  # noqa: E402

BIN = Path(sys.executable).parent
EXECUTIONS = ("noop", "tasks", "watcher")
SETTINGS = ("default", "preloaded")
TARGETS = {"tasks": 1.5, "watcher": 1.2}
TASK_TARGET_S = 0.5


def prepare(root: Path, size: int, dags: Path, env: dict) -> dict:
    """Write the project once per execution, its DAGs into ``dags``; the DAG ids and their graphs."""
    dag_ids = {}
    for execution in ("tasks", "watcher"):
        project, _ = write_project(root / execution, size)
        _write_raw_tables(project)
        out = root / f"{execution}_dags"
        options = ["--execution", execution, "--target-dir", str(out), "--worker-project-path", str(project)]
        subprocess.run([str(BIN / "kedro-taskflow"), "generate", *options], cwd=project, env=env, check=True)
        dag_id = f"{project.name}_{execution}"
        (source,) = out.glob("*.py")
        text = source.read_text()
        assert text.count(f'dag_id="{project.name}"') == 1, "the generated DAG names its dag_id once"
        (dags / f"{dag_id}.py").write_text(text.replace(f'dag_id="{project.name}"', f'dag_id="{dag_id}"'))
        dag_ids[execution] = dag_id
    noop = f"bench_{size}_noop"
    (dags / f"{noop}.py").write_text(minimal_dag(noop, _graph(dags / f"{dag_ids['tasks']}.py")))
    dag_ids = {"noop": noop, **dag_ids}  # each round runs the no-op DAG first
    by_kedro, _ = write_project(root / "kedro_run", size)
    _write_raw_tables(by_kedro)
    return {"dag_ids": dag_ids, "kedro_project": str(by_kedro)}


def _write_raw_tables(project: Path) -> None:
    """The raw tables the project's ingest nodes load (make_project.py writes none)."""
    for line in (project / "conf" / "base" / "catalog.yml").read_text().splitlines():
        if line.strip().startswith("filepath: data/01_raw/"):
            (project / line.split("filepath: ", 1)[1]).write_bytes(pickle.dumps([1, 2, 3]))


def _graph(dag_file: Path) -> dict[str, list[str]]:
    """Task id -> its upstream task ids, as Airflow loads the file."""
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(dag_file), include_examples=False)
    assert not bag.import_errors, bag.import_errors
    (dag,) = bag.dags.values()
    return {task.task_id: sorted(task.upstream_task_ids) for task in dag.tasks}


def kedro_run(project: Path, env: dict, repeats: int) -> float:
    walls = []
    for _ in range(repeats + 1):  # the first warms the file caches
        start = time.perf_counter()
        done = subprocess.run([BIN / "kedro", "run"], cwd=project, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"kedro run failed in {project}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        walls.append(time.perf_counter() - start)
    return statistics.median(walls[1:])


def under_scheduler(
    folder: Path, dags: Path, postgres: PostgresServer, setting: str, prepared: dict, repeats: int
) -> dict:
    """Each size's DAGs, one run after the other, ``repeats`` times, under one scheduler."""
    home = folder / f"airflow_{setting}"
    home.mkdir()
    airflow = Scheduler(BIN, home, dags, postgres.create_database(f"bench_{setting}"), major=2)
    if setting == "preloaded":
        airflow.env |= preloading(home)
    graphs = {size: p["graphs"] for size, p in prepared.items()}
    airflow.start()
    results: dict = {}
    try:
        for size, p in prepared.items():
            results[size] = {execution: [] for execution in p["dag_ids"]}
            for i in range(repeats):
                for execution, dag_id in p["dag_ids"].items():
                    run_id = airflow.trigger(dag_id, f"bench_{i}")
                    state = airflow.wait(dag_id, run_id, timeout=1200)
                    if state != "success":
                        raise RuntimeError(f"{dag_id} run {run_id}: {state}\n{airflow.tail()}")
                    tasks = airflow.tasks(dag_id, run_id)
                    seconds = {t: (r.end_date - r.start_date).total_seconds() for t, r in tasks.items()}
                    results[size][execution].append(
                        {
                            "run_s": airflow.run_duration(dag_id, run_id),
                            "task_s": seconds,
                            "longest_path_s": longest_path(graphs[size][execution], seconds),
                        }
                    )
                    print(f"{setting} {dag_id}: {results[size][execution][-1]['run_s']:.1f} s", flush=True)
    finally:
        airflow.stop()
    return results


def longest_path(graph: dict[str, list[str]], seconds: dict[str, float]) -> float:
    """The run's shortest possible duration given its tasks' durations: its longest path."""
    done: dict[str, float] = {}

    def finish(task: str) -> float:
        if task not in done:
            done[task] = seconds[task] + max((finish(u) for u in graph[task]), default=0.0)
        return done[task]

    return max(map(finish, graph))


def task_steps(project: Path, node: str, env: dict, preloaded: bool) -> dict:
    command = [sys.executable, str(HERE / "task_steps.py"), str(project), node]
    done = subprocess.run(
        [*command, *(["--preload"] if preloaded else [])], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def task_median(runs: list[dict]) -> float:
    return statistics.median(s for r in runs for s in r["task_s"].values())


def _ratio(run_s: float, noop_s: float, target: float | None) -> tuple[float, str]:
    """A run's duration over a no-op DAG run's, and its mark against the target, if any."""
    ratio = run_s / noop_s
    return ratio, "" if target is None else (" ✓" if ratio <= target else f" ✗ (target {target}×)")


def report(data: dict, args: argparse.Namespace, load: tuple[float, float], took: float) -> str:
    lines = [
        "# DAG runs: tasks and watcher execution next to a no-op DAG",
        "",
        f"Generated by `benchmarks/dag_runs.py --sizes {args.sizes} --repeats {args.repeats}` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"in {took / 60:.0f} minutes; load average {load[0]:.2f} before, {load[1]:.2f} after. "
        "Airflow 2.11, LocalExecutor on PostgreSQL, parallelism 4, heartbeat 1 s; one run at a "
        f"time; medians of {args.repeats} run(s). *Run*: the DAG run's duration as Airflow "
        "records it. *Task*: the median of the run's tasks' recorded durations. *Longest path*: "
        "the longest path through the DAG of the tasks' durations; the rest of the run is "
        "waiting (for the scheduler's loop, for a free slot of the 4, for a process to start).",
        "",
        "| nodes | Airflow | DAG | tasks | run | × no-op | × default no-op | task | task − no-op task "
        "| longest path | waiting |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, by_setting in data["scheduled"].items():
        for setting, by_execution in by_setting.items():
            noop = by_execution["noop"]
            # Airflow's own cost: the no-op DAG under Airflow's default settings, where it was run
            default_noop = by_setting.get("default", by_execution)["noop"]
            for execution, runs in by_execution.items():
                run_s, path_s = median(runs, "run_s"), median(runs, "longest_path_s")
                target = TARGETS.get(execution)
                ratio, mark = _ratio(run_s, median(noop, "run_s"), target)
                default_ratio, default_mark = _ratio(run_s, median(default_noop, "run_s"), target)
                over = task_median(runs) - task_median(noop)
                over_text = "" if execution == "noop" else f"{over:+.2f} s"
                if execution == "tasks":
                    over_text += " ✓" if over <= TASK_TARGET_S else f" ✗ (target {TASK_TARGET_S} s)"
                lines.append(
                    f"| {size} | {setting} | {execution} | {len(runs[0]['task_s'])} | {run_s:.1f} s | "
                    f"{ratio:.2f}×{mark} | {default_ratio:.2f}×{default_mark} | {task_median(runs):.2f} s | "
                    f"{over_text} | {path_s:.1f} s | {run_s - path_s:.1f} s |"
                )
        lines.append(f"| {size} | | `kedro run` | | {data['kedro_run'][size]:.1f} s | | | | | | |")
    lines += [
        "",
        "## One task's run, step by step",
        "",
        "`task_steps.py`: the runner's steps for one node of the "
        f"{min(data['scheduled'])}-node project, in a fresh process that has imported Airflow as a "
        "task process has, as `run_nodes` takes them (seconds):",
        "",
        "| step | default | preloaded |",
        "|---|---|---|",
    ]
    default, preloaded = data["steps"]["default"], data["steps"]["preloaded"]
    for step in default:
        lines.append(f"| {step} | {default[step]:.3f} | {preloaded.get(step, 0):.3f} |")
    lines.append(f"| **total** | {sum(default.values()):.3f} | {sum(preloaded.values()):.3f} |")
    return "\n".join([*lines, ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="40,100", help="node counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each DAG under each setting")
    parser.add_argument("--settings", default=",".join(SETTINGS), help="default, preloaded or both")
    parser.add_argument("--out", type=Path, default=HERE / "dag_runs_results.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true"}
    load_before, start = os.getloadavg()[0], time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dag-runs-") as temp:
        folder = Path(temp)
        dags = folder / "dags"
        dags.mkdir()
        prepared = {size: prepare(folder / f"n{size}", size, dags, env) for size in sizes}
        for p in prepared.values():
            p["graphs"] = {e: _graph(dags / f"{dag_id}.py") for e, dag_id in p["dag_ids"].items()}
        by_kedro = {size: Path(p["kedro_project"]) for size, p in prepared.items()}
        data: dict = {
            "kedro_run": {size: kedro_run(project, env, args.repeats) for size, project in by_kedro.items()},
            "scheduled": {size: {} for size in sizes},
        }
        first = prepared[sizes[0]]
        node = _first_node(first, next(t for t, upstream in first["graphs"]["noop"].items() if upstream))
        project = Path(first["kedro_project"])
        data["steps"] = {s: task_steps(project, node, env, s == "preloaded") for s in SETTINGS}
        postgres = PostgresServer().start()
        try:
            for setting in args.settings.split(","):
                results = under_scheduler(folder, dags, postgres, setting, prepared, args.repeats)
                for size in sizes:
                    data["scheduled"][size][setting] = results[size]
        finally:
            postgres.stop()
    text = report(data, args, (load_before, os.getloadavg()[0]), time.perf_counter() - start)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str))
    print(text)


def _first_node(prepared: dict, task_id: str) -> str:
    """A Kedro node of ``task_id`` (a task's id is its node's name, or its first node's)."""
    done = subprocess.run(
        [str(BIN / "kedro-taskflow"), "plan", "--json"],
        cwd=prepared["kedro_project"],
        capture_output=True,
        text=True,
        check=True,
    )
    (dag,) = json.loads(done.stdout)["dags"]
    return next(t["nodes"][0] for t in dag["tasks"] if t["task_id"] == task_id)


if __name__ == "__main__":
    main()
