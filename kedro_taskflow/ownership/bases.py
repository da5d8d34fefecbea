"""Where bases live and what they hold.

Next to each DAG file, in ``.kedro-taskflow/``, its base: the text kedro-taskflow generated for it
last, which ``generate`` merges from, under a line with the digest of what that text was
generated from (Airflow loads only ``*.py`` files and zip archives).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from kedro_taskflow.target import GENERATED_MARK
from kedro_taskflow.writer import read

BASES = ".kedro-taskflow"  # the folder of the bases, in the folder of the DAG files


# A base's first line: the digest of what its text was generated from (see ``api.inputs_digest``).
INPUTS_LINE = "# kedro-taskflow base, generated from inputs sha256:"


@dataclass(frozen=True)
class Base:
    """The text generated last for a DAG file, and the digest of its inputs (None: not recorded)."""

    text: str
    inputs: str | None


def base_of(path: Path) -> Path:
    """Where the text generated last for the DAG file ``path`` is kept."""
    return path.parent / BASES / f"{path.name}.base"


def read_base(path: Path) -> Base | None:
    """The base of the DAG file ``path``, if there is one."""
    text = read(base_of(path))
    if text is None:
        return None
    first, newline, rest = text.partition("\n")
    if first.startswith(INPUTS_LINE) and newline:
        return Base(rest, first.removeprefix(INPUTS_LINE))
    return Base(text, None)


def base_text(base: Base) -> str:
    """What a base file holds: its inputs line, then the generated text."""
    return f"{INPUTS_LINE}{base.inputs}\n{base.text}"


def regenerate_command(text: str) -> str | None:
    """The command line that a generated text's docstring says it was generated with, if any."""
    try:
        doc = ast.get_docstring(ast.parse(text), clean=False) or ""
    except (SyntaxError, ValueError):
        return None
    _, mark, after = doc.partition(f"{GENERATED_MARK} ")
    _, said, rest = after.partition(" with:\n\n    ")
    command = rest.partition("\n\n")[0]
    return command if mark and said and command else None
