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
    # Before any Kedro import: Kedro's default logging prints INFO lines to stdout, where
    # `plan --json` writes.
    import_kedro_project_module(_LOGGING)
    from kedro.inspection import get_project_snapshot

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.filterwarnings("ignore", message=KEDRO_NOISE)
            snapshot = get_project_snapshot(path, env=env, conf_source=_absolute(path, conf_source))
            airflow_config, airflow_files = _airflow_config(path, env, _absolute(path, conf_source))
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
        airflow_config=airflow_config,
        airflow_files=airflow_files,
        filepaths={name: ds.filepath for name, ds in snapshot.datasets.items() if ds.filepath},
    )


AIRFLOW_PATTERNS = ["airflow*", "airflow/**"]  # kedro-airflow's, unless settings.py sets its own


def _airflow_config(path: Path, env: str | None, conf_source: str | None) -> tuple[dict, dict[str, str]]:
    """conf/<env>/airflow*.yml through the project's own config loader (as kedro-airflow reads it):
    its environments, merge strategy and templating. Also which file each top-level section is in."""
    from kedro.config import MissingConfigException
    from kedro.framework.project import settings

    loader = settings.CONFIG_LOADER_CLASS(
        conf_source=conf_source or str(path / settings.CONF_SOURCE),
        env=env,
        **settings.CONFIG_LOADER_ARGS,
    )
    patterns = getattr(loader, "config_patterns", None)
    if patterns is not None and "airflow" not in patterns:
        patterns["airflow"] = list(AIRFLOW_PATTERNS)
    try:
        config = loader["airflow"]
    except MissingConfigException:
        return {}, {}
    return dict(config or {}), _section_files(path, loader, env)


def _section_files(path: Path, loader, env: str | None) -> dict[str, str]:
    """Top-level section -> the (project-relative) file that sets it last; best effort."""
    import yaml

    source = Path(getattr(loader, "conf_source", path / "conf"))
    if not source.is_dir():
        return {}
    envs = [getattr(loader, "base_env", "base"), env or getattr(loader, "default_run_env", "local")]
    patterns = getattr(loader, "config_patterns", {}).get("airflow", AIRFLOW_PATTERNS)
    files: dict[str, str] = {}
    for folder in dict.fromkeys(e for e in envs if e):
        for pattern in patterns:
            for file in sorted((source / folder).glob(pattern)):
                if file.suffix not in (".yml", ".yaml", ".json") or not file.is_file():
                    continue
                try:
                    sections = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
                except (OSError, yaml.YAMLError):
                    continue
                shown = str(file.relative_to(path)) if file.is_relative_to(path) else str(file)
                for section in sections if isinstance(sections, dict) else ():
                    files[str(section)] = shown
    return files


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
