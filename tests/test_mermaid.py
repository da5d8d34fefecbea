"""``plan --format mermaid``: the chart, read back, has the plan's tasks, groups and graph."""

from __future__ import annotations

import re

from hypothesis import given, settings
from support.cases import MEMORY
from support.dag_source import closure
from support.environment import BIN, run
from support.kedro_projects import write_project
from support.strategies import pipelines

from kedro_taskflow import mermaid
from kedro_taskflow.errors import UsageError
from kedro_taskflow.model import PipelineSpec, ProjectSpec
from kedro_taskflow.planning import plan_dag

NODE = re.compile(r'(?P<id>t\d+)\["(?P<label>[^"\n]*)"\]')
SUBGRAPH = re.compile(r'subgraph (?P<id>g\d+) \["(?P<label>[^"\n]*)"\]')


def read_chart(text: str) -> tuple[dict[str, tuple[str, ...]], dict[str, set[str]], set[tuple[str, str]]]:
    """The chart's tasks (id -> path of labels), groups (id -> the task ids inside) and arrows
    between task ids (an arrow to or from a group: to or from each task inside)."""
    lines = text.splitlines()
    assert lines[0] == "```mermaid" and lines[-1] == "```" and lines[2] == "flowchart LR", text
    tasks: dict[str, tuple[str, ...]] = {}
    groups: dict[str, set[str]] = {}
    stack: list[tuple[str, str]] = []  # open subgraphs: (id, label)
    arrows = []
    for line in lines[3:-1]:
        line = line.strip()
        if m := SUBGRAPH.fullmatch(line):
            stack.append((m["id"], decode(m["label"])))
            groups[m["id"]] = set()
        elif line == "end":
            stack.pop()
        elif m := NODE.fullmatch(line):
            tasks[m["id"]] = (*(label for _, label in stack), decode(m["label"]))
            for group, _ in stack:
                groups[group].add(m["id"])
        else:
            arrows.append([side.split(" & ") for side in line.split(" --> ")])
    assert not stack, text

    def expand(side: list[str]) -> set[str]:
        return {t for ref in side for t in groups.get(ref, {ref})}

    edges = {
        (u, d)
        for chain in arrows
        for left, right in zip(chain, chain[1:], strict=False)
        for u in expand(left)
        for d in expand(right)
    }
    return tasks, groups, edges


def decode(label: str) -> str:
    assert re.fullmatch(r"[\w .:/#;-]*", label), label  # nothing that could end the label
    return re.sub(r"#(\d+);", lambda m: chr(int(m[1])), label)


@settings(deadline=None, max_examples=60)
@given(pipeline=pipelines(max_nodes=25))
def test_the_chart_holds_every_task_group_and_dependency(pipeline):
    nodes, persisted = pipeline
    project = ProjectSpec("P", "p", (PipelineSpec("__default__", tuple(nodes)),), frozenset(persisted))
    try:
        plan = plan_dag(project, "__default__")
    except UsageError:  # a pipeline Kedro would refuse too (the planning tests cover it)
        return

    tasks, groups, edges = read_chart(mermaid.flowchart(plan))

    by_path = {path: id_ for id_, path in tasks.items()}
    assert sorted(by_path) == sorted(t.path for t in plan.tasks)
    assert len(groups) == len(plan.groups)
    ids = {t.task_id: by_path[t.path] for t in plan.tasks}
    expected = {(ids[u], ids[t.task_id]) for t in plan.tasks for u in t.upstream}
    assert closure(edges) == closure(expected)


def test_labels_keep_any_name_inside_the_quotes():
    hostile = 'a"]\n--> b; c#1; end %% é'
    assert decode(mermaid.label(hostile)) == hostile


def test_plan_prints_one_chart_per_dag(tmp_path):
    project = write_project(tmp_path, MEMORY)

    result = run([str(BIN / "kedro-taskflow"), "plan", "--format", "mermaid"], cwd=project)

    tasks, groups, edges = read_chart(result.stdout)
    assert result.stdout.count("```mermaid") == 1 and "%% DAG memory_project\n" in result.stdout
    assert not groups
    assert {(tasks[u][0], tasks[d][0]) for u, d in edges} == {
        ("clean", "split_to_score"),
        ("clean", "describe"),
        ("split_to_score", "report"),
        ("describe", "report"),
    }


def test_json_and_another_format_are_refused(tmp_path):
    project = write_project(tmp_path, MEMORY)

    result = run(
        [str(BIN / "kedro-taskflow"), "plan", "--json", "--format", "mermaid"], cwd=project, check=False
    )

    assert result.returncode == 2
    assert result.stderr.strip() == "Error: Pass either --json or --format mermaid, not both."
