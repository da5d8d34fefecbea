"""Turn the raw company, shuttle and review data into a model input table."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
