"""Classification metrics at a threshold, with bootstrap intervals, for ``modkit train``/``evaluate``.

Ranking metrics (ROC AUC, average precision) and the threshold helpers come from
:mod:`modkit.train.ranking_report`; this module adds the decision metrics at a
flag threshold (MCC, F1, precision, recall, confusion matrix) and resamples all
of them together, so each interval comes from the same bootstrap draws.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix

from modkit.errors import SchemaError
from modkit.train.ranking_report import CONFIDENCE, METRICS, N_BOOTSTRAP

#: Metrics of :func:`classification_metrics`, in report order.
METRIC_NAMES = ("roc_auc", "average_precision", "mcc", "f1", "precision", "recall")


def _decision(y: np.ndarray, flag: np.ndarray) -> dict[str, float]:
    """MCC, F1, precision and recall from the confusion counts (numpy only: the bootstrap calls this
    a thousand times, and sklearn's input checks would dominate). Undefined ratios are 0, as in sklearn."""
    tp = float(np.sum(flag & (y == 1)))
    fp = float(np.sum(flag & (y == 0)))
    fn = float(np.sum(~flag & (y == 1)))
    tn = float(len(y)) - tp - fp - fn
    denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return {"mcc": float((tp * tn - fp * fn) / denom) if denom else 0.0,
            "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
            "precision": tp / (tp + fp) if tp + fp else 0.0, "recall": tp / (tp + fn) if tp + fn else 0.0}


def _all(y: np.ndarray, scores: np.ndarray, flag: np.ndarray) -> dict[str, float]:
    return {**{m: float(f(y, scores)) for m, f in METRICS.items()}, **_decision(y, flag)}


def classification_metrics(y, scores, threshold: float | np.ndarray, n_boot: int = N_BOOTSTRAP,
                           seed: int = 0) -> dict:
    """Ranking and decision metrics with percentile bootstrap intervals.

    Parameters
    ----------
    y : array of 0/1
    scores : array of float
    threshold : float or array
        Flag when ``score >= threshold``; an array gives each row its own (e.g. the
        threshold chosen on the other cross-validation folds).
    n_boot : int
        Bootstrap resamples (``0``: no intervals). Resamples lacking a class are redrawn.

    Returns
    -------
    dict
        ``n``, ``positives``, ``confusion`` (``tn``, ``fp``, ``fn``, ``tp``) and, per
        metric of :data:`METRIC_NAMES`, ``{"value", "low", "high"}``.

    Examples
    --------
    >>> r = classification_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], 0.5, n_boot=0)
    >>> r["roc_auc"]["value"], r["mcc"]["value"], r["f1"]["value"], r["confusion"]
    (0.75, 0.0, 0.5, {'tn': 1, 'fp': 1, 'fn': 1, 'tp': 1})
    >>> from sklearn.metrics import matthews_corrcoef
    >>> y, s = [0, 0, 0, 1, 1, 0, 1], [0.2, 0.7, 0.1, 0.8, 0.3, 0.4, 0.9]
    >>> round(classification_metrics(y, s, 0.5, n_boot=0)["mcc"]["value"], 6) == round(
    ...     matthews_corrcoef(y, [v >= 0.5 for v in s]), 6)
    True
    """
    y = np.asarray(y, dtype=int)
    scores = np.asarray(scores, dtype=float)
    if len(y) != len(scores):
        raise SchemaError(f"{len(y)} labels but {len(scores)} scores.")
    if not 0 < y.sum() < len(y):
        raise SchemaError(f"metrics need both classes; got {int(y.sum())} positives in {len(y)} rows.")
    flag = scores >= np.asarray(threshold, dtype=float)
    point = _all(y, scores, flag)
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, flag, labels=[0, 1]).ravel())
    out: dict = {"n": int(len(y)), "positives": int(y.sum()), "confusion": {"tn": tn, "fp": fp, "fn": fn, "tp": tp}}
    samples: dict[str, list[float]] = {m: [] for m in METRIC_NAMES}
    rng = np.random.default_rng(seed)
    while len(samples["mcc"]) < n_boot:
        idx = rng.integers(0, len(y), len(y))
        if 0 < y[idx].sum() < len(idx):
            for m, v in _all(y[idx], scores[idx], flag[idx]).items():
                samples[m].append(v)
    lo_q, hi_q = (1 - CONFIDENCE) / 2 * 100, (1 + CONFIDENCE) / 2 * 100
    for m in METRIC_NAMES:
        s = np.asarray(samples[m])
        out[m] = {"value": point[m], "low": float(np.percentile(s, lo_q)) if n_boot else float("nan"),
                  "high": float(np.percentile(s, hi_q)) if n_boot else float("nan")}
    return out


def format_cell(cell: dict) -> str:
    """``value [low, high]``, or just the value when there is no interval.

    Examples
    --------
    >>> format_cell({"value": 0.8, "low": 0.7, "high": 0.9}), format_cell({"value": 0.8, "low": float("nan")})
    ('0.800 [0.700, 0.900]', '0.800')
    """
    low = cell.get("low", float("nan"))
    if low != low:
        return f"{cell['value']:.3f}"
    return f"{cell['value']:.3f} [{low:.3f}, {cell['high']:.3f}]"
