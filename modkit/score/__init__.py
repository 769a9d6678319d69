"""Stage 2: score every reply for toxicity and conspiracy framing, in context (``modkit score``).

:func:`score` takes a comments table (``text``, optionally ``comment_id``,
``parent_id``, ``thread_id`` or ``parent_text``) and returns it with one column per
toxicity attribute, ``conspiracy`` and ``conspiracy_cues``, ``flagged`` and
``flag_reasons``, and the versions of the scorers used. Scorers are named by a
spec: ``lite`` (the embedded default), ``detoxify[:MODEL]``, ``model:PATH`` (a
model trained with ``modkit train``); ``none`` skips a slot.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

import numpy as np
import pandas as pd

from modkit.errors import ConfigError, ModkitError, UnknownPluginError
from modkit.model import (
    COMMENT_ID,
    CONSPIRACY_CUES,
    FLAG_REASONS,
    FLAGGED,
    LANG,
    PARENT_ID,
    TEXT,
    THREAD_ID,
    UNSUPPORTED_LANGUAGE,
)
from modkit.registry import scorers as scorer_registry
from modkit.registry import unknown_name
from modkit.score.attack_cues import floor_scores
from modkit.score.base import (
    CONSPIRACY,
    PARENT_TEXT_COL,
    TEXT_COL,
    TOXICITY_ATTRIBUTES,
    Scorer,
    check_comments,
    texts,
)
from modkit.score.cache import ScoreCache, cache_key
from modkit.score.cascade import DEFAULT_BAND, CascadeScorer, encoder_status, with_encoder
from modkit.score.language import UNDETERMINED, detect_languages, guess
from modkit.score.normalize import normalize_text
from modkit.score.policy import flag_reasons, insult_by_address, sentences, unaimed_insults

__all__ = ["score", "resolve_scorer", "with_context", "Scorer", "ScoreCache", "CONSPIRACY_CUES",
           "FLAGGED", "FLAG_REASONS", "DEFAULT_THRESHOLD"]

log = logging.getLogger(__name__)

#: Used for an attribute when neither the user nor the scorer's model names a threshold:
#: the midpoint of a probability-like score.
DEFAULT_THRESHOLD = 0.5
#: Rows scored per batch: large enough for vectorised models, small enough that the
#: cache is written (and a crash loses little) often.
BATCH_ROWS = 8192
#: Rows per worker below which forking costs more than it saves.
MIN_ROWS_PER_JOB = 1024


#: Encoder problems already reported in this process (``auto`` says each once, not once per slot).
_WARNED: set[str] = set()
#: The fast scorer of each slot: what ``auto`` falls back to and what ``cascade`` starts from.
FAST = {"toxicity": "lite", "conspiracy": "conspiracy"}


def scorer_names(kind: str) -> list[str]:
    """The specs that can fill the ``kind`` slot (``toxicity`` or ``conspiracy``).

    Examples
    --------
    >>> scorer_names("conspiracy")[:3]
    ['auto', 'cascade', 'conspiracy']
    """
    own = [n for n in scorer_registry.names()
           if (k := getattr(scorer_registry.get(n), "kind", None)) == kind or not isinstance(k, str)
           and kind == "toxicity" or n == "model"]
    return ["auto", "cascade", *own, "none"]


def check_spec(spec: str, kind: str) -> None:
    """Raise :class:`UnknownPluginError` (with a suggestion) unless ``spec`` names a scorer for ``kind``.

    Examples
    --------
    >>> check_spec("lite", "toxicity")
    >>> check_spec("conspricy", "conspiracy")
    Traceback (most recent call last):
    ...
    modkit.errors.UnknownPluginError: Unknown scorer 'conspricy'; did you mean 'conspiracy'? choose one of: ...
    """
    name = spec.partition(":")[0]
    if name not in scorer_names(kind):
        raise UnknownPluginError(unknown_name("scorer", name, scorer_names(kind)))


def resolve_scorer(spec: str | Scorer | None, kind: str, checkpoint: str | None = None,
                   band: tuple[float, float] = DEFAULT_BAND) -> Scorer | None:
    """Turn a scorer spec into a scorer instance.

    Parameters
    ----------
    spec : str or Scorer or None
        ``"auto"`` (the cascade of the slot's fast model into modkit's MiniLM when the
        encoder can run here, else the fast model: :mod:`modkit.score.cascade`),
        ``"cascade"`` (the cascade, or an error saying what is missing), ``"lite"``,
        ``"conspiracy"``, ``"detoxify"``, ``"detoxify:MODEL"``, ``"model:PATH"``, any
        registered scorer name, ``"none"``/``None`` for no scorer, or an instance.
    kind : {"toxicity", "conspiracy"}
        The slot being filled (checked against the scorer's kind).
    checkpoint : str, optional
        A local checkpoint for the ``detoxify`` backend.
    band : (float, float)
        The cascade's band of fast scores re-read by the encoder.

    Examples
    --------
    >>> resolve_scorer("none", "toxicity") is None
    True
    >>> resolve_scorer("lyte", "toxicity")
    Traceback (most recent call last):
    ...
    modkit.errors.UnknownPluginError: Unknown scorer 'lyte'; did you mean 'lite'? choose one of: ...
    """
    if spec is None or isinstance(spec, Scorer):
        return spec
    name, _, arg = spec.partition(":")
    if name == "none":
        return None
    if name == "auto":
        if encoder_status() is None:
            cascade = with_encoder(resolve_scorer(FAST[kind], kind), band)
            try:
                cascade.slow.load()  # a damaged model file must not stop the fast models from scoring
                return cascade
            except ModkitError as exc:
                if str(exc) not in _WARNED:
                    _WARNED.add(str(exc))
                    log.warning("%s; scoring with the fast models only", exc)
        else:
            log.info(encoder_status())
        return resolve_scorer(FAST[kind], kind)
    if name == "cascade":
        return with_encoder(resolve_scorer(arg or FAST[kind], kind), band)
    check_spec(name, kind)
    cls = scorer_registry.get(name)
    if name == "model":
        if not arg:
            raise ConfigError("model scorer needs a path: model:PATH")
        from modkit.score.scorers.model_file import scorer_for_file

        scorer = scorer_for_file(arg)
    elif name == "detoxify":
        scorer = cls(model=arg or None, checkpoint=checkpoint)
    else:
        scorer = cls()
    if getattr(scorer, "kind", kind) != kind and name != "model":
        raise ConfigError(f"scorer {name!r} scores {scorer.kind}, not {kind}")
    return scorer


def with_context(comments: pd.DataFrame, context: bool = True) -> pd.DataFrame:
    """Add ``parent_text`` from the table itself (via ``parent_id``) unless it is there.

    With ``context=False`` the column is emptied, so scorers see replies alone.

    Examples
    --------
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "parent_id": [None, "a"], "text": ["hi", "yo"]})
    >>> with_context(df)["parent_text"].tolist()
    [None, 'hi']
    """
    out = comments.copy()
    if not context:
        parents: list[str | None] = [None] * len(out)
    elif PARENT_TEXT_COL in out.columns:
        parents = [None if t == "" else t for t in texts(out, PARENT_TEXT_COL)]
    elif COMMENT_ID in out.columns and PARENT_ID in out.columns:
        by_id = dict(zip(out[COMMENT_ID], texts(out, TEXT), strict=True))
        parents = [by_id.get(p) if isinstance(p, str) else None for p in out[PARENT_ID]]
    else:
        parents = [None] * len(out)
    # object dtype keeps None as None (pandas would infer a string column with NaN).
    out[PARENT_TEXT_COL] = pd.Series(parents, index=out.index, dtype=object)
    return out


def _predict(scorer: Scorer, frame: pd.DataFrame, with_evidence: bool) -> list[dict]:
    """Score rows (no cache): one dict per row of attribute scores, plus cues when asked."""
    probs, ev = scorer.predict_with_evidence(frame) if with_evidence else (scorer.predict_proba(frame), None)
    cols = [str(c) for c in probs.columns]
    values = probs.to_numpy(dtype=float).tolist()  # row access through pandas is ~50x slower
    rows = [dict(zip(cols, v, strict=True)) for v in values]
    if ev is not None:
        for row, cues in zip(rows, ev.tolist(), strict=True):
            row[CONSPIRACY_CUES] = cues
    return rows


def _predict_job(args: tuple[Scorer, pd.DataFrame, bool]) -> list[dict]:
    return _predict(*args)


def _scored(scorer: Scorer, frame: pd.DataFrame, cache: ScoreCache | None, context: bool,
            with_evidence: bool, pool: Executor | None = None, n_jobs: int = 1) -> list[dict]:
    """Scores (and evidence) for each row of ``frame``, from the cache where possible."""
    if isinstance(scorer, CascadeScorer):
        return _cascaded(scorer, frame, cache, context, with_evidence, pool, n_jobs)
    version = scorer.version
    keys = [cache_key(version, t, p if context else None)
            for t, p in zip(texts(frame), frame[PARENT_TEXT_COL], strict=True)]
    found = cache.get_many(keys) if cache is not None else {}
    todo = [i for i, k in enumerate(keys) if k not in found]
    if todo:
        sub = frame.iloc[todo]
        if pool is not None and len(todo) >= 2 * MIN_ROWS_PER_JOB:
            size = -(-len(todo) // n_jobs)
            parts = [(scorer, sub.iloc[j:j + size], with_evidence) for j in range(0, len(todo), size)]
            rows = [r for part in pool.map(_predict_job, parts) for r in part]
        else:
            rows = _predict(scorer, sub, with_evidence)
        fresh = {keys[i]: row for i, row in zip(todo, rows, strict=True)}
        if cache is not None:
            cache.put_many(fresh)
        found.update(fresh)
    return [found[k] for k in keys]


def _cascaded(scorer: CascadeScorer, frame: pd.DataFrame, cache: ScoreCache | None, context: bool,
              with_evidence: bool, pool: Executor | None, n_jobs: int) -> list[dict]:
    """A cascade's rows: the fast scorer's (in the workers), then the slow scorer's inside the band.

    Each part is cached under its own scorer's version. The slow scorer runs in this
    process: it uses every core itself, and forked workers would each load it again.
    """
    rows = _scored(scorer.fast, frame, cache, context, with_evidence, pool, n_jobs)
    attrs = list(scorer.replaced)
    fast = pd.DataFrame([[r.get(a, float("nan")) for a in attrs] for r in rows], columns=attrs)
    where = np.flatnonzero(scorer.in_band(fast))
    if len(where):
        slow_rows = _scored(scorer.slow, frame.iloc[where], cache, context, False)
        slow = pd.DataFrame([[r.get(a, float("nan")) for a in attrs] for r in slow_rows], columns=attrs,
                            index=where)
        floors = scorer.fast.floors(frame.iloc[where].set_axis(where))
        merged = scorer.merge(fast, slow, floors)  # the cascade's own rule (mean of log-odds, or replace)
        for i in where:
            rows[i] = {**rows[i], **merged.loc[i, attrs].to_dict()}
    return rows


def _aim_insults(tox: Scorer, frame: pd.DataFrame, scores: pd.DataFrame, reasons: list[list[str]],
                 limits: Mapping[str, float], cache: ScoreCache | None, context: bool) -> list[list[str]]:
    """Drop ``insult`` where only the address made it count and no sentence insults anyone alone.

    Only replies of several sentences whose insult score does not exceed their
    obscenity are re-read (:func:`~modkit.score.policy.insult_by_address`): a few
    in a thousand, so the cost is negligible.
    """
    replies = texts(frame)
    rows = insult_by_address(scores, replies, reasons)
    if not rows:
        return reasons
    owners, parts, parents = [], [], []
    for i in rows:
        parent = frame[PARENT_TEXT_COL].iloc[i]
        for sentence in sentences(replies[i]):
            owners.append(i)
            parts.append(sentence)
            parents.append(parent if isinstance(parent, str) else None)  # NaN and None: no parent
    sub = pd.DataFrame({TEXT_COL: parts, PARENT_TEXT_COL: pd.Series(parents, dtype=object)})  # keeps None
    scored = pd.DataFrame(_scored(tox, sub, cache, context, False))
    keep = [a for a in scores.columns if a in scored.columns]
    drop = unaimed_insults(rows, flag_reasons(scored[keep], parts, limits), owners)
    return [[a for a in r if a != "insult"] if i in drop else r for i, r in enumerate(reasons)]


def _one_blas_thread() -> None:
    """Worker start-up: one BLAS thread per process, so n workers do not fight over the cores."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


@contextmanager
def _workers(n_jobs: int, rows: int, active: list[Scorer], frame: pd.DataFrame) -> Iterator[Executor | None]:
    """A process pool for big tables; forked, so workers share the models already loaded."""
    if n_jobs <= 1 or rows < 2 * MIN_ROWS_PER_JOB or "fork" not in mp.get_all_start_methods():
        yield None
        return
    for s in active:  # load models before forking, so every worker shares them
        s.predict_proba(frame.iloc[:1])
    with ProcessPoolExecutor(n_jobs, mp_context=mp.get_context("fork"), initializer=_one_blas_thread) as pool:
        yield pool


def languages(comments: pd.DataFrame, pool: Executor | None = None, n_jobs: int = 1) -> list[str]:
    """Each reply's language: its ``lang`` column when given, else detected (thread-aware).

    With a ``pool``, the per-reply guesses are spread over its workers.

    Examples
    --------
    >>> languages(pd.DataFrame({"text": ["Vielen Dank für den interessanten Artikel, sehr gut!", "ok"]}))
    ['de', 'und']
    """
    if LANG in comments.columns:
        return [v if isinstance(v, str) and v else UNDETERMINED for v in comments[LANG]]
    threads = comments[THREAD_ID].tolist() if THREAD_ID in comments.columns else None
    replies = texts(comments)
    guesses = None
    if pool is not None and len(replies) >= 2 * MIN_ROWS_PER_JOB:
        size = -(-len(replies) // n_jobs)
        guesses = [g for part in pool.map(_guess_all, [replies[j:j + size] for j in range(0, len(replies), size)])
                   for g in part]
    return detect_languages(replies, threads, guesses)


def _guess_all(replies: list[str]) -> list[tuple[str, float]]:
    return [guess(t) for t in replies]


def _unmasked(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with reply and parent texts through :func:`~modkit.score.normalize.normalize_text`."""
    out = frame.copy()
    seen: dict[str, str] = {}  # a parent is usually a reply of the same table: normalise each text once

    def norm(t: str) -> str:
        if t not in seen:
            seen[t] = normalize_text(t)
        return seen[t]

    out[TEXT] = [norm(t) for t in texts(frame)]
    parents = frame[PARENT_TEXT_COL].tolist()
    out[PARENT_TEXT_COL] = pd.Series([norm(p) if isinstance(p, str) else p for p in parents],
                                     index=frame.index, dtype=object)
    return out


def _reads(scorer: Scorer, langs: list[str]) -> list[bool]:
    """Which replies a scorer may score: its ``languages`` (all when it has none), and undetermined ones."""
    supported = getattr(scorer, "languages", None)
    if not supported:
        return [True] * len(langs)
    return [lang in supported or lang == UNDETERMINED for lang in langs]


def _thresholds(active: list[Scorer], user: Mapping[str, float] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in active:
        recommended = getattr(s, "recommended_thresholds", None)
        rec = recommended() if callable(recommended) else {}
        for attr in s.attributes:
            out[attr] = float(rec.get(attr, DEFAULT_THRESHOLD))
    for attr, value in (user or {}).items():
        if attr not in out:
            raise ConfigError(f"threshold for unknown attribute {attr!r}; scored attributes: "
                              f"{', '.join(out) or 'none'}")
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"threshold {attr}={value} is outside [0, 1]")
        out[attr] = float(value)
    return out


def as_comments(comments: pd.DataFrame | pd.Series | Sequence[str]) -> pd.DataFrame:
    """A comments table from a table, a Series of texts or a list of strings.

    Examples
    --------
    >>> as_comments(["hi", "you fool"])["text"].tolist()
    ['hi', 'you fool']
    >>> as_comments(pd.Series(["a"], name="body")).columns.tolist()
    ['text']
    """
    if isinstance(comments, pd.DataFrame):
        return comments
    if isinstance(comments, pd.Series):
        return pd.DataFrame({TEXT: comments.to_numpy(dtype=object)}, index=comments.index)
    if isinstance(comments, (list, tuple)) and all(isinstance(t, str) for t in comments):
        return pd.DataFrame({TEXT: list(comments)})
    return comments  # check_comments names what is wrong


def score(comments: pd.DataFrame | pd.Series | Sequence[str], toxicity: str | Scorer | None = "auto",
          conspiracy: str | Scorer | None = "auto", *, context: bool = True,
          thresholds: Mapping[str, float] | None = None, checkpoint: str | None = None,
          cache: ScoreCache | None = None,
          progress: Callable[[int, int], None] | None = None, n_jobs: int = 1,
          band: tuple[float, float] = DEFAULT_BAND) -> pd.DataFrame:
    """Score each reply; returns a new table with score, flag and version columns.

    Parameters
    ----------
    comments : DataFrame, Series or list of str
        Needs ``text``; ``comment_id`` + ``parent_id`` (or ``parent_text``) give context. A
        Series or a list of strings is read as replies without context.
    toxicity, conspiracy : str or Scorer or None
        Scorer specs (see :func:`resolve_scorer`).
    context : bool
        Let scorers use the parent's text (default). ``False`` scores replies alone.
    thresholds : mapping, optional
        ``{attribute: value}`` overriding the scorers' recommended flag thresholds.
    checkpoint : str, optional
        Local checkpoint for the ``detoxify`` backend.
    cache : ScoreCache, optional
        Skip replies already scored with the same text, context and scorer version.
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch.
    n_jobs : int
        Processes to score with (``-1``: one per core). Tables smaller than two
        :data:`MIN_ROWS_PER_JOB` chunks are scored in this process.
    band : (float, float)
        The cascade's band (``auto`` and ``cascade`` specs): replies whose fast score
        lies in it are re-read by the encoder.

    Returns
    -------
    DataFrame
        The input columns plus ``lang`` (see :func:`languages`), one column per attribute
        (NaN where the reply's language is not one the scorer reads), ``conspiracy_cues``,
        ``flagged``, ``flag_reasons`` (the attributes that flag it under the guidelines,
        :mod:`modkit.score.policy`, highest score first; ``unsupported_language`` for a
        reply no scorer reads, which is not flagged) and ``toxicity_scorer`` /
        ``conspiracy_scorer`` versions.

    Examples
    --------
    >>> from modkit.score.base import Scorer
    >>> class Caps(Scorer):
    ...     name = "caps"
    ...     attributes = ("toxicity",)
    ...     def predict_proba(self, df):
    ...         return pd.DataFrame({"toxicity": [float(t.isupper()) for t in df["text"]]}, index=df.index)
    >>> out = score(pd.DataFrame({"text": ["STOP", "fine"]}), toxicity=Caps(), conspiracy=None)
    >>> out[["text", "toxicity", "flagged", "flag_reasons"]].to_dict("records")
    [{'text': 'STOP', 'toxicity': 1.0, 'flagged': True, 'flag_reasons': ['toxicity']}, \
{'text': 'fine', 'toxicity': 0.0, 'flagged': False, 'flag_reasons': []}]
    """
    comments = as_comments(comments)
    check_comments(comments)
    tox = resolve_scorer(toxicity, "toxicity", checkpoint, band)
    con = resolve_scorer(conspiracy, "conspiracy", band=band)
    active = [s for s in (tox, con) if s is not None]
    if not active:
        raise ConfigError("nothing to score: both toxicity and conspiracy scorers are 'none'")
    limits = _thresholds(active, thresholds)
    frame = with_context(comments, context).reset_index(drop=True)
    rows: list[dict] = [{} for _ in range(len(frame))]
    total = len(frame)
    n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else max(1, n_jobs)
    with _workers(n_jobs, total, active, frame) as pool:
        langs = languages(frame, pool, n_jobs)
        # Toxicity models read replies with their disguises removed; conspiracy cue spans index the original.
        unmasked = _unmasked(frame) if tox is not None else frame
        readable = {id(s): _reads(s, langs) for s in active}
        for start in range(0, total, BATCH_ROWS):
            stop = min(start + BATCH_ROWS, total)
            for s in active:
                where = [i for i in range(start, stop) if readable[id(s)][i]]
                if not where:
                    continue
                source = unmasked if s is tox else frame
                scored = _scored(s, source.iloc[where], cache, context, s is con, pool, n_jobs)
                for i, r in zip(where, scored, strict=True):
                    rows[i].update(r)
            if progress is not None:
                progress(stop, total)
    out = comments.reset_index(drop=True).copy()
    out[LANG] = langs
    attrs = [a for s in active for a in s.attributes]
    ordered = [a for a in (*TOXICITY_ATTRIBUTES, CONSPIRACY) if a in attrs] + \
              [a for a in attrs if a not in TOXICITY_ATTRIBUTES and a != CONSPIRACY]
    for attr in ordered:
        out[attr] = [r.get(attr, float("nan")) for r in rows]
    if con is not None:
        out[CONSPIRACY_CUES] = [r.get(CONSPIRACY_CUES) or [] for r in rows]
    if tox is not None:
        # Threat idioms a bag of words misses: raised to their measured floor (modkit/score/attack_cues.py).
        rows_read = [i for i in range(total) if readable[id(tox)][i]]
        out[ordered] = floor_scores(out[ordered], texts(unmasked), rows_read)
    reasons = flag_reasons(out[ordered], texts(frame), limits)
    if tox is not None:
        reasons = _aim_insults(tox, unmasked, out[ordered], reasons, limits, cache, context)
    out[FLAGGED] = [bool(x) for x in reasons]
    unread = [not any(readable[id(s)][i] for s in active) for i in range(total)]
    out[FLAG_REASONS] = [[UNSUPPORTED_LANGUAGE] if u else r for r, u in zip(reasons, unread, strict=True)]
    out["toxicity_scorer"] = tox.version if tox is not None else None
    out["conspiracy_scorer"] = con.version if con is not None else None
    return out


from modkit._stage import make_callable as _make_callable  # noqa: E402

_make_callable(__name__)
