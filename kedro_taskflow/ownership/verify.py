"""Checks a merged DAG file must pass before it is written, whatever shape the hand edits took.

Independent of how ``merge`` works: it reads the four texts (base, edited, new, merged) with
Python's own parser and pyflakes, never LibCST. A merged file passes when

- it compiles, and every name it uses is defined (pyflakes), and every task or group child its
  dependency statements name is defined, unless the edited file already used that name undefined;
- every part the person changed (a statement, an argument by keyword, a dict value by key, a
  call's positional arguments together, a signature, a decorator, a comment) is in it as often as
  the edited file and the new generation together imply;
- its task graph (the ``>>``, ``<<``, ``chain``, ``chain_linear``, ``cross_downstream``,
  ``set_upstream``/``set_downstream`` and task calls of the DAG function and its groups) is the new
  generation's, plus the edges and calls the person added, minus those they removed.

Each failure is a line naming the check and the part.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import itertools
import tokenize
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from pyflakes import checker, messages

Path = tuple[str, ...]  # where a part is: the functions it is in, then what it belongs to there
Atom = tuple[Path, str]  # a part of a file, and its code (normalised by ``ast.unparse``)


def verify(base: str, edited: str, new: str, merged: str) -> tuple[str, ...]:
    """Why ``merged`` must not be written over ``edited`` (empty: it may be)."""
    try:
        tree = ast.parse(merged)
        compile(tree, "<merged>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return (f"the merged file does not compile (line {getattr(exc, 'lineno', '?')}: {exc})",)
    files = [_File(ast.parse(text), text) for text in (base, edited, new)] + [_File(tree, merged)]
    b, e, n, m = files
    unedited = b.functions.items() & e.functions.items()  # functions the person left alone
    skip = {path for path, _ in unedited}
    comments = _hash_lines(base) != _hash_lines(edited)  # else no comment was edited: skip reading them
    graphs = [_graph(f.tree) for f in files]
    return (
        *_undefined(e.tree, tree),
        *_lost(*(f.atoms(skip, comments) for f in files)),
        *_unknown(graphs[1], graphs[3]),
        *_graph_problems(*graphs),
    )


def undefined_names(text: str) -> tuple[str, ...]:
    """Why a DAG file would not load: it does not compile, or uses a name it does not define."""
    try:
        tree = ast.parse(text)
        compile(tree, "<dag>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return (f"does not compile (line {getattr(exc, 'lineno', '?')}: {exc})",)
    return tuple(
        f"{_scope_at(tree, line)}uses {name!r}, defined nowhere" for name, line in _undefined_in(tree)
    )


# -- names -------------------------------------------------------------------------------------


def _undefined_in(tree: ast.Module) -> list[tuple[str, int]]:
    found = checker.Checker(tree, filename="<dag>").messages
    kinds = (messages.UndefinedName, messages.UndefinedLocal, messages.UndefinedExport)
    return [(m.message_args[0], m.lineno) for m in found if isinstance(m, kinds)]


def _undefined(edited: ast.Module, merged: ast.Module) -> list[str]:
    already = {name for name, _ in _undefined_in(edited)}
    return [
        f"{_scope_at(merged, line)}uses {name!r}, which the merged file no longer defines "
        "(verified: every name used is defined)"
        for name, line in _undefined_in(merged)
        if name not in already
    ]


def _scope_at(tree: ast.Module, line: int) -> str:
    """``task report: `` for a line inside the function ``report``, else nothing."""
    inner = None
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.lineno <= line <= node.end_lineno
            and (inner is None or node.lineno >= inner.lineno)
        ):
            inner = node
    return f"{_kind(inner) or 'function'} {inner.name}: " if inner else ""


# -- the person's parts --------------------------------------------------------------------------


def _lost(base: Counter, edited: Counter, new: Counter, merged: Counter) -> list[str]:
    """Each part the person changed whose count in ``merged`` is not what both sides imply."""
    problems = []
    for atom in sorted(edited.keys() | base.keys()):
        by_person, by_pipeline = edited[atom] - base[atom], new[atom] - base[atom]
        if not by_person:
            continue
        same_way = by_person * by_pipeline > 0
        expected = base[atom] + (
            max(by_person, by_pipeline, key=abs) if same_way else by_person + by_pipeline
        )
        if merged[atom] != max(expected, 0):
            path, code = atom
            what = "added" if by_person > 0 else "removed"
            problems.append(
                f"{_shown(path)}: the merge lost what you {what}, `{_one_line(code)}` "
                "(verified: every hand edit is kept)"
            )
    return problems


def _statements(
    body: Sequence[ast.stmt], path: Path, scope: _Scope | None, skip: set[Path]
) -> Iterator[Atom]:
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = (*path, statement.name)
            if inner in skip:
                continue
            yield inner, "def"
            for decorator in statement.decorator_list:  # ``@task`` is ``@task()``
                call = decorator if isinstance(decorator, ast.Call) else ast.Call(decorator, [], [])
                yield from _parts(call, (*inner, f"@{_unparse(_func(decorator))}"))
            if not isinstance(statement, ast.ClassDef):
                yield (*inner, "signature"), _unparse(statement.args)
                if statement.returns is not None:
                    yield (*inner, "returns"), _unparse(statement.returns)
            kind = _kind(statement)
            yield from _statements(
                statement.body, inner, _Scope.of(statement) if kind in ("dag", "task_group") else None, skip
            )
        elif scope is not None and scope.wires(statement):
            continue  # the graph check reads it
        elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            yield from _parts(statement.value, (*path, f"{_unparse(statement.targets[0])} ="))
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            yield from _parts(statement.value, (*path, _unparse(statement.value.func)))
        else:
            yield path, _unparse(statement)


def _parts(expression: ast.expr, path: Path) -> Iterator[Atom]:
    """A call by keyword (its positional arguments as one part), a dict by key, else the whole."""
    if isinstance(expression, ast.Call):
        yield path, f"{_unparse(expression.func)}(...)"
        if expression.args:
            yield (*path, "positional"), ", ".join(_unparse(a) for a in expression.args)
        for keyword in expression.keywords:
            yield from _parts(keyword.value, (*path, keyword.arg or "**"))
    elif isinstance(expression, ast.Dict):
        yield path, "{...}"
        for key, value in zip(expression.keys, expression.values, strict=True):
            yield from _parts(value, (*path, _unparse(key) if key is not None else "**"))
    else:
        yield path, _unparse(expression)


@dataclass
class _File:
    """One of the four texts: its tree, and each function's text by its path (decorators included)."""

    tree: ast.Module
    text: str
    functions: dict[Path, str] = field(init=False)
    spans: list[tuple[int, int, Path]] = field(init=False)  # first line, last line, path

    def __post_init__(self) -> None:
        lines = self.text.splitlines()
        self.spans = []

        def walk(body: Sequence[ast.stmt], path: Path) -> None:
            for node in body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    inner = (*path, node.name)
                    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                    self.spans.append((first, node.end_lineno, inner))
                    walk(node.body, inner)

        walk(self.tree.body, ())
        self.functions = {path: "\n".join(lines[first - 1 : last]) for first, last, path in self.spans}

    def atoms(self, skip: set[Path], comments: bool) -> Counter[Atom]:
        """Its parts (comments too if asked), none inside the functions ``skip`` (left alone)."""
        found: Counter[Atom] = Counter(_statements(self.tree.body, (), None, skip))
        if comments:
            found.update(self._comments(skip))
        return found

    def _comments(self, skip: set[Path]) -> Iterator[Atom]:
        """Each comment, in the innermost function around it (or the module)."""
        for token in tokenize.generate_tokens(io.StringIO(self.text).readline):
            if token.type == tokenize.COMMENT:
                line = token.start[0]
                around = [span for span in self.spans if span[0] <= line <= span[1]]
                path = max(around)[2] if around else ()
                if not any(path[:i] in skip for i in range(1, len(path) + 1)):
                    yield (*path, "comment"), token.string.strip()


# -- the task graph ------------------------------------------------------------------------------

Ref = tuple[str, ...]  # a task or group by its labels from the DAG down, or ("=", scope..., variable)


@dataclass
class _Graph:
    edges: set[tuple[Ref, Ref]] = field(default_factory=set)
    called: set[Ref] = field(default_factory=set)
    unread: list[str] = field(default_factory=list)  # wiring statements that are not understood
    wiring: list[str] = field(default_factory=list)  # every wiring statement, as code
    labels: dict[Ref, str] = field(default_factory=dict)  # (scope..., function): its task or group id
    overrides: dict[Ref, str] = field(default_factory=dict)  # the same: ``.override(task_id=...)``
    children: set[Ref] = field(default_factory=set)  # group children named in any other statement


@dataclass
class _Scope:
    """A DAG function or task group body: its tasks and groups, by function name -> label."""

    labels: dict[str, str]

    @classmethod
    def of(cls, function: ast.FunctionDef) -> _Scope:
        labels = {}
        for statement in function.body:
            if _kind(statement) in ("task", "task_group"):
                label = next(
                    (
                        k.value.value
                        for d in statement.decorator_list
                        if isinstance(d, ast.Call)
                        for k in d.keywords
                        if k.arg in ("task_id", "group_id") and isinstance(k.value, ast.Constant)
                    ),
                    statement.name,
                )
                labels[statement.name] = label
        return cls(labels)

    def task_call(self, expression: ast.expr) -> str | None:
        """The label of a call of this scope's task or group: ``a()``, ``a.override(task_id=...)()``."""
        if not isinstance(expression, ast.Call):
            return None
        func = expression.func
        if isinstance(func, ast.Name) and func.id in self.labels:
            return self.labels[func.id]
        if (
            isinstance(func, ast.Call)
            and isinstance(func.func, ast.Attribute)
            and func.func.attr == "override"
            and isinstance(func.func.value, ast.Name)
            and func.func.value.id in self.labels
        ):
            ids = [k.value.value for k in func.keywords if k.arg in ("task_id", "group_id")]
            return str(ids[0]) if ids else self.labels[func.func.value.id]
        return None

    def wires(self, statement: ast.stmt) -> bool:
        """A dependency statement: ``>>``/``<<``, ``chain(...)``, ``chain_linear(...)``,
        ``cross_downstream(...)``, ``set_upstream``, a task call, or a binding of a call or of a
        group's child (``eu_prep = eu_group.get_child_by_label("prep")``)."""
        value = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
        if isinstance(statement, ast.Assign):
            child = (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr == "get_child_by_label"
                and isinstance(value.func.value, ast.Name)
            )
            return len(statement.targets) == 1 and (child or self.task_call(value) is not None)
        if value is None:
            return False
        if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.RShift, ast.LShift)):
            return True
        if isinstance(value, ast.Call):
            func = value.func
            if isinstance(func, ast.Name) and func.id in ("chain", "chain_linear", "cross_downstream"):
                return True
            if isinstance(func, ast.Attribute) and func.attr in ("set_upstream", "set_downstream"):
                return True
        return self.task_call(value) is not None


def _graph(tree: ast.Module) -> _Graph:
    graph = _Graph()
    for statement in tree.body:
        if _kind(statement) in ("dag", "task_group"):  # a task group's module has one at its top
            _read_scope(statement, (), graph)
    return graph


def _read_scope(function: ast.FunctionDef, path: Ref, graph: _Graph) -> None:
    scope = _Scope.of(function)
    graph.labels.update({(*path, name): label for name, label in scope.labels.items()})
    variables: dict[str, Ref] = {}

    def ref(e: ast.expr) -> list[Ref] | None:
        label = scope.task_call(e)
        if label is not None:
            if isinstance(e.func, ast.Call):  # ``a.override(task_id=...)()``
                graph.overrides[(*path, e.func.func.value.id)] = label
            graph.called.add((*path, label))
            return [(*path, label)]
        if isinstance(e, ast.Name):
            return [variables.get(e.id, ("=", *path, e.id))]
        if isinstance(e, (ast.List, ast.Tuple)):
            refs = [ref(x) for x in e.elts]
            return None if None in refs else [r for rs in refs for r in rs]
        if _is_child(e):
            parents = ref(e.func.value)
            return [(*parents[0], e.args[0].value)] if parents and len(parents) == 1 else None
        if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.RShift, ast.LShift)):
            left, right = ref(e.left), ref(e.right)
            if left is None or right is None:
                return None
            link(left, right) if isinstance(e.op, ast.RShift) else link(right, left)
            return right
        return None

    def link(upstream: list[Ref], downstream: list[Ref]) -> None:
        graph.edges.update((u, v) for u in upstream for v in downstream)

    def chain(args: list[ast.expr], pairs: bool) -> bool:
        """``chain(a, [b, c], d)``: each step to the next; with ``pairs`` (``chain``, not
        ``chain_linear``) two lists of one length pair by pair."""
        steps = [ref(a) for a in args]
        if None in steps or any(isinstance(a, ast.Starred) for a in args):
            return False
        for (x, a), (y, b) in itertools.pairwise(zip(args, steps, strict=True)):
            if pairs and isinstance(x, ast.List) and isinstance(y, ast.List):
                if len(a) != len(b):
                    return False
                graph.edges.update(zip(a, b, strict=True))
            else:
                link(a, b)
        return True

    def wired(value: ast.expr) -> bool:
        func = value.func if isinstance(value, ast.Call) else None
        if isinstance(func, ast.Name) and func.id in ("chain", "chain_linear"):
            return chain(value.args, pairs=func.id == "chain")
        if isinstance(func, ast.Name) and func.id == "cross_downstream":
            given = _cross_args(value)
            sources, targets = (ref(given[0]), ref(given[1])) if given else (None, None)
            if sources is None or targets is None:
                return False
            link(sources, targets)
            return True
        if isinstance(func, ast.Attribute) and func.attr in ("set_upstream", "set_downstream"):
            this, other = ref(func.value), (ref(value.args[0]) if len(value.args) == 1 else None)
            if this is None or other is None:
                return False
            link(this, other) if func.attr == "set_downstream" else link(other, this)
            return True
        return ref(value) is not None

    for statement in function.body:
        if _kind(statement) == "task_group":
            _read_scope(statement, (*path, scope.labels[statement.name]), graph)
        elif scope.wires(statement):
            graph.wiring.append(_unparse(statement))
            if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
                variables[statement.targets[0].id] = ref(statement.value)[0]
            elif isinstance(statement, ast.Assign) or not wired(statement.value):
                graph.unread.append(_unparse(statement))

    def child(e: ast.expr) -> Ref | None:
        """A bound group's ``get_child_by_label("x")``, however deep, by its ref."""
        if isinstance(e, ast.Name):
            return variables.get(e.id)
        if _is_child(e):
            parent = child(e.func.value)
            return (*parent, e.args[0].value) if parent else None
        return None

    for statement in function.body:  # what the dependency statements are not: code of the person's
        if _kind(statement) is None and not scope.wires(statement):
            refs = (child(node) for node in ast.walk(statement) if _is_child(node))
            graph.children.update(r for r in refs if r is not None)


def _is_child(e: ast.expr) -> bool:
    """``group.get_child_by_label("x")``."""
    return (
        isinstance(e, ast.Call)
        and isinstance(e.func, ast.Attribute)
        and e.func.attr == "get_child_by_label"
        and len(e.args) == 1
        and isinstance(e.args[0], ast.Constant)
    )


def _cross_args(call: ast.Call) -> tuple[ast.expr, ast.expr] | None:
    """``cross_downstream``'s ``from_tasks`` and ``to_tasks``, by position or keyword (or None)."""
    names, given = ("from_tasks", "to_tasks"), {}
    for i, arg in enumerate([*call.args, *call.keywords]):
        name = arg.arg if isinstance(arg, ast.keyword) else names[i] if i < len(names) else None
        if isinstance(arg, ast.Starred) or name not in names or name in given:
            return None
        given[name] = arg.value if isinstance(arg, ast.keyword) else arg
    return (given["from_tasks"], given["to_tasks"]) if len(given) == len(names) else None


def _graph_problems(base: _Graph, edited: _Graph, new: _Graph, merged: _Graph) -> list[str]:
    check = "(verified: the task graph is the pipeline's plus your edges)"
    if merged.unread or edited.unread or base.unread or new.unread:
        # Not understood: acceptable only where the merge took the person's wiring unchanged.
        if merged.wiring == edited.wiring and new.wiring == base.wiring:
            return []
        what = (merged.unread or edited.unread or base.unread or new.unread)[0]
        return [f"the dependency statements: `{_one_line(what)}` is not read as a task graph {check}"]
    renames = _renames(base, edited)
    base, new = _renamed(base, renames), _renamed(new, renames)
    problems = []
    waits = [_waits(g) for g in (base, edited, new, merged)]
    expand = _expansion(merged)
    for name, get in (("edge", lambda g: g.edges), ("task call", lambda g: g.called)):
        b, e, n, m = (get(g) for g in (base, edited, new, merged))
        expected = (n | (e - b)) - (b - e)
        problems += [f"the {name} {_ref_shown(x)} is missing {check}" for x in sorted(expected - m)]
        problems += [
            f"the {name} {_ref_shown(x)} is unexpected {check}"
            for x in sorted(m - expected)
            if name != "edge" or not expand(x) <= waits[1]  # a wait the person's file had
        ]
    return problems + _lost_waits(*waits, merged) + _cycle(base, edited, waits[1], waits[3], expand)


def _cycle(base: _Graph, edited: _Graph, edited_waits: set, merged_waits: set, expand) -> list[str]:
    """The tasks that wait for themselves in the merged file and not in the edited one (Airflow
    refuses to load a DAG with a cycle), with the edges of the person's that close the cycle."""
    looped = sorted({u for u, v in merged_waits if u == v} - {u for u, v in edited_waits if u == v})
    if not looped:
        return []
    yours = sorted(x for x in edited.edges - base.edges if any((v, u) in merged_waits for u, v in expand(x)))
    mine = ", ".join(map(_ref_shown, yours))
    closing = f": your edges {mine} close it" if len(yours) > 1 else f": your edge {mine} closes it"
    return [
        f"the task graph has a cycle through {', '.join(map(_ref_shown, looped))}{closing if yours else ''} "
        "(verified: it loads)"
    ]


def _unknown(edited: _Graph, merged: _Graph) -> list[str]:
    """Each task or group the merged file's DAG function or groups name that it does not define (a
    group's child under a label the group no longer has: Airflow cannot load the file), unless the
    edited file already named it so."""

    def unknown(graph: _Graph) -> set[Ref]:
        known = {(*key[:-1], label) for key, label in [*graph.labels.items(), *graph.overrides.items()]}
        named = graph.called | graph.children | {r for edge in graph.edges for r in edge}
        return {r for r in named if r[0] != "=" and r not in known}

    return [
        f"the merged file names {_ref_shown(r)}, but defines no such task or group (verified: it loads)"
        for r in sorted(unknown(merged) - unknown(edited))
    ]


def _renames(base: _Graph, edited: _Graph) -> dict[Ref, Ref]:
    """The tasks and groups the person gave another id (``task_id=``, ``.override(task_id=...)``):
    the base's ref -> theirs."""
    renames = {}
    for key, label in [*edited.labels.items(), *edited.overrides.items()]:
        if key in base.labels and label != base.overrides.get(key, base.labels[key]):
            renames[(*key[:-1], base.labels[key])] = (*key[:-1], label)
    return renames


def _renamed(graph: _Graph, renames: dict[Ref, Ref]) -> _Graph:
    """``graph`` with its tasks and groups (and what is inside them) under the ids ``renames`` gives."""
    if not renames:
        return graph

    def ref(r: Ref) -> Ref:
        for old, new in renames.items():
            if r[: len(old)] == old:
                return (*new, *r[len(old) :])
        return r

    edges = {(ref(u), ref(v)) for u, v in graph.edges}
    return dataclasses.replace(graph, edges=edges, called={ref(r) for r in graph.called})


def _lost_waits(base: set, edited: set, new: set, merged: set, graph: _Graph) -> list[str]:
    """A wait the person's file added (through a group: a task of theirs first in a group waits for
    what the group waits for) that the merged file lacks, between tasks it still has."""
    tasks = {t for t in graph.called if t not in _groups(graph.called)}
    lost = sorted((u, v) for u, v in edited - base - merged if u in tasks and v in tasks)
    return [
        f"task {_ref_shown(v)} no longer waits for {_ref_shown(u)}, as it does in your file "
        "(verified: the task graph is the pipeline's plus your edges)"
        for u, v in lost
    ]


def _groups(refs: set[Ref]) -> set[Ref]:
    """The refs that are groups: each a proper prefix of a task's or group's ref."""
    prefixes = {r[:i] for r in refs if r[0] != "=" for i in range(1, len(r))}
    return refs & prefixes


def _expansion(graph: _Graph) -> Callable[[tuple[Ref, Ref]], set[tuple[Ref, Ref]]]:
    """An edge of ``graph`` as Airflow makes it: from a group, from each of its last tasks; to a
    group, to each of its first."""
    groups = _groups(graph.called)
    found: dict[tuple[Ref, bool], set[Ref]] = {}

    def inside(ref: Ref, group: Ref) -> bool:
        scope = ref[1:-1] if ref[0] == "=" else ref
        return len(scope) >= len(group) and scope[: len(group)] == group and ref != group

    def ends(ref: Ref, last: bool) -> set[Ref]:
        if ref not in groups:
            return {ref}
        if (ref, last) not in found:
            edges = [(u, v) for u, v in graph.edges if inside(u, ref) and inside(v, ref)]
            members = {r for e in graph.edges for r in e if inside(r, ref)}
            members |= {r for r in graph.called if inside(r, ref)}
            internal = {(x, y) for u, v in edges for x in ends(u, True) for y in ends(v, False)}
            inner = {e[0] if last else e[1] for e in internal}
            found[ref, last] = {r for r in members - groups if r not in inner}
        return found[ref, last]

    return lambda edge: {(x, y) for x in ends(edge[0], True) for y in ends(edge[1], False)}


def _waits(graph: _Graph) -> set[tuple[Ref, Ref]]:
    """Which task waits for which, directly or not, as Airflow runs the graph."""
    expand = _expansion(graph)
    after: dict[Ref, set[Ref]] = {}
    for edge in graph.edges:
        for u, v in expand(edge):
            after.setdefault(u, set()).add(v)
    found = set()
    for start in after:
        stack, seen = [start], set()
        while stack:
            for v in after.get(stack.pop(), ()):
                if v not in seen:
                    seen.add(v)
                    stack.append(v)
        found.update((start, v) for v in seen)
    return found


# -- small helpers -------------------------------------------------------------------------------


def _hash_lines(text: str) -> list[str]:
    """The lines that may hold a comment, sorted."""
    return sorted(line.strip() for line in text.splitlines() if "#" in line)


def _kind(node: ast.AST | None) -> str | None:
    """``dag``, ``task_group`` or ``task``, by the function's decorators."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    for decorator in node.decorator_list:
        head = _unparse(_func(decorator)).split(".")[0]
        if head in ("dag", "task_group", "task"):
            return head
    return None


def _func(decorator: ast.expr) -> ast.expr:
    return decorator.func if isinstance(decorator, ast.Call) else decorator


def _unparse(node: ast.AST) -> str:
    return ast.unparse(node)


def _one_line(code: str) -> str:
    line = code.splitlines()[0] if code else code
    return line if line == code else f"{line} ..."


def _shown(path: Path) -> str:
    return " ".join(path) if path else "the module"


def _ref_shown(x) -> str:
    if isinstance(x[0], tuple):
        return " >> ".join(_ref_shown(r) for r in x)
    return ".".join(x[1:]) if x[0] == "=" else ".".join(x)
