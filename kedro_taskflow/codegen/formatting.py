"""Source text -> black's output for it, formatting only the statements that need it.

Black formats each logical line by itself: how it splits a line depends only on the line, its
depth and whether it opens its block (a docstring); the blank lines between lines are decided
apart. So a statement can be formatted alone, with the public ``black.format_str``, wrapped in
blocks to its depth (a ``pass`` before it unless it opens its block), and give the lines black
gives it in the whole module. The statements that need it are those whose lines are long, not
ASCII, end a bracket with a comma (black's magic trailing comma), hold a backslash (an escape
black may rewrite), a comment, a tab or a single quote, have a body, or are not one line
(docstrings aside); a ``def`` or ``class`` header is formatted apart from its body.

Of those, the dependency chains and runner calls (most of a large DAG) are split by
``codegen.splits``, which makes black's decisions without black; black formats the rest.

Everything else, blank lines and comments included, is kept as given: the code generator emits
it as black writes it (spacing, blank lines), and ``tests/test_formatting.py`` holds the result
to whole-module black, byte for byte, on every snapshot case and on random pipelines.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import black

from kedro_taskflow.codegen.splits import split

_MARK = "__kedro_taskflow_unit_end__"  # a statement that black leaves alone, between units
_BATCH = 50  # units per call of black: black's syntax tree of a whole big DAG would be the peak of memory
_TRAILING_COMMA = re.compile(r",\s*[)\]}]")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Unit:
    """Lines ``start`` to ``end`` (0-based, inclusive) that black formats alone."""

    start: int
    end: int
    wrappers: tuple[str, ...]  # the headers of the enclosing blocks, outermost first
    first: bool  # it opens its block
    header: bool  # a ``def`` or ``class`` header, without its body
    compound: bool = False  # a whole statement with a body (``if``, ``with``, a one-line ``def``...)


def format_code(code: str, mode: black.Mode, units: Sequence[Unit] | None = None) -> str:
    """``black.format_str(code, mode=mode)`` for code that is black's already but where flagged.

    ``units``: every statement of ``code``, in order, if known (``codegen.printing``); else the
    code is parsed to find them."""
    if "fmt:" in code or _MARK in code:  # black's on/off comments reach across statements
        return black.format_str(code, mode=mode)
    lines = code.splitlines(keepends=True)
    if units is None or len(lines) != code.count("\n"):  # lines that end otherwise than in \n
        units = statement_units(code)
    if any(a.end >= b.start for a, b in zip(units, units[1:], strict=False)):  # sharing a line (``;``)
        return black.format_str(code, mode=mode)
    flagged = [u for u in units if not _trusted(u, lines, mode.line_length)]
    texts = [_split(unit, lines, mode) for unit in flagged]
    left = [i for i, text in enumerate(texts) if text is None]
    for at in range(0, len(left), _BATCH):
        batch = _format_units([flagged[i] for i in left[at : at + _BATCH]], lines, mode)
        if batch is None:  # black did something this module does not expect: take the slow road
            return black.format_str(code, mode=mode)
        for i, text in zip(left[at : at + _BATCH], batch, strict=True):
            texts[i] = text
    out: list[str] = []
    done = 0
    for unit, text in zip(flagged, texts, strict=True):
        out += _gap(lines[done : unit.start])
        out.append(text)
        done = unit.end + 1
    out += _gap(lines[done:])
    return "".join(out)


def _split(unit: Unit, lines: list[str], mode: black.Mode) -> str | None:
    """The unit as black formats it, from ``splits`` when it models the statement."""
    if unit.header or unit.compound or unit.start != unit.end or not _plain(mode):
        return None
    return split(lines[unit.start], mode.line_length)


def _plain(mode: black.Mode) -> bool:
    """Black's stable style, which is what ``splits`` models."""
    return (
        not (mode.preview or mode.unstable or mode.enabled_features or mode.is_pyi)
        and mode.magic_trailing_comma
    )


def _gap(lines: list[str]) -> list[str]:
    """Lines between statements (blank or comments): black strips a blank line's indentation."""
    return [line if line.strip() else "\n" for line in lines]


def statement_units(code: str) -> list[Unit]:
    """Every statement of ``code``, in order, found by parsing it."""
    return list(_units(ast.parse(code).body, (), code.splitlines(keepends=True)))


def _units(body: list[ast.stmt], wrappers: tuple[str, ...], lines: list[str]) -> Iterator[Unit]:
    for i, statement in enumerate(body):
        start = _first_line(statement)
        if isinstance(statement, _DEFINITIONS) and statement.body[0].lineno > statement.lineno:
            end = _first_line(statement.body[0]) - 1
            while not lines[end].strip() or lines[end].lstrip().startswith("#"):
                end -= 1  # the first body statement's blank lines and comments
            yield Unit(start, end, wrappers, i == 0, header=True)
            indent = " " * statement.col_offset
            inner = f"{indent}class _:\n" if isinstance(statement, ast.ClassDef) else f"{indent}def _():\n"
            yield from _units(statement.body, (*wrappers, inner), lines)
        else:  # a simple statement, or a compound one whole
            compound = any(
                isinstance(getattr(statement, f, None), list) for f in ("body", "handlers", "cases")
            )
            end = statement.end_lineno - 1
            yield Unit(start, end, wrappers, i == 0, header=False, compound=compound)


def _first_line(statement: ast.stmt) -> int:
    """The 0-based line a statement starts on, decorators included."""
    return min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))]) - 1


def _trusted(unit: Unit, lines: list[str], line_length: int) -> bool:
    """Whether black would leave the unit's lines as they are, as far as we can tell cheaply."""
    span = lines[unit.start : unit.end + 1]
    if unit.compound or any(
        len(line) > line_length + 1
        or not line.isascii()
        or any(ch in line for ch in "\\#\t'")  # escapes, comments, tabs, quotes black may swap
        or _TRAILING_COMMA.search(line)
        for line in span
    ):
        return False
    if unit.header:  # one line per decorator, then the ``def`` or ``class`` line
        return all(line.lstrip().startswith("@") for line in span[:-1]) and span[-1].rstrip().endswith(":")
    return len(span) == 1 or _is_docstring(span)


def _is_docstring(span: list[str]) -> bool:
    first, last = span[0].lstrip(), span[-1].rstrip()
    return first.startswith('"""') and last.endswith('"""') and "\n".join(span).count('"""') == 2


def _format_units(units: list[Unit], lines: list[str], mode: black.Mode) -> list[str] | None:
    """Each unit as black formats it in place, from one call of black; None if unsure."""
    source: list[str] = []
    for unit in units:
        source += unit.wrappers
        indent = _indent(lines[unit.start])
        if not unit.first:
            source.append(f"{indent}pass\n")
        source += lines[unit.start : unit.end + 1]
        if unit.header:
            source.append(f"{indent}    pass\n")
        source.append(f"{_MARK}\n")
    chunks = black.format_str("".join(source), mode=mode).split(f"{_MARK}\n")
    if len(chunks) != len(units) + 1 or chunks[-1].strip():
        return None
    formatted = [
        _unwrap(unit, chunk, _indent(lines[unit.start]))
        for unit, chunk in zip(units, chunks[:-1], strict=True)
    ]
    return None if None in formatted else formatted  # type: ignore[return-value]


def _unwrap(unit: Unit, chunk: str, indent: str) -> str | None:
    """The unit's own lines from black's text for it: without wrappers, ``pass`` and blank lines."""
    got = chunk.splitlines(keepends=True)
    while got and not got[0].strip():
        got.pop(0)
    if got[: len(unit.wrappers)] != list(unit.wrappers):
        return None
    del got[: len(unit.wrappers)]
    if not unit.first and (not got or got.pop(0) != f"{indent}pass\n"):
        return None
    while got and not got[0].strip():
        got.pop(0)
    while got and not got[-1].strip():
        got.pop()
    if unit.header and (not got or got.pop() != f"{indent}    pass\n"):
        return None
    return "".join(got)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" "))]
