"""Kedro project -> ProjectSpec, through Kedro's public API.

What ``kedro.inspection.get_project_snapshot`` gives, field for field, in less time: the project's
metadata (``bootstrap_project``), its registered pipelines, and its catalog config with the dataset
factory patterns resolved for every dataset a node uses. Unlike the snapshot, each node function's
source line is found without tokenizing its body, once per function rather than once per
pipeline, and nothing the generator does not use (line ends, pipelines' free inputs and outputs)
is computed. tests/support/snapshot_oracle.py builds the same ProjectSpec from the snapshot.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
import sys
import warnings
from functools import partial
from pathlib import Path

import tomllib

from kedro_taskflow.errors import ENV, PROJECT_PATH, UsageError
from kedro_taskflow.model import NodeSpec, PipelineSpec, ProjectSpec, Storage
from kedro_taskflow.runtime.runner import working_directory
from kedro_taskflow.runtime.task_logging import KEDRO_NOISE, import_kedro_project_module

_LOGGING = Path(__file__).with_name("kedro_logging.yml")  # warnings and errors only, on stderr

_MEMORY_TYPES = {"MemoryDataset", "SharedMemoryDataset"}

KEDRO_NEEDED = (1, 4)  # the public API read here; pyproject.toml requires the same


def check_kedro(version: str) -> None:
    """Refuse a Kedro older than ``KEDRO_NEEDED`` (installed with --no-deps, or pinned by a project)."""
    if tuple(int(part) for part in re.findall(r"\d+", version)[:2]) < KEDRO_NEEDED:
        raise UsageError(
            f"kedro-taskflow needs Kedro >= {'.'.join(map(str, KEDRO_NEEDED))}, and this environment has "
            f"Kedro {version}: upgrade it (pip install 'kedro>=1.4,<2')."
        )


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
    check_kedro(importlib.metadata.version("kedro"))
    # Before any Kedro import: Kedro's default logging prints INFO lines to stdout, where
    # `plan --json` writes.
    import_kedro_project_module(_LOGGING)

    try:
        with warnings.catch_warnings(record=True) as caught, working_directory(path):
            warnings.filterwarnings("ignore", message=KEDRO_NOISE)
            metadata, pipelines, catalog, storage = _load(path, env, _absolute(path, conf_source))
            airflow_config, airflow_files = _airflow_config(path, env, _absolute(path, conf_source))
    except Exception as exc:  # the project's own code and config may raise anything
        raise _load_error(path, exc) from exc
    return ProjectSpec(
        project_name=metadata.project_name,
        package_name=metadata.package_name,
        pipelines=pipelines,
        persisted=frozenset(
            name for name, ds in catalog.items() if ds.type.rsplit(".", 1)[-1] not in _MEMORY_TYPES
        ),
        warnings=tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)),
        airflow_config=airflow_config,
        airflow_files=airflow_files,
        filepaths={name: ds.filepath for name, ds in catalog.items() if ds.filepath},
        storage=storage,
    )


def _load_error(project: Path, exc: BaseException) -> UsageError:
    """What failed, as far as it is known: a YAML file's line and column; else the dataset whose
    catalog entry failed, or the project's own line that raised (the last one in the traceback),
    and the error's first line."""
    import yaml

    chain = [exc]
    while (cause := chain[-1].__cause__ or chain[-1].__context__) is not None and cause not in chain:
        chain.append(cause)
    marked = next((e for e in chain if isinstance(e, yaml.MarkedYAMLError) and e.problem_mark), None)
    if marked is not None:
        mark = marked.problem_mark
        named = next((m for e in chain if (m := _YAML_FILE.search(str(e)))), None)
        file = Path(named[1]) if named else Path(mark.name)
        return UsageError(
            f"Invalid YAML in {_shown(project, file)} at line {mark.line + 1}, column {mark.column + 1}."
        )
    first_line = (str(exc).strip().splitlines() or [""])[0]
    where = "; ".join(getattr(exc, "__notes__", ())) or _project_line(project, exc)
    return UsageError(
        f"Could not load the Kedro project at {project}: {where + ': ' if where else ''}"
        f"{type(exc).__name__}: {first_line}{'' if first_line.endswith('.') else '.'}"
    )


_YAML_FILE = re.compile(r"YAML or JSON file (.+?), unable to read line")  # Kedro's config loader's words


def _project_line(project: Path, exc: BaseException) -> str | None:
    """``<file>:<line>`` of the project's last line in the traceback (a syntax error's own line)."""
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).is_relative_to(project):
        return f"{_shown(project, Path(exc.filename))}:{exc.lineno}"
    found = None
    tb = exc.__traceback__
    while tb is not None:
        file = Path(tb.tb_frame.f_code.co_filename)
        if file.is_absolute() and file.is_relative_to(project):
            found = f"{_shown(project, file)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found


def _shown(project: Path, file: Path) -> str:
    return file.relative_to(project).as_posix() if file.is_relative_to(project) else str(file)


_ENV = re.compile(r"^[A-Za-z0-9_-]+$")  # the environments get_project_snapshot accepts


def _load(path: Path, env: str | None, conf_source: str | None) -> tuple:
    """What ``get_project_snapshot`` would give, in its order (so Kedro warns in the same order):
    the project's metadata, its pipelines, and dataset name -> ``DatasetSnapshot``; then dataset
    name -> ``Storage``, which the snapshot does not give."""
    from kedro.framework.project import pipelines, settings
    from kedro.framework.startup import bootstrap_project

    if env is not None and not _ENV.match(env):
        raise ValueError(
            f"Invalid env value {env!r}: must contain only letters, digits, hyphens, and underscores."
        )
    metadata = bootstrap_project(path)
    _forget_other_copies(metadata.package_name, metadata.source_dir)
    loader = settings.CONFIG_LOADER_CLASS(
        conf_source=conf_source if conf_source is not None else str(path / settings.CONF_SOURCE),
        env=env,
        runtime_params=None,
        **settings.CONFIG_LOADER_ARGS,
    )
    catalog = _config(loader, "catalog")
    sources = _Sources(path)
    specs = tuple(
        PipelineSpec(name=name, nodes=tuple(_node(n, sources) for n in pipeline.nodes))
        for name, pipeline in dict(pipelines).items()
        if pipeline is not None
    )
    datasets, configs = _datasets(catalog, specs)
    _config(loader, "parameters")  # loaded, for its errors and warnings, as the snapshot does
    storage = {name: s for name, (config, pattern) in configs.items() if (s := _storage(config, pattern))}
    return metadata, specs, datasets, storage


def _forget_other_copies(package: str, source_dir: Path) -> None:
    """Kedro imports the project's package by name, on first use of its settings or pipelines: if
    this process imported that name from another folder (an earlier read of another copy of the
    project), its modules are forgotten and this project's source folder goes first on sys.path,
    so that this copy's settings and pipelines are read."""
    imported = getattr(sys.modules.get(package), "__file__", None)
    if imported is None or Path(imported).resolve().is_relative_to(source_dir.resolve()):
        return
    for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
        del sys.modules[name]
    sys.path[:] = [str(source_dir), *(p for p in sys.path if p != str(source_dir))]


def _config(loader, key: str) -> dict:
    """The config ``key`` (catalog, parameters), or {} when the project has none."""
    from kedro.config import MissingConfigException

    try:
        return loader[key]
    except (KeyError, MissingConfigException):
        return {}


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


def _node(node, sources: _Sources) -> NodeSpec:
    """A node as the snapshot's ``NodeSnapshot`` gives it."""
    return NodeSpec(
        name=node.name,
        func_name=_func_name(node),  # before the rest, as the snapshot, for its warnings' order
        namespace=node.namespace,
        inputs=tuple(node.inputs),
        outputs=tuple(node.outputs),
        tags=tuple(sorted(node.tags)),
        source=sources.of(node.func),
    )


def _func_name(node) -> str:
    """The function's readable name, as Kedro's ``Node.__str__`` and ``kedro registry describe``
    show it (``Node._func_name``): its ``__name__``, else its repr, ``<partial>`` for a partial."""
    func = node.func
    if hasattr(func, "__name__"):
        return func.__name__
    name = repr(func)
    if "functools.partial" not in name:
        return name
    str(node)  # Kedro's own warning that a partial has no name, which the snapshot gives too
    return "<partial>"


class _Sources:
    """Where a node's function is defined, "<project-relative posix path>:<first line>", or None
    as the snapshot's ``NodeSourceSnapshot`` (lambdas, partials, built-ins, unreadable source,
    files outside the project). ``inspect.findsource`` gives the first line ``getsourcelines``
    gives (decorators included) without tokenizing the body; each function and file is looked
    up once, however many pipelines share it."""

    def __init__(self, project: Path):
        self.project = project.resolve()
        self.by_function: dict[int, str | None] = {}  # id(): the pipelines keep the functions alive
        self.by_file: dict[str, str | None] = {}

    def of(self, func) -> str | None:
        if id(func) not in self.by_function:
            self.by_function[id(func)] = self._find(func)
        return self.by_function[id(func)]

    def _find(self, func) -> str | None:
        if (
            isinstance(func, partial)
            or inspect.isbuiltin(func)
            or getattr(func, "__name__", None) == "<lambda>"
        ):
            return None
        func = inspect.unwrap(func)
        try:
            file = inspect.getsourcefile(func)
        except (OSError, TypeError):
            return None
        if file is None:
            return None
        if file not in self.by_file:
            resolved = Path(file).resolve()
            inside = resolved.is_relative_to(self.project)
            self.by_file[file] = resolved.relative_to(self.project).as_posix() if inside else None
        if self.by_file[file] is None:
            return None
        try:
            line = inspect.findsource(func)[1] + 1
        except (OSError, TypeError):
            return None
        return f"{self.by_file[file]}:{line}"


def _datasets(catalog: dict, pipelines: tuple[PipelineSpec, ...]) -> tuple[dict, dict]:
    """Dataset name -> ``DatasetSnapshot``, as the snapshot lists them: the catalog's entries, and
    every dataset a node uses that a factory pattern of the catalog matches; any other one is a
    MemoryDataset. And dataset name -> (its configuration, the pattern it came from or None).

    Kedro's resolver, given the pattern names with empty configurations (so no credentials are
    needed), puts them in its order: most specific first, the catch-all last. Each name is then
    matched in that order and its pattern's placeholders filled as Kedro fills them (``_filled``),
    with each pattern compiled once: Kedro's resolver parses the pattern again for every name and
    every value of its configuration, which was most of reading a big project's catalog.
    """
    import parse
    from kedro.inspection.models import DatasetSnapshot
    from kedro.io.catalog_config_resolver import DEFAULT_RUNTIME_PATTERN, CatalogConfigResolver

    datasets = {
        name: DatasetSnapshot.from_config(name, config)
        for name, config in catalog.items()
        if not name.startswith("_") and isinstance(config, dict)  # YAML anchors and such
    }
    patterns = {name: config for name, config in catalog.items() if CatalogConfigResolver.is_pattern(name)}
    configs = {name: (catalog[name], None) for name in datasets if name not in patterns}
    if not patterns:
        return datasets, configs
    datasets = {name: ds for name, ds in datasets.items() if not CatalogConfigResolver.is_pattern(name)}
    resolver = CatalogConfigResolver(
        {name: {} for name in patterns}, default_runtime_patterns=DEFAULT_RUNTIME_PATTERN
    )
    parsers = [(p, parse.compile(p)) for p in resolver.list_patterns() if p in patterns]
    used: set[str] = set()  # built as the snapshot builds it, so it iterates in the same order
    for pipeline in pipelines:
        for node in pipeline.nodes:
            used.update(node.inputs)
            used.update(node.outputs)
    for name in used:
        if name in datasets:
            continue
        match = next(((p, found) for p, parser in parsers if (found := parser.parse(name))), None)
        if match is None:
            continue
        pattern, found = match
        config = patterns[pattern]
        # Nothing to fill in a falsy config (which Kedro's resolver takes for {}); from_config
        # fails on anything but a dict, as in the snapshot.
        try:
            filled = _filled(config, found.named) if config else config
            datasets[name] = DatasetSnapshot.from_config(name, filled)
        except Exception as exc:  # as the snapshot fails; the message names what failed
            exc.add_note(f"catalog pattern {pattern!r} for dataset {name!r}")
            raise
        configs[name] = (filled, pattern)
    return datasets, configs


def _storage(config, pattern: str | None) -> Storage | None:
    """Where a dataset's configuration stores it: its ``filepath``, else (a partitioned dataset)
    its ``path`` (credentials in a URL left out); None when it names neither (a database table, an
    API, memory)."""
    path = config.get("filepath") or config.get("path") if isinstance(config, dict) else None
    if not isinstance(path, str) or not path:
        return None
    return Storage(_URL_CREDENTIALS.sub("://", path), config.get("versioned") is True, pattern)


_URL_CREDENTIALS = re.compile(r"://[^/@]*@")


def _filled(config, values: dict):
    """A pattern's configuration with its placeholders filled, as Kedro's resolver fills them:
    in every string of its dicts, lists and tuples (only those types: subclasses stay whole)."""
    if isinstance(config, dict):
        return {key: _filled(value, values) for key, value in config.items()}
    if type(config) in (list, tuple):
        return [_filled(value, values) for value in config]
    if isinstance(config, str) and "}" in config:
        return config.format_map(values)
    return config
