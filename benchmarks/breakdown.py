"""Time each stage of ``kedro-taskflow generate --airflow-version 3`` in one fresh process.

Calls the stages the CLI calls, in its order, for the project's ``__default__`` pipeline:
import, read (kedro.inspection, which imports Kedro and the project), plan, build the syntax tree
(libcst), tree to text, black, write. Writes the file under ``--target`` so that the caller can
check it is the CLI's file, byte for byte.

Usage: python breakdown.py PROJECT --target FOLDER ; prints one JSON object of seconds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

STAGES = ("import", "read", "plan", "build tree", "tree to text", "black", "write")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--target", type=Path, required=True)
    args = parser.parse_args()
    seconds = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = now - clock
        clock = now

    import black

    from kedro_taskflow import reader, writer
    from kedro_taskflow.cli import DEFAULT_TARGET
    from kedro_taskflow.codegen import BLACK_MODE
    from kedro_taskflow.codegen.dag_module import build_module
    from kedro_taskflow.model import Deployment
    from kedro_taskflow.planning import plan_dag

    lap("import")
    spec = reader.read_project(args.project.resolve())
    lap("read")
    deployment = Deployment(levels_up=len(Path(DEFAULT_TARGET).parts))
    command = "kedro-taskflow generate --airflow-version 3"  # what the CLI writes into the file
    plan = plan_dag(spec, "__default__", deployment, command, airflow_version=3)
    lap("plan")
    module = build_module(plan)
    lap("build tree")
    code = module.code
    lap("tree to text")
    text = black.format_str(code, mode=BLACK_MODE)
    lap("black")
    writer.prepare_dir(args.target)
    writer.write({args.target / plan.file_name: text})
    lap("write")
    print(json.dumps({"seconds": seconds, "file": str(args.target / plan.file_name)}))


if __name__ == "__main__":
    main()
