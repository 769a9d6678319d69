"""Built-in page formats: one module per format, each registering itself on import.

Adding a format means adding a module here that subclasses
:class:`modkit.parse.base.PageFormat` and decorates it with
``@page_formats.register``; every module in this package is imported when the
registry is first used.
"""

import importlib
import logging
import pkgutil

_log = logging.getLogger(__name__)

for _mod in pkgutil.iter_modules(__path__):
    if not _mod.name.startswith("_"):
        try:
            importlib.import_module(f"{__name__}.{_mod.name}")
        except Exception as exc:  # one broken module must not take every page format down with it
            _log.warning("page format module %s failed to load: %s", _mod.name, exc)
