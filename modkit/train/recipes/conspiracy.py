"""Recipe: train the embedded conspiracy-framing model with ``modkit.train`` and measure it.

Run from the repository root (``make models`` runs every recipe)::

    python -m modkit.train.recipes.conspiracy [--data PATH] [--out PATH] [--folds 5]

It reads the PAN 2024 English oppositional-thinking data (499 Telegram texts,
CONSPIRACY vs CRITICAL) from ``../shared/datasets``, undoes its tokenisation,
and calls :func:`modkit.train.train`, the function behind ``modkit train``, with
``model="conspiracy"`` (word TF-IDF stacked with the cue counts) and the
max-MCC threshold rule. That is the same as::

    modkit train pan.csv --target conspiracy --features text --model conspiracy \
        --threshold-rule mcc --compare tfidf -o modkit/score/models/conspiracy.skops

on the detokenised table. ``train`` cross-validates the model and, on the same
folds, the plain ``tfidf`` family; fits the final model on all rows; and the
recipe writes ``modkit/score/models/conspiracy.skops`` with its model card
(``conspiracy.md``), then prints the seed replies the model scores highest.

Everything is seeded; two runs write the same model and print the same numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from modkit.train.trainer import TrainedModel, train

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "datasets" / "conspiracy" / "pan2024_en" / "dev.json"
OUT = ROOT / "modkit" / "score" / "models" / "conspiracy.skops"
SEEDS = ROOT / "seeds"
SEED = 20240
N_FOLDS = 5
#: Replies printed from the seed pages for a reader to check.
SHOW_TOP = 10

# The PAN texts come spaCy-tokenised ("do n't", "https :// www . x . com"); news comments do not.
# Undoing the spacing keeps the n-grams the model learns close to how people type.
_URL_SPACED = re.compile(r"\b(https?)\s*:\s*//\s*((?:[\w%~+]+\s*[./\-?=&#_:]\s*)*[\w%~+/]*)", re.I)
_CONTRACTION = re.compile(r"\s+(n['’]t|['’](?:s|re|ve|ll|d|m))\b", re.I)
_SPACE_BEFORE = re.compile(r"\s+([.,!?;:%)\]}”’])")
_SPACE_AFTER = re.compile(r"([(\[{“‘#@])\s+")


def detokenise(text: str) -> str:
    """Undo spaCy's spacing in a PAN text.

    Examples
    --------
    >>> detokenise("They do n't know . See https :// www . x . com / a - b")
    "They don't know. See https://www.x.com/a-b"
    """
    text = _URL_SPACED.sub(lambda m: m.group(1) + "://" + re.sub(r"\s+", "", m.group(2)), text)
    text = _CONTRACTION.sub(r"\1", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    return _SPACE_AFTER.sub(r"\1", text).strip()


def load_pan(path: Path = DATA) -> pd.DataFrame:
    """The PAN texts (detokenised) as a training table: ``id``, ``text``, ``conspiracy`` (1 = CONSPIRACY)."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return pd.DataFrame({"id": [str(r.get("id", i)) for i, r in enumerate(rows)],
                         "text": [detokenise(r["text"]) for r in rows],
                         "conspiracy": [int(r["category"] == "CONSPIRACY") for r in rows]})


def fit(data: pd.DataFrame, folds: int = N_FOLDS, n_boot: int = 1000, compare: tuple[str, ...] = ("tfidf",)):
    """``modkit.train.train`` with the recipe's settings; returns ``(TrainedModel, Report)``."""
    return train(data, "conspiracy", features=("text",), model="conspiracy", compare=compare,
                 threshold_rule="mcc", n_folds=folds, n_boot=n_boot, name="conspiracy", seed=SEED,
                 data_name="PAN 2024 oppositional thinking analysis, English dev set (Telegram texts)")


def seed_replies() -> list[tuple[str, str | None]]:
    """(text, parent text) of every reply on the seed pages."""
    import modkit

    frame = modkit.parse(str(SEEDS))
    by_id = dict(zip(frame["comment_id"], frame["text"]))
    return [(t or "", by_id.get(p) if p else None) for t, p in zip(frame["text"], frame["parent_id"])]


def review_seeds(trained: TrainedModel) -> None:
    """Print the seed replies the model scores highest and those it flags, with their cues."""
    import pandas as pd

    from modkit.score.cues import find_cues

    replies = seed_replies()
    frame = pd.DataFrame({"text": [t for t, _ in replies], "parent_text": [p for _, p in replies]})
    proba = trained.predict_proba(frame)
    order = np.argsort(-proba)
    flagged = int((proba >= trained.threshold).sum())
    print(f"\nseed replies: {len(frame)}, flagged at {trained.threshold:.3f}: {flagged}")
    for i in order[:max(SHOW_TOP, flagged)]:
        mark = "FLAG" if proba[i] >= trained.threshold else "    "
        cues = [(c.kind, c.text) for c in find_cues(frame.text[i])]
        print(f"{mark} {proba[i]:.3f} {frame.text[i][:110]!r}\n           cues: {cues}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m modkit.train.recipes.conspiracy",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="PAN 2024 English dev.json")
    parser.add_argument("--out", type=Path, default=OUT, help="model file to write (the card goes beside it)")
    parser.add_argument("--folds", type=int, default=N_FOLDS, help="cross-validation folds")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples of the intervals")
    parser.add_argument("--no-seeds", action="store_true", help="skip the seed review")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        sys.exit(f"PAN data not found at {args.data}")
    t0 = time.perf_counter()
    trained, report = fit(load_pan(args.data), args.folds, args.bootstrap)
    trained.meta |= {"recipe": "python -m modkit.train.recipes.conspiracy",
                     "usage": "modkit score ... --conspiracy conspiracy", "sources": [
        "PAN 2024 oppositional thinking analysis (Korenčić et al.), English dev set, conspiracy/pan2024_en/dev.json: "
        "Telegram texts labelled CONSPIRACY or CRITICAL; CC BY-SA 4.0. Texts detokenised by the recipe."]}
    path = trained.save(args.out, report)
    print(report.to_markdown())
    print(json.dumps({"model": str(path), "bytes": path.stat().st_size, "threshold": round(trained.threshold, 4),
                      "seconds": round(time.perf_counter() - t0, 1)}))
    if not args.no_seeds:
        review_seeds(trained)
    return trained.meta


if __name__ == "__main__":
    main()
