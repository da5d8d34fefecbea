"""Time how long Airflow takes to parse DAG files, as its DAG processor does.

The processor imports Airflow once, calls ``gc.freeze()``, then forks a fresh child for every
parse of a file. So does this script, after a warm-up parse of a one-task DAG in the parent: each
measurement forks, loads the file in a ``DagBag`` and, as the processor does next, serializes the
DAGs. Each file is timed two ways: with its bytecode cached in ``__pycache__`` (a writable DAG
folder), and compiled from source every time (a read-only one, or PYTHONDONTWRITEBYTECODE).

It first parses ``--like`` and writes ``--minimal``: a TaskFlow DAG with the same task ids and
edges whose tasks do nothing, and nothing else; the physical limit of parsing.

Rounds go on past ``--repeats`` until ``--seconds`` have passed (small DAGs parse in milliseconds,
and the median of a few rounds moves by several percent on a shared machine), up to 20 times
``--repeats``.

Usage: python parse_dags.py --repeats R [--seconds S] --like OURS.py --minimal OUT.py FILE...
Prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import gc
import graphlib
import importlib.util
import json
import os
import py_compile
import statistics
import sys
import tempfile
import time
from pathlib import Path

import airflow

MAJOR = int(airflow.__version__.split(".")[0])
DECORATORS = "airflow.decorators" if MAJOR == 2 else "airflow.sdk"

if MAJOR == 2:
    from airflow.models import DagBag
    from airflow.serialization.serialized_objects import SerializedDAG as Serializer

    OPTIONS: dict = {"include_examples": False}
else:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization as Serializer

    OPTIONS = {"load_op_links": False}  # as the DAG processor loads files


def minimal_dag(dag_id: str, graph: dict[str, list[str]]) -> str:
    """A DAG with these task ids and upstream edges, and nothing else.

    The fastest plain form we found: in a topological order, each task is defined, made, and
    given its upstream edges before the next. Every ``>>`` hashes the DAG, which costs as much
    as the tasks it has, so earlier edges are cheaper; and keeping every task's function alive
    (``def f0``, ``def f1``, ... first, then the calls) made 1,000 tasks parse 20-50% slower.
    """
    order = list(graphlib.TopologicalSorter(graph).static_order())
    names = {task_id: f"t{i}" for i, task_id in enumerate(order)}
    lines = [
        "import pendulum",
        f"from {DECORATORS} import dag, task",
        "",
        "",
        f"@dag(dag_id={dag_id!r}, schedule=None, catchup=False,",
        '      start_date=pendulum.datetime(2024, 1, 1, tz="UTC"))',
        "def minimal():",
    ]
    for task_id, name in names.items():
        lines += [
            f"    @task(task_id={task_id!r})",
            "    def nothing():",
            "        pass",
            "",
            f"    {name} = nothing()",
        ]
        upstream = [names[u] for u in graph[task_id]]
        if upstream:
            lines.append(
                f"    {'[' + ', '.join(upstream) + ']' if len(upstream) > 1 else upstream[0]} >> {name}"
            )
        lines.append("")
    return "\n".join([*lines, "", "minimal()", ""])


def parse_in_child(path: str, graph: bool = False, bytecode: bytes | None = None) -> dict:
    """Fork, parse ``path`` in the child, and return what the child saw.

    With ``bytecode``, the file's cache in ``__pycache__`` holds it; without, the child compiles
    the source and writes no cache.
    """
    cache = Path(importlib.util.cache_from_source(path))
    if bytecode is None:
        cache.unlink(missing_ok=True)
    else:
        cache.write_bytes(bytecode)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report on the pipe, never return
        os.close(read_fd)
        sys.dont_write_bytecode = True
        code = 0
        try:
            report = _parse(path, graph)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            report, code = {"crash": f"{type(exc).__name__}: {exc}"}, 1
        with os.fdopen(write_fd, "w") as pipe:
            pipe.write(json.dumps(report))
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        report = json.loads(pipe.read())
    os.waitpid(pid, 0)
    return report


def _parse(path: str, graph: bool) -> dict:
    before = set(sys.modules)
    start = time.perf_counter()
    bag = DagBag(dag_folder=path, **OPTIONS)
    parsed = time.perf_counter()
    for dag in bag.dags.values():
        Serializer.to_dict(dag)
    serialized = time.perf_counter()
    new = {m.split(".")[0] for m in set(sys.modules) - before}
    report = {
        "parse": parsed - start,
        "parse_serialize": serialized - start,
        "errors": {k: str(v)[-2000:] for k, v in bag.import_errors.items()},
        "tasks": sum(len(dag.tasks) for dag in bag.dags.values()),
        "edges": sum(len(t.upstream_task_ids) for dag in bag.dags.values() for t in dag.tasks),
        "new_packages": sorted(p for p in new if p != "airflow" and not p.startswith("unusual_prefix_")),
        "kedro_taskflow": getattr(sys.modules.get("kedro_taskflow"), "__file__", None),
    }
    if graph and len(bag.dags) == 1:
        (dag,) = bag.dags.values()
        report["dag_id"] = dag.dag_id
        report["graph"] = {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}
    return report


def _bytecode(path: str) -> bytes:
    """The bytecode cache that importing ``path`` would write."""
    mode = py_compile.PycInvalidationMode.TIMESTAMP
    return Path(py_compile.compile(path, doraise=True, invalidation_mode=mode)).read_bytes()


def summary(first: dict, cached: list[dict], compiled: list[dict]) -> dict:
    """Medians, the cached parses and their min, in seconds; what the file imported; errors."""
    return {
        "parse": statistics.median(r["parse"] for r in cached),
        "parse_runs": [r["parse"] for r in cached],
        "rounds": len(cached),
        "parse_min": min(r["parse"] for r in cached),
        "parse_serialize": statistics.median(r["parse_serialize"] for r in cached),
        "parse_compile": statistics.median(r["parse"] for r in compiled),
        "tasks": first["tasks"],
        "edges": first["edges"],
        "new_packages": first["new_packages"],
        "kedro_taskflow": first["kedro_taskflow"],
        "errors": first["errors"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="other DAG files to time")
    parser.add_argument("--like", required=True, help="the DAG file the minimal DAG copies")
    parser.add_argument("--minimal", required=True, help="where to write the minimal DAG")
    parser.add_argument("--repeats", type=int, default=10, help="rounds at least")
    parser.add_argument("--seconds", type=float, default=0.0, help="and rounds until this much time passed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:  # Airflow's lazy imports, done once in the parent
        warm_up = Path(folder) / "warm_up.py"
        warm_up.write_text(minimal_dag("warm_up", {"nothing": []}))
        bag = DagBag(dag_folder=str(warm_up), **OPTIONS)
        assert not bag.import_errors, bag.import_errors
        Serializer.to_dict(bag.dags["warm_up"])
    gc.freeze()  # the garbage collector of the children leaves the parent's objects alone

    like = parse_in_child(args.like, graph=True)
    if "crash" in like or like["errors"]:
        sys.exit(f"{args.like} does not load: {like}")
    Path(args.minimal).write_text(minimal_dag(f"{like['dag_id']}_minimal", like["graph"]))
    files = [args.minimal, args.like, *args.files]
    others = [f for f in files if f != args.like]
    first = {args.like: like} | {f: parse_in_child(f, graph=f == args.minimal) for f in others}
    if first[args.minimal].get("graph") != like["graph"]:
        sys.exit("the minimal DAG's task graph differs from the one it copies")
    bytecode = {f: _bytecode(f) for f in files}
    cached: dict[str, list[dict]] = {f: [] for f in files}
    compiled: dict[str, list[dict]] = {f: [] for f in files}
    started = time.perf_counter()
    for done in range(20 * args.repeats):  # interleaved, so that drifts of the machine hit every file alike
        if done >= args.repeats and time.perf_counter() - started >= args.seconds:
            break
        for f in files:
            cached[f].append(parse_in_child(f, bytecode=bytecode[f]))
            compiled[f].append(parse_in_child(f))
    result = {}
    for f in files:
        crashed = [r["crash"] for r in (first[f], *cached[f], *compiled[f]) if "crash" in r]
        result[f] = {"crash": crashed[0]} if crashed else summary(first[f], cached[f], compiled[f])
    print(json.dumps({"airflow": airflow.__version__, "files": result}))


if __name__ == "__main__":
    main()
