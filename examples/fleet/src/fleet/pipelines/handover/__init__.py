"""Handover pipeline: the fleet sheet written as JSON and read back as text."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
