"""Recipe: train the embedded conspiracy-framing model with ``modkit.train`` and measure it.

Run from the repository root (``make models`` runs every recipe)::

    python -m modkit.train.recipes.conspiracy [--data PATH] [--out PATH] [--folds 5]

It reads from ``../shared/datasets``:

- measured rows: the PAN 2024 English oppositional-thinking training set (4,000
  Telegram texts) and its dev set (499), CONSPIRACY vs CRITICAL, detokenised;
- auxiliary rows, in every fold's training part and never measured: the COVID
  vaccine comments (609, small and noisy) and **ordinary replies** as negatives:
  the toxicity sets' replies and turns (Wikipedia talk pages, Reddit, chatbot
  conversations, Fox News, tweets), which are everyday talk and criticism, never
  conspiracy framing; a fixed sample of :data:`HELD_OUT_ORDINARY` of them is kept
  out of training to measure how often ordinary replies get flagged.

It calls :func:`modkit.train.train`, the function behind ``modkit train``, with
``model="conspiracy"`` (word TF-IDF stacked with the cue counts) and the max-MCC
threshold rule; ``train`` cross-validates the model and, on the same folds, the
plain ``tfidf`` family; fits the final model on all rows; and the recipe writes
``modkit/score/models/conspiracy.skops`` with its model card (``conspiracy.md``),
then prints the flag rate on the held-out ordinary replies and the seed replies
the model scores highest.

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

from modkit.train.report import calibration_markdown
from modkit.train.trainer import TrainedModel, train

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared" / "datasets"
DATA = SHARED / "conspiracy" / "pan2024_en" / "dev.json"
TRAIN = SHARED / "conspiracy" / "pan2024_en_train" / "train.csv"
COVID = SHARED / "conspiracy" / "covid_vaccine_comments" / "comments.csv"
#: Ordinary replies kept out of training to measure the flag rate on everyday talk.
HELD_OUT_ORDINARY = 2000
#: The held-out topic: texts naming it are left out of training and scored afterwards, the honest
#: proxy for a conspiracy topic the model never saw.
HELD_OUT_TOPIC = r"\b(?:5g|bill gates|gates)\b"
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


def load_pan_train(path: Path = TRAIN) -> pd.DataFrame:
    """The PAN training set (detokenised), as :func:`load_pan`."""
    rows = pd.read_csv(path)
    return pd.DataFrame({"id": "train:" + rows["id"].astype(str), "text": [detokenise(t) for t in rows["text"]],
                         "conspiracy": (rows["category"] == "CONSPIRACY").astype(int).to_numpy()})


def load_ordinary(shared: Path = SHARED) -> pd.DataFrame:
    """Ordinary replies (``text``, ``conspiracy`` = 0): every text of the toxicity sets, deduplicated."""
    from modkit.train.recipes.lite_toxicity import load_sources, load_tweets

    tox = shared / "toxicity"
    texts_ = pd.concat([load_sources(tox)["text"], load_tweets(tox)["text"]], ignore_index=True)
    texts_ = texts_[texts_.str.strip().str.len() > 0].drop_duplicates()
    return pd.DataFrame({"text": texts_.to_numpy(), "conspiracy": 0})


def split_ordinary(ordinary: pd.DataFrame, held_out: int = HELD_OUT_ORDINARY) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training part, held-out sample) of the ordinary replies, seeded."""
    sample = ordinary.sample(n=min(held_out, len(ordinary)), random_state=SEED)
    return ordinary.drop(sample.index), sample


def load_covid(path: Path = COVID) -> pd.DataFrame:
    """The COVID vaccine comments (``label`` 1 = conspiracy), small and noisy: auxiliary rows."""
    rows = pd.read_csv(path)
    return pd.DataFrame({"text": rows["text"].fillna("").astype(str), "conspiracy": rows["label"].astype(int)})


def topic_held_out(pan: pd.DataFrame, auxiliary: pd.DataFrame, threshold: float,
                   families: tuple[str, ...] = ("conspiracy", "tfidf"), pattern: str = HELD_OUT_TOPIC) -> str:
    """Train without the texts of one topic (5G, Gates) and score them: a Markdown section.

    Each family is fitted on the other PAN texts plus the auxiliary rows; the held-out texts are
    scored, and flagged at ``threshold`` (the shipped model's) for the conspiracy family and at
    the best-MCC threshold of its own training scores otherwise.
    """
    from sklearn.metrics import matthews_corrcoef, roc_auc_score

    from modkit.train.families import family
    from modkit.train.metrics import max_mcc_threshold

    topic = pan["text"].str.contains(pattern, case=False, regex=True).to_numpy()
    train_rows = pd.concat([pan[~topic], auxiliary], ignore_index=True)
    frame = pd.DataFrame({"text": train_rows["text"], "parent_text": ""})
    test = pd.DataFrame({"text": pan.loc[topic, "text"], "parent_text": ""})
    y_train, y = train_rows["conspiracy"].to_numpy(), pan.loc[topic, "conspiracy"].to_numpy()
    lines = ["## Topic held out", "",
             f"Trained without the {int(topic.sum())} PAN texts that mention 5G or (Bill) Gates "
             f"({int(y.sum())} conspiracy), then scored on them: a conspiracy topic the model never saw.", "",
             "| model | ROC AUC | MCC | flagged / conspiracy |", "|---|---|---|---|"]
    for name in families:
        model = family(name).build(("text",), 5, SEED, "conspiracy").fit(frame, y_train)
        p = model.predict_proba(test)[:, 1]
        cut = threshold if name == "conspiracy" else max_mcc_threshold(y_train, model.predict_proba(frame)[:, 1])
        flag = p >= cut
        lines.append(f"| {name} | {roc_auc_score(y, p):.3f} | {matthews_corrcoef(y, flag):.3f} | "
                     f"{int(flag.sum())} / {int(y.sum())} |")
    return "\n".join(lines) + "\n"


def claim_floor_markdown(model: object) -> str:
    """The model card's section on the claim floor (see :class:`~modkit.score.conspiracy_model.ConspiracyModel`)."""
    floor = getattr(model, "claim_floor_", None)
    positives, rows = getattr(model, "claim_counts_", (0, 0))
    if floor is None:
        return f"## Claim floor\n\nNone: {rows} training rows claim a staged event, too few to measure.\n"
    return ("## Claim floor\n\n"
            f"A reply whose own words claim an event was staged or planned (\"the moon landing was faked\", "
            f"\"X was an inside job\", \"they staged it\"; negated, dismissed or reported claims excluded) scores "
            f"at least **{floor:.3f}**: {positives} of the {rows} training rows with such a claim are labelled "
            f"conspiracy ({positives / rows:.2f}), and {floor:.3f} is the lower end of its 95% Wilson interval. "
            "The cross-validation above fits the floor in each fold from that fold's training rows. A cascade "
            "keeps the floor when the encoder re-reads the reply.\n")


def fit(data: pd.DataFrame, folds: int = N_FOLDS, n_boot: int = 1000, compare: tuple[str, ...] = ("tfidf",),
        auxiliary: pd.DataFrame | None = None):
    """``modkit.train.train`` with the recipe's settings; returns ``(TrainedModel, Report)``."""
    return train(data, "conspiracy", features=("text",), model="conspiracy", compare=compare,
                 auxiliary=auxiliary, threshold_rule="mcc", n_folds=folds, n_boot=n_boot, name="conspiracy",
                 seed=SEED, data_name="PAN 2024 oppositional thinking analysis, English train + dev sets "
                                      "(Telegram texts)")


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
    proba = trained.predict_proba(frame)[:, 1]
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
    pan = pd.concat([load_pan_train(), load_pan(args.data)], ignore_index=True)
    ordinary, held_out = split_ordinary(load_ordinary())
    auxiliary = pd.concat([load_covid(), ordinary], ignore_index=True)
    print(f"{len(pan)} PAN texts, {len(auxiliary)} auxiliary rows ({len(ordinary)} ordinary replies), "
          f"{len(held_out)} ordinary replies held out", file=sys.stderr)
    trained, report = fit(pan, args.folds, args.bootstrap, auxiliary=auxiliary)
    flagged = trained.predict(held_out[["text"]]).astype(bool)
    report.notes.append(f"Ordinary replies held out of training (a seeded sample of {len(held_out)} texts of the "
                        f"toxicity sets): {int(flagged.sum())} flagged ({flagged.mean():.2%}).")
    trained.meta |= {"recipe": "python -m modkit.train.recipes.conspiracy",
                     "usage": "modkit score ... --conspiracy conspiracy",
                     "ordinary_flag_rate": round(float(flagged.mean()), 4), "sources": [
        "PAN 2024 oppositional thinking analysis (Korenčić et al.), English training set "
        "(conspiracy/pan2024_en_train/train.csv, via github Boffl/pan-clef-2024) and dev set "
        "(conspiracy/pan2024_en/dev.json): Telegram texts labelled CONSPIRACY or CRITICAL; CC BY-SA 4.0. "
        "Texts detokenised by the recipe.",
        "COVID vaccine comments, Amin et al. 2022 (auxiliary); MIT.",
        "Ordinary replies as negatives (auxiliary): the toxicity sets' texts (Wikipedia talk, ToxiChat Reddit, "
        "ConvAbuse, Fox News, Davidson tweets; see the lite model card for licences)."]}
    path = trained.save(args.out, report)
    extra = (calibration_markdown(report, positive="conspiracy") + "\n"
             + topic_held_out(pan, auxiliary, trained.threshold) + "\n" + claim_floor_markdown(trained.estimator))
    path.with_suffix(".md").write_text(path.with_suffix(".md").read_text(encoding="utf-8") + "\n" + extra,
                                       encoding="utf-8")
    print(report.to_markdown())
    print(extra)
    print(json.dumps({"model": str(path), "bytes": path.stat().st_size, "threshold": round(trained.threshold, 4),
                      "ordinary_flag_rate": trained.meta["ordinary_flag_rate"],
                      "seconds": round(time.perf_counter() - t0, 1)}))
    if not args.no_seeds:
        review_seeds(trained)
    return trained.meta


if __name__ == "__main__":
    main()
