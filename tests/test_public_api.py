"""The public API as a data scientist meets it in help(), Jupyter tooltips and IDEs."""

from __future__ import annotations

import inspect

import pytest

import modkit

FUNCTIONS = [n for n in modkit.__all__ if callable(getattr(modkit, n)) and not inspect.isclass(getattr(modkit, n))]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_exported_function_has_named_parameters_and_an_example(name):
    obj = getattr(modkit, name)
    params = inspect.signature(obj).parameters.values()
    assert params, f"modkit.{name} takes nothing"
    assert not all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params), f"modkit.{name}(*args, **kwargs)"
    verb = getattr(obj, name, obj) if inspect.ismodule(obj) else obj  # a stage package: its verb
    doc = inspect.getdoc(verb) or ""
    assert ">>>" in doc, f"modkit.{name} has no docstring example"
