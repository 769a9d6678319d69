"""The embedded default toxicity scorer, ``lite``: no torch, no network, 6.7 MB of model files.

It scores Detoxify's attributes ``toxicity``, ``severe_toxicity``, ``obscene``,
``threat``, ``insult`` and ``identity_attack``:

- ``toxicity`` and ``identity_attack`` come from ``modkit/score/models/lite.skops``,
  trained by ``modkit.train.train`` with the ``lite`` family through the recipe
  ``python -m modkit.train.recipes.lite_toxicity`` (``make models``) on public
  labelled data (see :mod:`modkit.score.lite_model` and the model cards in ``lite.md``);
- the kinds ``severe_toxicity``, ``obscene``, ``threat`` and ``insult`` split that
  toxicity by tox-block's BiLSTM (:mod:`modkit.score.toxblock`), trained on the
  Jigsaw data, whose annotators labelled each kind: a kind scores
  ``max(toxicity, tox-block toxic) * min(1, tox-block kind / tox-block toxic)``.
  No public data here labels the kinds, so their threshold is :data:`KIND_THRESHOLD`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from modkit.errors import ModkitError
from modkit.registry import scorers
from modkit.score.base import PARENT_TEXT_COL, Scorer, check_comments, texts
from modkit.score.lite_model import KINDS, LiteToxicityModel, kind_scores
from modkit.score.toxblock import DEFAULT_PATH as TOXBLOCK_PATH
from modkit.score.toxblock import load_toxblock
from modkit.train.persist import load_model

#: The model file shipped in the package.
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "lite.skops"
#: Replies analysed at once: bounds memory (the n-gram rows of 8192 typical replies
#: take about 100 MB) while keeping NumPy's per-call overhead negligible.
CHUNK_ROWS = 8192
#: Threshold of every attack attribute (the kinds and ``identity_attack``): "more likely than
#: not". The kinds have no labels here to tune a threshold on; ``identity_attack``'s best-F1
#: threshold on tweets (about 0.2) flagged 53% of the harmless bias-madlibs sentences naming "queer"
#: and 12% naming "white" (benchmarks/bench_identity_bias.py); at 0.5 the flag takes 0.37% of all
#: harmless sentences and 35% of the hateful ones.
KIND_THRESHOLD = 0.5


@lru_cache(maxsize=1)
def _toxblock_version() -> str:
    import hashlib

    return hashlib.blake2b(TOXBLOCK_PATH.read_bytes(), digest_size=4).hexdigest()


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[LiteToxicityModel, dict]:
    model, meta = load_model(path)
    if not isinstance(model, LiteToxicityModel):
        raise ModkitError(f"{path}: not a lite toxicity model ({type(model).__name__})")
    return model, meta


@scorers.register
class LiteToxicityScorer(Scorer):
    """Fast embedded toxicity scorer that reads the parent reply when it is known.

    Attributes scored: ``toxicity`` (trained on replies from Wikipedia talk pages,
    Reddit, chatbot conversations and Fox News, most with their parent, plus tweets
    and Civil Comments posts; it stacks alt-profanity-check's pre-trained word SVM,
    modkit's own character and word n-gram model, tox-block's six outputs and the
    parent's toxicity), ``identity_attack``
    (trained on tweets labelled hate speech, i.e. abuse aimed at a group; the
    reply alone), and the kinds ``severe_toxicity``, ``obscene``, ``threat`` and
    ``insult`` (see the module docstring). ``sexual_explicit`` is not scored: no
    model here learned it.

    Documented edge cases:

    - an empty or whitespace-only reply scores 0 on every attribute;
    - a reply longer than 200,000 characters is judged on its first 200,000;
    - control characters count as spaces; emoji and other symbols are kept as
      characters of the n-grams;
    - the models learned English: :func:`modkit.score.score` leaves replies in
      other languages unscored (``languages``).

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
    ('toxicity', 'severe_toxicity', 'obscene', 'threat', 'insult', 'identity_attack')
    >>> s.score_text("thanks, fixed the citation")["toxicity"] < s.score_text("shut up you idiot")["toxicity"]
    True
    """

    name = "lite"
    kind = "toxicity"
    languages = ("en",)

    def __init__(self, path: str | None = None, use_parent: bool = True):
        self.path = path
        self.use_parent = use_parent

    def _loaded(self) -> tuple[LiteToxicityModel, dict]:
        return _load(str(self.path or DEFAULT_MODEL))

    @property
    def attributes(self) -> tuple[str, ...]:
        model = self._loaded()[0]
        if model.scores_kinds:
            return model.attributes
        return ("toxicity", *KINDS, *(a for a in model.attributes if a != "toxicity"))

    @property
    def version(self) -> str:
        return f"lite-{self._loaded()[1].get('version', '0')}+tb-{_toxblock_version()}"

    def recommended_thresholds(self) -> dict[str, float]:
        """The flag threshold of each attribute: ``toxicity``'s from the model file (best F1 out of
        fold), and :data:`KIND_THRESHOLD` for the attack attributes."""
        stored = {k: float(v) for k, v in self._loaded()[1].get("thresholds", {}).items()}
        return {a: stored["toxicity"] if a == "toxicity" else KIND_THRESHOLD for a in self.attributes}

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
        if not model.scores_kinds:  # a model file that does not read tox-block: the kinds from its toxicity
            outputs = load_toxblock().predict(replies) if replies else np.zeros((0, 6))
            outputs[[not t.strip() for t in replies]] = 0.0  # an empty reply scores 0, as in the lite model
            data |= kind_scores(data["toxicity"], outputs)
        return pd.DataFrame({a: data[a] for a in self.attributes}, index=comments.index, dtype=np.float64)

