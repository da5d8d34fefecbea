"""Generate Airflow TaskFlow DAGs from Kedro projects.

``kedro_taskflow.generate`` and ``kedro_taskflow.plan`` are the Python API (``kedro_taskflow.api``).
Importing this package stays light: generated DAGs import ``kedro_taskflow.runtime`` at parse
time, so the API is imported on first use.
"""

import importlib

__version__ = "0.1.0"
__all__ = ["generate", "plan"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module("kedro_taskflow.api"), name)
    raise AttributeError(f"module 'kedro_taskflow' has no attribute {name!r}")
