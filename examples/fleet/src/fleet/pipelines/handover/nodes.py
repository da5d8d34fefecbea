"""Nodes that hand the fleet sheet to another team, with a checksum of its file."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd


def describe_fleet(shuttle_types: pd.DataFrame) -> dict[str, Any]:
    """Summarise the fleet as a JSON-able sheet.

    Args:
        shuttle_types: One row per shuttle type, with ``capacity_t`` and ``range_km``.

    Returns:
        The types in order, the total capacity and the longest range.
    """
    return {
        "types": sorted(shuttle_types["shuttle_type"]),
        "total_capacity_t": round(float(shuttle_types["capacity_t"].sum()), 3),
        "max_range_km": int(shuttle_types["range_km"].max()),
    }


def checksum_sheet(sheet: str) -> dict[str, Any]:
    """Checksum the sheet's file as written, so the receiver can verify what it got.

    Args:
        sheet: The text of the fleet sheet: the same file ``describe_fleet`` wrote
            as JSON, read back through ``fleet_sheet@text``.

    Returns:
        The file's size in bytes and its SHA-256.
    """
    data = sheet.encode("utf-8")
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
