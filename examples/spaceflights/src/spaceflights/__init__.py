"""Spaceflights: a small Kedro example project."""

__version__ = "0.1.0"
