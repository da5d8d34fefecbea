"""Bad input, in the terms of whoever reads the message.

A message names the inputs it is about as ``Option``s, which each front end spells its own way:
``kedro_taskflow.generate(target_dir=...)`` reads ``target_dir``, the command line
``--target-dir``. The CLI turns every ``UsageError`` into one line on stderr and exit code 2.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Option:
    """An input as the Python API names it: a parameter of ``generate``/``plan`` or a ``Selection`` field."""

    name: str


PROJECT_PATH = Option("project_path")
PIPELINES = Option("pipelines")
ENV = Option("env")
TARGET_DIR = Option("target_dir")
WORKER_PROJECT_PATH = Option("worker_project_path")
GROUP_BY = Option("group_by")
AIRFLOW_VERSION = Option("airflow_version")
EXECUTION = Option("execution")
FORM = Option("form")
NODES = Option("nodes")
FROM_NODES = Option("from_nodes")
TO_NODES = Option("to_nodes")


class UsageError(Exception):
    """Bad input: the message says what is wrong and how to fix it."""

    def __init__(self, *parts: str | Option) -> None:
        self.parts = parts
        super().__init__(self.message())

    def message(self, spell: Callable[[Option], str] = lambda option: option.name) -> str:
        """The message with each option spelled by ``spell`` (default: its Python name)."""
        return "".join(spell(p) if isinstance(p, Option) else p for p in self.parts)


class Conflicts(Exception):
    """Hand edits that the new generation contradicts, by file: nothing was written."""

    def __init__(self, conflicts: Mapping[Path, tuple[str, ...]]) -> None:
        self.conflicts = dict(conflicts)
        super().__init__(
            "\n".join(f"{path}: {line}" for path, lines in self.conflicts.items() for line in lines)
        )
