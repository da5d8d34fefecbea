"""Small graph algorithms on hashable vertices, deterministic and iterative (no recursion limit)."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable


def strongly_connected(vertices: list[str], graph: dict[str, set[str]]) -> dict[str, str]:
    """Tarjan's algorithm, iterative; each vertex -> the smallest vertex of its component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: dict[str, str] = {}
    for root in vertices:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, successors = work[-1]
            advanced = False
            for w in successors:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                representative = min(component)
                for w in component:
                    result[w] = representative
    return result


def topological(vertices: list, edges: Iterable[tuple]) -> list:
    """Kahn's algorithm; among ready vertices the one earliest in ``vertices`` goes first."""
    rank = {v: i for i, v in enumerate(vertices)}
    successors = defaultdict(set)
    indegree = dict.fromkeys(vertices, 0)
    for a, b in set(edges):
        successors[a].add(b)
        indegree[b] += 1
    ready = [rank[v] for v in vertices if indegree[v] == 0]
    heapq.heapify(ready)
    result = []
    while ready:
        v = vertices[heapq.heappop(ready)]
        result.append(v)
        for w in successors[v]:
            indegree[w] -= 1
            if indegree[w] == 0:
                heapq.heappush(ready, rank[w])
    if len(result) != len(vertices):
        raise ValueError("cycle in a graph that must be acyclic")
    return result


def reduced_upstream(order: list, edges: set[tuple]) -> dict:
    """Direct upstreams of each vertex after transitive reduction, in ``order`` (topological)."""
    rank = {v: i for i, v in enumerate(order)}
    ancestors = ancestor_masks(order, edges)
    predecessors = defaultdict(set)
    for a, b in edges:
        predecessors[b].add(a)
    reduced = {}
    for v in order:
        covered = 0  # ancestors of the upstreams kept so far
        direct = []
        for p in sorted(predecessors[v], key=rank.__getitem__, reverse=True):  # latest first
            if not covered >> rank[p] & 1:
                direct.append(p)
            covered |= ancestors[p] | 1 << rank[p]
        reduced[v] = sorted(direct, key=rank.__getitem__)
    return reduced


def ancestor_masks(order: list, edges: Iterable[tuple]) -> dict:
    """Each vertex -> bitset (by position in the topological ``order``) of its ancestors."""
    rank = {v: i for i, v in enumerate(order)}
    predecessors = defaultdict(set)
    for a, b in edges:
        predecessors[b].add(a)
    masks: dict = {}
    for v in order:
        mask = 0
        for p in predecessors[v]:
            mask |= masks[p] | 1 << rank[p]
        masks[v] = mask
    return masks
