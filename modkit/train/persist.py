"""Model files: skops archives (never pickle) with a JSON metadata header.

A model file is a skops archive of a dict ``{"model": estimator, "meta": {...}}``.
Loading first bounds the archive (its members' unpacked sizes, read from the zip
directory before anything is inflated), then lets skops build only what skops
itself trusts (NumPy, SciPy and scikit-learn types, plain containers) plus the
exact types modkit's own model files contain, :data:`TRUSTED_TYPES`. Anything else
(``builtins.exec``, ``builtins.eval``, ``builtins.open``, any other callable or
class) is refused with one line naming it, so a model file from an untrusted
source cannot run code on load.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from modkit.errors import ModkitError

#: The types beyond skops' own trusted set that modkit's model files contain: the embedded
#: models, and what ``modkit train`` writes for each family (tests/test_model_files.py derives
#: this list from the shipped files and freshly trained models, so it cannot drift).
TRUSTED_TYPES = frozenset({
    "modkit.score.lite_model.LiteToxicityModel",
    "modkit.score.profanity_svm.ProfanitySVM",
    "modkit.score.conspiracy_model.ConspiracyModel",
    "modkit.train.lite.LiteToxicityClassifier",
    "modkit.train.lite.ProfanityCheckReference",
    "modkit.train.lite.ToxBlockReference",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
})
#: Largest unpacked size of a model file's members, all together: the shipped models unpack to
#: about 20 MB; a file claiming more is refused before anything is inflated.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
#: Largest unpacked ``schema.json``, which skops parses whole into Python objects (~10x its size).
MAX_SCHEMA_BYTES = 64 * 1024 * 1024


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


def check_archive(path: Path) -> None:
    """Refuse a model file whose zip directory promises too much unpacked data (a zip bomb).

    The sizes come from the zip's central directory, and zipfile stops reading a member
    at its declared size, so nothing larger than promised is ever inflated.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModkitError(f"{path}: not a modkit model file ({type(exc).__name__}: {exc})") from None
    total = sum(m.file_size for m in members)
    schema = sum(m.file_size for m in members if m.filename == "schema.json")
    if total > MAX_UNPACKED_BYTES or schema > MAX_SCHEMA_BYTES:
        raise UntrustedModelError(f"{path}: refusing a model file that unpacks to {total / 2**20:.0f} MiB "
                                  f"(schema {schema / 2**20:.0f} MiB; limits {MAX_UNPACKED_BYTES // 2**20} MiB and "
                                  f"{MAX_SCHEMA_BYTES // 2**20} MiB)")


def load_model(path: str | Path) -> tuple[Any, dict]:
    """Load a model file written by :func:`save_model`; returns ``(model, meta)``.

    Raises
    ------
    UntrustedModelError
        If the file would build types outside skops' trusted set and :data:`TRUSTED_TYPES`,
        or unpacks to more than :data:`MAX_UNPACKED_BYTES`.
    ModkitError
        If the file is missing or not a skops archive.
    """
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ModkitError(f"{path}: model file not found")
    check_archive(path)
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModkitError(f"{path}: not a modkit model file ({type(exc).__name__}: {exc})") from None
    refused = [t for t in untrusted if t not in TRUSTED_TYPES]
    if refused:
        raise UntrustedModelError(f"{path}: refusing to load untrusted types: {', '.join(sorted(refused))}")
    try:
        obj = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModkitError(f"{path}: cannot load model ({type(exc).__name__}: {exc})") from None
    if not isinstance(obj, dict) or "model" not in obj:
        raise ModkitError(f"{path}: not a modkit model file (no 'model' entry)")
    return obj["model"], obj.get("meta", {})
