"""ProjectSpec -> DagPlan, the task graph: which nodes share a task, task order, groups, edges. Pure."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence

from kedro_taskflow import graphs, naming
from kedro_taskflow.errors import GROUP_BY, PIPELINES, UsageError
from kedro_taskflow.model import (
    DagPlan,
    GroupBy,
    GroupPlan,
    NodeSpec,
    ProjectSpec,
    Reason,
    Selection,
    TaskPlan,
    base_dataset,
)
from kedro_taskflow.selection import select

ADD_NODES = "add nodes to one in its pipeline registry"  # how to fix a project without nodes


def _listed(names: Iterable[str]) -> str:
    return ", ".join(map(repr, names))


def has_nodes(spec: ProjectSpec) -> tuple[str, ...]:
    """The project's pipelines that have nodes; raises when none has (nothing to generate)."""
    names = tuple(p.name for p in spec.pipelines if p.nodes)
    if not spec.pipelines:
        raise UsageError("The project registers no pipeline: add one in its pipeline registry.")
    if not names:
        everything = _listed(p.name for p in spec.pipelines)
        raise UsageError(f"Every pipeline of the project is empty ({everything}): {ADD_NODES}.")
    return names


def is_free(dataset: str) -> bool:
    """Parameters are read from configuration by every task."""
    return dataset == "parameters" or dataset.startswith("params:")


def in_memory(nodes: Iterable[NodeSpec], persisted: frozenset[str]) -> set[str]:
    """The (base) datasets that live in memory, so that whoever uses them must share a task.

    The catalog has an entry per transcoded name (``x@pandas``, ``x@spark``); the dataset ``x``
    they share lives only in memory when any of the names the nodes use for it has no stored
    entry: data written or read through that name exists only inside one Kedro session.
    """
    return {
        base_dataset(d)
        for n in nodes
        for d in (*n.inputs, *n.outputs)
        if d not in persisted and not is_free(d)
    }


def producers(nodes: Iterable[NodeSpec]) -> dict[str, str]:
    """Base dataset -> the node that writes it (Kedro allows one writer per base dataset)."""
    return {base_dataset(d): n.name for n in nodes for d in n.outputs}


def plan_dag(
    spec: ProjectSpec,
    pipeline: str,
    group_by: GroupBy = GroupBy.MEMORY,
    selection: Selection | None = None,
) -> DagPlan:
    """One pipeline's (selected) nodes as a task graph."""
    found = spec.pipeline(pipeline)
    if found is None:
        names = [p.name for p in spec.pipelines]
        close = difflib.get_close_matches(pipeline, names, n=1, cutoff=0.6)
        if close:
            raise UsageError(f"Unknown pipeline {pipeline!r}: did you mean {close[0]!r}?")
        raise UsageError(f"Unknown pipeline {pipeline!r}; the project has: {_listed(names) or 'none'}.")
    if not found.nodes:
        others = _listed(p.name for p in spec.pipelines if p.nodes)
        if not others:
            raise UsageError(
                f"Pipeline {pipeline!r} has no nodes, nor has any other pipeline of the project: {ADD_NODES}."
            )
        raise UsageError(
            f"Pipeline {pipeline!r} has no nodes: pick another with ", PIPELINES, f" ({others})."
        )
    nodes = select(found.nodes, selection or Selection())
    if not nodes:
        raise UsageError(f"The node selection leaves no node of pipeline {pipeline!r}: loosen it.")
    _check_memory_inputs(found.nodes, nodes, spec.persisted)
    tasks, groups = plan_tasks(nodes, spec.persisted, group_by)
    dag_id = naming.dag_id(spec.package_name, pipeline)
    return DagPlan(
        dag_id=dag_id,
        file_name=f"{dag_id}.py",
        project_name=spec.project_name,
        package_name=spec.package_name,
        pipeline=pipeline,
        tasks=tasks,
        groups=groups,
    )


def plan_tasks(
    nodes: Sequence[NodeSpec], persisted: frozenset[str], group_by: GroupBy = GroupBy.MEMORY
) -> tuple[tuple[TaskPlan, ...], tuple[GroupPlan, ...]]:
    """Nodes -> tasks in a topological order, and the task groups that hold them.

    Tasks that would depend on each other in a cycle are merged, so the task graph is always
    acyclic (see ``GroupBy`` for the rest).
    """
    group_by = GroupBy(group_by)
    edges = _node_edges(nodes)
    # Ties by name, numbers as numbers (train_2 before train_10): input order is moot.
    order = graphs.topological(sorted((n.name for n in nodes), key=naming.natural), edges)
    position = {name: i for i, name in enumerate(order)}
    by_name = {n.name: n for n in nodes}
    memory = in_memory(nodes, persisted)
    consumers: dict[str, set[str]] = defaultdict(set)  # base dataset -> the nodes that read it
    for n in nodes:
        for d in n.inputs:
            consumers[base_dataset(d)].add(n.name)

    joined = _join(nodes, memory, group_by)
    parts = _merge_cycles(joined, edges)
    members: dict[str, list[str]] = defaultdict(list)
    for name in order:
        members[parts[name]].append(name)
    part_edges = {(parts[a], parts[b]) for a, b in edges if parts[a] != parts[b]}
    task_order = graphs.topological(sorted(members, key=lambda p: position[members[p][0]]), part_edges)
    upstream = graphs.reduced_upstream(task_order, part_edges)

    task_nodes = {p: [by_name[n] for n in members[p]] for p in task_order}
    reasons = {p: _reason(members[p], joined, group_by, by_name) for p in task_order}
    namespaces = {
        p: naming.common_namespace(task_nodes[p]) if group_by is not GroupBy.NAMESPACE else ()
        for p in task_order
    }
    ids, groups = naming.scoped_task_ids(
        {p: _own_order(task_nodes[p]) for p in task_order}, namespaces, group_by
    )

    tasks = []
    for p in task_order:
        inputs, outputs, internal = _boundary(task_nodes[p], consumers, memory)
        task_id, group = ids[p]
        tasks.append(
            TaskPlan(
                task_id=task_id,
                nodes=tuple(task_nodes[p]),
                inputs=inputs,
                outputs=outputs,
                internal=internal,
                upstream=tuple(ids[u][0] for u in upstream[p]),
                group=group,
                reason=reasons[p],
            )
        )
    return tuple(tasks), groups


def _node_edges(nodes: Sequence[NodeSpec]) -> set[tuple[str, str]]:
    """Kedro's node dependencies: the writer of ``x@a`` runs before every reader of ``x@b``."""
    producer = producers(nodes)
    return {
        (producer[base_dataset(d)], n.name) for n in nodes for d in n.inputs if base_dataset(d) in producer
    }


def _own_order(nodes: list[NodeSpec]) -> list[NodeSpec]:
    """A task's nodes in their own dependency order, ties by name (numbers as numbers): what its
    name is made from."""
    if len(nodes) == 1:
        return nodes
    by_name = {n.name: n for n in nodes}
    return [by_name[n] for n in graphs.topological(sorted(by_name, key=naming.natural), _node_edges(nodes))]


def _check_memory_inputs(pipeline: Sequence[NodeSpec], selected: Sequence[NodeSpec], persisted) -> None:
    """A selection must not cut a node off from the producer of an in-memory input."""
    chosen = {n.name for n in selected}
    producer = producers(pipeline)
    memory = in_memory(pipeline, persisted)
    cut: dict[str, list[str]] = defaultdict(list)  # in-memory base dataset -> its selected readers
    for n in selected:
        for d in map(base_dataset, n.inputs):
            if d in producer and producer[d] not in chosen and d in memory:
                cut[d].append(n.name)
    if cut:
        details = "; ".join(
            f"{d!r} (made by {producer[d]!r}, read by {', '.join(map(repr, sorted(cut[d])))})"
            for d in sorted(cut)
        )
        raise UsageError(
            f"The node selection leaves out the producers of in-memory datasets: {details}. "
            "Select the producers too, or declare these datasets in the catalog."
        )


def _join(nodes: Sequence[NodeSpec], memory: set[str], group_by: GroupBy) -> dict[str, str]:
    """Union-find by strategy: each node -> the smallest node name of its set."""
    parent = {n.name: n.name for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(names: list[str]) -> None:
        for other in names[1:]:
            a, b = find(names[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)

    users: dict[str, list[str]] = defaultdict(list)  # in-memory base dataset -> nodes using it
    for n in nodes:
        for d in dict.fromkeys(map(base_dataset, (*n.outputs, *n.inputs))):
            if d in memory:
                users[d].append(n.name)
    if group_by is GroupBy.NONE:
        _refuse_split_memory(nodes, users)
    for names in users.values():
        union(names)
    if group_by is GroupBy.NAMESPACE:
        by_namespace: dict[str, list[str]] = defaultdict(list)
        for n in nodes:
            if n.namespace:
                by_namespace[n.namespace.split(".")[0]].append(n.name)
        for names in by_namespace.values():
            union(names)
    return {name: find(name) for name in parent}


def _refuse_split_memory(nodes: Sequence[NodeSpec], users: dict[str, list[str]]) -> None:
    producer = producers(nodes)
    crossing = sorted(d for d, names in users.items() if len(names) > 1)
    if crossing:
        details = "; ".join(
            f"{d!r} (made by {producer.get(d)!r}, read by "
            f"{', '.join(repr(n) for n in users[d] if n != producer.get(d))})"
            for d in crossing
        )
        raise UsageError(
            GROUP_BY,
            f" none would pass in-memory datasets between tasks: {details}. "
            "Declare them in the catalog, or use ",
            GROUP_BY,
            " memory.",
        )


def _merge_cycles(joined: dict[str, str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Merge sets of nodes that reach each other (through persisted datasets) into one."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        if joined[a] != joined[b]:
            graph[joined[a]].add(joined[b])
    component = graphs.strongly_connected(sorted(set(joined.values())), graph)
    return {name: component[s] for name, s in joined.items()}


def _reason(members: list[str], joined: dict[str, str], group_by: GroupBy, by_name: dict) -> Reason | None:
    if len(members) == 1:
        return None
    if len({joined[n] for n in members}) > 1:
        return Reason.CYCLE
    in_namespace = any(by_name[n].namespace for n in members)
    return Reason.NAMESPACE if group_by is GroupBy.NAMESPACE and in_namespace else Reason.MEMORY


def _boundary(
    task_nodes: list[NodeSpec], consumers: dict[str, set[str]], memory: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A task's inputs from outside, outputs seen outside, and in-memory datasets kept inside.

    Names are shown as the nodes write them (``x@pandas``); whether a dataset is made inside,
    read outside or kept in memory is decided on its base name, as Kedro does.
    """
    names = {n.name for n in task_nodes}
    produced = {base_dataset(d) for n in task_nodes for d in n.outputs}
    inputs = dict.fromkeys(d for n in task_nodes for d in n.inputs if base_dataset(d) not in produced)
    outputs = dict.fromkeys(
        d
        for n in task_nodes
        for d in n.outputs
        if (b := base_dataset(d)) not in memory or not consumers[b] or consumers[b] - names
    )
    internal = sorted((d for n in task_nodes for d in n.outputs if d not in outputs), key=naming.natural)
    return tuple(inputs), tuple(outputs), tuple(internal)
