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
    if value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'  # the common case, and the same literal
    body = "".join(_ESCAPES.get(ch) or (ch if ch.isprintable() else repr(ch)[1:-1]) for ch in value)
    return f'"{body}"'


def docstring(text: str, indent: str = "") -> cst.SimpleString:
    """A triple-quoted docstring showing ``text``, escaping only what must be escaped.

    ``indent`` is the indentation of the lines after the first. The text is written as black
    would leave it: trailing blank lines, trailing spaces and the common indentation of the
    lines after the first are dropped, and a space separates a first ``"``, or the last one of a
    one-line docstring, from the triple quotes. Escaped are: backslashes, the third
    ``"`` of a run, and characters that are not printable (tab, carriage return, NUL, a lone
    surrogate...), which Python or black would otherwise read differently. When only
    backslashes need escaping, the docstring is raw instead.
    """
    first, *rest = [line.rstrip(" ") for line in text.split("\n")]
    while rest and not rest[-1]:
        rest.pop()
    margin = min((len(line) - len(line.lstrip(" ")) for line in rest if line), default=0)
    shown = "\n".join([first.lstrip(" "), *(line[margin:] for line in rest)])
    raw = (
        "\\" in shown
        and '"""' not in shown
        and not shown.endswith("\\")
        and all(ch.isprintable() or ch == "\n" for ch in shown)
    )
    body = shown if raw else _escape_docstring(shown)
    if body.startswith('"'):
        body = " " + body
    if body.endswith('"') and "\n" not in body:
        body += " "
    first, *rest = body.split("\n")
    if rest:
        first += "".join("\n" + (indent + line if line else "") for line in rest) + "\n" + indent
    return cst.SimpleString(f'{"r" if raw else ""}"""{first}"""')


def _escape_docstring(text: str) -> str:
    if '"' not in text and "\\" not in text and text.replace("\n", "").isprintable():
        return text  # the common case: nothing to escape
    out, quotes = [], 0
    for ch in text:
        if ch == '"':
            quotes += 1
            out.append('\\"' if quotes == 3 else ch)
            quotes %= 3
            continue
        quotes = 0
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n" or ch.isprintable():
            out.append(ch)
        else:
            out.append(_ESCAPES.get(ch) or repr(ch)[1:-1])
    return "".join(out)


def display(name: str) -> str:
    """A dataset or node name as a reader should see it in a docstring: plain, or quoted."""
    return name if _PLAIN_NAME.fullmatch(name) else _quoted(name)
