"""Kedro's logging inside an Airflow task: Airflow owns the output, the project keeps its levels.

Kedro configures logging when ``kedro.framework.project`` is first imported, by default with a
console handler on the root logger. In a task Airflow has redirected stdout and stderr into its
task logger, whose records reach the root logger: a console handler there writes each record
back into the redirection, forever on Airflow 2, twice and rich-rendered on Airflow 3.

So the runner imports Kedro under a configuration that adds no handler, then applies the
project's own configuration (``KEDRO_LOGGING_CONFIG``, else ``conf/logging.yml``, else Kedro's
default, as ``kedro run`` picks it) without its handlers and without its root section: each
logger keeps its level and filters and propagates to the handlers Airflow installed.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

VARIABLE = "KEDRO_LOGGING_CONFIG"
# Warnings Kedro raises on every run about its own dependencies, of no use to a project's user.
KEDRO_NOISE = r"register_new_resolver\(\) is deprecated"
_SILENT = Path(__file__).with_name("silent_logging.yml")
_KEPT = ("level", "filters")


def import_kedro_project_module(config: Path = _SILENT) -> None:
    """Import ``kedro.framework.project`` with ``config`` as the logging it sets up on import
    (by default: no handler at all), leaving ``KEDRO_LOGGING_CONFIG`` as it was."""
    if "kedro.framework.project" in sys.modules:
        return
    saved = os.environ.get(VARIABLE)
    os.environ[VARIABLE] = str(config)
    try:
        import kedro.framework.project  # noqa: F401
    finally:
        if saved is None:
            del os.environ[VARIABLE]
        else:
            os.environ[VARIABLE] = saved
    logging.getLogger("kedro.framework.project").setLevel(logging.NOTSET)  # silenced for the import


def configure(project_path: Path, isolated: bool = False) -> None:
    """Apply the project's logger levels and filters, with Airflow's handlers doing the writing.

    An isolated task's process (a virtualenv's Python) may have no handler at all: there, records
    go to stdout, which Airflow copies line by line into the task log.
    """
    import yaml
    from kedro.framework.project import configure_logging

    path = project_config_path(project_path)
    config = yaml.safe_load(path.read_text(encoding="utf-8")) if path else {}
    configure_logging(without_handlers(config or {}))
    root = logging.getLogger()
    if isolated and not root.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


def project_config_path(project_path: Path) -> Path | None:
    """The logging configuration ``kedro run`` would use in ``project_path``."""
    if os.environ.get(VARIABLE):
        return project_path / os.environ[VARIABLE]  # an absolute path stays as it is
    for suffix in (".yml", ".yaml"):
        if (project_path / "conf" / f"logging{suffix}").is_file():
            return project_path / "conf" / f"logging{suffix}"
    import kedro.framework.project

    default = Path(kedro.framework.project.__file__).with_name("default_logging.yml")
    return default if default.is_file() else None


def without_handlers(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with only its loggers' levels and filters: no handler, no root, nothing disabled."""
    loggers = {
        name: {key: value for key, value in (spec or {}).items() if key in _KEPT}
        for name, spec in (config.get("loggers") or {}).items()
    }
    result: dict[str, Any] = {"version": 1, "disable_existing_loggers": False, "loggers": loggers}
    if config.get("filters"):
        result["filters"] = config["filters"]
    return result
