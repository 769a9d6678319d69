"""The scikit-learn pipeline ``modkit train`` fits.

Word and character TF-IDF on the reply's ``text`` (and, with context, separate
ones on ``parent_text``, so a word in the parent weighs differently from the same
word in the reply), a class-balanced logistic regression, and sigmoid
calibration so the score reads as a probability and thresholds transfer between
models. Every step is a plain scikit-learn class, so the skops trust list accepts
the saved model.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from modkit.errors import ConfigError
from modkit.score.base import PARENT_TEXT_COL, TEXT_COL

#: Feature names ``train`` accepts: the reply's text, and the parent's text as context.
FEATURES = ("text", "context")
#: Vocabulary caps: enough for a few thousand labelled replies, small enough for a compact model file.
MAX_WORD_FEATURES = 50_000
MAX_CHAR_FEATURES = 100_000
#: Character n-grams inside word boundaries catch obfuscated insults ("id10t") and inflections.
CHAR_NGRAMS = (2, 5)
#: Inverse regularisation strength: sklearn's default. liblinear: fast on sparse TF-IDF rows.
C = 1.0
#: Internal folds of the calibration; three keeps a fold's positives plentiful with rare labels.
CALIBRATION_FOLDS = 3
#: An n-gram must occur in this many replies to be a feature: drops typos and one-off names.
MIN_DF = 2
#: Context vectorisers get smaller vocabularies: the parent is a weaker signal than the reply.
CONTEXT_SHARE = 0.5


def check_features(features: Sequence[str]) -> tuple[str, ...]:
    """Validate a feature list; ``text`` is required.

    Examples
    --------
    >>> check_features("text,context".split(","))
    ('text', 'context')
    >>> check_features(["context"])
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: features must include 'text' (got: context); choose from: text, context.
    """
    feats = tuple(f.strip() for f in features if f.strip())
    unknown = [f for f in feats if f not in FEATURES]
    if unknown:
        raise ConfigError(f"unknown feature {unknown[0]!r}; choose from: {', '.join(FEATURES)}.")
    if "text" not in feats:
        raise ConfigError(f"features must include 'text' (got: {', '.join(feats)}); "
                          f"choose from: {', '.join(FEATURES)}.")
    return feats


def _vectorisers(column: str, share: float = 1.0, min_df: int = MIN_DF) -> list[tuple[str, TfidfVectorizer, str]]:
    word = TfidfVectorizer(lowercase=True, ngram_range=(1, 2), min_df=min_df, sublinear_tf=True,
                           max_features=int(MAX_WORD_FEATURES * share))
    char = TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=CHAR_NGRAMS, min_df=min_df,
                           sublinear_tf=True, max_features=int(MAX_CHAR_FEATURES * share))
    return [(f"{column}_word", word, column), (f"{column}_char", char, column)]


def build_pipeline(features: Sequence[str] = FEATURES, calibration_folds: int = CALIBRATION_FOLDS,
                   seed: int = 0) -> Pipeline:
    """An unfitted, calibrated classifier over a frame with ``text`` and ``parent_text``.

    Parameters
    ----------
    features : sequence of str
        ``("text",)`` or ``("text", "context")``.
    calibration_folds : int
        Internal folds of :class:`~sklearn.calibration.CalibratedClassifierCV`.
    seed : int
        Seed of the solver's data shuffling (kept for reproducible refits).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"text": ["you idiot", "thanks", "idiot you are", "nice one"] * 3,
    ...                   "parent_text": [""] * 12})
    >>> m = build_pipeline(("text",), calibration_folds=2).fit(X, [1, 0, 1, 0] * 3)
    >>> m.predict_proba(X)[:, 1].round(1).tolist()[:2]
    [0.8, 0.2]
    """
    feats = check_features(features)
    steps = _vectorisers(TEXT_COL)
    if "context" in feats:
        # Parents are often missing (top-level replies), so a parent n-gram seen once still counts.
        steps += _vectorisers(PARENT_TEXT_COL, CONTEXT_SHARE, min_df=1)
    logreg = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", random_state=seed)
    # Calibrate the classifier only: the vectorisers see no labels, so fitting them once on all the
    # training rows leaks nothing and saves refitting character n-grams for each calibration fold.
    return Pipeline([
        ("features", ColumnTransformer(steps)),
        ("classifier", CalibratedClassifierCV(logreg, method="sigmoid", cv=calibration_folds)),
    ])


def compact(model: object) -> object:
    """Store fitted vocabularies with plain ``int`` indices; returns ``model``.

    TF-IDF keeps NumPy integer scalars as vocabulary indices, and skops writes each
    scalar as its own array file: a 5,000-reply model grew to 140,000 files and 31 MB.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"text": ["you idiot", "thanks", "idiot you are", "nice one"] * 3, "parent_text": [""] * 12})
    >>> m = compact(build_pipeline(("text",), calibration_folds=2).fit(X, [1, 0, 1, 0] * 3))
    >>> {type(i) for i in m.named_steps["features"].transformers_[0][1].vocabulary_.values()}
    {<class 'int'>}
    """
    steps = getattr(model, "named_steps", {})
    if "features" not in steps or not hasattr(steps["features"], "transformers_"):
        return model  # not a TF-IDF pipeline: nothing to compact
    for _, step, _ in steps["features"].transformers_:
        if hasattr(step, "vocabulary_"):
            step.vocabulary_ = {term: int(i) for term, i in step.vocabulary_.items()}
    return model
