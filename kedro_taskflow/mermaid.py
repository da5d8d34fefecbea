"""DagPlan -> a Mermaid flowchart of its tasks and task groups, to paste into a pull request. Pure.

Groups are subgraphs, and each ``>>`` statement of the DAG file is one line of arrows, stated
between the same tasks or groups as in the file. Node ids are made up (``t1``, ``g2``: one number
per item); every name from the project reaches the chart only inside a quoted label, its other
characters written as Mermaid's ``#code;`` entities.
"""

from __future__ import annotations

from kedro_taskflow.layout import Scope, Task, scopes
from kedro_taskflow.model import DagPlan

_PLAIN = frozenset(" _-.:/")


def flowchart(plan: DagPlan) -> str:
    """A ```` ```mermaid ```` block: what GitHub renders as a chart in Markdown."""
    dag = scopes(plan, reserved=())
    ids: dict[tuple[str, ...], str] = {}  # a task's or group's path -> its Mermaid id
    lines = ["```mermaid", f"%% DAG {plan.dag_id}", "flowchart LR"]
    _declare(dag, (), ids, lines, "    ")
    _arrows(dag, (), ids, lines)
    lines.append("```")
    return "\n".join(lines) + "\n"


def _declare(scope: Scope, path: tuple[str, ...], ids: dict, lines: list[str], indent: str) -> None:
    """Every task and group first, so that no arrow moves a task into another subgraph."""
    for item in scope.items:
        item_path = (*path, item.name)
        ids[item_path] = f"{'t' if isinstance(item, Task) else 'g'}{len(ids) + 1}"
        if isinstance(item, Task):
            lines.append(f'{indent}{ids[item_path]}["{label(item.name)}"]')
        else:
            lines.append(f'{indent}subgraph {ids[item_path]} ["{label(item.name)}"]')
            _declare(item, item_path, ids, lines, indent + "    ")
            lines.append(f"{indent}end")


def _arrows(scope: Scope, path: tuple[str, ...], ids: dict, lines: list[str]) -> None:
    for statement in scope.statements:
        if len(statement.sides) > 1:
            sides = (" & ".join(ids[(*path, *ref)] for ref in side) for side in statement.sides)
            lines.append("    " + " --> ".join(sides))
    for item in scope.items:
        if isinstance(item, Scope):
            _arrows(item, (*path, item.name), ids, lines)


def label(text: str) -> str:
    """``text`` safe inside a quoted Mermaid label: letters, digits and ``_-.:/`` and spaces as
    they are, anything else (quotes, brackets, newlines, ``#``, ``;``) as ``#<code>;``."""
    return "".join(c if c.isalnum() or c in _PLAIN else f"#{ord(c)};" for c in text)
