"""Black's line splits, computed here for the two statements a big DAG has thousands of.

A large DAG module is mostly dependency chains (``a() >> b_task >> [c_task, d_task]``, with
``group.get_child_by_label("x")`` across task groups) and runner calls
(``project.run_nodes("a", "b")``). When one is too long, black splits it by a search over
bracket pairs, and running black on thousands of them was most of the time ``generate`` took.
This module makes the same decisions as black's stable style (``black.linegen``: right-hand
splits that omit trailers and optional parentheses, delimiter splits, magic trailing commas,
black's second formatting pass), over a small model of the statement's tokens instead of
black's syntax tree. It covers names, double-quoted strings without escapes, calls without
keywords, attributes, lists and ``>>``; for anything else ``split`` returns None and the
caller runs black. ``tests/test_formatting.py`` holds the two to black's output byte for byte,
on every snapshot case and on random statements of these shapes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

NAME, STRING, DOT, COMMA, SHIFT, LPAR, RPAR, LSQB, RSQB = range(9)
_CLOSING_OF = {LPAR: RPAR, LSQB: RSQB}
_OPENING = frozenset(_CLOSING_OF)
_CLOSING = frozenset(_CLOSING_OF.values())
_COMMA_PRIORITY, _SHIFT_PRIORITY, _DOT_PRIORITY = 18, 6, 1  # black's delimiter priorities


class _CannotSplit(Exception):
    """This way of splitting does not apply (black's ``CannotTransform``)."""


class _Unsupported(Exception):
    """The statement is not one this module can split as black would."""


class _Leaf:
    """A token. Splitting re-tracks brackets on every line it builds, and black keeps the
    depth and opening bracket on the token itself, so later decisions see the latest ones."""

    __slots__ = ("kind", "value", "prefix", "atom", "arglist", "added", "opening", "depth")

    def __init__(self, kind: int, value: str, *, atom: bool = False, arglist: bool = False):
        self.kind = kind
        self.value = value  # "" for black's invisible parentheses around a ``>>`` statement
        self.prefix = ""
        self.atom = atom  # an opening bracket of a list or parentheses, not of a call
        self.arglist = arglist  # a comma between a call's arguments
        self.added = False  # a trailing comma a split added (black's leaf without a parent)
        self.opening: _Leaf | None = None
        self.depth = 0

    def copy(self) -> _Leaf:
        return _Leaf(self.kind, self.value, atom=self.atom, arglist=self.arglist)


def _spacing(leaf: _Leaf, previous: _Leaf) -> str:
    """The whitespace black puts before ``leaf`` (for the tokens modelled here)."""
    if leaf.kind in (COMMA, RPAR, RSQB, DOT) or (leaf.kind == LPAR and not leaf.atom):
        return ""
    return "" if previous.kind in (LPAR, LSQB, DOT) else " "


class _Line:
    """A line being formatted: its tokens, depth and what black's bracket tracker knows."""

    def __init__(self, depth: int, inside: bool = False):
        self.depth = depth
        self.inside = inside  # inside brackets split over lines: every token is tracked
        self.leaves: list[_Leaf] = []
        self.delimiters: dict[int, int] = {}  # id of the token a split may follow -> priority
        self.invisible: list[_Leaf] = []
        self.split_rhs = False  # a list body black explodes one element per line
        self.magic = False  # has a magic trailing comma
        self._level = 0
        self._open: dict[tuple[int, int], _Leaf] = {}
        self._previous: _Leaf | None = None

    def __bool__(self) -> bool:
        return bool(self.leaves)

    def __str__(self) -> str:
        return self.text() + "\n"

    def text(self) -> str:
        """The line without its end (tokens and their spacing hold no line ends)."""
        leaves = self.leaves
        if not leaves:
            return ""
        first = leaves[0]
        rest = [x.prefix + x.value for x in leaves[1:]]
        return first.prefix + "    " * self.depth + first.value + "".join(rest)

    def append(self, leaf: _Leaf, preformatted: bool = False, track: bool = False) -> None:
        if self.leaves and not preformatted:
            leaf.prefix += _spacing(leaf, self.leaves[-1])
        if self.inside or not preformatted or track:
            self._track(leaf)
            if leaf.kind in _CLOSING and self._closes_magic_comma(leaf):
                self.magic = True
        self.leaves.append(leaf)

    def _track(self, leaf: _Leaf) -> None:
        if self._level == 0 and leaf.kind in _CLOSING and (0, leaf.kind) not in self._open:
            return  # closes a bracket opened on an earlier line
        if leaf.kind in _CLOSING:
            self._level -= 1
            opening = self._open.pop((self._level, leaf.kind), None)
            if opening is None:
                raise _Unsupported("unbalanced brackets")
            leaf.opening = opening
            if not leaf.value:
                self.invisible.append(leaf)
        leaf.depth = self._level
        if self._level == 0:
            before = _priority_before(leaf, self._previous)
            if before and self._previous is not None:
                self.delimiters[id(self._previous)] = before
            elif leaf.kind == COMMA:
                self.delimiters[id(leaf)] = _COMMA_PRIORITY
        if leaf.kind in _OPENING:
            self._open[(self._level, _CLOSING_OF[leaf.kind])] = leaf
            self._level += 1
            if not leaf.value:
                self.invisible.append(leaf)
        self._previous = leaf

    def _closes_magic_comma(self, closing: _Leaf) -> bool:
        if not self.leaves or self.leaves[-1].kind != COMMA:
            return False
        if closing.kind == RSQB:  # a list: subscripts are not modelled
            return True
        return closing.opening is not None and not _one_sequence(closing.opening, closing, self.leaves)


def _priority_before(leaf: _Leaf, previous: _Leaf | None) -> int:
    if leaf.kind == DOT and (previous is None or previous.kind in _CLOSING):
        return _DOT_PRIORITY
    return _SHIFT_PRIORITY if leaf.kind == SHIFT else 0


def _one_sequence(opening: _Leaf, closing: _Leaf, leaves: list[_Leaf]) -> bool:
    """Whether the parentheses hold one element and a trailing comma (a one-tuple)."""
    if (opening.kind, closing.kind) != (LPAR, RPAR):
        return False
    start = next((i for i, leaf in enumerate(leaves) if leaf is opening), None)
    if start is None:
        raise _Unsupported("opening bracket not on the line")
    commas = 0
    for leaf in leaves[start + 1 :]:
        if leaf is closing:
            break
        if leaf.depth == closing.depth + 1 and leaf.kind == COMMA:
            commas += 1
            if leaf.arglist:
                commas += 1
                break
    return commas < 2


def _short(line: _Line, line_length: int, text: str | None = None) -> bool:
    return len(line.text() if text is None else text) <= line_length


def split(source: str, line_length: int) -> str | None:
    """Black's text for the statement that is the one line ``source``; None if not modelled."""
    indent = len(source) - len(source.lstrip(" "))
    if indent % 4 or not source.isascii() or any(ch in source for ch in "\\#\t'"):
        return None
    code = source.strip()
    try:
        (statement,) = ast.parse(code).body
    except (SyntaxError, ValueError):  # ``return x`` alone, say: black's
        return None
    try:
        leaves = _statement_leaves(statement, code)
        tokens = _tokens(leaves)
        lines = _format(leaves, indent // 4, line_length)
        text = "".join(map(str, lines))
        if text == source:
            return text
        # black formats a changed module twice: its own trailing commas are magic the second time,
        # and brackets it made visible are real; the same tokens again would give the same text
        again = _with_arglists([leaf.copy() for line in lines for leaf in line.leaves])
        if _tokens(again) == tokens:
            return text
        return "".join(map(str, _format(again, indent // 4, line_length)))
    except _Unsupported:
        return None


def _tokens(leaves: list[_Leaf]) -> list[tuple[int, str, bool]]:
    """What formatting a statement depends on, token by token (spacing and the rest follow)."""
    return [(leaf.kind, leaf.value, leaf.atom) for leaf in leaves]


def _format(leaves: list[_Leaf], depth: int, line_length: int) -> list[_Line]:
    line = _Line(depth)
    for leaf in leaves:
        line.append(leaf)
    return _transform(line, line_length, force=False)


def _transform(line: _Line, line_length: int, force: bool) -> list[_Line]:
    """Black's ``transform_line``: the line as is when it fits, else its first split that works."""
    text = line.text()
    if not line.split_rhs and not line.magic and _short(line, line_length, text):
        return [line]
    for transform in (_delimiter_split, _rhs) if line.inside else (_rhs,):
        try:
            return _run(line, transform, line_length, force, text)
        except _CannotSplit:
            continue
    return [line]


def _run(line: _Line, transform, line_length: int, force: bool, text: str) -> list[_Line]:
    """Black's ``run_transformer``, with its second opinion that forces optional parentheses."""
    result: list[_Line] = []
    for part in transform(line, line_length, force):
        if part.text() == text:
            raise _CannotSplit("unchanged")
        result += _transform(part, line_length, force)
    if (
        force
        or transform is not _rhs
        or not line.invisible
        or any(bracket.value for bracket in line.invisible)
        or _short(result[0], line_length)
        or any(leaf.added for leaf in line.leaves)
    ):
        return result
    copy = _Line(line.depth, line.inside)
    for leaf in line.leaves:
        copy.append(leaf.copy())
    second = _run(copy, transform, line_length, True, text)
    return second if all(_short(part, line_length) for part in second) else result


def _rhs(line: _Line, line_length: int, force: bool) -> Iterator[_Line]:
    """Split at the last bracket pair, gluing trailers to their owner while the first line fits."""
    for omit in _trailers_to_omit(line, line_length):
        lines = list(_right_hand_split(line, line_length, force, omit))
        if _short(lines[0], line_length):
            yield from lines
            return
    yield from _right_hand_split(line, line_length, force, ())


def _trailers_to_omit(line: _Line, line_length: int) -> Iterator[set[int]]:
    """Growing sets of closing brackets to skip, trailer by trailer from the right."""
    omit: set[int] = set()
    if not line.magic:
        yield omit
    length = 4 * line.depth
    opening: _Leaf | None = None
    closing: _Leaf | None = None
    inner: set[int] = set()
    for index in range(len(line.leaves) - 1, -1, -1):
        leaf = line.leaves[index]
        length += len(leaf.prefix) + len(leaf.value)
        if length > line_length:
            break
        previous = line.leaves[index - 1] if index > 0 else None
        if opening is not None:
            if leaf is opening:
                opening = None
            elif leaf.kind in _CLOSING:
                if _comma_before(leaf, previous, line):
                    break
                inner.add(id(leaf))
        elif leaf.kind in _CLOSING:
            if previous is not None and previous.kind in _OPENING:
                inner.add(id(leaf))  # empty brackets
                continue
            if closing is not None:
                omit.add(id(closing))
                omit.update(inner)
                inner.clear()
                yield omit
            if _comma_before(leaf, previous, line):
                break
            if leaf.value:
                opening, closing = leaf.opening, leaf


def _comma_before(closing: _Leaf, previous: _Leaf | None, line: _Line) -> bool:
    """A trailing comma before ``closing`` that black must explode on."""
    return (
        previous is not None
        and previous.kind == COMMA
        and closing.opening is not None
        and not _one_sequence(closing.opening, closing, line.leaves)
    )


def _right_hand_split(line: _Line, line_length: int, force: bool, omit) -> Iterator[_Line]:
    yield from _omitting_optional_parens(_first_split(line, omit), line, line_length, force, omit)


class _Split:
    """A line split at a bracket pair: head (up to the opening bracket), body, tail."""

    def __init__(self, head: _Line, body: _Line, tail: _Line, opening: _Leaf, closing: _Leaf):
        self.head, self.body, self.tail = head, body, tail
        self.opening, self.closing = opening, closing


def _first_split(line: _Line, omit) -> _Split:
    tail: list[_Leaf] = []
    body: list[_Leaf] = []
    head: list[_Leaf] = []
    current = tail
    opening: _Leaf | None = None
    closing: _Leaf | None = None
    for leaf in reversed(line.leaves):
        if current is body and leaf is opening:
            current = head if body else tail
        current.append(leaf)
        if current is tail and leaf.kind in _CLOSING and id(leaf) not in omit:
            opening, closing, current = leaf.opening, leaf, body
    if opening is None or closing is None or not head:
        raise _CannotSplit("no brackets")
    head_line = _build(head[::-1], line, opening, "head")
    body_line = _build(body[::-1], line, opening, "body")
    tail_line = _build(tail[::-1], line, opening, "tail")
    if not body_line and len(str(tail_line).strip()) < 3:
        raise _CannotSplit("nothing worth splitting")
    return _Split(head_line, body_line, tail_line, opening, closing)


def _build(leaves: list[_Leaf], original: _Line, opening: _Leaf, part: str) -> _Line:
    """Black's ``bracket_split_build_line``."""
    result = _Line(original.depth + (part == "body"), inside=part == "body")
    tracked = _inside_matching_brackets(leaves) if part == "head" else set()
    for leaf in leaves:
        result.append(leaf, preformatted=True, track=id(leaf) in tracked)
    if part == "body" and _explodes(result, opening):
        result.split_rhs = True
    return result


def _inside_matching_brackets(leaves: list[_Leaf]) -> set[int]:
    start = next((i for i, leaf in enumerate(leaves) if leaf.kind in _OPENING), None)
    if start is None:
        return set()
    stack: list[tuple[int, int]] = []
    ids: set[int] = set()
    for i in range(start, len(leaves)):
        leaf = leaves[i]
        if leaf.kind in _OPENING:
            stack.append((_CLOSING_OF[leaf.kind], i))
        if leaf.kind in _CLOSING:
            if not stack or leaf.kind != stack[-1][0]:
                break
            ids.update(id(x) for x in leaves[stack.pop()[1] : i + 1])
    return ids


def _explodes(body: _Line, opening: _Leaf) -> bool:
    """Black's ``should_split_line``: a list (or magic trailing comma) goes one per line."""
    if not body.leaves:
        return False
    last = body.leaves[-1]
    trailing_comma = last.kind == COMMA
    priorities = [p for key, p in body.delimiters.items() if not (trailing_comma and key == id(last))]
    if not priorities:
        return False
    return max(priorities) == _COMMA_PRIORITY and (trailing_comma or opening.atom)


def _omitting_optional_parens(
    split_: _Split, line: _Line, line_length: int, force: bool, omit
) -> Iterator[_Line]:
    """Black's ``_maybe_split_omitting_optional_parens`` (the heads here never hold ``=``)."""
    if (
        not force
        and split_.opening.kind == LPAR
        and not split_.opening.value
        and split_.closing.kind == RPAR
        and not split_.closing.value
        and _can_omit_invisible_parens(split_, line_length)
    ):
        omit = {id(split_.closing), *omit}
        try:
            yield from _omitting_optional_parens(_first_split(line, omit), line, line_length, force, omit)
            return
        except _CannotSplit:
            if not _can_be_split(split_.body) and not _short(split_.body, line_length):
                raise
    for bracket in (split_.opening, split_.closing):  # black's ensure_visible
        if bracket.kind in (LPAR, RPAR):
            bracket.value = "(" if bracket.kind == LPAR else ")"
    for part in (split_.head, split_.body, split_.tail):
        if part:
            yield part


def _can_omit_invisible_parens(split_: _Split, line_length: int) -> bool:
    line = split_.body
    if not line.delimiters:
        return True
    priority = max(line.delimiters.values())
    if sum(1 for p in line.delimiters.values() if p == priority) > 1:
        return False
    if priority == _DOT_PRIORITY:
        return True
    first, second = line.leaves[0], line.leaves[1]
    if first.kind in _OPENING and second.kind not in _CLOSING and _can_omit_opening(line, first, line_length):
        return True
    penultimate, last = line.leaves[-2], line.leaves[-1]
    if last.kind in _CLOSING:
        if penultimate.kind in _OPENING:
            return False
        return _can_omit_closing(line, last, line_length)
    return False


def _can_omit_opening(line: _Line, first: _Leaf, line_length: int) -> bool:
    remainder = False
    length = 4 * line.depth
    for leaf in line.leaves:
        if leaf.kind in _CLOSING and leaf.opening is first:
            remainder = True
        if remainder:
            length += len(leaf.prefix) + len(leaf.value)
            if length > line_length:
                return False
            if leaf.kind in _OPENING:
                remainder = False
    return True


def _can_omit_closing(line: _Line, last: _Leaf, line_length: int) -> bool:
    length = 4 * line.depth
    seen_other_brackets = False
    for leaf in line.leaves:
        length += len(leaf.prefix) + len(leaf.value)
        if leaf is last.opening:
            if seen_other_brackets or length <= line_length:
                return True
        elif leaf.kind in _OPENING:
            seen_other_brackets = True
    return False


def _can_be_split(line: _Line) -> bool:
    """Black's ``can_be_split`` for lines without a string's method call (none are modelled)."""
    return len(line.leaves) >= 2


def _delimiter_split(line: _Line, line_length: int, force: bool) -> Iterator[_Line]:
    """Split after each delimiter of the highest priority; a comma split ends with a comma."""
    if not line.leaves:
        raise _CannotSplit("empty")
    last = line.leaves[-1]
    priorities = [p for key, p in line.delimiters.items() if key != id(last)]
    if not priorities:
        raise _CannotSplit("no delimiters")
    priority = max(priorities)
    if priority == _DOT_PRIORITY and sum(1 for p in line.delimiters.values() if p == priority) == 1:
        raise _CannotSplit("a single attribute")
    current = _Line(line.depth, line.inside)
    for leaf in line.leaves:
        current.append(leaf, preformatted=True)
        if line.delimiters.get(id(leaf)) == priority:
            current.leaves[0].prefix = ""
            yield current
            current = _Line(line.depth, line.inside)
    if current:
        if priority == _COMMA_PRIORITY and current.leaves[-1].kind != COMMA:
            comma = _Leaf(COMMA, ",")
            comma.added = True
            current.append(comma)
        current.leaves[0].prefix = ""
        yield current


def _statement_leaves(statement: ast.stmt, source: str) -> list[_Leaf]:
    """The tokens of a ``>>`` chain or a call statement, spaced as black spaces them."""
    if not isinstance(statement, ast.Expr):
        raise _Unsupported("not an expression statement")
    value = statement.value
    leaves: list[_Leaf] = []
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.RShift):
        operands = []
        while isinstance(value, ast.BinOp) and isinstance(value.op, ast.RShift):
            operands.append(value.right)
            value = value.left
        operands.append(value)
        leaves.append(_Leaf(LPAR, "", atom=True))  # black's invisible parentheses
        for i, operand in enumerate(reversed(operands)):
            if i:
                leaves.append(_Leaf(SHIFT, ">>"))
            _atom(operand, source, leaves)
        leaves.append(_Leaf(RPAR, ""))
    elif isinstance(value, ast.Call):
        _atom(value, source, leaves)
    else:
        raise _Unsupported("not a chain or a call")
    _with_arglists(leaves)
    spaced = leaves[0].value + "".join(
        _spacing(b, a) + b.value for a, b in zip(leaves, leaves[1:], strict=False)
    )
    if spaced != source.strip():
        raise _Unsupported("the source is not spaced as black spaces it")  # e.g. parentheses ast drops
    return leaves


def _atom(node: ast.expr, source: str, leaves: list[_Leaf]) -> None:
    if isinstance(node, ast.Name):
        leaves.append(_Leaf(NAME, node.id))
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = source[node.col_offset : node.end_col_offset]
        if len(text) < 2 or text[0] != '"' or text[-1] != '"' or '"' in text[1:-1]:
            raise _Unsupported("a string black may requote")
        leaves.append(_Leaf(STRING, text))
    elif isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Attribute, ast.Call)):
        _atom(node.value, source, leaves)  # not a string's method: black's can_be_split treats those apart
        leaves += [_Leaf(DOT, "."), _Leaf(NAME, node.attr)]
    elif isinstance(node, ast.Call) and not node.keywords:
        _atom(node.func, source, leaves)
        _sequence(node.args, LPAR, RPAR, source, leaves, atom=False)
    elif isinstance(node, ast.List):
        _sequence(node.elts, LSQB, RSQB, source, leaves, atom=True)
    else:
        raise _Unsupported(type(node).__name__)


def _sequence(elements, opening: int, closing: int, source: str, leaves: list[_Leaf], atom: bool) -> None:
    leaves.append(_Leaf(opening, "(" if opening == LPAR else "[", atom=atom))
    for i, element in enumerate(elements):
        if i:
            leaves.append(_Leaf(COMMA, ","))
        _atom(element, source, leaves)
    leaves.append(_Leaf(closing, ")" if closing == RPAR else "]"))


def _with_arglists(leaves: list[_Leaf]) -> list[_Leaf]:
    """Mark the commas between a call's arguments, as black's syntax tree would place them."""
    stack: list[_Leaf] = []
    for leaf in leaves:
        if leaf.kind in _OPENING:
            stack.append(leaf)
        elif leaf.kind in _CLOSING:
            stack.pop()
        elif leaf.kind == COMMA:
            leaf.arglist = bool(stack) and stack[-1].kind == LPAR and not stack[-1].atom
    return leaves
