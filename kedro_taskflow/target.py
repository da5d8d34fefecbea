"""What a DAG file is rendered for: an Airflow version, the workers' view of the project, and the
command that regenerates it. Plain data; planning never sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class AirflowVersion(IntEnum):
    """The major Airflow version a file is written for."""

    AIRFLOW_2 = 2
    AIRFLOW_3 = 3


@dataclass(frozen=True)
class Deployment:
    """Where and how the generated DAG finds the project on Airflow workers."""

    env: str | None = None
    conf_source: str | None = None
    project_path: str | None = None  # None: relative to the DAG file, see `levels_up`
    levels_up: int = 1  # Path(__file__).resolve().parents[levels_up] is the project


@dataclass(frozen=True)
class Target:
    airflow_version: AirflowVersion = AirflowVersion.AIRFLOW_2
    deployment: Deployment = field(default_factory=Deployment)
    command: str = "kedro-taskflow generate"  # the command line that regenerates the file
