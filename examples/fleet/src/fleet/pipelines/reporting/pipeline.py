"""Reporting pipeline: pooled orders to a daily report, in the nested namespace
``reporting.daily``.

The currency conversion sits between the report's two nodes but outside its
namespace: ``daily_totals_usd`` is a company-wide dataset that finance uses as
well, not a part of the report. Kedro warns that this interrupts the
``reporting`` namespace; the run itself is unaffected.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from .nodes import aggregate_days, convert_currency, summarise


def create_template() -> Pipeline:
    """Create the report's own nodes, before any namespace is applied."""
    return Pipeline(
        [
            Node(
                func=aggregate_days,
                inputs="orders",
                outputs="totals",
                name="aggregate",
            ),
            Node(
                func=summarise,
                inputs=["totals_usd", "comparison"],
                outputs="summary",
                name="summarise",
            ),
        ],
        tags="reporting",
    )


def create_pipeline(**kwargs: object) -> Pipeline:
    """Create the daily report and the currency conversion it relies on.

    The template's free inputs are mapped to the company-wide datasets, so
    they keep those names; ``totals`` and ``summary`` are prefixed and become
    ``reporting.daily.totals`` and ``reporting.daily.summary``.
    """
    daily_report = Pipeline(
        create_template(),
        namespace="reporting.daily",
        inputs={
            "orders": "pooled_orders",
            "totals_usd": "daily_totals_usd",
            "comparison": "region_comparison",
        },
    )
    return Pipeline(
        [
            daily_report,
            Node(
                func=convert_currency,
                inputs=["reporting.daily.totals", "params:fx_rates"],
                outputs="daily_totals_usd",
                name="convert_currency",
                tags=["reporting", "finance"],
            ),
        ]
    )
