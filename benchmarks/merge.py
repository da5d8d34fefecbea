"""Time the merge of a hand-edited DAG file of N tasks with a new generation, and its verification.

The pipeline: N nodes in chains of ten, every fifth chain in a namespace (a task group). The hand
edits: a task's ``@task`` arguments, a line before a runner call, a module helper, an operator
wired after the last task. The pipeline change: one node added. Prints one JSON object of median
seconds over ``--rounds``: ``merge`` (LibCST, by identity), ``verify`` (the checks), and
``merge_verified`` (both, and the second merge that shows the result is stable), each as wall
time and as CPU time (``_cpu``: what a busy machine does not inflate). Each round starts afresh
(no tree or code kept from the last), with Python's cyclic collector paused as ``generate`` runs
it.

Usage: python benchmarks/merge.py [--tasks 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time

from kedro_taskflow.codegen import render
from kedro_taskflow.model import GroupBy, NodeSpec, PipelineSpec, ProjectSpec, Selection
from kedro_taskflow.ownership import merge_verified
from kedro_taskflow.ownership.merge import forget, merge
from kedro_taskflow.ownership.verify import verify
from kedro_taskflow.planning import plan_dag
from kedro_taskflow.target import AirflowVersion, Deployment, Target


def nodes(count: int) -> tuple[NodeSpec, ...]:
    made = []
    for i in range(count):
        chain, step = divmod(i, 10)
        namespace = f"ns{chain}" if chain % 5 == 0 else None
        name = f"{namespace}.n{i}" if namespace else f"n{i}"
        inputs = (f"d{i - 1}",) if step else (f"raw{chain}",)
        made.append(NodeSpec(name, namespace, inputs, (f"d{i}",)))
    return tuple(made)


def generated(pipeline: tuple[NodeSpec, ...]) -> str:
    persisted = frozenset(d for n in pipeline for d in (*n.inputs, *n.outputs))
    spec = ProjectSpec("Bench", "bench", (PipelineSpec("__default__", pipeline),), persisted)
    target = Target(AirflowVersion.AIRFLOW_2, Deployment(project_path="/opt/airflow/projects/bench"))
    return render(plan_dag(spec, "__default__", GroupBy.MEMORY, Selection()), target)


def edited(text: str, count: int) -> str:
    for old, new in (
        ("    @task\n    def n11():", "    @task(retries=3)\n    def n11():"),
        ('        project.run_nodes("n12")', '        print("twelve")\n        project.run_nodes("n12")'),
        ("\n\n@dag(", '\n\ndef alert(context):\n    print("failed", context)\n\n\n@dag('),
        (f"        >> n{count - 1}()\n", f"        >> n{count - 1}()\n        >> notify\n"),
        ("    @task(retries=3)\n", '    notify = EmptyOperator(task_id="notify")\n\n    @task(retries=3)\n'),
        (
            "from kedro_taskflow.runtime import KedroProject\n",
            "from kedro_taskflow.runtime import KedroProject\n"
            "from airflow.operators.empty import EmptyOperator\n",
        ),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def median_seconds(function, rounds: int) -> tuple[float, float]:
    """The median wall and CPU seconds of ``function``."""
    wall, cpu = [], []
    for _ in range(rounds):
        forget()  # each round parses and prints as the first merge of a run does
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return round(statistics.median(wall), 3), round(statistics.median(cpu), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pipeline = nodes(args.tasks)
    base = generated(pipeline)
    mine = edited(base, args.tasks)
    new = generated((*pipeline, NodeSpec("extra", None, (f"d{args.tasks - 1}",), ("extra_out",))))
    merged = merge(base, mine, new).text
    assert merged is not None and verify(base, mine, new, merged) == (), "the benchmark's merge must verify"
    assert merge_verified(base, mine, new).text == merged
    timed = {
        "merge": lambda: merge(base, mine, new),
        "verify": lambda: verify(base, mine, new, merged),
        "merge_verified": lambda: merge_verified(base, mine, new),
    }
    report = {"tasks": args.tasks, "lines": base.count("\n")}
    gc.disable()  # as ``api.generate`` runs the merge
    for name, function in timed.items():
        report[name], report[f"{name}_cpu"] = median_seconds(function, args.rounds)
    gc.enable()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
