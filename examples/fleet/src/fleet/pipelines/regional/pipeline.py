"""Regional pipeline: one region's orders to a fitted price model and its metrics.

The same four nodes are instantiated once per region under the region's
namespace, so ``make_orders`` becomes ``eu.make_orders``, ``raw_orders``
becomes ``eu.raw_orders`` and ``params:market`` becomes ``params:eu.market``.
"""

from __future__ import annotations

from collections.abc import Iterable

from kedro.pipeline import Node, Pipeline

from .nodes import clean_orders, evaluate_model, make_orders, train_model


def create_template() -> Pipeline:
    """Create the region-agnostic pipeline, before any namespace is applied."""
    return Pipeline(
        [
            Node(
                func=make_orders,
                inputs=["shuttle_types", "params:market"],
                outputs="raw_orders",
                name="make_orders",
            ),
            Node(
                func=clean_orders,
                inputs="raw_orders",
                outputs="clean_orders",
                name="clean",
            ),
            Node(
                func=train_model,
                inputs=["clean_orders", "params:model_options"],
                outputs="model",
                name="train",
                tags="training",
            ),
            Node(
                func=evaluate_model,
                inputs=["model", "clean_orders", "params:model_options"],
                outputs="metrics",
                name="evaluate",
                tags=["training", "reporting"],
            ),
        ]
    )


def create_pipeline(
    regions: Iterable[str] = ("eu", "us"), **kwargs: object
) -> Pipeline:
    """Create one namespaced copy of the regional pipeline per region.

    ``shuttle_types`` and ``params:model_options`` are shared by all regions,
    so they are listed in ``inputs`` and ``parameters`` to keep their names;
    every other dataset and parameter gets the region as a prefix.

    ``<region>.clean_orders`` has no catalog entry and so lives in memory.
    """
    template = create_template()
    return Pipeline(
        [
            Pipeline(
                template,
                namespace=region,
                inputs={"shuttle_types"},
                parameters={"model_options"},
            )
            for region in regions
        ]
    )
