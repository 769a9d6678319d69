"""Ranking metrics with bootstrap confidence intervals, for rare positive labels.

With a few dozen positives, a single ROC AUC or average precision says little: the
report gives each a percentile bootstrap interval, and the interval of the
*paired* difference against a reference scored on the same rows (one resample
serves both scorers, so the shared difficulty of the rows cancels out).
Precision and recall are given at a flag threshold, which must be chosen on
other data than the rows evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

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


def at_threshold(y: np.ndarray, scores: np.ndarray, threshold: float | np.ndarray) -> dict[str, float]:
    """Precision, recall and flagged share when flagging ``scores >= threshold``.

    ``threshold`` may be an array (one per row, e.g. each row's fold threshold).

    Examples
    --------
    >>> at_threshold(np.array([0, 1, 1, 0]), np.array([0.9, 0.8, 0.2, 0.1]), 0.5)
    {'precision': 0.5, 'recall': 0.5, 'flagged': 0.5}
    """
    flag = scores >= threshold
    tp = float(np.sum(flag & (y == 1)))
    return {"precision": tp / max(float(flag.sum()), 1.0), "recall": tp / max(float((y == 1).sum()), 1.0),
            "flagged": float(flag.mean())}


def bootstrap(y: np.ndarray, scores: Mapping[str, np.ndarray], reference: str | None = None,
              n_boot: int = N_BOOTSTRAP, seed: int = 0) -> dict[str, dict[str, dict[str, float]]]:
    """Each metric of each scorer with its interval, and its paired difference against ``reference``.

    Returns ``{scorer: {metric: {"value", "low", "high"[, "diff", "diff_low", "diff_high"]}}}``.
    Resamples without a positive or a negative are redrawn.

    Examples
    --------
    >>> y = np.array([0] * 50 + [1] * 10)
    >>> good, weak = np.r_[np.zeros(50), np.ones(10)], np.r_[np.zeros(45), np.ones(15)]
    >>> r = bootstrap(y, {"good": good, "weak": weak}, reference="weak", n_boot=200)
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


def _ci(cell: Mapping[str, float]) -> str:
    return f"{cell['value']:.3f} [{cell['low']:.3f}, {cell['high']:.3f}]"


def _diff(cell: Mapping[str, float]) -> str:
    if "diff" not in cell:
        return "(reference)"
    return f"{cell['diff']:+.3f} [{cell['diff_low']:+.3f}, {cell['diff_high']:+.3f}]"


def markdown_table(rows: list[dict]) -> str:
    """A Markdown table of evaluation rows.

    Each row has ``data``, ``scorer``, ``n``, ``positives``, ``metrics`` (a cell of
    :func:`bootstrap`) and optionally ``at_threshold`` (from :func:`at_threshold`).

    Examples
    --------
    >>> cell = {"value": 0.9, "low": 0.8, "high": 0.95}
    >>> print(markdown_table([{"data": "d", "scorer": "s", "n": 10, "positives": 2,
    ...                        "metrics": {"roc_auc": cell, "average_precision": cell}}]))
    | data | scorer | n (pos) | ROC AUC [95% CI] | vs ref. | AP [95% CI] | vs ref. | P / R at flag |
    |---|---|---|---|---|---|---|---|
    | d | s | 10 (2) | 0.900 [0.800, 0.950] | (reference) | 0.900 [0.800, 0.950] | (reference) | - |
    """
    lines = ["| data | scorer | n (pos) | ROC AUC [95% CI] | vs ref. | AP [95% CI] | vs ref. | P / R at flag |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        auc, ap = r["metrics"]["roc_auc"], r["metrics"]["average_precision"]
        pr = r.get("at_threshold")
        pr_text = f"{pr['precision']:.2f} / {pr['recall']:.2f}" if pr else "-"
        lines.append(f"| {r['data']} | {r['scorer']} | {r['n']} ({r['positives']}) | {_ci(auc)} | {_diff(auc)} "
                     f"| {_ci(ap)} | {_diff(ap)} | {pr_text} |")
    return "\n".join(lines)
