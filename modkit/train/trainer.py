"""``train`` and ``evaluate``: fit a classifier on labelled replies, measure it, compare it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from modkit.errors import ConfigError, SchemaError
from modkit.score.base import PARENT_TEXT_COL, TEXT_COL
from modkit.train import overlap
from modkit.train.cv import N_FOLDS, make_folds, out_of_fold
from modkit.train.data import AUXILIARY, GROUP, LABEL, Columns, attribute_of, kind_of, prepare
from modkit.train.families import family, parse_spec
from modkit.train.metrics import (
    N_BOOTSTRAP,
    THRESHOLD_RULES,
    choose_threshold,
    classification_metrics,
    paired_bootstrap,
)
from modkit.train.persist import load_model, save_model
from modkit.train.pipeline import FEATURES, check_features, compact
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

    #: scikit-learn's convention: the columns of :meth:`predict_proba` and the values of :meth:`predict`.
    classes_ = np.array([0, 1])

    def predict_proba(self, data: pd.DataFrame | pd.Series | list[str]) -> np.ndarray:
        """One row per reply, one column per class (``classes_``: not, then the target), like scikit-learn.

        ``data`` is a frame with ``text`` (and ``parent_text``), a Series of texts or a list of strings;
        ``predict_proba(data)[:, 1]`` is the score that :attr:`threshold` applies to.
        """
        from modkit.score import as_comments

        frame = prepare_inputs(as_comments(data))
        if not len(frame):
            return np.zeros((0, 2))
        p = np.asarray(self.estimator.predict_proba(frame))[:, -1]
        return np.column_stack([1.0 - p, p])

    def predict(self, data: pd.DataFrame | pd.Series | list[str]) -> np.ndarray:
        """1 where the score reaches the recommended :attr:`threshold`, else 0."""
        return (self.predict_proba(data)[:, 1] >= self.threshold).astype(int)

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
    """Load a model file written by :meth:`TrainedModel.save` (untrusted types are refused).

    Examples
    --------
    >>> from pathlib import Path
    >>> m = load(Path(__file__).resolve().parents[1] / "score" / "models" / "conspiracy.skops")
    >>> m.meta["target"], 0 < m.threshold < 1
    ('conspiracy', True)
    """
    estimator, meta = load_model(path)
    return TrainedModel(estimator, meta)


def _columns(text_column: str, label_column: str | None, parent_column: str | None,
             group_column: str | None, positive: Sequence[str] | None) -> Columns:
    return Columns(text=text_column, label=label_column, parent=parent_column, group=group_column,
                   positive=tuple(positive) if positive is not None else None)


class TooFewExamples(SchemaError):
    """Too few examples of a class to fit a model (in the whole table, or in one fold's training part)."""


#: Columns of the frame every model family is fitted on.
FIT_COLUMNS = (TEXT_COL, PARENT_TEXT_COL, GROUP, AUXILIARY)


def _fit(model: str, frame: pd.DataFrame, features: tuple[str, ...], seed: int, attribute: str) -> object:
    """Fit family ``model`` on a prepared frame (auxiliary rows included) to predict ``attribute``."""
    y = frame[LABEL].to_numpy()
    main = y[~frame[AUXILIARY].to_numpy(bool)]
    minority = int(min(main.sum(), len(main) - main.sum()))
    if minority < MIN_PER_CLASS:
        raise TooFewExamples(f"too few examples to train: {int(main.sum())} positive and {int(len(main) - main.sum())} "
                          f"negative rows; need at least {MIN_PER_CLASS} of each.")
    try:
        return family(model).build(features, minority, seed, attribute).fit(frame[list(FIT_COLUMNS)], y)
    except ValueError as exc:
        if "no terms remain" in str(exc) or "empty vocabulary" in str(exc):
            # a word model needs words that occur in more than one text
            raise SchemaError("the texts share too few words for the word model: label more examples, or "
                              "check that the text column holds the replies") from None
        raise


def _params(estimator: object) -> dict:
    """The estimator's JSON-able parameters, for the metadata and the version."""
    get = getattr(estimator, "get_params", None)
    params = get(deep=False) if get else {}
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()
            if isinstance(v, str | int | float | bool | tuple | type(None))}


def train(data: pd.DataFrame, target: str, features: Sequence[str] = FEATURES, *, model: str = "tfidf",
          compare: Sequence[str] = (), auxiliary: pd.DataFrame | None = None, threshold_rule: str = "f1",
          text_column: str = TEXT_COL, label_column: str | None = None, parent_column: str | None = None,
          group_column: str | None = None, positive: Sequence[str] | None = None, n_folds: int = N_FOLDS,
          n_boot: int = N_BOOTSTRAP, name: str | None = None, data_name: str = "the training data", seed: int = 0,
          progress: Callable[[int, int, str], None] | None = None) -> tuple[TrainedModel, Report]:
    """Cross-validate a classifier grouped by thread, then fit it on all rows.

    Parameters
    ----------
    data : DataFrame
        A labels export or any table with a text column and a label column.
    target : str
        ``toxicity`` (``toxic`` column of an export), ``conspiracy``, or a column name.
    features : sequence of str
        ``("text",)`` or ``("text", "context")`` (also reads the parent's text).
    model : str
        The model family (:data:`modkit.train.families.FAMILIES`): ``tfidf`` (default),
        ``conspiracy`` (TF-IDF stacked with the conspiracy cues) or ``lite`` (the
        embedded toxicity model's design).
    compare : sequence of str
        Other families (``NAME`` or ``NAME:FEATURES``, e.g. ``tfidf``, ``lite:text``,
        ``apc``) cross-validated on the same folds; the report gives each one's
        metrics and the model's paired bootstrap difference against the first.
    auxiliary : DataFrame, optional
        More labelled rows (same columns as ``data``) used for fitting in every
        fold but never scored or measured: another corpus that teaches the words.
    threshold_rule : str
        ``f1`` (default) or ``mcc``: what the flag threshold maximises.
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
    progress : callable, optional
        Called as ``progress(done, total, what)`` before each model fit (every fold of
        every family, then the final fit) and once at the end: drives a progress bar.

    Returns
    -------
    (TrainedModel, Report)
        The model fitted on all rows (threshold: the rule's best point on the
        out-of-fold scores) and the out-of-fold metrics; ``report.predictions``
        holds every row's out-of-fold scores, for error analysis.

    Examples
    --------
    >>> words = ["idiot", "moron", "fool"]
    >>> df = pd.DataFrame({"thread_id": [f"t{i // 6}" for i in range(24)],
    ...                    "text": [f"you {words[i % 3]}" if i % 2 else f"good point {i}" for i in range(24)],
    ...                    "toxic": [i % 2 for i in range(24)]})
    >>> model, report = train(df, "toxicity", features=["text"], n_boot=0)
    >>> model.meta["target"], report.method
    ('toxicity', '4-fold cross-validation grouped by thread (4 threads)')
    >>> p = model.predict_proba(["you moron", "good point"])
    >>> p.shape, bool(p[0, 1] > model.threshold > p[1, 1])
    ((2, 2), True)
    >>> model.predict(["you moron", "good point"]).tolist()
    [1, 0]
    """
    import sklearn

    import modkit

    feats = check_features(features)
    if threshold_rule not in THRESHOLD_RULES:
        raise ConfigError(f"unknown threshold rule {threshold_rule!r}; choose from: {', '.join(THRESHOLD_RULES)}.")
    specs = [(model, feats), *(parse_spec(c, feats) for c in compare)]
    if "context" in feats:
        _check_parents(data, parent_column)
    columns = _columns(text_column, label_column, parent_column, group_column, positive)
    context = any("context" in f for _, f in specs)
    frame = prepare(data, target, columns, context=context).assign(**{AUXILIARY: False})
    if "context" in feats and not (frame[PARENT_TEXT_COL] != "").any():
        raise ConfigError("features include context but no row has a parent text; pass --parent-column "
                          "or --features text.")
    extra = None
    if auxiliary is not None and len(auxiliary):
        aux_columns = Columns(columns.text, columns.label, columns.parent if columns.parent in auxiliary else None,
                              None, columns.positive)
        try:
            extra = prepare(auxiliary, target, aux_columns, context=context)
        except SchemaError as exc:
            raise SchemaError(f"auxiliary rows: {exc}") from None
        extra = extra.assign(**{AUXILIARY: True, GROUP: None})
    y = frame[LABEL].to_numpy()
    groups = None if frame[GROUP].isna().any() else frame[GROUP].tolist()
    folds, how = make_folds(y, groups, n_folds, seed)

    def with_auxiliary(rows: pd.DataFrame) -> pd.DataFrame:
        return rows if extra is None else pd.concat([rows, extra], ignore_index=True)

    def fit_predict_with(fam: str, fam_feats: tuple[str, ...]):
        def fit_predict(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
            k = next(i for i, (_, f_te) in enumerate(folds, 1) if f_te is te)
            if progress is not None:
                progress(done[0], total, f"{fam}: fold {k} of {len(folds)}")
            try:
                fitted = _fit(fam, with_auxiliary(frame.iloc[tr]), fam_feats, seed, attribute)
            except TooFewExamples as exc:
                # the whole table has enough of each class, but this fold's training part does not
                raise SchemaError(f"cross-validation fold {k} of {len(folds)} ({how}): its training part has "
                                  f"{str(exc).rstrip('.')}; label more examples of the rarer class (at least "
                                  f"{len(folds) * MIN_PER_CLASS} in all, spread over several threads), or "
                                  "pass fewer folds (--folds)") from None
            done[0] += 1
            return np.asarray(fitted.predict_proba(frame.iloc[te][list(FIT_COLUMNS)]))[:, 1]
        return fit_predict

    attribute = attribute_of(target)
    label = name or f"{attribute}-{model}"
    names = [label] + [f"{fam}" + (f" ({'+'.join(f)})" if f != feats else "") for fam, f in specs[1:]]
    oof, fold_thresholds = {}, {}
    done, total = [0], len(specs) * len(folds) + 1  # the fits so far, and all of them
    for n, (fam, fam_feats) in zip(names, specs):
        oof[n], fold_thresholds[n] = out_of_fold(fit_predict_with(fam, fam_feats), y, folds, threshold_rule)
    scorers = {n: {**classification_metrics(y, oof[n], fold_thresholds[n], n_boot=n_boot, seed=seed),
                   "threshold": choose_threshold(y, oof[n], threshold_rule)} for n in names}
    metrics, threshold = scorers[label], scorers[label]["threshold"]
    everything = with_auxiliary(frame)
    if progress is not None:
        progress(done[0], total, f"{model}: final fit on all rows")
    estimator = compact(_fit(model, everything, feats, seed, attribute))
    if progress is not None:
        progress(total, total, "done")
    params = _params(estimator)
    digest = hashlib.blake2b(pd.util.hash_pandas_object(everything, index=False).to_numpy().tobytes()
                             + repr((model, feats, sorted(params.items()), threshold_rule)).encode(),
                             digest_size=4).hexdigest()
    meta = {"target": attribute, "kind": kind_of(target), "name": label, "model": model,
            "description": family(model).description, "params": params, "version": digest,
            "threshold": threshold, "threshold_rule": threshold_rule, "features": list(feats), "data": data_name,
            "n": int(len(y)), "positives": int(y.sum()), "auxiliary_rows": 0 if extra is None else int(len(extra)),
            "cv": how, "modkit_version": modkit.__version__, "sklearn_version": sklearn.__version__,
            "cv_metrics": {m: metrics[m]["value"] for m in ("roc_auc", "average_precision", "mcc", "f1")},
            # so that evaluate() can say when it is shown the rows the model learned
            "training_hashes": overlap.encode(overlap.text_hashes(everything[TEXT_COL]))}
    rule = {"f1": "max-F1", "mcc": "max-MCC"}[threshold_rule]
    notes = [f"Out-of-fold scores; F1, MCC, precision and recall flag each fold at the {rule} threshold "
             f"of the other folds. The stored threshold ({threshold:.3f}) is {rule} over all folds."]
    if extra is not None:
        notes.append(f"{len(extra)} auxiliary rows were added to every fold's training part and never scored.")
    if groups is None:
        notes.append("The table has no thread column: folds are stratified only, so replies of one thread "
                     "can be in training and test folds (pass --group-column to group them).")
    report = Report(attribute, data_name, how, scorers, notes=notes)
    auc = metrics["roc_auc"]["value"]
    if auc <= 0.5:
        report.notes.insert(0, f"Warning: out-of-fold ROC AUC {auc:.3f} is no better than chance: this model "
                               "ranks replies no better than a coin. Do not use it; label more (and more varied) "
                               "examples, or check the label column.")
    if len(names) > 1 and n_boot:
        ref = names[1]
        paired = paired_bootstrap(y, oof, reference=ref, n_boot=n_boot, seed=seed)
        report.comparison = {n: paired[n] for n in names if n != ref}
        report.notes.append(f"vs ref.: paired bootstrap difference against {ref}, on the same folds.")
    if n_boot:
        report.notes.append("Brackets: 95% bootstrap intervals over rows.")
    fold_of = np.empty(len(y), dtype=int)
    for k, (_, te) in enumerate(folds):
        fold_of[te] = k
    report.predictions = frame[[TEXT_COL, PARENT_TEXT_COL, LABEL, GROUP]].assign(
        fold=fold_of, **{f"score:{n}": oof[n] for n in names})
    return TrainedModel(estimator, meta), report


def _scorer(spec: str, kind: str | None):
    """The scorer a spec names, in slot ``kind`` (default: the slot the scorer fills by itself)."""
    from modkit.score import resolve_scorer

    scorer = resolve_scorer(spec, kind or _kind_of_spec(spec))
    if scorer is None:
        raise ConfigError(f"nothing to score with: {spec!r}")
    return scorer


def _kind_of_spec(spec: str) -> str:
    """The slot a scorer spec fills by itself (``conspiracy`` for the conspiracy scorer)."""
    from modkit.registry import scorers

    name = spec.partition(":")[0]
    return getattr(scorers.get(name), "kind", "toxicity") if name not in ("model", "none") else "toxicity"


def _scorer_scores(scorer, attribute: str, frame: pd.DataFrame) -> tuple[str, np.ndarray, float]:
    """Scores of a scorer on the evaluation rows and its flag threshold."""
    from modkit.score import DEFAULT_THRESHOLD, with_context

    probs = scorer.predict_proba(with_context(frame))
    column = attribute if attribute in probs.columns else str(probs.columns[0])
    limits = scorer.recommended_thresholds() if hasattr(scorer, "recommended_thresholds") else {}
    return scorer.version, probs[column].to_numpy(dtype=float), float(limits.get(column, DEFAULT_THRESHOLD))


def resolve_model(model: TrainedModel | str | Path) -> TrainedModel | object:
    """A trained model, or a scorer for a spec (``lite``) or for a file only a scorer reads (``lite.skops``).

    A bad, missing or untrusted model file fails here, before any data are read.

    Examples
    --------
    >>> type(resolve_model("lite")).__name__
    'LiteToxicityScorer'
    """
    from modkit.score.base import Scorer

    if isinstance(model, TrainedModel | Scorer):
        return model
    path = Path(model)
    if path.is_file():
        trained = load(path)
        return trained if hasattr(trained.estimator, "predict_proba") else _scorer(f"model:{path}", None)
    from modkit.registry import scorers

    if str(model).partition(":")[0] in scorers.names():
        return _scorer(str(model), None)
    return load(path)  # neither a file nor a scorer: load() names the missing file


def _check_parents(data: pd.DataFrame, parent_column: str | None) -> None:
    """Features with context need a parent-text column: say which option to pass when there is none."""
    if parent_column is None and PARENT_TEXT_COL not in data.columns:
        raise ConfigError(f"features include context but the data has no {PARENT_TEXT_COL!r} column; "
                          f"pass --parent-column or --features text.")


def evaluate(model: TrainedModel | str | Path, data: pd.DataFrame, target: str | None = None, *,
             text_column: str = TEXT_COL, label_column: str | None = None, parent_column: str | None = None,
             positive: Sequence[str] | None = None, compare_with: str | None = None,
             features: Sequence[str] | None = None, n_boot: int = N_BOOTSTRAP,
             data_name: str = "the evaluation data", seed: int = 0) -> Report:
    """Metrics of a trained model on labelled rows, side by side with another scorer when asked.

    Parameters
    ----------
    model : TrainedModel, path or scorer spec
        A model from :func:`train`, a model file (the embedded ``lite.skops`` too),
        or a scorer spec such as ``lite`` or ``conspiracy``.
    data : DataFrame
        Labelled rows (same forms as :func:`train`); they should be rows the model was not trained on.
    target : str, optional
        Defaults to the model's target.
    compare_with : str, optional
        A scorer spec: ``lite``, ``conspiracy``, ``model:PATH``, ... The table then shows
        paired bootstrap differences of the model against it.
    features : sequence of str, optional
        What the scorers read, as for :func:`train`: ``("text",)`` scores the replies alone
        (for data labelled without the parent, e.g. ``gn.csv``), ``("text", "context")`` with
        their parents. Default: with the parents when the data has them.

    Examples
    --------
    >>> df = pd.DataFrame({"thread_id": [f"t{i // 6}" for i in range(24)],
    ...                    "text": ["you idiot" if i % 2 else f"good point {i}" for i in range(24)],
    ...                    "toxic": [i % 2 for i in range(24)]})
    >>> model, _ = train(df, "toxicity", features=["text"], n_boot=0)
    >>> evaluate(model, df, n_boot=0).scorers[model.meta["name"]]["roc_auc"]["value"]
    1.0
    """
    model = resolve_model(model)
    trained = isinstance(model, TrainedModel)
    target = target or (model.meta.get("target", "toxicity") if trained else model.attributes[0])
    if features is None:
        context = parent_column is not None or PARENT_TEXT_COL in data.columns
    else:
        context = "context" in check_features(features)
        if context:
            _check_parents(data, parent_column)
    frame = prepare(data, target, _columns(text_column, label_column, parent_column, None, positive), context=context)
    y = frame[LABEL].to_numpy()
    if trained:
        name = str(model.meta.get("name", "model"))
        scores, thresholds = {name: model.predict_proba(frame)[:, 1]}, {name: model.threshold}
    else:
        name, s, t = _scorer_scores(model, attribute_of(target), frame)
        scores, thresholds = {name: s}, {name: t}
    if compare_with:
        other, s, t = _scorer_scores(_scorer(compare_with, kind_of(target)), attribute_of(target), frame)
        if other == name:
            other = f"{other} (compared)"
        scores[other], thresholds[other] = s, t
    report = Report(attribute_of(target), data_name, "held-out evaluation" + (" of the saved model" if trained else ""),
                    {n: {**classification_metrics(y, s, thresholds[n], n_boot=n_boot, seed=seed),
                         "threshold": thresholds[n]} for n, s in scores.items()},
                    notes=["Each scorer flags at its own recommended threshold."])
    if trained:
        known = overlap.decode(model.meta["training_hashes"]) if "training_hashes" in model.meta else None
        if known is None and model.meta.get("name") in ("lite", "conspiracy"):  # the embedded model files
            known = overlap.embedded_hashes().get(model.meta["name"])
    else:
        known = overlap.embedded_hashes().get(getattr(model, "name", ""))
    warning = overlap.overlap_note(frame[TEXT_COL], known, name)
    if warning:
        report.notes.insert(0, warning)
    if compare_with and n_boot:
        ref = list(scores)[1]
        paired = paired_bootstrap(y, scores, reference=ref, n_boot=n_boot, seed=seed)
        report.comparison = {name: paired[name]}
        report.notes.append(f"vs ref.: paired bootstrap difference against {ref}.")
    if n_boot:
        report.notes.append("Brackets: 95% bootstrap intervals over rows.")
    return report
