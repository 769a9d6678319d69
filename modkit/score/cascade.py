"""A cascade: a fast scorer reads every reply, a slow one re-reads the replies it is unsure of.

The fast model (``lite`` for toxicity, ``conspiracy`` for conspiracy framing) scores every
reply. Replies whose deciding score falls inside a band around the flag threshold are
scored again by the slow model (modkit's fine-tuned MiniLM, through the fast Detoxify
path), and for those replies the two models' log-odds are averaged (``combine="mean"``,
the default: both are calibrated and they err on different replies) or the slow model's
score replaces the fast one (``combine="replace"``). Outside the band the fast model is
confident and kept. One class serves both slots: the
deciding score is the largest of the fast scorer's attributes that the slow scorer
also returns (for toxicity that includes ``toxicity`` itself, so swearing the fast
model scores high is re-read by the model that tells swearing from attacks).

Evidence (conspiracy cue spans) always comes from the fast scorer: the cues are the
explanation a moderator reads, whichever model set the number.

The encoder is optional (``pip install 'modkit[encoder]'``, ONNX Runtime and tokenizers, and the
MiniLM recipe's ONNX bundle; with torch, the checkpoint itself also serves):
:func:`encoder_status` says whether it can run here, and ``modkit score`` uses the
cascade by default when it can, and says once that it scores with the fast models
only when it cannot.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from modkit.errors import ConfigError
from modkit.score.base import Scorer, check_comments

#: Default band of the deciding score re-read by the slow model, from the MiniLM recipe's measurements
#: (modkit/score/models/minilm.md): conspiracy framing reaches the encoder's quality re-reading under 1%
#: of ordinary replies, and the toxic flags' precision rises from 0.853 to 0.895 re-reading 19%.
DEFAULT_BAND = (0.1, 0.9)
#: The slow model's engine: ONNX Runtime with int8 weights (fidelity measured in the benchmarks).
ENCODER_ENGINE = "onnx-int8"
ENCODER_MODEL = "modkit-minilm"
COMBINE = ("mean", "replace")
#: Averaging the two calibrated models' log-odds beat taking the encoder's alone where it matters most:
#: on the conspiracy topic held out of training (ROC AUC 0.911 vs 0.902) and in the toxic flags'
#: precision (0.895 vs 0.885) at the default band (modkit/score/models/minilm.md).
DEFAULT_COMBINE = "mean"


def mean_log_odds(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The probability whose log-odds is the mean of ``a``'s and ``b``'s.

    Examples
    --------
    >>> mean_log_odds(np.array([0.5, 0.9]), np.array([0.5, 0.1])).round(3).tolist()
    [0.5, 0.5]
    """
    qa, qb = (np.clip(np.asarray(x, dtype=float), 1e-6, 1 - 1e-6) for x in (a, b))
    z = (np.log(qa / (1 - qa)) + np.log(qb / (1 - qb))) / 2
    return 1.0 / (1.0 + np.exp(-z))


def parse_band(spec: str | tuple[float, float]) -> tuple[float, float]:
    """``"0.1:0.9"`` (or a pair) as a validated ``(low, high)`` band.

    Examples
    --------
    >>> parse_band("0.2:0.8")
    (0.2, 0.8)
    >>> parse_band("0.9:0.1")
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: cascade band '0.9:0.1': needs LOW:HIGH with 0 <= LOW <= HIGH <= 1
    """
    try:
        low, high = (float(x) for x in (spec.split(":") if isinstance(spec, str) else spec))
    except (TypeError, ValueError):
        low = high = float("nan")
    if not (0.0 <= low <= high <= 1.0):
        text = spec if isinstance(spec, str) else ":".join(map(str, spec))
        raise ConfigError(f"cascade band {text!r}: needs LOW:HIGH with 0 <= LOW <= HIGH <= 1")
    return low, high


def band_mask(fast_scores: pd.DataFrame, attrs: Sequence[str], band: tuple[float, float]) -> np.ndarray:
    """The rows whose deciding score (the largest of ``attrs``) lies in ``band``: the cascade's rule.

    Examples
    --------
    >>> band_mask(pd.DataFrame({"toxicity": [0.05, 0.5, 0.95]}), ["toxicity"], (0.1, 0.9)).tolist()
    [False, True, False]
    """
    cols = [a for a in attrs if a in fast_scores.columns]
    if not cols or len(fast_scores) == 0:
        return np.zeros(len(fast_scores), bool)
    deciding = fast_scores[cols].to_numpy(dtype=float).max(axis=1)
    return (deciding >= band[0]) & (deciding <= band[1])


def combine_scores(fast_scores: pd.DataFrame, slow_scores: pd.DataFrame, attrs: Sequence[str],
                   combine: str = DEFAULT_COMBINE) -> pd.DataFrame:
    """``fast_scores`` with ``attrs`` combined with ``slow_scores`` on its rows (``mean`` of log-odds, or
    ``replace``): the cascade's other rule.

    Examples
    --------
    >>> fast = pd.DataFrame({"toxicity": [0.9, 0.2]})
    >>> combine_scores(fast, pd.DataFrame({"toxicity": [0.1]}, index=[0]), ["toxicity"])["toxicity"].round(3).tolist()
    [0.5, 0.2]
    """
    if combine not in COMBINE:
        raise ConfigError(f"cascade combine {combine!r}; choose one of: {', '.join(COMBINE)}")
    out = fast_scores.copy()
    for attr in attrs:
        if attr in slow_scores.columns:
            slow = slow_scores[attr].to_numpy(dtype=float)
            if combine == "mean":
                slow = mean_log_odds(out.loc[slow_scores.index, attr].to_numpy(dtype=float), slow)
            out.loc[slow_scores.index, attr] = slow
    return out


class CascadeScorer(Scorer):
    """The fast scorer everywhere, the slow scorer where the fast one is unsure.

    Parameters
    ----------
    fast, slow : Scorer
        The slow scorer must return the attributes it should replace (extra ones are
        ignored; missing ones keep the fast score).
    band : (float, float)
        Replies whose deciding fast score lies in ``[low, high]`` are re-scored.
    combine : {"mean", "replace"}
        Inside the band, ``mean`` averages the two models' log-odds (both are
        calibrated, and they err on different replies); ``replace`` takes the slow
        model's score alone.

    Examples
    --------
    >>> class Const(Scorer):
    ...     attributes = ("toxicity",)
    ...     def __init__(self, value=0.5):
    ...         self.value = value
    ...     def predict_proba(self, df):
    ...         return pd.DataFrame({"toxicity": [self.value] * len(df)}, index=df.index)
    >>> class Length(Const):
    ...     def predict_proba(self, df):
    ...         return pd.DataFrame({"toxicity": [len(t) / 10 for t in df["text"]]}, index=df.index)
    >>> c = CascadeScorer(Length(), Const(0.0), band=(0.3, 0.7), combine="replace")
    >>> c.predict_proba(pd.DataFrame({"text": ["ab", "abcde", "abcdefghij"]}))["toxicity"].tolist()
    [0.2, 0.0, 1.0]
    """

    name = "cascade"

    def __init__(self, fast: Scorer | None = None, slow: Scorer | None = None,
                 band: tuple[float, float] = DEFAULT_BAND, combine: str = DEFAULT_COMBINE):
        self.fast = fast
        self.slow = slow
        self.band = band
        self.combine = combine

    @property
    def kind(self) -> str:  # type: ignore[override]
        return self.fast.kind

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(self.fast.attributes)

    @property
    def languages(self) -> tuple[str, ...]:
        """Replies the fast scorer reads (the slow one only re-reads some of them)."""
        return tuple(getattr(self.fast, "languages", ("en",)))

    @property
    def replaced(self) -> tuple[str, ...]:
        """The attributes the slow scorer's scores replace."""
        slow = set(self.slow.attributes)
        return tuple(a for a in self.fast.attributes if a in slow)

    @property
    def version(self) -> str:
        low, high = parse_band(self.band)
        how = "" if self.combine == "replace" else f"|{self.combine}"
        return f"cascade[{self.fast.version}|{self.slow.version}|{low:g}:{high:g}{how}]"

    def recommended_thresholds(self) -> dict[str, float]:
        """The fast scorer's thresholds (both models are calibrated to the same policy)."""
        rec = getattr(self.fast, "recommended_thresholds", None)
        return rec() if callable(rec) else {}

    def in_band(self, fast_scores: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows the slow scorer re-reads."""
        return band_mask(fast_scores, self.replaced, parse_band(self.band))

    def merge(self, fast_scores: pd.DataFrame, slow_scores: pd.DataFrame,
              floors: pd.DataFrame | None = None) -> pd.DataFrame:
        """``fast_scores`` with the replaced attributes combined with ``slow_scores`` where it has rows,
        and kept at or above the fast scorer's ``floors`` (:meth:`Scorer.floors`) there."""
        merged = combine_scores(fast_scores, slow_scores, self.replaced, self.combine)
        if floors is not None:
            for attr in (a for a in self.replaced if a in floors.columns):
                rows = floors.index
                merged.loc[rows, attr] = np.fmax(merged.loc[rows, attr].to_numpy(dtype=float),
                                                 floors[attr].to_numpy(dtype=float))
        return merged

    def predict_with_evidence(self, comments: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series | None]:
        check_comments(comments)
        fast, evidence = self.fast.predict_with_evidence(comments)
        rows = self.in_band(fast)
        if rows.any():
            fast = self.merge(fast, self.slow.predict_proba(comments.loc[rows]), self.fast.floors(comments.loc[rows]))
        return fast, evidence

    def predict_proba(self, comments: pd.DataFrame) -> pd.DataFrame:
        """Fast scores, replaced by the slow scorer's inside the band."""
        return self.predict_with_evidence(comments)[0]

    def evidence(self, comments: pd.DataFrame) -> pd.Series | None:
        return self.fast.evidence(comments)


@lru_cache(maxsize=1)
def encoder_status() -> str | None:
    """``None`` when the MiniLM encoder can run here, else one line saying what is missing.

    Examples
    --------
    >>> status = encoder_status()
    >>> status is None or status.startswith("the MiniLM encoder")
    True
    """
    from modkit.score.detoxify_checkpoint import minilm_dir
    from modkit.score.onnx_bundle import BUNDLE_DIR, bundle_meta

    def have(*modules: str) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in modules)

    runtime = [m for m in ("onnxruntime", "tokenizers") if importlib.util.find_spec(m) is None]
    if runtime:
        return (f"the MiniLM encoder needs {', '.join(runtime)} (pip install 'modkit[encoder]'): "
                "scoring with the fast models only")
    if bundle_meta(minilm_dir() / BUNDLE_DIR) is not None:
        return None  # the ONNX bundle runs without torch
    if (minilm_dir() / "minilm.ckpt").is_file() and have("torch", "transformers"):
        return None  # the checkpoint itself, exported on first use
    return (f"the MiniLM encoder is not built on this machine ({minilm_dir() / BUNDLE_DIR} is missing; "
            "python -m modkit.train.recipes.minilm builds it): scoring with the fast models only")


def encoder(kind: str) -> Scorer:
    """modkit's MiniLM as the slow scorer of the ``kind`` slot (``toxicity`` or ``conspiracy``)."""
    from modkit.model import CONSPIRACY
    from modkit.score.scorers.detoxify import DetoxifyScorer

    outputs = (CONSPIRACY,) if kind == "conspiracy" else None  # None: every toxicity output
    return DetoxifyScorer(model=ENCODER_MODEL, engine=ENCODER_ENGINE, context="pair", outputs=outputs)


def with_encoder(fast: Scorer, band: tuple[float, float] = DEFAULT_BAND,
            slow: Callable[[str], Scorer] = encoder) -> CascadeScorer:
    """``fast`` cascaded into modkit's MiniLM; :class:`ConfigError` says why when it cannot run.

    Examples
    --------
    >>> from modkit.score.scorers.lite import LiteToxicityScorer
    >>> c = with_encoder(LiteToxicityScorer(), slow=lambda kind: LiteToxicityScorer())
    >>> c.band, c.combine, c.kind
    ((0.1, 0.9), 'mean', 'toxicity')
    """
    if slow is encoder and encoder_status() is not None:
        raise ConfigError(encoder_status())
    return CascadeScorer(fast, slow(fast.kind), parse_band(band))
