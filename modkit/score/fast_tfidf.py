"""A faster, exact ``transform`` for fitted character n-gram TF-IDF vectorisers.

scikit-learn's ``char_wb`` analyzer builds every n-gram of every word in
Python, which limits a word + char TF-IDF model to a few thousand replies a
second. But ``char_wb`` n-grams never cross whitespace, so a document's n-gram
counts are the sum of its tokens' counts. :class:`CachedCharTfidf` analyses each
distinct token once, keeps its count row, and builds a batch as one sparse
product (documents x tokens) @ (tokens x n-grams); then it applies the
vectoriser's own tf, idf and norm. Comment threads repeat the same few thousand
words, so after a warm-up almost every token is a dictionary hit.

The result equals ``vectorizer.transform(docs)`` (tested); the cache is
runtime state and never saved with a model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

#: Distinct tokens kept before the cache starts over. A cached token costs
#: roughly 300 bytes (its n-gram row plus the dictionary entry), so this bounds
#: the cache near 60 MB even when a stream never repeats a word.
MAX_CACHED_TOKENS = 200_000


class CachedCharTfidf:
    """Transform texts exactly like a fitted ``TfidfVectorizer(analyzer="char_wb")``, faster.

    Parameters
    ----------
    vectorizer : TfidfVectorizer
        A fitted vectoriser with ``analyzer="char_wb"``.
    max_tokens : int
        Distinct tokens cached before the cache is cleared.

    Examples
    --------
    >>> v = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(["a plot", "the plan"])
    >>> fast = CachedCharTfidf(v)
    >>> bool(abs(fast.transform(["the plot"]) - v.transform(["the plot"])).max() < 1e-12)
    True
    """

    def __init__(self, vectorizer: TfidfVectorizer, max_tokens: int = MAX_CACHED_TOKENS):
        if vectorizer.analyzer != "char_wb":
            raise ValueError("CachedCharTfidf needs a vectoriser with analyzer='char_wb'")
        self.vectorizer = vectorizer
        self.max_tokens = max_tokens
        self._preprocess = vectorizer.build_preprocessor()
        self._token_counter = CountVectorizer(
            analyzer="char_wb", ngram_range=vectorizer.ngram_range, vocabulary=vectorizer.vocabulary_,
            lowercase=False, dtype=np.float64,
        )
        self._n_features = len(vectorizer.vocabulary_)
        self._idf = vectorizer.idf_ if vectorizer.use_idf else None
        self._clear()

    def _clear(self) -> None:
        self._ids: dict[str, int] = {}
        self._rows = sp.csr_matrix((0, self._n_features), dtype=np.float64)

    def _token_ids(self, docs: Sequence[str]) -> tuple[list[int], list[int]]:
        """Token ids of all documents (flattened) and each document's end offset."""
        ids = self._ids
        flat: list[int] = []
        indptr = [0]
        new: list[str] = []
        for doc in docs:
            for token in self._preprocess(doc).split():
                i = ids.get(token)
                if i is None:
                    i = ids[token] = len(ids)
                    new.append(token)
                flat.append(i)
            indptr.append(len(flat))
        if new:
            self._rows = sp.vstack([self._rows, self._token_counter.transform(new)], format="csr")
        return flat, indptr

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows for ``docs``, equal to ``vectorizer.transform(docs)``."""
        if len(self._ids) > self.max_tokens:
            self._clear()
        flat, indptr = self._token_ids(docs)
        doc_tokens = sp.csr_matrix(
            (np.ones(len(flat)), np.asarray(flat, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(docs), self._rows.shape[0]),
        )
        counts = (doc_tokens @ self._rows).tocsr()
        counts.sum_duplicates()
        if self.vectorizer.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1.0
        if self._idf is not None:
            counts.data *= self._idf[counts.indices]
        if self.vectorizer.norm:
            counts = normalize(counts, norm=self.vectorizer.norm, copy=False)
        return counts
