"""Layout cases as text, in black's style of test data: a plan in, the scopes' statements out.

A plan is one task a line, in a topological order: its full id (dots are task groups), then
``<-`` and its upstream ids. The scopes come out as the generated code would hold them, without
the task bodies: ``task x`` (``task x as f`` when its function is named otherwise), ``group g:``
with its scope indented, then the bindings and ``>>`` statements.
"""

from __future__ import annotations

from kedro_taskflow.layout import Ref, Scope, Side, Task
from kedro_taskflow.model import DagPlan, GroupPlan, NodeSpec, TaskPlan

OUTPUT = "# output"


def read_case(text: str) -> tuple[DagPlan, str]:
    """The plan above the ``# output`` line, and the expected text below it."""
    lines = [line for line in text.splitlines() if not line.startswith("# ") or line == OUTPUT]
    at = lines.index(OUTPUT)
    return plan(lines[:at]), "\n".join(lines[at + 1 :]).strip("\n") + "\n"


def plan(lines: list[str]) -> DagPlan:
    tasks, groups = [], {}
    for line in filter(str.strip, lines):
        task_id, _, upstream = (part.strip() for part in line.partition("<-"))
        *group, _label = task_id.split(".")
        for n in range(1, len(group) + 1):
            groups.setdefault(tuple(group[:n]), GroupPlan(tuple(group[:n]), ".".join(group[:n])))
        ups = tuple(u.strip() for u in upstream.split(",") if u.strip())
        tasks.append(TaskPlan(task_id, (NodeSpec(task_id),), (), (), upstream=ups, group=tuple(group)))
    return DagPlan("dag", "dag.py", "Project", "project", "__default__", tuple(tasks), tuple(groups.values()))


def text(scope: Scope, indent: str = "") -> str:
    """The scope's items, bindings and statements, one a line."""
    variables = {b.path: b.variable for b in scope.bindings}
    functions = {item.name: item.function for item in scope.items}
    lines = []
    for item in scope.items:
        alias = "" if item.function == item.name else f" as {item.function}"
        if isinstance(item, Task):
            lines.append(f"{indent}task {item.name}{alias}\n")
        else:
            lines.append(f"{indent}group {item.name}{alias}:\n{text(item, indent + '    ')}")

    def ref(path: Ref, binding: bool = False) -> str:
        bound = next((n for n in range(len(path) - binding, 0, -1) if path[:n] in variables), 0)
        head = variables[path[:bound]] if bound else f"{functions[path[0]]}()"
        return head + "".join(f'.get_child_by_label("{label}")' for label in path[max(bound, 1) :])

    def side(refs: Side) -> str:
        return ref(refs[0]) if len(refs) == 1 else f"[{', '.join(map(ref, refs))}]"

    lines += [f"{indent}{b.variable} = {ref(b.path, binding=True)}\n" for b in scope.bindings]
    lines += [f"{indent}{' >> '.join(map(side, s.sides))}\n" for s in scope.statements]
    return "".join(lines)
