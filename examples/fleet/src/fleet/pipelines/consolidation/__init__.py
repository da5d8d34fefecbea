"""Bring the regions' results together, outside any namespace."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
