"""Nodes that combine the per-region datasets into company-wide ones.

Each function takes one keyword argument per region, named after the region,
so the same code serves however many regions the project registers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def pool_orders(**raw_orders: pd.DataFrame) -> pd.DataFrame:
    """Stack every region's orders into one table.

    Args:
        **raw_orders: Each region's raw orders, keyed by region.

    Returns:
        All orders with a leading ``region`` column, sorted by region and
        ``order_id``.
    """
    pooled = pd.concat(
        [orders.assign(region=region) for region, orders in raw_orders.items()],
        ignore_index=True,
    )
    columns = ["region", *(c for c in pooled.columns if c != "region")]
    return pooled[columns].sort_values(["region", "order_id"]).reset_index(drop=True)


def compare_regions(**metrics: dict[str, Any]) -> dict[str, Any]:
    """Put the regional model scores side by side.

    Args:
        **metrics: Each region's model metrics, keyed by region.

    Returns:
        R², MAE (in the region's own currency) and test size per region, and
        the region whose model explains its prices best.
    """
    regions = {
        region: {
            "r2_score": scores["r2_score"],
            "mae": scores["mae"],
            "n_test_rows": scores["n_test_rows"],
        }
        for region, scores in sorted(metrics.items())
    }
    return {
        "regions": regions,
        "best_r2_region": max(regions, key=lambda region: regions[region]["r2_score"]),
    }
