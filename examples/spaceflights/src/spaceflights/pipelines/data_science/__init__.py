"""Split the model input table, fit a linear price model and evaluate it."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
