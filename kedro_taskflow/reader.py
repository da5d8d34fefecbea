"""Kedro project -> ProjectSpec, through ``kedro.inspection.get_project_snapshot``."""

from __future__ import annotations

import warnings
from pathlib import Path

import tomllib

from kedro_taskflow.errors import ENV, PROJECT_PATH, UsageError
from kedro_taskflow.model import NodeSpec, PipelineSpec, ProjectSpec
from kedro_taskflow.runtime.task_logging import KEDRO_NOISE, import_kedro_project_module

_LOGGING = Path(__file__).with_name("kedro_logging.yml")  # warnings and errors only, on stderr

_MEMORY_TYPES = {"MemoryDataset", "SharedMemoryDataset"}


def find_project(start: Path) -> Path:
    """The Kedro project at ``start`` or the nearest folder above it."""
    start = start.expanduser().resolve()
    for folder in (start, *start.parents):
        if _is_kedro_project(folder):
            return folder
    raise UsageError(
        f"No Kedro project at or above {start}: pass ",
        PROJECT_PATH,
        " (a folder with a pyproject.toml that has [tool.kedro]).",
    )


def check_project(path: Path) -> Path:
    path = path.expanduser().resolve()
    if not path.is_dir():
        raise UsageError(
            f"Project path {path} does not exist: pass ", PROJECT_PATH, " pointing at a Kedro project."
        )
    if not _is_kedro_project(path):
        raise UsageError(
            f"{path} is not a Kedro project: its pyproject.toml needs a [tool.kedro] table (see `kedro new`)."
        )
    return path


def _is_kedro_project(folder: Path) -> bool:
    try:
        with open(folder / "pyproject.toml", "rb") as f:
            return "kedro" in tomllib.load(f).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError):
        return False


def read_project(path: Path, env: str | None = None, conf_source: str | None = None) -> ProjectSpec:
    """Load the project's pipelines and catalog without running anything."""
    path = check_project(path)
    if conf_source is not None and not (path / conf_source).exists():
        raise UsageError(
            f"Conf source {conf_source} does not exist (relative paths are taken from the project folder)."
        )
    if env is not None and conf_source is None and not (path / "conf" / env).is_dir():
        raise UsageError(
            f"Environment {env!r} has no folder conf/{env} in {path}: create it or pass an existing ",
            ENV,
            ".",
        )
    # Kedro's default logging prints INFO lines to stdout, where `plan --json` writes.
    import_kedro_project_module(_LOGGING)  # before any Kedro import: its INFO lines would go to stdout
    from kedro.inspection import get_project_snapshot

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.filterwarnings("ignore", message=KEDRO_NOISE)
            snapshot = get_project_snapshot(path, env=env, conf_source=_absolute(path, conf_source))
    except Exception as exc:  # the project's own code and config may raise anything
        first_line = (str(exc).strip().splitlines() or [""])[0]
        raise UsageError(
            f"Could not load the Kedro project at {path}: {type(exc).__name__}: {first_line} "
            "(fix the project until `kedro registry list` works there)."
        ) from exc
    return ProjectSpec(
        project_name=snapshot.metadata.project_name,
        package_name=snapshot.metadata.package_name,
        pipelines=tuple(
            PipelineSpec(name=p.name, nodes=tuple(_node(n) for n in p.nodes)) for p in snapshot.pipelines
        ),
        persisted=frozenset(
            name for name, ds in snapshot.datasets.items() if ds.type.rsplit(".", 1)[-1] not in _MEMORY_TYPES
        ),
        warnings=tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)),
    )


def _absolute(project: Path, conf_source: str | None) -> str | None:
    return None if conf_source is None else str(project / conf_source)


def _node(node) -> NodeSpec:
    source = node.source and f"{node.source.filepath}:{node.source.line_start}"
    return NodeSpec(
        name=node.name,
        namespace=node.namespace,
        inputs=tuple(node.inputs),
        outputs=tuple(node.outputs),
        tags=tuple(node.tags),
        source=source,
        func_name=getattr(node, "func_name", None),
    )
