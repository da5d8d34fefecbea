"""Where each dependency is stated: between task groups when that says exactly the same, else
between the tasks inside. Pure."""

from __future__ import annotations

import os
from collections import defaultdict

from kedro_taskflow import graphs
from kedro_taskflow.model import Dependency, TaskPlan


def dependencies(tasks: tuple[TaskPlan, ...]) -> tuple[Dependency, ...]:
    """One ``[upstream, ...] >> downstream`` per downstream reference, scope by scope.

    An edge between tasks lives in the innermost group holding both, between the two children of
    that group that hold them. When one of those children is a group, ``a >> b`` between the
    children is used if every task of ``b`` already depends on every task of ``a``: then it adds
    nothing Kedro lacks and leaves out nothing Kedro has. Otherwise the tasks are linked directly.
    """
    order = [t.task_id for t in tasks]
    by_id = {t.task_id: t for t in tasks}
    ancestors = graphs.ancestor_masks(order, {(u, t.task_id) for t in tasks for u in t.upstream})
    first = first_positions(tasks)
    under: dict[tuple[str, ...], int] = defaultdict(int)  # path prefix -> bitset of its tasks
    for i, t in enumerate(tasks):
        for n in range(1, len(t.path) + 1):
            under[t.path[:n]] |= 1 << i

    between: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
    for t in tasks:
        for u in t.upstream:
            a, b = by_id[u].path, t.path
            depth = len(os.path.commonprefix([a[:-1], b[:-1]]))
            between[(a[:depth], a[depth], b[depth])].append((u, t.task_id))

    statements: dict[tuple, list[tuple[str, ...]]] = defaultdict(list)  # (scope, downstream) -> upstream
    for (scope, x, y), edges in between.items():
        x_tasks = under[(*scope, x)]
        if all(ancestors[order[i]] & x_tasks == x_tasks for i in _bits(under[(*scope, y)])):
            statements[(scope, (y,))].append((x,))
        else:
            for u, v in edges:
                statements[(scope, by_id[v].path[len(scope) :])].append(by_id[u].path[len(scope) :])

    def key(scope: tuple[str, ...], ref: tuple[str, ...]) -> tuple:
        return first[(*scope, *ref)], ref

    result = [
        Dependency(
            scope=scope, upstream=tuple(sorted(set(ups), key=lambda r: key(scope, r))), downstream=down
        )
        for (scope, down), ups in statements.items()
    ]
    result.sort(key=lambda d: (d.scope, key(d.scope, d.downstream)))
    return tuple(result)


def first_positions(tasks: tuple[TaskPlan, ...]) -> dict[tuple[str, ...], int]:
    """Each group path and task path -> the position of its first task in ``tasks``."""
    first: dict[tuple[str, ...], int] = {}
    for i, t in enumerate(tasks):
        for n in range(1, len(t.path) + 1):
            first.setdefault(t.path[:n], i)
    return first


def _bits(mask: int):
    """Positions of the set bits of ``mask``."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low
