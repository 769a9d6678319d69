"""Recipe: hashes of the texts the embedded models were trained on (``modkit/score/models/training_hashes.npz``).

Run from the repository root (``make models`` runs it after the model recipes)::

    python -m modkit.train.recipes.training_hashes

It reads the same rows as the ``lite_toxicity`` and ``conspiracy`` recipes (measured and
auxiliary) and stores each model's sorted 8-byte text hashes, so that ``modkit evaluate``
warns when it is shown rows the embedded model learned (:mod:`modkit.train.overlap`).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from modkit.train.overlap import EMBEDDED, text_hashes


def lite_texts() -> list[str]:
    """Every text the ``lite`` recipe trains on."""
    from modkit.train.recipes import lite_toxicity as lite

    parts = [lite.load_sources()["text"], lite.load_tweets()["text"], lite.load_civil()["text"]]
    return pd.concat(parts, ignore_index=True).astype(str).tolist()


def conspiracy_texts() -> list[str]:
    """Every text the ``conspiracy`` recipe trains on (the held-out ordinary replies excluded)."""
    from modkit.train.recipes import conspiracy as con

    ordinary, _ = con.split_ordinary(con.load_ordinary())
    parts = [con.load_pan_train()["text"], con.load_pan()["text"], con.load_covid()["text"], ordinary["text"]]
    return pd.concat(parts, ignore_index=True).astype(str).tolist()


def main() -> int:
    from modkit.train.recipes.conspiracy import SHARED

    if not SHARED.exists():
        print(f"{SHARED} not found: this recipe needs ../shared/datasets", file=sys.stderr)
        return 1
    hashes = {"lite": text_hashes(lite_texts()), "conspiracy": text_hashes(conspiracy_texts())}
    np.savez_compressed(EMBEDDED, **hashes)
    print({k: len(v) for k, v in hashes.items()}, EMBEDDED.stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
