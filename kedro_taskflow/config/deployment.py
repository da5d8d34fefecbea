"""What a DAG's settings must agree with where it runs: an isolated task knows the project's path
there; watcher execution has no isolated task; on workers that share no disk
(``shared_filesystem: false``), no task loads what another saved on a local path."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kedro_taskflow.config.flavours import arguments, flavour_of
from kedro_taskflow.config.parsing import AirflowConfig
from kedro_taskflow.config.schema import (
    COMMAND_LINE,
    DEFAULT_SECTION,
    EXECUTION,
    FLAVOUR,
    SHARED_FILESYSTEM,
    TASKS,
)
from kedro_taskflow.errors import ENV, GROUP_BY, WORKER_PROJECT_PATH, UsageError
from kedro_taskflow.errors import EXECUTION as EXECUTION_OPTION
from kedro_taskflow.model import DagPlan, Execution, Setting, Storage, TaskPlan, base_dataset


def check_watched(
    pipeline: str, execution: Setting, tasks: Sequence[TaskPlan], config: AirflowConfig
) -> None:
    """Watcher execution runs every node in its producer task: no node can run isolated."""
    isolated = next((t for t in tasks if flavour_of(t) is not None), None)
    if execution.value != Execution.WATCHER.value or isolated is None:
        return
    problem = f"runs every node in one task, where task {isolated.task_id!r} cannot run isolated (flavour)"
    if execution.source == COMMAND_LINE:
        raise UsageError(
            EXECUTION_OPTION,
            f" watcher {problem}: drop its flavour, or generate with ",
            EXECUTION_OPTION,
            " tasks.",
        )
    section = pipeline if execution.source == "pipeline" else DEFAULT_SECTION
    raise config.where(section).at(EXECUTION).error(problem, "drop the flavour, or write `execution: tasks`")


def isolated_project_path(
    plan: DagPlan, config: AirflowConfig, task: TaskPlan, worker_path: str | None
) -> str | None:
    """The absolute project path an isolated task (one with a flavour) runs against, or None
    for a task that is not isolated; ``UsageError`` when neither the flavour's ``project_path``
    nor ``--worker-project-path`` gives one (the DAG file's folder means nothing there)."""
    flavour = flavour_of(task)
    if flavour is None:
        return None
    name, args = arguments(flavour)
    path = args.get("project_path") or worker_path
    if isinstance(path, str):
        return path
    selector = flavour.source if ":" in flavour.source else None
    in_own = flavour.source == "pipeline" or (
        selector is not None and FLAVOUR in config.section(plan.pipeline).tasks.get(selector, {})
    )
    where = config.where(plan.pipeline if in_own else DEFAULT_SECTION)
    if selector is not None:
        where = where.at(TASKS).at(selector)
    raise where.at(FLAVOUR).error(
        f"runs task {task.task_id!r} isolated, where the DAG file's folder is not the project",
        "pass ",
        WORKER_PROJECT_PATH,
        f", or write e.g. `{FLAVOUR}: {{{name}: {{project_path: /opt/project}}}}`",
    )


@dataclass(frozen=True)
class Crossing:
    """A dataset on a local path that one task saves and other tasks load."""

    dataset: str
    storage: Storage
    saved_by: tuple[str, ...]  # task ids
    loaded_by: tuple[str, ...]

    def __str__(self) -> str:
        kind = "versioned dataset" if self.storage.versioned else "dataset"
        pattern = f" (catalog pattern {self.storage.pattern!r})" if self.storage.pattern is not None else ""
        return (
            f"{kind} {self.dataset!r} at {self.storage.path}{pattern}, saved by {_listed(self.saved_by)}, "
            f"loaded by {_listed(self.loaded_by)}"
        )


def _listed(names: Iterable[str]) -> str:
    return ", ".join(map(repr, names))


def is_local(path: str) -> bool:
    """On the disk of the machine a task runs on: no protocol (Kedro's ``file``), or ``file://``."""
    return "://" not in path or path.startswith("file://")


def local_crossings(plan: DagPlan, storage: Mapping[str, Storage]) -> tuple[Crossing, ...]:
    """The datasets on a local path that one task of the DAG saves and another loads, by name: on
    workers that share no disk, the loading task finds nothing there (or an older file)."""
    saved_by: dict[str, list[str]] = {}  # base dataset -> the tasks that save it
    saved_as: dict[str, str] = {}  # base dataset -> the name it is saved as
    for task in plan.tasks:
        for name in task.outputs:
            saved_by.setdefault(base_dataset(name), []).append(task.task_id)
            saved_as.setdefault(base_dataset(name), name)
    loaded_by: dict[str, list[str]] = {}
    for task in plan.tasks:
        for dataset in dict.fromkeys(map(base_dataset, task.inputs)):
            if dataset in saved_by and task.task_id not in saved_by[dataset]:
                loaded_by.setdefault(dataset, []).append(task.task_id)
    crossings = []
    for dataset, loaders in loaded_by.items():
        stored = storage.get(saved_as[dataset]) or storage.get(dataset)
        if stored is not None and is_local(stored.path):
            crossings.append(Crossing(saved_as[dataset], stored, tuple(saved_by[dataset]), tuple(loaders)))
    return tuple(sorted(crossings, key=lambda c: c.dataset))


def _declared_unshared(plan: DagPlan, config: AirflowConfig) -> str | None:
    """The section that sets ``shared_filesystem: false`` for the DAG (its own over default's)."""
    for section in (plan.pipeline, DEFAULT_SECTION):
        values = config.section(section).values
        if SHARED_FILESYSTEM in values:
            return section if values[SHARED_FILESYSTEM] is False else None
    return None


def check_shared_filesystem(
    plan: DagPlan, config: AirflowConfig, storage: Mapping[str, Storage]
) -> tuple[Crossing, ...]:
    """The DAG's local crossings; ``UsageError`` naming each one when airflow.yml says the workers
    share no disk. (Checked here, when generating: nothing of it runs on the workers.)"""
    crossings = local_crossings(plan, storage)
    section = _declared_unshared(plan, config)
    if crossings and section is not None:
        where = config.where(section).at(SHARED_FILESYSTEM)
        raise where.error(
            f"is false, but DAG {plan.dag_id!r} passes data between tasks on a local path, where a task "
            f"on another worker does not find it: {'; '.join(map(str, crossings))}",
            "put them on object storage (s3://, gs://, abfs://...) in the catalog of the environment the "
            "workers use (the one ",
            ENV,
            " names), or keep each in one task with the tasks that load it (",
            GROUP_BY,
            " namespace, or a MemoryDataset between their nodes)",
        )
    return crossings


def crossings_note(plan: DagPlan, crossings: Sequence[Crossing]) -> str:
    """What ``plan`` says of a DAG's crossings when its workers may share a disk."""
    return (
        f"DAG {plan.dag_id!r} passes data between tasks on a local path, so its tasks must share a disk "
        f"(workers that share none need `{SHARED_FILESYSTEM}: false` in airflow.yml, which refuses this): "
        f"{'; '.join(map(str, crossings))}."
    )
