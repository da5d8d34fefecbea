"""ProjectSpec -> DagPlan: which nodes share a task, task order, ids and edges. Pure."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence

from kedro_taskflow import naming
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import DagPlan, Deployment, NodeSpec, ProjectSpec, TaskPlan


def is_free(dataset: str) -> bool:
    """Parameters are read from configuration by every task."""
    return dataset == "parameters" or dataset.startswith("params:")


def plan_dag(spec: ProjectSpec, pipeline: str, deployment: Deployment, command: str) -> DagPlan:
    found = spec.pipeline(pipeline)
    if found is None:
        available = ", ".join(repr(p.name) for p in spec.pipelines) or "none"
        raise UsageError(f"Unknown pipeline {pipeline!r}; the project has: {available}.")
    if not found.nodes:
        raise UsageError(f"Pipeline {pipeline!r} has no nodes: nothing to generate.")
    dag_id = naming.dag_id(spec.package_name, pipeline)
    return DagPlan(
        dag_id=dag_id,
        file_name=f"{dag_id}.py",
        project_name=spec.project_name,
        package_name=spec.package_name,
        pipeline=pipeline,
        deployment=deployment,
        command=command,
        tasks=plan_tasks(found.nodes, spec.persisted),
    )


def plan_tasks(nodes: Sequence[NodeSpec], persisted: frozenset[str]) -> tuple[TaskPlan, ...]:
    """One task per set of nodes joined by in-memory datasets, merged further where needed."""
    order = _topological([n.name for n in nodes], _node_edges(nodes))
    position = {name: i for i, name in enumerate(order)}
    by_name = {n.name: n for n in nodes}
    memory = {d for n in nodes for d in (*n.inputs, *n.outputs) if d not in persisted and not is_free(d)}

    memory_groups = _memory_groups(nodes, memory)
    groups = _merge_cycles(memory_groups, _node_edges(nodes))
    members: dict[int, list[str]] = defaultdict(list)
    for name in order:
        members[groups[name]].append(name)
    group_edges = {(groups[a], groups[b]) for a, b in _node_edges(nodes) if groups[a] != groups[b]}
    task_order = _topological(sorted(members, key=lambda g: position[members[g][0]]), group_edges)
    upstream = _reduced_upstream(task_order, group_edges)

    names = {g: _task_name(members[g]) for g in task_order}
    ids = naming.task_ids(names.values())
    functions = naming.python_names(ids.values())
    tasks = []
    for g in task_order:
        task_nodes = [by_name[n] for n in members[g]]
        inputs, outputs, internal = _boundary(task_nodes, nodes, memory)
        task_id = ids[names[g]]
        tasks.append(
            TaskPlan(
                task_id=task_id,
                function_name=functions[task_id],
                nodes=tuple(task_nodes),
                inputs=inputs,
                outputs=outputs,
                internal=internal,
                breaks_cycle=len({memory_groups[n] for n in members[g]}) > 1,
                upstream=tuple(ids[names[u]] for u in upstream[g]),
            )
        )
    return tuple(tasks)


def _task_name(members: list[str]) -> str:
    return members[0] if len(members) == 1 else f"{members[0]}_to_{members[-1]}"


def _node_edges(nodes: Sequence[NodeSpec]) -> set[tuple[str, str]]:
    producer = {d: n.name for n in nodes for d in n.outputs}
    return {(producer[d], n.name) for n in nodes for d in n.inputs if d in producer}


def _memory_groups(nodes: Sequence[NodeSpec], memory: set[str]) -> dict[str, str]:
    """Union-find: a node -> the representative of the nodes it shares in-memory datasets with."""
    parent = {n.name: n.name for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    users: dict[str, list[str]] = defaultdict(list)
    for n in nodes:
        for d in (*n.inputs, *n.outputs):
            if d in memory:
                users[d].append(n.name)
    for names in users.values():
        for other in names[1:]:
            a, b = find(names[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {name: find(name) for name in parent}


def _merge_cycles(groups: dict[str, str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Merge groups that reach each other (through persisted datasets) into one."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        if groups[a] != groups[b]:
            graph[groups[a]].add(groups[b])
    component = _strongly_connected(sorted(set(groups.values())), graph)
    return {name: component[g] for name, g in groups.items()}


def _strongly_connected(vertices: list[str], graph: dict[str, set[str]]) -> dict[str, str]:
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


def _topological(vertices: list, edges: Iterable[tuple]) -> list:
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


def _reduced_upstream(order: list, edges: set[tuple]) -> dict:
    """Direct upstreams of each vertex after transitive reduction, in ``order``."""
    rank = {v: i for i, v in enumerate(order)}
    predecessors = defaultdict(set)
    for a, b in edges:
        predecessors[b].add(a)
    ancestors: dict = {}  # bitset of ranks
    reduced = {}
    for v in order:
        preds = sorted(predecessors[v], key=rank.__getitem__, reverse=True)
        covered = 0
        direct = []
        for p in preds:  # latest first: an earlier one may be an ancestor of a later one
            if not covered >> rank[p] & 1:
                direct.append(p)
            covered |= ancestors[p] | 1 << rank[p]
        ancestors[v] = covered
        reduced[v] = sorted(direct, key=rank.__getitem__)
    return reduced


def _boundary(
    task_nodes: list[NodeSpec], all_nodes: Sequence[NodeSpec], memory: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A task's inputs from outside, outputs seen outside, and in-memory datasets kept inside."""
    names = {n.name for n in task_nodes}
    produced = {d for n in task_nodes for d in n.outputs}
    used_outside = {d for n in all_nodes if n.name not in names for d in n.inputs}
    inputs = dict.fromkeys(d for n in task_nodes for d in n.inputs if d not in produced)
    outputs = dict.fromkeys(
        d
        for n in task_nodes
        for d in n.outputs
        if d not in memory or d in used_outside or not _consumed(d, task_nodes)
    )
    internal = sorted(d for d in produced if d in memory and d not in outputs)
    return tuple(inputs), tuple(outputs), tuple(internal)


def _consumed(dataset: str, nodes: list[NodeSpec]) -> bool:
    return any(dataset in n.inputs for n in nodes)
