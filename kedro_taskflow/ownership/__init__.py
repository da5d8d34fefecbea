"""Owning the DAG: a DAG file's bases, the merge of its hand edits with a new generation, and why not.

``bases``: where the text generated last for each file lives, and its format; ``merge``: the
three-way merge (libcst and black, imported only when merging); ``verify``: the checks a merged
text passes before it is written, whatever the merge did; ``report``: what a merge reports (its
conflicts, and the hand edits ``--discard-edits`` drops, as code).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kedro_taskflow.ownership.bases import Base, base_of, base_text, read_base, regenerate_command
from kedro_taskflow.ownership.report import UNDO, Discarded, Merged, hunks
from kedro_taskflow.writer import read

__all__ = [
    "NO_BASE",
    "Base",
    "Discarded",
    "Owned",
    "base_of",
    "base_text",
    "broken",
    "merge_discarding",
    "merge_verified",
    "own",
    "read_base",
    "regenerate_command",
]


@dataclass(frozen=True)
class Owned:
    """What to write over a DAG file, given its hand edits: ``text``, or ``conflicts``."""

    text: str | None
    outdated: bool  # the pipeline changed since the file was generated
    conflicts: tuple[str, ...] = ()
    discarded: tuple[Discarded, ...] = ()  # the hand edits dropped from ``text`` (``discard``)


NO_BASE = (
    "no record of what kedro-taskflow generated here ({base} is missing: an older version wrote the "
    "file, or the base was deleted), so hand edits cannot be told from the pipeline's changes: review "
    "the differences, then take the new generation over the file"
)


def own(path: Path, new: str, base: Base | None, discard: bool = False) -> Owned:
    """Merge the new text of ``path`` with the file there (a person may have edited it) and its base;
    with ``discard``, drop the hand edits that conflict instead (see ``merge_discarding``).

    The merge reads the file without a byte order mark and with ``\n`` line endings; what is
    written has them again as the file had them.
    """
    saved = read(path)
    if saved is None:
        return Owned(new, outdated=True)
    edited, dress = _layout(saved)
    if edited == new:
        return Owned(saved, outdated=False)
    owned = _own(path, edited, new, base, discard)
    return dataclasses.replace(owned, text=dress(owned.text)) if owned.text is not None else owned


def _layout(text: str) -> tuple[str, Callable[[str], str]]:
    """``text`` without a byte order mark and with ``\n`` line endings, and what puts them back
    (``\r\n`` if most of its lines end so)."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    plain = text.removeprefix(bom)
    crlf = plain.count("\r\n")
    plain = plain.replace("\r\n", "\n")
    newline = "\r\n" if crlf * 2 > plain.count("\n") else "\n"
    return plain, lambda merged: bom + merged.replace("\n", newline)


def _own(path: Path, edited: str, new: str, base: Base | None, discard: bool) -> Owned:
    if base is None:
        if discard:
            why = "no base: the file's differences from the new generation cannot be told apart"
            return Owned(
                new, outdated=True, discarded=tuple(dropped for dropped, _ in hunks(new, edited, why))
            )
        return Owned(
            None, outdated=True, conflicts=(NO_BASE.format(base=base_of(path).relative_to(path.parent)),)
        )
    merged = (merge_discarding if discard else merge_verified)(base.text, edited, new)
    if discard:
        return Owned(merged.text, outdated=new != base.text, discarded=merged.discarded)
    return Owned(merged.text, outdated=new != base.text, conflicts=merged.conflicts)


def merge_verified(base: str, edited: str, new: str) -> Merged:
    """The merge of ``edited`` and ``new``, kept only if it passes every check of ``verify`` and
    merging it again changes nothing; otherwise its conflicts are the checks it failed."""
    from kedro_taskflow.ownership.merge import merge  # libcst and black: only here
    from kedro_taskflow.ownership.verify import verify

    merged = merge(base, edited, new)
    if merged.text is None or merged.text == edited:
        return merged
    problems = verify(base, edited, new, merged.text)
    if not problems and merge(base, merged.text, new, merged=True).text != merged.text:
        problems = ("merging the result again changes it (verified: the merge is stable)",)
    if problems:
        return Merged(None, tuple(f"{problem}; {UNDO}" for problem in problems))
    return merged


def merge_discarding(base: str, edited: str, new: str) -> Merged:
    """The verified merge of ``edited`` without the hand edits that conflict, which ``discarded``
    lists; if the merge without them still fails, the new generation, every hand edit discarded."""
    from kedro_taskflow.ownership.merge import undone

    merged, parts, discarded = merge_verified(base, edited, new), set(), {}
    while merged.text is None and merged.discarded and not {d.part for d in merged.discarded} <= parts:
        for dropped in merged.discarded:  # one entry per part, with every reason
            seen = discarded.get(dropped.part)
            why = f"{seen.why}; {dropped.why}" if seen and dropped.why not in seen.why else dropped.why
            discarded[dropped.part] = dataclasses.replace(dropped, why=why)
        parts |= discarded.keys()
        merged = merge_verified(base, undone(base, edited, frozenset(parts)), new)
    if merged.text is not None:
        return Merged(merged.text, (), tuple(discarded.values()))
    # A check failed, not a part: drop the first hunk of the edits whose undoing passes, or them all.
    kept = undone(base, edited, frozenset(parts)) if parts else edited
    why = merged.conflicts[0].removesuffix(f"; {UNDO}")
    for dropped, without in hunks(base, kept, why):
        retried = merge_verified(base, without, new)
        if retried.text is not None:
            return Merged(retried.text, (), (*discarded.values(), dropped))
    return Merged(new, (), tuple(dropped for dropped, _ in hunks(base, edited, why)))


def broken(path: Path) -> str | None:
    """Why the DAG file at ``path`` would not load (it does not compile, or uses a name defined
    nowhere), or None: what ``--check`` tells whoever edited the file."""
    from kedro_taskflow.ownership.verify import undefined_names

    text = read(path)
    problems = undefined_names(_layout(text)[0]) if text is not None else ()
    return problems[0] if problems else None
