"""Generate one region's orders, then fit and score a price model on them."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
