"""alt-profanity-check's pre-trained model, held as plain arrays modkit can load without it.

alt-profanity-check 1.9.1 (MIT licence, Copyright (c) 2018 Victor Zhou, 2021
Menelaos Kotoglou and Dimitrios Mistriotis) ships a word TF-IDF vectoriser and a
``CalibratedClassifierCV`` of five linear SVMs, trained on about 200k Wikipedia
and Twitter comments, as joblib (pickle) files. :meth:`ProfanitySVM.from_alt_profanity_check`
reads them once, in the training recipe, and keeps only what scoring needs: the
vocabulary, the idf weights, the SVMs' coefficients and the sigmoid calibrators'
parameters. The result reproduces the package's ``predict_prob`` (tested to
1e-9) from a skops model file, with no joblib, no pickle and no dependency on
the package at run time; its tokens come from :class:`~modkit.score.batch_text.TextBatch`,
vectorised over a whole batch, several times faster than the package's vectoriser.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from modkit.score.batch_text import TextBatch, word_hashes

#: The word pattern of scikit-learn's vectorisers, which the package's vectoriser uses.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
#: Licence note stored with every model file built on these parameters.
LICENCE = ("alt-profanity-check 1.9.1 model parameters, MIT licence, Copyright (c) 2018 Victor Zhou, "
           "2021 Menelaos Kotoglou and Dimitrios Mistriotis")


class ProfanitySVM:
    """Word TF-IDF + calibrated linear SVM ensemble, as arrays.

    Parameters
    ----------
    vocabulary : sequence of str
        The word of each column (stored as one newline-joined string, which a
        skops file keeps far smaller than an array of fixed-width strings).
    idf : array of float
        Inverse document frequency of each column.
    coef : array, shape (n_words, n_svms)
        Each SVM's weights.
    intercept, calib_a, calib_b : arrays, shape (n_svms,)
        Each SVM's intercept and its sigmoid calibrator's slope and offset
        (probability = ``1 / (1 + exp(a * decision + b))``, averaged over SVMs).

    Examples
    --------
    >>> svm = ProfanitySVM(["idiot", "thanks"], np.ones(2), np.array([[2.0], [-1.0]]),
    ...                    np.zeros(1), np.array([-1.0]), np.zeros(1))
    >>> p = svm.proba(svm.tfidf(["you idiot", "thanks!"]))
    >>> bool(p[0] > 0.5 > p[1])
    True
    """

    def __init__(self, vocabulary: Sequence[str] | str, idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
                 calib_a: np.ndarray, calib_b: np.ndarray):
        self.words = vocabulary if isinstance(vocabulary, str) else "\n".join(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.calib_a = np.asarray(calib_a, dtype=np.float64)
        self.calib_b = np.asarray(calib_b, dtype=np.float64)
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None

    # The lookup table is rebuilt from the vocabulary on load; saving it would store the vocabulary twice.
    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_lookup"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lookup = None

    @classmethod
    def from_alt_profanity_check(cls, vectorizer, calibrated) -> ProfanitySVM:
        """Convert the package's fitted ``TfidfVectorizer`` and ``CalibratedClassifierCV``."""
        if vectorizer.ngram_range != (1, 1) or vectorizer.analyzer != "word" or vectorizer.sublinear_tf:
            raise ValueError("expected a unigram word TF-IDF vectoriser with linear tf")
        if vectorizer.token_pattern != TOKEN_PATTERN or not vectorizer.lowercase or vectorizer.norm != "l2":
            raise ValueError("expected the default token pattern, lower-casing and l2 norm")
        words = np.empty(len(vectorizer.vocabulary_), dtype=object)
        for word, col in vectorizer.vocabulary_.items():
            words[col] = word
        members = calibrated.calibrated_classifiers_
        if any(c.method != "sigmoid" or len(c.calibrators) != 1 for c in members):
            raise ValueError("expected binary sigmoid calibration")
        return cls(
            vocabulary=words.tolist(), idf=vectorizer.idf_,
            coef=np.column_stack([c.estimator.coef_.ravel() for c in members]),
            intercept=np.array([c.estimator.intercept_[0] for c in members]),
            calib_a=np.array([c.calibrators[0].a_ for c in members]),
            calib_b=np.array([c.calibrators[0].b_ for c in members]),
        )

    @property
    def vocabulary(self) -> list[str]:
        """The word of each column."""
        return self.words.split("\n")

    @property
    def n_words(self) -> int:
        return len(self.idf)

    def tfidf(self, texts: Sequence[str] | TextBatch) -> sp.csr_matrix:
        """The vectoriser's l2-normalised TF-IDF rows.

        The vocabulary holds no stop words and no one-character words, so looking
        every ``\\w`` run up in it keeps exactly the tokens the vectoriser keeps.
        """
        batch = texts if isinstance(texts, TextBatch) else TextBatch(texts)
        doc, hashes, _ = batch.words()
        return self.tfidf_from_words(doc, hashes, batch.n_docs)

    def tfidf_from_words(self, doc: np.ndarray, hashes: np.ndarray, n_docs: int) -> sp.csr_matrix:
        """:meth:`tfidf` from the words of a :class:`TextBatch` found earlier (``doc``, ``hashes``)."""
        if self._lookup is None:
            h = word_hashes(self.vocabulary)
            if len(np.unique(h)) != len(h):  # 64-bit hashes of 15k words: never, but never silently
                raise ValueError("two vocabulary words share a hash")
            order = np.argsort(h)
            self._lookup = (h[order], order)
        sorted_hashes, columns = self._lookup
        at = np.minimum(np.searchsorted(sorted_hashes, hashes), len(sorted_hashes) - 1)
        known = sorted_hashes[at] == hashes
        X = sp.csr_matrix((np.ones(int(known.sum())), (doc[known], columns[at[known]])),
                          shape=(n_docs, self.n_words))  # duplicates are summed: term counts
        X.data *= self.idf[X.indices]
        norms = np.sqrt(np.bincount(np.repeat(np.arange(n_docs), np.diff(X.indptr)), weights=X.data ** 2,
                                    minlength=n_docs))
        X.data /= np.repeat(np.where(norms > 0, norms, 1.0), np.diff(X.indptr))
        return X

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        """Each SVM's decision value, shape ``(n_texts, n_svms)``."""
        return np.asarray(X @ self.coef) + self.intercept

    def proba(self, X: sp.csr_matrix) -> np.ndarray:
        """The package's ``predict_prob``: the calibrated probabilities averaged over the SVMs."""
        z = np.clip(self.calib_a * self.decision(X) + self.calib_b, -500, 500)  # exp overflows past ~709
        return (1.0 / (1.0 + np.exp(z))).mean(axis=1)

    def strongest_word(self, X: sp.csr_matrix) -> np.ndarray:
        """Per text, the largest SVM weight (mean over SVMs) of its words; 0 if no word weighs positive.

        One strong word ("idiot") in a long, calm paragraph is diluted by the TF-IDF
        norm; this feature is not, so long attacks rank with short ones.
        """
        weights = self.coef.mean(axis=1)[X.indices]
        out = np.zeros(X.shape[0])
        rows = np.flatnonzero(np.diff(X.indptr))
        if len(rows):
            out[rows] = np.maximum.reduceat(weights, X.indptr[rows])
        return np.maximum(out, 0.0)
