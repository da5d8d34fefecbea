"""A DAG run's ``conf`` as Kedro runtime parameters, limited to the parameters a project declares.

Triggering a DAG must not steer anything but parameters: a key the project does not declare in
its parameters (``conf/<env>/parameters*.yml``) fails the task before Kedro runs. Keys are nested
objects or dotted paths (``{"model_options": {"test_size": 0.3}}`` or ``{"model_options.test_size":
0.3}``), as ``kedro run --params model_options.test_size=0.3``.
"""

from __future__ import annotations

from typing import Any


class UndeclaredParameterError(ValueError):
    """The run's conf names parameters the project does not have."""


def runtime_params(conf: dict[str, Any], declared: dict[str, Any]) -> dict[str, Any]:
    """``conf`` nested as Kedro merges runtime parameters; raises for any undeclared key."""
    nested = nest(conf)
    unknown = [".".join(path) for path in leaf_paths(nested) if not _declares(declared, path)]
    if unknown:
        names = ", ".join(repr(name) for name in sorted(unknown))
        known = ", ".join(sorted(declared)) or "none"
        raise UndeclaredParameterError(
            f"The DAG run's conf sets {names}, which the project does not declare as parameters "
            f"(it declares: {known}): trigger the run with declared parameters only, or declare "
            "them in conf/<env>/parameters.yml."
        )
    return nested


def nest(conf: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested dictionaries, merged with nested ones."""
    result: dict[str, Any] = {}
    for key, value in conf.items():
        *parents, last = str(key).split(".")
        target = result
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise UndeclaredParameterError(f"The DAG run's conf sets {key!r} and a value above it.")
        if isinstance(value, dict) and isinstance(target.get(last), dict):
            target[last] = {**target[last], **nest(value)}
        else:
            target[last] = nest(value) if isinstance(value, dict) else value
    return result


def leaf_paths(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths to the values that are not non-empty dictionaries."""
    paths = []
    for key, value in tree.items():
        path = (*prefix, key)
        paths.extend(leaf_paths(value, path) if isinstance(value, dict) and value else [path])
    return paths


def _declares(declared: Any, path: tuple[str, ...]) -> bool:
    for part in path:
        if not isinstance(declared, dict):
            return True  # overriding a declared value as a whole
        if part not in declared:
            return False
        declared = declared[part]
    return True
