"""One thread's scored replies as a tree: the input every metric reads.

:func:`split_threads` reads a scored table once, column by column, and yields a
:class:`ThreadView` per thread: replies in forest order (every parent before its
children, siblings in page order), with parent and child links, each reply's
toxicity ``tox`` (its highest toxicity-attribute score) and its ``toxic`` /
``conspiratorial`` / ``flagged`` marks. What the table itself shows is missing
(parents absent from the table, duplicate ids, parent cycles) is kept as notes for
the coverage warnings.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pandas as pd

from modkit.errors import SchemaError
from modkit.model import (
    AUTHOR,
    COMMENT_ID,
    CONSPIRACY,
    CONSPIRACY_CUES,
    FLAG_EMPTY,
    FLAG_REASONS,
    FLAG_REMOVED,
    FLAGGED,
    FLAGS,
    PARENT_ID,
    PLATFORM,
    POSITION,
    REVIEW,
    SOURCE,
    TEXT,
    THREAD_ID,
    TIMESTAMP,
    TITLE,
    TOXICITY_ATTRIBUTES,
    URL,
    cell_cues,
    cell_strings,
    flagging_attributes,
)
from modkit.parse.links import web_url
from modkit.report.config import ReportConfig

#: Version columns written by the score stage.
SCORER_COLUMNS = ("toxicity_scorer", "conspiracy_scorer")
#: Thread id used when a table has no thread_id column (it is then one thread).
SINGLE_THREAD = "thread"


log = logging.getLogger(__name__)

@dataclass(slots=True)
class Reply:
    """One scored reply, placed in its thread's tree.

    ``index`` is the reply's place in forest order (0-based); ``parent`` is the
    parent's index, ``None`` at top level and when the parent is not in the table
    (``missing_parent`` then holds the absent id). ``depth`` is recomputed from the
    links (0 at top level). ``tox`` is the highest toxicity-attribute score and
    ``conspiracy`` the conspiracy score; both are ``None`` for a reply with no words
    of its own (empty, removed) or no score, which the metrics skip.
    """

    index: int
    comment_id: str
    parent: int | None
    depth: int
    position: int
    author: str | None
    timestamp: str | None
    text: str
    flags: tuple[str, ...]
    scores: dict[str, float]
    tox: float | None
    conspiracy: float | None
    cues: list[dict]
    flag_reasons: tuple[str, ...]
    flagged: bool
    toxic: bool
    conspiratorial: bool
    severe: bool
    missing_parent: str | None = None
    children: list[int] = field(default_factory=list)
    #: The attribute ``tox`` comes from (``insult``, ``threat``...), to name it beside the number.
    tox_attribute: str | None = None
    #: A moderator's final decision (``toxic``, ``conspiracy``, ``both``, ``fine``), or ``None``.
    review: str | None = None
    #: The live comment's http(s) address (the table's ``url`` column), or ``None``.
    url: str | None = None

    @property
    def confirmed(self) -> bool:
        """A reviewer confirmed the reply is toxic or framing: it counts as certain."""
        return self.review in ("toxic", "conspiracy", "both")

    @property
    def peak(self) -> float:
        """The larger of ``tox`` and ``conspiracy`` (0 when unscored): how alarming it reads."""
        return max(self.tox or 0.0, self.conspiracy or 0.0)


@dataclass(slots=True)
class ThreadView:
    """A thread's replies in forest order, with what the report needs about the thread."""

    thread_id: str
    title: str
    source: str
    platform: str
    replies: list[Reply]
    attributes: tuple[str, ...]
    has_conspiracy: bool
    scorers: dict[str, list[str]]
    notes: list[str] = field(default_factory=list)
    prev_sibling: list[int | None] = field(default_factory=list)

    @property
    def roots(self) -> list[int]:
        return [r.index for r in self.replies if r.parent is None]

    def ancestors(self, i: int) -> list[int]:
        """Indices of the parent chain of reply ``i``, nearest first."""
        out = []
        p = self.replies[i].parent
        while p is not None:
            out.append(p)
            p = self.replies[p].parent
        return out

    def path_to(self, i: int) -> list[int]:
        """Indices from the root down to reply ``i``."""
        return [*reversed(self.ancestors(i)), i]

    def common_ancestor(self, indices: list[int]) -> int | None:
        """The deepest reply whose subtree holds all of ``indices`` (``None``: different roots).

        Examples
        --------
        >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b", "c"], "parent_id": [None, "a", "a"],
        ...                           "text": ["x", "y", "z"], "toxicity": [0.1, 0.2, 0.3]}))
        >>> v.common_ancestor([1, 2]), v.common_ancestor([1]), v.common_ancestor([])
        (0, 1, None)
        """
        if not indices:
            return None
        common = self.path_to(indices[0])
        for i in indices[1:]:
            path = self.path_to(i)
            n = 0
            while n < min(len(common), len(path)) and common[n] == path[n]:
                n += 1
            common = common[:n]
            if not common:
                return None
        return common[-1]


# --- reading cells -----------------------------------------------------------------------
def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def _str(v: object) -> str | None:
    return None if _missing(v) else str(v)


def _iso(v: object) -> str | None:
    """A timestamp cell as ISO 8601 (a ``datetime64`` cell is a ``Timestamp``; older tables hold strings)."""
    if _missing(v):
        return None
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def _float(v: object) -> float | None:
    if _missing(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _score(v: object) -> float | None:
    """A score cell: a number in [0, 1], else ``None`` (unscored)."""
    f = _float(v)
    return f if f is not None and 0.0 <= f <= 1.0 else None


def _warn_bad_scores(cols: dict[str, list], names: Sequence[str]) -> None:
    """One warning per score column holding values that are not scores (text, infinities, 7.5)."""
    for name in names:
        bad = [v for v in cols[name] if not _missing(v) and _score(v) is None]
        if bad:
            log.warning("scored table: %s holds %d value%s outside [0, 1] or not a number (e.g. %r); "
                        "read as unscored", name, len(bad), "" if len(bad) == 1 else "s", bad[0])


def _bool(v: object) -> bool | None:
    """A boolean cell; CSV gives the strings "True"/"False"."""
    if _missing(v):
        return None
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    return bool(v)


def _column(df: pd.DataFrame, name: str) -> list:
    return df[name].tolist() if name in df.columns else [None] * len(df)


# --- building views ----------------------------------------------------------------------
def check_scored(scored: pd.DataFrame) -> None:
    """Raise :class:`SchemaError` unless ``scored`` is a scored comments table.

    Examples
    --------
    >>> check_scored(pd.DataFrame({"comment_id": ["a"], "text": ["x"]}))
    Traceback (most recent call last):
    ...
    modkit.errors.SchemaError: the table is not scored (no toxicity or conspiracy column); run modkit score first.
    """
    if not isinstance(scored, pd.DataFrame):
        raise SchemaError(f"a scored table must be a pandas DataFrame, got {type(scored).__name__}.")
    missing = [c for c in (COMMENT_ID, TEXT) if c not in scored.columns]
    if missing:
        raise SchemaError(f"the scored table is missing columns: {', '.join(missing)}.")
    if not any(c in scored.columns for c in (*TOXICITY_ATTRIBUTES, CONSPIRACY)):
        raise SchemaError("the table is not scored (no toxicity or conspiracy column); run modkit score first.")


def split_threads(scored: pd.DataFrame, config: ReportConfig | None = None) -> Iterator[ThreadView]:
    """Yield one :class:`ThreadView` per thread of a scored table, in order of first appearance.

    The table is read column by column once, so the cost grows linearly with its rows.

    Examples
    --------
    >>> df = pd.DataFrame({"thread_id": ["t", "t"], "comment_id": ["a", "b"], "parent_id": [None, "a"],
    ...                    "text": ["hi", "you fool"], "toxicity": [0.1, 0.9]})
    >>> [(r.comment_id, r.parent, r.toxic) for r in next(split_threads(df)).replies]
    [('a', None, False), ('b', 0, True)]
    """
    check_scored(scored)
    config = config or ReportConfig()
    cols = {c: _column(scored, c) for c in (
        THREAD_ID, COMMENT_ID, PARENT_ID, POSITION, AUTHOR, TIMESTAMP, TEXT, FLAGS, SOURCE, PLATFORM, TITLE,
        CONSPIRACY, CONSPIRACY_CUES, FLAGGED, FLAG_REASONS, REVIEW, URL, *SCORER_COLUMNS)}
    attrs = tuple(a for a in TOXICITY_ATTRIBUTES if a in scored.columns)
    for a in attrs:
        cols[a] = _column(scored, a)
    _warn_bad_scores(cols, [*attrs, *([CONSPIRACY] if CONSPIRACY in scored.columns else [])])
    groups: dict[str, list[int]] = {}
    no_thread = THREAD_ID not in scored.columns
    for row, tid in enumerate(cols[THREAD_ID]):
        groups.setdefault(SINGLE_THREAD if no_thread else (_str(tid) or SINGLE_THREAD), []).append(row)
    context = _Context(cols, attrs, CONSPIRACY in scored.columns,
                       FLAG_REASONS in scored.columns, FLAGGED in scored.columns, config)
    for tid, rows in groups.items():
        yield context.view(tid, rows)


def view_of(scored: pd.DataFrame, config: ReportConfig | None = None) -> ThreadView:
    """The view of a table holding a single thread (the first thread, if it holds several).

    Examples
    --------
    >>> v = view_of(pd.DataFrame({"comment_id": ["b", "a"], "parent_id": ["a", None], "position": [1, 0],
    ...                           "text": ["y", "x"], "toxicity": [0.2, 0.1]}))
    >>> [(r.comment_id, r.depth) for r in v.replies]
    [('a', 0), ('b', 1)]
    """
    return next(split_threads(scored, config))


@dataclass(slots=True)
class _Context:
    cols: dict[str, list]
    attrs: tuple[str, ...]
    has_conspiracy: bool
    has_reasons: bool
    has_flagged: bool
    config: ReportConfig

    @property
    def flagging(self) -> tuple[str, ...]:
        """The toxicity attributes that can flag a reply alone (:func:`modkit.model.flagging_attributes`)."""
        return flagging_attributes(self.attrs)

    def view(self, thread_id: str, rows: list[int]) -> ThreadView:
        c = self.cols
        positions = [_float(c[POSITION][r]) for r in rows]
        if all(p is not None for p in positions):
            rows = [r for _, r in sorted(zip(positions, rows), key=lambda pr: pr[0])]
        notes: list[str] = []
        first_row: dict[str, int] = {}
        for r in rows:
            cid = _str(c[COMMENT_ID][r]) or f"row{r}"
            if cid in first_row:
                continue
            first_row[cid] = r
        if len(first_row) < len(rows):
            notes.append(f"{len(rows) - len(first_row)} rows repeat a comment id and were ignored")
        ids = list(first_row)
        slot = {cid: k for k, cid in enumerate(ids)}
        parent_slot: list[int | None] = []
        missing: dict[int, str] = {}
        for k, cid in enumerate(ids):
            pid = _str(c[PARENT_ID][first_row[cid]])
            if pid is None or pid == cid:
                parent_slot.append(None)
            elif pid in slot:
                parent_slot.append(slot[pid])
            else:
                parent_slot.append(None)
                missing[k] = pid
        order, cut = _forest_order(parent_slot)
        if cut:
            notes.append(f"{cut} replies sit in a parent cycle; each cycle was cut at its first reply")
        new_index = {k: i for i, k in enumerate(order)}
        replies: list[Reply] = []
        for i, k in enumerate(order):
            r = first_row[ids[k]]
            p = parent_slot[k]
            p = new_index[p] if p is not None and new_index[p] < i else None
            replies.append(self.reply(i, ids[k], r, p, 0 if p is None else replies[p].depth + 1,
                                      missing.get(k)))
            if p is not None:
                replies[p].children.append(i)
        prev: list[int | None] = [None] * len(replies)
        last_child: dict[int | None, int] = {}
        for rep in replies:
            prev[rep.index] = last_child.get(rep.parent)
            last_child[rep.parent] = rep.index
        head = rows[0]
        scorers = {name: sorted({v for v in (_str(c[name][r]) for r in rows) if v}) for name in SCORER_COLUMNS}
        return ThreadView(thread_id=thread_id, title=_str(c[TITLE][head]) or "",
                          source=_str(c[SOURCE][head]) or "", platform=_str(c[PLATFORM][head]) or "",
                          replies=replies, attributes=self.attrs, has_conspiracy=self.has_conspiracy,
                          scorers=scorers, notes=notes, prev_sibling=prev)

    def reply(self, index: int, cid: str, r: int, parent: int | None, depth: int,
              missing_parent: str | None) -> Reply:
        c, cfg = self.cols, self.config
        text = _str(c[TEXT][r]) or ""
        flags = cell_strings(c[FLAGS][r])
        wordless = not text.strip() or FLAG_EMPTY in flags or FLAG_REMOVED in flags
        scores = {} if wordless else {a: v for a in self.attrs if (v := _score(c[a][r])) is not None}
        # A reply's "tox" is its strongest attack (the attributes that flag under the guidelines):
        # swearing alone (obscene, general toxicity) must not drive patterns or a "Remove".
        attack = {a: scores[a] for a in self.flagging if a in scores}
        tox_attribute = max(attack, key=attack.get) if attack else None
        tox = attack[tox_attribute] if attack else None
        con = None if wordless else _score(c[CONSPIRACY][r])
        reasons = cell_strings(c[FLAG_REASONS][r])
        if self.has_reasons:
            toxic = any(a in reasons for a in self.attrs)
            conspiratorial = CONSPIRACY in reasons
            severe = any(a in reasons for a in cfg.severe_attributes)
        else:
            toxic = tox is not None and tox >= cfg.toxic_threshold
            conspiratorial = con is not None and con >= cfg.conspiracy_threshold
            severe = any(scores.get(a, 0.0) >= cfg.toxic_threshold for a in cfg.severe_attributes)
        if wordless:
            toxic = conspiratorial = severe = False
        flagged = toxic or conspiratorial
        if self.has_flagged and not wordless:
            flagged = bool(_bool(c[FLAGGED][r])) or flagged
        review = _str(c[REVIEW][r])
        if review in REVIEW_LABELS:
            # a moderator's decision beats the scores: "fine" is never evidence or a target, and
            # a confirmed reply counts as certain
            is_toxic, is_framing = REVIEW_LABELS[review]
            toxic, conspiratorial, flagged = is_toxic, is_framing, is_toxic or is_framing
            severe = severe and is_toxic
            if is_toxic:
                tox, tox_attribute = 1.0, tox_attribute or "toxicity"
            elif tox is not None:
                tox = 0.0
            con = 1.0 if is_framing else (0.0 if con is not None else None)
        else:
            review = None
        pos = _float(c[POSITION][r])
        return Reply(index=index, comment_id=cid, parent=parent, depth=depth,
                     position=int(pos) if pos is not None else index, author=_str(c[AUTHOR][r]),
                     timestamp=_iso(c[TIMESTAMP][r]), text=text, flags=flags, scores=scores, tox=tox,
                     conspiracy=con, cues=cell_cues(c[CONSPIRACY_CUES][r]) if not wordless else [],
                     flag_reasons=reasons, flagged=flagged, toxic=toxic, conspiratorial=conspiratorial,
                     severe=severe, missing_parent=missing_parent, tox_attribute=tox_attribute, review=review,
                     url=web_url(c[URL][r]))  # checked again: the table may not come from modkit parse


def attack_label(r: Reply) -> str:
    """What a reply's number is: ``insult 0.81``, or a moderator's decision when there is one.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> attack_label(NS(review=None, tox_attribute="insult", tox=0.814))
    'insult 0.81'
    >>> attack_label(NS(review="toxic", tox_attribute="insult", tox=1.0))
    'confirmed toxic by review'
    """
    if r.review == "fine":
        return "marked fine by review"
    if r.review in ("toxic", "conspiracy", "both"):
        return {"toxic": "confirmed toxic by review", "conspiracy": "confirmed conspiracy framing by review",
                "both": "confirmed toxic and conspiracy framing by review"}[r.review]
    return f"{r.tox_attribute or 'toxicity'} {'–' if r.tox is None else f'{r.tox:.2f}'}"


#: Reviewer answers and what they make a reply: (toxic, conspiratorial).
REVIEW_LABELS = {"toxic": (True, False), "conspiracy": (False, True), "both": (True, True), "fine": (False, False)}


def _forest_order(parent: list[int | None]) -> tuple[list[int], int]:
    """Pre-order of a forest given by parent slots (page order among siblings).

    Slots caught in a parent cycle are unreachable from any root; the earliest such
    slot becomes a root (its link is cut) and the walk goes on. Returns the order and
    the number of links cut.

    Examples
    --------
    >>> _forest_order([None, 0, None, 1])
    ([0, 1, 3, 2], 0)
    >>> _forest_order([1, 0])
    ([0, 1], 1)
    """
    kids: dict[int | None, list[int]] = {}
    for k, p in enumerate(parent):
        kids.setdefault(p, []).append(k)
    seen = [False] * len(parent)
    order: list[int] = []
    cut = 0

    def walk(start: list[int]) -> None:
        stack = list(reversed(start))
        while stack:  # iterative: a deep chain must not hit the recursion limit
            k = stack.pop()
            if seen[k]:
                continue
            seen[k] = True
            order.append(k)
            stack.extend(reversed(kids.get(k, [])))

    walk(kids.get(None, []))
    for k in range(len(parent)):
        if not seen[k]:
            cut += 1
            walk([k])
    return order, cut
