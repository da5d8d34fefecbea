"""Time the steps of one task's run of one node, as ``runtime/runner.py`` takes them.

In a fresh process that first imports Airflow as a task process has it (and, with ``--preload``,
preloads Kedro as ``kedro_taskflow.runtime.preload`` does in a scheduler), then: import Kedro,
bootstrap the project, apply its logging, create the session, load its context and parameters,
its pipeline, its catalog and datasets, the DAG run's versions, and ``session.run``.

Usage: python task_steps.py PROJECT NODE [--preload] ; prints one JSON object of seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("node")
    parser.add_argument("--preload", action="store_true")
    args = parser.parse_args()
    import airflow.models  # noqa: F401
    import airflow.operators.python  # noqa: F401

    if args.preload:
        from kedro_taskflow.runtime import preload

        preload.preload()
    warnings.filterwarnings("ignore")
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = now - clock
        clock = now

    path = args.project.resolve()
    os.chdir(path)
    from kedro_taskflow.runtime import KedroProject, dag_run, runner, task_logging

    task_logging.import_kedro_project_module()
    from kedro.framework.project import pipelines
    from kedro.framework.session import KedroServiceSession

    from kedro_taskflow.runtime import run_params, versions

    lap("import Kedro")
    project = KedroProject(path.name, path)
    runner._configure(project, path)
    lap("bootstrap the project (settings)")
    task_logging.configure(path)
    lap("the project's logging")
    session = KedroServiceSession.create(project_path=path)
    lap("session (hooks)")
    run = dag_run.DagRun(version=dag_run.kedro_version(dag_run.datetime.now(dag_run.timezone.utc)))
    context = session.load_context()
    run_params.runtime_params(run.params, context.params)
    lap("context and parameters")
    nodes = pipelines[project.pipeline].filter(node_names=[args.node])
    lap("pipeline registry")
    catalog = context.catalog
    for name in sorted(nodes.datasets()):
        catalog.get(name)
    lap("catalog and datasets")
    versions.remove_earlier_attempt(catalog, nodes.all_outputs(), run.version)
    load_versions = versions.load_versions(catalog, nodes.inputs(), run.version)
    lap("the run's versions")
    session.run(
        run_id=run.version,
        pipeline_names=[project.pipeline],
        node_names=[args.node],
        load_versions=load_versions,
    )
    lap("session.run (context and catalog again, hooks, the node)")
    print(json.dumps(seconds))


if __name__ == "__main__":
    main()
