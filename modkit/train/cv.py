"""Cross-validation grouped by thread, out-of-fold predictions and the flag threshold.

Replies in one thread share a topic, a parent and often an author; letting a
thread sit in both the training and the test fold overstates every metric. So
folds are grouped by thread (:class:`~sklearn.model_selection.StratifiedGroupKFold`).
A table without a thread column falls back to stratified folds, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from modkit.errors import SchemaError
from modkit.score import DEFAULT_THRESHOLD
from modkit.train.metrics import choose_threshold

#: Default number of folds.
N_FOLDS = 5
#: Fewest folds that still leave held-out rows for every row's prediction.
MIN_FOLDS = 2

Folds = list[tuple[np.ndarray, np.ndarray]]


def make_folds(y: Sequence[int], groups: Sequence[str] | None, n_folds: int = N_FOLDS,
               seed: int = 0) -> tuple[Folds, str]:
    """Train/test index pairs, and a sentence describing how they were made.

    Never more folds than threads or than examples of the rarer class.

    Examples
    --------
    >>> folds, how = make_folds([0, 1, 0, 1, 0, 1], ["a", "a", "b", "b", "c", "c"], n_folds=5)
    >>> how
    '3-fold cross-validation grouped by thread (3 threads)'
    >>> [sorted(set(test.tolist())) for _, test in folds] != []
    True
    >>> make_folds([0, 1, 0, 1], None, n_folds=2)[1]
    '2-fold stratified cross-validation (no thread column: replies of a thread may share folds)'
    """
    y = np.asarray(y, dtype=int)
    minority = int(min(y.sum(), len(y) - y.sum()))
    k = min(n_folds, minority)
    if groups is None:
        if k < MIN_FOLDS:
            raise SchemaError(f"too few examples to cross-validate: {minority} in the rarer class; "
                              f"need at least {MIN_FOLDS}.")
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        how = f"{k}-fold stratified cross-validation (no thread column: replies of a thread may share folds)"
        return [(tr, te) for tr, te in splitter.split(np.zeros(len(y)), y)], how
    g = np.asarray(groups, dtype=object)
    n_groups = len(set(g.tolist()))
    k = min(k, n_groups)
    if k < MIN_FOLDS:
        raise SchemaError(f"too few threads or examples to cross-validate: {n_groups} threads, {minority} "
                          f"in the rarer class; need at least {MIN_FOLDS} of each.")
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    how = f"{k}-fold cross-validation grouped by thread ({n_groups} threads)"
    return [(tr, te) for tr, te in splitter.split(np.zeros(len(y)), y, g)], how


def out_of_fold(fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray], y: Sequence[int],
                folds: Folds, rule: str = "f1") -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold scores, and each row's threshold chosen on the *other* folds' scores.

    ``fit_predict(train_idx, test_idx)`` fits on the training rows and returns the
    scores of the test rows. A row's threshold is the ``rule`` threshold (max F1 or
    max MCC) of the out-of-fold scores outside its fold, so decision metrics (F1,
    MCC) are not tuned on the rows they are measured on.

    Examples
    --------
    >>> y = np.array([0, 1, 0, 1])
    >>> folds = [(np.array([2, 3]), np.array([0, 1])), (np.array([0, 1]), np.array([2, 3]))]
    >>> s, t = out_of_fold(lambda tr, te: np.array([0.2, 0.7]), y, folds)
    >>> s.tolist(), t.tolist()
    ([0.2, 0.7, 0.2, 0.7], [0.7, 0.7, 0.7, 0.7])
    """
    y = np.asarray(y, dtype=int)
    scores = np.full(len(y), np.nan)
    for tr, te in folds:
        scores[te] = fit_predict(tr, te)
    thresholds = np.empty(len(y))
    for _, te in folds:
        rest = np.setdiff1d(np.arange(len(y)), te)
        thresholds[te] = choose_threshold(y[rest], scores[rest], rule) if 0 < y[rest].sum() < len(rest) \
            else DEFAULT_THRESHOLD  # the other folds hold one class only: no F1 to maximise
    return scores, thresholds
