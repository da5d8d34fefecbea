"""Versioned datasets within one DAG run: load what this run saved, replace what a re-run saves.

Every task of a DAG run saves under the run's version. A task loads a versioned input at that
version when this run has saved it (its producer ran upstream), and otherwise the latest version,
as ``kedro run`` does. A task that runs again in the same DAG run (a retry, or a cleared task)
first removes what it saved there before, so that its new outputs take their place.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

logger = logging.getLogger(__name__)


def load_versions(catalog: Any, inputs: set[str], version: str) -> dict[str, str]:
    """The inputs this run has saved, pinned to the run's version."""
    return {name: version for name in sorted(inputs) if _saved_at(catalog, name, version)}


def remove_earlier_attempt(catalog: Any, outputs: set[str], version: str) -> None:
    """Remove what an earlier attempt of this task saved under the run's version."""
    for name in sorted(outputs):
        path = _saved_at(catalog, name, version)
        if path:
            logger.info("Replacing dataset %r of version %s, saved by an earlier attempt.", name, version)
            _remove(catalog.get(name), str(PurePosixPath(path).parent))


def _saved_at(catalog: Any, name: str, version: str) -> str | None:
    """The path of ``name`` at ``version``, if it is a versioned dataset saved at that version."""
    from kedro.io import AbstractVersionedDataset
    from kedro.io.core import VersionNotFoundError

    dataset = catalog.get(name)
    if not isinstance(dataset, AbstractVersionedDataset):
        return None
    try:
        paths = dataset.list_versions(full_path=True)
    except VersionNotFoundError:
        return None
    return next((p for p in paths if PurePosixPath(p).parent.name == version), None)


def _remove(dataset: Any, folder: str) -> None:
    filesystem = getattr(dataset, "_fs", None)  # fsspec datasets (kedro-datasets) carry their own
    if filesystem is not None:
        filesystem.rm(folder, recursive=True)
    else:
        shutil.rmtree(Path(folder))
