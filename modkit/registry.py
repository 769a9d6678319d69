"""A small plug-in registry, and the registries modkit keeps.

Built-in plug-ins register themselves when their module is imported; third-party
ones arrive through the entry-point groups ``modkit.page_formats`` and
``modkit.scorers``, loaded lazily and once. Tests switch external loading off
with ``MODKIT_NO_PLUGINS=1``.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import logging
import os
from collections.abc import Callable
from typing import Generic, TypeVar

from modkit.errors import UnknownPluginError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Registry(Generic[T]):
    """Named plug-ins of one kind.

    Examples
    --------
    >>> r = Registry("demo", group=None)
    >>> @r.register
    ... class Hello:
    ...     name = "hello"
    >>> r.names()
    ['hello']
    >>> r.get("helo")
    Traceback (most recent call last):
    ...
    modkit.errors.UnknownPluginError: Unknown demo 'helo'; did you mean 'hello'? choose one of: hello.
    """

    def __init__(self, kind: str, group: str | None, builtins: Callable[[], None] | None = None,
                 instantiate: bool = True):
        self.kind = kind
        self.instantiate = instantiate
        self.group = group
        self._builtins = builtins
        self._items: dict[str, T] = {}
        self._loaded = False

    def register(self, obj: T) -> T:
        """Register a plug-in (usable as a class decorator).

        Classes are instantiated when the registry holds instances (page formats),
        kept as classes when it holds factories (scorers, built with options).
        """
        name = getattr(obj, "name", None)
        if not name:
            raise ValueError(f"{obj!r} has no name")
        self._items[name] = obj() if self.instantiate and isinstance(obj, type) else obj
        return obj

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self._builtins is not None:
            self._builtins()
        if self.group is None or os.environ.get("MODKIT_NO_PLUGINS"):
            return
        for ep in importlib.metadata.entry_points(group=self.group):
            try:
                self.register(ep.load())
            except Exception as exc:  # a broken plug-in must not break modkit
                log.warning("could not load %s plug-in %s: %s", self.kind, ep.name, exc)

    def get(self, name: str) -> T:
        """The plug-in called ``name``; :class:`UnknownPluginError` lists the valid names."""
        self._load()
        try:
            return self._items[name]
        except KeyError:
            raise UnknownPluginError(unknown_name(self.kind, name, self.names())) from None

    def names(self) -> list[str]:
        self._load()
        return sorted(self._items)

    def items(self) -> list[T]:
        self._load()
        return [self._items[n] for n in sorted(self._items)]


def _builtin_formats() -> None:
    import modkit.parse.formats  # noqa: F401  (registers the built-in formats)


page_formats: Registry = Registry("page format", "modkit.page_formats", _builtin_formats)


def _builtin_scorers() -> None:
    import modkit.score.scorers  # noqa: F401  (registers the built-in scorers)


#: Scorer *classes* by name (instantiated with options at use).
scorers: Registry = Registry("scorer", "modkit.scorers", _builtin_scorers, instantiate=False)


def unknown_name(kind: str, name: str, choices: list[str]) -> str:
    """The one-line message for a name that is not among ``choices``, with a suggestion when one is close.

    Examples
    --------
    >>> unknown_name("scorer", "lit", ["conspiracy", "lite"])
    "Unknown scorer 'lit'; did you mean 'lite'? choose one of: conspiracy, lite."
    """
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    hint = f" did you mean {close[0]!r}?" if close else ""
    return f"Unknown {kind} {name!r};{hint} choose one of: {', '.join(choices)}."
