"""Nodes that turn the pooled orders into a daily report in one currency."""

from __future__ import annotations

from typing import Any

import pandas as pd

_DIGITS = 6


def aggregate_days(orders: pd.DataFrame) -> pd.DataFrame:
    """Count orders and sum revenue per region and day.

    Args:
        orders: Orders of all regions, with ``region``, ``day``, ``status``,
            ``currency`` and ``price`` (missing for cancelled orders).

    Returns:
        One row per region and day: ``orders``, ``cancelled`` and ``revenue``
        in the region's currency.
    """
    return (
        orders.assign(cancelled=orders["status"] == "cancelled")
        .groupby(["region", "day", "currency"], as_index=False)
        .agg(
            orders=("order_id", "count"),
            cancelled=("cancelled", "sum"),
            revenue=("price", "sum"),
        )
        .round({"revenue": 2})
        .sort_values(["region", "day"])
        .reset_index(drop=True)
    )


def convert_currency(totals: pd.DataFrame, fx_rates: dict[str, float]) -> pd.DataFrame:
    """Express daily revenue in US dollars.

    Args:
        totals: Daily totals with ``currency`` and ``revenue``.
        fx_rates: US dollars per unit of each currency.

    Returns:
        The totals with ``revenue_usd`` in place of ``currency`` and
        ``revenue``.

    Raises:
        KeyError: If a currency has no rate.
    """
    missing = set(totals["currency"]) - set(fx_rates)
    if missing:
        raise KeyError(f"No USD rate for currencies: {sorted(missing)}")
    rate = totals["currency"].map(fx_rates).astype(float)
    return totals.assign(revenue_usd=(totals["revenue"] * rate).round(2)).drop(
        columns=["currency", "revenue"]
    )


def summarise(totals_usd: pd.DataFrame, comparison: dict[str, Any]) -> dict[str, Any]:
    """Summarise the period per day and per region.

    Args:
        totals_usd: Daily totals per region, revenue in US dollars.
        comparison: Regional model scores, with ``regions`` keyed by region.

    Returns:
        Company-wide totals per day, and per region the order count,
        cancellation rate, revenue and price model R².
    """
    columns = ["orders", "cancelled", "revenue_usd"]
    by_day = totals_usd.groupby("day")[columns].sum()
    by_region = totals_usd.groupby("region")[columns].sum()
    return {
        "days": [
            {
                "day": int(day),
                "orders": int(row["orders"]),
                "cancelled": int(row["cancelled"]),
                "revenue_usd": round(float(row["revenue_usd"]), 2),
            }
            for day, row in by_day.iterrows()
        ],
        "regions": {
            str(region): {
                "orders": int(row["orders"]),
                "cancellation_rate": round(
                    float(row["cancelled"] / row["orders"]), _DIGITS
                ),
                "revenue_usd": round(float(row["revenue_usd"]), 2),
                "price_model_r2": comparison["regions"][region]["r2_score"],
            }
            for region, row in by_region.iterrows()
        },
        "total_revenue_usd": round(float(totals_usd["revenue_usd"].sum()), 2),
    }
