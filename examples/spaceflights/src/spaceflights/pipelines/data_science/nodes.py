"""Nodes that split the data, fit an ordinary least squares model and score it.

The fitted model is a plain dictionary, so the pickled file can be loaded
without this package being installed.
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
    intercept: float
    coefficients: list[float]


def split_data(
    data: pd.DataFrame, parameters: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Split the model input table into train and test sets.

    Args:
        data: The model input table.
        parameters: ``model_options``: ``features``, ``target``, ``test_size``
            (fraction of rows held out) and ``random_state`` (shuffle seed).

    Returns:
        ``X_train``, ``X_test``, ``y_train`` and ``y_test``.
    """
    features = data[parameters["features"]]
    target = data[parameters["target"]]

    order = np.random.default_rng(parameters["random_state"]).permutation(len(data))
    n_test = round(len(data) * parameters["test_size"])
    test_rows, train_rows = order[:n_test], order[n_test:]

    return (
        features.iloc[train_rows],
        features.iloc[test_rows],
        target.iloc[train_rows],
        target.iloc[test_rows],
    )


def summarise_features(X_train: pd.DataFrame, y_train: pd.Series) -> dict[str, Any]:
    """Describe each training feature and its correlation with the target.

    Args:
        X_train: Training features.
        y_train: Training target.

    Returns:
        Per-feature mean, standard deviation and Pearson correlation with the
        target, rounded for stable output.
    """
    numeric = X_train.astype(float)
    summary = {
        name: {
            "mean": round(float(column.mean()), _DIGITS),
            "std": round(float(column.std()), _DIGITS),
            "corr_with_target": round(float(column.corr(y_train)), _DIGITS),
        }
        for name, column in numeric.items()
    }
    return {
        "n_train_rows": len(X_train),
        "target": str(y_train.name),
        "features": summary,
    }


def _design_matrix(X: pd.DataFrame) -> np.ndarray:
    """Features as floats, with a leading column of ones for the intercept."""
    return np.column_stack([np.ones(len(X)), X.to_numpy(dtype=float)])


def train_model(X_train: pd.DataFrame, y_train: pd.Series) -> LinearModel:
    """Fit ordinary least squares with an intercept.

    Args:
        X_train: Training features.
        y_train: Training target.

    Returns:
        The fitted model.
    """
    solution, *_ = np.linalg.lstsq(
        _design_matrix(X_train), y_train.to_numpy(dtype=float), rcond=None
    )
    return LinearModel(
        features=list(X_train.columns),
        intercept=float(solution[0]),
        coefficients=[float(value) for value in solution[1:]],
    )


def predict(regressor: LinearModel, X_test: pd.DataFrame) -> pd.Series:
    """Predict the target for each test row.

    Args:
        regressor: The fitted model.
        X_test: Test features.

    Returns:
        Predictions, indexed like ``X_test``.
    """
    coefficients = np.array([regressor["intercept"], *regressor["coefficients"]])
    values = _design_matrix(X_test[regressor["features"]]) @ coefficients
    return pd.Series(values, index=X_test.index, name="prediction")


def evaluate_model(y_pred: pd.Series, y_test: pd.Series) -> dict[str, float | int]:
    """Score the predictions on the held-out rows.

    Args:
        y_pred: Predicted target.
        y_test: Actual target.

    Returns:
        R², mean absolute error and the number of test rows.
    """
    actual = y_test.to_numpy(dtype=float)
    residuals = actual - y_pred.to_numpy(dtype=float)
    r2 = 1.0 - float(np.sum(residuals**2) / np.sum((actual - actual.mean()) ** 2))
    mae = float(np.mean(np.abs(residuals)))
    logger.info("Model has an R² of %.3f and a MAE of %.1f on test data.", r2, mae)
    return {
        "r2_score": round(r2, _DIGITS),
        "mae": round(mae, _DIGITS),
        "n_test_rows": len(y_test),
    }
