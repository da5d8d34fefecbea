"""Literals from project strings: nothing in them can become code."""

from __future__ import annotations

import ast
import inspect
import io
import tokenize

import black
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kedro_taskflow.codegen import BLACK_MODE
from kedro_taskflow.codegen.literals import docstring, string

HOSTILE = [
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    "\\\\",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x00",
    "\x0c",
    "\u2028",
    "\ud800",
    "\udfff",
    "🎉",
    "é",
    " ",
    "{}",
    "\\N{BULLET}",
    "\\x41",
]
hostile_text = st.lists(
    st.one_of(st.characters(), st.characters(categories=["Cs"]), st.sampled_from(HOSTILE)), max_size=30
).map("".join)
# Mostly printable prose, so that the triple-quoted docstring form is chosen often.
prose = st.lists(st.sampled_from([*"ab  \n\n\"'\\.é日🎉", '"""', "    "]), max_size=30).map("".join)
indents = st.sampled_from(["", "    ", "        "])


# --- string -----------------------------------------------------------------------------------


def assert_string_literal_of(value: str) -> None:
    literal = string(value).value
    literal.encode("utf-8")  # the generated file is written as UTF-8
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(literal).readline)
        if t.type not in (tokenize.NEWLINE, tokenize.ENDMARKER)
    ]
    assert [t.type for t in tokens] == [tokenize.STRING], literal  # one token: nothing else is code
    assert "\n" not in literal and "\r" not in literal
    assert ast.literal_eval(literal) == value


@pytest.mark.parametrize("value", HOSTILE + ['say "hi"', "a'b\"c", 'x"""y', "ends\\", "\\n", "\ud83d\ude00"])
def test_string_of_hostile_values(value):
    assert_string_literal_of(value)


@settings(deadline=None)
@given(st.one_of(hostile_text, prose, st.text()))
def test_string_evaluates_back_to_any_text(value):
    assert_string_literal_of(value)


def test_string_keeps_plain_text_readable():
    assert string("eu.clean_orders").value == '"eu.clean_orders"'
    assert string("données 🎉").value == '"données 🎉"'


# --- docstring --------------------------------------------------------------------------------


def parsed_docstring(text: str, indent: str) -> tuple[str, str]:
    """(literal, docstring value) of ``docstring(text, indent)`` as the first statement of a
    module (no indent) or of functions nested to that depth, followed by another statement."""
    literal = docstring(text, indent).value
    depth = len(indent) // 4
    header = "".join(f"{'    ' * i}def f{i}():\n" for i in range(depth))
    tree = ast.parse(f"{header}{indent}{literal}\n{indent}marker = 1\n")
    scope = tree
    for _ in range(depth):
        (scope,) = scope.body
    first, second = scope.body  # the literal is one statement; the code after it is intact
    assert isinstance(second, ast.Assign) and second.targets[0].id == "marker"
    assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return literal, first.value.value


def assert_docstring_of(text: str, indent: str) -> None:
    """Always triple-quoted, black leaves it as it is, and it reads back as the text (as black
    shows text: no trailing spaces or blank lines, no common indentation after the first line)."""
    literal, value = parsed_docstring(text, indent)
    literal.encode("utf-8")
    assert literal.startswith(('"""', 'r"""')), literal
    assert all(not line or line.startswith(indent) for line in literal.split("\n")[1:])
    depth = len(indent) // 4
    header = "".join(f"{'    ' * i}def f{i}():\n" for i in range(depth))
    module = f"{header}{indent}{literal}\n{indent}marker = 1\n"
    formatted = black.format_str(module, mode=BLACK_MODE)
    assert f"{header}{indent}{literal}\n" in formatted, "black would change the docstring"
    assert shown(value) == shown(text)


def shown(text: str) -> str:
    """Text as a docstring shows it: trailing spaces of lines, trailing blank lines and the common
    indentation of the lines after the first dropped; quotes at the ends without their padding."""
    # cleandoc expands tabs by their column, which the padding and the indentation move: keep them.
    tab = next(c for c in map(chr, range(0xE000, 0xF900)) if c not in text)
    lines = [line.rstrip(" ") for line in text.replace("\t", tab).split("\n")]
    return inspect.cleandoc("\n".join(lines)).strip(" ").replace(tab, "\t")


def without_trailing_blank_lines(text: str) -> str:
    lines = text.split("\n")
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


@pytest.mark.parametrize(
    "text",
    [
        "Summary.",
        "Summary.\n\nDetails,\n    indented.\n",
        'ends with a quote"',
        "ends with a backslash\\",
        'has """ inside',
        '"starts with a quote',
        '""two quotes first\nand more',
        'a\\"b',
        "a\\\nb",
        "tab\there",
        "cr\rhere",
        "nul\x00",
        "lone \ud800 surrogate",
        "emoji 🎉\nsecond line",
    ],
)
@pytest.mark.parametrize("indent", ["", "    ", "        "])
def test_docstring_of_hostile_text(text, indent):
    assert_docstring_of(text, indent)


@settings(deadline=None)
@given(st.one_of(prose, hostile_text), indents)
@example('"\t0', "")  # a tab after a first quote, which is padded
@example("\n0\t0", "    ")  # a tab in an indented line
def test_docstring_parses_back_to_the_text(text, indent):
    assert_docstring_of(text, indent)


@pytest.mark.parametrize("text", ["summary\n", "summary\n\n", "summary\n   "])
def test_docstring_drops_trailing_blank_lines(text):
    assert parsed_docstring(text, "        ")[1] == "summary"


def test_docstring_uses_triple_quotes_for_prose():
    assert docstring("Summary.\n\nMore.", "    ").value == '"""Summary.\n\n    More.\n    """'
    assert docstring("a\\b -> c", "    ").value == 'r"""a\\b -> c"""'
