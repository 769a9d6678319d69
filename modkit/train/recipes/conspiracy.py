"""Recipe: train the embedded conspiracy-framing model and measure it honestly.

Run from the repository root::

    python -m modkit.train.recipes.conspiracy [--repeats 5] [--data PATH] [--out PATH]

It reads the PAN 2024 English oppositional-thinking data (499 Telegram texts,
CONSPIRACY vs CRITICAL) from ``../shared/datasets``, and

1. measures the model with repeated stratified 5-fold cross-validation: in
   every outer fold the model (text model, stacker, and its MCC-optimal
   threshold, all chosen on the training part only) scores the held-out
   part; beside it, in the same folds, the plain TF-IDF logistic regression
   baseline (scikit-learn defaults) and the ablations (text model alone,
   cues alone);
2. fits the final model on all 499 texts and writes
   ``modkit/score/models/conspiracy.skops`` with its metadata (version,
   data, CV metrics, recommended threshold);
3. scores the seed pages' replies and prints the highest-scoring ones and
   the ones flagged, for a reader to check.

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
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import matthews_corrcoef, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

from modkit.score.conspiracy_model import ConspiracyModel, cue_features, mcc_optimal_threshold
from modkit.train.persist import save_model

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "datasets" / "conspiracy" / "pan2024_en" / "dev.json"
OUT = ROOT / "modkit" / "score" / "models" / "conspiracy.skops"
SEEDS = ROOT / "seeds"
#: Bump when the features, the cues or the training data change: it keys score caches.
MODEL_VERSION = "1.0"
SEED = 20240
N_SPLITS = 5
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


def load_pan(path: Path = DATA) -> tuple[list[str], np.ndarray]:
    """The PAN texts (detokenised) and labels (1 = CONSPIRACY)."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return [detokenise(r["text"]) for r in rows], np.array([r["category"] == "CONSPIRACY" for r in rows], int)


def baseline() -> object:
    """The plain TF-IDF logistic regression the organisers' baseline refers to (defaults)."""
    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))


def _summary(values: list[float]) -> dict:
    return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values)), 4),
            "min": round(float(np.min(values)), 4), "max": round(float(np.max(values)), 4)}


def cross_validate(docs: list[str], y: np.ndarray, repeats: int, seed: int = SEED) -> dict:
    """Repeated stratified CV of the model, the baseline and the ablations on the same folds."""
    scores: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        scores.setdefault(key, []).append(float(value))

    docs_arr = np.array(docs, dtype=object)
    cues_all = cue_features(docs)
    thresholds = []
    cv = RepeatedStratifiedKFold(n_splits=N_SPLITS, n_repeats=repeats, random_state=seed)
    for fold, (tr, te) in enumerate(cv.split(docs_arr, y)):
        model = ConspiracyModel(random_state=seed + fold).fit(list(docs_arr[tr]), y[tr])
        p = model.predict_proba(list(docs_arr[te]))[:, 1]
        thresholds.append(model.threshold_)
        add("model_mcc", matthews_corrcoef(y[te], p >= model.threshold_))
        add("model_mcc_at_0.5", matthews_corrcoef(y[te], p >= 0.5))
        add("model_auc", roc_auc_score(y[te], p))
        add("model_brier", np.mean((p - y[te]) ** 2))
        # Ablation: the text model alone (its logistic regression at its own 0.5).
        logit = model.text_logit(list(docs_arr[te]))
        add("text_only_mcc_at_0.5", matthews_corrcoef(y[te], logit >= 0))
        add("text_only_auc", roc_auc_score(y[te], logit))
        # Ablation: cues alone ("flag if any cue"), and a logistic regression on the cue counts.
        add("any_cue_mcc", matthews_corrcoef(y[te], cues_all[te, -1] > 0))
        cue_lr = LogisticRegression().fit(cues_all[tr], y[tr])
        add("cue_lr_auc", roc_auc_score(y[te], cue_lr.predict_proba(cues_all[te])[:, 1]))
        # Baseline: plain TF-IDF LR, at its own 0.5 and at an MCC threshold chosen by inner CV.
        base = baseline().fit(list(docs_arr[tr]), y[tr])
        pb = base.predict_proba(list(docs_arr[te]))[:, 1]
        inner = StratifiedKFold(N_SPLITS, shuffle=True, random_state=seed + fold)
        oof = cross_val_predict(baseline(), list(docs_arr[tr]), y[tr], cv=inner, method="predict_proba")[:, 1]
        add("baseline_mcc_at_0.5", matthews_corrcoef(y[te], pb >= 0.5))
        add("baseline_mcc_tuned_threshold", matthews_corrcoef(y[te], pb >= mcc_optimal_threshold(y[tr], oof)))
        add("baseline_auc", roc_auc_score(y[te], pb))
        add("gain_mcc_vs_baseline_tuned", scores["model_mcc"][-1] - scores["baseline_mcc_tuned_threshold"][-1])
        add("gain_auc_vs_baseline", scores["model_auc"][-1] - scores["baseline_auc"][-1])
    out = {k: _summary(v) for k, v in scores.items()}
    out["fold_thresholds"] = _summary(thresholds)
    out["protocol"] = (f"RepeatedStratifiedKFold(n_splits={N_SPLITS}, n_repeats={repeats}, random_state={seed}); "
                       "model threshold chosen inside each training part (MCC-optimal on out-of-fold scores)")
    return out


def seed_replies() -> list[tuple[str, str | None]]:
    """(text, parent text) of every reply on the seed pages."""
    import modkit

    frame = modkit.parse(str(SEEDS))
    by_id = dict(zip(frame["comment_id"], frame["text"]))
    return [(t or "", by_id.get(p) if p else None) for t, p in zip(frame["text"], frame["parent_id"])]


def review_seeds(model: ConspiracyModel) -> None:
    """Print the seed replies the model scores highest and those it flags, with their cues."""
    import pandas as pd

    from modkit.score.cues import find_cues

    replies = seed_replies()
    frame = pd.DataFrame({"text": [t for t, _ in replies], "parent_text": [p for _, p in replies]})
    proba = model.predict_proba(frame)[:, 1]
    order = np.argsort(-proba)
    flagged = int((proba >= model.threshold_).sum())
    print(f"\nseed replies: {len(frame)}, flagged at {model.threshold_:.3f}: {flagged}")
    for i in order[:max(SHOW_TOP, flagged)]:
        mark = "FLAG" if proba[i] >= model.threshold_ else "    "
        cues = [(c.kind, c.text) for c in find_cues(frame.text[i])]
        print(f"{mark} {proba[i]:.3f} {frame.text[i][:110]!r}\n           cues: {cues}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--repeats", type=int, default=5, help="CV repeats (0 skips the evaluation)")
    parser.add_argument("--no-seeds", action="store_true", help="skip the seed review")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        sys.exit(f"PAN data not found at {args.data}")
    docs, y = load_pan(args.data)
    t0 = time.perf_counter()
    cv = cross_validate(docs, y, args.repeats) if args.repeats else {}
    model = ConspiracyModel(random_state=SEED).fit(docs, y)
    meta = {
        "name": "conspiracy", "kind": "conspiracy", "target": "conspiracy", "version": MODEL_VERSION,
        "threshold": round(float(model.threshold_), 4),
        "training_data": {"name": "PAN 2024 oppositional thinking analysis, English dev set",
                          "file": "conspiracy/pan2024_en/dev.json", "rows": len(y),
                          "positives": int(y.sum()), "licence": "CC BY-SA 4.0"},
        "cv": cv, "params": model.get_params(), "sklearn": sklearn.__version__,
        "recipe": "python -m modkit.train.recipes.conspiracy", "seed": SEED,
    }
    path = save_model(model, args.out, meta)
    print(json.dumps({"model": str(path), "bytes": path.stat().st_size, "seconds": round(time.perf_counter() - t0, 1),
                      "threshold": meta["threshold"], "cv": cv}, indent=2))
    if not args.no_seeds:
        review_seeds(model)
    return meta


if __name__ == "__main__":
    main()
