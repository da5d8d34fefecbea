"""DagPlan -> what ``plan`` shows: an indented text tree, or JSON for scripts (``mermaid.py``: a
chart). Pure."""

from __future__ import annotations

import json
from pathlib import Path

from kedro_taskflow import config
from kedro_taskflow.layout import Scope, Task, scopes
from kedro_taskflow.model import DagPlan, Setting


def as_text(plan: DagPlan, target: Path) -> str:
    """The DAG, its settings, then its groups and tasks as an indented tree, one line each."""
    lines = [
        f"DAG {plan.dag_id}  (pipeline {plan.pipeline!r}, file {target / plan.file_name})",
        f"  settings: {_settings_text(plan.settings)}",
    ]
    _tree(scopes(plan, reserved=()), "  ", lines)  # function names are not shown
    return "".join(line + "\n" for line in lines)


def as_json(plan: DagPlan, target: Path) -> dict:
    return {
        "dag_id": plan.dag_id,
        "pipeline": plan.pipeline,
        "file": str(target / plan.file_name),
        "settings": _settings_json(plan.settings),
        "tasks": [
            {
                "task_id": t.task_id,
                "nodes": list(t.node_names),
                "upstream": list(t.upstream),
                "settings": _settings_json(t.settings),
            }
            for t in plan.tasks
        ],
    }


def _tree(scope: Scope, indent: str, lines: list[str]) -> None:
    """Groups as an indented tree; each task with its upstream tasks and, if not its id, its nodes."""
    for item in scope.items:
        if not isinstance(item, Task):
            lines.append(f"{indent}group {'.'.join(item.path)}  (namespace {item.group.namespace!r})")
            _tree(item, indent + "  ", lines)
            continue
        task = item.plan
        upstream = f"  <- {', '.join(task.upstream)}" if task.upstream else ""
        lines.append(f"{indent}task {task.task_id}{upstream}")
        if task.node_names != (task.task_id,):
            lines.extend(f"{indent}  node {name!r}" for name in task.node_names)
        own = tuple(s for s in task.settings if s.on_task or s.key == config.FLAVOUR)  # on its decorator
        if own:
            lines.append(f"{indent}  settings: {_settings_text(own)}")


def _settings_text(settings: tuple[Setting, ...]) -> str:
    """``retries=2 (default), pool='ingest_pool' (tag:ingest)``"""
    return ", ".join(
        f"{s.key}={json.dumps(config.written(s), ensure_ascii=False)} ({s.source})" for s in settings
    )


def _settings_json(settings: tuple[Setting, ...]) -> dict:
    return {s.key: {"value": config.written(s), "source": s.source} for s in settings}
