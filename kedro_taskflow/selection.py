"""Select the nodes of a pipeline as ``kedro run --tags/--nodes/--from-nodes/--to-nodes`` does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from kedro_taskflow.errors import FROM_NODES, NODES, TO_NODES, UsageError
from kedro_taskflow.model import NodeSpec, Selection, base_dataset


def select(nodes: Sequence[NodeSpec], selection: Selection) -> tuple[NodeSpec, ...]:
    """The nodes every given filter keeps (filters intersect, as in Kedro), in their order."""
    names = [n.name for n in nodes]
    keep = set(names)
    for option, wanted in (
        (NODES, selection.nodes),
        (FROM_NODES, selection.from_nodes),
        (TO_NODES, selection.to_nodes),
    ):
        unknown = sorted(set(wanted) - keep if wanted else set())
        if unknown:
            raise UsageError(option, f": no node named {', '.join(map(repr, unknown))} in the pipeline.")
    if selection.tags:
        keep &= {n.name for n in nodes if set(n.tags) & set(selection.tags)}
    if selection.nodes:
        keep &= set(selection.nodes)
    if selection.from_nodes:
        keep &= _reachable(nodes, selection.from_nodes, downstream=True)
    if selection.to_nodes:
        keep &= _reachable(nodes, selection.to_nodes, downstream=False)
    return tuple(n for n in nodes if n.name in keep)


def _reachable(nodes: Sequence[NodeSpec], start: Sequence[str], downstream: bool) -> set[str]:
    """``start`` and every node after it (or before it) through datasets (``x@a`` is ``x``)."""
    producers = defaultdict(set)
    consumers = defaultdict(set)
    for n in nodes:
        for d in n.outputs:
            producers[base_dataset(d)].add(n.name)
        for d in n.inputs:
            consumers[base_dataset(d)].add(n.name)
    by_name = {n.name: n for n in nodes}
    seen, stack = set(start), list(start)
    while stack:
        node = by_name[stack.pop()]
        datasets = node.outputs if downstream else node.inputs
        for d in map(base_dataset, datasets):
            for nxt in (consumers if downstream else producers)[d] - seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
