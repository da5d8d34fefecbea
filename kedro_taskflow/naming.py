"""Valid, unique and stable Airflow ids, Python names and file names for Kedro names.

A name that is already valid is kept as it is. Any other is folded to ASCII and its invalid
characters become ``_``; when that loses information and two names meet, the changed one gets a
short hash of the original, so names do not depend on the order in which they were seen. Names
made here (not a Kedro name kept as it is) are at most ``MADE_LEN`` characters long.
"""

from __future__ import annotations

import hashlib
import keyword
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

TASK_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")
GROUP_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
DAG_ID_RE = re.compile(r"^[A-Za-z0-9_]{1,200}$")

# Names the generated module binds itself; a task function must not shadow them.
RESERVED = frozenset(
    {"annotations", "dag", "task", "task_group", "pendulum", "Path", "project", "KedroProject"}
)

_HASH_LEN = 6
MADE_LEN = 50  # the longest task id, function name or label that we make up
_KEDRO_AUTO_NAME = re.compile(r"(?P<function>.+)__[0-9a-f]{8}")


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


def python_names(names: Iterable[str]) -> dict[str, str]:
    """Python function names for ids: identifiers, no keywords, nothing the module binds."""

    def convert(name: str) -> str:
        ident = _fold(name, r"[^A-Za-z0-9_]")
        if ident[0].isdigit():
            ident = "_" + ident
        if keyword.iskeyword(ident) or ident in RESERVED:
            ident += "_"
        return ident

    def is_valid(name: str) -> bool:
        return name.isidentifier() and name.isascii() and convert(name) == name

    return unique(names, convert=convert, is_valid=is_valid, max_len=MADE_LEN)


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
    """``<first>_to_<last>``, each side cut so that the whole is at most ``MADE_LEN`` long."""
    name = f"{first}_to_{last}"
    if len(name) <= MADE_LEN:
        return name
    room = MADE_LEN - len("_to_")
    head = min(len(first), max(room // 2, room - len(last)))
    return f"{first[:head]}_to_{last[: room - head]}"


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
