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
