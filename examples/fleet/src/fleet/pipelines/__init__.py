"""Modular pipelines of the fleet project."""
