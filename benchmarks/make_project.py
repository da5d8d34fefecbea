"""Write a synthetic Kedro 1.7 project of exactly N nodes; same N and seed, same bytes.

Shape: ``ingest`` nodes (no namespace) load raw tables; each region (``eu``, ``us``, ...) runs
three nested namespaces, ``<region>.prep``, ``<region>.features`` and ``<region>.model``, of
layered nodes that take 1-3 tables from the two layers before, so tables fan in and out;
``report`` nodes (no namespace) join the regions' results, and the last one all the reports.
A node sometimes hands its table to the next layer in memory, forming chains of up to three
nodes, so that about 15% of node-to-node edges pass a MemoryDataset; every other table is
persisted through one dataset factory pattern of the catalog. Tables read outside their region
have no dots in their names, as the ``outputs=`` of a namespaced Kedro pipeline would.

Usage: python make_project.py N FOLDER [--seed S]
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

REGIONS = ("eu", "us", "apac", "latam", "mea", "anz", "nordics", "india")
VERBS = {
    "prep": ("clean", "validate", "dedupe"),
    "features": ("encode", "aggregate", "window"),
    "model": ("train", "score", "evaluate"),
}
STAGE_SHARES = (0.30, 0.45, 0.25)  # of a region's nodes, in the order of VERBS
CHAIN_CHANCE = 0.35  # a node continues an in-memory chain from the layer before
MAX_CHAIN = 3  # nodes
PARAMS_CHANCE = 0.1  # a node also reads a parameter


@dataclass
class Node:
    name: str  # within its namespace
    namespace: str | None
    inputs: list[str]
    params: str | None = None
    tags: tuple[str, ...] = ()
    in_memory: bool = False  # its output is a MemoryDataset
    exported: bool = False  # read outside its top-level namespace: no dots in its output's name
    chain: int = 1  # nodes in the in-memory chain it ends
    consumers: int = 0

    @property
    def full_name(self) -> str:
        return f"{self.namespace}.{self.name}" if self.namespace else self.name

    @property
    def output(self) -> str:
        name = self.full_name.replace(".", "_") if self.exported else self.full_name
        return f"{name}_{'mem' if self.in_memory else 'table'}"


@dataclass
class Shape:
    nodes: list[Node] = field(default_factory=list)
    regions: tuple[str, ...] = ()

    def stats(self) -> dict:
        producer = {n.output: n for n in self.nodes}
        edges = [(producer[d], n) for n in self.nodes for d in n.inputs if d in producer]
        return {
            "nodes": len(self.nodes),
            "edges": len(edges),
            "memory_edges": sum(a.in_memory for a, _ in edges),
            "namespaces": len({n.namespace for n in self.nodes if n.namespace} | set(self.regions)),
            "parameters": sum(n.params is not None for n in self.nodes),
        }


def build(n: int, seed: int = 0) -> Shape:
    """The nodes of an ``n``-node project, in a topological order."""
    if n < 10:
        raise ValueError("need at least 10 nodes")
    rng = random.Random(seed)
    n_ingest, n_report = max(1, n // 50), max(1, n // 25)
    regions = REGIONS[: max(1, min(len(REGIONS), n // 40))]
    body = n - n_ingest - n_report
    shape = Shape(regions=regions)
    ingest = [Node(f"load_{i}", None, [f"raw_{i}"], tags=("ingest",)) for i in range(n_ingest)]
    shape.nodes += ingest
    last_layers = []
    for r, region in enumerate(regions):
        size = body // len(regions) + (r < body % len(regions))
        layers = _region(rng, region, size, ingest)
        shape.nodes += [node for layer in layers for node in layer]
        for node in layers[-1]:
            node.exported = True
        last_layers.append(layers[-1])
    shape.nodes += _reports(rng, n_report, last_layers)
    assert len(shape.nodes) == n
    return shape


def _region(rng: random.Random, region: str, size: int, ingest: list[Node]) -> list[list[Node]]:
    """Layers of one region's nodes, stage after stage."""
    width = max(2, round(0.7 * math.sqrt(size)))
    sizes = [round(size * share) for share in STAGE_SHARES]
    sizes[-1] = size - sum(sizes[:-1])
    layers: list[list[Node]] = []
    chains = 0
    for (stage, verbs), stage_size in zip(VERBS.items(), sizes, strict=True):
        namespace = f"{region}.{stage}"
        start = len(layers)
        for first in range(0, stage_size, width):
            layer = [
                Node(f"{verbs[i % len(verbs)]}_{i}", namespace, [], tags=(stage,))
                for i in range(first, min(first + width, stage_size))
            ]
            chains += _connect(rng, layer, layers, ingest, same_stage=len(layers) > start, force=not chains)
            layers.append(layer)
    return layers


def _connect(
    rng: random.Random,
    layer: list[Node],
    before: list[list[Node]],
    ingest: list[Node],
    same_stage: bool,
    force: bool,
) -> int:
    """Give each node of ``layer`` its inputs; every table of the layer before gets a reader.

    Returns how many nodes continue an in-memory chain; with ``force``, at least one does.
    """
    previous = before[-1] if before else ingest
    older = [x for lay in before[-3:-1] for x in lay if not x.in_memory] or ingest
    chained = set()
    if same_stage:  # in-memory chains: the head's table goes to this node only
        heads = [x for x in previous if x.chain < MAX_CHAIN]
        for node in layer:
            if heads and (rng.random() < CHAIN_CHANCE or force and not chained):
                head = heads.pop(rng.randrange(len(heads)))
                head.in_memory, node.chain = True, head.chain + 1
                _read(node, head)
                for _ in range(rng.choice((0, 0, 1))):  # others only from before the head
                    _read(node, rng.choice(older))
                chained.add(node.full_name)
    persisted = [x for x in previous if not x.in_memory]
    unread = [x for x in persisted if x.consumers == 0]
    free = [node for node in layer if node.full_name not in chained]
    for node in free:
        if unread:
            _read(node, unread.pop(0))
        for _ in range(rng.choice((0, 1, 1, 2)) if node.inputs else 1):
            _read(node, rng.choice(persisted if persisted and rng.random() < 0.7 else older))
    for x in unread:  # a layer narrower than the one before: fan in
        if free:
            _read(rng.choice(free), x)
    for node in layer:
        if rng.random() < PARAMS_CHANCE:
            node.params = f"params:{node.namespace}.options"
    return len(chained)


def _read(node: Node, table: Node) -> None:
    if table.output not in node.inputs:
        node.inputs.append(table.output)
        table.consumers += 1


def _reports(rng: random.Random, count: int, last_layers: list[list[Node]]) -> list[Node]:
    """Top-level reports, each joining 2-4 regions' results; the last joins every report."""
    results = [node for layer in last_layers for node in layer]
    reports = []
    for i in range(count):
        node = Node(f"report_{i}", None, [], tags=("report",))
        if i == count - 1 and count >= 3:
            for other in reports:
                _read(node, other)
        else:
            _read(node, results[i % len(results)])
            for layer in rng.sample(last_layers, min(len(last_layers), rng.randint(1, 3))):
                _read(node, rng.choice(layer))
        reports.append(node)
    return reports


# ---- files ------------------------------------------------------------------------------------

PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "{package}"
version = "0.1"
dependencies = ["kedro~=1.7", "kedro-datasets[pickle-pickledataset]"]

[tool.kedro]
package_name = "{package}"
project_name = "{package}"
kedro_init_version = "1.7.0"
source_dir = "src"
"""

SETTINGS = '"""Project settings: Kedro\'s defaults."""\n'

NODES = '''\
"""Trivial table functions shared by every pipeline; a table is a list of numbers."""


def load(raw):
    """Copy a raw table."""
    return list(raw)


def transform(table):
    """Drop missing values."""
    return [value for value in table if value is not None]


def scale(table, options):
    """Multiply by the namespace's factor."""
    return [value * options["factor"] for value in table]


def combine(*tables):
    """Concatenate tables."""
    return [value for table in tables for value in table]


def combine_scaled(options, *tables):
    """Concatenate tables, then multiply by the namespace's factor."""
    return [value * options["factor"] for table in tables for value in table]
'''

CATALOG = """\
# Every table a node writes is a pickle; anything not matched here is a MemoryDataset.
"{name}_table":
  type: pickle.PickleDataset
  filepath: data/02_intermediate/{name}.pkl
"""


def write_project(root: Path, n: int, seed: int = 0) -> tuple[Path, dict]:
    """Write the ``n``-node project under ``root``; return its folder and its shape's stats."""
    shape = build(n, seed)
    return write_shape(root, f"bench_{n}", shape), shape.stats()


def write_shape(root: Path, package: str, shape: Shape) -> Path:
    """Write a project of ``shape``'s nodes as ``root/package``: a pipeline per top-level
    namespace (or first tag), ``__default__`` their sum; return its folder."""
    path = root / package
    src = path / "src" / package
    (src / "pipelines").mkdir(parents=True)
    for folder in ("conf/base", "conf/local", "data/01_raw", "data/02_intermediate"):
        (path / folder).mkdir(parents=True)
    (path / "pyproject.toml").write_text(PYPROJECT.format(package=package))
    (src / "__init__.py").write_text("")
    (src / "settings.py").write_text(SETTINGS)
    (src / "nodes.py").write_text(NODES)
    (src / "pipelines" / "__init__.py").write_text("")
    sections: dict[str, list[Node]] = {}
    for node in shape.nodes:
        sections.setdefault((node.namespace or node.tags[0]).split(".")[0], []).append(node)
    for section, nodes in sections.items():
        (src / "pipelines" / f"{section}.py").write_text(_pipeline_module(package, section, nodes))
    (src / "pipeline_registry.py").write_text(_registry(package, list(sections)))
    raw = "".join(
        f"{node.inputs[0]}:\n  type: pickle.PickleDataset\n  filepath: data/01_raw/{node.inputs[0]}.pkl\n"
        for node in sections["ingest"]
    )
    (path / "conf" / "base" / "catalog.yml").write_text(CATALOG + raw)
    parameters: dict = {}
    for node in shape.nodes:
        if node.params:
            *keys, last = node.params.removeprefix("params:").split(".")
            _nested(parameters, keys)[last] = {"factor": 2}
    (path / "conf" / "base" / "parameters.yml").write_text(json.dumps(parameters, indent=2) + "\n")
    return path


def _nested(tree: dict, keys: list[str]) -> dict:
    for key in keys:
        tree = tree.setdefault(key, {})
    return tree


def _pipeline_module(package: str, section: str, nodes: list[Node]) -> str:
    lines = [
        f'"""The {section} pipeline."""',
        "",
        "from kedro.pipeline import Node, Pipeline",
        "",
        f"from {package}.nodes import combine, combine_scaled, load, scale, transform",
        "",
        "",
        "def create_pipeline(**kwargs) -> Pipeline:",
        "    return Pipeline(",
        "        [",
    ]
    for node in nodes:
        function, inputs = _function(node)
        namespace = f", namespace={node.namespace!r}" if node.namespace else ""
        lines.append(
            f"            Node({function}, {inputs!r}, {node.output!r}, name={node.name!r}"
            f"{namespace}, tags={list(node.tags)!r}),"
        )
    return "\n".join([*lines, "        ]", "    )", ""])


def _function(node: Node) -> tuple[str, list[str] | str]:
    if node.tags == ("ingest",):
        return "load", node.inputs[0]
    if node.params is None:
        return ("transform", node.inputs[0]) if len(node.inputs) == 1 else ("combine", node.inputs)
    if len(node.inputs) == 1:
        return "scale", [node.inputs[0], node.params]
    return "combine_scaled", [node.params, *node.inputs]


def _registry(package: str, sections: list[str]) -> str:
    imports = ", ".join(sorted(sections))
    entries = "".join(f'        "{s}": {s}.create_pipeline(),\n' for s in sections)
    return (
        '"""Every section as its own pipeline; __default__ runs them all."""\n\n'
        "from kedro.pipeline import Pipeline\n\n"
        f"from {package}.pipelines import {imports}\n\n\n"
        "def register_pipelines() -> dict[str, Pipeline]:\n"
        "    pipelines = {\n"
        f"{entries}"
        "    }\n"
        '    pipelines["__default__"] = sum(pipelines.values(), Pipeline([]))\n'
        "    return pipelines\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("nodes", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    path, stats = write_project(args.folder, args.nodes, args.seed)
    print(path, json.dumps(stats))


if __name__ == "__main__":
    main()
