"""Recipe: train the embedded ``lite`` toxicity model and measure it on held-out threads.

Run from the repository root::

    python -m modkit.train.recipes.lite_toxicity [--data DIR] [--out PATH] [--folds 5]

It reads ``../shared/datasets/toxicity`` (Davidson et al.'s tweets; the
Wikipedia talk replies of Pavlopoulos et al. labelled without their parent,
``gn.csv``, and with it, ``gc_dev.csv``) and alt-profanity-check's pre-trained
model (``pip install -e '.[recipes]'`` installs alt-profanity-check 1.9.1; its
joblib files are read once here, converted to arrays, and never needed at run
time). Then it

1. **measures** the whole procedure with cross-validation grouped by Wikipedia
   page (a page's replies never straddle training and test): in every outer
   fold, the own text models, the context head and the flag threshold are all
   fitted on the training pages only (the head on inner out-of-fold text
   scores, the threshold at the best F1 of inner out-of-fold head scores), and
   the held-out pages are scored with and without their parents, beside
   alt-profanity-check on the same replies. A second check holds out a whole
   file (train without ``gc_dev.csv``, test on it). ``identity_attack`` is
   measured by stratified cross-validation on the tweets;
2. **fits** the final model on all the data by the same procedure and writes
   ``modkit/score/models/lite.skops`` (metadata: attributes, thresholds, data,
   licences, the evaluation);
3. **prints** the evaluation as a Markdown table.

Everything is seeded: two runs write the same model and print the same numbers.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GroupKFold, StratifiedKFold

from modkit.score.lite_model import LiteToxicityModel, TextDesign
from modkit.score.profanity_svm import LICENCE, ProfanitySVM
from modkit.train.persist import save_model
from modkit.train.ranking_report import at_threshold, bootstrap, markdown_table, max_f1_threshold

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "datasets" / "toxicity"
OUT = ROOT / "modkit" / "score" / "models" / "lite.skops"
#: Bump when the features, the data or the procedure change: it keys score caches.
MODEL_VERSION = "1.0"
SEED = 0
N_FOLDS = 5

#: Character n-grams of 2 to 5 characters cover word pieces and short words; 2**18
#: hashed columns keep collisions rare for ~40k training texts and the file small.
CHAR_NGRAM_RANGE = (2, 5)
CHAR_BITS = 18
#: L2 penalty of the own text models (about C = 4 at this data size, the usual
#: strength for n-gram logistic regression) and the passes over the data, which
#: reach the same held-out ranking as a converged solver at a tenth of the time.
SGD_ALPHA = 1e-5
SGD_EPOCHS = 30
#: Toxic Wikipedia replies are 0.9% of their files but 83% of the tweets are
#: offensive or hateful: up-weighting the Wikipedia positives keeps them from
#: being drowned by tweet profanity.
WIKI_POSITIVE_WEIGHT = 10.0
#: Hate speech is 5.8% of the tweets: up-weight it like the toxic replies.
HATE_POSITIVE_WEIGHT = 10.0
#: The toxicity head: inverse L2 strength on standardised features (strong, as
#: it learns from ~130 positives) and the weight of positives. Its intercept is
#: corrected by -log(weight) after fitting, so scores stay probability-like.
HEAD_C = 0.1
HEAD_POSITIVE_WEIGHT = 10.0
#: The toxicity head's features (see :data:`modkit.score.lite_model.CONTEXT_FEATURES`).
TOXICITY_FEATURES = (
    "reply_apc", "reply_own", "reply_strongest_word", "reply_you", "reply_log_len",
    "has_parent", "parent_apc", "parent_own", "parent_toxic_x_reply_you", "parent_toxic_x_reply_toxic",
)
#: Attributes this model scores, and what each was trained on.
SUPPORTED = {
    "toxicity": "Wikipedia talk replies labelled toxic (with and without the parent) and tweets labelled "
                "offensive or hate speech; stacked on alt-profanity-check's score and the parent's toxicity",
    "identity_attack": "tweets labelled hate speech (Davidson et al.: abusive language targeting a group); "
                       "reply text only",
}
NOT_SUPPORTED = ("severe_toxicity, obscene, threat, insult and sexual_explicit: no labelled data here tells "
                 "them apart from general toxicity, so the model does not pretend to score them")

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


@dataclass
class Corpus:
    """The training texts, each analysed once (design matrices are reused across folds)."""

    svm: ProfanitySVM
    tweets: list[str]
    tweet_toxic: np.ndarray
    tweet_hate: np.ndarray
    tweet_design: TextDesign
    wiki: pd.DataFrame  # text, parent ("" when unknown), label, source ("gn"/"gc"), page
    reply_design: TextDesign
    parent_design: TextDesign

    @property
    def y(self) -> np.ndarray:
        return self.wiki["label"].to_numpy()

    @property
    def has_parent(self) -> np.ndarray:
        return (self.wiki["parent"] != "").to_numpy()


def load_svm() -> ProfanitySVM:
    """alt-profanity-check's model, converted (its joblib files are read here only)."""
    try:
        from profanity_check import profanity_check as apc
    except ImportError:
        sys.exit("this recipe needs alt-profanity-check: pip install -e '.[recipes]'")
    return ProfanitySVM.from_alt_profanity_check(apc.vectorizer, apc.model)


def _shell(svm: ProfanitySVM, text_coefs: dict[str, tuple] | None = None,
           heads: dict | None = None) -> LiteToxicityModel:
    """A model with the given own text models (``{target: (coef_char, coef_word, intercept)}``)."""
    text_coefs = text_coefs or {}
    n_chars = 1 << CHAR_BITS
    return LiteToxicityModel(
        svm, CHAR_NGRAM_RANGE, CHAR_BITS, tuple(text_coefs),
        np.column_stack([c[0] for c in text_coefs.values()]).astype(np.float32) if text_coefs
        else np.zeros((n_chars, 0), np.float32),
        np.column_stack([c[1] for c in text_coefs.values()]).astype(np.float32) if text_coefs
        else np.zeros((svm.n_words, 0), np.float32),
        np.array([c[2] for c in text_coefs.values()]), heads or {})


def load_corpus(data: Path = DATA, svm: ProfanitySVM | None = None, tweet_fraction: float = 1.0) -> Corpus:
    """Read and analyse the data; ``tweet_fraction`` < 1 keeps a seeded sample of tweets (quick runs)."""
    svm = svm or load_svm()
    tweets = pd.read_csv(data / "davidson" / "labeled_data.csv")
    if tweet_fraction < 1.0:
        tweets = tweets.sample(frac=tweet_fraction, random_state=SEED).sort_index()
    gn = pd.read_csv(data / "wiki_talk_context" / "gn.csv").assign(source="gn", parent="")
    gc = pd.read_csv(data / "wiki_talk_context" / "gc_dev.csv").assign(source="gc")
    wiki = pd.concat([gn, gc], ignore_index=True)[["id", "text", "parent", "label", "source"]]
    wiki["text"] = wiki["text"].fillna("").astype(str)
    wiki["parent"] = wiki["parent"].fillna("").astype(str)
    wiki["page"] = wiki["id"].astype(str).str.split(".").str[0]  # ids are page.revision.revision
    shell = _shell(svm)
    texts = [clean_tweet(t) for t in tweets["tweet"]]
    return Corpus(
        svm=svm, tweets=texts, tweet_toxic=(tweets["class"] < 2).to_numpy(int),
        tweet_hate=(tweets["class"] == 0).to_numpy(int), tweet_design=shell.analyse(texts), wiki=wiki,
        reply_design=shell.analyse(wiki["text"].tolist()), parent_design=shell.analyse(wiki["parent"].tolist()),
    )


def fit_text_model(corpus: Corpus, wiki_rows: np.ndarray, target: str) -> tuple[np.ndarray, np.ndarray, float]:
    """One own text model (SGD logistic regression): ``(coef_char, coef_word, intercept)``.

    ``toxicity`` learns from all tweets (offensive or hate = 1) and the given
    Wikipedia replies; ``identity_attack`` from the tweets (hate = 1) plus the
    given Wikipedia replies labelled non-toxic (a reply no one found toxic is
    no identity attack; toxic replies have no identity label, so they are left out).
    Its intercept is not prior-corrected: heads do that.
    """
    y_wiki = corpus.y[wiki_rows]
    if target == "toxicity":
        rows, y_t, y_w = wiki_rows, corpus.tweet_toxic, y_wiki
        w_w = np.where(y_w == 1, WIKI_POSITIVE_WEIGHT, 1.0)
        w_t = np.ones(len(y_t))
    elif target == "identity_attack":
        rows = wiki_rows[y_wiki == 0]
        y_t, y_w = corpus.tweet_hate, np.zeros(len(rows), int)
        w_t, w_w = np.where(y_t == 1, HATE_POSITIVE_WEIGHT, 1.0), np.ones(len(rows))
    else:
        raise ValueError(f"unknown target {target!r}")
    wiki = corpus.reply_design.rows(rows)
    tweets = corpus.tweet_design
    X = sp.vstack([sp.hstack([tweets.chars, tweets.words]), sp.hstack([wiki.chars, wiki.words])], format="csr")
    clf = SGDClassifier(loss="log_loss", alpha=SGD_ALPHA, max_iter=SGD_EPOCHS, tol=None, random_state=SEED)
    clf.fit(X, np.concatenate([y_t, y_w]), sample_weight=np.concatenate([w_t, w_w]))
    coef = clf.coef_.ravel()
    n_chars = 1 << CHAR_BITS
    return coef[:n_chars], coef[n_chars:], float(clf.intercept_[0])


def wiki_features(model: LiteToxicityModel, corpus: Corpus, rows: np.ndarray,
                  context: bool = True) -> dict[str, np.ndarray]:
    """The heads' features for Wikipedia rows, with their parents (``context``) or without."""
    texts = corpus.wiki["text"].to_numpy()[rows].tolist()
    parents = corpus.wiki["parent"].to_numpy()[rows].tolist()
    reply = model.text_signals(texts, corpus.reply_design.rows(rows))
    parent = model.text_signals(parents, corpus.parent_design.rows(rows))
    has_parent = corpus.has_parent[rows] & context
    return model.combine(reply, parent, has_parent)


def _matrix(features: dict[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([features[n] for n in names])


def fit_head(X: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray, float]:
    """A logistic head on standardised features, returned on the raw features, prior-corrected."""
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    clf = LogisticRegression(C=HEAD_C, class_weight={0: 1.0, 1: HEAD_POSITIVE_WEIGHT}, max_iter=10_000)
    clf.fit((X - mean) / scale, y)
    coef = clf.coef_.ravel() / scale
    # Weighting positives by w adds log(w) to the fitted log-odds; take it back off.
    intercept = float(clf.intercept_[0] - coef @ mean - np.log(HEAD_POSITIVE_WEIGHT))
    return names, coef, intercept


def _head_score(head: tuple[tuple[str, ...], np.ndarray, float], features: dict[str, np.ndarray]) -> np.ndarray:
    names, coef, intercept = head
    return 1.0 / (1.0 + np.exp(-(_matrix(features, names) @ coef + intercept)))


def _group_folds(corpus: Corpus, rows: np.ndarray, n_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    groups = corpus.wiki["page"].to_numpy()[rows]
    return [(rows[a], rows[b]) for a, b in GroupKFold(n_folds).split(rows, groups=groups)]


@dataclass
class Fitted:
    """A fitted model, its toxicity flag threshold and the validation scores it was chosen on."""

    model: LiteToxicityModel
    threshold: float
    validation_y: np.ndarray
    validation_scores: np.ndarray


def fit_lite(corpus: Corpus, rows: np.ndarray, n_inner: int = N_FOLDS,
             features: tuple[str, ...] = TOXICITY_FEATURES, identity: bool = True) -> Fitted:
    """The whole procedure on Wikipedia ``rows`` (plus all tweets).

    The head learns from inner out-of-fold text scores (grouped by page), so it
    sees text scores as good as on new pages, not memorised ones; the threshold
    is the best-F1 point of the head's own inner out-of-fold scores.
    """
    inner = _group_folds(corpus, rows, n_inner)
    y = corpus.y
    parts: list[dict[str, np.ndarray]] = []
    for train, test in inner:
        shell = _shell(corpus.svm, {"toxicity": fit_text_model(corpus, train, "toxicity")})
        parts.append(wiki_features(shell, corpus, test))
    order = np.concatenate([test for _, test in inner])
    oof = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    X, y_oof = _matrix(oof, features), y[order]
    # Inner out-of-fold head scores, for the threshold: the same inner folds, by position.
    head_oof = np.empty(len(order))
    start = 0
    bounds = []
    for _, test in inner:
        bounds.append((start, start + len(test)))
        start += len(test)
    for a, b in bounds:
        keep = np.r_[0:a, b:len(order)]
        head_oof[a:b] = _head_score(fit_head(X[keep], y_oof[keep], features), {n: oof[n][a:b] for n in features})
    threshold = max_f1_threshold(y_oof, head_oof)
    text_coefs = {"toxicity": fit_text_model(corpus, rows, "toxicity")}
    heads = {"toxicity": fit_head(X, y_oof, features)}
    if identity:
        text_coefs["identity_attack"] = fit_text_model(corpus, rows, "identity_attack")
        heads["identity_attack"] = (("reply_own_identity_attack",), np.array([1.0]),
                                    -float(np.log(HATE_POSITIVE_WEIGHT)))
    return Fitted(_shell(corpus.svm, text_coefs, heads), threshold, y_oof, head_oof)


def _apc_proba(corpus: Corpus, rows: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
    words = corpus.reply_design.words[rows] if texts is None else corpus.svm.tfidf(texts)
    return corpus.svm.proba(words)


def cross_validate_toxicity(corpus: Corpus, n_folds: int = N_FOLDS, n_inner: int = N_FOLDS,
                            features: tuple[str, ...] = TOXICITY_FEATURES) -> dict[str, np.ndarray]:
    """Held-out scores for every Wikipedia reply: ours with and without context, the references'.

    Returns arrays over all rows: ``context``, ``no_context``, ``threshold`` (the
    fold's), ``apc``, ``apc_concat`` (alt-profanity-check on parent + reply),
    ``apc_threshold`` (its best-F1 threshold on the fold's training rows), and
    ``fold``.
    """
    n = len(corpus.wiki)
    out = {k: np.zeros(n) for k in ("context", "no_context", "threshold", "apc_threshold", "fold")}
    out["apc"] = _apc_proba(corpus, np.arange(n))
    concat = (corpus.wiki["parent"] + "\n" + corpus.wiki["text"]).str.strip().tolist()
    out["apc_concat"] = corpus.svm.proba(corpus.svm.tfidf(concat))
    for fold, (train, test) in enumerate(_group_folds(corpus, np.arange(n), n_folds)):
        fitted = fit_lite(corpus, train, n_inner, features, identity=False)
        out["context"][test] = fitted.model.head_scores(wiki_features(fitted.model, corpus, test))["toxicity"]
        out["no_context"][test] = fitted.model.head_scores(
            wiki_features(fitted.model, corpus, test, context=False))["toxicity"]
        out["threshold"][test] = fitted.threshold
        out["apc_threshold"][test] = max_f1_threshold(corpus.y[train], out["apc"][train])
        out["fold"][test] = fold
    return out


def file_holdout(corpus: Corpus, n_inner: int = N_FOLDS) -> dict[str, np.ndarray]:
    """Train on the tweets and ``gn.csv`` only; score ``gc_dev.csv`` replies without their parents."""
    gn = np.flatnonzero((corpus.wiki["source"] == "gn").to_numpy())
    gc = np.flatnonzero((corpus.wiki["source"] == "gc").to_numpy())
    no_context = tuple(f for f in TOXICITY_FEATURES if not f.startswith("parent") and f != "has_parent")
    fitted = fit_lite(corpus, gn, n_inner, no_context, identity=False)
    scores = fitted.model.head_scores(wiki_features(fitted.model, corpus, gc, context=False))["toxicity"]
    return {"rows": gc, "scores": scores, "threshold": fitted.threshold,
            "apc_threshold": max_f1_threshold(corpus.y[gn], _apc_proba(corpus, gn))}


def cross_validate_identity(corpus: Corpus, n_folds: int = N_FOLDS) -> dict[str, np.ndarray]:
    """Held-out identity_attack scores for every tweet (stratified folds), threshold chosen inside folds."""
    y = corpus.tweet_hate
    n = len(y)
    scores, thresholds = np.zeros(n), np.zeros(n)
    wiki_clean = np.flatnonzero(corpus.y == 0)
    X = sp.hstack([corpus.tweet_design.chars, corpus.tweet_design.words], format="csr")
    offset = -np.log(HATE_POSITIVE_WEIGHT)

    def fit_score(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        sub = Corpus(corpus.svm, [], corpus.tweet_toxic[train], y[train], corpus.tweet_design.rows(train),
                     corpus.wiki, corpus.reply_design, corpus.parent_design)
        cc, cw, b = fit_text_model(sub, wiki_clean, "identity_attack")
        return 1.0 / (1.0 + np.exp(-(X[test] @ np.concatenate([cc, cw]) + b + offset)))

    folds = StratifiedKFold(n_folds, shuffle=True, random_state=SEED)
    for train, test in folds.split(X, y):
        scores[test] = fit_score(train, test)
        inner = np.zeros(len(train))
        for a, b in StratifiedKFold(n_folds, shuffle=True, random_state=SEED).split(train, y[train]):
            inner[b] = fit_score(train[a], train[b])
        thresholds[test] = max_f1_threshold(y[train], inner)
    apc = corpus.svm.proba(corpus.tweet_design.words)
    return {"scores": scores, "threshold": thresholds, "apc": apc}


def evaluation_rows(corpus: Corpus, cv: dict[str, np.ndarray], holdout: dict | None,
                    identity: dict | None, n_boot: int, n_folds: int = N_FOLDS) -> list[dict]:
    """The evaluation table's rows (see :func:`modkit.train.ranking_report.markdown_table`)."""
    rows: list[dict] = []
    src = corpus.wiki["source"].to_numpy()
    y_all = corpus.y

    def add(data: str, y: np.ndarray, scorers: dict[str, tuple[np.ndarray, np.ndarray | float | None]],
            reference: str, attribute: str = "toxicity") -> None:
        boot = bootstrap(y, {k: v[0] for k, v in scorers.items()}, reference=reference, n_boot=n_boot)
        for name, (s, thr) in scorers.items():
            rows.append({"attribute": attribute, "data": data, "scorer": name, "n": len(y),
                         "positives": int(y.sum()), "metrics": boot[name],
                         "at_threshold": at_threshold(y, s, thr) if thr is not None else None})

    apc = "alt-profanity-check"
    gn, gc = src == "gn", src == "gc"
    add(f"Wikipedia replies labelled without context (gn, {n_folds}-fold by page)", y_all[gn], {
        "lite (no parent given)": (cv["no_context"][gn], cv["threshold"][gn]),
        apc: (cv["apc"][gn], cv["apc_threshold"][gn]),
    }, reference=apc)
    add(f"Wikipedia replies labelled in context (gc_dev, {n_folds}-fold by page)", y_all[gc], {
        "lite with parent": (cv["context"][gc], cv["threshold"][gc]),
        "lite without parent": (cv["no_context"][gc], cv["threshold"][gc]),
        apc: (cv["apc"][gc], cv["apc_threshold"][gc]),
        f"{apc} on parent + reply": (cv["apc_concat"][gc], None),
    }, reference=apc)
    if holdout is not None:
        r = holdout["rows"]
        add("gc_dev held out as a file (trained on tweets + gn only), no parent", y_all[r], {
            "lite (no parent given)": (holdout["scores"], holdout["threshold"]),
            apc: (cv["apc"][r], holdout["apc_threshold"]),
        }, reference=apc)
    if identity is not None:
        add(f"Tweets, hate speech vs the rest ({n_folds}-fold; alt-profanity-check trained on these tweets)",
            corpus.tweet_hate, {"lite identity_attack": (identity["scores"], identity["threshold"]),
                                apc: (identity["apc"], None)}, reference=apc, attribute="identity_attack")
    return rows


def render(rows: list[dict]) -> str:
    """The evaluation rows as one Markdown table per attribute."""
    parts = []
    for attribute in dict.fromkeys(r["attribute"] for r in rows):
        parts.append(f"**{attribute}**\n\n" + markdown_table([r for r in rows if r["attribute"] == attribute]))
    return "\n\n".join(parts)


def compact_rows(rows: list[dict]) -> list[dict]:
    """Rows rounded for the model's metadata."""
    def rnd(d: dict | None) -> dict | None:
        return None if d is None else {k: (round(v, 4) if isinstance(v, float) else rnd(v) if isinstance(v, dict)
                                           else v) for k, v in d.items()}
    return [rnd(r) for r in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m modkit.train.recipes.lite_toxicity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="the shared toxicity data folder")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the model file")
    parser.add_argument("--folds", type=int, default=N_FOLDS, help="outer and inner folds")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    corpus = load_corpus(args.data)
    print(f"loaded {len(corpus.tweets)} tweets, {len(corpus.wiki)} Wikipedia replies "
          f"({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    cv = cross_validate_toxicity(corpus, args.folds, args.folds)
    holdout = file_holdout(corpus, args.folds)
    identity = cross_validate_identity(corpus, args.folds)
    rows = evaluation_rows(corpus, cv, holdout, identity, args.bootstrap, args.folds)
    print(f"evaluated ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)
    final = fit_lite(corpus, np.arange(len(corpus.wiki)), args.folds)
    thresholds = {"toxicity": round(final.threshold, 4),
                  "identity_attack": round(float(np.median(identity["threshold"])), 4)}
    meta = {
        "name": "lite", "kind": "toxicity", "version": MODEL_VERSION, "attributes": list(SUPPORTED),
        "attribute_sources": SUPPORTED, "not_supported": NOT_SUPPORTED, "thresholds": thresholds,
        "threshold_rule": ("toxicity: best F1 on inner out-of-fold scores (grouped by page) of the final "
                           "training data; identity_attack: median over outer folds of the best-F1 threshold "
                           "on each fold's inner out-of-fold scores"),
        "data": {"davidson": "MIT, Davidson et al. ICWSM 2017", "wiki_talk_context":
                 "Apache-2.0 (text CC BY-SA), Pavlopoulos et al. ACL 2020: gn.csv, gc_dev.csv"},
        "licences": [LICENCE], "trained_with": {"scikit-learn": sklearn.__version__, "seed": SEED},
        "evaluation": compact_rows(rows),
    }
    save_model(final.model, args.out, meta)
    print(render(rows))
    print(f"\nthresholds: {json.dumps(thresholds)}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.0f}s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
