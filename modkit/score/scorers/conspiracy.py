"""The embedded conspiracy-framing scorer: a calibrated score plus the cues behind it.

``conspiracy`` is the probability, calibrated on the PAN 2024 English data
(oppositional Telegram texts, about a third of them conspiracy framing), that
a reply frames events as secretly planned or staged by hidden, hostile
actors, as opposed to criticising or distrusting governments, media or
policy. News comments contain far less framing than that training set, so
read the score as a ranking and flag at the model's recommended threshold
(:meth:`ConspiracyScorer.recommended_thresholds`, chosen by cross-validation
for the best Matthews correlation).

How inputs are treated:

- ``parent_text`` (when present and ``use_parent=True``) is used only to find
  words the reply copies from its parent (five or more in a row); those are
  blanked before scoring, so a reply that quotes a claim to dispute it is
  judged on its own words. The parent's own score is never inherited.
- An empty reply, or one with no letters or digits (only emoji, punctuation
  or control characters), scores exactly 0.0 and has no cues.
- Only the first 20,000 characters of a reply are read (a 100k-character
  paste scores like its beginning).
- Non-English text gets a low score: the cues are English, and the text model
  has seen English only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from modkit.registry import scorers
from modkit.score.base import CONSPIRACY, PARENT_TEXT_COL, TEXT_COL, Scorer, check_comments, texts
from modkit.score.conspiracy_model import claimed, own_words
from modkit.score.cues import find_cues
from modkit.train.persist import load_model

#: The model file ``modkit.train.train`` writes through the recipe ``python -m modkit.train.recipes.conspiracy``
#: (its model card is ``conspiracy.md`` beside it).
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "conspiracy.skops"

_HAS_WORD = re.compile(r"\w")


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> tuple[object, dict]:
    """Load a model file once per process (a changed file, by mtime, is reloaded)."""
    return load_model(path)


@scorers.register
class ConspiracyScorer(Scorer):
    """Conspiracy framing: a calibrated ``conspiracy`` score and, as evidence, the cues found.

    Parameters
    ----------
    model_path : str, optional
        A model file written by the conspiracy recipe; the embedded model by default.
    use_parent : bool
        Blank the words a reply copies from ``parent_text`` before scoring it.

    Examples
    --------
    >>> s = ConspiracyScorer()
    >>> s.attributes
    ('conspiracy',)
    >>> claim = s.score_text("ISIL attack is pre arranged by Maliki")["conspiracy"]
    >>> calm = s.score_text("Actually not upset with Iran for this move.")["conspiracy"]
    >>> claim > calm
    True
    >>> s.score_text("")
    {'conspiracy': 0.0}
    """

    name = "conspiracy"
    kind = "conspiracy"
    #: The cue lexicon and the word model are English.
    languages = ("en",)

    def __init__(self, model_path: str | None = None, use_parent: bool = True):
        self.model_path = model_path
        self.use_parent = use_parent

    def _loaded(self) -> tuple[object, dict]:
        path = Path(self.model_path) if self.model_path else DEFAULT_MODEL
        mtime = path.stat().st_mtime if path.is_file() else 0.0
        return _load(str(path), mtime)

    @property
    def attributes(self) -> tuple[str, ...]:
        return (CONSPIRACY,)

    @property
    def version(self) -> str:
        """``conspiracy-<model version>``: changes whenever the model file's version does."""
        return f"{self.name}-{self._loaded()[1].get('version', '0')}"

    def recommended_thresholds(self) -> dict[str, float]:
        """The flag threshold chosen by cross-validation (best Matthews correlation)."""
        meta = self._loaded()[1]
        return {CONSPIRACY: float(meta["threshold"])} if "threshold" in meta else {}

    def _frame(self, comments: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame({TEXT_COL: texts(comments)})
        if self.use_parent:
            frame[PARENT_TEXT_COL] = texts(comments, PARENT_TEXT_COL)
        return frame

    def predict_proba(self, comments: pd.DataFrame) -> pd.DataFrame:
        """One column, ``conspiracy``, in [0, 1], indexed like ``comments``."""
        return self.predict_with_evidence(comments)[0]

    def floors(self, comments: pd.DataFrame) -> pd.DataFrame | None:
        """``conspiracy`` at least the model's claim floor where a reply's own words claim a staged event.

        See :class:`~modkit.score.conspiracy_model.ConspiracyModel` (``None`` for a model without one).
        """
        floor = getattr(self._loaded()[0], "claim_floor_", None)
        if floor is None:
            return None
        claims = claimed(own_words(self._frame(comments)))
        return pd.DataFrame({CONSPIRACY: np.where(claims, floor, np.nan)}, index=comments.index)

    def evidence(self, comments: pd.DataFrame) -> pd.Series:
        """Per row, the cues as dicts ``{kind, start, end, text}`` (offsets into ``text``).

        Cues inside words copied from the parent are left out, as they are from the score.
        """
        return self.predict_with_evidence(comments, score=False)[1]

    def predict_with_evidence(self, comments: pd.DataFrame, score: bool = True) -> tuple[pd.DataFrame, pd.Series]:
        """Scores and cues with one quote-masking pass and one cue search per reply."""
        check_comments(comments)
        frame = self._frame(comments)
        own = own_words(frame)
        cues = [find_cues(t) for t in own]
        originals = texts(comments)
        evidence = pd.Series([[{**c.as_dict(), "text": orig[c.start:c.end]} for c in found]
                              for found, orig in zip(cues, originals, strict=True)],
                             index=comments.index, dtype=object)
        scores = np.zeros(len(frame))
        if score:
            has_words = np.array([bool(_HAS_WORD.search(t)) for t in frame[TEXT_COL]], dtype=bool)
            if has_words.any():
                model = self._loaded()[0]
                idx = np.flatnonzero(has_words)
                # already quote-masked texts, with the cues found above: no work is done twice
                scores[idx] = model.predict_proba([own[i] for i in idx], cues=[cues[i] for i in idx])[:, 1]
        return pd.DataFrame({CONSPIRACY: np.clip(scores, 0.0, 1.0)}, index=comments.index), evidence
