"""Layout: a plan in, each scope's items, variables and ``>>`` statements out. No LibCST, no Airflow.

The cases in ``layout_cases/`` are data, in black's style: a plan above ``# output``, the scopes
below it (see ``support/layout_text.py``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.layout_text import read_case, text

from kedro_taskflow.layout import Dependency, chains, scopes

CASES = Path(__file__).parent / "layout_cases"
RESERVED = {"dag", "task", "task_group", "pendulum", "Path", "project", "KedroProject"}


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("*.txt")))
def test_layout_case(case):
    plan, expected = read_case((CASES / f"{case}.txt").read_text(encoding="utf-8"))
    assert text(scopes(plan, RESERVED)) == expected


def test_there_are_layout_cases():
    assert len(list(CASES.glob("*.txt"))) >= 10


def assert_chains_express(upstream: dict[str, list[str]]) -> list:
    """``upstream``: item -> its upstream items, in a topological order of the items. Returns
    the statements as ``[[side, ...], ...]`` with each side a tuple of item names."""
    deps = [Dependency((), tuple((u,) for u in ups), (t,)) for t, ups in upstream.items() if ups]
    position = {(t,): i for i, t in enumerate(upstream)}
    statements = [[tuple(r[0] for r in side) for side in chain] for chain in chains(deps, position)]
    expressed = Counter()
    for chain in statements:
        assert len(chain) >= 2, statements
        for left, right in zip(chain, chain[1:], strict=False):
            assert len(left) == 1 or len(right) == 1, "[a, b] >> [c, d] is not valid Airflow"
            expressed.update((u, d) for u in left for d in right)
    edges = {(u, t) for t, ups in upstream.items() for u in ups}
    assert set(expressed) == edges and all(n == 1 for n in expressed.values()), statements
    # One statement per upstream side: no side opens two statements.
    opened = Counter(side for chain in statements for side in chain[:-1])
    assert max(opened.values(), default=1) == 1, statements
    return statements


def test_chains_of_a_line_fan_out_and_fan_in():
    assert assert_chains_express({"a": [], "b": ["a"], "c": ["b"]}) == [[("a",), ("b",), ("c",)]]
    assert assert_chains_express({"a": [], "b": [], "c": ["a", "b"], "d": ["c"]}) == [
        [("a", "b"), ("c",), ("d",)]
    ]
    six = {"combine": [], **{x: ["combine"] for x in "abcdef"}}
    assert assert_chains_express(six) == [[("combine",), tuple("abcdef")]]
    assert assert_chains_express({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}) == [
        [("a",), ("b", "c"), ("d",)]
    ]
    assert assert_chains_express({"alone": []}) == []


def test_shared_downstream_lists_are_not_joined_into_list_to_list():
    statements = assert_chains_express({"a": [], "b": [], "c": ["a", "b"], "d": ["a", "b"]})
    assert statements == [[("a",), ("c", "d")], [("b",), ("c", "d")]]


@st.composite
def dags(draw):
    count = draw(st.integers(1, 25))
    ids = [f"t{i}" for i in range(count)]
    return {
        t: draw(st.lists(st.sampled_from(ids[:i]), unique=True, max_size=3)) if i else []
        for i, t in enumerate(ids)
    }


@settings(deadline=None)
@given(dags())
def test_chains_express_every_edge_once(upstream):
    assert_chains_express(upstream)
