"""airflow.yml's YAML data -> ``AirflowConfig``: every section, key, value and selector checked; the
first problem raises ``UsageError`` naming the file, the key's path and a fix."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kedro_taskflow.config import flavours, selectors
from kedro_taskflow.config.schema import CHECKS, DEFAULT_SECTION, FLAVOUR, SELECTOR_CHECKS, TASKS, canonical
from kedro_taskflow.config.values import OnPipeline, checked
from kedro_taskflow.config.where import Where, did_you_mean
from kedro_taskflow.model import NodeSpec


@dataclass(frozen=True)
class Section:
    values: Mapping[str, object]
    tasks: Mapping[str, Mapping[str, object]]  # selector -> values


@dataclass(frozen=True)
class AirflowConfig:
    """airflow.yml, validated: ``default`` and pipeline sections, and the file each section is in."""

    sections: Mapping[str, Section]
    files: Mapping[str, str] = field(default_factory=dict)

    def section(self, name: str) -> Section:
        return self.sections.get(name) or Section({}, {})

    def where(self, section: str) -> Where:
        return Where.section(self.files, section)


def parse(
    raw: Mapping[str, object],
    files: Mapping[str, str],
    pipelines: Mapping[str, Sequence[NodeSpec]],
) -> AirflowConfig:
    """Check every section, key, value and selector; the first problem raises ``UsageError``."""
    sections = {}
    for name, body in raw.items():
        where = Where.section(files, str(name))
        if name != DEFAULT_SECTION and name not in pipelines:
            known = [DEFAULT_SECTION, *sorted(pipelines)]
            raise where.error(
                "is neither `default` nor a pipeline of the project",
                did_you_mean(str(name), known, "sections are `default` and pipeline names"),
            )
        if not isinstance(body, Mapping):
            raise where.error(
                f"must be a mapping of settings, not {body!r}", "write `key: value` lines under it"
            )
        nodes = [n for ns in pipelines.values() for n in ns] if name == DEFAULT_SECTION else pipelines[name]
        sections[name] = _section(body, where, nodes)
    for name, section in sections.items():
        on = section.values.get("schedule")
        if isinstance(on, OnPipeline):
            outputs = _pipeline_outputs(
                on.pipeline, sections, pipelines, Where.section(files, name).at("schedule")
            )
            sections[name] = Section(
                {**section.values, "schedule": OnPipeline(on.pipeline, outputs)}, section.tasks
            )
    return AirflowConfig(sections, files)


def _with_flavour(checks: Mapping, where: Where) -> dict:
    """``checks`` with the flavour's own parsing, which names the flavour's arguments by their path."""
    return {**checks, FLAVOUR: functools.partial(flavours.parse, where=where.at(FLAVOUR))}


def _section(body: Mapping, where: Where, nodes: Sequence[NodeSpec]) -> Section:
    values = checked(body, where, _with_flavour(CHECKS, where))
    if "schedule" in values and "schedule_interval" in values:
        raise where.at("schedule_interval").error(
            "repeats `schedule`", "keep one of them (`schedule_interval` is its older name)"
        )
    values = {canonical(key): value for key, value in values.items()}
    tasks = body.get(TASKS) or {}
    at_tasks = where.at(TASKS)
    if not isinstance(tasks, Mapping):
        raise at_tasks.error(
            f"must map selectors to settings, not {tasks!r}", 'write e.g. `"tag:ingest": {pool: ingest_pool}`'
        )
    selected = {}
    for selector, settings in tasks.items():
        at = at_tasks.at(str(selector))
        selectors.check(str(selector), at, nodes)
        if not isinstance(settings, Mapping):
            raise at.error(
                f"must be a mapping of task settings, not {settings!r}", "write e.g. `{pool: ingest_pool}`"
            )
        selected[str(selector)] = checked(settings, at, _with_flavour(SELECTOR_CHECKS, at))
    return Section(values, selected)


def _pipeline_outputs(
    pipeline: str, sections: Mapping[str, Section], pipelines: Mapping[str, Sequence[NodeSpec]], where: Where
) -> tuple[str, ...]:
    """What ``pipeline``'s nodes save, when its DAG declares them as Datasets (``datasets: true``)."""
    if pipeline not in pipelines:
        raise where.error(
            f"names {pipeline!r}, which is not a pipeline of the project",
            did_you_mean(pipeline, sorted(pipelines), "the pipelines are"),
        )
    declared = [
        s.values["datasets"]
        for s in (sections.get(pipeline), sections.get(DEFAULT_SECTION))
        if s and "datasets" in s.values
    ]
    if not (declared and declared[0]):
        raise where.error(
            f"names pipeline {pipeline!r}, whose DAG does not declare the datasets it saves",
            f"set `datasets: true` under `{DEFAULT_SECTION if pipeline.startswith('_') else pipeline}`",
        )
    return tuple(sorted({d for n in pipelines[pipeline] for d in n.outputs}))
