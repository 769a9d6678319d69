"""The conspiracy-framing classifier: TF-IDF logistic regression stacked with cue counts.

Two views of a reply feed one calibrated probability:

1. a text model, word (1-2) n-gram TF-IDF (optionally plus character n-grams
   within words) into a class-balanced logistic regression, which learns the
   register of conspiracy talk from labelled data;
2. the explainable cues of :mod:`modkit.score.cues`, counted per kind.

A second logistic regression (the *stacker*) combines the text model's
out-of-fold logit with the log cue counts. Because the stacker is fit on
out-of-fold scores, its output is calibrated (Platt scaling with the cue
counts as extra inputs) and it learns how much to trust each cue kind. The
threshold that maximises the Matthews correlation on those out-of-fold
scores is kept as ``threshold_``, the recommended flag threshold.

A reply that claims an event was staged or planned, as a sentence says it
(:func:`~modkit.score.cues.find_claims`: "the moon landing was faked", "Sandy
Hook was a false flag"), scores at least the *claim floor*: the lower end of the
95% Wilson interval of the share of training rows with such a claim that are
labelled conspiracy (``claim_floor_``, measured at fit from the training rows,
so cross-validation measures it too). The text model learns a topic's words; a
short claim about a topic it never saw (the moon landing is not in PAN) gets a
low text score however plainly it frames a plot, and the floor keeps the claim
from being drowned by that silence. Loaded words alone ("a hoax tag", "the
Mediation Cabal") are no claim.

The model reads a comments table (``text``, optional ``parent_text``) or a
list of strings. Words a reply copies from its parent (five or more in a
row) are blanked first (:mod:`modkit.score.quoting`): a reply is judged on
its own words, so quoting a claim to dispute it does not inherit the claim's
score. The parent's own framing is not used otherwise: replying to a
conspiracy theory is not spreading one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline

from modkit.score.base import PARENT_TEXT_COL, TEXT_COL, texts
from modkit.score.cues import MAX_SCAN_CHARS, Cue, counts_of, cue_counts, find_claims, find_cues
from modkit.score.fast_tfidf import CachedCharTfidf
from modkit.score.quoting import mask_parent_quotes
from modkit.train.metrics import max_mcc_threshold, share_interval

#: Characters of a reply the text model reads: the same cap as the cue scan,
#: so a 100k-character paste costs what a long comment costs.
MAX_MODEL_CHARS = MAX_SCAN_CHARS

#: Training rows with a claim needed before the claim floor is used: fewer say too little.
MIN_CLAIM_ROWS = 10

_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)


def normalise(text: str) -> str:
    """Text as the n-gram features see it: URLs folded to one token, capped length.

    Examples
    --------
    >>> normalise("see https://example.com/a?b=1 now")
    'see URL now'
    """
    return _URL.sub("URL", text[:MAX_MODEL_CHARS])


def own_words(comments: pd.DataFrame | Sequence[str]) -> list[str]:
    """Each reply's own words: the text with runs it copies from its parent blanked.

    Examples
    --------
    >>> own_words(pd.DataFrame({"text": ["it was a false flag attack, sure", "hi"],
    ...                         "parent_text": ["it was a false flag attack", None]}))
    ['                          , sure', 'hi']
    """
    if isinstance(comments, pd.DataFrame):
        own = texts(comments, TEXT_COL)
        if PARENT_TEXT_COL in comments.columns:
            parents = texts(comments, PARENT_TEXT_COL)
            own = [mask_parent_quotes(t, p) if p else t for t, p in zip(own, parents)]
        return own
    return ["" if (t is None or (isinstance(t, float) and t != t)) else str(t) for t in comments]


def cue_features(own: Sequence[str], cues: Sequence[Sequence[Cue]] | None = None) -> np.ndarray:
    """log(1 + count) per cue kind, plus log(1 + total): the stacker's cue inputs.

    ``cues``, when given, are the already-found cues of each text (so a caller that
    also shows them as evidence searches each text once).
    """
    counts = cue_counts(own) if cues is None else counts_of(cues)
    return np.log1p(np.column_stack([counts, counts.sum(axis=1)]))


def claimed(own: Sequence[str], cues: Sequence[Sequence[Cue]] | None = None) -> np.ndarray:
    """Whether each (quote-masked) text claims an event was staged (:func:`~modkit.score.cues.find_claims`).

    ``cues``, the texts' cues when already found, skip the claim search where no
    ``staged_event`` cue was found (every claim is one).

    Examples
    --------
    >>> claimed(["the attack was staged", "a hoax tag"]).tolist()
    [True, False]
    """
    return np.array([(cues is None or any(c.kind == "staged_event" for c in cues[i])) and bool(find_claims(t))
                     for i, t in enumerate(own)], dtype=bool)


class ConspiracyModel(ClassifierMixin, BaseEstimator):
    """TF-IDF logistic regression stacked with conspiracy cues into a calibrated probability.

    Parameters
    ----------
    C : float
        Inverse L2 strength of the text model's logistic regression.
    word_ngram_range, char_ngram_range : tuple of int
        N-gram sizes of the word and character TF-IDF features. The default,
        ``char_ngram_range=None``, uses words only: on the PAN data character
        n-grams added about 0.01 MCC (one CV repeat) but made the model 30 MB
        and scoring several times slower.
    min_df : int
        Documents an n-gram must appear in to become a feature.
    stack_C : float
        Inverse L2 strength of the stacker.
    stack_folds : int
        Folds of the out-of-fold scores the stacker learns from.
    use_cues : bool
        Whether the stacker sees the cue counts (``False``: Platt scaling only).
    random_state : int
        Seed of the fold split.

    Examples
    --------
    >>> docs = ["the deep state planned it all, wake up", "the ministry published the numbers"] * 10
    >>> m = ConspiracyModel(stack_folds=2).fit(docs, [1, 0] * 10)
    >>> bool(m.predict_proba(["wake up, the cabal planned it"])[0, 1] > 0.5)
    True
    """

    def __init__(self, C: float = 10.0, word_ngram_range: tuple[int, int] = (1, 2),
                 char_ngram_range: tuple[int, int] | None = None, min_df: int = 2, stack_C: float = 1.0,
                 stack_folds: int = 5, use_cues: bool = True, random_state: int = 0):
        self.C = C
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.stack_C = stack_C
        self.stack_folds = stack_folds
        self.use_cues = use_cues
        self.random_state = random_state

    # -- fitting ------------------------------------------------------------------------------
    def _text_pipeline(self) -> Pipeline:
        features = [("word", TfidfVectorizer(ngram_range=self.word_ngram_range, sublinear_tf=True,
                                             min_df=self.min_df))]
        if self.char_ngram_range:
            features.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngram_range,
                                                     sublinear_tf=True, min_df=self.min_df)))
        clf = LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear")
        return Pipeline([("features", FeatureUnion(features)), ("clf", clf)])

    def _stack_inputs(self, logit: np.ndarray, own: Sequence[str],
                      cues: Sequence[Sequence[Cue]] | None = None) -> np.ndarray:
        cols = [logit.reshape(-1, 1)]
        if self.use_cues:
            cols.append(cue_features(own, cues))
        return np.hstack(cols)

    def fit(self, X: pd.DataFrame | Sequence[str], y: Sequence[int]) -> ConspiracyModel:
        """Fit the text model, then the stacker on its out-of-fold logits and the cue counts."""
        own = own_words(X)
        docs = [normalise(t) for t in own]
        y = np.asarray(y).astype(int)
        folds = StratifiedKFold(self.stack_folds, shuffle=True, random_state=self.random_state)
        oof = cross_val_predict(self._text_pipeline(), docs, y, cv=folds, method="decision_function")
        self.text_model_ = self._text_pipeline().fit(docs, y)
        Z = self._stack_inputs(oof, own)
        self.stacker_ = LogisticRegression(C=self.stack_C).fit(Z, y)
        claims = claimed(own)
        self.claim_counts_ = (int(y[claims].sum()), int(claims.sum()))
        _, low, _ = share_interval(*self.claim_counts_)
        self.claim_floor_ = low if claims.sum() >= MIN_CLAIM_ROWS and self.use_cues else None
        self.oof_proba_ = self.stacker_.predict_proba(Z)[:, 1]
        self.threshold_ = max_mcc_threshold(y, self.oof_proba_)
        self.classes_ = np.array([0, 1])
        return self

    # -- prediction -----------------------------------------------------------------------------
    def _fast_char(self) -> CachedCharTfidf | None:
        fast = self.__dict__.get("_fast_char_cache")
        if fast is None and self.char_ngram_range:
            fast = self.__dict__["_fast_char_cache"] = CachedCharTfidf(self._vectorizer("char"))
        return fast

    def _vectorizer(self, name: str) -> TfidfVectorizer:
        return dict(self.text_model_.named_steps["features"].transformer_list)[name]

    def text_logit(self, own: Sequence[str]) -> np.ndarray:
        """The text model's logit for each (already quote-masked) text."""
        docs = [normalise(t) for t in own]
        blocks = [self._vectorizer("word").transform(docs)]
        if self.char_ngram_range:
            blocks.append(self._fast_char().transform(docs))
        features = sp.hstack(blocks, format="csr")
        return self.text_model_.named_steps["clf"].decision_function(features)

    def predict_proba(self, X: pd.DataFrame | Sequence[str],
                      cues: Sequence[Sequence[Cue]] | None = None) -> np.ndarray:
        """Calibrated ``[P(not conspiracy), P(conspiracy)]`` per row.

        ``cues`` may pass the cues of each row's own words, found already.
        """
        own = own_words(X)
        if not own:
            return np.zeros((0, 2))
        cues = [find_cues(t) for t in own] if cues is None else cues
        proba = self.stacker_.predict_proba(self._stack_inputs(self.text_logit(own), own, cues))
        floor = getattr(self, "claim_floor_", None)  # None in files written before the floor
        if floor is not None:
            rows = claimed(own, cues)
            proba[rows, 1] = np.maximum(proba[rows, 1], floor)
            proba[rows, 0] = 1.0 - proba[rows, 1]
        return proba

    def predict(self, X: pd.DataFrame | Sequence[str]) -> np.ndarray:
        """1 where the score reaches the recommended flag threshold ``threshold_``."""
        return (self.predict_proba(X)[:, 1] >= self.threshold_).astype(int)

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # object.__getstate__ returns __dict__ itself: never mutate it
        state.pop("_fast_char_cache", None)  # a runtime cache, rebuilt on first use
        if "text_model_" in state:
            # skops writes a dict as one JSON node per key and value (~900 bytes each): a 150k-term
            # vocabulary became a 134 MB schema that took 5 s to load. One newline-joined string per
            # vectoriser (n-grams hold no newline) keeps the file small and fast to load.
            model = copy.deepcopy(state["text_model_"])
            vocabularies = {}
            for name, vectorizer in model.named_steps["features"].transformer_list:
                terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
                vocabularies[name] = "\n".join(terms)
                vectorizer.vocabulary_ = {}
                vectorizer.__dict__.pop("stop_words_", None)
            state["text_model_"], state["_vocabularies"] = model, vocabularies
        return state

    def __setstate__(self, state: dict) -> None:
        vocabularies = state.pop("_vocabularies", None)
        self.__dict__.update(state)
        if vocabularies:
            for name, vectorizer in self.text_model_.named_steps["features"].transformer_list:
                vectorizer.vocabulary_ = {t: i for i, t in enumerate(vocabularies[name].split("\n"))}
