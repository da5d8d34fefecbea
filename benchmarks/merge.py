"""Time the merge of a hand-edited DAG file of N tasks with a new generation, and its verification.

The pipeline: N nodes in chains of ten, every fifth chain in a namespace (a task group). The hand
edits: a task's ``@task`` arguments, a line before a runner call, a module helper, an operator
wired after the last task. The pipeline change: one node added. Prints one JSON object of median
seconds over ``--rounds``: ``merge`` (LibCST, by identity), ``verify`` (the checks), and
``merge_verified`` (both, and the second merge that shows the result is stable).

Usage: python benchmarks/merge.py [--tasks 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from kedro_taskflow.codegen import render
from kedro_taskflow.model import GroupBy, NodeSpec, PipelineSpec, ProjectSpec, Selection
from kedro_taskflow.ownership import merge_verified
from kedro_taskflow.ownership.merge import merge
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


def median_seconds(function, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    print(
        json.dumps(
            {
                "tasks": args.tasks,
                "lines": base.count("\n"),
                "merge": median_seconds(lambda: merge(base, mine, new), args.rounds),
                "verify": median_seconds(lambda: verify(base, mine, new, merged), args.rounds),
                "merge_verified": median_seconds(lambda: merge_verified(base, mine, new), args.rounds),
            }
        )
    )


if __name__ == "__main__":
    main()
