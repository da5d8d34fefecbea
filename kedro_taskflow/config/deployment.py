"""What a DAG's settings must agree with where it runs: an isolated task knows the project's path
there; watcher execution has no isolated task."""

from __future__ import annotations

from collections.abc import Sequence

from kedro_taskflow.config.flavours import arguments, flavour_of
from kedro_taskflow.config.parsing import AirflowConfig
from kedro_taskflow.config.schema import COMMAND_LINE, DEFAULT_SECTION, EXECUTION, FLAVOUR, TASKS
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import DagPlan, Execution, Setting, TaskPlan


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
            f"--execution watcher {problem}: drop its flavour, or generate with --execution tasks."
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
        f"pass --worker-project-path, or write e.g. `{FLAVOUR}: {{{name}: {{project_path: /opt/project}}}}`",
    )
