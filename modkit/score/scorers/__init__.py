"""Built-in scorers: one module per scorer, each registering itself on import.

Modules whose optional dependencies are missing (torch, detoxify) still import:
they defer those imports to the moment the scorer is used.
"""

import importlib
import pkgutil

for _mod in pkgutil.iter_modules(__path__):
    if not _mod.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_mod.name}")
