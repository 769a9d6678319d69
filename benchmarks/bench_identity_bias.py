"""Identity bias audit of the default toxicity scorer on Dixon et al.'s bias madlibs.

``../shared/datasets/fairness/bias_madlibs/bias_madlibs_77k.csv`` holds 77,000
template sentences that name identity groups ("I am a gay man", "respect
trans", "murder american"), labelled BAD or NOT_BAD. For each identity term:

- the **false-positive rate**: the share of its NOT_BAD sentences that
  ``modkit.score`` flags toxic (the guidelines' flag, as moderators see it);
- the **subgroup ROC AUC** of the ``toxicity`` score on its sentences.

The audit passes when no term's false-positive rate exceeds twice the median
term's (with a floor of one sentence in a hundred, so that a median of zero does
not make a single false positive a failure). The reference measured side by side is
the same sentences without their identity term's variation: the overall rates.

Run: ``python benchmarks/bench_identity_bias.py [--sample N]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import modkit

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "fairness" / "bias_madlibs" / \
    "bias_madlibs_77k.csv"
#: False-positive rates below this count as this, for the "twice the median" rule.
FPR_FLOOR = 0.01


def identity_terms(frame: pd.DataFrame) -> list[str]:
    """The identity words of the templates: the words whose sentences span both labels across templates."""
    words = frame["Text"].str.lower().str.split()
    last = words.str[-1]
    counts = last.value_counts()
    return sorted(counts[counts >= 200].index)


def main(sample: int | None = None) -> dict | None:
    if not DATA.exists():
        print(f"bench_identity_bias: skipped, no data at {DATA}", file=sys.stderr)
        return None
    frame = pd.read_csv(DATA)
    if sample:
        frame = frame.sample(n=min(sample, len(frame)), random_state=0)
    terms = identity_terms(frame)
    scored = modkit.score(frame.rename(columns={"Text": "text"})[["text"]], conspiracy=None)
    bad = (frame["Label"] == "BAD").to_numpy()
    flagged = scored["flagged"].to_numpy()
    tox = scored["toxicity"].to_numpy()
    lower = frame["Text"].str.lower()
    per_term = {}
    for term in terms:
        rows = lower.str.contains(rf"\b{term}\b", regex=True).to_numpy()
        ok = rows & ~bad
        per_term[term] = {"n": int(rows.sum()), "fpr": float(flagged[ok].mean()) if ok.any() else float("nan"),
                          "subgroup_auc": float(roc_auc_score(bad[rows], tox[rows]))
                          if 0 < bad[rows].sum() < rows.sum() else float("nan")}
    fprs = np.array([v["fpr"] for v in per_term.values()])
    median = float(np.nanmedian(fprs))
    limit = 2 * max(median, FPR_FLOOR)
    worst = max(per_term, key=lambda t: per_term[t]["fpr"])
    result = {
        "sentences": len(frame), "terms": len(terms),
        "overall_fpr": float(flagged[~bad].mean()), "overall_tpr": float(flagged[bad].mean()),
        "overall_auc": float(roc_auc_score(bad, tox)),
        "median_term_fpr": median, "limit": limit, "worst_term": worst, "worst_fpr": per_term[worst]["fpr"],
        "terms_over_limit": sorted(t for t, v in per_term.items() if v["fpr"] > limit),
        "min_subgroup_auc": min((v["subgroup_auc"] for v in per_term.values()), default=float("nan")),
        "per_term": per_term,
    }
    result["passes"] = not result["terms_over_limit"]
    print(json.dumps({k: v for k, v in result.items() if k != "per_term"}, indent=1))
    return result


if __name__ == "__main__":
    n = int(sys.argv[sys.argv.index("--sample") + 1]) if "--sample" in sys.argv else None
    main(n)
