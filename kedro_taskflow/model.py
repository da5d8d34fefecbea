"""Plain, frozen data passed from the reader through planning: the project, and its task graph."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

TRANSCODING_SEPARATOR = "@"


def base_dataset(name: str) -> str:
    """The dataset a (possibly transcoded) name refers to, as Kedro's ``_strip_transcoding``.

    Kedro reads ``x@pandas`` and ``x@spark`` as one dataset ``x`` stored once and loaded through
    two types: a node writing ``x@a`` runs before every node reading ``x@b``. (Kedro refuses names
    with more than one ``@``, and a pipeline naming ``x`` both with and without one.)
    """
    return name.split(TRANSCODING_SEPARATOR, 1)[0]


@dataclass(frozen=True)
class NodeSpec:
    """One Kedro node as the generator needs it."""

    name: str
    namespace: str | None = None
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: str | None = None  # "src/pkg/nodes.py:12", relative to the project
    func_name: str | None = None  # the function's readable name, as Kedro names unnamed nodes


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    nodes: tuple[NodeSpec, ...]


@dataclass(frozen=True)
class Storage:
    """Where a catalog dataset keeps its data (for the shared-filesystem check)."""

    path: str  # its filepath, or a partitioned dataset's path
    versioned: bool = False
    pattern: str | None = None  # the dataset factory pattern it was resolved from, if any


@dataclass(frozen=True)
class ProjectSpec:
    """What the reader learned from a Kedro project."""

    project_name: str
    package_name: str
    pipelines: tuple[PipelineSpec, ...]
    persisted: frozenset[str]  # datasets the catalog stores; every other one is in memory
    warnings: tuple[str, ...] = ()  # what Kedro warned about while loading the project
    # conf/<env>/airflow*.yml as the project's config loader merged it (plain YAML data), and
    # which file each of its top-level sections came from (for error messages)
    airflow_config: Mapping[str, object] = field(default_factory=dict)
    airflow_files: Mapping[str, str] = field(default_factory=dict)
    filepaths: Mapping[str, str] = field(default_factory=dict)  # catalog dataset -> its filepath
    storage: Mapping[str, Storage] = field(default_factory=dict)  # catalog dataset -> where it is stored

    def pipeline(self, name: str) -> PipelineSpec | None:
        return next((p for p in self.pipelines if p.name == name), None)


class GroupBy(str, Enum):
    """How nodes become tasks; nodes joined by in-memory datasets always share one."""

    MEMORY = "memory"  # one task per node, except nodes joined by in-memory datasets
    NAMESPACE = "namespace"  # one task per top-level namespace as well
    NONE = "none"  # one task per node; in-memory datasets between nodes are refused


class Execution(str, Enum):
    """How a DAG runs its nodes (``--execution``, airflow.yml's ``execution:``)."""

    TASKS = "tasks"  # each task runs its nodes in its own Kedro session
    WATCHER = "watcher"  # one task runs them all in one Kedro session; each node's task reports


class Reason(str, Enum):
    """Why several nodes share a task."""

    MEMORY = "memory"  # in-memory datasets join them
    NAMESPACE = "namespace"  # one top-level namespace (GroupBy.NAMESPACE)
    CYCLE = "cycle"  # apart, their tasks would depend on each other in a cycle


@dataclass(frozen=True)
class Selection:
    """Which nodes of a pipeline to generate, as ``kedro run`` selects them."""

    tags: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    from_nodes: tuple[str, ...] = ()
    to_nodes: tuple[str, ...] = ()


# Settings whose values are minutes, written as ``pendulum.duration(minutes=...)``.
DURATIONS = frozenset({"retry_delay", "execution_timeout"})


@dataclass(frozen=True)
class Setting:
    """An effective DAG or task setting, and where it came from.

    ``source`` is ``built-in``, ``default`` or ``pipeline`` (a section of airflow.yml), or the
    selector that set it for a task: ``tag:ingest``, ``namespace:reporting``, ``node:train``.
    Values are plain data: str, int, float, bool, None, or a tuple (``start_date``).
    """

    key: str
    value: object
    source: str

    @property
    def on_task(self) -> bool:
        """Set by a selector, so written on the task's decorator (not in ``default_args``)."""
        return ":" in self.source


@dataclass(frozen=True)
class TaskPlan:
    task_id: str  # the full Airflow task id: group ids and label joined by "."
    nodes: tuple[NodeSpec, ...]  # in run order
    inputs: tuple[str, ...]  # datasets read from outside the task
    outputs: tuple[str, ...]  # datasets written and not only used inside the task
    internal: tuple[str, ...] = ()  # in-memory datasets passed between the task's nodes
    upstream: tuple[str, ...] = ()  # task ids, transitively reduced
    group: tuple[str, ...] = ()  # ids of the nested task groups it is in, outermost first
    reason: Reason | None = None  # why these nodes share a task, when they are several
    settings: tuple[Setting, ...] = ()  # effective task settings (config.apply)
    outlets: tuple[str, ...] = ()  # Dataset/Asset URIs of the persisted datasets it saves

    @property
    def node_names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    @cached_property  # asked for on every reference to the task: tens of thousands in a big DAG
    def label(self) -> str:
        """The id within its task group."""
        return self.task_id.split(".", len(self.group))[-1]

    @cached_property
    def path(self) -> tuple[str, ...]:
        """Group ids, then the label: how scopes refer to it."""
        return (*self.group, self.label)


@dataclass(frozen=True)
class GroupPlan:
    """A Kedro namespace as an Airflow task group."""

    path: tuple[str, ...]  # group ids from the outermost; path[-1] is this group's id
    namespace: str


@dataclass(frozen=True)
class DagPlan:
    """One pipeline's task graph: what becomes one DAG file, whatever Airflow it is written for."""

    dag_id: str
    file_name: str
    project_name: str
    package_name: str
    pipeline: str
    tasks: tuple[TaskPlan, ...]  # in a topological order
    groups: tuple[GroupPlan, ...] = ()  # parents before children
    settings: tuple[Setting, ...] = ()  # effective DAG settings and default_args (config.apply)
    schedule_on: tuple[str, ...] = ()  # Dataset/Asset URIs that trigger the DAG, if any

    def setting(self, key: str) -> Setting | None:
        return next((s for s in self.settings if s.key == key), None)
