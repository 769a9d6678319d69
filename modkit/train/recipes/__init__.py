"""Reproducible training recipes: ``python -m modkit.train.recipes.<name>``."""
