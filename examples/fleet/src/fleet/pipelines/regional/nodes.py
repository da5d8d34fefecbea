"""Nodes that simulate a region's shuttle orders and model their prices.

The functions know nothing about regions: the pipeline is instantiated once
per region under a namespace, which picks the region's parameters and
datasets. The fitted model is a plain dictionary, so the pickled file can be
loaded without this package being installed.
"""

from __future__ import annotations

import logging
from typing import Any, TypedDict

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

_DIGITS = 6


class LinearModel(TypedDict):
    """A fitted linear model: ``target ~ intercept + features @ coefficients``."""

    features: list[str]
    target: str
    intercept: float
    coefficients: list[float]
    n_train_rows: int


def make_orders(shuttle_types: pd.DataFrame, market: dict[str, Any]) -> pd.DataFrame:
    """Simulate a region's orders from its market parameters.

    Each order books one shuttle type for a trip of some distance with some
    cargo; a few orders are cancelled and carry no price.

    Args:
        shuttle_types: The shared fleet: ``shuttle_type``, ``capacity_t``
            (maximum cargo in tonnes) and ``range_km`` (maximum distance).
        market: The region's ``market`` parameters: ``seed``, ``n_orders``,
            ``n_days``, ``currency``, ``mean_distance_km``, the price terms
            ``base_fare``, ``per_km``, ``per_tonne`` and ``price_noise``, and
            ``cancellation_rate``.

    Returns:
        One row per order: ``order_id``, ``day``, ``shuttle_type``,
        ``distance_km``, ``cargo_t``, ``status``, ``currency`` and ``price``.
    """
    rng = np.random.default_rng(market["seed"])
    n = market["n_orders"]

    fleet = shuttle_types.iloc[rng.integers(0, len(shuttle_types), size=n)]
    trip = rng.gamma(shape=4.0, scale=market["mean_distance_km"] / 4.0, size=n)
    distance_km = np.minimum(trip, fleet["range_km"].to_numpy(dtype=float))
    cargo_t = rng.uniform(0.2, 1.0, size=n) * fleet["capacity_t"].to_numpy(dtype=float)
    price = (
        market["base_fare"]
        + market["per_km"] * distance_km
        + market["per_tonne"] * cargo_t
        + rng.normal(0.0, market["price_noise"], size=n)
    )
    cancelled = rng.random(size=n) < market["cancellation_rate"]

    return pd.DataFrame(
        {
            "order_id": np.arange(1, n + 1),
            "day": rng.integers(1, market["n_days"] + 1, size=n),
            "shuttle_type": fleet["shuttle_type"].to_numpy(),
            "distance_km": distance_km.round(1),
            "cargo_t": cargo_t.round(2),
            "status": np.where(cancelled, "cancelled", "completed"),
            "currency": market["currency"],
            "price": np.where(cancelled, np.nan, price.round(2)),
        }
    )


def clean_orders(raw_orders: pd.DataFrame) -> pd.DataFrame:
    """Keep the completed, priced orders.

    Args:
        raw_orders: All orders of a region.

    Returns:
        Completed orders with a price, sorted by ``order_id``.
    """
    completed = raw_orders[raw_orders["status"] == "completed"]
    return (
        completed.dropna(subset=["price"])
        .drop(columns="status")
        .sort_values("order_id")
        .reset_index(drop=True)
    )


def _is_holdout(orders: pd.DataFrame, every: int) -> pd.Series:
    """Mark every ``every``-th order (by id) as held out for evaluation."""
    return orders["order_id"] % every == 0


def _design_matrix(orders: pd.DataFrame, features: list[str]) -> np.ndarray:
    """Features as floats, with a leading column of ones for the intercept."""
    return np.column_stack([np.ones(len(orders)), orders[features].to_numpy(float)])


def train_model(
    clean_orders: pd.DataFrame, model_options: dict[str, Any]
) -> LinearModel:
    """Fit ordinary least squares with an intercept on the training orders.

    Args:
        clean_orders: A region's completed orders.
        model_options: ``features``, ``target`` and ``holdout_every`` (every
            n-th order by id is kept out of training).

    Returns:
        The fitted model.
    """
    features, target = model_options["features"], model_options["target"]
    train = clean_orders[~_is_holdout(clean_orders, model_options["holdout_every"])]
    solution, *_ = np.linalg.lstsq(
        _design_matrix(train, features), train[target].to_numpy(float), rcond=None
    )
    return LinearModel(
        features=list(features),
        target=target,
        intercept=float(solution[0]),
        coefficients=[float(value) for value in solution[1:]],
        n_train_rows=len(train),
    )


def evaluate_model(
    model: LinearModel, clean_orders: pd.DataFrame, model_options: dict[str, Any]
) -> dict[str, Any]:
    """Score the model on the held-out orders.

    Args:
        model: The fitted model.
        clean_orders: A region's completed orders.
        model_options: ``holdout_every``, as used for training.

    Returns:
        R², mean absolute error, the row counts and the fitted coefficients,
        rounded so the file is identical from run to run.
    """
    test = clean_orders[_is_holdout(clean_orders, model_options["holdout_every"])]
    coefficients = np.array([model["intercept"], *model["coefficients"]])
    actual = test[model["target"]].to_numpy(float)
    residuals = actual - _design_matrix(test, model["features"]) @ coefficients
    r2 = 1.0 - float(np.sum(residuals**2) / np.sum((actual - actual.mean()) ** 2))
    mae = float(np.mean(np.abs(residuals)))
    logger.info("Model has an R² of %.3f and a MAE of %.2f on held-out data.", r2, mae)
    return {
        "r2_score": round(r2, _DIGITS),
        "mae": round(mae, _DIGITS),
        "n_train_rows": model["n_train_rows"],
        "n_test_rows": len(test),
        "intercept": round(model["intercept"], _DIGITS),
        "coefficients": dict(
            zip(
                model["features"],
                [round(value, _DIGITS) for value in model["coefficients"]],
                strict=True,
            )
        ),
    }
