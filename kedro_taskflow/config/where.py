"""Where in airflow.yml a problem is: the file and the dotted path, and the one line that says so."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kedro_taskflow.errors import Option, UsageError

DEFAULT_FILE = "conf/base/airflow.yml"  # named in errors when the reader could not tell the file


@dataclass(frozen=True)
class Where:
    """A place in airflow.yml: ``conf/local/airflow.yml`` and ``regions.tasks."tag:ingest".pool``."""

    file: str
    path: str

    @classmethod
    def section(cls, files: Mapping[str, str], name: str) -> Where:
        """Section ``name``, in the file that sets it (else the first file, else the base file)."""
        return cls(files.get(name) or next(iter(files.values()), DEFAULT_FILE), name)

    def at(self, key: str) -> Where:
        shown = key if re.fullmatch(r"\w+", key) else f'"{key}"'
        return Where(self.file, f"{self.path}.{shown}")

    def error(self, problem: str, *fix: str | Option) -> UsageError:
        """``<file>: <path> <problem>: <fix>.``; the fix may name options, spelled by each front end."""
        end = "" if isinstance(fix[-1], str) and fix[-1].endswith("?") else "."
        return UsageError(f"{self.file}: {self.path} {problem}: ", *fix, end)


def did_you_mean(key: str, known: Sequence[str], what: str) -> str:
    """The closest of ``known``, or all of them: ``did you mean 'pool'?``, ``known keys are: ...``."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"{what}: {', '.join(known)}"
