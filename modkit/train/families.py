"""The model families ``modkit train --model`` fits, each a scikit-learn classifier over a replies frame.

Every family reads a frame with ``text`` and ``parent_text`` (and, when fitting,
``group`` and ``auxiliary``) and has ``fit`` / ``predict_proba``, so the trainer's
cross-validation, thresholds, metrics and model card are the same for all of them.
The embedded scorers' models are trained through these families by the recipes
in :mod:`modkit.train.recipes`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from modkit.errors import ConfigError


@dataclass(frozen=True)
class Family:
    """A model family: what it is, and how to build an unfitted estimator.

    ``build(features, calibration_folds, seed, target)`` returns the estimator;
    ``calibration_folds`` is the most inner folds the rarer class allows, and
    ``target`` the attribute it predicts.
    """

    description: str
    build: Callable[[tuple[str, ...], int, int, str], object]
    #: A reference (a published model) learns nothing from the training rows.
    reference: bool = False


def _tfidf(features: tuple[str, ...], folds: int, seed: int, target: str) -> object:
    from modkit.train.pipeline import CALIBRATION_FOLDS, build_pipeline

    return build_pipeline(features, calibration_folds=min(CALIBRATION_FOLDS, folds), seed=seed)


def _conspiracy(features: tuple[str, ...], folds: int, seed: int, target: str) -> object:
    from modkit.score.conspiracy_model import ConspiracyModel

    return ConspiracyModel(stack_folds=min(5, folds), random_state=seed)


def _lite(features: tuple[str, ...], folds: int, seed: int, target: str, toxblock: bool = True) -> object:
    from modkit.train.lite import LiteToxicityClassifier

    return LiteToxicityClassifier(target=target, context="context" in features, inner_folds=min(5, folds),
                                  random_state=seed, toxblock=toxblock)


def _lite_ngrams(features: tuple[str, ...], folds: int, seed: int, target: str) -> object:
    return _lite(features, folds, seed, target, toxblock=False)


def _toxblock(features: tuple[str, ...], folds: int, seed: int, target: str) -> object:
    from modkit.train.lite import ToxBlockReference

    return ToxBlockReference()


def _apc(features: tuple[str, ...], folds: int, seed: int, target: str) -> object:
    from modkit.train.lite import ProfanityCheckReference

    return ProfanityCheckReference()


FAMILIES: dict[str, Family] = {
    "tfidf": Family("word (1-2) and character (2-5) TF-IDF of the reply (and, with context, of its parent), "
                    "class-balanced logistic regression, sigmoid-calibrated probabilities", _tfidf),
    "conspiracy": Family("word TF-IDF logistic regression stacked with the conspiracy cue counts of the reply's "
                         "own words (words copied from the parent are masked); the stacker calibrates", _conspiracy),
    "lite": Family("SGD logistic regression on hashed character 2-5-grams and alt-profanity-check's word TF-IDF, "
                   "then a logistic head over the reply's (and, with context, the parent's) text signals and "
                   "tox-block's six Jigsaw-trained outputs, fitted on inner out-of-fold scores grouped by thread",
                   _lite),
    "lite_ngrams": Family("the lite family without tox-block's outputs (modkit 0.1's embedded design)",
                          _lite_ngrams),
    "apc": Family("alt-profanity-check 1.9.1's pre-trained word SVM (a reference: it learns nothing here)",
                  _apc, reference=True),
    "toxblock": Family("tox-block 0.1.2's pre-trained BiLSTM, its toxic output (a reference: it learns nothing here)",
                       _toxblock, reference=True),
}


def family(name: str) -> Family:
    """The family called ``name``.

    Examples
    --------
    >>> family("tfidf").reference
    False
    >>> family("bert")
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: unknown model 'bert'; choose from: tfidf, conspiracy, lite, lite_ngrams, apc, toxblock.
    """
    if name not in FAMILIES:
        raise ConfigError(f"unknown model {name!r}; choose from: {', '.join(FAMILIES)}.")
    return FAMILIES[name]


def parse_spec(spec: str, default_features: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """``NAME`` or ``NAME:FEATURES`` (features joined by ``+``) to ``(name, features)``.

    Examples
    --------
    >>> parse_spec("lite:text", ("text", "context"))
    ('lite', ('text',))
    >>> parse_spec("tfidf", ("text", "context"))
    ('tfidf', ('text', 'context'))
    """
    from modkit.train.pipeline import check_features

    name, _, feats = spec.strip().partition(":")
    family(name)
    return name, check_features(feats.split("+") if feats else tuple(default_features))
