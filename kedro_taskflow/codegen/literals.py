"""Python literals for strings that come from a project: nothing in them can become code."""

from __future__ import annotations

import re

import libcst as cst

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_PLAIN_NAME = re.compile(r"[\w.:@/+-]+")


def string(value: str) -> cst.SimpleString:
    """A double-quoted literal that evaluates to exactly ``value``."""
    return cst.SimpleString(_quoted(value))


def _quoted(value: str) -> str:
    body = "".join(_ESCAPES.get(ch) or (ch if ch.isprintable() else repr(ch)[1:-1]) for ch in value)
    return f'"{body}"'


def docstring(text: str, indent: str = "") -> cst.SimpleString:
    """A triple-quoted docstring, raw if ``text`` has backslashes; an escaped literal if neither fits.

    ``indent`` is the indentation of the lines after the first. Trailing blank lines are dropped
    from the triple-quoted form, which would otherwise keep their indentation.
    """
    first, *rest = text.split("\n")
    while rest and not rest[-1].strip():
        rest.pop()
    shown = "\n".join([first, *rest])
    fits = (
        '"""' not in shown
        and not shown.endswith(('"', "\\"))
        and all(ch.isprintable() or ch == "\n" for ch in shown)
    )
    if not fits:
        return string(text)
    if rest:
        first += "".join("\n" + (indent + line if line else "") for line in rest) + "\n" + indent
    prefix = "r" if "\\" in shown else ""
    return cst.SimpleString(f'{prefix}"""{first}"""')


def display(name: str) -> str:
    """A dataset or node name as a reader should see it in a docstring: plain, or quoted."""
    return name if _PLAIN_NAME.fullmatch(name) else _quoted(name)
