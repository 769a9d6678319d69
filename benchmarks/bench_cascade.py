"""The cascade's cost: fast models only, the cascade at its default band, and the encoder on every reply.

Replies are real (the held-out replies of the MiniLM recipe, under 400 characters, each
with its parent) and scored by ``modkit.score.score`` as ``modkit score`` does (all cores,
no cache), each configuration in a fresh process after one untimed warm-up call (the
encoder's ONNX export and load happen there). The reference is the fast models' default
scoring measured in the same run; the table gives replies/s and the ratio to it, and the
share of replies the encoder re-read. Quality at each band is in the MiniLM model card
(the recipe measures it on labelled held-out rows).

Usage: python benchmarks/bench_cascade.py [--replies N]
(needs the encoder extra, the MiniLM built by its recipe, and ../shared/datasets)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import best_of, report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
MAX_CHARS = 400
CONFIGS = {"fast models only": ("lite", "conspiracy", None),
           "cascade, default band": ("cascade", "cascade", None),
           "encoder on every reply": ("cascade", "cascade", (0.0, 1.0))}


def replies(n: int):
    import pandas as pd

    from modkit.train.recipes.minilm import load_data

    test = load_data(SHARED)["toxicity_test"]
    test = test[test["text"].astype(str).str.len() < MAX_CHARS]
    return pd.DataFrame({"text": test["text"].astype(str), "parent_text": test["parent_text"]}).sample(
        n=min(n, len(test)), random_state=3).reset_index(drop=True)


def run(config: str, n: int) -> dict:
    from modkit.score import DEFAULT_BAND, score
    from modkit.score.cascade import CascadeScorer

    toxicity, conspiracy, band = CONFIGS[config]
    frame = replies(n)
    score(frame.head(64), toxicity=toxicity, conspiracy=conspiracy, band=band or DEFAULT_BAND)  # warm-up
    import time

    t0 = time.perf_counter()
    out = score(frame, toxicity=toxicity, conspiracy=conspiracy, band=band or DEFAULT_BAND, n_jobs=-1)
    seconds = time.perf_counter() - t0
    reread = {}
    if toxicity == "cascade":
        from modkit.score import resolve_scorer

        for kind in ("toxicity", "conspiracy"):
            c = resolve_scorer("cascade", kind, band=band or DEFAULT_BAND)
            assert isinstance(c, CascadeScorer)
            reread[kind] = float(c.in_band(out[list(c.replaced)]).mean())
    return {"replies": len(out), "scoring_seconds": seconds, "reread": reread}


def main(n: int = 3000, rounds: int = 2) -> dict | None:
    from modkit.score.cascade import encoder_status

    if encoder_status() is not None or not SHARED.exists():
        print(f"skipped bench_cascade: {encoder_status() or 'needs ../shared/datasets'}")
        return None
    results = {name: best_of(rounds, run, name, n)["result"] for name in CONFIGS}
    ref = results["fast models only"]["replies"] / results["fast models only"]["scoring_seconds"]
    rows = {}
    for name, r in results.items():
        rate = r["replies"] / r["scoring_seconds"]
        rows[name] = {"replies_per_second": round(rate), "ratio_to_fast": round(rate / ref, 3),
                      "reread_share": {k: round(v, 3) for k, v in r["reread"].items()}}
    report("cascade", rows)
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replies", type=int, default=3000)
    main(ap.parse_args().replies)
