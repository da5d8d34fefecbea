"""Daily report on orders and revenue across regions."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
