"""Three-way merge of a DAG file: what we generated last (base), the file now, what we generate now.

Pure, on syntax trees (LibCST), by identity rather than by line: module statements by what they
bind, functions by name (a ``@task`` function's name is its task), decorators by dotted name,
their arguments by keyword, dict literals by key, a task's runner call as itself. For each part:
changed on one side only, that side wins; changed on both, differently, is a conflict. What a
person added is kept before what follows it in their file (or last). A scope's dependency
statements are merged as graphs (see ``_Merger.wiring``). The file is black-formatted first, so
that formatting alone never conflicts.
"""

from __future__ import annotations

import ast
import difflib
import functools
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import black
import libcst as cst

from kedro_taskflow.codegen import BLACK_MODE
from kedro_taskflow.codegen.dag_module import OUTCOMES, RUN_DAG, TEMPLATE_NAME
from kedro_taskflow.codegen.literals import string
from kedro_taskflow.naming import free_name
from kedro_taskflow.ownership.report import UNDO, Discarded, Merged, changed_lines

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a name, or a word in a string or comment


def merge(base: str, edited: str, new: str, merged: bool = False) -> Merged:
    """Merge ``edited`` (the file, maybe edited) with ``new``, both descended from ``base``;
    ``merged``: ``edited`` is what this merge gave (black's already: the check that it is stable)."""
    if new == base or edited == new:
        return Merged(edited, ())
    formatted = edited if merged else _formatted(edited, base)
    if formatted is None:
        return Merged(None, ("the file is not valid Python: fix it, then regenerate",))
    if formatted == base:
        return Merged(new, ())
    base_tree, edited_tree, new_tree = _parsed(base), _parsed(formatted), _parsed(new)
    merger = _Merger(taken=set(_IDENTIFIER.findall(formatted)) | set(_IDENTIFIER.findall(new)))
    module = merger.module(base_tree, edited_tree, new_tree)
    if merger.conflicts:
        return Merged(None, tuple(merger.conflicts), tuple(merger.discarded))
    code = module.code
    if merged and code == edited:
        return Merged(code, ())
    text = _black(code, new)
    if text == code:  # the check that the merge is stable reads it again
        _TREES[text] = module
    return Merged(text, ())


def undone(base: str, edited: str, parts: frozenset[str]) -> str:
    """``edited`` with the parts named ``parts`` (as conflicts name them) as ``base`` has them."""
    edited_tree = _parsed(_formatted(edited, base))
    base_tree = _parsed(base)
    merger = _Merger(taken=set(), undo=parts)
    return _black(merger.module(base_tree, edited_tree, base_tree).code, base)


_TREES: dict[str, cst.Module] = {}  # the last texts parsed or merged: trees are immutable


def _parsed(text: str) -> cst.Module:
    """The syntax tree of a text: the check that a merge is stable reads the base, the new
    generation and the merged text again."""
    if text not in _TREES:
        while len(_TREES) >= 4:
            del _TREES[next(iter(_TREES))]
        _TREES[text] = cst.parse_module(text)
    return _TREES[text]


def _black(text: str, like: str) -> str:
    """``text`` as black formats it, where it differs from ``like`` (black's own output): black
    changes nothing elsewhere, and formatting only there saves most of its time."""
    b, e = like.splitlines(), text.splitlines()
    lines = [
        (j1 + 1, max(j1 + 1, j2))
        for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, b, e, autojunk=False).get_opcodes()
        if tag != "equal"
    ]
    return black.format_str(text, mode=BLACK_MODE, lines=lines) if lines else text


def _formatted(text: str, base: str) -> str | None:
    """``text`` as black formats it, or None if it is not Python."""
    try:
        formatted = _black(text, base)
        _parsed(formatted)
    except (black.InvalidInput, cst.ParserSyntaxError):
        return None
    return formatted


def _code(node: cst.CSTNode | Sequence[cst.CSTNode]) -> str:
    nodes = node if isinstance(node, Sequence) else [node]
    return "".join(map(_node_code, nodes))


def forget() -> None:
    """Drop the trees and codes kept from earlier merges (a benchmark's rounds start afresh)."""
    _TREES.clear()
    for cached in (_node_code, _bare, _node_sig):
        cached.cache_clear()


@functools.lru_cache(maxsize=4096)
def _node_code(node: cst.CSTNode) -> str:
    """A node's code, by identity (nodes are immutable: each side's parts are compared again as the
    merge goes down into them)."""
    return cst.Module([]).code_for_node(node)


@functools.lru_cache(maxsize=4096)
def _bare(statement: cst.BaseStatement) -> str:
    """A statement's code without the lines above it."""
    return _code(statement.with_changes(leading_lines=[]))


def _sig(node: cst.CSTNode | Sequence[cst.CSTNode] | None) -> str | None:
    """What counts as an edit: the code, without blank lines or a list's separating comma."""
    if node is None:
        return None
    if isinstance(node, Sequence):
        return "".join(_sig(n) or "" for n in node if not isinstance(n, cst.EmptyLine) or n.comment)
    return _node_sig(node)


@functools.lru_cache(maxsize=4096)
def _node_sig(node: cst.CSTNode) -> str:
    """``_sig`` of one node, by identity."""
    if isinstance(node, cst.Annotation):  # its ``->`` or ``:`` is written by what holds it
        return _code(node.annotation)
    if hasattr(node, "leading_lines"):
        node = node.with_changes(leading_lines=[line for line in node.leading_lines if line.comment])
    if isinstance(node, (cst.Arg, cst.DictElement, cst.Element)):
        comments = _comments(node.comma) if isinstance(node.comma, cst.Comma) else ""
        node = node.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return _code(node).strip() + comments
    return _code(node)


def _comments(node: cst.CSTNode) -> str:
    found: list[str] = []

    class Comments(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment.value)

    node.visit(Comments())
    return "".join(found)


@dataclass
class _Merger:
    """Merges, or (``undo``: the parts to take from the base, with ``new`` the base) undoes edits."""

    taken: set[str]  # every name the edited or the new file may use (and words besides)
    undo: frozenset[str] = frozenset()
    dropped_imports: list = field(default_factory=list)  # unedited imports the pipeline no longer has
    conflicts: list[str] = field(default_factory=list)
    discarded: list[Discarded] = field(default_factory=list)

    def module(self, base: cst.Module, edited: cst.Module, new: cst.Module) -> cst.Module:
        body = self.statements("the module", base.body, edited.body, new.body)
        body = _with_imports_in_use(body, self.dropped_imports)
        header = self.pick("the module's first comments", base.header, edited.header, new.header)
        footer = self.pick("the module's last comments", base.footer, edited.footer, new.footer)
        return new.with_changes(body=body, header=header, footer=footer)

    def conflict(
        self, where: str, problem: str, base, edited, part: str | None = None, what: str = ""
    ) -> None:
        """A conflict at ``where``; the edit that --discard-edits drops is the ``part`` (``where``)
        going from ``base`` to ``edited``, and ``what`` in it conflicts."""
        self.conflicts.append(f"{where}: {problem}; {UNDO}")
        why = f"{what}: {problem}" if what else problem
        code = changed_lines(_sig(base) or "", _sig(edited) or "")
        self.discarded.append(Discarded(part or where, why, code))

    def one_sided(self, base, edited, new) -> bool:
        """Whether a part changed on one side only, so that it is taken whole (never when undoing:
        the parts to undo may be inside)."""
        return not self.undo and (_sig(edited) == _sig(base) or _sig(new) in (_sig(base), _sig(edited)))

    def pick(self, where: str, base, edited, new):
        """One part whose inside is not merged: the side that changed it, or a conflict."""
        if where in self.undo:
            return base
        b, e, n = _sig(base), _sig(edited), _sig(new)
        if e == b:
            return new
        if n in (b, e):
            return edited
        self.conflict(where, "edited here and changed by the pipeline", base, edited)
        return new

    def keyed(
        self,
        where: str,
        base: Sequence[tuple[object, cst.CSTNode]],
        edited: Sequence[tuple[object, cst.CSTNode]],
        new: Sequence[tuple[object, cst.CSTNode]],
        merge_one: Callable[[object, cst.CSTNode, cst.CSTNode, cst.CSTNode], object],
        name: Callable[[object], str],
    ) -> list:
        """Merge parts known by key: in the new order with a person's additions after their predecessor,
        or, if the person reordered the parts, in theirs with the pipeline's additions likewise."""
        if self.undo:
            edited = self.undone(base, edited, name)
        b, e, n = dict(base), dict(edited), dict(new)
        merged: dict[object, object] = {}
        for key, node in new:
            if key in b and key in e:
                merged[key] = merge_one(key, b[key], e[key], node)
            elif key in b:  # removed by the person
                if _sig(b[key]) != _sig(node):
                    self.conflict(name(key), "removed here but changed by the pipeline", b[key], None)
            elif key in e:  # added on both sides
                if _sig(e[key]) == _sig(node):
                    merged[key] = e[key]
                else:
                    self.conflict(name(key), "added here and by the pipeline, differently", None, e[key])
            else:
                merged[key] = node
        for key in [k for k in b if k in e and k not in n]:  # gone from the pipeline
            if _sig(b[key]) != _sig(e[key]):
                self.conflict(name(key), "edited here, but the pipeline no longer has it", b[key], e[key])
            elif key[0] == "import":
                self.dropped_imports.append((key[1:-1], e[key]))
        added = [key for key, _ in edited if key not in b and key not in n]  # by the person
        for key in added:
            merged[key] = e[key]
        if [k for k, _ in edited if k in b] != [k for k, _ in base if k in e]:  # the person reordered
            order = _interleave([k for k, _ in edited if k in merged], [k for k, _ in new if k in merged])
        else:
            order = _interleave([k for k, _ in new if k in merged], [k for k, _ in edited if k in merged])
        return [merged[key] for key in order]

    def undone(self, base: Sequence[tuple], edited: Sequence[tuple], name: Callable[[object], str]) -> list:
        """``edited``'s parts, those named in ``undo`` as in ``base`` (back where the base has them)."""
        b = dict(base)
        back = {key for key in b.keys() | dict(edited).keys() if name(key) in self.undo}
        if not back:
            return list(edited)
        kept = {key: (b[key] if key in back else node) for key, node in edited if key not in back or key in b}
        restored = [key for key, _ in base if key in back and key not in kept]
        order = _interleave(list(kept), [key for key, _ in base if key in kept or key in restored])
        return [(key, kept[key] if key in kept else b[key]) for key in order]

    # -- statements --------------------------------------------------------------------------

    def statements(self, where: str, base, edited, new, scope: tuple[str, ...] | None = None) -> list:
        """A body of statements; ``scope`` (the group path) when it is the DAG's or a group's."""

        def keyed(body):
            functions = _functions(body) if scope is not None else {}
            parts, wiring, seen = [], [], {}
            for i, statement in enumerate(body):
                if scope is not None and _is_wiring(statement, functions):
                    if not wiring:
                        parts.append((("wiring",), statement))
                    wiring.append(statement)
                    continue
                key = _key(statement, i == 0)
                seen[key] = seen.get(key, 0) + 1
                parts.append(((*key, seen[key]), statement))
            return parts, wiring

        (b, bw), (e, ew), (n, nw) = keyed(base), keyed(edited), keyed(new)
        extra: list[cst.BaseStatement] = []

        def merge_one(key, b_node, e_node, n_node):
            if key == ("wiring",):
                return self.wiring(where, scope, (bw, base), (ew, edited), (nw, new), extra)
            if key[0] == "def" and self.one_sided(b_node, e_node, n_node):
                return n_node if _sig(e_node) == _sig(b_node) else e_node
            if key[0] == "def":
                return self.function(_name(where, scope, key, n_node), b_node, e_node, n_node, scope)
            if (
                key[0] == "assign"
                and not self.one_sided(b_node, e_node, n_node)
                and _assigns(b_node, e_node, n_node)
            ):
                return self.assignment(_name(where, scope, key, n_node), b_node, e_node, n_node)
            return self.pick(_name(where, scope, key, n_node), b_node, e_node, n_node)

        nodes = {**dict(b), **dict(e), **dict(n)}
        merged = self.keyed(where, b, e, n, merge_one, lambda key: _name(where, scope, key, nodes[key]))
        flat = []
        for part in merged:
            flat.extend(part if isinstance(part, list) else [part])
        return _before_use(flat + extra) if scope is not None else flat + extra

    def function(self, where: str, base, edited, new, scope: tuple[str, ...] | None) -> cst.FunctionDef:
        kinds = {_kind(f) for f in (base, edited, new)}
        # At the module's top: the DAG function, or the task group a DAG of the person's calls.
        if len(kinds) != 1 or kinds == {None} or scope is None and kinds not in ({"dag"}, {"task_group"}):
            return self.pick(where, base, edited, new)
        (kind,) = kinds
        decorators = self.keyed(
            where,
            *([(_dotted(d.decorator), d) for d in f.decorators] for f in (base, edited, new)),
            lambda key, b, e, n: self.decorator(f"{where}: @{key}", b, e, n),
            lambda key: f"{where}: @{key}",
        )
        lines = self.pick(
            f"{where}: the comments above it", base.leading_lines, edited.leading_lines, new.leading_lines
        )
        if kind == "task":
            body = self.statements(where, base.body.body, edited.body.body, new.body.body)
        else:
            inner = () if scope is None else (*scope, new.name.value)
            body = self.statements(where, base.body.body, edited.body.body, new.body.body, inner)
        footer = self.pick(
            f"{where}: its last comments", base.body.footer, edited.body.footer, new.body.footer
        )
        params = self.pick(f"{where}: its parameters", base.params, edited.params, new.params)
        returns = self.pick(f"{where}: its return annotation", base.returns, edited.returns, new.returns)
        return new.with_changes(
            params=params,
            returns=returns,
            decorators=decorators,
            leading_lines=lines,
            body=new.body.with_changes(body=body, footer=footer, header=edited.body.header),
        )

    def assignment(self, where: str, base, edited, new) -> cst.SimpleStatementLine:
        """``name = value`` changed on both sides: its value merged (``KedroProject(...)`` by keyword)."""
        value = self.expression(where, *(s.body[0].value for s in (base, edited, new)))
        lines = self.pick(
            f"{where}: the comments above it", base.leading_lines, edited.leading_lines, new.leading_lines
        )
        return edited.with_changes(body=[edited.body[0].with_changes(value=value)], leading_lines=lines)

    def decorator(self, where: str, base, edited, new) -> cst.Decorator:
        if self.one_sided(base, edited, new):
            return self.pick(where, base, edited, new)
        args = self.args(where, *(_args(d.decorator) for d in (base, edited, new)))
        func = new.decorator.func if isinstance(new.decorator, cst.Call) else new.decorator
        return edited.with_changes(decorator=cst.Call(func, args=args) if args else func)

    def args(self, where: str, base, edited, new) -> list[cst.Arg]:
        """A call's arguments: by keyword, and its positional ones as one part (a date is one value)."""

        def keyed(args):
            return [
                (a.keyword.value if a.keyword else f"*{i}", a)
                for i, a in enumerate(args)
                if a.keyword or a.star
            ]

        def positional(args):
            return [a for a in args if not a.keyword and not a.star]

        def merge_arg(key, b, e, n):
            value = self.expression(f"{where} argument {key}", b.value, e.value, n.value)
            return (n if _sig(e) == _sig(b) else e).with_changes(value=value)

        values = self.pick(
            f"{where}: its positional arguments", *(positional(args) for args in (base, edited, new))
        )
        by_keyword = self.keyed(
            where, keyed(base), keyed(edited), keyed(new), merge_arg, lambda k: f"{where} argument {k}"
        )
        return [*values, *by_keyword]

    def expression(self, where: str, base, edited, new) -> cst.BaseExpression:
        if self.one_sided(base, edited, new):
            return self.pick(where, base, edited, new)
        if all(isinstance(e, cst.Dict) for e in (base, edited, new)):

            def keyed(d):
                return [(_code(e.key) if isinstance(e, cst.DictElement) else _sig(e), e) for e in d.elements]

            def merge_element(key, b, e, n):
                value = self.expression(f"{where}[{key}]", b.value, e.value, n.value)
                return (n if _sig(e) == _sig(b) else e).with_changes(value=value)

            elements = self.keyed(
                where, keyed(base), keyed(edited), keyed(new), merge_element, lambda k: f"{where}[{k}]"
            )
            return new.with_changes(elements=elements)
        if (
            all(isinstance(e, cst.Call) for e in (base, edited, new))
            and len({_code(e.func) for e in (base, edited, new)}) == 1
        ):
            return new.with_changes(args=self.args(where, base.args, edited.args, new.args))
        return self.pick(where, base, edited, new)

    # -- dependency statements -------------------------------------------------------------------

    def wiring(self, where, scope, base, edited, new, extra: list) -> list[cst.BaseStatement]:
        """A scope's ``>>`` statements and bindings, merged as graphs.

        Unedited: the pipeline's. Unchanged by the pipeline: the person's. Both: the pipeline's
        statements, then, at the end of the scope, the person's own statements that only add edges
        (as written: ``_kept_as_written``) and each other edge they added as one more statement (a
        task they name is bound to a variable first). Removing an edge the pipeline still
        has, or adding one to a task it no longer has, is a conflict.
        """
        (bw, b_body), (ew, e_body), (nw, n_body) = base, edited, new
        part = f"{where}: the dependency statements"
        if part in self.undo:
            return bw
        b, e, n = (_code(w) for w in (bw, ew, nw))
        if n == b or (e != b and n == e):
            return ew
        own_in_groups = _own_in_groups(b_body, e_body)
        if e == b and not own_in_groups:
            return nw
        graphs = [_graph(w, _functions(body)) for w, body in (base, edited, new)]
        if None in graphs and e == b:
            return nw  # the verification judges it
        if None in graphs:
            self.conflict(part, "not read: each side of >> must be a task, a list, or a variable", bw, ew)
            return nw
        # A task the person gave another id in a group (``task_id=``): the same task, under their id.
        edited_ids = _ids(e_body)
        renames = {old: new for key, old in _ids(b_body).items() if (new := edited_ids.get(key, old)) != old}
        gb, ge, gn = (_renamed(g, renames) for g in graphs)
        nw = [_relabelled(s, renames, gn.bindings) for s in nw] if renames else nw
        before = len(self.conflicts)
        labels = {_rename(r, renames): kind for r, kind in _labels(n_body, _functions(n_body)).items()}
        # An edge replaced by a path through the person's tasks (a branch put between) still holds.
        reach = _reach(ge.edges)
        removed = [
            _shown(edge)
            for edge in gb.edges
            if edge not in ge.edges and edge in gn.edges and edge[1] not in reach.get(edge[0], ())
        ]
        removed += [f"{r[0]}()" for r in gb.nodes if r not in ge.nodes and r in gn.nodes]
        for what in removed:
            self.conflict(
                f"{where}: {what}", "removed here but the pipeline still has it", bw, ew, part, what
            )
        own = _functions(e_body).keys() - _functions(b_body).keys()  # the person's own tasks
        added = [edge for edge in ge.edges if edge not in gb.edges and edge not in gn.edges]
        for edge in added:
            for ref in edge:
                if (
                    isinstance(ref, tuple)
                    and ref not in labels
                    and ref[0] not in own
                    and ref not in own_in_groups
                ):
                    self.conflict(
                        f"{where}: {_shown(edge)}",
                        f"added here, but {_gone(ref, labels)}",
                        bw,
                        ew,
                        part,
                        _shown(edge),
                    )
        values = {
            s.body[0].targets[0].target.value: s.body[0].value
            for s in ew
            if isinstance(s.body[0], cst.Assign)
        }
        for var, ref in ge.bindings.items():
            if var not in gb.bindings and ref not in labels and ref[0] not in own:
                what = f"{var} = {_code(values[var])}"
                self.conflict(f"{where}: {what}", f"bound here, but {_gone(ref, labels)}", bw, ew, part, what)
        if len(self.conflicts) > before:
            return nw
        gating = _gating(gb, ge, gn, b_body, e_body)
        for (u, v), side in gating.items():
            if side == "gone":
                self.conflict(
                    f"{where}: {_shown((u, v))}",
                    f"your task waited for {'.'.join(u)} through its group, but {_gone(u, labels)}",
                    bw,
                    ew,
                    part,
                    _shown((u, v)),
                )
        if len(self.conflicts) > before:
            return nw
        if e == b and not gating:
            return nw
        kept = _kept_as_written(bw, ew, _functions(e_body), renames, added)
        written = {edge for _, edges in kept for edge in edges}
        added = [edge for edge in added if edge not in written]
        added += [edge for edge in gating if edge not in added and edge not in written]
        # Bind every task the person names: as they did, as the pipeline does, or <function>_task.
        variables = {ref: var for var, ref in gn.bindings.items()}
        taken = set(self.taken)
        wanted = {ref[:1] for edge in [*added, *written] for ref in edge if isinstance(ref, tuple)}
        wanted |= {ref for ref in ge.nodes if ref not in gb.nodes and ref not in gn.nodes}  # lone ``a()``
        wanted |= {ref for var, ref in ge.bindings.items() if var not in gb.bindings}
        person = {ref: var for var, ref in ge.bindings.items() if var not in gb.bindings}
        person_calls = {  # as the person calls them: ``report.override(task_id="weekly")()``
            ge.bindings[s.body[0].targets[0].target.value]: s.body[0].value
            for s in ew
            if isinstance(s.body[0], cst.Assign) and s.body[0].targets[0].target.value in person.values()
        }
        base_names = {ref: var for var, ref in gb.bindings.items() if var not in gn.bindings}  # free again
        bind = []
        for ref in sorted(wanted - variables.keys()):
            suffix = "group" if labels.get(ref) == "group" else "task"
            variables[ref] = person.get(ref) or base_names.get(ref) or free_name(f"{ref[0]}_{suffix}", taken)
            bind.append(ref)
        calls: dict[str, cst.Call] = {}  # each bound task's call, as the pipeline's statements make it
        replaced = [_replace_calls(s, {r[0]: variables[r] for r in bind}, calls) for s in _commented(nw, ew)]
        statements = [s for s in replaced if not _is_name(s)]  # a lone ``a()``, now bound
        bindings = [
            cst.SimpleStatementLine(
                [
                    cst.Assign(
                        [cst.AssignTarget(cst.Name(variables[r]))],
                        person_calls.get(r) or calls.get(r[0], cst.Call(cst.Name(r[0]))),
                    )
                ]
            )
            for r in bind
        ]
        if bindings and statements:  # the blank line before the statements goes before the bindings
            bindings[0] = bindings[0].with_changes(leading_lines=statements[0].leading_lines)
            statements[0] = statements[0].with_changes(leading_lines=[])
        bound = {ref[0]: var for ref, var in variables.items() if len(ref) == 1}
        for statement, edges in kept:
            named = _used(statement) & ge.bindings.keys()  # the person's variables it names
            if any(variables.get(ge.bindings[name]) != name for name in named):  # now bound otherwise
                added += edges
            else:
                extra.append(_replace_calls(statement, bound, {}))
        extra.extend(
            cst.SimpleStatementLine(
                [cst.Expr(cst.BinaryOperation(_ref(u, variables), cst.RightShift(), _ref(v, variables)))]
            )
            for u, v in added
        )
        return bindings + statements


def _kept_as_written(base: list, edited: list, functions: dict[str, str], renames: dict, added: list) -> list:
    """The person's own dependency statements (``chain(...)``, ``cross_downstream(...)``, ``>>``)
    whose every edge is one they added, with those edges: they stay as written (the tasks they call
    then named by variable), where the others become one ``>>`` per added edge."""
    in_base = {_bare(s) for s in base}
    bindings = [s for s in edited if isinstance(s.body[0], cst.Assign)]
    kept = []
    for statement in edited:
        if statement in bindings or _bare(statement) in in_base:
            continue
        graph = _graph([*bindings, statement], functions)
        edges = _renamed(graph, renames).edges if graph is not None else []
        if edges and all(edge in added for edge in edges):
            kept.append((statement, edges))
    return kept


def _groups(body) -> dict[str, cst.FunctionDef]:
    return {s.name.value: s for s in body if _kind(s) == "task_group"}


def _own_in_groups(base_body, edited_body) -> set[tuple[str, str]]:
    """The tasks and groups the person added to the groups of this scope: (group, function)."""
    base_groups = _groups(base_body)
    return {
        (name, function)
        for name, group in _groups(edited_body).items()
        if name in base_groups
        for function in _functions(group.body.body).keys() - _functions(base_groups[name].body.body).keys()
    }


def _gating(gb: _Graph, ge: _Graph, gn: _Graph, base_body, edited_body) -> dict[tuple, str]:
    """The edges that keep a person's own task first (or last) in a group waiting for (or gating)
    what the whole group did, where the pipeline now wires one of the group's children instead:
    ``clean >> eu_group`` becomes ``clean >> eu.score``, so ``clean >> eu.check`` is added. Each
    edge maps to ``first`` or ``last``; or to ``gone`` where the pipeline no longer has the other
    task and no task new to it takes its place before (after) the whole group."""
    base_groups, groups = _groups(base_body), _groups(edited_body)
    found: dict[tuple, str] = {}
    in_base = {r for e in gb.edges for r in e} | set(gb.nodes)
    in_new = {r for e in gn.edges for r in e} | set(gn.nodes)
    for u, v in gb.edges:
        if (u, v) in gn.edges or (u, v) not in ge.edges:
            continue
        for group, other, side in ((v, u, "first"), (u, v, "last")):
            if not (isinstance(group, tuple) and len(group) == 1 and group[0] in base_groups):
                continue
            children = {x for e in gn.edges for x in e if isinstance(x, tuple) and x[:1] == group and x[1:]}
            whole = {e[1 - (side == "first")] for e in gn.edges if e[side == "first"] == group}
            gone = isinstance(other, tuple) and other not in in_new and not whole - in_base
            if not gone and not any(
                ((other, x) if side == "first" else (x, other)) in gn.edges for x in children
            ):
                continue  # not narrowed to children: the pipeline rewired the group as a whole
            inner = groups[group[0]].body.body
            functions = _functions(inner)
            graph = _graph([s for s in inner if _is_wiring(s, functions)], functions)
            if graph is None:
                continue  # the verification judges it
            own = functions.keys() - _functions(base_groups[group[0]].body.body).keys()
            end = 1 if side == "first" else 0  # a first task has no edge into it, a last none out
            for name in sorted(own):
                if (name,) in graph.nodes and not any(e[end] == (name,) for e in graph.edges):
                    edge = (other, (*group, name)) if side == "first" else ((*group, name), other)
                    found[edge] = "gone" if gone else side  # gone: e.g. renamed, now before one child
    return found


def _ids(body, path: tuple[str, ...] = (), refs: tuple[str, ...] = ()) -> dict[tuple, tuple]:
    """The tasks and groups inside the groups of a scope: function path -> ref (group, child ids)."""
    found = {}
    for name, kind in _functions(body).items():
        function = next(s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == name)
        ids = [
            ast.literal_eval(a.value.value)
            for d in function.decorators
            for a in _args(d.decorator)
            if a.keyword
            and a.keyword.value in ("task_id", "group_id")
            and isinstance(a.value, cst.SimpleString)
        ]
        here = (*refs, ids[0] if ids and path else name)
        if path:
            found[(*path, name)] = here
        if kind == "task_group":
            found.update(_ids(function.body.body, (*path, name), here))
    return found


def _rename(ref, renames: dict):
    """``ref`` (or what it is inside) under the id ``renames`` gives it."""
    if isinstance(ref, tuple):
        for old, new in renames.items():
            if ref[: len(old)] == old:
                return (*new, *ref[len(old) :])
    return ref


def _renamed(graph: _Graph, renames: dict) -> _Graph:
    if not renames:
        return graph
    return _Graph(
        {var: _rename(r, renames) for var, r in graph.bindings.items()},
        [(_rename(u, renames), _rename(v, renames)) for u, v in graph.edges],
        [_rename(r, renames) for r in graph.nodes],
    )


def _relabelled(statement: cst.BaseStatement, renames: dict, bindings: dict) -> cst.BaseStatement:
    """``eu_group.get_child_by_label("score")`` with the id the person gave that task."""

    def ref(e: cst.BaseExpression):
        if isinstance(e, cst.Name):
            return bindings.get(e.value)
        if _is_child(e):
            parent = ref(e.func.value)
            return (*parent, ast.literal_eval(e.args[0].value.value)) if parent else None
        return None

    class Relabel(cst.CSTTransformer):
        def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
            child = ref(original) if _is_child(original) else None
            if child in renames:
                return updated.with_changes(
                    args=[updated.args[0].with_changes(value=string(renames[child][-1]))]
                )
            return updated

    return statement.visit(Relabel())


def _is_child(e: cst.BaseExpression) -> bool:
    """``group.get_child_by_label("label")``, in wiring or bound (``eu_prep_group = ...``)."""
    return (
        isinstance(e, cst.Call)
        and isinstance(e.func, cst.Attribute)
        and e.func.attr.value == "get_child_by_label"
        and len(e.args) == 1
        and isinstance(e.args[0].value, cst.SimpleString)
    )


def _gone(ref: tuple[str, ...], labels: dict) -> str:
    """``the pipeline no longer has report``, or where it went, into or out of a group: ``the pipeline
    moved report to eu.report``."""
    moved = sorted(".".join(r) for r in labels if r != ref and r[-1] == ref[-1])
    name = ".".join(ref)
    return (
        f"the pipeline moved {name} to {moved[0]}"
        if len(moved) == 1
        else f"the pipeline no longer has {name}"
    )


def _reach(edges) -> dict:
    """Each ref's downstream refs, directly or not."""
    after: dict = {}
    for u, v in edges:
        after.setdefault(u, set()).add(v)
    found = {}
    for start in after:
        stack, seen = [start], set()
        while stack:
            for v in after.get(stack.pop(), ()):
                if v not in seen:
                    seen.add(v)
                    stack.append(v)
        found[start] = seen
    return found


def _interleave(order: list, other: list) -> list:
    """``order``, with each key of ``other`` that it lacks before the key that follows it there."""
    result = list(order)
    for i, key in enumerate(other):
        if key in result:
            continue
        following = next((k for k in other[i + 1 :] if k in result), None)
        if following is not None:
            result.insert(result.index(following), key)
        else:
            previous = next((k for k in reversed(other[:i]) if k in result), None)
            result.insert(result.index(previous) + 1 if previous is not None else 0, key)
    return result


# -- keys and kinds ----------------------------------------------------------------------------


def _key(statement: cst.BaseStatement, first: bool) -> tuple[str, ...]:
    """What a statement is, whatever its content: ``("def", name)``, ``("assign", name)``, its code..."""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return ("def", statement.name.value)
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
            return ("import", *sorted(_code(a.asname.name if a.asname else a.name) for a in small.names))
        if (
            first
            and isinstance(small, cst.Expr)
            and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))
        ):
            return ("doc",)
        if isinstance(small, (cst.Assign, cst.AnnAssign)):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            return ("assign", *(_code(t) for t in targets))
        if _runs_nodes(small):
            return ("runner",)
    return ("code", _bare(statement).strip())


def _assigns(*statements: cst.BaseStatement) -> bool:
    """Whether each statement is one ``name = value`` (the same name: they share a key)."""
    return all(
        isinstance(s, cst.SimpleStatementLine)
        and len(s.body) == 1
        and isinstance(s.body[0], cst.Assign)
        and len(s.body[0].targets) == 1
        for s in statements
    )


def _with_imports_in_use(body: list, dropped: list) -> list:
    """``body`` with each import in ``dropped`` whose names its other statements still use, after its
    last import (``from pathlib import Path`` that the generator dropped but a person's task uses)."""
    if not dropped:
        return body
    imports = [i for i, s in enumerate(body) if _key(s, False)[0] == "import"]
    words = set(_IDENTIFIER.findall(_code([s for i, s in enumerate(body) if i not in imports])))
    used = [statement for names, statement in dropped if words.intersection(names)]
    at = imports[-1] + 1 if imports else 0
    return [*body[:at], *used, *body[at:]]


def _commented(statements: list, edited: list) -> list:
    """``statements``, each with the comments above the same statement in ``edited``."""
    comments = {_bare(s): [line for line in s.leading_lines if line.comment] for s in edited}
    return [s.with_changes(leading_lines=[*s.leading_lines, *comments.get(_bare(s), [])]) for s in statements]


def _before_use(statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """Each assignment moved up before the first statement that uses a name it binds, if what it
    uses itself is bound before there (a sensor made after a binding, used in an earlier ``>>``)."""
    result = list(statements)
    for statement in statements:
        bound = _bound(statement)
        if not bound:
            continue
        i = result.index(statement)
        first = next((j for j, other in enumerate(result[:i]) if bound & _used(other)), None)
        if first is not None and not _used(statement) & {n for s in result[first:i] for n in _bound(s)}:
            result.insert(first, result.pop(i))
    return result


def _bound(statement: cst.BaseStatement) -> set[str]:
    if isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Assign):
        return {t.target.value for t in statement.body[0].targets if isinstance(t.target, cst.Name)}
    return set()


def _used(statement: cst.BaseStatement) -> set[str]:
    """The names a simple statement uses (none for a function: its body runs later)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return set()
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    statement.visit(Names())
    return found


def _is_name(statement: cst.BaseStatement) -> bool:
    return isinstance(statement.body[0], cst.Expr) and isinstance(statement.body[0].value, cst.Name)


def _runs_nodes(node: cst.CSTNode) -> bool:
    found = []

    class Runner(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            found.append(attribute.attr.value in ("run_nodes", RUN_DAG))

    node.visit(Runner())
    return any(found)


def _name(where: str, scope: tuple[str, ...] | None, key, node) -> str:
    """How a conflict names a part: ``task eu.make``, ``group eu``, ``the runner call of ...``."""
    if key == ("wiring",):
        return f"{where}: the dependency statements"
    if key[0] == "def":
        kind = _kind(node) if node is not None else None
        path = ".".join((*(scope or ()), key[1]))
        return {"task": f"task {path}", "task_group": f"group {path}", "dag": f"the DAG function {path}"}.get(
            kind, f"{where}: {key[1]}"
        )
    if key[0] == "runner":
        return f"{where}: its runner call"
    if key[0] == "doc":
        return f"{where}: its docstring"
    if key[0] == "assign":
        return f"{where}: {' = '.join(key[1:-1])} = ..."
    if key[0] == "import":
        return f"{where}: the import of {', '.join(key[1:-1])}"
    return f"{where}: {key[1].splitlines()[0] if len(key) > 1 else key[0]}"


def _dotted(expression: cst.BaseExpression) -> str:
    return _code(expression.func if isinstance(expression, cst.Call) else expression)


def _args(expression: cst.BaseExpression) -> Sequence[cst.Arg]:
    return expression.args if isinstance(expression, cst.Call) else ()


def _kind(function: cst.CSTNode) -> str | None:
    """``dag``, ``task_group`` or ``task`` (``@task.virtualenv`` too), by the function's decorators."""
    if not isinstance(function, cst.FunctionDef):
        return None
    for decorator in function.decorators:
        head = _dotted(decorator.decorator).split(".")[0]
        if head in ("dag", "task_group", "task"):
            return head
    return None


def _functions(body) -> dict[str, str]:
    """The tasks and groups a scope defines: function name -> kind."""
    return {s.name.value: _kind(s) for s in body if _kind(s) in ("task", "task_group")}


# -- the graph of a scope's dependency statements ----------------------------------------------


@dataclass
class _Graph:
    bindings: dict[str, tuple[str, ...]] = field(default_factory=dict)
    edges: list = field(default_factory=list)
    nodes: list = field(default_factory=list)  # the tasks and groups the statements call


def _is_wiring(statement: cst.BaseStatement, functions: dict[str, str]) -> bool:
    """``a() >> b``, a lone ``a()``, or ``a_task = a()``: what wires the scope's tasks."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Assign):
        return (
            len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and (_calls(small.value, functions) or _is_child(small.value))
        )
    if isinstance(small, cst.Expr):
        value = small.value
        return (
            _calls(value, functions)
            or _is_chain(value)
            or _is_cross(value)
            or _is_set_stream(value)
            or (
                isinstance(value, cst.BinaryOperation)
                and isinstance(value.operator, (cst.RightShift, cst.LeftShift))
            )
        )
    return False


def _is_chain(expression: cst.BaseExpression) -> bool:
    """``chain(a(), [b(), c()], d)``: Airflow's ``>>`` from each argument to the next (two lists of
    one length pair up); ``chain_linear(...)`` the same, every task of a list to each of the next."""
    return (
        isinstance(expression, cst.Call)
        and isinstance(expression.func, cst.Name)
        and expression.func.value in ("chain", "chain_linear")
    )


def _is_cross(expression: cst.BaseExpression) -> bool:
    """``cross_downstream([a, b], [c, d])``: Airflow's ``>>`` from each of the first to each of the second."""
    return (
        isinstance(expression, cst.Call)
        and isinstance(expression.func, cst.Name)
        and expression.func.value == "cross_downstream"
    )


def _cross_args(call: cst.Call) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """``cross_downstream``'s ``from_tasks`` and ``to_tasks``, by position or keyword (or None)."""
    names, given = ("from_tasks", "to_tasks"), {}
    for i, arg in enumerate(call.args):
        name = arg.keyword.value if arg.keyword else names[i] if i < len(names) else None
        if arg.star or name not in names or name in given:
            return None
        given[name] = arg.value
    return (given["from_tasks"], given["to_tasks"]) if len(given) == len(names) else None


def _is_set_stream(expression: cst.BaseExpression) -> bool:
    """``a.set_upstream(b)`` (``b >> a``) or ``a.set_downstream(b)`` (``a >> b``)."""
    return (
        isinstance(expression, cst.Call)
        and isinstance(expression.func, cst.Attribute)
        and expression.func.attr.value in ("set_upstream", "set_downstream")
        and len(expression.args) == 1
        and expression.args[0].keyword is None
        and not expression.args[0].star
    )


def _calls(expression: cst.BaseExpression, functions: dict[str, str]) -> bool:
    return _called(expression, functions) is not None


def _called(expression: cst.BaseExpression, functions: dict[str, str]) -> str | None:
    """The task or group that ``a()`` or ``a.override(task_id=...)()`` calls, if it is one."""
    if not isinstance(expression, cst.Call) or not _task_args(expression):
        return None
    func = expression.func
    if (
        isinstance(func, cst.Call)
        and isinstance(func.func, cst.Attribute)
        and func.func.attr.value == "override"
        and not any(arg.keyword is None for arg in func.args)
    ):
        func = func.func.value
    return func.value if isinstance(func, cst.Name) and func.value in functions else None


def _task_args(call: cst.Call) -> bool:
    """How the DAG calls a task or group: with nothing, with its DAG run (an isolated task), or
    with the producer's outcomes (watcher execution)."""
    if not call.args:
        return True
    (arg, *more) = call.args
    return (
        not more
        and arg.keyword is None
        and isinstance(arg.value, cst.Name)
        and arg.value.value in (TEMPLATE_NAME, OUTCOMES)
    )


def _graph(statements, functions: dict[str, str]) -> _Graph | None:
    graph = _Graph()

    def ref(e: cst.BaseExpression):
        if (called := _called(e, functions)) is not None:
            graph.nodes.append((called,))
            return (called,)
        if isinstance(e, cst.Name):
            return graph.bindings.get(e.value, e.value)
        if (
            isinstance(e, cst.Call)
            and isinstance(e.func, cst.Attribute)
            and e.func.attr.value == "get_child_by_label"
            and len(e.args) == 1
            and isinstance(e.args[0].value, cst.SimpleString)
        ):
            parent = ref(e.func.value)
            return (*parent, ast.literal_eval(e.args[0].value.value)) if isinstance(parent, tuple) else None
        return None

    def value(e: cst.BaseExpression) -> list | None:
        if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, (cst.RightShift, cst.LeftShift)):
            left, right = value(e.left), value(e.right)
            if left is None or right is None:
                return None
            pairs = [(u, v) for u in left for v in right]
            if isinstance(e.operator, cst.LeftShift):
                pairs = [(v, u) for u, v in pairs]
            graph.edges.extend(p for p in pairs if p not in graph.edges)
            return right
        if _is_chain(e):
            steps = [value(a.value) if not a.star else None for a in e.args]
            if None in steps:
                return None
            for (x, a), (y, b) in itertools.pairwise(zip(e.args, steps, strict=True)):
                lists = (
                    e.func.value == "chain"
                    and isinstance(x.value, cst.List)
                    and isinstance(y.value, cst.List)
                )
                if lists and len(a) != len(b):
                    return None
                pairs = list(zip(a, b, strict=True)) if lists else [(u, v) for u in a for v in b]
                graph.edges.extend(p for p in pairs if p not in graph.edges)
            return steps[-1] if steps else []
        if _is_cross(e):
            given = _cross_args(e)
            sources, targets = (value(given[0]), value(given[1])) if given else (None, None)
            if sources is None or targets is None:
                return None
            graph.edges.extend(p for p in itertools.product(sources, targets) if p not in graph.edges)
            return targets
        if _is_set_stream(e):
            this, other = value(e.func.value), value(e.args[0].value)
            if this is None or other is None:
                return None
            up = e.func.attr.value == "set_upstream"
            pairs = [(o, t) if up else (t, o) for t in this for o in other]
            graph.edges.extend(p for p in pairs if p not in graph.edges)
            return this
        refs = [ref(x.value) for x in e.elements] if isinstance(e, cst.List) else [ref(e)]
        return None if None in refs else refs

    for statement in statements:
        small = statement.body[0]
        if isinstance(small, cst.Assign) and _is_child(small.value):
            child = ref(small.value)
            if not isinstance(child, tuple):
                return None
            graph.bindings[small.targets[0].target.value] = child
        elif isinstance(small, cst.Assign):
            called = _called(small.value, functions)
            graph.bindings[small.targets[0].target.value] = (called,)
            graph.nodes.append((called,))
        elif value(small.value) is None:
            return None
    return graph


def _labels(body, functions: dict[str, str], path: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """Every task and group of a scope, by function then child labels: its kind."""
    found: dict[tuple[str, ...], str] = {}
    for statement in body:
        if not isinstance(statement, cst.FunctionDef) or statement.name.value not in functions:
            continue
        kind = functions[statement.name.value]
        if path:
            label = next(
                (
                    ast.literal_eval(a.value.value)
                    for d in statement.decorators
                    for a in _args(d.decorator)
                    if a.keyword
                    and a.keyword.value in ("task_id", "group_id")
                    and isinstance(a.value, cst.SimpleString)
                ),
                statement.name.value,
            )
            here = (*path, label)
        else:
            here = (statement.name.value,)
        found[here] = "group" if kind == "task_group" else "task"
        if kind == "task_group":
            inner = statement.body.body
            found.update(_labels(inner, _functions(inner), here))
    return found


def _shown(edge) -> str:
    """``a >> eu.b``"""
    return " >> ".join(r if isinstance(r, str) else ".".join(r) for r in edge)


def _ref(ref, variables: dict) -> cst.BaseExpression:
    if isinstance(ref, str):
        return cst.Name(ref)
    expression: cst.BaseExpression = cst.Name(variables[ref[:1]])
    for label in ref[1:]:
        expression = cst.Call(
            cst.Attribute(expression, cst.Name("get_child_by_label")), args=[cst.Arg(string(label))]
        )
    return expression


def _replace_calls(
    statement: cst.BaseStatement, variables: dict[str, str], calls: dict[str, cst.Call]
) -> cst.BaseStatement:
    """``a()`` becomes ``a_task`` where the task is now bound to a variable; ``calls`` gets ``a()``."""

    class Replace(cst.CSTTransformer):
        def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
            if isinstance(updated.func, cst.Name) and updated.func.value in variables and _task_args(updated):
                calls[updated.func.value] = updated.with_changes(lpar=[], rpar=[])
                return cst.Name(variables[updated.func.value], lpar=updated.lpar, rpar=updated.rpar)
            return updated

    return statement.visit(Replace())
