"""Consolidation pipeline: regional outputs to company-wide datasets.

These nodes have no namespace. They read namespaced datasets such as
``eu.raw_orders`` by their full names and write un-prefixed datasets.
"""

from __future__ import annotations

from collections.abc import Iterable

from kedro.pipeline import Node, Pipeline

from .nodes import compare_regions, pool_orders


def create_pipeline(
    regions: Iterable[str] = ("eu", "us"), **kwargs: object
) -> Pipeline:
    """Create the consolidation pipeline for the given regions."""
    regions = list(regions)
    return Pipeline(
        [
            Node(
                func=pool_orders,
                inputs={region: f"{region}.raw_orders" for region in regions},
                outputs="pooled_orders",
                name="pool_orders",
            ),
            Node(
                func=compare_regions,
                inputs={region: f"{region}.metrics" for region in regions},
                outputs="region_comparison",
                name="compare_regions",
                tags="reporting",
            ),
        ]
    )
