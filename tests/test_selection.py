"""Selecting nodes as ``kedro run --tags/--nodes/--from-nodes/--to-nodes`` does."""

from __future__ import annotations

import pytest

from kedro_taskflow.errors import FROM_NODES, UsageError
from kedro_taskflow.model import NodeSpec, Selection
from kedro_taskflow.selection import select

NODES = (
    NodeSpec("make", inputs=("raw",), outputs=("made@pandas",), tags=("ingest",)),
    NodeSpec("clean", inputs=("made@spark",), outputs=("cleaned",)),
    NodeSpec("report", inputs=("cleaned",), outputs=("report",), tags=("reporting",)),
    NodeSpec("side", inputs=("raw",), outputs=("side",), tags=("reporting",)),
)


def names(selection: Selection) -> list[str]:
    return [n.name for n in select(NODES, selection)]


def test_no_filter_keeps_every_node_in_its_order():
    assert names(Selection()) == ["make", "clean", "report", "side"]


def test_from_and_to_nodes_follow_datasets_through_transcoding():
    assert names(Selection(from_nodes=("make",))) == ["make", "clean", "report"]
    assert names(Selection(to_nodes=("report",))) == ["make", "clean", "report"]


def test_filters_intersect():
    assert names(Selection(tags=("reporting",), from_nodes=("clean",))) == ["report"]
    assert names(Selection(tags=("ingest", "reporting"))) == ["make", "report", "side"]
    assert names(Selection(nodes=("clean", "side"), to_nodes=("report",))) == ["clean"]


def test_an_unknown_node_is_named_with_its_option():
    with pytest.raises(UsageError) as raised:
        select(NODES, Selection(from_nodes=("make", "nope", "gone")))
    assert raised.value.parts[0] == FROM_NODES
    assert str(raised.value) == "from_nodes: no node named 'gone', 'nope' in the pipeline."
