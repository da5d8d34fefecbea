"""What generated DAGs call on Airflow workers: run named Kedro nodes in a Kedro session.

Importing this package is cheap (it imports nothing but ``typing``): DAG files import it at parse
time, in every parse of every file. Kedro and the modules beside this one (``runner``: how a task
runs its nodes) are imported only when a task runs. It never imports the generator, libcst or black.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nothing else at parse time: every import costs each parse of each DAG file
    import os
    from pathlib import Path

PATH_ENV_PREFIX = "KEDRO_TASKFLOW_PROJECT_PATH_"
# What isolated tasks (``@task.virtualenv``, ``.external_python``, ``.kubernetes``, ``.docker``) are
# given of their DAG run, where Airflow's context is not at hand: Airflow renders this argument
# into the run's date (logical, or when it was due) and conf, which ``run_nodes(run=...)`` reads.
DAG_RUN = (
    '{"date": "{{ (dag_run.logical_date or dag_run.run_after).isoformat() }}", '
    '"conf": {{ (dag_run.conf or {}) | tojson }}}'
)


def path_variable(package_name: str) -> str:
    """The environment variable that overrides a project's path on the workers."""
    return PATH_ENV_PREFIX + package_name.upper()


class KedroTaskflowRuntimeError(RuntimeError):
    """The project cannot be found or set up on this worker."""


class KedroProject:
    """A Kedro project as seen from an Airflow worker.

    ``project_path`` is the folder tasks run in: a checkout of the project, or, for a project
    installed as a package (``kedro package``), the folder its data paths are relative to, with
    ``conf_source`` pointing at its configuration. ``KEDRO_TASKFLOW_PROJECT_PATH_<PACKAGE>``
    (package name in upper case) overrides ``project_path`` without editing the DAG.
    """

    def __init__(
        self,
        package_name: str,
        project_path: str | os.PathLike[str],
        pipeline: str = "__default__",
        env: str | None = None,
        conf_source: str | None = None,
    ) -> None:
        self.package_name = package_name
        self.project_path = project_path
        self.pipeline = pipeline
        self.env = env
        self.conf_source = conf_source

    def resolved_path(self) -> Path:
        from kedro_taskflow.runtime import runner

        return runner.resolved_path(self)

    def run_nodes(
        self, *node_names: str, run: str | dict | None = None, outcomes: dict | None = None
    ) -> None:
        """Run exactly these nodes of the pipeline, hooks included, as part of the DAG run.

        Inside an Airflow task, the DAG run is the Kedro run: outputs are saved under the run's
        version, versioned inputs this run saved are loaded at that version, and the run's conf
        are the runtime parameters (declared parameters only). Kedro logs into the task log.
        An isolated task, which has no Airflow context, passes ``run``: ``DAG_RUN`` as rendered.
        A node's task in watcher execution passes ``outcomes``, what ``run_dag`` returned: it
        reports its nodes' outcomes from there, and runs them only when it runs again (a retry,
        or cleared) or when they did not run there.
        """
        if not node_names:
            raise ValueError("run_nodes() needs at least one node name; Kedro would run the whole pipeline.")
        if outcomes is not None:
            from kedro_taskflow.runtime import dag_run, watcher

            if watcher.report(outcomes, list(node_names), dag_run.attempt()):
                return
        from kedro_taskflow.runtime import runner

        runner.run_nodes(self, list(node_names), run)

    def run_dag(self, *node_names: str) -> dict:
        """Run these nodes, the DAG's, in one Kedro session (hooks fire once), past failing ones;
        return each node's outcome, which its task reports (watcher execution's producer)."""
        if not node_names:
            raise ValueError("run_dag() needs at least one node name; Kedro would run the whole pipeline.")
        from kedro_taskflow.runtime import runner

        return runner.run_dag(self, list(node_names))
