"""Which evaluation rows a model was trained on: hashes of the training texts, kept with the model.

Evaluating a model on its own training rows overstates it (``modkit evaluate lite gn.csv``
once reported ROC AUC 0.995 because ``lite`` had learned gn.csv). :func:`train` stores an
8-byte hash of every text it fitted on in the model file's metadata, and the recipes of the
embedded models store theirs in ``modkit/score/models/training_hashes.npz``;
:func:`modkit.train.evaluate` counts the evaluation texts among them and says so.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

#: The embedded models' training-text hashes, written by ``python -m modkit.train.recipes.training_hashes``.
EMBEDDED = Path(__file__).resolve().parents[1] / "score" / "models" / "training_hashes.npz"
_SPACE = re.compile(r"\s+")


def text_hashes(texts: Iterable[str]) -> np.ndarray:
    """Sorted unique 8-byte hashes of the texts, after case and whitespace are normalised.

    Examples
    --------
    >>> a = text_hashes(["You  idiot", "hello"])
    >>> len(a), bool(np.isin(text_hashes(["you idiot"]), a).all())
    (2, True)
    """
    keys = {_SPACE.sub(" ", str(t)).strip().casefold() for t in texts}
    out = np.fromiter((int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "little")
                       for k in keys if k), dtype=np.uint64)
    return np.unique(out)


def encode(hashes: np.ndarray) -> str:
    """The hashes as one base64 string (for a model file's metadata).

    Examples
    --------
    >>> h = text_hashes(["a", "b"])
    >>> bool((decode(encode(h)) == h).all())
    True
    """
    return base64.b64encode(np.asarray(hashes, dtype="<u8").tobytes()).decode("ascii")


def decode(text: str) -> np.ndarray:
    """Hashes back from :func:`encode`'s string."""
    return np.frombuffer(base64.b64decode(text), dtype="<u8").astype(np.uint64)


@lru_cache(maxsize=1)
def embedded_hashes() -> dict[str, np.ndarray]:
    """``{"lite": ..., "conspiracy": ...}``: what the embedded models were trained on (empty if not built)."""
    if not EMBEDDED.is_file():
        return {}
    with np.load(EMBEDDED, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def seen_share(texts: Iterable[str], known: np.ndarray) -> tuple[int, int]:
    """``(seen, total)``: how many of the distinct texts are among the ``known`` training hashes.

    Examples
    --------
    >>> seen_share(["hello", "new text"], text_hashes(["Hello"]))
    (1, 2)
    """
    mine = text_hashes(texts)
    return int(np.isin(mine, known).sum()), int(len(mine))


def overlap_note(texts: Iterable[str], known: np.ndarray | None, model: str) -> str | None:
    """A warning when evaluation texts were training texts of ``model``, else ``None``."""
    if known is None or not len(known):
        return None
    seen, total = seen_share(texts, known)
    if not seen:
        return None
    return (f"Warning: {seen} of {total} evaluation texts ({seen / total:.0%}) were in {model}'s training data; "
            "these numbers overstate how it does on new text. Evaluate on rows it never saw.")
