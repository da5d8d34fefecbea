"""``flavour:``: Airflow's isolating task decorators (``@task.<flavour>``), their arguments, and the
project path an isolated task runs against."""

from __future__ import annotations

from collections.abc import Mapping

from kedro_taskflow.config import values
from kedro_taskflow.config.schema import FLAVOUR
from kedro_taskflow.config.values import Check, checked
from kedro_taskflow.config.where import Where, did_you_mean
from kedro_taskflow.model import Setting, TaskPlan

IMAGE = "registry.example.com/project:1.0"
PROJECT_PATH = values.absolute("/opt/project")
# Their arguments, the required first. ``project_path`` is the project's absolute path where the
# task runs (its container or Python).
FLAVOURS: dict[str, dict[str, Check | None]] = {
    "kubernetes": {
        "image": values.text(IMAGE),
        "namespace": values.text("data"),
        "image_pull_policy": values.one_of(("IfNotPresent", "Always", "Never")),
        "service_account_name": values.text("kedro"),
        "in_cluster": values.flag,
        "project_path": PROJECT_PATH,
    },
    "docker": {
        "image": values.text(IMAGE),
        "docker_url": values.text("unix://var/run/docker.sock"),
        "network_mode": values.text("bridge"),
        "project_path": PROJECT_PATH,
    },
    "virtualenv": {
        "requirements": values.strings("a list of pip requirements", '["pandas>=2"]'),
        "system_site_packages": values.flag,
        "pip_install_options": values.strings("a list of pip options", '["--find-links", "/opt/wheels"]'),
        "python_version": values.text("3.11"),
        "venv_cache_path": values.absolute("/opt/airflow/venvs"),
        "project_path": PROJECT_PATH,
    },
    "external_python": {
        "python": values.absolute("/opt/venvs/project/bin/python"),
        "project_path": PROJECT_PATH,
    },
}
REQUIRED = {"kubernetes": ("image",), "docker": ("image",), "external_python": ("python",)}
EXAMPLES = {"image": IMAGE, "python": "/opt/venvs/project/bin/python"}  # of the required arguments
Flavour = tuple[str, tuple[tuple[str, object], ...]]  # (name, ((argument, value), ...)): plain data


def parse(value: object, where: Where) -> Flavour:
    """``flavour: virtualenv`` or ``flavour: {kubernetes: {image: ..., namespace: ...}}``."""
    if isinstance(value, str):
        name, args = value, {}
    elif isinstance(value, Mapping) and len(value) == 1:
        ((name, args),) = value.items()
        args = {} if args is None else args
    else:
        raise where.error(
            f"must be a flavour name or {{<flavour>: {{<arguments>}}}}, not {value!r}",
            f"write e.g. `flavour: {{kubernetes: {{image: {IMAGE}}}}}`",
        )
    if name not in FLAVOURS:
        raise where.error(
            f"{name!r} is not a flavour", did_you_mean(str(name), list(FLAVOURS), "the flavours are")
        )
    at = where.at(str(name))
    if not isinstance(args, Mapping):
        raise at.error(
            f"must be a mapping of arguments, not {args!r}", "write e.g. `{project_path: /opt/project}`"
        )
    arguments = checked(args, at, FLAVOURS[name])
    for required in REQUIRED.get(name, ()):
        if required not in arguments:
            raise at.error(
                f"needs `{required}`",
                f"write e.g. `{FLAVOUR}: {{{name}: {{{required}: {EXAMPLES[required]}}}}}`",
            )
    return (name, tuple((key, arguments[key]) for key in FLAVOURS[name] if key in arguments))


def flavour_of(task: TaskPlan) -> Setting | None:
    """The task's flavour setting when it runs isolated, else None."""
    return next((s for s in task.settings if s.key == FLAVOUR), None)


def arguments(flavour: Setting) -> tuple[str, dict[str, object]]:
    """A flavour setting's name and arguments."""
    name, args = flavour.value if isinstance(flavour.value, tuple) else (str(flavour.value), ())
    return name, dict(args)
