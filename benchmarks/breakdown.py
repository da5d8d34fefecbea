"""Time each stage of ``kedro-taskflow generate --airflow-version 3`` in one fresh process.

Calls the stages of ``kedro_taskflow.api``, in its order, for the project's ``__default__`` pipeline:
import, read (through Kedro's API, which imports Kedro and the project), plan, build the syntax tree
(libcst), tree to text (printing.py), format (the statements that need it: splits.py, else black),
write. Writes the file under ``--target`` so that the caller can check it is the CLI's file, byte
for byte.

The stages run with the garbage collector off, as ``kedro_taskflow.api`` runs them.

Then, apart from the stages and their total, black on the whole module as render used to format
it: its time (``black, whole module``) and whether its text is ours (``black_equal``), which the
caller requires.

Usage: python breakdown.py PROJECT --target FOLDER ; prints one JSON object of seconds.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path

STAGES = ("import", "read", "plan", "build tree", "tree to text", "format", "write")
REFERENCE = "black, whole module"  # timed after the stages, not one of them


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--target", type=Path, required=True)
    args = parser.parse_args()
    seconds = {}
    gc.disable()  # as kedro_taskflow.api runs these stages
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = now - clock
        clock = now

    import black

    from kedro_taskflow import api, writer
    from kedro_taskflow.codegen import BLACK_MODE
    from kedro_taskflow.codegen.dag_module import build_module
    from kedro_taskflow.codegen.formatting import format_code
    from kedro_taskflow.codegen.printing import print_module
    from kedro_taskflow.target import AirflowVersion

    lap("import")
    options = api.Options(airflow_version=AirflowVersion.AIRFLOW_3)  # as the CLI's --airflow-version 3
    project = api.find(args.project)
    spec = api.read(project, options)
    lap("read")
    (plan,) = api.plan_dags(spec, api.DEFAULT_PIPELINES, options)
    target = api.target_of(plan, api.deployment_of(project, project / api.DEFAULT_TARGET, options), options)
    lap("plan")
    module = build_module(plan, target)
    lap("build tree")
    printed = print_module(module)
    assert printed is not None, "the generator built a node codegen/printing.py leaves to LibCST"
    lap("tree to text")
    text = format_code(printed.code, BLACK_MODE, printed.units)
    lap("format")
    writer.prepare_dir(args.target)
    writer.write({args.target / plan.file_name: text})
    lap("write")
    whole = black.format_str(module.code, mode=BLACK_MODE)
    lap(REFERENCE)
    file = str(args.target / plan.file_name)
    print(json.dumps({"seconds": seconds, "file": file, "black_equal": whole == text}))


if __name__ == "__main__":
    main()
