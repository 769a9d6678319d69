"""Score profiles of one thread: first flagged reply, toxicity by depth and along paths, coverage.

Every function here is pure: it reads a :class:`~modkit.report.tree.ThreadView`
and returns frozen dataclasses, in time linear in the thread's replies. The
interaction patterns (exchanges, pile-ons, subtrees, offenders, clusters) are in
:mod:`modkit.report.patterns`. Notation: ``tox(r)`` is a reply's highest
toxicity-attribute score; replies without words of their own have none and are
skipped by every average, peak and rise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from modkit.model import FLAG_EMPTY, FLAG_ORPHAN, FLAG_REMOVED, UNSUPPORTED_LANGUAGE
from modkit.report.tree import ThreadView


@dataclass(frozen=True, slots=True)
class Rise:
    """The largest increase from an earlier score to a later one in a sequence.

    ``value = max(s[j] - s[i] for i < j)`` over the scored items (0 when the scores
    never go up); ``start`` and ``end`` are the positions of that ``i`` and ``j``
    (``None`` when ``value`` is 0). Among equal increases the shortest span wins,
    because a faster climb is the steeper one.
    """

    value: float
    start: int | None
    end: int | None


def max_rise(scores: Sequence[float | None]) -> Rise:
    """The :class:`Rise` of ``scores`` (``None`` entries are skipped).

    Examples
    --------
    >>> max_rise([0.5, 0.1, None, 0.4, 0.9, 0.2])
    Rise(value=0.8, start=1, end=4)
    >>> max_rise([0.9, 0.5]).value
    0.0
    """
    best, start, end = 0.0, None, None
    low, low_at = None, None
    for k, s in enumerate(scores):
        if s is None:
            continue
        if low is not None and s - low > best + 1e-12:
            best, start, end = s - low, low_at, k
        if low is None or s <= low:
            low, low_at = s, k  # a later equal minimum gives a shorter span
    return Rise(round(best, 6), start, end)


# --- first flagged reply ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FirstFlagged:
    """The first flagged reply in page order, and how far into the thread it came.

    ``replies_before`` counts the replies that precede it; ``fraction`` is
    ``replies_before / n_replies`` (0 = it opened the thread, near 1 = it came at
    the end). ``depth`` is its nesting level (0 = top level).
    """

    comment_id: str
    replies_before: int
    n_replies: int
    fraction: float
    depth: int
    reasons: tuple[str, ...]


def first_flagged(view: ThreadView) -> FirstFlagged | None:
    """The first reply flagged for any attribute (toxicity or conspiracy), or ``None``.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b", "c"], "parent_id": [None, "a", "b"],
    ...                           "text": ["hi", "meh", "idiot"], "toxicity": [0.1, 0.2, 0.9]}))
    >>> first_flagged(v)
    FirstFlagged(comment_id='c', replies_before=2, n_replies=3, fraction=0.667, depth=2, reasons=('toxicity',))
    """
    n = len(view.replies)
    for r in view.replies:
        if r.flagged:
            reasons = r.flag_reasons
            if not reasons:  # a table without flag_reasons: name the top attribute ourselves
                reasons = tuple(([max(r.scores, key=r.scores.__getitem__)] if r.toxic else [])
                                + (["conspiracy"] if r.conspiratorial else []))
            return FirstFlagged(r.comment_id, r.index, n, round(r.index / n, 3), r.depth, tuple(reasons))
    return None


# --- toxicity by depth -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DepthStats:
    """Toxicity at one nesting depth: replies, scored replies, toxic replies, mean and max ``tox``."""

    depth: int
    n_replies: int
    n_scored: int
    n_toxic: int
    mean: float | None
    max: float | None


def depth_profile(view: ThreadView) -> list[DepthStats]:
    """One :class:`DepthStats` per depth from 0 to the deepest reply.

    ``mean`` and ``max`` are over the scored replies at that depth (``None`` when none).

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b", "c"], "parent_id": [None, "a", "a"],
    ...                           "text": ["hi", "meh", "idiot"], "toxicity": [0.1, 0.2, 0.9]}))
    >>> [(d.depth, d.n_replies, d.mean, d.max) for d in depth_profile(v)]
    [(0, 1, 0.1, 0.1), (1, 2, 0.55, 0.9)]
    """
    acc: dict[int, list] = {}
    for r in view.replies:
        a = acc.setdefault(r.depth, [0, 0, 0, 0.0, None])
        a[0] += 1
        if r.tox is not None:
            a[1] += 1
            a[3] += r.tox
            a[4] = r.tox if a[4] is None else max(a[4], r.tox)
        a[2] += r.toxic
    return [DepthStats(d, a[0], a[1], a[2], round(a[3] / a[1], 6) if a[1] else None, a[4])
            for d, a in sorted(acc.items())]


# --- toxicity along root-to-leaf paths -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PathStats:
    """Toxicity along one root-to-leaf path, named by its leaf.

    ``length`` counts the replies on the path; ``mean`` and ``peak`` are over its
    scored replies; ``rise`` is the path's :class:`Rise` in score units, from reply
    ``rise_from`` up to the later reply ``rise_to`` (``None`` when it never rises).
    """

    leaf: str
    root: str
    length: int
    mean: float | None
    peak: float | None
    rise: float
    rise_from: str | None
    rise_to: str | None


@dataclass(frozen=True, slots=True)
class PathProfile:
    """Every root-to-leaf path (in page order of the leaves) and the steepest escalating one.

    The steepest path has the largest ``rise``; among equal rises the one that climbs
    over fewer replies, then the earlier leaf. ``steepest_ids`` / ``steepest_scores``
    spell it out from the root (``None`` when no path rises at all).
    """

    paths: list[PathStats]
    steepest: PathStats | None
    steepest_ids: tuple[str, ...]
    steepest_scores: tuple[float | None, ...]


def path_profile(view: ThreadView) -> PathProfile:
    """Toxicity along each root-to-leaf path, computed in one pass over the forest.

    Each reply carries its path's running sum, count, peak, lowest score so far and
    best rise down from its parent, so the cost is linear in the replies even when
    paths share long prefixes.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b", "c", "d"], "parent_id": [None, "a", "b", "a"],
    ...                           "text": ["x"] * 4, "toxicity": [0.1, 0.5, 0.9, 0.2]}))
    >>> p = path_profile(v)
    >>> [(s.leaf, s.rise, s.rise_from, s.rise_to) for s in p.paths]
    [('c', 0.8, 'a', 'c'), ('d', 0.1, 'a', 'd')]
    >>> p.steepest_ids
    ('a', 'b', 'c')
    """
    reps = view.replies
    # per reply: (root, sum, count, peak, low, low_at, rise, rise_from, rise_to)
    state: list[tuple] = [()] * len(reps)
    paths: list[PathStats] = []
    for r in reps:
        if r.parent is None:
            root, total, count, peak, low, low_at, rise, r_from, r_to = (
                r.index, 0.0, 0, None, None, None, 0.0, None, None)
        else:
            root, total, count, peak, low, low_at, rise, r_from, r_to = state[r.parent]
        s = r.tox
        if s is not None:
            total, count = total + s, count + 1
            peak = s if peak is None else max(peak, s)
            if low is not None and s - low > rise + 1e-12:
                rise, r_from, r_to = s - low, low_at, r.index
            if low is None or s <= low:
                low, low_at = s, r.index
        state[r.index] = (root, total, count, peak, low, low_at, rise, r_from, r_to)
        if not r.children:
            paths.append(PathStats(
                leaf=r.comment_id, root=reps[root].comment_id, length=r.depth + 1,
                mean=round(total / count, 6) if count else None, peak=peak, rise=round(rise, 6),
                rise_from=reps[r_from].comment_id if r_from is not None else None,
                rise_to=reps[r_to].comment_id if r_to is not None else None))
    best: PathStats | None = None
    best_key: tuple | None = None
    by_id = {r.comment_id: r for r in reps}
    for p in paths:
        if p.rise <= 0:
            continue
        key = (-p.rise, by_id[p.rise_to].depth - by_id[p.rise_from].depth)
        if best_key is None or key < best_key:
            best, best_key = p, key
    if best is None:
        return PathProfile(paths, None, (), ())
    chain = view.path_to(by_id[best.leaf].index)
    return PathProfile(paths, best, tuple(reps[i].comment_id for i in chain), tuple(reps[i].tox for i in chain))


# --- coverage ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CoverageReport:
    """What is known to be missing, so a quiet report is not mistaken for a complete one.

    From the table: ``missing_parents`` (replies whose ``parent_id`` is not in the
    table), ``orphans`` (replies the parser flagged ``orphan``: their parent was not
    on the page), ``removed`` and ``empty`` counts (replies with no words to score),
    and notes about malformed rows. ``page_warnings`` come from the parsed pages when
    the caller supplies them (stated vs found counts, truncated "load more" branches,
    missing list numbers). ``warnings`` is everything as readable lines.
    """

    n_found: int
    missing_parents: tuple[str, ...]
    orphans: tuple[str, ...]
    removed: int
    empty: int
    page_warnings: tuple[str, ...]
    warnings: tuple[str, ...]


def coverage(view: ThreadView, page_warnings: Sequence[str] = ()) -> CoverageReport:
    """Coverage warnings for a thread, from the table and (optionally) from its pages.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b"], "parent_id": [None, "gone"],
    ...                           "text": ["x", "y"], "toxicity": [0.1, 0.2]}))
    >>> coverage(v, ["page states 5 comments, 2 found"]).warnings
    ('page states 5 comments, 2 found', '1 reply answers a comment missing from the table')
    """
    missing = tuple(r.comment_id for r in view.replies if r.missing_parent is not None)
    orphans = tuple(r.comment_id for r in view.replies if FLAG_ORPHAN in r.flags)
    removed = sum(FLAG_REMOVED in r.flags for r in view.replies)
    empty = sum(FLAG_EMPTY in r.flags or (not r.text.strip() and FLAG_REMOVED not in r.flags)
                for r in view.replies)
    lines = [*page_warnings]
    if missing:
        lines.append(f"{_n(len(missing))} {'answers' if len(missing) == 1 else 'answer'} "
                     "a comment missing from the table")
    if orphans and not any("orphan" in w for w in page_warnings):
        lines.append(f"{_n(len(orphans))} attached at top level because the parent was not on the page")
    if removed:
        lines.append(f"{_n(removed)} removed or deleted before the page was saved (not scored)")
    unread = sum(UNSUPPORTED_LANGUAGE in r.flag_reasons for r in view.replies)
    if unread:
        lines.append(f"{_n(unread)} not scored: written in a language the scorers do not read")
    lines += view.notes
    return CoverageReport(len(view.replies), missing, orphans, removed, empty, tuple(page_warnings), tuple(lines))


def _n(k: int) -> str:
    return f"{k} reply" if k == 1 else f"{k} replies"
