"""The review queue: which scored replies a reviewer sees, in what order, with what context.

The queue never holds an item the reviewer has already decided, so a session
resumes where the reviewer stopped. ``order`` is ``risk`` (highest score first),
``uncertain`` (scores nearest their flag threshold first: the replies the models
are least sure about, for active learning), ``thread`` (page order) or ``random``
(a shuffle seeded by the reviewer's name, stable across resumes).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import pandas as pd

from modkit.errors import ConfigError, SchemaError
from modkit.model import (
    COMMENT_ID,
    CONSPIRACY,
    PARENT_ID,
    THREAD_ID,
    TOXICITY_ATTRIBUTES,
    flagging_attributes,
)
from modkit.registry import unknown_name
from modkit.review.labels import LabelState

log = logging.getLogger(__name__)
ORDERS = ("risk", "uncertain", "thread", "random")
ONLY = ("flagged", "all")
#: The score columns a queue looks at, when present.
SCORE_COLUMNS = (*TOXICITY_ATTRIBUTES, CONSPIRACY)
#: Flag threshold assumed for ordering when the table does not say (probability midpoint).
ASSUMED_THRESHOLD = 0.5
#: How much context the reviewer sees: ancestors up the chain, and sibling replies.
MAX_ANCESTORS = 3
MAX_SIBLINGS = 3


def check_scored(scored: pd.DataFrame, name: str = "scored table") -> None:
    """Raise :class:`SchemaError` unless the table can be reviewed.

    Examples
    --------
    >>> check_scored(pd.DataFrame({"text": ["x"]}), "s.csv")
    Traceback (most recent call last):
    ...
    modkit.errors.SchemaError: s.csv is missing columns: comment_id.
    """
    missing = [c for c in (COMMENT_ID, "text") if c not in scored.columns]
    if missing:
        raise SchemaError(f"{name} is missing columns: {', '.join(missing)}.")
    if scored[COMMENT_ID].duplicated().any():
        dup = scored[COMMENT_ID][scored[COMMENT_ID].duplicated()].iloc[0]
        raise SchemaError(f"{name}: comment_id {dup!r} appears more than once")


def clean_scores(scored: pd.DataFrame, name: str = "scored table") -> pd.DataFrame:
    """The table with every score column numeric: values that are not numbers in [0, 1]
    (text, infinities) become NaN, i.e. unscored, with one warning per column.

    Examples
    --------
    >>> clean_scores(pd.DataFrame({"toxicity": [0.2, float("inf"), "high"]}))["toxicity"].tolist()
    [0.2, nan, nan]
    """
    out = scored
    for col in [c for c in SCORE_COLUMNS if c in scored.columns]:
        values = pd.to_numeric(scored[col], errors="coerce")
        values = values.where(values.between(0.0, 1.0))
        bad = values.isna() & scored[col].notna()
        if bad.any():
            log.warning("%s: %s holds %d value%s outside [0, 1] or not a number (e.g. %r); read as unscored",
                        name, col, int(bad.sum()), "" if bad.sum() == 1 else "s", scored[col][bad].iloc[0])
        if out is scored:
            out = scored.copy()
        out[col] = values
    return out


def score_columns(scored: pd.DataFrame) -> list[str]:
    """The scores that order the queue: the ones that can flag a reply (swearing alone does not).

    Examples
    --------
    >>> score_columns(pd.DataFrame(columns=["toxicity", "obscene", "insult", "conspiracy"]))
    ['insult', 'conspiracy']
    """
    return list(flagging_attributes([c for c in SCORE_COLUMNS if c in scored.columns]))


def uncertainty(row: pd.Series, columns: list[str]) -> float:
    """Distance of the score nearest its threshold (smaller = less sure).

    Examples
    --------
    >>> uncertainty(pd.Series({"toxicity": 0.45, "conspiracy": 0.9}), ["toxicity", "conspiracy"])
    0.05
    """
    values = [abs(float(row[c]) - ASSUMED_THRESHOLD) for c in columns if pd.notna(row[c])]
    return round(min(values), 10) if values else 1.0


def check_choices(order: str, only: str) -> None:
    """Raise :class:`ConfigError` (a usage error) for an unknown queue order or filter, with a suggestion.

    Examples
    --------
    >>> check_choices("risky", "flagged")
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: Unknown order 'risky'; did you mean 'risk'? choose one of: risk, uncertain, thread, random.
    """
    if order not in ORDERS:
        raise ConfigError(unknown_name("order", order, list(ORDERS)))
    if only not in ONLY:
        raise ConfigError(unknown_name("--only value", only, list(ONLY)))


def build_queue(scored: pd.DataFrame, state: LabelState, reviewer: str, order: str = "risk",
                only: str = "flagged") -> list[str]:
    """Item ids for ``reviewer`` to review, excluding what they already decided.

    Examples
    --------
    >>> from modkit.review.labels import LabelState
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "text": ["x", "y"], "toxicity": [0.2, 0.9],
    ...                    "flagged": [False, True]})
    >>> build_queue(df, LabelState(), "ann", "risk", "all")
    ['b', 'a']
    """
    check_choices(order, only)
    check_scored(scored)
    df = scored
    if only == "flagged":
        if "flagged" not in df.columns:
            raise SchemaError("scored table has no 'flagged' column; score it first or pass --only all")
        df = df[df["flagged"].astype(bool)]
    done = state.decided(reviewer)
    df = df[~df[COMMENT_ID].isin(done)]
    cols = score_columns(df)
    if order == "risk" and cols:
        df = df.assign(_k=df[cols].max(axis=1)).sort_values("_k", ascending=False, kind="stable")
    elif order == "uncertain" and cols:
        df = df.assign(_k=df.apply(uncertainty, axis=1, columns=cols)).sort_values("_k", kind="stable")
    elif order == "thread" and THREAD_ID in df.columns:
        df = df.sort_values([THREAD_ID, "position"] if "position" in df.columns else [THREAD_ID], kind="stable")
    ids = list(df[COMMENT_ID])
    if order == "random":
        random.Random(reviewer).shuffle(ids)
    return ids


def who(row: pd.Series) -> str:
    """A reply's author for display: ``anonymous`` when missing (never ``nan``).

    Examples
    --------
    >>> who(pd.Series({"author": float("nan")})), who(pd.Series({"author": "kim"}))
    ('anonymous', 'kim')
    """
    author = row.get("author")
    return author if isinstance(author, str) and author.strip() else "anonymous"


@dataclass
class ItemView:
    """What the reviewer sees for one reply: the reply, its parent chain (nearest first) and siblings."""

    row: pd.Series
    ancestors: list[pd.Series]
    siblings: list[pd.Series]
    n_siblings: int
    #: The reply's 1-based place in its thread, as reports number it ("Remove #27 by keont").
    number: int | None = None
    #: Ancestors beyond the ones in ``ancestors`` (a collapsed chain).
    more_ancestors: int = 0


class Context:
    """Parent chains, siblings, thread order and reply numbers looked up in a scored table."""

    def __init__(self, scored: pd.DataFrame):
        self.rows = {r[COMMENT_ID]: r for _, r in scored.iterrows()}
        self.kids: dict[object, list[str]] = {}
        if PARENT_ID in scored.columns:
            for cid, pid in zip(scored[COMMENT_ID], scored[PARENT_ID], strict=True):
                key = pid if isinstance(pid, str) else None
                thread = self.rows[cid].get(THREAD_ID)
                self.kids.setdefault((thread, key), []).append(cid)
        # Thread order as the reports number replies: by position when every reply has one, else table order.
        self.threads: dict[object, list[str]] = {}
        for cid, row in self.rows.items():
            self.threads.setdefault(self._thread(row), []).append(cid)
        for thread, ids in self.threads.items():
            pos = [pd.to_numeric(self.rows[c].get("position"), errors="coerce") for c in ids]
            if all(pd.notna(p) for p in pos):
                self.threads[thread] = [c for _, c in sorted(zip(pos, ids, strict=True), key=lambda pc: pc[0])]
        self.number = {cid: n for ids in self.threads.values() for n, cid in enumerate(ids, 1)}

    @staticmethod
    def _thread(row: pd.Series) -> object:
        t = row.get(THREAD_ID)
        return t if isinstance(t, str) else None

    def thread_of(self, item_id: str) -> list[str]:
        """Every reply of the item's thread, in thread order."""
        return self.threads[self._thread(self.rows[item_id])]

    def chain(self, item_id: str, limit: int | None = None) -> list[pd.Series]:
        """The item's ancestors, nearest first (cycles and missing parents end the chain)."""
        out: list[pd.Series] = []
        seen = {item_id}
        parent = self.rows[item_id].get(PARENT_ID)
        while isinstance(parent, str) and parent in self.rows and parent not in seen:
            if limit is not None and len(out) >= limit:
                break
            seen.add(parent)
            out.append(self.rows[parent])
            parent = self.rows[parent].get(PARENT_ID)
        return out

    def depth(self, item_id: str) -> int:
        """How many ancestors the item has in the table."""
        return len(self.chain(item_id))

    def view(self, item_id: str, max_ancestors: int | None = MAX_ANCESTORS) -> ItemView:
        """The item with up to ``max_ancestors`` ancestors (all with ``None``) and :data:`MAX_SIBLINGS` siblings."""
        row = self.rows[item_id]
        full = self.chain(item_id)
        chain = full if max_ancestors is None else full[:max_ancestors]
        key = (row.get(THREAD_ID), row.get(PARENT_ID) if isinstance(row.get(PARENT_ID), str) else None)
        sibs = [s for s in self.kids.get(key, []) if s != item_id]
        return ItemView(row, chain, [self.rows[s] for s in sibs[:MAX_SIBLINGS]], len(sibs),
                        self.number.get(item_id), len(full) - len(chain))
