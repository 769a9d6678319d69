"""Built-in scorers: one module per scorer, each registering itself on import.

Modules whose optional dependencies are missing (torch, detoxify) still import:
they defer those imports to the moment the scorer is used.
"""

import importlib
import logging
import pkgutil

_log = logging.getLogger(__name__)

for _mod in pkgutil.iter_modules(__path__):
    if not _mod.name.startswith("_"):
        try:
            importlib.import_module(f"{__name__}.{_mod.name}")
        except Exception as exc:  # one broken module must not take every scorer down with it
            _log.warning("scorer module %s failed to load: %s", _mod.name, exc)
