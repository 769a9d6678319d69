"""Models trained with ``modkit train`` as scorers (``--toxicity model:PATH``)."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from modkit.registry import scorers
from modkit.score.base import PARENT_TEXT_COL, TEXT_COL, Scorer, check_comments, texts
from modkit.train.persist import load_model


@scorers.register
class ModelFileScorer(Scorer):
    """A scikit-learn pipeline saved by ``modkit train`` (a skops file), used as a scorer.

    The file's metadata names the ``target`` attribute the model predicts, its
    ``kind`` (toxicity or conspiracy), an optional recommended ``threshold`` and a
    ``version``. The pipeline receives a frame with ``text`` and ``parent_text``.

    Parameters
    ----------
    path : str
        The model file.
    """

    name = "model"

    def __init__(self, path: str | None = None):
        self.path = path

    @cached_property
    def _loaded(self) -> tuple[object, dict]:
        return load_model(self.path)

    @property
    def kind(self) -> str:  # type: ignore[override]
        return self._loaded[1].get("kind", "toxicity")

    @property
    def attributes(self) -> tuple[str, ...]:
        return (self._loaded[1].get("target", "toxicity"),)

    @property
    def version(self) -> str:
        meta = self._loaded[1]
        return f"model:{meta.get('name', 'model')}-{meta.get('version', '0')}"

    def recommended_thresholds(self) -> dict[str, float]:
        meta = self._loaded[1]
        return {self.attributes[0]: float(meta["threshold"])} if "threshold" in meta else {}

    def predict_proba(self, comments: pd.DataFrame) -> pd.DataFrame:
        check_comments(comments)
        model = self._loaded[0]
        frame = pd.DataFrame({TEXT_COL: texts(comments), PARENT_TEXT_COL: texts(comments, PARENT_TEXT_COL)})
        proba = np.asarray(model.predict_proba(frame))[:, -1] if len(frame) else np.zeros(0)
        return pd.DataFrame({self.attributes[0]: np.clip(proba, 0.0, 1.0)}, index=comments.index)


def scorer_for_file(path: str) -> Scorer:
    """The scorer for a model file: its family's own scorer when it has one, else :class:`ModelFileScorer`.

    A file of the ``conspiracy`` family scores through
    :class:`~modkit.score.scorers.conspiracy.ConspiracyScorer` (so its cues come as
    evidence, and quotes of the parent are masked); a ``lite`` model file, like the
    embedded one, through :class:`~modkit.score.scorers.lite.LiteToxicityScorer`.

    Examples
    --------
    >>> from modkit.score.scorers.lite import DEFAULT_MODEL
    >>> type(scorer_for_file(str(DEFAULT_MODEL))).__name__
    'LiteToxicityScorer'
    """
    from modkit.score.conspiracy_model import ConspiracyModel
    from modkit.score.lite_model import LiteToxicityModel
    from modkit.score.scorers.conspiracy import ConspiracyScorer
    from modkit.score.scorers.lite import LiteToxicityScorer

    estimator, _ = load_model(path)
    if isinstance(estimator, ConspiracyModel):
        return ConspiracyScorer(model_path=path)
    if isinstance(estimator, LiteToxicityModel):
        return LiteToxicityScorer(path=path)
    return ModelFileScorer(path)
