"""Fleet: a Kedro example project built from namespaced (modular) pipelines."""

__version__ = "0.1.0"
