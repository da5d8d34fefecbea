"""Read a project in a fresh interpreter and pickle its ProjectSpec, so that a test sees what one
read prints and warns, as a first read in a process does (Kedro warns once per import). When the
read fails, pickle "<exception type>: <first line>" of the project's error instead (the reader's
UsageError wraps it).

Usage: python read_spec.py reader|snapshot PROJECT ENV|- CONF_SOURCE|- OUT.pickle
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from kedro_taskflow.reader import read_project  # noqa: E402
from support.snapshot_oracle import snapshot_spec  # noqa: E402

if __name__ == "__main__":
    how, project, env, conf_source, out = (None if a == "-" else a for a in sys.argv[1:])
    read = read_project if how == "reader" else snapshot_spec
    try:
        spec = read(Path(project), env=env, conf_source=conf_source)
    except Exception as exc:
        error = exc.__cause__ if how == "reader" else exc
        spec = f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"
    Path(out).write_bytes(pickle.dumps(spec))
