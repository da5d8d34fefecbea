"""The runtime's pure parts: run params, logging without handlers, versions from dates."""

from __future__ import annotations

import logging
import logging.config
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pendulum
import pytest

from kedro_taskflow.runtime import dag_run
from kedro_taskflow.runtime.dag_run import kedro_version
from kedro_taskflow.runtime.run_params import UndeclaredParameterError, nest, runtime_params
from kedro_taskflow.runtime.task_logging import without_handlers

DECLARED = {"value": 0, "model_options": {"test_size": 0.2, "features": ["a", "b"]}, "seed": None}


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        ({"value": 3}, {"value": 3}),
        ({"model_options": {"test_size": 0.3}}, {"model_options": {"test_size": 0.3}}),
        ({"model_options.test_size": 0.3}, {"model_options": {"test_size": 0.3}}),
        (
            {"model_options.test_size": 0.3, "model_options": {"features": ["c"]}},
            {"model_options": {"test_size": 0.3, "features": ["c"]}},
        ),
        ({"model_options": {"features": ["c"]}}, {"model_options": {"features": ["c"]}}),
        ({"seed": {"anything": 1}}, {"seed": {"anything": 1}}),  # a declared value, replaced whole
    ],
)
def test_declared_parameters_pass_nested_as_kedro_merges_them(conf, expected):
    assert runtime_params(conf, DECLARED) == expected


@pytest.mark.parametrize(
    ("conf", "named"),
    [
        ({"catalog_path": "/etc/passwd"}, "'catalog_path'"),
        ({"model_options": {"filepath": "x"}}, "'model_options.filepath'"),
        ({"model_options.filepath": "x", "value": 1}, "'model_options.filepath'"),
        ({"a": 1, "b": {"c": 2}}, "'a', 'b.c'"),
    ],
)
def test_undeclared_parameters_are_refused_by_name(conf, named):
    with pytest.raises(UndeclaredParameterError) as error:
        runtime_params(conf, DECLARED)

    message = str(error.value)
    assert message.startswith(f"The DAG run's conf sets {named}, which the project does not declare")
    assert "(it declares: model_options, seed, value)" in message
    assert "\n" not in message


def test_a_dotted_key_below_a_value_is_refused():
    with pytest.raises(UndeclaredParameterError, match="'value.x' and a value above it"):
        nest({"value": 1, "value.x": 2})


def test_logging_config_keeps_levels_and_filters_and_drops_every_handler():
    spaceflights_like = {
        "version": 1,
        "disable_existing_loggers": True,
        "formatters": {"simple": {"format": "%(message)s"}},
        "filters": {"quiet": {"name": "kedro.io"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
            "rich": {"class": "kedro.logging.RichHandler"},
        },
        "loggers": {
            "kedro": {"level": "INFO"},
            "spaceflights": {"level": "DEBUG", "handlers": ["console"], "propagate": False},
            "kedro.io": {"level": "WARNING", "filters": ["quiet"]},
        },
        "root": {"level": "DEBUG", "handlers": ["rich"]},
    }

    assert without_handlers(spaceflights_like) == {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"quiet": {"name": "kedro.io"}},
        "loggers": {
            "kedro": {"level": "INFO"},
            "spaceflights": {"level": "DEBUG"},
            "kedro.io": {"level": "WARNING", "filters": ["quiet"]},
        },
    }


def test_applied_config_leaves_the_root_handlers_and_lets_records_propagate():
    root = logging.getLogger()
    sentinel = logging.NullHandler()
    root.addHandler(sentinel)
    try:
        logging.config.dictConfig(
            without_handlers({"loggers": {"project_x": {"level": "DEBUG", "propagate": False}}})
        )
        logger = logging.getLogger("project_x")
        assert sentinel in root.handlers
        assert logger.propagate and not logger.handlers and logger.level == logging.DEBUG
    finally:
        root.removeHandler(sentinel)


@pytest.mark.parametrize(
    ("when", "version"),
    [
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "2024-01-02T03.04.05.000Z"),
        (datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc), "2024-01-02T03.04.05.678Z"),
        (datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))), "2024-01-02T03.04.05.000Z"),
    ],
)
def test_versions_are_kedros_format_in_utc(when, version):
    assert kedro_version(when) == version


def test_versions_parse_with_kedros_own_format():
    from kedro.io.core import VERSION_FORMAT

    when = datetime(2030, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)
    assert datetime.strptime(kedro_version(when), VERSION_FORMAT).replace(tzinfo=timezone.utc) == when


def _render_dag_run(run, native: bool = False):
    # The environments Airflow renders templates in (native: render_template_as_native_obj=True).
    from airflow.templates import NativeEnvironment, SandboxedEnvironment

    from kedro_taskflow.runtime import DAG_RUN

    return (NativeEnvironment if native else SandboxedEnvironment)().from_string(DAG_RUN).render(dag_run=run)


@pytest.mark.parametrize("native", [False, True], ids=["text", "native"])
def test_an_isolated_task_gets_its_runs_version_and_conf_through_the_rendered_template(native):
    from airflow.models import DagRun

    conf = {"model_options": {"test_size": 0.3}, "quote": '"}{{ x }}</script>'}
    when = pendulum.datetime(2024, 5, 1, 6, 0, 0, 123000)
    run = DagRun(dag_id="d", run_id="manual__r", execution_date=when, conf=conf)

    assert dag_run.rendered(_render_dag_run(run, native)) == dag_run.DagRun(
        version="2024-05-01T06.00.00.123Z", params=conf
    )


def test_a_run_without_logical_date_or_conf_uses_when_it_was_due():  # Airflow 3's manual runs
    run = SimpleNamespace(logical_date=None, run_after=pendulum.datetime(2025, 1, 2, 3, 4, 5), conf=None)

    assert dag_run.rendered(_render_dag_run(run)) == dag_run.DagRun(
        version="2025-01-02T03.04.05.000Z", params={}
    )
