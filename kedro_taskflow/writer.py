"""Put generated files on disk atomically, or tell how they differ from what is there."""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from pathlib import Path

from kedro_taskflow.errors import TARGET_DIR, UsageError


def read(path: Path) -> str | None:
    """The file's text as its bytes are (a byte order mark, ``\r\n``), or None if there is no file."""
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return f.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def changed(files: dict[Path, str]) -> list[Path]:
    """The files whose text on disk differs from the generated text (missing ones included)."""
    return [path for path, text in files.items() if read(path) != text]


def unified_diff(files: dict[Path, str], folder: Path) -> str:
    """What writing ``files`` would change, each named by its path in ``folder`` (``a/fleet.py``)."""
    return "".join(
        "".join(
            difflib.unified_diff(
                (read(path) or "").splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"a/{path.relative_to(folder).as_posix()}" if path.exists() else "/dev/null",
                tofile=f"b/{path.relative_to(folder).as_posix()}",
            )
        )
        for path, text in files.items()
    )


def write(files: dict[Path, str]) -> list[Path]:
    """Write the changed files; each appears whole or not at all, and all are staged first."""
    todo = changed(files)
    refuse_in_the_way(todo)
    staged: list[tuple[str, Path]] = []
    try:
        for path in todo:
            path.parent.mkdir(exist_ok=True)  # the bases' folder
            staged.append((_stage(path, files[path]), path))
        for temp, path in staged:
            os.replace(temp, path)
    except OSError as exc:
        for temp, _ in staged:
            _discard(temp)
        raise UsageError(f"Cannot write {exc.filename or 'the target'}: {exc.strerror or exc}.") from exc
    return todo


def refuse_in_the_way(paths: list[Path]) -> None:
    """Nothing but a file (or nothing) where each of ``paths`` goes."""
    for path in paths:
        if path.exists() and not path.is_file():
            raise UsageError(f"Cannot write {path}: something that is not a file is in the way; move it.")


def check_dir(target: Path) -> None:
    """``target`` is a folder, or nothing yet: before anything is read from it or written."""
    if target.exists() and not target.is_dir():
        raise UsageError(f"Target {target} is a file, not a folder: pass another ", TARGET_DIR, ".")


def prepare_dir(target: Path) -> None:
    """Make sure ``target`` is a writable folder before anything is written."""
    check_dir(target)
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=target):
            pass
    except OSError as exc:
        raise UsageError(
            f"Target {target} is not writable ({exc.strerror or exc}): pass another ", TARGET_DIR, "."
        ) from exc


def _stage(path: Path, text: str) -> str:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, _mode(path))
    except OSError:
        _discard(temp)
        raise
    return temp


def _mode(path: Path) -> int:
    """Keep an existing file's mode; give a new one what ``open`` would (0o666 less the umask)."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _discard(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
