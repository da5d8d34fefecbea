"""ProjectSpec -> DagPlan: which nodes share a task, task order, groups, ids and edges. Pure."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence

from kedro_taskflow import graphs, naming
from kedro_taskflow.errors import UsageError
from kedro_taskflow.layout import dependencies
from kedro_taskflow.model import (
    DagPlan,
    Deployment,
    GroupPlan,
    NodeSpec,
    ProjectSpec,
    Selection,
    TaskPlan,
    base_dataset,
)
from kedro_taskflow.selection import select

GROUP_BY = ("memory", "namespace", "none")


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
    deployment: Deployment,
    command: str,
    group_by: str = "memory",
    selection: Selection | None = None,
    airflow_version: int = 2,
) -> DagPlan:
    found = spec.pipeline(pipeline)
    available = ", ".join(repr(p.name) for p in spec.pipelines) or "none"
    if found is None:
        raise UsageError(f"Unknown pipeline {pipeline!r}; the project has: {available}.")
    if not found.nodes:
        raise UsageError(f"Pipeline {pipeline!r} has no nodes: pick another with --pipeline ({available}).")
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
        deployment=deployment,
        command=command,
        airflow_version=airflow_version,
        tasks=tasks,
        groups=groups,
        dependencies=dependencies(tasks),
    )


def plan_tasks(
    nodes: Sequence[NodeSpec], persisted: frozenset[str], group_by: str = "memory"
) -> tuple[tuple[TaskPlan, ...], tuple[GroupPlan, ...]]:
    """Nodes -> tasks in a topological order, and the task groups that hold them.

    ``memory``: nodes joined by in-memory datasets share a task; ``namespace``: one task per
    top-level namespace as well; ``none``: one task per node. Tasks that would depend on each
    other in a cycle are merged, so the task graph is always acyclic.
    """
    edges = _node_edges(nodes)
    order = graphs.topological(sorted(n.name for n in nodes), edges)  # ties by name: input order is moot
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
    raw_groups = {p: _common_namespace(task_nodes[p]) if group_by != "namespace" else () for p in task_order}
    ids, groups = _names(task_order, task_nodes, raw_groups, group_by)

    tasks = []
    for p in task_order:
        inputs, outputs, internal = _boundary(task_nodes[p], consumers, memory)
        task_id, function_name, group = ids[p]
        tasks.append(
            TaskPlan(
                task_id=task_id,
                function_name=function_name,
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


def _join(nodes: Sequence[NodeSpec], memory: set[str], group_by: str) -> dict[str, str]:
    """Union-find by strategy: each node -> the smallest node name of its set."""
    if group_by not in GROUP_BY:
        raise UsageError(f"--group-by must be one of {', '.join(GROUP_BY)}, not {group_by!r}.")
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
    if group_by == "none":
        _refuse_split_memory(nodes, users)
    for names in users.values():
        union(names)
    if group_by == "namespace":
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
            f"--group-by none would pass in-memory datasets between tasks: {details}. "
            "Declare them in the catalog, or use --group-by memory."
        )


def _merge_cycles(joined: dict[str, str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Merge sets of nodes that reach each other (through persisted datasets) into one."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        if joined[a] != joined[b]:
            graph[joined[a]].add(joined[b])
    component = graphs.strongly_connected(sorted(set(joined.values())), graph)
    return {name: component[s] for name, s in joined.items()}


def _reason(members: list[str], joined: dict[str, str], group_by: str, by_name: dict) -> str:
    if len(members) == 1:
        return ""
    if len({joined[n] for n in members}) > 1:
        return "cycle"
    in_namespace = any(by_name[n].namespace for n in members)
    return "namespace" if group_by == "namespace" and in_namespace else "memory"


def _namespace(node: NodeSpec) -> tuple[str, ...]:
    return tuple(node.namespace.split(".")) if node.namespace else ()


def _common_namespace(nodes: list[NodeSpec]) -> tuple[str, ...]:
    return tuple(os.path.commonprefix([_namespace(n) for n in nodes]))


def _local(node: NodeSpec, raw_group: tuple[str, ...]) -> str:
    prefix = ".".join(raw_group) + "."
    return node.name[len(prefix) :] if raw_group and node.name.startswith(prefix) else node.name


def _readable(node: NodeSpec, raw_group: tuple[str, ...]) -> str:
    """The node's name within the task group, without the hash Kedro gives unnamed nodes."""
    local = _local(node, raw_group)
    short = _local(node, _namespace(node))
    if not local.endswith(short):
        return local
    readable = naming.readable(short, node.func_name, node.outputs, node.inputs)
    return local[: len(local) - len(short)] + readable


def _raw_label(nodes: list[NodeSpec], raw_group: tuple[str, ...], group_by: str) -> str:
    """A task's name before validation: its node's, its namespace's, or ``<first>_to_<last>``.

    For several nodes, first and last are those of the task's own nodes in their dependency
    order (ties by name), so the name changes only when the task's nodes do; each is the node's
    short name (no namespace: a dot would read as a task group) and the whole is at most
    ``naming.MADE_LEN`` characters long.
    """
    top_namespaces = {n.namespace.split(".")[0] for n in nodes if n.namespace}
    if group_by == "namespace" and len(top_namespaces) == 1:
        return top_namespaces.pop()
    if len(nodes) == 1:
        return _readable(nodes[0], raw_group)
    edges = {(a, b) for a, b in _node_edges(nodes)}
    own_order = graphs.topological(sorted(n.name for n in nodes), edges)
    by_name = {n.name: n for n in nodes}
    first, last = (_readable(by_name[own_order[i]], raw_group).rsplit(".", 1)[-1] for i in (0, -1))
    return naming.joined(first, last)


def _names(order, task_nodes, raw_groups, group_by):
    """Task ids, function names and group paths, unique within each task group.

    Returns ``{part: (task_id, function_name, group ids)}`` and the groups, parents first.
    """
    raw_paths = sorted({g[:i] for g in raw_groups.values() for i in range(1, len(g) + 1)})
    group_ids: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}
    children: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for raw in raw_paths:
        children[raw[:-1]].append(raw[-1])
    for raw in raw_paths:  # parents come first in sorted order
        group_ids[raw] = (*group_ids[raw[:-1]], naming.group_ids(children[raw[:-1]])[raw[-1]])

    by_scope: dict[tuple[str, ...], list] = defaultdict(list)
    for p in order:
        by_scope[raw_groups[p]].append(p)
    result, groups = {}, []
    for raw_scope in sorted(set(by_scope) | set(group_ids)):
        scope = group_ids[raw_scope]
        child_ids = [group_ids[(*raw_scope, c)][-1] for c in children[raw_scope]]
        parts = by_scope.get(raw_scope, [])
        raw_labels = _distinct({p: _raw_label(task_nodes[p], raw_scope, group_by) for p in parts}, task_nodes)
        prefix = ".".join(scope)
        labels = naming.task_ids(
            raw_labels.values(), max_len=250 - len(prefix) - bool(prefix), taken=child_ids
        )
        functions = naming.python_names([*child_ids, *labels.values()])
        for p in parts:
            label = labels[raw_labels[p]]
            result[p] = (f"{prefix}.{label}" if prefix else label, functions[label], scope)
        for c in children[raw_scope]:
            raw = (*raw_scope, c)
            groups.append(
                GroupPlan(
                    path=group_ids[raw], function_name=functions[group_ids[raw][-1]], namespace=".".join(raw)
                )
            )
    groups.sort(key=lambda g: g.path)
    return result, tuple(groups)


def _distinct(raw_labels: dict, task_nodes: dict) -> dict:
    """Make equal raw labels distinct with a hash of the task's node names."""
    counts = defaultdict(int)
    for label in raw_labels.values():
        counts[label] += 1
    room = naming.MADE_LEN - 7  # "_" and the hash
    return {
        p: label
        if counts[label] == 1
        else f"{label[:room]}_{naming.short_hash(chr(0).join(sorted(n.name for n in task_nodes[p])))}"
        for p, label in raw_labels.items()
    }


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
    internal = sorted(d for n in task_nodes for d in n.outputs if d not in outputs)
    return tuple(inputs), tuple(outputs), tuple(internal)
