"""Recipe: measure how often a reply with each threat idiom is toxic, and write the cue floors.

Run from the repository root (``make models`` runs every recipe)::

    python -m modkit.train.recipes.attack_cues [--data DIR] [--out PATH]

For each cue kind of :mod:`modkit.score.attack_cues` it counts the labelled
replies of the measured toxicity sources (:func:`load_sources`: Wikipedia talk,
ToxiChat's Reddit turns, ConvAbuse, Fox News; not the auxiliary tweets and Civil
Comments posts, which were selected for abuse) that carry such a cue, and how
many of them annotators called toxic. The share, its 95% Wilson interval and the
floor (the interval's lower end) go to ``modkit/score/models/attack_cues.json``.
The counts are small, so the file says so: each kind's ``n`` is beside its share.

Deterministic: two runs write the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from modkit.score.attack_cues import DEFAULT_PATH, PATTERNS, find_attack_cues
from modkit.train.metrics import share_interval
from modkit.train.recipes.lite_toxicity import DATA, load_sources


def _share(labels: list[int]) -> dict:
    n, k = len(labels), sum(labels)
    share, low, high = share_interval(k, n)
    return {"n": n, "toxic": k, "share": round(share, 4), "low": round(low, 4), "high": round(high, 4)}


def measure(replies: pd.DataFrame) -> dict[str, dict]:
    """Per attribute: ``n`` replies with one of its cues, ``toxic`` among them, ``share``, ``low``, ``high``,
    and the same counts per cue kind under ``kinds``.

    Examples
    --------
    >>> df = pd.DataFrame({"text": ["I will kill you", "watch your back", "hello"], "label": [1, 0, 0]})
    >>> m = measure(df)["threat"]
    >>> m["n"], m["toxic"], m["kinds"]["watch_your_back"]["share"], m["kinds"]["knows_where_you_live"]["n"]
    (2, 1, 0.0, 0)
    """
    by_kind: dict[str, list[int]] = {kind: [] for kind in PATTERNS}
    by_attr: dict[str, list[int]] = {attr: [] for attr, _ in PATTERNS.values()}
    for text, label in zip(replies["text"], replies["label"], strict=True):
        cues = find_attack_cues(str(text))
        for kind in {c.kind for c in cues}:
            by_kind[kind].append(int(label))
        for attr in {c.attribute for c in cues}:
            by_attr[attr].append(int(label))
    return {attr: {**_share(labels), "kinds": {k: _share(by_kind[k]) for k, (a, _) in PATTERNS.items() if a == attr}}
            for attr, labels in by_attr.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the toxicity data sets folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH, help="where to write the floors")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"error: {args.data}: no such data folder (see ../shared/datasets/README.md)", file=sys.stderr)
        return 2
    replies = load_sources(args.data)
    attrs = measure(replies)
    doc = {"measured_on": f"{len(replies)} labelled replies of the measured toxicity sources (load_sources)",
           "floor": "low: the lower end of the 95% Wilson interval of the share labelled toxic",
           "attributes": attrs}
    args.out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    for attr, m in attrs.items():
        for name, c in [(attr, m), *m["kinds"].items()]:
            print(f"{name:22s} {c['toxic']:3d}/{c['n']:3d} toxic = {c['share']:.2f} [{c['low']:.2f}, {c['high']:.2f}]")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
