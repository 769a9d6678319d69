"""The single exception hierarchy of modkit.

Every error a user can cause derives from :class:`ModkitError`; the CLI catches
that one class, prints ``Error: <message>`` and exits with code 1. Each class
also subclasses the fitting builtin so existing ``except ValueError`` clauses
keep working.
"""

from __future__ import annotations


class ModkitError(Exception):
    """Root of all errors modkit raises on purpose."""


class ParseError(ModkitError, ValueError):
    """A page could not be read or parsed (names the file and the reason)."""


class SchemaError(ModkitError, ValueError):
    """A table or a thread breaks the data model (missing columns, cycles, ...)."""


class UnknownPluginError(ModkitError, LookupError):
    """A page format or scorer name is not registered."""


class ConfigError(ModkitError, ValueError):
    """A bad option value or combination."""
