"""The scorer interface: what every toxicity or conspiracy backend implements.

A scorer is a scikit-learn estimator (``__init__`` only stores keyword arguments,
``fit`` returns ``self``, learned state ends in ``_``). It predicts through
:meth:`Scorer.predict_proba`, which takes a comments table (``text``, and
``parent_text`` when the context is known) and returns one float column per
attribute in [0, 1], aligned on the input's index. :meth:`Scorer.evidence`
optionally returns per-row explanations (conspiracy cues). The stage function
:func:`modkit.score.score` turns these into a scores table.

The name ``score`` is deliberately not a method: scikit-learn reserves
``score(X, y)`` for evaluation.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from sklearn.base import BaseEstimator

from modkit.errors import SchemaError
from modkit.model import CONSPIRACY, PARENT_TEXT, TEXT, TOXICITY_ATTRIBUTES  # noqa: F401  (re-exported)

TEXT_COL = TEXT
PARENT_TEXT_COL = PARENT_TEXT


def check_comments(comments: pd.DataFrame, where: str = "comments") -> None:
    """Raise :class:`SchemaError` unless ``comments`` has a ``text`` column.

    Examples
    --------
    >>> check_comments(pd.DataFrame({"body": ["x"]}))
    Traceback (most recent call last):
    ...
    modkit.errors.SchemaError: comments is missing columns: text.
    """
    if not isinstance(comments, pd.DataFrame):
        raise SchemaError(f"{where} must be a pandas DataFrame, got {type(comments).__name__}.")
    if TEXT_COL not in comments.columns:
        raise SchemaError(f"{where} is missing columns: text.")


def texts(comments: pd.DataFrame, column: str = TEXT_COL) -> list[str]:
    """A text column as clean strings (missing values become "").

    Examples
    --------
    >>> texts(pd.DataFrame({"text": ["a", None]}))
    ['a', '']
    """
    if column not in comments.columns:
        return [""] * len(comments)
    return ["" if (v is None or (isinstance(v, float) and v != v)) else str(v) for v in comments[column]]


class Scorer(BaseEstimator):
    """Base class of all scorers.

    Subclasses set ``name`` (registry key, e.g. ``"lite"``), implement
    :meth:`predict_proba` and :attr:`attributes`, and report a ``version`` string
    that changes whenever their outputs can change (it keys the score cache).
    Rule-based scorers keep the no-op :meth:`fit` and count as fitted.
    """

    name: ClassVar[str] = "scorer"
    #: "toxicity" or "conspiracy": which slot of ``modkit score`` the scorer fills.
    kind: ClassVar[str] = "toxicity"

    @property
    def attributes(self) -> tuple[str, ...]:
        """The attribute columns :meth:`predict_proba` returns."""
        raise NotImplementedError

    @property
    def version(self) -> str:
        """Name and version of the model; part of the score cache key."""
        return f"{self.name}"

    def fit(self, comments: pd.DataFrame, labels=None) -> Scorer:
        """No-op for pre-trained and rule-based scorers; returns ``self``."""
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def predict_proba(self, comments: pd.DataFrame) -> pd.DataFrame:
        """One float column per attribute in [0, 1], indexed like ``comments``."""
        raise NotImplementedError

    def recommended_thresholds(self) -> dict[str, float]:
        """Flag thresholds the model's own evaluation recommends, per attribute (may be empty)."""
        return {}

    def evidence(self, comments: pd.DataFrame) -> pd.Series | None:
        """Per-row explanations (a list of dicts per row), or ``None`` if the scorer has none."""
        return None

    def floors(self, comments: pd.DataFrame) -> pd.DataFrame | None:
        """Per-row lower bounds the scorer's own evidence puts under its scores (NaN: none).

        A cascade keeps them when its slow scorer re-reads a row: a plain claim the fast
        scorer found ("the landing was faked") is not undone by an encoder that never saw
        the topic. ``None`` (the default): the scorer sets no floors.
        """
        return None

    def predict_with_evidence(self, comments: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series | None]:
        """Scores and evidence together; scorers that find evidence while scoring share the work."""
        return self.predict_proba(comments), self.evidence(comments)

    def score_text(self, text: str, parent_text: str | None = None) -> dict[str, float]:
        """Score one comment, optionally in the context of its parent.

        Examples
        --------
        >>> class Length(Scorer):
        ...     name = "length"
        ...     attributes = ("long",)
        ...     def predict_proba(self, comments):
        ...         return pd.DataFrame({"long": [min(len(t) / 100, 1.0) for t in comments["text"]]},
        ...                             index=comments.index)
        >>> Length().score_text("x" * 50)
        {'long': 0.5}
        """
        frame = pd.DataFrame({TEXT_COL: [text], PARENT_TEXT_COL: [parent_text]})
        row = self.predict_proba(frame).iloc[0]
        return {k: float(v) for k, v in row.items()}
