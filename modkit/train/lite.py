"""The ``lite`` model family: ``modkit train --model lite`` and the embedded ``lite`` scorer's training.

:class:`LiteToxicityClassifier` fits a :class:`~modkit.score.lite_model.LiteToxicityModel`
for one target in two stages:

1. an **own text model**: an SGD logistic regression over hashed character
   2-5-grams and alt-profanity-check's word TF-IDF, trained on the main rows
   (positives up-weighted) plus any auxiliary rows (other corpora that teach
   the words but are never measured, e.g. tweets beside Wikipedia replies);
2. a **head**: a logistic regression over the text signals of the reply (and,
   with context, of its parent), fitted on *inner out-of-fold* text scores of
   the main rows, grouped by thread, so it learns how far to trust a text
   score on replies the text model has not seen.

Both the classifier and :class:`ProfanityCheckReference` (alt-profanity-check's
pre-trained model, a reference to compare with) read alt-profanity-check's word
SVM; without the package installed they take the copy in the shipped model file.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, SGDClassifier

from modkit.score.base import PARENT_TEXT_COL, TEXT_COL, texts
from modkit.score.lite_model import LiteToxicityModel, TextDesign, feature_names
from modkit.score.profanity_svm import ProfanitySVM
from modkit.train.data import AUXILIARY, GROUP


@lru_cache(maxsize=1)
def profanity_svm() -> ProfanitySVM:
    """alt-profanity-check's word SVM: from the package when installed, else from the shipped model.

    The shipped copy is the package's model converted to arrays (tested equal to 1e-9).
    Loaded once per process: every fold of every compared family reads the same model.
    """
    try:
        from profanity_check import profanity_check as apc
    except ImportError:
        from modkit.score.scorers.lite import DEFAULT_MODEL
        from modkit.train.persist import load_model

        return load_model(DEFAULT_MODEL)[0].svm
    return ProfanitySVM.from_alt_profanity_check(apc.vectorizer, apc.model)


def _column(X: pd.DataFrame, name: str, default: object) -> list:
    return X[name].tolist() if isinstance(X, pd.DataFrame) and name in X.columns else [default] * len(X)


def fit_head(X: np.ndarray, y: np.ndarray, C: float, positive_weight: float) -> tuple[np.ndarray, float]:
    """A logistic head on standardised features, returned on the raw features and prior-corrected.

    Weighting positives by ``w`` adds ``log(w)`` to the fitted log-odds; it is taken
    back off so scores stay probability-like.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]] * 5)
    >>> coef, b = fit_head(X, np.array([0, 0, 1, 1] * 5), C=1.0, positive_weight=1.0)
    >>> bool(coef[0] > 0)
    True
    """
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    clf = LogisticRegression(C=C, class_weight={0: 1.0, 1: positive_weight}, max_iter=10_000)
    clf.fit((X - mean) / scale, y)
    coef = clf.coef_.ravel() / scale
    return coef, float(clf.intercept_[0] - coef @ mean - np.log(positive_weight))


class _PredictAtEvenOdds:
    """``predict`` for a classifier whose ``predict_proba`` is calibrated: the class at even odds or above."""

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """``classes_[1]`` where the probability reaches 0.5, else ``classes_[0]``."""
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


class LiteToxicityClassifier(_PredictAtEvenOdds, ClassifierMixin, BaseEstimator):
    """Hashed n-gram text model plus a context head (see the module docstring).

    Reads a frame with ``text`` and ``parent_text``; for fitting, optionally
    ``group`` (inner folds are grouped by it) and ``auxiliary`` (rows used only
    to fit the text model). The fitted :class:`LiteToxicityModel` is ``model_``.

    Parameters
    ----------
    target : str
        Name of the attribute (the head's and the own text model's name).
    context : bool
        Whether the head reads the parent's signals.
    char_ngram_range, char_bits : (int, int), int
        Character n-gram lengths, hashed into ``2**char_bits`` columns (2**18 keeps
        collisions rare for ~60k training texts and the file small).
    alpha, epochs : float, int
        L2 penalty and passes of the SGD text model (about C = 4 at 50k texts; 30
        passes reach the held-out ranking of a converged solver at a tenth of the time).
    positive_weight : float
        Weight of the main rows' positives in the text model (auxiliary rows weigh 1):
        keeps rare positives from being drowned by an auxiliary corpus.
    head_C, head_positive_weight : float
        Inverse L2 strength of the head on standardised features (strong: it may
        learn from ~100 positives), and the weight of positives (prior-corrected).
    inner_folds : int
        Folds of the inner out-of-fold text scores the head learns from.
    random_state : int
    svm : ProfanitySVM, optional
        The word model; :func:`profanity_svm` by default.
    toxblock : bool
        Let the heads read tox-block's six Jigsaw-trained outputs (and the fitted model
        score the kinds ``severe_toxicity``, ``obscene``, ``threat``, ``insult``).

    Examples
    --------
    >>> words = ["idiot", "moron", "clown", "loser"]
    >>> X = pd.DataFrame({"text": [f"you {words[i % 4]}" if i % 2 else f"thanks for the edit {i}"
    ...                            for i in range(40)], "group": [f"t{i // 4}" for i in range(40)]})
    >>> m = LiteToxicityClassifier(context=False, char_bits=12, inner_folds=2, toxblock=False)
    >>> m = m.fit(X, [i % 2 for i in range(40)])
    >>> p = m.predict_proba(pd.DataFrame({"text": ["you clown", "thanks for the fix"]}))[:, 1]
    >>> bool(p[0] > p[1])
    True
    """

    def __init__(self, target: str = "toxicity", context: bool = True, char_ngram_range: tuple[int, int] = (2, 5),
                 char_bits: int = 18, alpha: float = 1e-5, epochs: int = 30, positive_weight: float = 10.0,
                 head_C: float = 0.1, head_positive_weight: float = 10.0, inner_folds: int = 5,
                 random_state: int = 0, svm: ProfanitySVM | None = None, toxblock: bool = True):
        self.target = target
        self.context = context
        self.char_ngram_range = char_ngram_range
        self.char_bits = char_bits
        self.alpha = alpha
        self.epochs = epochs
        self.positive_weight = positive_weight
        self.head_C = head_C
        self.head_positive_weight = head_positive_weight
        self.inner_folds = inner_folds
        self.random_state = random_state
        self.svm = svm
        self.toxblock = toxblock

    def _shell(self, svm: ProfanitySVM, coefs: tuple | None = None, head: tuple | None = None) -> LiteToxicityModel:
        n_chars = 1 << self.char_bits
        chars, words, intercept = coefs or (np.zeros(n_chars), np.zeros(svm.n_words), 0.0)
        return LiteToxicityModel(svm, self.char_ngram_range, self.char_bits, (self.target,),
                                 chars.reshape(-1, 1).astype(np.float32), words.reshape(-1, 1).astype(np.float32),
                                 np.array([intercept]), {self.target: head} if head else {}, self.toxblock)

    def _fit_text(self, design: TextDesign, y: np.ndarray, weight: np.ndarray) -> tuple:
        X = sp.hstack([design.chars, design.words], format="csr")
        clf = SGDClassifier(loss="log_loss", alpha=self.alpha, max_iter=self.epochs, tol=None,
                            random_state=self.random_state)
        clf.fit(X, y, sample_weight=weight)
        coef, n_chars = clf.coef_.ravel(), 1 << self.char_bits
        return coef[:n_chars], coef[n_chars:], float(clf.intercept_[0])

    def fit(self, X: pd.DataFrame, y: Sequence[int]) -> LiteToxicityClassifier:
        """Fit the own text model and the head (see the class docstring)."""
        from modkit.train.cv import make_folds

        svm = self.svm or profanity_svm()
        y = np.asarray(y, dtype=int)
        aux = np.asarray(_column(X, AUXILIARY, False), dtype=bool)
        main = np.flatnonzero(~aux)
        shell = self._shell(svm)
        replies = shell.analyse(texts(X))
        parents = texts(X, PARENT_TEXT_COL) if self.context else [""] * len(y)
        parent_design = shell.analyse([parents[i] for i in main])
        weight = np.where(aux, 1.0, np.where(y == 1, self.positive_weight, 1.0))
        groups = [g for g, a in zip(_column(X, GROUP, None), aux) if not a]
        groups = None if any(g is None or g != g for g in groups) else groups
        names = feature_names(self.target, self.context, self.toxblock)

        def features(model: LiteToxicityModel, rows: np.ndarray) -> np.ndarray:
            """Head features of main rows (``rows`` index ``main``)."""
            reply = model.text_signals([], replies.rows(main[rows]))
            parent = model.text_signals([], parent_design.rows(rows))
            has_parent = np.array([bool(parents[main[i]].strip()) for i in rows], dtype=bool)
            combined = model.combine(reply, parent, has_parent)
            return np.column_stack([combined[n] for n in names])

        folds, _ = make_folds(y[main], groups, self.inner_folds, self.random_state)
        if any(len(set(y[main[tr]].tolist())) < 2 for tr, _ in folds):
            # Too few threads: a grouped training part holds one class. Stratified folds always hold both.
            folds, _ = make_folds(y[main], None, self.inner_folds, self.random_state)
        Z = np.zeros((len(main), len(names)))
        for tr, te in folds:
            train_rows = np.concatenate([main[tr], np.flatnonzero(aux)])
            coefs = self._fit_text(replies.rows(train_rows), y[train_rows], weight[train_rows])
            Z[te] = features(self._shell(svm, coefs), te)
        coef, intercept = fit_head(Z, y[main], self.head_C, self.head_positive_weight)
        coefs = self._fit_text(replies, y, weight)
        self.model_ = self._shell(svm, coefs, (names, coef, intercept))
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """``[P(not target), P(target)]`` per row (an empty reply scores 0)."""
        parents = texts(X, PARENT_TEXT_COL) if self.context else None
        p = self.model_.predict(texts(X), parents)[self.target] if len(X) else np.zeros(0)
        return np.column_stack([1 - p, p])


class ProfanityCheckReference(_PredictAtEvenOdds, ClassifierMixin, BaseEstimator):
    """alt-profanity-check's pre-trained model as an estimator: a fixed reference to compare with.

    ``fit`` learns nothing (it only loads the word SVM), so cross-validating it
    measures the published model on the same folds as a trained one.

    Examples
    --------
    >>> ref = ProfanityCheckReference().fit(pd.DataFrame({"text": ["a", "b"]}), [0, 1])
    >>> p = ref.predict_proba(pd.DataFrame({"text": ["you are a fucking idiot", "thanks for the citation"]}))
    >>> bool(p[0, 1] > 0.5 > p[1, 1])
    True
    """

    def __init__(self, svm: ProfanitySVM | None = None):
        self.svm = svm

    def fit(self, X: pd.DataFrame, y: Sequence[int]) -> ProfanityCheckReference:
        self.svm_ = self.svm or profanity_svm()
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = self.svm_.proba(self.svm_.tfidf(texts(X, TEXT_COL))) if len(X) else np.zeros(0)
        return np.column_stack([1 - p, p])


class ToxBlockReference(_PredictAtEvenOdds, ClassifierMixin, BaseEstimator):
    """tox-block's pre-trained BiLSTM (its ``toxic`` output) as an estimator: a fixed reference.

    Examples
    --------
    >>> ref = ToxBlockReference().fit(pd.DataFrame({"text": ["a", "b"]}), [0, 1])
    >>> p = ref.predict_proba(pd.DataFrame({"text": ["you are a stupid idiot", "thanks for the citation"]}))
    >>> bool(p[0, 1] > 0.5 > p[1, 1])
    True
    """

    def fit(self, X: pd.DataFrame, y: Sequence[int]) -> ToxBlockReference:
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        from modkit.score.toxblock import load_toxblock

        p = load_toxblock().predict(texts(X, TEXT_COL))[:, 0].astype(np.float64) if len(X) else np.zeros(0)
        return np.column_stack([1 - p, p])
