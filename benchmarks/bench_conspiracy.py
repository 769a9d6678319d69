"""Conspiracy scoring throughput on seed-like replies, against a plain TF-IDF LR predict.

Workload: the seed pages' replies (with their parents' text, as ``modkit score``
passes them) repeated to ``n`` rows. Measured in fresh processes, side by side:

- ``scorer``: ``ConspiracyScorer().predict_proba`` (quote masking, cues, TF-IDF
  LR, stacker), after one warm-up call that loads the model;
- ``evidence``: ``ConspiracyScorer().evidence`` (the cues moderators see);
- ``baseline``: ``predict_proba`` of a plain ``TfidfVectorizer() + LogisticRegression()``
  fitted on the same texts (its predict cost does not depend on what it learnt).

Reports replies per second (one process, one core) and the ratios to the baseline.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import best_of, report  # noqa: E402

SEEDS = HERE.parent / "seeds"


def seed_like(n: int):
    """``n`` seed replies (cycled) as a comments table with ``text`` and ``parent_text``."""
    import pandas as pd

    import modkit

    frame = modkit.parse(str(SEEDS))
    by_id = dict(zip(frame["comment_id"], frame["text"]))
    base = pd.DataFrame({"text": frame["text"].fillna(""),
                         "parent_text": [by_id.get(p) if p else None for p in frame["parent_id"]]})
    reps = -(-n // len(base))
    return pd.concat([base] * reps, ignore_index=True).iloc[:n]


def run_scorer(n: int) -> dict:
    from modkit.score.scorers.conspiracy import ConspiracyScorer

    frame = seed_like(n)
    scorer = ConspiracyScorer()
    scorer.predict_proba(frame.iloc[:10])  # load the model outside the timed part
    t0 = time.perf_counter()
    scores = scorer.predict_proba(frame)
    return {"seconds": time.perf_counter() - t0, "mean_score": float(scores["conspiracy"].mean())}


def run_evidence(n: int) -> dict:
    from modkit.score.scorers.conspiracy import ConspiracyScorer

    frame = seed_like(n)
    scorer = ConspiracyScorer()
    t0 = time.perf_counter()
    ev = scorer.evidence(frame)
    return {"seconds": time.perf_counter() - t0, "rows_with_cues": int(ev.map(bool).sum())}


def run_baseline(n: int) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    frame = seed_like(n)
    docs = frame["text"].tolist()
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    model.fit(docs[:200], [i % 2 for i in range(200)])
    t0 = time.perf_counter()
    model.predict_proba(docs)
    return {"seconds": time.perf_counter() - t0}


def main(n: int = 50_000, rounds: int = 3) -> dict:
    rows = {}
    for name, fn in [("scorer", run_scorer), ("evidence", run_evidence), ("baseline", run_baseline)]:
        best = best_of(rounds, fn, n)
        inner = best["result"]
        rows[name] = {"replies_per_s": round(n / inner["seconds"]), "seconds": round(inner["seconds"], 3),
                      "peak_mb": round(best["peak_mb"], 1),
                      **{k: v for k, v in inner.items() if k != "seconds"}}
    rows["scorer_vs_baseline_speed"] = round(rows["scorer"]["replies_per_s"] / rows["baseline"]["replies_per_s"], 2)
    rows["evidence_vs_baseline_speed"] = round(
        rows["evidence"]["replies_per_s"] / rows["baseline"]["replies_per_s"], 2)
    result = {"replies": n, "workload": "seed replies with parent text, cycled", **rows}
    report("conspiracy", result)
    return result


if __name__ == "__main__":
    main(5_000 if "--quick" in sys.argv else 50_000)
