"""Ranking quality of the ``lite`` toxicity model on held-out data, beside alt-profanity-check.

The shipped model was trained on all of ``../shared/datasets/toxicity``, so it
cannot be measured on those texts. This benchmark re-runs the recipe's
measurement instead (``modkit.train.recipes.lite_toxicity``): cross-validation
grouped by Wikipedia page, every part of the model (own text models, context
head, flag threshold) fitted on the training pages only, the held-out pages
scored with and without their parents; a whole-file hold-out (``gc_dev.csv``);
and ``identity_attack`` by stratified cross-validation on the tweets.
alt-profanity-check's pre-trained model (the reference) scores the same texts
in the same run; its flag threshold is its best-F1 point on the same training
folds. Intervals are 95% percentile bootstraps; "vs ref." is the paired
bootstrap of the difference to alt-profanity-check.

Prints a Markdown table (for the README) and the numbers as JSON.

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
    corpus = recipe.load_corpus(DATA)
    cv = recipe.cross_validate_toxicity(corpus, folds, folds)
    holdout = recipe.file_holdout(corpus, folds)
    identity = recipe.cross_validate_identity(corpus, folds)
    rows = recipe.evaluation_rows(corpus, cv, holdout, identity, n_boot, folds)
    print(recipe.render(rows))
    out = {"folds": folds, "bootstrap": n_boot, "seconds": round(time.perf_counter() - t0, 1),
           "rows": recipe.compact_rows(rows)}
    report("toxicity_quality", out)
    return out


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    main(folds=3 if quick else 5, n_boot=200 if quick else 1000)
