"""Modular pipelines of the spaceflights project."""
