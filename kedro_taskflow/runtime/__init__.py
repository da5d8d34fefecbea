"""What generated DAGs call on Airflow workers: run named Kedro nodes in a Kedro session.

Importing this package is cheap (standard library only): DAG files import it at parse time, and
Kedro and the modules beside this one are imported only when a task runs. It never imports the
generator, libcst or black.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kedro_taskflow.runtime import dag_run

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
        variable = path_variable(self.package_name)
        path = Path(os.environ.get(variable) or self.project_path).expanduser()
        if not path.is_dir():
            raise KedroTaskflowRuntimeError(
                f"Kedro project folder {path} does not exist on this worker: deploy the project "
                f"there or set {variable} to where it is."
            )
        return path.resolve()

    def run_nodes(self, *node_names: str, run: str | dict | None = None) -> None:
        """Run exactly these nodes of the pipeline, hooks included, as part of the DAG run.

        Inside an Airflow task, the DAG run is the Kedro run: outputs are saved under the run's
        version, versioned inputs this run saved are loaded at that version, and the run's conf
        are the runtime parameters (declared parameters only). Kedro logs into the task log.
        An isolated task, which has no Airflow context, passes ``run``: ``DAG_RUN`` as rendered.
        """
        if not node_names:
            raise ValueError("run_nodes() needs at least one node name; Kedro would run the whole pipeline.")
        from kedro_taskflow.runtime import dag_run, task_logging

        current = dag_run.current() if run is None else dag_run.rendered(run)
        path = self.resolved_path()
        with _working_directory(path), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=task_logging.KEDRO_NOISE)
            task_logging.import_kedro_project_module()
            self._configure(path)
            task_logging.configure(path, isolated=run is not None)
            self._run(path, list(node_names), current)

    def _run(self, path: Path, node_names: list[str], run: dag_run.DagRun | None) -> None:
        from kedro.framework.project import pipelines
        from kedro.framework.session import KedroServiceSession

        from kedro_taskflow.runtime import run_params, versions

        with KedroServiceSession.create(
            project_path=path, env=self.env, conf_source=self.conf_source
        ) as session:
            if run is None:  # not in Airflow: a plain Kedro run of the nodes
                session.run(pipeline_names=[self.pipeline], node_names=node_names)
                return
            context = session.load_context()
            params = run_params.runtime_params(run.params, context.params) if run.params else None
            nodes = pipelines[self.pipeline].filter(node_names=node_names)
            catalog = context.catalog
            versions.remove_earlier_attempt(catalog, nodes.all_outputs(), run.version)
            session.run(
                run_id=run.version,
                pipeline_names=[self.pipeline],
                node_names=node_names,
                load_versions=versions.load_versions(catalog, nodes.inputs(), run.version),
                runtime_params=params,
            )

    def _configure(self, path: Path) -> None:
        from kedro.framework.project import configure_project
        from kedro.framework.startup import bootstrap_project

        if (path / "pyproject.toml").is_file():
            bootstrap_project(path)  # a checkout: puts its source folder on sys.path
            return
        try:
            configure_project(self.package_name)  # an installed package
        except ImportError as exc:
            raise KedroTaskflowRuntimeError(
                f"{path} has no pyproject.toml and the package {self.package_name!r} is not "
                f"installed on this worker: deploy the project or install its wheel ({exc})."
            ) from exc


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    """Kedro resolves relative catalog paths from the working directory: make it the project."""
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
