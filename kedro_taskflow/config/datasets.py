"""Datasets as Airflow Datasets/Assets: each task's outlets (``datasets: true``), their URIs (the
catalog's filepath, or ``dataset_uris``), and a schedule on datasets or on another pipeline."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from kedro_taskflow.config.parsing import AirflowConfig, Section
from kedro_taskflow.config.schema import DEFAULT_SECTION
from kedro_taskflow.config.values import OnPipeline
from kedro_taskflow.model import DagPlan


def dataset_uri(package: str, filepath: str) -> str:
    """A dataset's URI from its catalog filepath: as is when it has a scheme (``s3://...``),
    ``file://`` when absolute, else ``x-kedro://<package>/<path in the project>`` (Airflow's
    ``x-`` prefix marks a scheme of our own; no path of the machine that generates)."""
    if "://" in filepath:
        return filepath
    if filepath.startswith("/"):
        return "file://" + filepath
    return f"x-kedro://{package}/{filepath.removeprefix('./')}"


def _uris(section: Section) -> dict[str, str]:
    uris = section.values.get("dataset_uris")
    return dict(uris) if isinstance(uris, Mapping) else {}


def with_datasets(
    plan: DagPlan, config: AirflowConfig, default: Section, own: Section, filepaths: Mapping[str, str]
) -> DagPlan:
    """The plan with what triggers it (``schedule_on``) and, with ``datasets: true``, each task's outlets."""
    uris = {**_uris(default), **_uris(own)}

    def catalog_uri(name: str) -> str | None:
        return dataset_uri(plan.package_name, filepaths[name]) if filepaths.get(name) else None

    def uri(name: str) -> str | None:
        return uris.get(name) or catalog_uri(name)

    section = plan.pipeline if "schedule" in own.values else DEFAULT_SECTION
    schedule = (own if section == plan.pipeline else default).values.get("schedule")
    where = config.where(section).at("schedule")
    schedule_on: tuple[str, ...] = ()
    if isinstance(schedule, OnPipeline):
        if schedule.pipeline == plan.pipeline:
            raise where.error("names the DAG's own pipeline", "name another pipeline")
        # Their outlets' URIs, which their own section's `dataset_uris` may override.
        theirs = {**uris, **_uris(config.section(schedule.pipeline))}
        schedule_on = tuple(sorted({u for d in schedule.outputs if (u := theirs.get(d) or catalog_uri(d))}))
        if not schedule_on:
            raise where.error(
                f"names pipeline {schedule.pipeline!r}, which saves no dataset with a catalog filepath",
                "name a pipeline that saves persisted datasets, or give them URIs under `dataset_uris`",
            )
    if isinstance(schedule, tuple):
        found = {name: uri(name) for name in schedule}
        missing = [name for name in schedule if found[name] is None]
        if missing:
            raise where.error(
                f"names datasets with no filepath in the catalog: {', '.join(map(repr, missing))}",
                "name persisted datasets, or give them URIs under `dataset_uris`",
            )
        schedule_on = tuple(dict.fromkeys(u for name in schedule if (u := found[name])))
    declared = own.values.get("datasets", default.values.get("datasets", False))
    if not declared:
        return dataclasses.replace(plan, schedule_on=schedule_on)
    tasks = tuple(
        dataclasses.replace(task, outlets=tuple(dict.fromkeys(u for d in task.outputs if (u := uri(d)))))
        for task in plan.tasks
    )
    return dataclasses.replace(plan, tasks=tasks, schedule_on=schedule_on)
