"""airflow.yml's values: what config.parse refuses before anything reaches the generated code."""

from __future__ import annotations

import math

import pytest

from kedro_taskflow import config
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import NodeSpec

PIPELINES = {"__default__": (NodeSpec("load"),)}


@pytest.mark.parametrize("minutes", [0, -1, math.inf, math.nan, True, "5"])
def test_minutes_must_be_a_finite_positive_number(minutes):
    """``.inf`` in YAML would otherwise be written as the bare name ``inf``."""
    with pytest.raises(UsageError, match=r"default\.retry_delay must be a number of minutes > 0"):
        config.parse({"default": {"retry_delay": minutes}}, {}, PIPELINES)


@pytest.mark.parametrize("minutes", [5, 0.5])
def test_finite_minutes_are_kept(minutes):
    parsed = config.parse({"default": {"retry_delay": minutes}}, {}, PIPELINES)
    assert parsed.section("default").values["retry_delay"] == minutes


def _execution(raw: dict, flag: str | None = None, pipeline: str = "__default__"):
    from kedro_taskflow.model import PipelineSpec, ProjectSpec
    from kedro_taskflow.planning import plan_dag

    spec = ProjectSpec("p", "p", (PipelineSpec("__default__", (NodeSpec("load"),)),), frozenset())
    parsed = config.parse(raw, {}, PIPELINES)
    return config.apply(plan_dag(spec, pipeline), parsed, execution=flag).setting("execution")


@pytest.mark.parametrize(
    ("raw", "flag", "value", "source"),
    [
        ({}, None, "tasks", "built-in"),
        ({"default": {"execution": "watcher"}}, None, "watcher", "default"),
        (
            {"default": {"execution": "watcher"}, "__default__": {"execution": "tasks"}},
            None,
            "tasks",
            "pipeline",
        ),
        ({"default": {"execution": "watcher"}}, "tasks", "tasks", "command line"),
        ({}, "watcher", "watcher", "command line"),
    ],
)
def test_execution_comes_from_the_flag_then_the_pipeline_then_default(raw, flag, value, source):
    setting = _execution(raw, flag)
    assert (setting.value, setting.source) == (value, source)


def test_an_unknown_execution_is_refused_naming_the_choices():
    with pytest.raises(UsageError) as error:
        config.parse({"default": {"execution": "cosmos"}}, {}, PIPELINES)
    assert str(error.value) == (
        "conf/base/airflow.yml: default.execution must be one of tasks, watcher, not 'cosmos': "
        "write e.g. `execution: watcher`."
    )


def test_watcher_execution_refuses_isolated_tasks():
    raw = {"default": {"execution": "watcher", "tasks": {"node:load": {"flavour": "virtualenv"}}}}
    with pytest.raises(UsageError) as error:
        _execution(raw)
    assert str(error.value) == (
        "conf/base/airflow.yml: default.execution runs every node in one task, where task 'load' cannot "
        "run isolated (flavour): drop the flavour, or write `execution: tasks`."
    )


@pytest.mark.parametrize(
    ("raw", "form"),
    [
        ({}, "dag"),
        ({"default": {"as": "task_group"}}, "task_group"),
        ({"default": {"as": "task_group"}, "__default__": {"as": "dag"}}, "dag"),
    ],
)
def test_as_comes_from_the_pipeline_then_default_and_is_no_setting_of_the_plan(raw, form):
    from kedro_taskflow.model import PipelineSpec, ProjectSpec
    from kedro_taskflow.planning import plan_dag

    parsed = config.parse(raw, {}, PIPELINES)
    assert config.form(parsed, "__default__").value == form
    spec = ProjectSpec("p", "p", (PipelineSpec("__default__", (NodeSpec("load"),)),), frozenset())
    plan = plan_dag(spec, "__default__")
    assert config.apply(plan, parsed) == config.apply(plan, config.parse({}, {}, PIPELINES))
