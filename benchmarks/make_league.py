"""Write a synthetic Kedro 1.7 project shaped like a big public one (issue 25 §4); same N and
seed, same bytes.

The public project (a football-league modelling project of 6,366 nodes) runs one long model
chain per model family, each node handing the next its result in memory, so that each chain
becomes one task of about a thousand nodes; around the chains stand many numbered nodes side
by side, in namespaces three deep, read across namespaces. So here, for each model family
(``xgboost``, ``lightgbm``, ...):

- ``<family>.features.<team|player|match>``: numbered ``feature_<i>`` nodes side by side, each
  reading one or two ingested tables (top level);
- ``<family>.model.train``: a chain ``model_node_1`` ... ``model_metrics_node`` joined by
  MemoryDatasets (about 72% of the family's nodes), which now and then reads a team or player
  feature;
- ``<family>.evaluate.<score|plot>``: numbered ``metric_<i>`` nodes side by side, each reading the
  chain's result and a match feature;

then top-level ``report_<i>`` nodes read metrics of several families. Every other table is
persisted through the catalog's one dataset factory pattern. ``__default__`` runs them all.

Usage: python make_league.py N FOLDER [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from make_project import Node, Shape, write_shape

FAMILIES = ("xgboost", "lightgbm", "forest", "linear")
FEATURES = ("team", "player", "match")
CHECKS = ("score", "plot")
CHAIN_SHARE = 0.72  # of a family's nodes: one task of about 1,000 nodes at 6,000 nodes
FEATURE_SHARE = 0.55  # of the rest; the remainder evaluates


def build(n: int, seed: int = 0) -> Shape:
    """The nodes of an ``n``-node project."""
    if n < 100:
        raise ValueError("need at least 100 nodes")
    rng = random.Random(seed)
    n_ingest, n_report = max(2, n // 750), max(2, n // 65)
    ingest = [Node(f"load_{i}", None, [f"raw_{i}"], tags=("ingest",)) for i in range(1, n_ingest + 1)]
    body = n - n_ingest - n_report
    shape = Shape(nodes=list(ingest), regions=FAMILIES)
    metrics: list[Node] = []
    for f, family in enumerate(FAMILIES):
        size = body // len(FAMILIES) + (f < body % len(FAMILIES))
        nodes = _family(rng, family, size, ingest)
        shape.nodes += nodes
        metrics += [node for node in nodes if node.name.startswith("metric_")]
    for i in range(1, n_report + 1):
        report = Node(f"report_{i}", None, [], tags=("report",))
        for metric in [*metrics[i - 1 :: n_report], rng.choice(metrics)]:
            _read(report, metric)
        shape.nodes.append(report)
    assert len(shape.nodes) == n
    return shape


def _family(rng: random.Random, family: str, size: int, ingest: list[Node]) -> list[Node]:
    chain_size = round(size * CHAIN_SHARE)
    n_features = round((size - chain_size) * FEATURE_SHARE)
    n_metrics = size - chain_size - n_features
    features = {
        kind: [
            Node(f"feature_{i}", f"{family}.features.{kind}", [], tags=("features",))
            for i in range(1, _share(n_features, len(FEATURES), k) + 1)
        ]
        for k, kind in enumerate(FEATURES)
    }
    for node in (node for nodes in features.values() for node in nodes):
        for table in rng.sample(ingest, rng.choice((1, 2))):
            _read(node, table)
    names = [f"model_node_{i}" for i in range(1, chain_size)] + ["model_metrics_node"]
    chain = [Node(name, f"{family}.model.train", [], tags=("model",)) for name in names]
    for before, node in zip(chain, chain[1:], strict=False):
        before.in_memory = True
        _read(node, before)
    for feature in (*features["team"], *features["player"]):  # each read once, along the chain
        _read(rng.choice(chain), feature)
    metrics = [
        Node(f"metric_{i}", f"{family}.evaluate.{check}", [], tags=("evaluate",), exported=True)
        for c, check in enumerate(CHECKS)
        for i in range(1, _share(n_metrics, len(CHECKS), c) + 1)
    ]
    for i, node in enumerate(metrics):
        _read(node, chain[-1])
        match = features["match"]
        _read(node, match[i % len(match)] if i < len(match) else rng.choice(match))
    return [node for nodes in features.values() for node in nodes] + chain + metrics


def _share(total: int, parts: int, index: int) -> int:
    return total // parts + (index < total % parts)


def _read(node: Node, table: Node) -> None:
    if table.output not in node.inputs:
        node.inputs.append(table.output)
        table.consumers += 1


def write_project(root: Path, n: int, seed: int = 0) -> tuple[Path, dict]:
    """Write the ``n``-node project under ``root``; return its folder and its shape's stats."""
    shape = build(n, seed)
    return write_shape(root, f"league_{n}", shape), shape.stats()


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
