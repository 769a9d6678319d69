"""Stage packages that are also their verb: ``modkit.score(df)`` calls ``modkit.score.score``."""

from __future__ import annotations

import inspect
import sys
import types


class _Stage(types.ModuleType):
    """A module whose call runs the function of the same name inside it.

    Binding the function to the package's name would hide the package from
    ``import modkit.score as stage`` (which resolves through the attribute), so the
    package itself becomes callable instead.
    """

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__name__.rpartition(".")[2])(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        # help(), Jupyter tooltips and IDEs read this: the verb's own parameters, not (*args, **kwargs)
        return inspect.signature(getattr(self, self.__name__.rpartition(".")[2]))


def make_callable(module_name: str) -> None:
    """Make the (already imported) package ``module_name`` callable as its own verb.

    Each stage package calls this at the end of its ``__init__``, so the package is
    callable however it was first imported (``import modkit.score`` or ``modkit.score``).

    Examples
    --------
    >>> import modkit.train
    >>> callable(modkit.train) and "data" in inspect.signature(modkit.train).parameters
    True
    """
    sys.modules[module_name].__class__ = _Stage
