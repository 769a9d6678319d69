"""Recipe: train the embedded ``lite`` toxicity model with ``modkit.train`` and measure it.

Run from the repository root (``make models`` runs every recipe)::

    python -m modkit.train.recipes.lite_toxicity [--data DIR] [--out PATH] [--folds 5] [--quick]

It reads ``../shared/datasets/toxicity`` (:func:`load_sources`): replies with
their parent where the data has it, from Wikipedia talk pages (Pavlopoulos et
al., labelled without the parent in ``gn.csv`` and with it in ``gc_dev.csv``;
Dixon et al.'s Wikipedia comments), Reddit (ToxiChat's human turns), users'
messages to chatbots (ConvAbuse) and Fox News comments; Civil Comments'
toxic-spans posts and Davidson et al.'s tweets are auxiliary. Both attributes
are trained by :func:`modkit.train.train`, the function behind ``modkit train``,
with ``model="lite"`` (see :mod:`modkit.train.lite`), whose heads also read
tox-block's six Jigsaw-trained outputs:

- ``toxicity``: the replies, with their parents as context, folds grouped by
  thread (page, Reddit thread, conversation, article); the tweets (offensive or
  hate = 1) and the Civil Comments posts (mostly toxic by selection, so no fair
  measure nor prior) are auxiliary rows, in every fold's training part and never
  measured. On the same folds: alt-profanity-check's pre-trained model (``apc``,
  the reference), tox-block alone (``toxblock``) and modkit 0.1's design without
  tox-block (``lite_ngrams``);
- ``identity_attack``: the tweets, hate speech = 1 (abuse aimed at a group),
  stratified folds; the Wikipedia replies nobody found toxic are auxiliary
  negatives.

The two fitted models share the word SVM and the character hashing, so they
are merged into one ``modkit/score/models/lite.skops`` that reads each text
once; ``lite.md`` beside it holds both model cards. alt-profanity-check
1.9.1 must be installed (``pip install -e '.[recipes]'``): its joblib files
are read once here, converted to arrays, and never needed at run time.

Everything is seeded: two runs write the same model and print the same numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
import time
from pathlib import Path

import pandas as pd
import sklearn

from modkit.score.lite_model import LiteToxicityModel
from modkit.score.profanity_svm import LICENCE
from modkit.score.toxblock import LICENCE as TOXBLOCK_LICENCE
from modkit.train.metrics import classification_metrics, paired_bootstrap
from modkit.train.persist import save_model
from modkit.train.report import Report, calibration_markdown, model_card
from modkit.train.trainer import TrainedModel, train

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "datasets" / "toxicity"
OUT = ROOT / "modkit" / "score" / "models" / "lite.skops"
SEED = 0
N_FOLDS = 5
RECIPE = "python -m modkit.train.recipes.lite_toxicity"
SOURCES = [
    "Wikipedia talk replies, Pavlopoulos et al. ACL 2020 (gn.csv labelled without the parent, gc_dev.csv with "
    "it); Apache-2.0, texts CC BY-SA",
    "Wikipedia talk comments, Dixon et al. AIES 2018 (a Wikipedia Toxicity test subset); CC BY 4.0",
    "Reddit threads, ToxiChat (Baheti et al. EMNLP 2021), human turns with the previous turn; CC BY-SA 4.0",
    "Users' messages to chatbots with the agent's previous turn, ConvAbuse (Cercas Curry et al. EMNLP 2021); "
    "CC BY 4.0",
    "Fox News comments with the previous comment, Gao & Huang RANLP 2017; MIT",
    "Civil Comments toxic-spans posts (Pavlopoulos et al., SemEval 2021 Task 5; auxiliary); CC0",
    "Tweets labelled hate speech / offensive / neither, Davidson et al. ICWSM 2017 (auxiliary); MIT",
    LICENCE,
    TOXBLOCK_LICENCE,
]
NOT_SUPPORTED = ("severe_toxicity, obscene, threat, insult and sexual_explicit: no labelled data here tells "
                 "them apart from general toxicity, so this file does not score them (the scorer takes the "
                 "first four from tox-block, below)")
#: How the scorer completes and flags these attributes (modkit/score/scorers/lite.py, modkit/score/policy.py).
KINDS_CARD = """## The kinds, the flags and the thresholds

The `lite` scorer adds `severe_toxicity`, `obscene`, `threat` and `insult` from tox-block 0.1.2's BiLSTM
(MIT licence, Copyright (c) 2020 Pascal Bliem; trained on the Jigsaw Toxic Comment Classification data, about
160k Wikipedia talk comments labelled with each kind), ported to NumPy by
`python -m modkit.train.recipes.toxblock_port` and checked against TensorFlow to 1e-5. A kind scores
`max(toxicity, tox-block toxic) x min(1, tox-block kind / tox-block toxic)`: modkit's toxicity sets the level,
the Jigsaw-trained model the split between kinds. No data here labels the kinds, so their calibration is not
measured here.

Flags follow `labels/GUIDELINES.md`: only the attack attributes (`severe_toxicity`, `threat`, `insult`,
`identity_attack`) flag, each at **0.5**; `toxicity` (threshold below, for ranking) and `obscene` never flag
alone, and an insult must address someone (in the sentence that insults) or outweigh the swearing. Threat
idioms with no hostile word ("I know where you live") raise `threat` to at least 0.72, the lower end of the 95%
interval of the share of labelled replies with one that are toxic (15 of 16; `modkit/score/attack_cues.py`,
measured by `python -m modkit.train.recipes.attack_cues`). `identity_attack`'s best-F1 threshold on
tweets (about 0.2) flagged 53% of the harmless bias-madlibs sentences naming "queer"; at 0.5 the flag takes
0.37% of all harmless sentences and 35% of the hateful ones; "queer" is still flagged in 11.8% of its harmless
sentences, over the audit's limit (`benchmarks/bench_identity_bias.py`).
"""

_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")
_RETWEET = re.compile(r"\bRT\b")


def clean_tweet(text: str) -> str:
    """Undo the tweets' HTML escaping and blank out handles, links and "RT" markers.

    Handles and links name people and sites, not toxicity: left in, the model
    would learn which accounts the crowd workers saw.

    Examples
    --------
    >>> clean_tweet("RT @bob: you &amp; me http://t.co/x &#128514;")
    '@user: you & me http 😂'
    """
    text = _RETWEET.sub("", html.unescape(text))
    return " ".join(_URL.sub("http", _MENTION.sub("@user", text)).split())


def load_wiki(data: Path = DATA) -> pd.DataFrame:
    """The Wikipedia replies: ``text``, ``parent_text`` ("" when unlabelled in context), ``label``,
    ``source`` (``gn``/``gc``) and ``page`` (ids are ``page.revision.revision``)."""
    gn = pd.read_csv(data / "wiki_talk_context" / "gn.csv").assign(source="gn", parent="")
    gc = pd.read_csv(data / "wiki_talk_context" / "gc_dev.csv").assign(source="gc")
    wiki = pd.concat([gn, gc], ignore_index=True)
    return pd.DataFrame({"text": wiki["text"].fillna("").astype(str),
                         "parent_text": wiki["parent"].fillna("").astype(str), "label": wiki["label"].astype(int),
                         "source": wiki["source"], "page": wiki["id"].astype(str).str.split(".").str[0]})


def _frame(text, parent, label, source: str, group) -> pd.DataFrame:
    parent = [""] * len(text) if parent is None else parent
    return pd.DataFrame({"text": pd.Series(text).fillna("").astype(str).to_numpy(),
                         "parent_text": pd.Series(parent).fillna("").astype(str).to_numpy(),
                         "label": pd.Series(label).astype(int).to_numpy(), "source": source,
                         "page": pd.Series(group).astype(str).radd(f"{source}:").to_numpy()})


def load_sources(data: Path = DATA) -> pd.DataFrame:
    """Every measured source: ``text``, ``parent_text`` ("" when none), ``label``, ``source``, ``page`` (thread).

    Sources: ``gn``/``gc`` (Wikipedia replies, :func:`load_wiki`), ``dixon`` (Wikipedia
    comments, no parent), ``toxichat`` (human Reddit turns; the thread is the run of
    turns from a turn 1), ``convabuse`` (a user's message, the agent's turn before it
    as the parent) and ``fox`` (a comment and the one before it; grouped by article).
    """
    wiki = load_wiki(data)
    wiki["page"] = "wiki:" + wiki["page"]
    dixon = pd.read_csv(data / "wiki_toxicity_dixon" / "comments.csv")
    chat = pd.read_csv(data / "toxichat_reddit" / "turns.csv")
    chat["thread"] = (chat["turn"] == 1).cumsum()
    chat = chat[chat["src"] == "reddit"]
    abuse = pd.read_csv(data / "convabuse" / "turns.csv")
    fox = pd.read_csv(data / "fox_news_comments" / "comments.csv")
    parts = [
        wiki,
        _frame(dixon["comment"], None, dixon["toxic"].astype(str).eq("True"), "dixon", dixon["rev_id"]),
        _frame(chat["text"], chat["parent"], chat["label"].eq("Offensive"), "toxichat", chat["thread"]),
        _frame(abuse["user"], abuse["agent"], abuse["label_abusive_majority"], "convabuse", abuse["conv_id"]),
        _frame(fox["text"], fox["prev"], fox["label"], "fox", fox["title"]),
    ]
    return pd.concat(parts, ignore_index=True)


def load_civil(data: Path = DATA) -> pd.DataFrame:
    """Civil Comments' toxic-spans posts (majority label), auxiliary: selected for toxicity, not a sample."""
    posts = pd.read_csv(data / "civil_comments_toxic_spans" / "posts.csv")
    return _frame(posts["comment_text"], None, posts["label_toxic_majority"], "civil", posts["comment_id"])


def load_tweets(data: Path = DATA, fraction: float = 1.0) -> pd.DataFrame:
    """The tweets, cleaned: ``text``, ``toxic`` (offensive or hate) and ``hate``; ``fraction`` < 1 samples them."""
    tweets = pd.read_csv(data / "davidson" / "labeled_data.csv")
    if fraction < 1.0:
        tweets = tweets.sample(frac=fraction, random_state=SEED).sort_index()
    return pd.DataFrame({"text": [clean_tweet(t) for t in tweets["tweet"]],
                         "toxic": (tweets["class"] < 2).astype(int).to_numpy(),
                         "hate": (tweets["class"] == 0).astype(int).to_numpy()})


def train_toxicity(replies: pd.DataFrame, auxiliary: pd.DataFrame, folds: int = N_FOLDS, n_boot: int = 1000,
                   compare: tuple[str, ...] = ("apc", "toxblock", "lite_ngrams")) -> tuple[TrainedModel, Report]:
    """``toxicity``: every measured source in context, grouped by thread; tweets and Civil Comments auxiliary."""
    return train(replies, "toxicity", ("text", "context"), model="lite", compare=compare,
                 auxiliary=auxiliary, label_column="label", group_column="page",
                 n_folds=folds, n_boot=n_boot, name="lite", seed=SEED,
                 data_name="replies from Wikipedia talk pages, Reddit, chatbot conversations and Fox News "
                           "(load_sources), folds grouped by thread")


def train_identity(wiki: pd.DataFrame, tweets: pd.DataFrame, folds: int = N_FOLDS, n_boot: int = 1000,
                   compare: tuple[str, ...] = ("apc",)) -> tuple[TrainedModel, Report]:
    """``identity_attack``: tweets, hate speech = 1; the non-toxic Wikipedia replies are auxiliary negatives."""
    clean = wiki.loc[wiki["label"] == 0, ["text"]].assign(hate=0)
    return train(tweets, "identity_attack", ("text",), model="lite", compare=compare, auxiliary=clean,
                 label_column="hate", n_folds=folds, n_boot=n_boot, name="lite", seed=SEED,
                 data_name="Davidson et al.'s tweets, hate speech vs the rest")


#: How each measured source was labelled, for the per-source table.
SOURCE_NOTES = {"gn": "Wikipedia, labelled without parent", "gc": "Wikipedia, labelled with parent",
                "dixon": "Wikipedia comments", "toxichat": "Reddit, human turns", "convabuse": "messages to chatbots",
                "fox": "Fox News, hateful"}


def by_source(report: Report, replies: pd.DataFrame, n_boot: int = 1000) -> Report:
    """The out-of-fold metrics of each scorer on each source's rows separately.

    ``gc_dev`` was labelled by annotators who saw the parent: the rows where context
    matters. Each scorer flags at its threshold chosen over all out-of-fold scores;
    differences are paired against the report's reference (its first compared scorer).
    """
    pred = report.predictions
    names = [c.removeprefix("score:") for c in pred.columns if c.startswith("score:")]
    reference = names[1] if len(names) > 1 else None
    scorers, comparison = {}, {}
    for source, label in SOURCE_NOTES.items():
        rows = (replies["source"] == source).to_numpy()
        y = pred["label"].to_numpy()[rows]
        scores = {n: pred[f"score:{n}"].to_numpy()[rows] for n in names}
        paired = paired_bootstrap(y, scores, reference, n_boot, seed=SEED) if reference and n_boot else {}
        for n in names:
            key = f"{n}, {source} ({label})"
            threshold = report.scorers[n]["threshold"]
            scorers[key] = {**classification_metrics(y, scores[n], threshold, n_boot=n_boot, seed=SEED),
                            "threshold": threshold}
            if paired and n != reference:
                comparison[key] = paired[n]
    notes = ["Each scorer flags at its own threshold chosen over all out-of-fold scores."]
    if comparison:
        notes.append(f"vs ref.: paired bootstrap difference against {reference} on the same rows.")
    return Report("toxicity", "the same out-of-fold scores, by source", report.method, scorers, comparison, notes)


def merge(models: list[TrainedModel], reports: list[Report]) -> tuple[LiteToxicityModel, dict]:
    """One model file's estimator and metadata from the per-attribute models."""
    merged = LiteToxicityModel.merge([m.estimator.model_ for m in models])
    version = hashlib.blake2b("".join(m.meta["version"] for m in models).encode(), digest_size=4).hexdigest()
    meta = {
        "name": "lite", "kind": "toxicity", "version": version, "attributes": list(merged.attributes),
        "thresholds": {m.meta["target"]: round(m.threshold, 4) for m in models},
        "models": [{k: v for k, v in m.meta.items() if k not in ("params",)} for m in models],
        "not_supported": NOT_SUPPORTED, "sources": SOURCES, "recipe": RECIPE,
        "trained_with": {"scikit-learn": sklearn.__version__, "seed": SEED},
        "evaluation": {r.target: {n: {k: v for k, v in m.items()} for n, m in r.scorers.items()} for r in reports},
    }
    return merged, meta


def measure(data: Path = DATA, folds: int = N_FOLDS, n_boot: int = 1000, quick: bool = False,
            ) -> tuple[list[TrainedModel], list[Report], pd.DataFrame]:
    """Train and cross-validate both attributes as the recipe does (``quick``: a tenth of the tweets,
    no comparisons); returns ``([toxicity, identity_attack], [their reports, the by-source report], replies)``."""
    t0 = time.perf_counter()
    wiki, tweets = load_wiki(data), load_tweets(data, 0.1 if quick else 1.0)
    replies = load_sources(data)
    auxiliary = pd.concat([tweets.rename(columns={"toxic": "label"})[["text", "label"]],
                           load_civil(data)[["text", "parent_text", "label"]]], ignore_index=True)
    auxiliary["parent_text"] = auxiliary["parent_text"].fillna("")
    print(f"loaded {len(replies)} replies ({replies['source'].value_counts().to_dict()}), "
          f"{len(auxiliary)} auxiliary rows", file=sys.stderr)
    compare = {} if quick else {"toxicity": ("apc", "toxblock", "lite_ngrams"), "identity": ("apc",)}
    tox, tox_report = train_toxicity(replies, auxiliary, folds, n_boot, compare.get("toxicity", ()))
    print(f"toxicity trained ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    ident, ident_report = train_identity(wiki, tweets, folds, n_boot, compare.get("identity", ()))
    print(f"identity_attack trained ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    return [tox, ident], [tox_report, ident_report, by_source(tox_report, replies, n_boot)], replies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=RECIPE, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="the shared toxicity data folder")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the model file")
    parser.add_argument("--folds", type=int, default=N_FOLDS, help="outer cross-validation folds")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals")
    parser.add_argument("--quick", action="store_true", help="a tenth of the tweets, no comparisons: a smoke run")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    (tox, ident), (tox_report, ident_report, files), replies = measure(args.data, args.folds, args.bootstrap,
                                                                        args.quick)
    estimator, meta = merge([tox, ident], [tox_report, ident_report])
    path = save_model(estimator, args.out, meta)
    usage = "modkit score ... --toxicity lite"
    cards = [model_card({**m.meta, "sources": SOURCES, "usage": usage}, r)
             for m, r in ((tox, tox_report), (ident, ident_report))]
    cards[0] = cards[0].replace("\n## Data", "\n## By source\n\n" + files.to_markdown() + "\n"
                                + calibration_markdown(tox_report, {src: (replies["source"] == src).to_numpy()
                                                                    for src in SOURCE_NOTES}, positive="toxic")
                                + "\n## Data")
    path.with_suffix(".md").write_text(
        f"# The embedded `lite` toxicity scorer\n\nBuilt by `{RECIPE}`: one file, two attributes, each trained "
        f"by `modkit.train.train` (below). Not scored: {NOT_SUPPORTED}.\n\n"
        + "\n".join(c.replace("# Model card", "## Model card").replace("\n## ", "\n### ") for c in cards)
        + "\n" + KINDS_CARD,
        encoding="utf-8")
    for r in (tox_report, files, ident_report):
        print(r.to_markdown())
    print(json.dumps({"model": str(path), "bytes": path.stat().st_size, "thresholds": meta["thresholds"],
                      "seconds": round(time.perf_counter() - t0)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
