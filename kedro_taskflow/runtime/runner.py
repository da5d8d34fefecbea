"""How a ``KedroProject`` runs nodes on a worker: imported when a task runs, never at parse time."""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kedro_taskflow.runtime import (
    KedroProject,
    KedroTaskflowRuntimeError,
    dag_run,
    path_variable,
    task_logging,
)


def resolved_path(project: KedroProject) -> Path:
    variable = path_variable(project.package_name)
    path = Path(os.environ.get(variable) or project.project_path).expanduser()
    if not path.is_dir():
        raise KedroTaskflowRuntimeError(
            f"Kedro project folder {path} does not exist on this worker: deploy the project "
            f"there or set {variable} to where it is."
        )
    return path.resolve()


def run_nodes(
    project: KedroProject,
    node_names: list[str],
    run: str | dict | None,
    runner: Callable[[], Any] | None = None,
) -> None:
    """``run``: what an isolated task is given of its DAG run (``DAG_RUN``, rendered); else None.
    ``runner``: makes the Kedro runner (Kedro's default when None), once Kedro is imported as
    ``task_logging`` imports it (importing ``kedro.runner`` first would set up Kedro's console
    logging, which Airflow 2 redirects into itself forever)."""
    current = dag_run.current() if run is None else dag_run.rendered(run)
    at_once = failing_at_once if current is not None else contextlib.nullcontext
    with at_once():
        path = resolved_path(project)
    with working_directory(path), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=task_logging.KEDRO_NOISE)
        with at_once():
            task_logging.import_kedro_project_module()
            _configure(project, path)
            task_logging.configure(path, isolated=run is not None)
        _run(project, path, node_names, current, runner)


def run_dag(project: KedroProject, node_names: list[str]) -> dict[str, Any]:
    """Watcher execution's producer: the nodes in one Kedro session, past failing ones; what each
    node's task reports (``watcher.report``): the producer's attempt and each node's outcome."""
    from kedro_taskflow.runtime import watcher

    outcomes: dict[str, dict[str, Any]] = {}
    try:
        run_nodes(project, node_names, None, lambda: watcher.runner(outcomes, watcher.Recorder()))
    except watcher.NodeFailed as failed:  # reported by the nodes' tasks, which fail
        logging.getLogger(__name__).warning("%s Their tasks fail with their errors.", failed)
    return {"attempt": dag_run.attempt(), "nodes": outcomes}


@contextlib.contextmanager
def failing_at_once() -> Iterator[None]:
    """What fails here fails alike on every attempt (the project's folder, its setup and
    configuration, the run's conf, the node names): the task fails at once, without its retries.
    Airflow's exception is looked up only then, so that nothing of Airflow is imported before."""
    try:
        yield
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc} (not retried: every attempt would fail alike)"
        raise _fail_exception()(message) from exc


def _fail_exception() -> type[Exception]:
    try:
        from airflow.sdk.exceptions import AirflowFailException  # Airflow 3
    except ImportError:
        from airflow.exceptions import AirflowFailException  # Airflow 2
    return AirflowFailException


def _run(
    project: KedroProject,
    path: Path,
    node_names: list[str],
    run: dag_run.DagRun | None,
    runner: Callable[[], Any] | None,
) -> None:
    from kedro.framework.project import pipelines
    from kedro.framework.session import KedroServiceSession

    from kedro_taskflow.runtime import run_params, versions

    if run is None:  # not in Airflow: a plain Kedro run of the nodes
        with KedroServiceSession.create(
            project_path=path, env=project.env, conf_source=project.conf_source
        ) as session:
            session.run(pipeline_names=[project.pipeline], node_names=node_names, runner=runner and runner())
        return
    with failing_at_once():
        session = KedroServiceSession.create(
            project_path=path, env=project.env, conf_source=project.conf_source
        )
    with session:
        with failing_at_once():
            context = session.load_context()
            params = run_params.runtime_params(run.params, context.params) if run.params else None
            nodes = pipelines[project.pipeline].filter(node_names=node_names)
            catalog = context.catalog
            for name in sorted(nodes.datasets()):  # Kedro builds datasets lazily: here, not mid-run
                catalog.get(name)
        versions.remove_earlier_attempt(catalog, nodes.all_outputs(), run.version)
        session.run(
            run_id=run.version,
            pipeline_names=[project.pipeline],
            node_names=node_names,
            load_versions=versions.load_versions(catalog, nodes.inputs(), run.version),
            runtime_params=params,
            runner=runner and runner(),
        )


def _configure(project: KedroProject, path: Path) -> None:
    from kedro.framework.project import configure_project
    from kedro.framework.startup import bootstrap_project

    if (path / "pyproject.toml").is_file():
        bootstrap_project(path)  # a checkout: puts its source folder on sys.path
        return
    try:
        configure_project(project.package_name)  # an installed package
    except ImportError as exc:
        raise KedroTaskflowRuntimeError(
            f"{path} has no pyproject.toml and the package {project.package_name!r} is not "
            f"installed on this worker: deploy the project or install its wheel ({exc})."
        ) from exc


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """Kedro resolves relative paths from the working directory, and Kedro's CLI runs in the
    project folder: make it the project's, then restore it (the reader too loads a project so)."""
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
