"""Metrics of ``modkit train`` and ``evaluate``: ranking and decision metrics with bootstrap intervals.

With a few dozen positives a single ROC AUC says little, so every metric comes
with a percentile bootstrap interval, all metrics from the same draws. Two
scorers measured on the same rows are compared by the *paired* bootstrap of
their difference (one resample serves both, so the rows' shared difficulty
cancels out). Decision metrics (MCC, F1, precision, recall, confusion matrix)
need a flag threshold, chosen on other rows than the ones measured
(:func:`max_f1_threshold` or :func:`max_mcc_threshold`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from sklearn.metrics import average_precision_score, confusion_matrix, precision_recall_curve, roc_auc_score

from modkit.errors import SchemaError

#: Bootstrap resamples: enough for stable 95% percentile bounds at two decimals.
N_BOOTSTRAP = 1000
#: Two-sided level of the intervals.
CONFIDENCE = 0.95
METRICS = {"roc_auc": roc_auc_score, "average_precision": average_precision_score}


def max_f1_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The score threshold with the highest F1 (flag when ``score >= threshold``).

    Examples
    --------
    >>> max_f1_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.35
    """
    precision, recall, thresholds = precision_recall_curve(y, scores)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1[:-1]))])


def max_mcc_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """The score threshold (flag when ``proba >= threshold``) with the best Matthews correlation.

    Candidates are midpoints between consecutive distinct scores; ties go to the
    higher threshold (fewer flags).

    Examples
    --------
    >>> max_mcc_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.9]))
    0.65
    """
    y = np.asarray(y).astype(bool)
    order = np.argsort(-proba, kind="stable")
    p_sorted, y_sorted = proba[order], y[order]
    tp = np.cumsum(y_sorted)                  # flagging the top k (k = 1..n)
    fp = np.arange(1, len(y) + 1) - tp
    pos, neg = y.sum(), (~y).sum()
    fn, tn = pos - tp, neg - fp
    denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    mcc = np.where(denom > 0, (tp * tn - fp * fn) / np.where(denom > 0, denom, 1), 0.0)
    # Only cut between distinct scores: a threshold cannot split tied scores.
    distinct = np.append(p_sorted[:-1] > p_sorted[1:], True)
    k = int(np.argmax(np.where(distinct, mcc, -np.inf)))
    return float((p_sorted[k] + p_sorted[k + 1]) / 2) if k + 1 < len(p_sorted) else float(p_sorted[k])


#: Threshold rules: the flag threshold maximises F1 (rare labels, review queues) or MCC (balanced data).
THRESHOLD_RULES: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "f1": max_f1_threshold, "mcc": max_mcc_threshold}


def choose_threshold(y, scores, rule: str = "f1") -> float:
    """The flag threshold of ``scores`` under ``rule`` (``f1`` or ``mcc``).

    Examples
    --------
    >>> y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    >>> choose_threshold(y, s), round(choose_threshold(y, s, "mcc"), 3)
    (0.35, 0.6)
    """
    if rule not in THRESHOLD_RULES:
        raise SchemaError(f"unknown threshold rule {rule!r}; choose from: {', '.join(THRESHOLD_RULES)}.")
    return THRESHOLD_RULES[rule](np.asarray(y, dtype=int), np.asarray(scores, dtype=float))


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


def paired_bootstrap(y: np.ndarray, scores: Mapping[str, np.ndarray], reference: str | None = None,
              n_boot: int = N_BOOTSTRAP, seed: int = 0) -> dict[str, dict[str, dict[str, float]]]:
    """Each metric of each scorer with its interval, and its paired difference against ``reference``.

    Returns ``{scorer: {metric: {"value", "low", "high"[, "diff", "diff_low", "diff_high"]}}}``.
    Resamples without a positive or a negative are redrawn.

    Examples
    --------
    >>> y = np.array([0] * 50 + [1] * 10)
    >>> good, weak = np.r_[np.zeros(50), np.ones(10)], np.r_[np.zeros(45), np.ones(15)]
    >>> r = paired_bootstrap(y, {"good": good, "weak": weak}, reference="weak", n_boot=200)
    >>> r["good"]["roc_auc"]["value"], r["good"]["roc_auc"]["diff"] > 0
    (1.0, True)
    """
    rng = np.random.default_rng(seed)
    n = len(y)
    draws: list[np.ndarray] = []
    while len(draws) < n_boot:
        idx = rng.integers(0, n, n)
        if 0 < y[idx].sum() < n:
            draws.append(idx)
    lo_q, hi_q = (1 - CONFIDENCE) / 2 * 100, (1 + CONFIDENCE) / 2 * 100
    samples = {name: {m: np.array([f(y[i], s[i]) for i in draws]) for m, f in METRICS.items()}
               for name, s in scores.items()}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, s in scores.items():
        out[name] = {}
        for m, f in METRICS.items():
            cell = {"value": float(f(y, s)), "low": float(np.percentile(samples[name][m], lo_q)),
                    "high": float(np.percentile(samples[name][m], hi_q))}
            if reference is not None and name != reference:
                d = samples[name][m] - samples[reference][m]
                cell |= {"diff": cell["value"] - float(f(y, scores[reference])),
                         "diff_low": float(np.percentile(d, lo_q)), "diff_high": float(np.percentile(d, hi_q))}
            out[name][m] = cell
    return out


def reliability(y: np.ndarray, scores: np.ndarray, bins: int = 10) -> tuple[float, list[dict[str, float]]]:
    """Expected calibration error and the reliability diagram's rows (equal-width score bins).

    ECE is the mean gap between a bin's mean score and its share of positives,
    weighted by the bin's rows: 0 means "a score of 0.3 is right 30% of the time".

    Examples
    --------
    >>> ece, rows = reliability(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]), bins=2)
    >>> round(ece, 3), [(r["mean_score"], r["positive_share"], r["n"]) for r in rows]
    (0.15, [(0.15, 0.0, 2), (0.85, 1.0, 2)])
    """
    y, scores = np.asarray(y, dtype=float), np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    which = np.minimum((scores * bins).astype(int), bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        inside = which == b
        if not inside.any():
            continue
        mean, share = float(scores[inside].mean()), float(y[inside].mean())
        ece += inside.mean() * abs(mean - share)
        rows.append({"bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}", "mean_score": round(mean, 3),
                     "positive_share": round(share, 3), "n": int(inside.sum())})
    return float(ece), rows


def share_interval(k: int, n: int) -> tuple[float, float, float]:
    """``(share, low, high)``: ``k`` of ``n`` and its 95% Wilson interval (``(0, 0, 1)`` when ``n`` is 0).

    Examples
    --------
    >>> [round(v, 3) for v in share_interval(15, 16)]
    [0.938, 0.717, 0.989]
    """
    if n == 0:
        return 0.0, 0.0, 1.0
    from scipy.stats import binomtest

    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return k / n, float(ci.low), float(ci.high)
