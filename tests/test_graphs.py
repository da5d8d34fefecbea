"""Graph algorithms: deterministic orders, components, reduction."""

from __future__ import annotations

import pytest

from kedro_taskflow.graphs import ancestor_masks, reduced_upstream, strongly_connected, topological


def test_topological_order_breaks_ties_by_the_given_order():
    assert topological(["c", "b", "a"], {("a", "b")}) == ["c", "a", "b"]
    assert topological(["a", "b", "c"], {("c", "a")}) == ["b", "c", "a"]


def test_topological_order_refuses_a_cycle():
    with pytest.raises(ValueError, match="cycle"):
        topological(["a", "b"], {("a", "b"), ("b", "a")})


def test_strongly_connected_parts_are_named_by_their_smallest_vertex():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert strongly_connected(sorted(graph), graph) == {"a": "a", "b": "a", "c": "a", "d": "d", "e": "e"}


def test_strongly_connected_needs_no_recursion_for_a_long_chain():
    names = [f"v{i:05d}" for i in range(5000)]
    graph = {a: {b} for a, b in zip(names, names[1:], strict=False)} | {names[-1]: {names[0]}}
    assert set(strongly_connected(names, graph).values()) == {names[0]}


def test_reduced_upstream_drops_edges_implied_by_others():
    edges = {("a", "b"), ("b", "c"), ("a", "c"), ("a", "d")}
    assert reduced_upstream(["a", "b", "c", "d"], edges) == {"a": [], "b": ["a"], "c": ["b"], "d": ["a"]}


def test_ancestor_masks_are_bitsets_by_position():
    masks = ancestor_masks(["a", "b", "c"], {("a", "b"), ("b", "c")})
    assert masks == {"a": 0, "b": 0b1, "c": 0b11}
