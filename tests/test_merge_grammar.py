"""Random hand edits from a grammar of realistic edits, before random pipeline changes (issue 20).

Every outcome is a merge that loads (it compiles, every name it uses is defined, every group child
it names exists), keeps every hand edit and every task of the new generation, and is stable; or
conflicts, with no text to write. The edits (``support.strategies.hand_edits``): decorator
arguments, signatures, statements before the runner call, imports and their use, comments,
operators wired with ``>>``, ``<<``, ``set_upstream``, ``set_downstream``, ``chain(...)`` (through a
group's child too) and ``cross_downstream(...)``. The changes: the corpus's (``support.ownership``),
a few at once, with ``--env`` or not. Hypothesis's ``ci`` profile keeps it to a few seconds.
"""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st
from support.ownership import CHANGES, QUIET_CHANGES, changed, generated
from support.strategies import hand_edits

from kedro_taskflow.ownership import merge_verified
from kedro_taskflow.ownership.report import UNDO
from kedro_taskflow.ownership.verify import undefined_names

BASE = generated()


def _tasks(text: str) -> set[str]:
    """The names of the task functions a file defines, and the nodes their runner calls name."""
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "run_nodes":
            found.add(ast.literal_eval(node.args[0]))
    return found


def _unknown_children(text: str) -> list[str]:
    """Each ``<group>.get_child_by_label("x")`` whose group (a variable bound to a task group's
    call) has no task or group ``x``: Airflow fails to load such a file."""
    tree = ast.parse(text)
    children, groups = {}, {}
    for node in ast.walk(tree):
        decorators = getattr(node, "decorator_list", [])
        if any(ast.unparse(getattr(d, "func", d)) == "task_group" for d in decorators):
            children[node.name] = {
                next(
                    (
                        k.value.value
                        for d in inner.decorator_list
                        for k in getattr(d, "keywords", ())
                        if k.arg in ("task_id", "group_id")
                    ),
                    inner.name,
                )
                for inner in node.body
                if isinstance(inner, ast.FunctionDef) and inner.decorator_list
            }
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            groups[ast.unparse(node.targets[0])] = ast.unparse(node.value.func)
    return [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", None) == "get_child_by_label"
        and node.args[0].value not in children.get(groups.get(ast.unparse(node.func.value)), ())
    ]


@settings(database=None)
@given(
    hand_edits(),
    st.lists(st.sampled_from(sorted(CHANGES)), max_size=3, unique=True),
    st.booleans(),
)
def test_random_edits_before_random_changes_merge_verified_or_conflict(edits, changes, other_env):
    mine, evidence = BASE, []
    for _, edit in edits:
        made = edit(mine)
        if made is not None:
            mine, found = made
            evidence += found
    target = QUIET_CHANGES["env"][1] if other_env else None
    new = generated(*changed(*changes), **({"target": target} if target else {}))

    result = merge_verified(BASE, mine, new)

    if result.text is None:
        assert result.conflicts and all(line.endswith(UNDO) for line in result.conflicts)
        return
    assert result.conflicts == ()
    compile(result.text, "<merged>", "exec")
    assert undefined_names(result.text) == ()
    assert _unknown_children(result.text) == [], result.text  # it loads in Airflow
    assert [e for e in evidence if e not in result.text] == [], result.text
    assert _tasks(new) <= _tasks(result.text), result.text  # every node of the new generation runs
    assert merge_verified(BASE, result.text, new).text == result.text
