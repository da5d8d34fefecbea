"""What the ownership of a DAG file reports: a merge's text or conflicts, and the hand edits that
``--discard-edits`` drops, each as the code the person wrote."""

from __future__ import annotations

import difflib
import textwrap
from dataclasses import dataclass

UNDO = "undo the edit, regenerate, then redo it"


@dataclass(frozen=True)
class Discarded:
    """A hand edit that conflicts: the part it is in, why it conflicts, and its code (the lines the
    person wrote there; ``- `` lines for what they deleted)."""

    part: str
    why: str
    code: str


@dataclass(frozen=True)
class Merged:
    """The merged text (None if there are conflicts) and each conflict; ``discarded``: the hand
    edits that conflict, which ``--discard-edits`` drops (or, with a text, dropped for it)."""

    text: str | None
    conflicts: tuple[str, ...]
    discarded: tuple[Discarded, ...] = ()


def changed_lines(base: str, edited: str) -> str:
    """The lines ``edited`` has where ``base`` differs (dedented), or, if it only deletes,
    the deleted lines as ``- <line>``."""
    b, e = base.splitlines(), edited.splitlines()
    opcodes = difflib.SequenceMatcher(None, b, e, autojunk=False).get_opcodes()
    written = [line for tag, _, _, j1, j2 in opcodes if tag != "equal" for line in e[j1:j2]]
    if written:
        return textwrap.dedent("\n".join(written)).strip("\n")
    deleted = textwrap.dedent(
        "\n".join(line for tag, i1, i2, _, _ in opcodes if tag != "equal" for line in b[i1:i2])
    )
    return "\n".join(f"- {line}" for line in deleted.strip("\n").splitlines())


def hunks(base: str, edited: str, why: str) -> list[tuple[Discarded, str]]:
    """Each hunk of the difference from ``base`` to ``edited``: as a discarded edit, and ``edited``
    without it."""
    b, e = base.splitlines(keepends=True), edited.splitlines(keepends=True)
    found = []
    for hunk in difflib.SequenceMatcher(None, b, e, autojunk=False).get_grouped_opcodes(0):
        (_, i1, _, j1, _), (_, _, i2, _, j2) = hunk[0], hunk[-1]
        code = changed_lines("".join(b[i1:i2]), "".join(e[j1:j2]))
        found.append((Discarded(f"the file, line {j1 + 1}", why, code), "".join(e[:j1] + b[i1:i2] + e[j2:])))
    return found
