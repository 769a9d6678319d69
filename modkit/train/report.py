"""Metrics reports of ``train``/``evaluate`` and the model card written beside a model file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from modkit.train.metrics import METRIC_NAMES, format_cell, reliability

#: How a model file without a ``description`` (from modkit 0.1) was built.
DEFAULT_DESCRIPTION = "word + character TF-IDF, class-balanced logistic regression, sigmoid-calibrated probabilities"
#: Column headings of the metrics table.
HEADINGS = {"roc_auc": "ROC AUC", "average_precision": "avg precision", "mcc": "MCC", "f1": "F1",
            "precision": "precision", "recall": "recall"}


@dataclass
class Report:
    """Metrics of one or more scorers on the same labelled rows.

    Attributes
    ----------
    target : str
        What was predicted.
    data : str
        Where the rows came from.
    method : str
        How the scores were obtained (cross-validation or held-out evaluation).
    scorers : dict
        ``{name: classification_metrics(...) + {"threshold": ...}}``, the model first.
    comparison : dict
        ``{name: {metric: paired bootstrap difference cell}}`` for compared scorers.
    notes : list of str
        Caveats worth reading with the numbers.
    predictions : DataFrame, optional
        From ``train``: every row's ``text``, ``label``, ``group``, ``fold`` and
        out-of-fold ``score:<scorer>`` columns, for error analysis.
    """

    target: str
    data: str
    method: str
    scorers: dict[str, dict] = field(default_factory=dict)
    comparison: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    predictions: pd.DataFrame | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per scorer, as numbers to sort and plot: ``n``, ``positives``, ``threshold``, each
        metric with ``_low`` / ``_high`` (its 95% interval), the paired difference against the reference
        (``_diff``, ``_diff_low``, ``_diff_high``) when scorers were compared, and ``tp fp fn tn``.

        Examples
        --------
        >>> cell = {"value": 0.9, "low": 0.8, "high": 0.95}
        >>> r = Report("toxicity", "d.csv", "held out", {"m": {"n": 4, "positives": 2, "threshold": 0.5,
        ...     "confusion": {"tn": 2, "fp": 0, "fn": 0, "tp": 2}, **{m: cell for m in METRIC_NAMES}}})
        >>> r.to_frame().loc[0, ["roc_auc", "roc_auc_low", "tp"]].astype(float).tolist()
        [0.9, 0.8, 2.0]
        """
        rows = []
        for name, m in self.scorers.items():
            row: dict = {"scorer": name, "n": m["n"], "positives": m["positives"], "threshold": m["threshold"]}
            for metric in METRIC_NAMES:
                row |= {metric: m[metric]["value"], f"{metric}_low": m[metric]["low"],
                        f"{metric}_high": m[metric]["high"]}
            for metric in ("roc_auc", "average_precision"):
                if self.comparison:
                    d = self.comparison.get(name, {}).get(metric) or {}
                    row |= {f"{metric}_diff": d.get("diff"), f"{metric}_diff_low": d.get("diff_low"),
                            f"{metric}_diff_high": d.get("diff_high")}
            row |= dict(m["confusion"])
            rows.append(row)
        return pd.DataFrame(rows)

    def to_table(self) -> pd.DataFrame:
        """:meth:`to_frame` formatted for reading: each metric as "value [low, high]", as strings.

        Examples
        --------
        >>> cell = {"value": 0.9, "low": float("nan"), "high": float("nan")}
        >>> r = Report("toxicity", "d.csv", "held out", {"m": {"n": 4, "positives": 2, "threshold": 0.5,
        ...     "confusion": {"tn": 2, "fp": 0, "fn": 0, "tp": 2}, **{m: cell for m in METRIC_NAMES}}})
        >>> r.to_table().loc[0, ["scorer", "ROC AUC", "TP/FP/FN/TN"]].tolist()
        ['m', '0.900', '2/0/0/2']
        """
        rows = []
        for name, m in self.scorers.items():
            row = {"scorer": name, "n (pos)": f"{m['n']} ({m['positives']})", "threshold": f"{m['threshold']:.3g}"}
            for metric in METRIC_NAMES:
                row[HEADINGS[metric]] = format_cell(m[metric])
            for metric in ("roc_auc", "average_precision"):
                d = self.comparison.get(name, {}).get(metric)
                if self.comparison:
                    row[f"{HEADINGS[metric]} vs ref."] = (f"{d['diff']:+.3f} [{d['diff_low']:+.3f}, {d['diff_high']:+.3f}]"
                                                          if d else "(reference)")
            c = m["confusion"]
            row["TP/FP/FN/TN"] = f"{c['tp']}/{c['fp']}/{c['fn']}/{c['tn']}"
            rows.append(row)
        return pd.DataFrame(rows)

    def to_markdown(self) -> str:
        """The metrics table in Markdown, with the method and the notes."""
        frame = self.to_table()
        lines = [f"Target `{self.target}` on {self.data}: {self.method}.", "",
                 "| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
        lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in frame.itertuples(index=False)]
        lines += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines).rstrip() + "\n"


def model_card(meta: dict, report: Report) -> str:
    """A Markdown model card: what the model predicts, how it was trained, its metrics and limits.

    Examples
    --------
    >>> r = Report("toxicity", "seeds.jsonl", "3-fold cross-validation grouped by thread")
    >>> card = model_card({"name": "m", "version": "1", "target": "toxicity", "threshold": 0.4,
    ...                    "features": ["text"], "kind": "toxicity"}, r)
    >>> card.splitlines()[0]
    '# Model card: m (version 1)'
    """
    feats = ", ".join(meta.get("features", []))
    usage = meta.get("usage") or f"modkit score ... --{meta.get('kind')} model:PATH"
    lines = [
        f"# Model card: {meta.get('name', 'model')} (version {meta.get('version', '0')})", "",
        f"- predicts: `{meta.get('target')}` (scorer slot: {meta.get('kind')}); use it as `{usage}`",
        f"- model: `{meta.get('model', 'tfidf')}`: {meta.get('description', DEFAULT_DESCRIPTION)}",
        f"- features: {feats}" + (" (the parent's text is read as context)" if "context" in feats else ""),
        f"- trained on: {meta.get('data', report.data)}: {meta.get('n', '?')} rows, {meta.get('positives', '?')} positive"
        + (f", plus {meta['auxiliary_rows']} auxiliary rows (trained on, never measured)"
           if meta.get("auxiliary_rows") else ""),
        f"- flag threshold: {meta.get('threshold', 0.5):.3f} "
        f"(max {meta.get('threshold_rule', 'f1').upper()} on out-of-fold scores)",
        f"- built with modkit {meta.get('modkit_version', '?')}, scikit-learn {meta.get('sklearn_version', '?')}",
        "", "## Metrics", "", report.to_markdown(),
        *(["## Data", "", *[f"- {src}" for src in meta["sources"]], ""] if meta.get("sources") else []),
        "## Limits", "",
        "- Scores are calibrated on the training data's class balance; on data with more or fewer "
        "positives, re-check the threshold with `modkit evaluate`.",
        "- A bag of words and character n-grams: it sees words, not meaning. Quoting or disputing an "
        "insult can score as one; new slang and coded language are missed.",
        "- Decide with a person in the loop: the model ranks replies for review, it does not judge them.",
    ]
    return "\n".join(lines) + "\n"


def calibration_markdown(report: Report, groups: Mapping[str, np.ndarray] | None = None, heading: str = "##",
                         positive: str = "positive") -> str:
    """The model's calibration on its out-of-fold scores: ECE (pooled, and per group of rows) and
    the reliability table, as a model-card section.

    Examples
    --------
    >>> r = Report("toxicity", "d", "cv", predictions=pd.DataFrame({"label": [0, 0, 1, 1],
    ...                                                              "score:m": [0.1, 0.2, 0.8, 0.9]}))
    >>> print(calibration_markdown(r).splitlines()[2])
    Expected calibration error, pooled: **0.1500** (10 equal-width bins).
    """
    pred = report.predictions
    name = next(c for c in pred.columns if c.startswith("score:"))
    y, p = pred["label"].to_numpy(), pred[name].to_numpy()
    ece, rows = reliability(y, p)
    by = ""
    if groups:
        by = " By source: " + ", ".join(f"{g} {reliability(y[m], p[m])[0]:.4f}" for g, m in groups.items()
                                        if m.any()) + "."
    lines = [f"{heading} Calibration (out-of-fold scores)", "",
             f"Expected calibration error, pooled: **{ece:.4f}** (10 equal-width bins).{by}", "",
             f"| score bin | mean score | share {positive} | rows |", "|---|---|---|---|"]
    lines += [f"| {r['bin']} | {r['mean_score']:.3f} | {r['positive_share']:.3f} | {r['n']} |" for r in rows]
    return "\n".join(lines) + "\n"
