"""Handover pipeline: one dataset, two types (Kedro's transcoding).

``fleet_sheet@json`` and ``fleet_sheet@text`` are one dataset, ``fleet_sheet``,
stored once in ``data/08_reporting/fleet_sheet.json``: ``describe_fleet`` writes
it through ``json.JSONDataset`` and ``checksum_sheet`` reads the same file
through ``text.TextDataset``. Kedro therefore runs ``describe_fleet`` first,
although no dataset name is shared between the two nodes.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from .nodes import checksum_sheet, describe_fleet


def create_pipeline(**kwargs: object) -> Pipeline:
    """Create the handover pipeline."""
    return Pipeline(
        [
            Node(
                func=describe_fleet,
                inputs="shuttle_types",
                outputs="fleet_sheet@json",
                name="describe_fleet",
            ),
            Node(
                func=checksum_sheet,
                inputs="fleet_sheet@text",
                outputs="fleet_sheet_checksum",
                name="checksum_sheet",
            ),
        ]
    )
