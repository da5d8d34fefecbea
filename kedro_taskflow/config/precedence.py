"""Which value each DAG and task setting takes, and from where: node > namespace (a deeper one over
its parent) > tag > the pipeline's section > ``default`` > built-in; a task holding several nodes
takes, for each key, the values of the highest precedence any of its nodes has, combined by
``COMBINE`` (the strictest timeout, the most retries, slots and weight; for text, the first node's
in run order)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping

from kedro_taskflow.config.datasets import with_datasets
from kedro_taskflow.config.deployment import check_watched
from kedro_taskflow.config.parsing import AirflowConfig
from kedro_taskflow.config.schema import (
    AS,
    BUILT_IN,
    COMMAND_LINE,
    DAG_KEYS,
    DEFAULT_ARGS,
    DEFAULT_SECTION,
    EXECUTION,
    FLAVOUR,
    SELECTOR_KEYS,
)
from kedro_taskflow.config.selectors import matches, rank
from kedro_taskflow.model import DagPlan, Execution, Setting, TaskPlan
from kedro_taskflow.target import Form

COMBINE: dict[str, Callable[[Iterable], object]] = {
    "execution_timeout": min,
    "retries": max,
    "retry_delay": max,
    "pool_slots": max,
    "priority_weight": max,
}


def apply(
    plan: DagPlan,
    config: AirflowConfig,
    filepaths: Mapping[str, str] | None = None,
    execution: Execution | None = None,
) -> DagPlan:
    """The plan with its DAG's settings, each task's effective settings, and datasets.
    ``execution`` (``--execution``), when given, wins over airflow.yml's."""
    default, own = config.section(DEFAULT_SECTION), config.section(plan.pipeline)
    plan = with_datasets(plan, config, default, own, filepaths or {})
    dag_settings = []
    for key in (*DAG_KEYS, *DEFAULT_ARGS, EXECUTION):
        if key in own.values:
            dag_settings.append(Setting(key, own.values[key], "pipeline"))
        elif key in default.values:
            dag_settings.append(Setting(key, default.values[key], DEFAULT_SECTION))
        elif key in BUILT_IN:
            dag_settings.append(Setting(key, BUILT_IN[key], "built-in"))
    if execution is not None:
        dag_settings[-1] = Setting(EXECUTION, Execution(execution).value, COMMAND_LINE)
    selected = {s: dict(v) for s, v in default.tasks.items()}
    for s, v in own.tasks.items():
        selected[s] = {**selected.get(s, {}), **v}
    inherited = {s.key: s for s in dag_settings}
    if FLAVOUR in own.values:
        inherited[FLAVOUR] = Setting(FLAVOUR, own.values[FLAVOUR], "pipeline")
    elif FLAVOUR in default.values:
        inherited[FLAVOUR] = Setting(FLAVOUR, default.values[FLAVOUR], DEFAULT_SECTION)
    tasks = tuple(
        dataclasses.replace(task, settings=_task_settings(task, selected, inherited)) for task in plan.tasks
    )
    check_watched(plan.pipeline, dag_settings[-1], tasks, config)
    return dataclasses.replace(plan, settings=tuple(dag_settings), tasks=tasks)


def _combine(key: str, candidates: list[Setting]) -> Setting:
    """Several values of one precedence: COMBINE's choice, else the first."""
    rule = COMBINE.get(key)
    if rule is None:
        return candidates[0]
    value = rule(c.value for c in candidates)
    return next(c for c in candidates if c.value == value)


def _task_settings(
    task: TaskPlan, selected: Mapping[str, Mapping[str, object]], inherited: Mapping[str, Setting]
) -> tuple[Setting, ...]:
    result = []
    ordered = sorted(selected.items())
    for key in SELECTOR_KEYS:
        ranked: list[tuple[tuple[int, int], Setting]] = []
        for node in task.nodes:
            own = [
                (rank(s), Setting(key, values[key], s))
                for s, values in ordered
                if key in values and matches(s, node)
            ]
            if own:
                top = max(r for r, _ in own)
                ranked.append((top, _combine(key, [s for r, s in own if r == top])))
            elif key in inherited:
                ranked.append(((0, 0), inherited[key]))
        if ranked:
            top = max(r[0] for r, _ in ranked)  # node, namespace (any depth), tag, section
            result.append(_combine(key, [s for r, s in ranked if r[0] == top]))
    return tuple(result)


def form(config: AirflowConfig, pipeline: str) -> Form:
    """What the pipeline's file defines: ``as:`` of its section, else of ``default``, else a DAG."""
    own, default = config.section(pipeline).values, config.section(DEFAULT_SECTION).values
    return Form(own.get(AS, default.get(AS, Form.DAG.value)))


def given(plan: DagPlan) -> tuple[Setting, ...]:
    """The plan's DAG settings and default_args that airflow.yml gives (not built in): what a task
    group takes of them (default_args), and what it cannot (``dag_only``)."""
    return tuple(s for s in plan.settings if s.source != "built-in")


def dag_only(plan: DagPlan) -> tuple[str, ...]:
    """The DAG settings airflow.yml gives the plan, which a task group cannot take: its DAG's apply."""
    return tuple(s.key for s in given(plan) if s.key in DAG_KEYS)
