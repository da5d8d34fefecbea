"""The Airflow DAG run a task belongs to, as the Kedro run it stands for.

One DAG run is one Kedro run: every task of it saves under one Kedro version, derived from the
run's logical date (or, on Airflow 3, from when the run was due when it has no logical date), and
runs with the run's ``conf`` as Kedro runtime parameters, as ``kedro run --params`` would.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True)
class DagRun:
    version: str  # Kedro's version string: every versioned dataset of the run saves under it
    params: dict[str, Any] = field(default_factory=dict)  # the run's conf


def current() -> DagRun | None:
    """The DAG run of the Airflow task running in this process; None outside a task."""
    context = _current_context()
    if context is None:
        return None
    dag_run = context["dag_run"]
    when = getattr(dag_run, "logical_date", None) or dag_run.run_after
    return DagRun(version=kedro_version(when), params=dict(dag_run.conf or {}))


def attempt() -> int:
    """The attempt of the Airflow task running in this process (its try number); 1 outside one."""
    context = _current_context()
    return int(context["ti"].try_number) if context is not None else 1


def rendered(text: str | dict[str, Any]) -> DagRun:
    """The DAG run from ``kedro_taskflow.runtime.DAG_RUN`` as Airflow rendered it: JSON text, or
    already a dict in a DAG that renders templates as native objects."""
    run = json.loads(text) if isinstance(text, str) else text
    return DagRun(version=kedro_version(datetime.fromisoformat(run["date"])), params=run["conf"])


def _current_context() -> Any:
    if "airflow" not in sys.modules:  # a task always runs in a process that has imported Airflow
        return None
    try:
        from airflow.sdk import get_current_context  # Airflow 3
    except ImportError:
        try:
            from airflow.operators.python import get_current_context  # Airflow 2
        except ImportError:
            return None
    try:
        return get_current_context()
    except Exception:  # Airflow's way of saying that no task is running here
        return None


def kedro_version(when: datetime) -> str:
    """``when`` in Kedro's version format (UTC, milliseconds), so versions sort by time."""
    text = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H.%M.%S.%f")
    return text[:-3] + "Z"
