"""A team's own DAG around the spaceflights pipeline: extract, the pipeline, notify.

Written by hand, not generated: kedro-taskflow never writes this file. It imports the
pipeline as a task group from spaceflights_group.py (``kedro-taskflow generate --as
task-group``), which regenerating keeps in step with the pipeline. A run of this DAG is
one Kedro run: one version for the versioned datasets, and the trigger's conf as runtime
parameters.
"""

from __future__ import annotations

import logging

import pendulum
from spaceflights_group import spaceflights_group

try:
    from airflow.sdk import dag, task  # Airflow 3
except ImportError:
    from airflow.decorators import dag, task  # Airflow 2


@dag(
    dag_id="spaceflights_team",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["spaceflights"],
)
def spaceflights_team():
    @task
    def extract():
        """Stands for the team's extraction: the raw data is already in data/01_raw."""

    @task
    def notify():
        """Stands for the team's notification, once the model is trained."""
        logging.getLogger(__name__).info("spaceflights: the model is trained")

    extract() >> spaceflights_group() >> notify()


spaceflights_team()
