"""Read a generated DAG file back with ``ast``: which Kedro nodes each task runs."""

from __future__ import annotations

import ast
import re


def task_nodes(
    source: str, hand_tasks: frozenset[str] = frozenset(), runner: str = "run_nodes"
) -> dict[str, list[str]]:
    """Full Airflow task id -> the node names its ``project.run_nodes(...)`` call names (none for
    the ``hand_tasks``, a person's own, which run no node); with ``runner="run_dag"``, the producer
    of watcher execution and the nodes it runs."""
    result: dict[str, list[str]] = {}
    _collect(ast.parse(source).body, (), result, hand_tasks, runner)
    return result


def _collect(
    body: list[ast.stmt],
    group: tuple[str, ...],
    result: dict[str, list[str]],
    hand_tasks: frozenset[str],
    runner: str,
) -> None:
    for fn in body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        kind, name = _decorated(fn)
        if kind == "task" and ".".join((*group, name)) in hand_tasks:
            result[".".join((*group, name))] = []
        elif kind == "task":
            calls = [
                c
                for c in ast.walk(fn)
                if isinstance(c, ast.Call)
                and isinstance(c.func, ast.Attribute)
                and c.func.attr in ("run_nodes", "run_dag")
            ]
            assert len(calls) == 1, f"task {name} should call run_nodes (or, the producer, run_dag) once"
            if calls[0].func.attr == runner:
                result[".".join((*group, name))] = [ast.literal_eval(a) for a in calls[0].args]
        elif kind == "task_group":
            _collect(fn.body, (*group, name), result, hand_tasks, runner)
        else:
            _collect(fn.body, group, result, hand_tasks, runner)  # the @dag function


def _decorated(fn: ast.FunctionDef) -> tuple[str | None, str]:
    """("task" or "task_group" or None, the id it gets)."""
    for decorator in fn.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        name = getattr(call.func if call else decorator, "id", None)
        if name in ("task", "task_group"):
            keyword = "task_id" if name == "task" else "group_id"
            given = [ast.literal_eval(k.value) for k in (call.keywords if call else []) if k.arg == keyword]
            return name, given[0] if given else fn.name
    return None, fn.name


def closure(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """All (a, b) such that b is reachable from a."""
    successors: dict[str, set[str]] = {}
    for a, b in edges:
        successors.setdefault(a, set()).add(b)
    result = set()
    for start in successors:
        stack, seen = [start], set()
        while stack:
            for nxt in successors.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        result |= {(start, b) for b in seen}
    return result


def base_text(base_file) -> str:
    """The generated text a base file holds, below its line with the digest of the inputs."""
    first, text = base_file.read_text(encoding="utf-8").split("\n", 1)
    assert re.fullmatch(r"# kedro-taskflow base, generated from inputs sha256:[0-9a-f]{64}", first), first
    return text
