"""Model files: skops archives (never pickle) with a JSON metadata header.

A model file is a skops archive of a dict ``{"model": estimator, "meta": {...}}``.
Loading checks every type the archive would build against a trust list
(scikit-learn, NumPy, SciPy and modkit's own classes); anything else is refused
with a message naming the types, so a model file from an untrusted source cannot
run code on load.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from modkit.errors import ModkitError

#: Module prefixes whose types a model file may contain.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "modkit.", "builtins.", "collections.",
                    "_operator.", "operator.")


class UntrustedModelError(ModkitError, ValueError):
    """A model file contains types outside the trust list."""


def save_model(model: Any, path: str | Path, meta: dict | None = None) -> Path:
    """Write ``model`` and its metadata to a skops file.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.linear_model import LogisticRegression
    >>> p = save_model(LogisticRegression(), os.path.join(tempfile.mkdtemp(), "m.skops"), {"v": 1})
    >>> load_model(p)[1]
    {'v': 1}
    """
    import skops.io as sio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # Deflate: TF-IDF vocabularies and coefficient arrays shrink ~30x, keeping shipped models small.
    sio.dump({"model": model, "meta": dict(meta or {})}, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    tmp.replace(path)
    return path


def load_model(path: str | Path) -> tuple[Any, dict]:
    """Load a model file written by :func:`save_model`; returns ``(model, meta)``.

    Raises
    ------
    UntrustedModelError
        If the file would build types outside :data:`TRUSTED_PREFIXES`.
    ModkitError
        If the file is missing or not a skops archive.
    """
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ModkitError(f"{path}: model file not found")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModkitError(f"{path}: not a modkit model file ({type(exc).__name__}: {exc})") from None
    refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise UntrustedModelError(f"{path}: refusing to load untrusted types: {', '.join(sorted(refused))}")
    try:
        obj = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModkitError(f"{path}: cannot load model ({type(exc).__name__}: {exc})") from None
    if not isinstance(obj, dict) or "model" not in obj:
        raise ModkitError(f"{path}: not a modkit model file (no 'model' entry)")
    return obj["model"], obj.get("meta", {})
