"""Ranking quality of the ``lite`` toxicity model on held-out data, beside alt-profanity-check.

The shipped model was trained on all of ``../shared/datasets/toxicity``, so it
cannot be measured on those texts. This benchmark re-runs the recipe's
measurement instead (``modkit.train.recipes.lite_toxicity.measure``, through
``modkit.train.train``): cross-validation grouped by thread, the whole
model (text model, context head) fitted on the training threads only; on the same
folds, alt-profanity-check's pre-trained model (the reference), tox-block alone and
modkit 0.1's design without tox-block (``lite_ngrams``); the same out-of-fold scores
by source; and ``identity_attack`` by stratified cross-validation on the tweets. Each scorer flags at its threshold chosen on the other folds. Intervals are
95% percentile bootstraps; "vs ref." is the paired bootstrap of the difference to
the first compared scorer.

Prints Markdown tables (for the README) and the numbers as JSON.

Usage: python benchmarks/bench_toxicity_quality.py [--quick]   (needs the bench extra and the data)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import report  # noqa: E402

DATA = HERE.parents[1] / "shared" / "datasets" / "toxicity"


def main(folds: int = 5, n_boot: int = 1000) -> dict | None:
    if not DATA.exists():
        print(f"skipped: {DATA} not present")
        return None
    try:
        import profanity_check  # noqa: F401
    except ImportError:
        print("skipped: alt-profanity-check is not installed (pip install -e '.[bench]')")
        return None
    from modkit.train.recipes import lite_toxicity as recipe

    t0 = time.perf_counter()
    _, reports, _ = recipe.measure(DATA, folds, n_boot)
    for r in reports:
        print(r.to_markdown())
    out = {"folds": folds, "bootstrap": n_boot, "seconds": round(time.perf_counter() - t0, 1),
           "reports": [{"target": r.target, "data": r.data, "method": r.method,
                        "table": r.to_table().to_dict("records")} for r in reports]}
    report("toxicity_quality", out)
    return out


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    main(folds=3 if quick else 5, n_boot=200 if quick else 1000)
