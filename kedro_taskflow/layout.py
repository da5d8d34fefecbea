"""DagPlan -> a tree of scopes: what each function of the DAG file holds, as plain data. Pure.

A scope is the ``@dag`` function or a ``@task_group`` function: its items (tasks and groups, in a
topological order, side by side by name), the variables it binds, and its ``>>`` statements.
Codegen writes it node for node; ``kedro-taskflow plan`` prints it. Each dependency is stated
between task groups when that says exactly the same, else between the tasks inside. An item, or a
group at any depth inside one, that a scope's statements name more than once is bound to a
variable once, so a big DAG names a task three groups down as
``eu_model_score_group.get_child_by_label("metric_1")``.
"""

from __future__ import annotations

import heapq
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kedro_taskflow import graphs, naming
from kedro_taskflow.model import DagPlan, GroupPlan, TaskPlan

Ref = tuple[str, ...]  # a task or group below a scope: ("eu",), or ("eu", "train") inside group eu
Side = tuple[Ref, ...]  # one side of ``>>``: one reference, or a list of them


@dataclass(frozen=True)
class Task:
    """A ``@task`` function."""

    name: str  # the task's id within its scope
    function: str
    plan: TaskPlan


@dataclass(frozen=True)
class Binding:
    """``variable = item()``, or ``variable = parent.get_child_by_label(label)`` (``parent`` is
    the binding of ``path[:-1]``): what the scope's statements name more than once."""

    variable: str
    path: Ref  # an item, or a child of a group at any depth below the scope


@dataclass(frozen=True)
class Statement:
    """``a >> [b, c] >> d`` as its sides; a single side is an item called on its own."""

    sides: tuple[Side, ...]


@dataclass(frozen=True)
class Scope:
    """The ``@dag`` function (``group`` None) or a ``@task_group`` function, and what it holds."""

    name: str  # the dag id, or the group's id within its parent
    function: str
    group: GroupPlan | None
    items: tuple[Task | Scope, ...]  # topological; side by side, by name (layout._ordered)
    bindings: tuple[Binding, ...]
    statements: tuple[Statement, ...]  # in the order of their first downstream task

    @property
    def path(self) -> tuple[str, ...]:
        return self.group.path if self.group else ()


def scopes(plan: DagPlan, reserved: Iterable[str]) -> Scope:
    """The DAG's scope tree; ``reserved``: the names the file binds, which no function may take."""
    reserved = frozenset(reserved)
    stated: dict[tuple[str, ...], list[Dependency]] = defaultdict(list)
    for d in dependencies(plan.tasks):
        stated[d.scope].append(d)
    groups = {g.path: g for g in plan.groups}
    first = first_positions(plan.tasks)
    by_id = {t.task_id: t for t in plan.tasks}
    depth: dict[str, int] = {}  # the longest way to a task from one with no upstream
    for t in plan.tasks:  # in a topological order
        depth[t.task_id] = max((depth[u] + 1 for u in t.upstream), default=0)
    index: dict[tuple[str, ...], int] = {}  # a task's or group's path -> its place in its scope

    def scope(name: str, function: str, group: GroupPlan | None) -> Scope:
        path = group.path if group else ()
        children = _children(plan.tasks, groups, path)
        names = _ordered(list(children), plan.tasks, by_id, depth, path)
        index.update({(*path, n): i for i, n in enumerate(names)})
        functions = naming.python_names(names, reserved)
        items = tuple(
            Task(n, functions[n], c) if isinstance(c := children[n], TaskPlan) else scope(n, functions[n], c)
            for n in names
        )

        def position(ref: Ref) -> tuple[int, ...]:
            return tuple(index[(*path, *ref[:n])] for n in range(1, len(ref) + 1))

        bindings, statements = _statements(
            items, stated[path], position, lambda ref: first[(*path, *ref)], reserved
        )
        return Scope(name, function, group, items, bindings, statements)

    return scope(plan.dag_id, naming.python_names([plan.dag_id], reserved)[plan.dag_id], None)


def _children(
    tasks: tuple[TaskPlan, ...], groups: dict[tuple[str, ...], GroupPlan], scope: tuple[str, ...]
) -> dict[str, TaskPlan | GroupPlan]:
    """The tasks and groups directly in group ``scope`` (``()``: the DAG), by name."""
    depth = len(scope)
    found: dict[str, TaskPlan | GroupPlan] = {}
    for t in tasks:
        if t.group == scope:
            found[t.label] = t
        elif t.group[:depth] == scope and t.group[depth] not in found:
            found[t.group[depth]] = groups[t.group[: depth + 1]]
    return found


def _ordered(
    names: list[str],
    tasks: tuple[TaskPlan, ...],
    by_id: dict[str, TaskPlan],
    depth: dict[str, int],
    scope: tuple[str, ...],
) -> list[str]:
    """A scope's items in a topological order of the dependencies between their tasks; ties
    first where their tasks start further upstream, then by name with numbers as numbers
    (``score_2`` before ``score_10``), so that items side by side read in order. Where two
    groups depend on each other both ways, the first of the remaining ones goes first."""
    level = len(scope)
    successors: dict[str, set[str]] = defaultdict(set)
    start: dict[str, int] = {}
    for t in tasks:
        if t.path[:level] != scope:
            continue
        item = t.path[level]
        start[item] = min(start.get(item, depth[t.task_id]), depth[t.task_id])
        for u in map(by_id.__getitem__, t.upstream):
            if u.path[:level] == scope and u.path[level] != item:
                successors[u.path[level]].add(item)
    indegree = Counter(v for vs in successors.values() for v in vs)
    key = {n: (start[n], naming.natural(n), n) for n in names}
    ready = [key[n] for n in names if not indegree[n]]
    heapq.heapify(ready)
    result: list[str] = []
    placed: set[str] = set()
    while len(result) < len(names):
        if not ready:  # a cycle between groups
            ready = [min(key[n] for n in names if n not in placed)]
        n = heapq.heappop(ready)[-1]
        if n in placed:
            continue
        result.append(n)
        placed.add(n)
        for m in successors[n]:
            indegree[m] -= 1
            if not indegree[m] and m not in placed:
                heapq.heappush(ready, key[m])
    return result


def _statements(
    items: tuple[Task | Scope, ...],
    dependencies: list[Dependency],
    position_of,
    runs_at,
    reserved: frozenset[str],
) -> tuple[tuple[Binding, ...], tuple[Statement, ...]]:
    """Bindings and statements of one scope: the chains of ``>>``, and each item with no
    dependency called on its own. An item, or a group inside one (``("eu", "prep")``), that the
    statements name more than once goes into a variable, right after its parent's; so a task
    deeper down is named as one ``get_child_by_label`` of its group's variable.

    ``position_of(ref)`` orders references within a statement and the bindings (items as they
    are defined); ``runs_at(ref)`` orders the statements, as their downstream tasks run.
    """
    refs = {ref for d in dependencies for ref in (*d.upstream, d.downstream)}
    found = chains(dependencies, {ref: position_of(ref) for ref in refs})
    uses = Counter(
        ref[:n] for chain in found for side in chain for ref in side for n in range(1, len(ref) + 1)
    )
    by_name = {item.name: item for item in items}
    taken = {item.function for item in items} | reserved
    bound = sorted(
        (
            path
            for path, n in uses.items()
            if n > 1 and (len(path) == 1 or isinstance(_item(path, by_name), Scope))
        ),
        key=lambda path: (position_of(path), len(path)),
    )
    bindings = tuple(Binding(_variable(path, by_name, taken), path) for path in bound)
    statements = [(runs_at(chain[1][0]), Statement(tuple(map(tuple, chain)))) for chain in found]
    statements += [
        (runs_at((item.name,)), Statement((((item.name,),),))) for item in items if not uses[(item.name,)]
    ]
    statements.sort(key=lambda pair: pair[0])
    return bindings, tuple(statement for _, statement in statements)


def _variable(path: Ref, items: dict[str, Task | Scope], taken: set[str]) -> str:
    """``<function>_task`` or ``_group`` for an item; for a group's child, the item's function
    and the child's labels joined by ``_`` (``eu_prep_group``), as a Python name."""
    stem = "_".join((items[path[0]].function, *path[1:]))
    if len(path) > 1:
        stem = naming.python_names([stem])[stem]
    return naming.free_name(f"{stem}_{'task' if isinstance(_item(path, items), Task) else 'group'}", taken)


def _item(path: Ref, items: dict[str, Task | Scope]) -> Task | Scope:
    """The task or group at ``path`` below a scope whose items are ``items``."""
    item = items[path[0]]
    for label in path[1:]:
        item = next(child for child in item.items if child.name == label)
    return item


@dataclass(frozen=True)
class Dependency:
    """``[upstream, ...] >> downstream``, stated in the function of the group ``scope``."""

    scope: tuple[str, ...]
    upstream: tuple[Ref, ...]
    downstream: Ref


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


def chains(dependencies: list[Dependency], position: dict[Ref, int]) -> list[list[Side]]:
    """The ``>>`` statements of one scope, as chains of sides: ``[[a], [b, c], [d]]`` is
    ``a >> [b, c] >> d``. Decided by the graph's shape alone, never by how long names are.

    - One statement per upstream side: a reference and everything directly downstream of it,
      ``combine >> [a, b, c]``; references with the same single downstream reference share a
      list, ``[a, b] >> c``. (Two lists cannot meet: ``[a, b] >> [c, d]`` is not valid Airflow,
      so references with the same several downstream ones each get their statement.)
    - A statement continues one whose downstream side is exactly its upstream side, when no
      other statement ends there: ``a >> b`` and ``b >> [c, d]`` make ``a >> b >> [c, d]``.
    - Every edge is stated exactly once; references and statements come in ``position`` order.
    """
    downstream: dict[Ref, list[Ref]] = {}
    for d in dependencies:
        for u in d.upstream:
            downstream.setdefault(u, []).append(d.downstream)
    classes: dict[Side, list[Ref]] = {}
    for u in sorted(downstream, key=position.__getitem__):
        classes.setdefault(tuple(sorted(set(downstream[u]), key=position.__getitem__)), []).append(u)
    statements: list[tuple[Side, Side]] = []
    for down, ups in classes.items():
        if len(down) == 1 or len(ups) == 1:
            statements.append((tuple(ups), down))
        else:
            statements.extend(((u,), down) for u in ups)
    opening = {up: i for i, (up, _down) in enumerate(statements)}  # upstream sides are unique
    closing: dict[Side, int] = {}
    for _up, down in statements:
        closing[down] = closing.get(down, 0) + 1
    follows = {
        i: opening[down] for i, (_up, down) in enumerate(statements) if down in opening and closing[down] == 1
    }
    continued = set(follows.values())
    result = []
    for i, (up, down) in enumerate(statements):
        if i in continued:
            continue
        chain = [up, down]
        while i in follows:
            i = follows[i]
            chain.append(statements[i][1])
        result.append(chain)
    result.sort(key=lambda chain: (position[chain[1][0]], position[chain[0][0]]))
    return result
