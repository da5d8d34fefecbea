"""The test oracle for dependencies: Kedro's own ``Pipeline`` built from ``NodeSpec``s."""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from kedro.pipeline import Node, Pipeline

from kedro_taskflow.model import NodeSpec


def _never_run(*inputs):
    raise AssertionError("the oracle pipeline is inspected, not run")


def kedro_pipeline(nodes: Iterable[NodeSpec]) -> Pipeline:
    """A real Kedro pipeline with the nodes' names, namespaces, inputs and outputs.

    Nodes with neither inputs nor outputs, which Kedro refuses and which depend on nothing, are
    left out.
    """
    built = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dots in dataset names, interrupted namespaces
        for n in nodes:
            if not n.inputs and not n.outputs:
                continue
            short = n.name[len(n.namespace) + 1 :] if n.namespace else n.name
            inputs, outputs = list(n.inputs) or None, list(n.outputs) or None
            built.append(Node(_never_run, inputs, outputs, name=short, namespace=n.namespace))
        return Pipeline(built)


def kedro_edges(nodes: Iterable[NodeSpec]) -> set[tuple[str, str]]:
    """(upstream node, downstream node) for every direct dependency Kedro sees."""
    pipeline = kedro_pipeline(nodes)
    return {(p.name, child.name) for child, parents in pipeline.node_dependencies.items() for p in parents}
