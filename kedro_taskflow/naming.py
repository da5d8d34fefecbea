"""Every name the generator makes: Airflow ids in their task groups, Python names, dag ids.

A name that is already valid is kept as it is. Any other is folded to ASCII and its invalid
characters become ``_``; when that loses information and two names meet, the changed one gets a
short hash of the original, so names do not depend on the order in which they were seen. Names
made here (not a Kedro name kept as it is) are at most ``MADE_LEN`` characters long.
"""

from __future__ import annotations

import hashlib
import keyword
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence

from kedro_taskflow.model import GroupBy, GroupPlan, NodeSpec

TASK_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")
GROUP_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
DAG_ID_RE = re.compile(r"^[A-Za-z0-9_]{1,200}$")

_HASH_LEN = 6
MADE_LEN = 50  # the longest task id, function name or label that we make up
_KEDRO_AUTO_NAME = re.compile(r"(?P<function>.+)__[0-9a-f]{8}")


def natural(name: str) -> tuple:
    """A sort key that reads numbers as numbers: ``train_2`` before ``train_10``; ties by text."""
    parts = re.split(r"(\d+)", name)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), name


def short_hash(text: str, length: int = _HASH_LEN) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def _fold(text: str, invalid: str) -> str:
    """ASCII-fold ``text`` and replace characters matching ``invalid`` by ``_``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(invalid, "_", ascii_text) or "_"


def _with_hash(candidate: str, original: str, max_len: int, length: int = _HASH_LEN) -> str:
    suffix = "_" + short_hash(original, length)
    return candidate[: max_len - len(suffix)] + suffix


def unique(
    originals: Iterable[str],
    convert,
    is_valid,
    max_len: int,
    taken: Iterable[str] = (),
    made_len: int | None = None,
) -> dict[str, str]:
    """Map each original to a unique valid name, none of them in ``taken``.

    ``convert`` turns an original into a candidate; originals that ``is_valid`` keeps unchanged
    (up to ``max_len``). A converted name is at most ``made_len`` long (default ``max_len``); one
    that meets another name, or that had to be cut short, gets a hash suffix.
    """
    originals = list(dict.fromkeys(originals))
    used = set(taken)
    kept = {o for o in originals if is_valid(o) and len(o) <= max_len and o not in used}
    used |= kept
    max_len = min(max_len, made_len or max_len)
    candidates = {o: convert(o) for o in sorted(set(originals) - kept)}
    counts = Counter(c[:max_len] for c in candidates.values())
    names = {o: o for o in kept}
    for original, candidate in candidates.items():
        name = candidate[:max_len]
        length = _HASH_LEN
        if counts[name] > 1 or name in used or len(candidate) > max_len:
            name = _with_hash(candidate, original, max_len)
            while name in used:  # only a name made to look like another's hash gets here
                length += 2
                name = _with_hash(candidate, original, max_len, length)
        used.add(name)
        names[original] = name
    return names


def task_ids(names: Iterable[str], max_len: int = 250, taken: Iterable[str] = ()) -> dict[str, str]:
    """Airflow task ids (``^[A-Za-z0-9_.-]{1,250}$``) for node or task names.

    A valid name is kept up to ``max_len``; one that has to change becomes at most ``MADE_LEN``.
    """
    return unique(
        names,
        convert=lambda n: _fold(n, r"[^A-Za-z0-9_.-]"),
        is_valid=lambda n: bool(TASK_ID_RE.match(n)),
        max_len=max_len,
        taken=taken,
        made_len=MADE_LEN,
    )


def group_ids(names: Iterable[str]) -> dict[str, str]:
    """Airflow TaskGroup ids (``^[A-Za-z0-9_-]{1,200}$``, no dots) for namespace parts."""
    return unique(
        names,
        convert=lambda n: _fold(n, r"[^A-Za-z0-9_-]"),
        is_valid=lambda n: bool(GROUP_ID_RE.match(n)),
        max_len=200,
    )


def python_names(names: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """Python function names for ids: identifiers, no keywords, nothing in ``reserved``."""
    reserved = frozenset(reserved)

    def convert(name: str) -> str:
        ident = _fold(name, r"[^A-Za-z0-9_]")
        if ident[0].isdigit():
            ident = "_" + ident
        if keyword.iskeyword(ident) or ident in reserved:
            ident += "_"
        return ident

    def is_valid(name: str) -> bool:
        return name.isidentifier() and name.isascii() and convert(name) == name

    return unique(names, convert=convert, is_valid=is_valid, max_len=MADE_LEN)


def free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... whichever is not ``taken``; then it is taken."""
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def readable(name: str, function: str | None, outputs: Iterable[str] = (), inputs: Iterable[str] = ()) -> str:
    """A node's name as a task's: Kedro's name for an unnamed node without its hash.

    Kedro names a node that was given no name ``<function>__<8 hex digits>`` (``partial(f)`` for
    a partial, ``<lambda>`` for a lambda). That hash changes with the node's inputs and outputs,
    so it is dropped: ``split_data__3c1a939c`` is ``split_data``, a lambda writing ``cleaned`` is
    ``lambda_to_cleaned``. Every other name is returned as it is.
    """
    found = _KEDRO_AUTO_NAME.fullmatch(name)
    base = found["function"] if found else None
    partial = base is not None and base.startswith("partial(") and base.endswith(")")
    if function is None or base != function and not (partial and function == "<partial>"):
        return name
    if partial:
        base = base[len("partial(") : -1]
    if base == "<lambda>":
        datasets = [*(("to", d) for d in outputs), *(("from", d) for d in inputs)]
        if not datasets:
            return "lambda"
        direction, dataset = datasets[0]
        return f"lambda_{direction}_{dataset.split('@', 1)[0].rsplit('.', 1)[-1]}"
    return base


def joined(first: str, last: str) -> str:
    """``<first>_to_<last>``, at most ``MADE_LEN`` long, each side cut between words (``_``).

    When a side has ``_to_`` in it, the separator takes one more ``_`` on each side until
    neither side has it (``a_to_b__to__c``), so the name still says where one node ends.
    """
    separator = "_to_"
    while separator in first or separator in last:
        separator = f"_{separator}_"
    room = MADE_LEN - len(separator)
    if len(first) + len(last) <= room:
        return f"{first}{separator}{last}"
    head = _cut(first, min(len(first), max(room // 2, room - len(last))))
    return f"{head}{separator}{_cut(last, room - len(head))}"


def _cut(name: str, length: int) -> str:
    """``name`` cut to at most ``length`` between words; mid-word only if its first word is longer."""
    if len(name) <= length:
        return name
    end = name.rfind("_", 1, length + 1)
    return name[:end] if end > 0 else name[:length]


def dag_id(package_name: str, pipeline: str) -> str:
    """The DAG id of a pipeline: the package name for ``__default__``, else both joined by ``_``.

    Only ASCII letters, digits and ``_``, so that it also serves as the file's name; a name that
    had to change gets a hash of the original, so two pipelines never share an id.
    """
    original = package_name if pipeline == "__default__" else f"{package_name}_{pipeline}"
    candidate = _fold(original, r"[^A-Za-z0-9_]")[:199]
    if candidate != original:
        candidate = _with_hash(candidate, original, 199)
    return "_" + candidate if candidate[0].isdigit() else candidate


def task_group_name(dag_id: str) -> str:
    """A pipeline's task group (``--as task-group``): its function, its group id and its module's
    name; a valid group id, as dag ids are valid file names (with a hash when it had to be cut)."""
    name = f"{dag_id}_group"
    return name if GROUP_ID_RE.match(name) else _with_hash(name, dag_id, 200)


def namespace_of(node: NodeSpec) -> tuple[str, ...]:
    return tuple(node.namespace.split(".")) if node.namespace else ()


def common_namespace(nodes: Iterable[NodeSpec]) -> tuple[str, ...]:
    return tuple(os.path.commonprefix([namespace_of(n) for n in nodes]))


def scoped_task_ids(
    tasks: Mapping[Hashable, Sequence[NodeSpec]],
    namespaces: Mapping[Hashable, tuple[str, ...]],
    group_by: GroupBy,
) -> tuple[dict[Hashable, tuple[str, tuple[str, ...]]], tuple[GroupPlan, ...]]:
    """Task ids and task groups, unique within each group, for tasks given as their nodes.

    ``tasks``: each task's nodes in their own dependency order (ties by name); ``namespaces``:
    the Kedro namespace each task goes in (``()``: the DAG itself). Returns
    ``{task: (task_id, group ids)}`` and the groups, parents first.
    """
    raw_paths = sorted({g[:i] for g in namespaces.values() for i in range(1, len(g) + 1)})
    ids: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}
    children: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for raw in raw_paths:
        children[raw[:-1]].append(raw[-1])
    for raw in raw_paths:  # parents come first in sorted order
        ids[raw] = (*ids[raw[:-1]], group_ids(children[raw[:-1]])[raw[-1]])

    by_scope: dict[tuple[str, ...], list] = defaultdict(list)
    for key in tasks:
        by_scope[namespaces[key]].append(key)
    result = {}
    for raw_scope, keys in by_scope.items():
        scope = ids[raw_scope]
        raw_labels = _distinct({k: _raw_label(tasks[k], raw_scope, group_by) for k in keys}, tasks)
        prefix = ".".join(scope)
        labels = task_ids(
            raw_labels.values(),
            max_len=250 - len(prefix) - bool(prefix),
            taken=[ids[(*raw_scope, c)][-1] for c in children[raw_scope]],
        )
        for k in keys:
            label = labels[raw_labels[k]]
            result[k] = (f"{prefix}.{label}" if prefix else label, scope)
    groups = sorted(
        (GroupPlan(path=ids[raw], namespace=".".join(raw)) for raw in raw_paths), key=lambda g: g.path
    )
    return result, tuple(groups)


def _local(node: NodeSpec, raw_group: tuple[str, ...]) -> str:
    prefix = ".".join(raw_group) + "."
    return node.name[len(prefix) :] if raw_group and node.name.startswith(prefix) else node.name


def _readable(node: NodeSpec, raw_group: tuple[str, ...]) -> str:
    """The node's name within the task group, without the hash Kedro gives unnamed nodes."""
    local = _local(node, raw_group)
    short = _local(node, namespace_of(node))
    if not local.endswith(short):
        return local
    name = readable(short, node.func_name, node.outputs, node.inputs)
    return local[: len(local) - len(short)] + name


def _raw_label(nodes: Sequence[NodeSpec], raw_group: tuple[str, ...], group_by: GroupBy) -> str:
    """A task's name before validation: its node's, its namespace's, or ``<first>_to_<last>``.

    For several nodes, first and last are those of the task's own nodes in their dependency
    order (ties by name), so the name changes only when the task's nodes do; each is the node's
    short name (no namespace: a dot would read as a task group) and the whole is at most
    ``MADE_LEN`` characters long.
    """
    top_namespaces = {n.namespace.split(".")[0] for n in nodes if n.namespace}
    if group_by is GroupBy.NAMESPACE and len(top_namespaces) == 1:
        return top_namespaces.pop()
    if len(nodes) == 1:
        return _readable(nodes[0], raw_group)
    first, last = (_readable(nodes[i], raw_group).rsplit(".", 1)[-1] for i in (0, -1))
    return joined(first, last)


def _distinct(raw_labels: dict, tasks: Mapping[Hashable, Sequence[NodeSpec]]) -> dict:
    """Make equal raw labels distinct with a hash of the task's node names."""
    counts = Counter(raw_labels.values())
    room = MADE_LEN - 7  # "_" and the hash
    return {
        k: label
        if counts[label] == 1
        else f"{_cut(label, room)}_{short_hash(chr(0).join(sorted(n.name for n in tasks[k])))}"
        for k, label in raw_labels.items()
    }
