"""LibCST constructors for the nodes a DAG repeats thousands of times, sharing their whitespace.

LibCST makes a fresh whitespace node for every field left out (a line's end, the space around a
call's brackets...) and checks each node it makes: half of a big DAG's tree was such nodes. Nodes
are immutable, so one of each serves the whole tree; the text is the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

_NONE = cst.SimpleWhitespace("")
_SPACE = cst.SimpleWhitespace(" ")
_END = cst.TrailingWhitespace(whitespace=_NONE, newline=cst.Newline())
_EQUAL = cst.AssignEqual(_NONE, _NONE)
_OPEN, _CLOSE = cst.LeftSquareBracket(_NONE), cst.RightSquareBracket(_NONE)
NO_PARAMS = cst.Parameters()
BLANK = cst.EmptyLine(whitespace=_NONE, newline=cst.Newline())


def line(
    statement: cst.BaseSmallStatement, leading_lines: Sequence[cst.EmptyLine] = ()
) -> cst.SimpleStatementLine:
    """A line holding one simple statement."""
    return cst.SimpleStatementLine([statement], leading_lines=leading_lines, trailing_whitespace=_END)


def expression(
    value: cst.BaseExpression, leading_lines: Sequence[cst.EmptyLine] = ()
) -> cst.SimpleStatementLine:
    """A line holding an expression: a call, a docstring, a dependency statement."""
    return line(cst.Expr(value), leading_lines)


def call(func: cst.BaseExpression, args: Sequence[cst.Arg] = ()) -> cst.Call:
    return cst.Call(func, args, whitespace_after_func=_NONE, whitespace_before_args=_NONE)


def arg(value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value, whitespace_after_star=_NONE, whitespace_after_arg=_NONE)


def kwarg(keyword: str, value: cst.BaseExpression) -> cst.Arg:
    """``keyword=value``, without spaces around ``=``."""
    return cst.Arg(value, cst.Name(keyword), _EQUAL, whitespace_after_star=_NONE, whitespace_after_arg=_NONE)


def list_of(values: Sequence[cst.BaseExpression]) -> cst.List:
    return cst.List([cst.Element(v) for v in values], lbracket=_OPEN, rbracket=_CLOSE)


def assign(name: str, value: cst.BaseExpression) -> cst.SimpleStatementLine:
    """``name = value``"""
    target = cst.AssignTarget(cst.Name(name), whitespace_before_equal=_SPACE, whitespace_after_equal=_SPACE)
    return line(cst.Assign([target], value))


def function(
    name: str,
    body: Sequence[cst.BaseStatement],
    decorator: cst.BaseExpression,
    params: cst.Parameters = NO_PARAMS,
    leading_lines: Sequence[cst.EmptyLine] = (),
) -> cst.FunctionDef:
    """A decorated ``def``."""
    return cst.FunctionDef(
        cst.Name(name),
        params,
        cst.IndentedBlock(body, header=_END),
        [cst.Decorator(decorator, whitespace_after_at=_NONE, trailing_whitespace=_END)],
        leading_lines=leading_lines,
        whitespace_after_def=_SPACE,
        whitespace_after_name=_NONE,
        whitespace_before_params=_NONE,
        whitespace_before_colon=_NONE,
        whitespace_after_type_parameters=_NONE,
    )
