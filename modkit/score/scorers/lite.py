"""The embedded default toxicity scorer, ``lite``: no torch, no network, a 2.6 MB model file.

It scores ``toxicity`` and ``identity_attack`` (Detoxify's names) with the model in
``modkit/score/models/lite.skops``, trained by ``modkit.train.train`` with the ``lite``
family through the recipe ``python -m modkit.train.recipes.lite_toxicity`` (``make models``)
from public labelled data. See :mod:`modkit.score.lite_model` for the features, and
``lite.md`` beside the model for its model cards: data, cross-validated metrics, thresholds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from modkit.errors import ModkitError
from modkit.registry import scorers
from modkit.score.base import PARENT_TEXT_COL, Scorer, check_comments, texts
from modkit.score.lite_model import LiteToxicityModel
from modkit.train.persist import load_model

#: The model file shipped in the package.
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "lite.skops"
#: Replies analysed at once: bounds memory (the n-gram rows of 8192 typical replies
#: take about 100 MB) while keeping NumPy's per-call overhead negligible.
CHUNK_ROWS = 8192


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[LiteToxicityModel, dict]:
    model, meta = load_model(path)
    if not isinstance(model, LiteToxicityModel):
        raise ModkitError(f"{path}: not a lite toxicity model ({type(model).__name__})")
    return model, meta


@scorers.register
class LiteToxicityScorer(Scorer):
    """Fast embedded toxicity scorer that reads the parent reply when it is known.

    Attributes scored: ``toxicity`` (trained on Wikipedia talk replies labelled
    with and without their parent, and on tweets labelled offensive or hateful;
    it stacks alt-profanity-check's pre-trained word SVM, modkit's own character
    and word n-gram model, and the parent's toxicity) and ``identity_attack``
    (trained on tweets labelled hate speech, i.e. abuse aimed at a group; the
    reply alone). ``severe_toxicity``, ``obscene``, ``threat``, ``insult`` and
    ``sexual_explicit`` are not scored: the training data do not separate them.

    Documented edge cases:

    - an empty or whitespace-only reply scores 0 on every attribute;
    - a reply longer than 200,000 characters is judged on its first 200,000;
    - control characters count as spaces; emoji and other symbols are kept as
      characters of the n-grams;
    - the model learned English; other languages get valid but uninformed scores
      (usually low, unless they share English profanity or insults).

    Parameters
    ----------
    path : str, optional
        A model file written by the recipe; the shipped one by default.
    use_parent : bool
        Read ``parent_text`` when the table has it (default). ``False`` scores
        every reply alone.

    Examples
    --------
    >>> s = LiteToxicityScorer()
    >>> s.attributes
    ('toxicity', 'identity_attack')
    >>> s.score_text("thanks, fixed the citation")["toxicity"] < s.score_text("shut up you idiot")["toxicity"]
    True
    """

    name = "lite"
    kind = "toxicity"

    def __init__(self, path: str | None = None, use_parent: bool = True):
        self.path = path
        self.use_parent = use_parent

    def _loaded(self) -> tuple[LiteToxicityModel, dict]:
        return _load(str(self.path or DEFAULT_MODEL))

    @property
    def attributes(self) -> tuple[str, ...]:
        return self._loaded()[0].attributes

    @property
    def version(self) -> str:
        return f"lite-{self._loaded()[1].get('version', '0')}"

    def recommended_thresholds(self) -> dict[str, float]:
        """The flag threshold of each attribute stored with the model (best F1 on out-of-fold scores)."""
        return {k: float(v) for k, v in self._loaded()[1].get("thresholds", {}).items()}

    def predict_proba(self, comments: pd.DataFrame) -> pd.DataFrame:
        """One column per attribute in [0, 1], indexed like ``comments``."""
        check_comments(comments)
        model = self._loaded()[0]
        replies = texts(comments)
        parents = texts(comments, PARENT_TEXT_COL) if self.use_parent else [""] * len(replies)
        columns: dict[str, list[np.ndarray]] = {a: [] for a in model.attributes}
        for start in range(0, len(replies), CHUNK_ROWS):
            stop = start + CHUNK_ROWS
            for attribute, values in model.predict(replies[start:stop], parents[start:stop]).items():
                columns[attribute].append(values)
        data = {a: np.clip(np.concatenate(v), 0.0, 1.0) if v else np.zeros(0) for a, v in columns.items()}
        return pd.DataFrame(data, index=comments.index, dtype=np.float64)
