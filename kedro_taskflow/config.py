"""conf/<env>/airflow*.yml -> DAG and task settings, validated. Pure: the reader loads the YAML.

The file is kedro-airflow's: a ``default:`` section and one section per pipeline name, pipeline
keys over default keys. Per-task settings go under ``tasks:``, keyed by selectors
(``tag:ingest``, ``namespace:reporting``, ``node:train``); precedence node > namespace > tag >
pipeline > default > built-in. A task holding several nodes takes, for each key, the values of
the highest precedence any of its nodes has, combined by ``COMBINE`` (the strictest timeout, the
most retries, slots and weight; for text, the first node's in run order).
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import DagPlan, Execution, NodeSpec, Setting, TaskPlan
from kedro_taskflow.target import Form

DEFAULT_SECTION = "default"
TASKS = "tasks"
COMMAND_LINE = "command line"  # the source of a setting a flag gave (``--execution``)
DEFAULT_FILE = "conf/base/airflow.yml"  # named in errors when the reader could not tell the file

# What a DAG has when airflow.yml does not say: trigger-only, daily-free, one run at a time.
BUILT_IN: dict[str, object] = {
    "schedule": None,
    "start_date": (2024, 1, 1),
    "catchup": False,
    "max_active_runs": 1,
    "owner": "kedro",
    "retries": 1,
    "retry_delay": 5,
    "execution": Execution.TASKS.value,
}
EXECUTION = "execution"  # how the DAG runs its nodes (model.Execution): decides the file's shape
AS = "as"  # what the pipeline's file defines (target.Form): no setting of the plan, which it leaves alone
DAG_KEYS = ("schedule", "start_date", "catchup", "max_active_runs")  # arguments of @dag
# default_args, in the order they are written; the task keys can also be set per task
TASK_KEYS = (
    "owner",
    "retries",
    "retry_delay",
    "execution_timeout",
    "pool",
    "pool_slots",
    "queue",
    "priority_weight",
    "trigger_rule",
)
DEFAULT_ARGS = ("owner", "depends_on_past", "email_on_failure", "email_on_retry", *TASK_KEYS[1:])
# Airflow's trigger rules that both Airflow 2.4+ and 3 accept.
TRIGGER_RULES = (
    "all_success",
    "all_failed",
    "all_done",
    "all_skipped",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
)
PRESETS = ("@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,?#LW-]+")
SELECTOR_KINDS = ("node", "namespace", "tag")  # highest precedence first
COMBINE: dict[str, Callable] = {
    "execution_timeout": min,
    "retries": max,
    "retry_delay": max,
    "pool_slots": max,
    "priority_weight": max,
}


class _Bad(ValueError):
    def __init__(self, expected: str, example: str) -> None:
        super().__init__(expected)
        self.expected, self.example = expected, example


def _whole(minimum: int, example: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _Bad(f"a whole number >= {minimum}", str(example))
        return value

    return check


def _minutes(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise _Bad("a number of minutes > 0", "5")
    return int(value) if float(value).is_integer() else float(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Bad("true or false", "false")
    return value


def _text(example: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise _Bad("a non-empty string", example)
        return value

    return check


def _start_date(value: object) -> tuple[int, int, int]:
    try:
        year, month, day = value  # type: ignore[misc]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (year, month, day)):
            raise TypeError
        datetime.date(year, month, day)
    except (TypeError, ValueError):
        raise _Bad("a date as [year, month, day]", "[2024, 1, 1]") from None
    return (year, month, day)


@dataclass(frozen=True)
class OnPipeline:
    """``schedule: {pipeline: <name>}``: run when that pipeline's DAG has saved all its datasets."""

    pipeline: str
    outputs: tuple[str, ...] = ()  # what the pipeline's nodes save, filled in by ``parse``


def _schedule(value: object) -> str | tuple[str, ...] | OnPipeline | None:
    if value is None:
        return None
    if isinstance(value, Mapping) and set(value) == {"datasets"}:
        names = value["datasets"]
        if isinstance(names, list) and names and all(isinstance(n, str) and n for n in names):
            return tuple(names)  # catalog datasets: the DAG runs when they have all been updated
    if isinstance(value, Mapping) and set(value) == {"pipeline"} and isinstance(value["pipeline"], str):
        return OnPipeline(value["pipeline"])
    if isinstance(value, str):
        if value in PRESETS:
            return value
        fields = value.split()
        if len(fields) == 5 and all(_CRON_FIELD.fullmatch(f) for f in fields):
            return " ".join(fields)
    raise _Bad(
        "null, a cron expression of 5 fields, {datasets: [<catalog datasets>]}, {pipeline: <name>} or one of "
        + ", ".join(PRESETS),
        '"0 6 * * *"',
    )


def _uris(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise _Bad("a mapping of catalog dataset names to URIs", '{companies: "s3://bucket/companies.csv"}')
    for uri in value.values():
        if not valid_uri(uri):
            raise _Bad(
                "a mapping of dataset names to URIs (ASCII, a scheme other than airflow, no credentials)",
                '{companies: "s3://bucket/companies.csv"}',
            )
    return dict(value)


def valid_uri(uri: object) -> bool:
    """What Airflow accepts as a Dataset/Asset URI, and says what it is: scheme://... in ASCII."""
    if not isinstance(uri, str) or not uri.isascii() or any(c.isspace() for c in uri):
        return False
    parsed = urllib.parse.urlsplit(uri)
    return (
        bool(re.fullmatch(r"[a-z][a-z0-9+.-]*", parsed.scheme))
        and parsed.scheme != "airflow"
        and ("@" not in parsed.netloc)
    )


def dataset_uri(package: str, filepath: str) -> str:
    """A dataset's URI from its catalog filepath: as is when it has a scheme (``s3://...``),
    ``file://`` when absolute, else ``x-kedro://<package>/<path in the project>`` (Airflow's
    ``x-`` prefix marks a scheme of our own; no path of the machine that generates)."""
    if "://" in filepath:
        return filepath
    if filepath.startswith("/"):
        return "file://" + filepath
    return f"x-kedro://{package}/{filepath.removeprefix('./')}"


def _trigger_rule(value: object) -> str:
    if value not in TRIGGER_RULES:
        raise _Bad(f"one of {', '.join(TRIGGER_RULES)}", "all_done")
    return value  # type: ignore[return-value]


def _execution(value: object) -> str:
    if value not in {e.value for e in Execution}:
        raise _Bad(f"one of {', '.join(e.value for e in Execution)}", Execution.WATCHER.value)
    return value  # type: ignore[return-value]


def _form(value: object) -> str:
    if value not in {f.value for f in Form}:
        raise _Bad(f"one of {', '.join(f.value for f in Form)}", Form.TASK_GROUP.value)
    return value  # type: ignore[return-value]


CHECKS: dict[str, Callable[[object], object]] = {
    "start_date": _start_date,
    "schedule": _schedule,
    "max_active_runs": _whole(1, 1),
    "catchup": _flag,
    "owner": _text("data-team"),
    "depends_on_past": _flag,
    "email_on_failure": _flag,
    "email_on_retry": _flag,
    "retries": _whole(0, 2),
    "retry_delay": _minutes,
    "execution_timeout": _minutes,
    "pool": _text("ingest_pool"),
    "pool_slots": _whole(1, 2),
    "queue": _text("reporting"),
    "priority_weight": _whole(1, 10),
    "trigger_rule": _trigger_rule,
    "datasets": _flag,
    "dataset_uris": _uris,
    EXECUTION: _execution,
    AS: _form,
}
DATASET_KEYS = ("datasets", "dataset_uris")
FLAVOUR = "flavour"  # an isolated task: written on each task's decorator, never in default_args
SECTION_KEYS = (*DAG_KEYS, "schedule_interval", *DEFAULT_ARGS, *DATASET_KEYS, EXECUTION, AS, FLAVOUR, TASKS)
SELECTOR_KEYS = (*TASK_KEYS, FLAVOUR)


def _absolute(example: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str) or not value.startswith("/"):
            raise _Bad("an absolute path", example)
        return value

    return check


def _strings(what: str, example: str) -> Callable[[object], tuple[str, ...]]:
    def check(value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(r, str) and r.strip() for r in value):
            raise _Bad(what, example)
        return tuple(value)

    return check


def _one_of(*choices: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in choices:
            raise _Bad(f"one of {', '.join(choices)}", choices[0])
        return value  # type: ignore[return-value]

    return check


# Airflow's isolating task decorators (``@task.<flavour>``): their arguments, the required first.
# ``project_path`` is the project's absolute path where the task runs (its container or Python).
FLAVOURS: dict[str, dict[str, Callable[[object], object]]] = {
    "kubernetes": {
        "image": _text("registry.example.com/project:1.0"),
        "namespace": _text("data"),
        "image_pull_policy": _one_of("IfNotPresent", "Always", "Never"),
        "service_account_name": _text("kedro"),
        "in_cluster": _flag,
        "project_path": _absolute("/opt/project"),
    },
    "docker": {
        "image": _text("registry.example.com/project:1.0"),
        "docker_url": _text("unix://var/run/docker.sock"),
        "network_mode": _text("bridge"),
        "project_path": _absolute("/opt/project"),
    },
    "virtualenv": {
        "requirements": _strings("a list of pip requirements", '["pandas>=2"]'),
        "system_site_packages": _flag,
        "pip_install_options": _strings("a list of pip options", '["--find-links", "/opt/wheels"]'),
        "python_version": _text("3.11"),
        "venv_cache_path": _absolute("/opt/airflow/venvs"),
        "project_path": _absolute("/opt/project"),
    },
    "external_python": {
        "python": _absolute("/opt/venvs/project/bin/python"),
        "project_path": _absolute("/opt/project"),
    },
}
REQUIRED = {"kubernetes": ("image",), "docker": ("image",), "external_python": ("python",)}
Flavour = tuple[str, tuple[tuple[str, object], ...]]  # (name, ((argument, value), ...))


def _flavour(value: object, where: _Where) -> Flavour:
    """``flavour: virtualenv`` or ``flavour: {kubernetes: {image: ..., namespace: ...}}``."""
    if isinstance(value, str):
        name, args = value, {}
    elif isinstance(value, Mapping) and len(value) == 1:
        ((name, args),) = value.items()
        args = {} if args is None else args
    else:
        raise where.error(
            f"must be a flavour name or {{<flavour>: {{<arguments>}}}}, not {value!r}",
            "write e.g. `flavour: {kubernetes: {image: registry.example.com/project:1.0}}`",
        )
    if name not in FLAVOURS:
        raise where.error(
            f"{name!r} is not a flavour", _did_you_mean(str(name), list(FLAVOURS), "the flavours are")
        )
    at = where.at(str(name))
    if not isinstance(args, Mapping):
        raise at.error(
            f"must be a mapping of arguments, not {args!r}", "write e.g. `{project_path: /opt/project}`"
        )
    checked = _values(args, at, tuple(FLAVOURS[name]), FLAVOURS[name])
    for required in REQUIRED.get(name, ()):
        if required not in checked:
            example = {"image": "registry.example.com/project:1.0", "python": "/opt/venvs/project/bin/python"}
            raise at.error(
                f"needs `{required}`",
                f"write e.g. `{FLAVOUR}: {{{name}: {{{required}: {example[required]}}}}}`",
            )
    return (name, tuple((key, checked[key]) for key in FLAVOURS[name] if key in checked))


@dataclass(frozen=True)
class Section:
    values: Mapping[str, object]
    tasks: Mapping[str, Mapping[str, object]]  # selector -> values


@dataclass(frozen=True)
class AirflowConfig:
    """airflow.yml, validated: ``default`` and pipeline sections."""

    sections: Mapping[str, Section]
    files: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def section(self, name: str) -> Section:
        return self.sections.get(name) or Section({}, {})


def parse(
    raw: Mapping[str, object],
    files: Mapping[str, str],
    pipelines: Mapping[str, Sequence[NodeSpec]],
) -> AirflowConfig:
    """Check every section, key, value and selector; the first problem raises ``UsageError``."""
    sections = {}
    for name, body in raw.items():
        where = _Where(files.get(str(name)) or next(iter(files.values()), DEFAULT_FILE), str(name))
        if name != DEFAULT_SECTION and name not in pipelines:
            known = [DEFAULT_SECTION, *sorted(pipelines)]
            raise where.error(
                "is neither `default` nor a pipeline of the project",
                _did_you_mean(str(name), known, "sections are `default` and pipeline names"),
            )
        if not isinstance(body, Mapping):
            raise where.error(
                f"must be a mapping of settings, not {body!r}", "write `key: value` lines under it"
            )
        nodes = [n for ns in pipelines.values() for n in ns] if name == DEFAULT_SECTION else pipelines[name]
        sections[name] = _section(body, where, nodes)
    for name, section in sections.items():
        on = section.values.get("schedule")
        if isinstance(on, OnPipeline):
            where = _Where(files.get(name) or next(iter(files.values()), DEFAULT_FILE), name).at("schedule")
            outputs = _pipeline_outputs(on.pipeline, sections, pipelines, where)
            sections[name] = Section(
                {**section.values, "schedule": OnPipeline(on.pipeline, outputs)}, section.tasks
            )
    return AirflowConfig(sections, files)


def _pipeline_outputs(
    pipeline: str, sections: Mapping[str, Section], pipelines: Mapping[str, Sequence[NodeSpec]], where: _Where
) -> tuple[str, ...]:
    """What ``pipeline``'s nodes save, when its DAG declares them as Datasets (``datasets: true``)."""
    if pipeline not in pipelines:
        raise where.error(
            f"names {pipeline!r}, which is not a pipeline of the project",
            _did_you_mean(pipeline, sorted(pipelines), "the pipelines are"),
        )
    declared = [
        s.values["datasets"]
        for s in (sections.get(pipeline), sections.get(DEFAULT_SECTION))
        if s and "datasets" in s.values
    ]
    if not (declared and declared[0]):
        raise where.error(
            f"names pipeline {pipeline!r}, whose DAG does not declare the datasets it saves",
            f"set `datasets: true` under `{DEFAULT_SECTION if pipeline.startswith('_') else pipeline}`",
        )
    return tuple(sorted({d for n in pipelines[pipeline] for d in n.outputs}))


@dataclass(frozen=True)
class _Where:
    file: str
    path: str

    def at(self, key: str) -> _Where:
        shown = key if re.fullmatch(r"\w+", key) else f'"{key}"'
        return _Where(self.file, f"{self.path}.{shown}")

    def error(self, problem: str, fix: str) -> UsageError:
        return UsageError(f"{self.file}: {self.path} {problem}: {fix}{'' if fix.endswith('?') else '.'}")


def _did_you_mean(key: str, known: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"{what}: {', '.join(known)}"


def _values(
    body: Mapping, where: _Where, known: Sequence[str], checks: Mapping[str, Callable] = CHECKS
) -> dict[str, object]:
    values = {}
    for key, value in body.items():
        at = where.at(str(key))
        if key not in known:
            raise at.error("is not a known key", _did_you_mean(str(key), known, "known keys are"))
        if key == TASKS:
            continue
        if key == FLAVOUR and checks is CHECKS:
            values[key] = _flavour(value, at)
            continue
        check = checks[_canonical(key)]
        try:
            values[key] = check(value)
        except _Bad as bad:
            raise at.error(
                f"must be {bad.expected}, not {value!r}", f"write e.g. `{key}: {bad.example}`"
            ) from None
    return values


def _canonical(key: str) -> str:
    return "schedule" if key == "schedule_interval" else key


def _section(body: Mapping, where: _Where, nodes: Sequence[NodeSpec]) -> Section:
    values = _values(body, where, SECTION_KEYS)
    if "schedule" in values and "schedule_interval" in values:
        raise where.at("schedule_interval").error(
            "repeats `schedule`", "keep one of them (`schedule_interval` is its older name)"
        )
    if "schedule_interval" in values:
        values["schedule"] = values.pop("schedule_interval")
    tasks = body.get(TASKS) or {}
    at_tasks = where.at(TASKS)
    if not isinstance(tasks, Mapping):
        raise at_tasks.error(
            f"must map selectors to settings, not {tasks!r}", 'write e.g. `"tag:ingest": {pool: ingest_pool}`'
        )
    selected = {}
    for selector, settings in tasks.items():
        at = at_tasks.at(str(selector))
        _check_selector(str(selector), at, nodes)
        if not isinstance(settings, Mapping):
            raise at.error(
                f"must be a mapping of task settings, not {settings!r}", "write e.g. `{pool: ingest_pool}`"
            )
        selected[str(selector)] = _values(settings, at, SELECTOR_KEYS)
    return Section(values, selected)


def _check_selector(selector: str, where: _Where, nodes: Sequence[NodeSpec]) -> None:
    kind, _, value = selector.partition(":")
    if kind not in SELECTOR_KINDS or not value:
        raise where.error(
            "is not a selector", "write `node:<node name>`, `namespace:<namespace>` or `tag:<tag>`"
        )
    if not any(matches(selector, n) for n in nodes):
        names = sorted(
            {
                "node": {n.name for n in nodes},
                "namespace": {n.namespace for n in nodes if n.namespace},
                "tag": {t for n in nodes for t in n.tags},
            }[kind]
        )
        raise where.error(
            "matches no node",
            _did_you_mean(value, names, f"the {kind}s are") if names else f"no node has a {kind}",
        )


def matches(selector: str, node: NodeSpec) -> bool:
    kind, _, value = selector.partition(":")
    if kind == "node":
        return node.name == value
    if kind == "namespace":
        return node.namespace is not None and (node.namespace + ".").startswith(value + ".")
    return value in node.tags


def apply(
    plan: DagPlan,
    config: AirflowConfig,
    filepaths: Mapping[str, str] | None = None,
    execution: Execution | None = None,
) -> DagPlan:
    """The plan with its DAG's settings, each task's effective settings, and datasets.
    ``execution`` (``--execution``), when given, wins over airflow.yml's."""
    default, own = config.section(DEFAULT_SECTION), config.section(plan.pipeline)
    plan = _datasets(plan, config, default, own, filepaths or {})
    dag_settings = []
    for key in (*DAG_KEYS, *DEFAULT_ARGS, EXECUTION):
        if key in own.values:
            dag_settings.append(Setting(key, own.values[key], "pipeline"))
        elif key in default.values:
            dag_settings.append(Setting(key, default.values[key], DEFAULT_SECTION))
        elif key in BUILT_IN:
            dag_settings.append(Setting(key, BUILT_IN[key], "built-in"))
    if execution is not None:
        dag_settings[-1] = Setting(EXECUTION, Execution(execution).value, COMMAND_LINE)
    selectors = {s: dict(v) for s, v in default.tasks.items()}
    for s, v in own.tasks.items():
        selectors[s] = {**selectors.get(s, {}), **v}
    inherited = {s.key: s for s in dag_settings}
    if FLAVOUR in own.values or FLAVOUR in default.values:
        section = "pipeline" if FLAVOUR in own.values else DEFAULT_SECTION
        inherited[FLAVOUR] = Setting(
            FLAVOUR, (own if section == "pipeline" else default).values[FLAVOUR], section
        )
    tasks = tuple(
        dataclasses.replace(task, settings=_task_settings(task, selectors, inherited)) for task in plan.tasks
    )
    _check_watched(plan.pipeline, dag_settings[-1], tasks, config)
    return dataclasses.replace(plan, settings=tuple(dag_settings), tasks=tasks)


def form(config: AirflowConfig, pipeline: str) -> Form:
    """What the pipeline's file defines: ``as:`` of its section, else of ``default``, else a DAG."""
    own, default = config.section(pipeline).values, config.section(DEFAULT_SECTION).values
    return Form(own.get(AS, default.get(AS, Form.DAG.value)))


def given(plan: DagPlan) -> tuple[Setting, ...]:
    """The plan's DAG settings and default_args that airflow.yml gives (not built in): what a task
    group takes of them (default_args), and what it cannot (``dag_only``)."""
    return tuple(s for s in plan.settings if s.source != "built-in")


def dag_only(plan: DagPlan) -> tuple[str, ...]:
    """The DAG settings airflow.yml gives the plan, which a task group cannot take: its DAG's apply."""
    return tuple(s.key for s in given(plan) if s.key in DAG_KEYS)


def _check_watched(
    pipeline: str, execution: Setting, tasks: Sequence[TaskPlan], config: AirflowConfig
) -> None:
    """Watcher execution runs every node in its producer task: no node can run isolated."""
    isolated = next((t for t in tasks if any(s.key == FLAVOUR for s in t.settings)), None)
    if execution.value != Execution.WATCHER.value or isolated is None:
        return
    problem = f"runs every node in one task, where task {isolated.task_id!r} cannot run isolated (flavour)"
    if execution.source == COMMAND_LINE:
        raise UsageError(
            f"--execution watcher {problem}: drop its flavour, or generate with --execution tasks."
        )
    section = pipeline if execution.source == "pipeline" else DEFAULT_SECTION
    where = _Where(config.files.get(section) or next(iter(config.files.values()), DEFAULT_FILE), section)
    raise where.at(EXECUTION).error(problem, "drop the flavour, or write `execution: tasks`")


def _datasets(
    plan: DagPlan, config: AirflowConfig, default: Section, own: Section, filepaths: Mapping[str, str]
) -> DagPlan:
    def merged(key: str, fallback: object) -> object:
        return own.values.get(key, default.values.get(key, fallback))

    uris = {**default.values.get("dataset_uris", {}), **own.values.get("dataset_uris", {})}  # type: ignore[dict-item]

    def uri(name: str) -> str | None:
        return uris.get(name) or _catalog_uri(plan, name, filepaths)

    schedule = merged("schedule", None)
    schedule_on: tuple[str, ...] = ()
    where = _Where(
        config.files.get(plan.pipeline if "schedule" in own.values else DEFAULT_SECTION, DEFAULT_FILE),
        plan.pipeline if "schedule" in own.values else DEFAULT_SECTION,
    ).at("schedule")
    if isinstance(schedule, OnPipeline):
        if schedule.pipeline == plan.pipeline:
            raise where.error("names the DAG's own pipeline", "name another pipeline")
        # Their outlets' URIs, which their own section's `dataset_uris` may override.
        theirs = {**uris, **config.section(schedule.pipeline).values.get("dataset_uris", {})}  # type: ignore[dict-item]
        schedule_on = tuple(
            sorted({u for d in schedule.outputs if (u := theirs.get(d) or _catalog_uri(plan, d, filepaths))})
        )
        if not schedule_on:
            raise where.error(
                f"names pipeline {schedule.pipeline!r}, which saves no dataset with a catalog filepath",
                "name a pipeline that saves persisted datasets, or give them URIs under `dataset_uris`",
            )
    if isinstance(schedule, tuple):
        missing = [n for n in schedule if uri(n) is None]
        if missing:
            raise where.error(
                f"names datasets with no filepath in the catalog: {', '.join(map(repr, missing))}",
                "name persisted datasets, or give them URIs under `dataset_uris`",
            )
        schedule_on = tuple(dict.fromkeys(uri(n) for n in schedule))  # type: ignore[misc]
    if not merged("datasets", False):
        return dataclasses.replace(plan, schedule_on=schedule_on)
    tasks = tuple(
        dataclasses.replace(task, outlets=tuple(dict.fromkeys(u for d in task.outputs if (u := uri(d)))))
        for task in plan.tasks
    )
    return dataclasses.replace(plan, tasks=tasks, schedule_on=schedule_on)


def _catalog_uri(plan: DagPlan, name: str, filepaths: Mapping[str, str]) -> str | None:
    return dataset_uri(plan.package_name, filepaths[name]) if filepaths.get(name) else None


def written(setting: Setting) -> object:
    """A setting's value as airflow.yml writes it, for JSON: lists, a flavour as ``{name: {arguments}}``."""

    def plain(value: object) -> object:
        if isinstance(value, OnPipeline):
            return {"pipeline": value.pipeline}
        return list(value) if isinstance(value, tuple) else value

    if setting.key == FLAVOUR:
        name, arguments = setting.value  # type: ignore[misc]
        return {name: {key: plain(value) for key, value in arguments}}
    return plain(setting.value)


def _rank(selector: str) -> tuple[int, int]:
    kind, _, value = selector.partition(":")
    return (len(SELECTOR_KINDS) - SELECTOR_KINDS.index(kind), value.count(".") if kind == "namespace" else 0)


def _combine(key: str, candidates: list[Setting]) -> Setting:
    """Several values of one precedence: COMBINE's choice, else the first."""
    rule = COMBINE.get(key)
    if rule is None:
        return candidates[0]
    value = rule(c.value for c in candidates)
    return next(c for c in candidates if c.value == value)


def _task_settings(
    task: TaskPlan, selectors: Mapping[str, Mapping[str, object]], inherited: Mapping[str, Setting]
) -> tuple[Setting, ...]:
    result = []
    ordered = sorted(selectors.items())
    for key in SELECTOR_KEYS:
        ranked: list[tuple[tuple[int, int], Setting]] = []
        for node in task.nodes:
            own = [
                (_rank(s), Setting(key, values[key], s))
                for s, values in ordered
                if key in values and matches(s, node)
            ]
            if own:
                top = max(r for r, _ in own)
                ranked.append((top, _combine(key, [s for r, s in own if r == top])))
            elif key in inherited:
                ranked.append(((0, 0), inherited[key]))
        if ranked:
            top = max(r[0] for r, _ in ranked)  # node, namespace (any depth), tag, section
            result.append(_combine(key, [s for r, s in ranked if r[0] == top]))
    return tuple(result)


def isolated_project_path(
    plan: DagPlan, config: AirflowConfig, task: TaskPlan, worker_path: str | None
) -> str | None:
    """The absolute project path an isolated task (one with a flavour) runs against, or None
    for a task that is not isolated; ``UsageError`` when neither the flavour's ``project_path``
    nor ``--worker-project-path`` gives one (the DAG file's folder means nothing there)."""
    flavour = next((s for s in task.settings if s.key == FLAVOUR), None)
    if flavour is None:
        return None
    name, args = flavour.value  # type: ignore[misc]
    path = dict(args).get("project_path") or worker_path
    if path is None:
        if flavour.source == "pipeline" or (
            ":" in flavour.source and FLAVOUR in config.section(plan.pipeline).tasks.get(flavour.source, {})
        ):
            section = plan.pipeline
        else:
            section = DEFAULT_SECTION
        where = _Where(config.files.get(section) or next(iter(config.files.values()), DEFAULT_FILE), section)
        if ":" in flavour.source:
            where = where.at(TASKS).at(flavour.source)
        raise where.at(FLAVOUR).error(
            f"runs task {task.task_id!r} isolated, where the DAG file's folder is not the project",
            "pass --worker-project-path, or write e.g. "
            f"`{FLAVOUR}: {{{name}: {{project_path: /opt/project}}}}`",
        )
    return path  # type: ignore[return-value]
