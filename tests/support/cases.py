"""The small pipelines the snapshot, Airflow and end-to-end tests share."""

from __future__ import annotations

import dataclasses

from support.kedro_projects import Node, Project

# A dataset name that would create a file if any of it ever ran as code.
MARKER = 'x"""); open(\'PWNED\', \'w\'); ("""'

CHAIN = Project(
    package="chain_project",
    pipelines={
        "__default__": (
            Node("extract", ("raw",), ("extracted",)),
            Node("transform", ("extracted", "params:factor"), ("transformed",)),
            Node("load", ("transformed",), ("loaded",)),
        )
    },
    persisted=frozenset({"raw", "extracted", "transformed", "loaded"}),
    params={"factor": 3},
)

# In-memory datasets join nodes into tasks; persisted ones let them run apart.
MEMORY = Project(
    package="memory_project",
    pipelines={
        "__default__": (
            Node("clean", ("raw",), ("cleaned",)),
            Node("split", ("cleaned", "params:split"), ("train_set", "test_set")),
            Node("fit", ("train_set",), ("model",)),
            Node("score", ("model", "test_set"), ("scores",)),
            Node("describe", ("cleaned",), ("description",)),
            Node("report", ("scores", "description"), ("report",)),
        )
    },
    persisted=frozenset({"raw", "cleaned", "model", "scores", "description", "report"}),
    params={"split": 0.2},
)

# kedro-airflow's cycle: n1 -> d1 -> n2 -> d2 -> n3 persisted, plus n1 -> m -> n3 in memory.
CYCLE = Project(
    package="cycle_project",
    pipelines={
        "__default__": (
            Node("n1", ("raw",), ("d1", "m")),
            Node("n2", ("d1",), ("d2",)),
            Node("n3", ("d2", "m"), ("out",)),
            Node("side", ("d1",), ("side_out",)),
        )
    },
    persisted=frozenset({"raw", "d1", "d2", "out", "side_out"}),
)

LONG = "n" * 300
HOSTILE = Project(
    package="hostile_project",
    pipelines={
        "__default__": (
            Node("1st-step", ("raw 'quoted'",), ('say "hi"',)),
            Node("class", ('say "hi"',), ('tri"""ple',)),
            Node("lambda", ('tri"""ple',), ("new\nline",)),
            Node("données_é", ("new\nline",), ("back\\slash",)),
            Node("a-b", ("back\\slash",), ("emoji 🚀",)),
            Node("a_b", ("back\\slash",), ("a_b out",)),
            Node(LONG, ("emoji 🚀", "a_b out"), (MARKER,)),
            Node("project", (MARKER,), ("last",)),
        ),
        "with 'quotes' and spaces": (Node("only", ("raw 'quoted'",), ("only out",)),),
    },
    persisted=frozenset(
        {
            "raw 'quoted'",
            'say "hi"',
            'tri"""ple',
            "new\nline",
            "back\\slash",
            "emoji 🚀",
            "a_b out",
            MARKER,
            "last",
            "only out",
        }
    ),
)


def _region(ns: str) -> tuple[Node, ...]:
    return (
        Node("make", (f"params:{ns}.seed",), (f"{ns}.raw",), namespace=ns, tags=("ingest",)),
        Node("clean", (f"{ns}.raw",), (f"{ns}.clean",), namespace=ns),
        Node("train", (f"{ns}.clean",), (f"{ns}.model",), namespace=ns, tags=("training",)),
        Node(
            "evaluate", (f"{ns}.model", f"{ns}.clean"), (f"{ns}.metrics",), namespace=ns, tags=("training",)
        ),
        Node("audit", (f"{ns}.raw",), (f"{ns}.audit",), namespace=ns),
    )


# Namespaces as task groups: two instances of one modular pipeline, a nested namespace, nodes
# outside namespaces joining them, and a namespace interrupted by an outside node.
NAMESPACED = Project(
    package="namespaced_project",
    pipelines={
        "__default__": (
            *_region("eu"),
            *_region("us"),
            Node("compare", ("eu.metrics", "us.metrics"), ("comparison",), tags=("reporting",)),
            Node("collect", ("comparison",), ("reporting.daily.collected",), namespace="reporting.daily"),
            Node("enrich", ("reporting.daily.collected",), ("enriched",), tags=("reporting",)),
            Node("summarise", ("enriched",), ("reporting.daily.summary",), namespace="reporting.daily"),
            Node("publish", ("reporting.daily.summary",), ("reporting.published",), namespace="reporting"),
        )
    },
    persisted=frozenset(
        {f"{ns}.{d}" for ns in ("eu", "us") for d in ("raw", "model", "metrics", "audit")}
        | {
            "comparison",
            "reporting.daily.collected",
            "enriched",
            "reporting.daily.summary",
            "reporting.published",
        }
    ),
    params={"eu": {"seed": 1}, "us": {"seed": 2}},
)

# kedro-airflow's airflow.yml, read through Kedro's config loader (an environment over base, a
# templated value), with per-task settings by tag, namespace and node.
AIRFLOW_YML = """\
_team: data-eng
default:
  owner: ${_team}
  datasets: true
  start_date: [2025, 3, 1]
  schedule_interval: "0 6 * * *"
  max_active_runs: 2
  retries: 2
  retry_delay: 10
  email_on_failure: false
  tasks:
    "tag:ingest": {pool: ingest_pool}
    "tag:training": {execution_timeout: 60, pool_slots: 2}
    "namespace:reporting": {queue: reporting, retries: 0}
    "node:us.train": {execution_timeout: 30, pool_slots: 4}
    "node:compare": {priority_weight: 10, trigger_rule: all_done}
"""
# The local environment adds a section for pipeline "regions". (Kedro's config loader drops
# top-level keys that start with "_", so `__default__` cannot have a section: use `default`.)
AIRFLOW_LOCAL_YML = """\
regions:
  schedule: "@daily"
  retry_delay: 3
  tasks:
    "namespace:us": {queue: us_workers, retries: 5}
reporting:
  schedule: {datasets: [eu.metrics, us.metrics]}
  dataset_uris: {comparison: "s3://reports/comparison.json"}
"""
CONFIGURED = dataclasses.replace(
    NAMESPACED,
    package="configured_project",
    pipelines={
        **NAMESPACED.pipelines,
        "regions": (*_region("eu"), *_region("us")),
        "reporting": NAMESPACED.pipelines["__default__"][10:],  # compare and what follows
    },
    conf={
        "base/airflow.yml": AIRFLOW_YML,
        "local/airflow.yml": AIRFLOW_LOCAL_YML,
    },
)

# A registry that reads a path relative to the project folder (run from anywhere else, it fails
# unless the project is loaded in its own folder, as Kedro's CLI loads it).
RELATIVE = dataclasses.replace(CHAIN, package="relative_project", relative_registry=True)


def _league(chain: int, scores: int) -> tuple[Node, ...]:
    """A big public project's shape, small: a namespace's long chain of numbered nodes joined by
    in-memory datasets (one task of ``chain`` nodes), then ``scores`` numbered nodes side by side."""
    prepare = [
        Node(
            f"prepare_{i}",
            ("matches",) if i == 1 else (f"model.step_{i - 1}",),
            ("model.features",) if i == chain else (f"model.step_{i}",),
            namespace="model",
        )
        for i in range(1, chain + 1)
    ]
    score = [
        Node(
            f"score_{i}", ("model.features", "params:model.options"), (f"model.score_{i}",), namespace="model"
        )
        for i in range(1, scores + 1)
    ]
    return (
        Node("ingest", ("raw",), ("matches",)),
        *prepare,
        *score,
        Node("report", tuple(f"model.score_{i}" for i in range(1, scores + 1)), ("report",)),
    )


# Long node lists in a docstring are summarised; numbered names in natural order.
LEAGUE = Project(
    package="league_project",
    pipelines={"__default__": _league(chain=48, scores=12)},
    persisted=frozenset(
        {"raw", "matches", "model.features", "report", *(f"model.score_{i}" for i in range(1, 13))}
    ),
    params={"model": {"options": {"depth": 3}}},
)

CASES = {p.package: p for p in (CHAIN, MEMORY, CYCLE, HOSTILE, NAMESPACED, CONFIGURED, LEAGUE)}

# One task of each flavour of isolated task (tests/test_flavours.py, tests/test_formatting.py).
FOUR = dataclasses.replace(
    CHAIN,
    package="flavoured_project",
    pipelines={
        "__default__": (
            *CHAIN.pipelines["__default__"],
            Node("publish", ("loaded",), ("published",)),
        )
    },
    persisted=CHAIN.persisted | {"published"},
)
FLAVOURED_YML = """\
default:
  tasks:
    "node:extract":
      flavour: {external_python: {python: /opt/venvs/flavoured/bin/python}}
    "node:transform":
      retries: 3
      flavour:
        virtualenv:
          requirements: ["pandas>=2", "kedro~=1.0"]
          system_site_packages: false
          python_version: "3.11"
    "node:load":
      flavour:
        kubernetes: {image: "registry.example.com/flavoured:1.0", namespace: data, project_path: /app}
    "node:publish":
      flavour: {docker: {image: "registry.example.com/flavoured:1.0", project_path: /app}}
"""
FLAVOURED = dataclasses.replace(FOUR, conf={"base/airflow.yml": FLAVOURED_YML})
