"""Nodes that clean the raw data and join it into one model input table."""

from __future__ import annotations

import pandas as pd


def _is_true(column: pd.Series) -> pd.Series:
    """Convert a ``t``/``f`` text column to booleans."""
    return column == "t"


def _parse_percentage(column: pd.Series) -> pd.Series:
    """Convert values such as ``"90%"`` to floats such as ``0.9``."""
    return column.str.rstrip("%").astype(float) / 100


def _parse_money(column: pd.Series) -> pd.Series:
    """Convert values such as ``"$1,325.0"`` to floats such as ``1325.0``."""
    return (
        column.str.replace("$", "", regex=False)
        .str.replace(",", "", regex=False)
        .astype(float)
    )


def preprocess_companies(companies: pd.DataFrame) -> pd.DataFrame:
    """Parse the company rating and IATA approval flag.

    Args:
        companies: Raw company data.

    Returns:
        Companies with ``company_rating`` as a fraction and ``iata_approved``
        as a boolean.
    """
    return companies.assign(
        iata_approved=_is_true(companies["iata_approved"]),
        company_rating=_parse_percentage(companies["company_rating"]),
    )


def preprocess_shuttles(shuttles: pd.DataFrame) -> pd.DataFrame:
    """Parse the inspection flags and the price of each shuttle.

    Args:
        shuttles: Raw shuttle data.

    Returns:
        Shuttles with boolean check columns and a numeric ``price``.
    """
    return shuttles.assign(
        d_check_complete=_is_true(shuttles["d_check_complete"]),
        moon_clearance_complete=_is_true(shuttles["moon_clearance_complete"]),
        price=_parse_money(shuttles["price"]),
    )


def create_model_input_table(
    shuttles: pd.DataFrame, companies: pd.DataFrame, reviews: pd.DataFrame
) -> pd.DataFrame:
    """Join shuttles with their reviews and operating company.

    Shuttles without a review and rows with any missing value are dropped, and
    the result is sorted by shuttle id so its content does not depend on the
    join order.

    Args:
        shuttles: Preprocessed shuttle data.
        companies: Preprocessed company data.
        reviews: Raw review data, one row per shuttle.

    Returns:
        One row per shuttle with all columns needed for modelling.
    """
    with_reviews = shuttles.merge(reviews, left_on="id", right_on="shuttle_id")
    table = with_reviews.drop(columns="id").merge(
        companies, left_on="company_id", right_on="id"
    )
    return (
        table.drop(columns="id")
        .dropna()
        .sort_values("shuttle_id")
        .reset_index(drop=True)
    )
