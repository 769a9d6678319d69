"""``train`` and ``evaluate``: fit a classifier on labelled replies, measure it, compare it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from modkit.errors import ConfigError, SchemaError
from modkit.score.base import PARENT_TEXT_COL, TEXT_COL
from modkit.train.cv import N_FOLDS, choose_threshold, make_folds, out_of_fold
from modkit.train.data import GROUP, LABEL, Columns, attribute_of, kind_of, prepare
from modkit.train.metrics import classification_metrics
from modkit.train.persist import load_model, save_model
from modkit.train.pipeline import CALIBRATION_FOLDS, FEATURES, build_pipeline, check_features, compact
from modkit.train.ranking_report import N_BOOTSTRAP
from modkit.train.ranking_report import bootstrap as paired_bootstrap
from modkit.train.report import Report, model_card

#: Fewest examples of each class a model can be fitted on (the calibration needs one per fold).
MIN_PER_CLASS = 2


@dataclass
class TrainedModel:
    """A fitted pipeline and its metadata (target, kind, name, version, threshold, ...).

    Save it with :meth:`save`; the file is a scorer: ``modkit score --toxicity model:PATH``.
    """

    estimator: object
    meta: dict = field(default_factory=dict)

    @property
    def threshold(self) -> float:
        """The recommended flag threshold."""
        return float(self.meta.get("threshold", 0.5))

    def predict_proba(self, data: pd.DataFrame) -> np.ndarray:
        """Probability of the positive class for each row of a frame with ``text`` (and ``parent_text``)."""
        frame = prepare_inputs(data)
        return np.asarray(self.estimator.predict_proba(frame))[:, -1] if len(frame) else np.zeros(0)

    def save(self, path: str | Path, report: Report | None = None) -> Path:
        """Write the skops model file, and a Markdown model card beside it when ``report`` is given."""
        path = save_model(self.estimator, path, self.meta)
        if report is not None:
            path.with_suffix(".md").write_text(model_card(self.meta, report), encoding="utf-8")
        return path


def prepare_inputs(data: pd.DataFrame) -> pd.DataFrame:
    """The two columns a trained pipeline reads, as clean strings."""
    from modkit.score.base import texts

    return pd.DataFrame({TEXT_COL: texts(data), PARENT_TEXT_COL: texts(data, PARENT_TEXT_COL)})


def load(path: str | Path) -> TrainedModel:
    """Load a model file written by :meth:`TrainedModel.save` (untrusted types are refused)."""
    estimator, meta = load_model(path)
    return TrainedModel(estimator, meta)


def _columns(text_column: str, label_column: str | None, parent_column: str | None,
             group_column: str | None, positive: Sequence[str] | None) -> Columns:
    return Columns(text=text_column, label=label_column, parent=parent_column, group=group_column,
                   positive=tuple(positive) if positive is not None else None)


def _fit(frame: pd.DataFrame, features: tuple[str, ...], seed: int) -> object:
    y = frame[LABEL].to_numpy()
    minority = int(min(y.sum(), len(y) - y.sum()))
    if minority < MIN_PER_CLASS:
        raise SchemaError(f"too few examples to train: {int(y.sum())} positive and {int(len(y) - y.sum())} "
                          f"negative rows; need at least {MIN_PER_CLASS} of each.")
    model = build_pipeline(features, calibration_folds=min(CALIBRATION_FOLDS, minority), seed=seed)
    return model.fit(frame[[TEXT_COL, PARENT_TEXT_COL]], y)


def train(data: pd.DataFrame, target: str, features: Sequence[str] = FEATURES, *, text_column: str = TEXT_COL,
          label_column: str | None = None, parent_column: str | None = None, group_column: str | None = None,
          positive: Sequence[str] | None = None, n_folds: int = N_FOLDS, n_boot: int = N_BOOTSTRAP,
          name: str | None = None, data_name: str = "the training data", seed: int = 0,
          ) -> tuple[TrainedModel, Report]:
    """Cross-validate a classifier grouped by thread, then fit it on all rows.

    Parameters
    ----------
    data : DataFrame
        A labels export or any table with a text column and a label column.
    target : str
        ``toxicity`` (``toxic`` column of an export), ``conspiracy``, or a column name.
    features : sequence of str
        ``("text",)`` or ``("text", "context")`` (also reads the parent's text).
    text_column, label_column, parent_column : str, optional
        Where the reply, its label and its parent's text are (defaults: ``text``,
        the target's column, ``parent_text``).
    group_column : str, optional
        ``COL`` or ``COL:SEP`` (group by the value before the first ``SEP``); default
        ``thread_id``. Without groups, folds are stratified only (the report says so).
    positive : sequence of str, optional
        Label values counted as positive, for non-binary label columns.
    n_folds, n_boot : int
        Cross-validation folds (fewer when there are fewer threads or positives) and
        bootstrap resamples of the intervals.
    name, data_name : str
        The model's name in its metadata and card, and how to refer to the data.

    Returns
    -------
    (TrainedModel, Report)
        The model fitted on all rows (threshold: max F1 on out-of-fold scores) and the
        out-of-fold metrics.

    Examples
    --------
    >>> words = ["idiot", "moron", "fool"]
    >>> df = pd.DataFrame({"thread_id": [f"t{i // 6}" for i in range(24)],
    ...                    "text": [f"you {words[i % 3]}" if i % 2 else f"good point {i}" for i in range(24)],
    ...                    "toxic": [i % 2 for i in range(24)]})
    >>> model, report = train(df, "toxicity", features=["text"], n_boot=0)
    >>> model.meta["target"], report.method
    ('toxicity', '4-fold cross-validation grouped by thread (4 threads)')
    >>> p = model.predict_proba(pd.DataFrame({"text": ["you moron", "good point"]}))
    >>> bool(p[0] > model.threshold > p[1])
    True
    """
    import sklearn

    import modkit

    feats = check_features(features)
    if "context" in feats and parent_column is None and PARENT_TEXT_COL not in data.columns:
        raise ConfigError(f"features include context but the data has no {PARENT_TEXT_COL!r} column; "
                          f"pass --parent-column or --features text.")
    frame = prepare(data, target, _columns(text_column, label_column, parent_column, group_column, positive),
                    context="context" in feats)
    if "context" in feats and not (frame[PARENT_TEXT_COL] != "").any():
        raise ConfigError("features include context but no row has a parent text; pass --parent-column "
                          "or --features text.")
    y = frame[LABEL].to_numpy()
    groups = None if frame[GROUP].isna().any() else frame[GROUP].tolist()
    folds, how = make_folds(y, groups, n_folds, seed)

    def fit_predict(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        fitted = _fit(frame.iloc[tr], feats, seed)
        return fitted.predict_proba(frame.iloc[te][[TEXT_COL, PARENT_TEXT_COL]])[:, 1]

    oof, fold_thresholds = out_of_fold(fit_predict, y, folds)
    threshold = choose_threshold(y, oof)
    metrics = classification_metrics(y, oof, fold_thresholds, n_boot=n_boot, seed=seed)
    attribute = attribute_of(target)
    digest = hashlib.blake2b(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes(),
                             digest_size=4).hexdigest()
    meta = {"target": attribute, "kind": kind_of(target), "name": name or f"{attribute}-tfidf",
            "version": digest, "threshold": threshold, "features": list(feats), "data": data_name,
            "n": int(len(y)), "positives": int(y.sum()), "cv": how, "modkit_version": modkit.__version__,
            "sklearn_version": sklearn.__version__,
            "cv_metrics": {m: metrics[m]["value"] for m in ("roc_auc", "average_precision", "mcc", "f1")}}
    notes = [f"Out-of-fold scores; F1, MCC, precision and recall flag each fold at the max-F1 threshold "
             f"of the other folds. The stored threshold ({threshold:.3f}) is max F1 over all folds.",
             "Brackets: 95% bootstrap intervals over rows."]
    if groups is None:
        notes.append("The table has no thread column: folds are stratified only, so replies of one thread "
                     "can be in training and test folds (pass --group-column to group them).")
    report = Report(attribute, data_name, how, {meta["name"]: {**metrics, "threshold": threshold}}, notes=notes)
    return TrainedModel(compact(_fit(frame, feats, seed)), meta), report


def _scorer_scores(spec: str, kind: str, attribute: str, frame: pd.DataFrame) -> tuple[str, np.ndarray, float]:
    """Scores of a named scorer (``lite``, ``conspiracy``, ``model:PATH``) and its flag threshold."""
    from modkit.score import DEFAULT_THRESHOLD, resolve_scorer, with_context

    scorer = resolve_scorer(spec, kind)
    if scorer is None:
        raise ConfigError(f"nothing to compare with: {spec!r}")
    probs = scorer.predict_proba(with_context(frame))
    column = attribute if attribute in probs.columns else str(probs.columns[0])
    limits = scorer.recommended_thresholds() if hasattr(scorer, "recommended_thresholds") else {}
    return scorer.version, probs[column].to_numpy(dtype=float), float(limits.get(column, DEFAULT_THRESHOLD))


def evaluate(model: TrainedModel | str | Path, data: pd.DataFrame, target: str | None = None, *,
             text_column: str = TEXT_COL, label_column: str | None = None, parent_column: str | None = None,
             positive: Sequence[str] | None = None, compare_with: str | None = None,
             n_boot: int = N_BOOTSTRAP, data_name: str = "the evaluation data", seed: int = 0) -> Report:
    """Metrics of a trained model on labelled rows, side by side with another scorer when asked.

    Parameters
    ----------
    model : TrainedModel or path
        A model from :func:`train` or a model file.
    data : DataFrame
        Labelled rows (same forms as :func:`train`); they should be rows the model was not trained on.
    target : str, optional
        Defaults to the model's target.
    compare_with : str, optional
        A scorer spec: ``lite``, ``conspiracy``, ``model:PATH``, ... The table then shows
        paired bootstrap differences of the model against it.

    Examples
    --------
    >>> df = pd.DataFrame({"thread_id": [f"t{i // 6}" for i in range(24)],
    ...                    "text": ["you idiot" if i % 2 else f"good point {i}" for i in range(24)],
    ...                    "toxic": [i % 2 for i in range(24)]})
    >>> model, _ = train(df, "toxicity", features=["text"], n_boot=0)
    >>> evaluate(model, df, n_boot=0).scorers[model.meta["name"]]["roc_auc"]["value"]
    1.0
    """
    if not isinstance(model, TrainedModel):
        model = load(model)
    target = target or model.meta.get("target", "toxicity")
    context = parent_column is not None or PARENT_TEXT_COL in data.columns
    frame = prepare(data, target, _columns(text_column, label_column, parent_column, None, positive), context=context)
    y = frame[LABEL].to_numpy()
    name = str(model.meta.get("name", "model"))
    scores = {name: model.predict_proba(frame)}
    thresholds = {name: model.threshold}
    if compare_with:
        other, s, t = _scorer_scores(compare_with, kind_of(target), attribute_of(target), frame)
        if other == name:
            other = f"{other} (compared)"
        scores[other], thresholds[other] = s, t
    report = Report(attribute_of(target), data_name, "held-out evaluation of the saved model",
                    {n: {**classification_metrics(y, s, thresholds[n], n_boot=n_boot, seed=seed),
                         "threshold": thresholds[n]} for n, s in scores.items()},
                    notes=["Each scorer flags at its own recommended threshold."])
    if compare_with and n_boot:
        ref = list(scores)[1]
        paired = paired_bootstrap(y, scores, reference=ref, n_boot=n_boot, seed=seed)
        report.comparison = {name: paired[name]}
        report.notes.append(f"vs ref.: paired bootstrap difference against {ref}.")
    if n_boot:
        report.notes.append("Brackets: 95% bootstrap intervals over rows.")
    return report
