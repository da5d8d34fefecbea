"""Kedro imported once in Airflow's long-lived processes, so that every task process inherits it.

Airflow starts a task by forking: Airflow 2's LocalExecutor forks from the scheduler, and the
task runner forks again; Airflow 3's supervisor forks the task from its worker (unless
``execute_tasks_new_python_interpreter`` is set). What the parent has imported, a task has for
free. A task of the generated DAG otherwise imports Kedro, and the data libraries every Kedro run
imports, on every run: about 0.7 s of its cost (benchmarks/dag_runs.py).

The deployment setting is ``[core] lazy_load_plugins = False`` (``AIRFLOW__CORE__LAZY_LOAD_PLUGINS=
False``): Airflow then loads its plugins, this one among them (kedro-taskflow declares it as an
``airflow.plugins`` entry point), when any of its processes imports ``airflow``. Under Airflow's
default, plugins load lazily, in whatever process needs them, and this one imports nothing.
"""

from __future__ import annotations

import gc
import os

from airflow.plugins_manager import AirflowPlugin

# The process that preloaded Kedro; its task processes inherit it (a task can tell: not its own).
preloaded_in: int | None = None


class KedroPreload(AirflowPlugin):
    """Imports Kedro as a task would, when Airflow loads its plugins at start."""

    name = "kedro_taskflow_preload"

    @classmethod
    def on_load(cls, *args: object, **kwargs: object) -> None:
        from airflow import settings

        if not settings.LAZY_LOAD_PLUGINS:
            preload()


def preload() -> None:
    """Import what every task of the generated DAG imports before it runs its nodes: Kedro (with
    the logging the runner imports it under), its session, context, configuration and runner, the
    hook plugins every Kedro session loads, and what Kedro's ``MemoryDataset`` imports to copy data
    (pandas, numpy, ibis, when installed)."""
    global preloaded_in
    if preloaded_in is not None:  # here, or in a parent: Airflow 3 loads plugins again in a task
        return
    import importlib
    import inspect
    from importlib.metadata import entry_points

    from kedro_taskflow.runtime import task_logging

    task_logging.import_kedro_project_module()
    for module in (
        "kedro.config",
        "kedro.framework.context",
        "kedro.framework.session",
        "kedro.framework.startup",
        "kedro.runner",
        "kedro_taskflow.runtime.runner",
        "kedro_taskflow.runtime.run_params",
        "kedro_taskflow.runtime.versions",
        "kedro_taskflow.runtime.watcher",
    ):
        importlib.import_module(module)
    for plugin in entry_points(group="kedro.hooks"):  # what every session registers
        plugin.load()
    from kedro.io import MemoryDataset

    MemoryDataset().save({})  # imports what every run's parameter datasets import
    # Kedro's settings (dynaconf) call inspect.stack(), which finds the file of every module
    # imported so far, once per process: 0.1-0.2 s in a task. Find them here, once.
    inspect.stack()
    preloaded_in = os.getpid()
    # Out of every later garbage collection, here and in the forked tasks: without it each task's
    # full collections walk (and so copy) all the parent imported, and a task that does nothing
    # took 0.75 s instead of 0.25 s (Airflow 3's LocalExecutor freezes before it forks too).
    gc.freeze()
