"""Throughput of the embedded ``lite`` toxicity scorer, against alt-profanity-check on the same texts.

Workload: distinct real replies (the Wikipedia talk replies of ``../shared/datasets``;
without them, the seed pages' replies made distinct by a numbered suffix, since
the scorer analyses a repeated text once and repeats would flatter it).

Measured in one process, after a warm-up that loads both models, interleaved
(so machine noise hits every side alike), best of ``rounds``:

- ``lite_no_context``: ``LiteToxicityScorer().predict_proba`` on the replies alone;
- ``lite_context``: the same on replies that each have a distinct parent text
  (``gc_dev.csv``): two texts analysed per reply, the worst case for context;
- ``apc``: alt-profanity-check's own ``predict_prob`` on the same reply texts (reference);
- ``lite_plus_conspiracy``: lite then the embedded ``conspiracy`` scorer on the
  context table (the default ``modkit score`` pair), when that scorer is installed;
- ``default_score``: ``modkit.score`` with its defaults on the context table: all six
  attributes, conspiracy, context, language detection and the flag rules; ``default_score_big``
  the same on about 23k Wikipedia and Reddit replies with parents, and ``default_score_big_all_cores``
  with one scoring process per core (the command line's default, ``--jobs -1``);
- the cost of each part on the same replies: ``part_toxblock`` (tox-block's BiLSTM),
  ``part_language`` (language detection), ``part_threat_idioms`` (the threat idiom search
  every reply gets) and ``part_sentence_aim`` (splitting replies into sentences, as the insult
  rule does for the few replies whose insult rests on their address: an upper bound).

Reports replies per second (one process; NumPy and SciPy may use both cores)
and the ratios to alt-profanity-check (> 1: lite is faster).

Usage: python benchmarks/bench_toxicity_speed.py   (needs the bench extra)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import report  # noqa: E402

WIKI = HERE.parents[1] / "shared" / "datasets" / "toxicity" / "wiki_talk_context"
SEEDS = HERE.parent / "seeds"


def workload(n_seed_rows: int = 20_000):
    """(replies table, replies-with-parents table, description) of distinct texts."""
    import pandas as pd

    if WIKI.exists():
        gn = pd.read_csv(WIKI / "gn.csv")
        gc = pd.read_csv(WIKI / "gc_dev.csv")
        replies = pd.DataFrame({"text": pd.concat([gn["text"], gc["text"]], ignore_index=True).fillna("")})
        context = pd.DataFrame({"text": gc["text"].fillna(""), "parent_text": gc["parent"].fillna("")})
        return replies, context, "Wikipedia talk replies (gn + gc_dev); context: gc_dev with parents"
    import modkit

    frame = modkit.parse(str(SEEDS))
    by_id = dict(zip(frame["comment_id"], frame["text"], strict=True))
    base = [(t or "", by_id.get(p) or "" if isinstance(p, str) else "")
            for t, p in zip(frame["text"], frame["parent_id"], strict=True)]
    rows = [(f"{t} #{i}", f"{p} #{i}" if p else "") for i in range(n_seed_rows) for t, p in [base[i % len(base)]]]
    replies = pd.DataFrame({"text": [t for t, _ in rows]})
    context = pd.DataFrame({"text": [t for t, _ in rows], "parent_text": [p for _, p in rows]})
    return replies, context, "seed replies made distinct by a numbered suffix"


def scoring_workload():
    """Distinct replies with their parents from Wikipedia and Reddit (about 23k), or None without the data.

    Large enough for ``modkit score --jobs`` to pay for its worker processes, as a scheduled run would.
    """
    import pandas as pd

    chat = WIKI.parent / "toxichat_reddit" / "turns.csv"
    if not (WIKI.exists() and chat.exists()):
        return None
    parts = [pd.read_csv(WIKI / "gc_dev.csv"), pd.read_csv(chat), pd.read_csv(WIKI / "gn.csv")]
    frame = pd.DataFrame({"text": pd.concat([p["text"] for p in parts]).fillna("").astype(str).to_numpy(),
                          "parent_text": pd.concat([p["parent"] for p in parts]).fillna("").astype(str).to_numpy()})
    return frame.drop_duplicates("text").reset_index(drop=True)


def main(rounds: int = 5) -> dict | None:
    try:
        import profanity_check
    except ImportError:
        print("skipped: alt-profanity-check is not installed (pip install -e '.[bench]')")
        return None
    import modkit
    from modkit.registry import scorers
    from modkit.score.attack_cues import find_attack_cues
    from modkit.score.language import detect_languages
    from modkit.score.policy import sentences
    from modkit.score.scorers.lite import LiteToxicityScorer
    from modkit.score.toxblock import load_toxblock

    replies, context, what = workload()
    texts = replies["text"].tolist()
    lite = LiteToxicityScorer()
    conspiracy = scorers.get("conspiracy")() if "conspiracy" in scorers.names() else None
    runs = {
        "lite_no_context": (len(replies), lambda: lite.predict_proba(replies)),
        "lite_context": (len(context), lambda: lite.predict_proba(context)),
        "apc": (len(texts), lambda: profanity_check.predict_prob(texts)),
    }
    if conspiracy is not None:
        runs["lite_plus_conspiracy"] = (len(context), lambda: (lite.predict_proba(context),
                                                               conspiracy.predict_proba(context)))
        runs["default_score"] = (len(context), lambda: modkit.score(context))
        big = scoring_workload()
        if big is not None:
            runs["default_score_big"] = (len(big), lambda: modkit.score(big))
            runs["default_score_big_all_cores"] = (len(big), lambda: modkit.score(big, n_jobs=-1))
    context_texts = context["text"].tolist()
    runs["part_toxblock"] = (len(context), lambda: load_toxblock().predict(context_texts))
    runs["part_language"] = (len(context), lambda: detect_languages(context_texts))
    runs["part_threat_idioms"] = (len(context), lambda: [find_attack_cues(t) for t in context_texts])
    runs["part_sentence_aim"] = (len(context), lambda: [sentences(t) for t in context_texts])
    lite.predict_proba(replies.iloc[:10])  # load models outside the timed part
    profanity_check.predict_prob(texts[:10])
    if conspiracy is not None:
        conspiracy.predict_proba(context.iloc[:10])
    best = {k: float("inf") for k in runs}
    for _ in range(rounds):
        for name, (_, fn) in runs.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    per_s = {name: runs[name][0] / best[name] for name in runs}
    rows = {
        "workload": what,
        "rows": {name: runs[name][0] for name in runs},
        "replies_per_s": {k: round(v) for k, v in per_s.items()},
        "ratio_lite_no_context_over_apc": round(per_s["lite_no_context"] / per_s["apc"], 2),
        "ratio_lite_context_over_apc": round(per_s["lite_context"] / per_s["apc"], 2),
        "ratio_default_score_over_apc": round(per_s["default_score"] / per_s["apc"], 2)
        if "default_score" in per_s else None,
        "rounds": rounds,
    }
    report("toxicity_speed", rows)
    return rows


if __name__ == "__main__":
    main()
