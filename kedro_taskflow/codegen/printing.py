"""libcst.Module -> its text, as ``Module.code`` gives it, and where its statements are.

LibCST's code generator is general: every node it prints goes through a method call, a context
manager for positions and another for parentheses, which made printing a big DAG's tree take as
long as building it. This prints the nodes the generator builds with one function each, and
notes each statement's lines for ``codegen.formatting`` on the way (which then need not parse the
text again). A statement this does not know (any compound one but ``def``, several statements
on one line, whitespace that spans lines) makes ``print_module`` give None, and the caller takes
``Module.code``; an expression it does not know is printed by LibCST (``code_for_node``), unless
its text spans lines. ``tests/test_formatting.py`` holds the text to ``Module.code``, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from kedro_taskflow.codegen.formatting import Unit
from kedro_taskflow.codegen.nodes import NO_PARAMS


class _Unknown(Exception):
    """A node this printer does not print as LibCST would, in its place."""


@dataclass(frozen=True)
class Printed:
    code: str
    units: tuple[Unit, ...]  # every statement, in order, as ``formatting`` formats them


def print_module(module: cst.Module) -> Printed | None:
    """``module.code`` and its statements; None if it holds a node not printed here in place."""
    printer = _Printer(module)
    try:
        printer.module()
    except _Unknown:
        return None
    return Printed("".join(printer.out), tuple(printer.units))


class _Printer:
    def __init__(self, module: cst.Module):
        self.node = module
        self.newline = module.default_newline
        self.indent_unit = module.default_indent
        self.out: list[str] = []
        self.indents: list[str] = []
        self.wrappers: tuple[str, ...] = ()
        self.units: list[Unit] = []
        self.line = 0  # lines printed so far

    def module(self) -> None:
        module = self.node
        for line in module.header:
            self.empty_line(line)
        self.block(module.body)
        for line in module.footer:
            self.empty_line(line)
        if not module.has_trailing_newline or not self.out:
            raise _Unknown("a module without a trailing newline, or empty")

    def block(self, body) -> None:
        for i, statement in enumerate(body):
            if type(statement) is cst.SimpleStatementLine:
                self.simple_line(statement, first=i == 0)
            elif type(statement) is cst.FunctionDef:
                self.function(statement, first=i == 0)
            else:
                raise _Unknown(type(statement).__name__)

    def simple_line(self, node: cst.SimpleStatementLine, first: bool) -> None:
        for line in node.leading_lines:
            self.empty_line(line)
        if len(node.body) != 1:
            raise _Unknown("not one statement on a line")  # ``;``: formatting's units would share a line
        start, at = self.line, len(self.out)
        self.out += self.indents
        statement = node.body[0]
        if statement.semicolon is not cst.MaybeSentinel.DEFAULT:
            raise _Unknown("a semicolon")
        print_ = _SMALL.get(type(statement))
        if print_ is None:
            self.fallback(statement)
        else:
            print_(self, statement)
        self.trailing(node.trailing_whitespace)
        self.line += sum(piece.count("\n") for piece in self.out[at:])
        self.units.append(Unit(start, self.line - 1, self.wrappers, first, header=False))

    def function(self, node: cst.FunctionDef, first: bool) -> None:
        for line in node.leading_lines:
            self.empty_line(line)
        start, at = self.line, len(self.out)
        for i, decorator in enumerate(node.decorators):
            for line in decorator.leading_lines:
                self.empty_line(line)
            if i == 0:  # the statement starts at its first decorator, as ``ast`` has it
                start, at = self.line, len(self.out)
            self.out += self.indents
            self.out.append("@")
            self.whitespace(decorator.whitespace_after_at)
            self.expression(decorator.decorator)
            self.trailing(decorator.trailing_whitespace)
        for line in node.lines_after_decorators:
            self.empty_line(line)
        body = node.body
        if node.asynchronous is not None or node.type_parameters is not None or node.returns is not None:
            raise _Unknown("an async def, type parameters or a return annotation")
        if type(body) is not cst.IndentedBlock or not body.body or body.footer:
            raise _Unknown("a def whose body is not an indented block of statements")
        self.out += self.indents
        self.out.append("def")
        self.whitespace(node.whitespace_after_def)
        self.out.append(node.name.value)
        if node.name.lpar:
            raise _Unknown("a parenthesized name")
        self.whitespace(node.whitespace_after_name)
        self.whitespace(node.whitespace_after_type_parameters)
        self.out.append("(")
        self.whitespace(node.whitespace_before_params)
        if node.params is not NO_PARAMS:
            self.fallback(node.params)
        self.out.append(")")
        self.whitespace(node.whitespace_before_colon)
        self.out.append(":")
        self.trailing(body.header)
        self.line += sum(piece.count("\n") for piece in self.out[at:])
        self.units.append(Unit(start, self.line - 1, self.wrappers, first, header=True))
        indent = self.indent_unit if body.indent is None else body.indent
        outer = self.wrappers
        self.wrappers = (*outer, " " * len("".join(self.indents)) + "def _():\n")
        self.indents.append(indent)
        self.block(body.body)
        self.indents.pop()
        self.wrappers = outer

    def empty_line(self, node: cst.EmptyLine) -> None:
        if node.indent:
            self.out += self.indents
        self.whitespace(node.whitespace)
        if node.comment is not None:
            self.out.append(node.comment.value)
        self.newline_of(node.newline)
        self.line += 1

    def trailing(self, node: cst.TrailingWhitespace) -> None:
        self.whitespace(node.whitespace)
        if node.comment is not None:
            self.out.append(node.comment.value)
        self.newline_of(node.newline)

    def newline_of(self, node: cst.Newline) -> None:
        self.out.append(self.newline if node.value is None else node.value)

    def whitespace(self, node) -> None:
        if type(node) is not cst.SimpleWhitespace:
            raise _Unknown("whitespace that spans lines")
        if node.value:
            self.out.append(node.value)

    def expression(self, node: cst.BaseExpression) -> None:
        """Any expression: parentheses, then the node's own text."""
        for lpar in node.lpar:
            self.out.append("(")
            self.whitespace(lpar.whitespace_after)
        print_ = _EXPRESSIONS.get(type(node))
        if print_ is None:
            self.fallback(node)
        else:
            print_(self, node)
        for rpar in node.rpar:
            self.whitespace(rpar.whitespace_before)
            self.out.append(")")

    def fallback(self, node: cst.CSTNode) -> None:
        """LibCST's text for a node this does not print, which does not depend on its place."""
        text = self.node.code_for_node(node)
        if "\n" in text or "\r" in text:
            raise _Unknown("an expression over several lines")  # it may hold the block's indentation
        self.out.append(text)

    def token(self, text: str, node) -> None:
        """``text`` with the whitespace ``node`` holds around it: a dot, an operator, ``=``, a comma."""
        self.whitespace(node.whitespace_before)
        self.out.append(text)
        self.whitespace(node.whitespace_after)

    def comma(self, comma, default: bool) -> None:
        if comma is not cst.MaybeSentinel.DEFAULT:
            self.token(",", comma)
        elif default:
            self.out.append(", ")


def _expr(p: _Printer, node: cst.Expr) -> None:
    p.expression(node.value)


def _assign(p: _Printer, node: cst.Assign) -> None:
    for target in node.targets:
        p.expression(target.target)
        p.whitespace(target.whitespace_before_equal)
        p.out.append("=")
        p.whitespace(target.whitespace_after_equal)
    p.expression(node.value)


def _name(p: _Printer, node: cst.Name) -> None:
    p.out.append(node.value)


def _attribute(p: _Printer, node: cst.Attribute) -> None:
    p.expression(node.value)
    p.token(".", node.dot)
    p.expression(node.attr)


def _call(p: _Printer, node: cst.Call) -> None:
    p.expression(node.func)
    p.whitespace(node.whitespace_after_func)
    p.out.append("(")
    p.whitespace(node.whitespace_before_args)
    last = len(node.args) - 1
    for i, arg in enumerate(node.args):
        p.out.append(arg.star)
        p.whitespace(arg.whitespace_after_star)
        if arg.keyword is not None:
            p.expression(arg.keyword)
            if arg.equal is cst.MaybeSentinel.DEFAULT:
                p.out.append(" = ")
            else:
                p.token("=", arg.equal)
        p.expression(arg.value)
        p.comma(arg.comma, i != last)
        p.whitespace(arg.whitespace_after_arg)
    p.out.append(")")


def _list(p: _Printer, node: cst.List) -> None:
    p.out.append("[")
    p.whitespace(node.lbracket.whitespace_after)
    last = len(node.elements) - 1
    for i, element in enumerate(node.elements):
        if type(element) is not cst.Element:
            raise _Unknown("a starred element")
        p.expression(element.value)
        p.comma(element.comma, i != last)
    p.whitespace(node.rbracket.whitespace_before)
    p.out.append("]")


def _binary(p: _Printer, node: cst.BinaryOperation) -> None:
    p.expression(node.left)
    if type(node.operator) is not cst.RightShift:
        raise _Unknown(type(node.operator).__name__)
    p.token(">>", node.operator)
    p.expression(node.right)


def _verbatim(p: _Printer, node: cst.SimpleString | cst.Integer) -> None:
    """A literal, as written."""
    p.out.append(node.value)


_SMALL = {cst.Expr: _expr, cst.Assign: _assign}  # any other: LibCST's text
_EXPRESSIONS = {
    cst.Name: _name,
    cst.Attribute: _attribute,
    cst.Call: _call,
    cst.List: _list,
    cst.BinaryOperation: _binary,
    cst.SimpleString: _verbatim,
    cst.Integer: _verbatim,
}
