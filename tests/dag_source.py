"""Read a generated DAG file back with ``ast``: which Kedro nodes each task runs."""

from __future__ import annotations

import ast


def task_nodes(source: str) -> dict[str, list[str]]:
    """Task id -> the node names its ``project.run_nodes(...)`` call names."""
    result = {}
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef):
            continue
        for decorator in fn.decorator_list:
            task_id = _task_id(decorator, fn.name)
            if task_id is not None:
                calls = [
                    c
                    for c in ast.walk(fn)
                    if isinstance(c, ast.Call)
                    and isinstance(c.func, ast.Attribute)
                    and c.func.attr == "run_nodes"
                ]
                assert len(calls) == 1, f"task {task_id} should call run_nodes once"
                result[task_id] = [ast.literal_eval(a) for a in calls[0].args]
    return result


def _task_id(decorator: ast.expr, function_name: str) -> str | None:
    if isinstance(decorator, ast.Name) and decorator.id == "task":
        return function_name
    if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "task":
        return next(
            (ast.literal_eval(k.value) for k in decorator.keywords if k.arg == "task_id"), function_name
        )
    return None


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
