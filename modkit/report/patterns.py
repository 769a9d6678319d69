"""Interaction patterns in one thread: exchanges, pile-ons, toxic subtrees, offenders, clusters.

Each detector is a pure function of a :class:`~modkit.report.tree.ThreadView` and a
:class:`~modkit.report.config.ReportConfig`, returns frozen dataclasses that name
their evidence by comment id, and runs in time linear in the thread's replies.

Two notions of "who answers whom" are used, both stated once here:

- **Dialogue links.** Reply ``q`` *leads to* reply ``r`` when ``q`` is ``r``'s parent,
  or ``q`` is the sibling just before ``r`` (same parent, previous in page order).
  The sibling link matters because platforms flatten deep conversations: past its
  nesting limit Disqus lists a back-and-forth as consecutive siblings, and flat
  forums list every post after the one before.
- **Addressee.** The reply ``r`` answers (its addressee) is its parent, unless the
  parent is by ``r``'s own author; then it is the previous sibling, if that is by
  someone else (in a flattened list, a reply under one's own post answers the
  reply before it). Top-level replies answer no one.
"""

from __future__ import annotations

from dataclasses import dataclass

from modkit.report.config import ReportConfig
from modkit.report.metrics import max_rise
from modkit.report.tree import ThreadView

#: How anonymous replies are named in pattern output. All anonymous replies count as
#: one author, so a crowd of anonymous replies never inflates a count of people.
ANONYMOUS = "(anonymous)"


def addressee(view: ThreadView, i: int) -> int | None:
    """The index of the reply that reply ``i`` answers (see the module docstring), or ``None``.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b", "c"], "parent_id": [None, "a", "a"],
    ...                           "author": ["ann", "bob", "ann"], "text": ["x"] * 3, "toxicity": [0.1] * 3}))
    >>> addressee(v, 1), addressee(v, 2), addressee(v, 0)
    (0, 1, None)
    """
    r = view.replies[i]
    if r.parent is None:
        return None
    if r.author is not None and view.replies[r.parent].author == r.author:
        s = view.prev_sibling[i]
        return s if s is not None and view.replies[s].author != r.author else None
    return r.parent


def _ids(view: ThreadView, indices) -> tuple[str, ...]:
    return tuple(view.replies[i].comment_id for i in sorted(indices))


def _peak(view: ThreadView, indices) -> float | None:
    scores = [view.replies[i].tox for i in indices if view.replies[i].tox is not None]
    return max(scores) if scores else None


def _subthread(view: ThreadView, indices) -> str | None:
    top = view.common_ancestor(sorted(indices))
    return view.replies[top].comment_id if top is not None else None


# --- heated exchanges -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Exchange:
    """A heated exchange: two authors in an alternating back-and-forth with rising scores.

    An *alternating chain* is a sequence of replies r1 → r2 → … → rk joined by
    dialogue links whose authors alternate between two different named authors A
    and B. Chains of the same pair that share a reply are merged; the exchange is
    the merged replies in page order (``replies``, with their ``scores``). It is
    *heated* when it has at least ``exchange_min_turns`` replies, its scores
    rise by at least ``exchange_min_rise`` (the largest increase from an earlier turn
    to a later one, see :func:`~modkit.report.metrics.max_rise`, from ``rise_from``
    to ``rise_to``) and some turn reaches ``exchange_min_peak``. ``subthread`` is the
    deepest reply holding the whole exchange (``None``: it spans top-level replies).
    """

    authors: tuple[str, str]
    replies: tuple[str, ...]
    scores: tuple[float | None, ...]
    turns: tuple[int, int]
    rise: float
    rise_from: str | None
    rise_to: str | None
    peak: float | None
    subthread: str | None


def heated_exchanges(view: ThreadView, config: ReportConfig) -> list[Exchange]:
    """Every heated exchange in the thread, in page order of its first reply.

    For a pair A, B every path of dialogue links between an A-reply and a B-reply
    alternates by construction, so the merged chains of a pair are the connected
    components of those links (found with union-find). A dynamic programme over the
    same links gives the longest alternating chain ending at each reply, and a
    component counts only when that longest chain has ``exchange_min_turns``
    replies: four replies by A under one post by B are not a back-and-forth. Each
    reply has at most two incoming links, so the pass is linear.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({
    ...     "comment_id": list("abcd"), "parent_id": [None, "a", "b", "c"],
    ...     "author": ["ann", "bob", "ann", "bob"], "text": ["x"] * 4, "toxicity": [0.1, 0.3, 0.6, 0.9]}))
    >>> [(e.authors, e.replies, e.rise) for e in heated_exchanges(v, ReportConfig())]
    [(('ann', 'bob'), ('a', 'b', 'c', 'd'), 0.8)]
    """
    reps = view.replies
    longest: list[dict[str, int]] = [{} for _ in reps]  # partner -> longest chain ending here
    links = _UnionFind()
    for r in reps:
        a = r.author
        if a is None:
            continue
        for q in (r.parent, view.prev_sibling[r.index]):
            if q is None or reps[q].author is None or reps[q].author == a:
                continue
            b = reps[q].author
            pair = (a, b) if a < b else (b, a)
            links.union((r.index, pair), (q, pair))
            longest[r.index][b] = max(longest[r.index].get(b, 0), longest[q].get(a, 1) + 1)
    components: dict[tuple, list[int]] = {}
    for key in links.members():
        components.setdefault(links.find(key), []).append(key[0])
    out = []
    for (_, pair), members in components.items():
        chain = max(longest[i].get(pair[1] if reps[i].author == pair[0] else pair[0], 1) for i in members)
        if chain >= config.exchange_min_turns:
            ex = _exchange(view, sorted(members), config)
            if ex is not None:
                out.append(ex)
    first = {r.comment_id: r.index for r in reps}
    return sorted(out, key=lambda e: first[e.replies[0]])


class _UnionFind:
    """Disjoint sets over hashable keys, with path halving (near-constant time per call)."""

    def __init__(self) -> None:
        self.parent: dict = {}

    def members(self) -> list:
        return list(self.parent)

    def find(self, key):
        parent = self.parent
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def _exchange(view: ThreadView, members: list[int], config: ReportConfig) -> Exchange | None:
    reps = view.replies
    scores = [reps[i].tox for i in members]
    rise = max_rise(scores)
    peak = _peak(view, members)
    if rise.value < config.exchange_min_rise or peak is None or peak < config.exchange_min_peak:
        return None
    first = reps[members[0]].author
    second = next(reps[i].author for i in members if reps[i].author != first)
    for side in (first, second):
        if sum(reps[i].toxic for i in members if reps[i].author == side) < config.exchange_min_hostile_each:
            return None
    turns = (sum(reps[i].author == first for i in members), sum(reps[i].author == second for i in members))
    return Exchange(authors=(first, second), replies=_ids(view, members), scores=tuple(scores),
                    turns=turns, rise=rise.value,
                    rise_from=reps[members[rise.start]].comment_id if rise.start is not None else None,
                    rise_to=reps[members[rise.end]].comment_id if rise.end is not None else None,
                    peak=peak, subthread=_subthread(view, members))


# --- pile-ons ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PileOn:
    """Several authors converging on one author.

    A *hostile reply to T* is a toxic reply whose addressee is by the named author
    T. A pile-on on T is at least ``pileon_min_authors`` distinct other authors
    with hostile replies to T anywhere in the thread (anonymous replies count as
    one author). ``replies`` are the hostile replies, ``provoked_by`` the replies
    of T they answer, ``attackers`` the authors in order of first hostile reply, and
    ``subthread`` the deepest reply holding all the hostile replies.
    """

    target: str
    attackers: tuple[str, ...]
    replies: tuple[str, ...]
    provoked_by: tuple[str, ...]
    peak: float | None
    subthread: str | None


def pile_ons(view: ThreadView, config: ReportConfig) -> list[PileOn]:
    """Every pile-on in the thread, most attackers first.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({
    ...     "comment_id": list("abcd"), "parent_id": [None, "a", "a", "a"],
    ...     "author": ["vic", "x", "y", "z"], "text": ["hi", "idiot", "moron", "loser"],
    ...     "toxicity": [0.1, 0.8, 0.7, 0.9]}))
    >>> [(p.target, p.attackers) for p in pile_ons(v, ReportConfig())]
    [('vic', ('x', 'y', 'z'))]
    """
    hostile: dict[str, list[tuple[int, int]]] = {}
    for r in view.replies:
        if not r.toxic:
            continue
        q = addressee(view, r.index)
        if q is None:
            continue
        target = view.replies[q].author
        if target is None or target == r.author:
            continue
        hostile.setdefault(target, []).append((r.index, q))
    out = []
    for target, pairs in hostile.items():
        attackers = list(dict.fromkeys(view.replies[i].author or ANONYMOUS for i, _ in pairs))
        if len(attackers) < config.pileon_min_authors:
            continue
        replies = [i for i, _ in pairs]
        out.append(PileOn(target=target, attackers=tuple(attackers), replies=_ids(view, replies),
                          provoked_by=_ids(view, {q for _, q in pairs}), peak=_peak(view, replies),
                          subthread=_subthread(view, replies)))
    return sorted(out, key=lambda p: (-len(p.attackers), p.target))


# --- toxic subtrees ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ToxicSubtree:
    """A subthread to collapse or lock.

    For a reply r, its subtree S(r) is r and all replies below it; ``share`` is the
    number of toxic replies in S(r) over its scored replies. S(r) *qualifies for
    collapse* when it has at least ``subtree_min_size`` replies, at least
    ``subtree_min_toxic`` toxic ones and ``share >= subtree_min_share``; *for lock*
    when also ``share >= subtree_lock_share``. Reported are the outermost subtrees
    that qualify for each action (no qualifying ancestor), so a lock inside a
    larger collapse is listed too.
    """

    root: str
    action: str
    size: int
    n_scored: int
    n_toxic: int
    share: float
    toxic_replies: tuple[str, ...]
    authors: tuple[str, ...]


def toxic_subtrees(view: ThreadView, config: ReportConfig) -> list[ToxicSubtree]:
    """The outermost subtrees to lock and to collapse, in page order of their roots.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({
    ...     "comment_id": list("abcde"), "parent_id": [None, "a", "b", "b", "a"],
    ...     "author": list("vwxyz"), "text": ["x"] * 5, "toxicity": [0.1, 0.8, 0.7, 0.9, 0.2]}))
    >>> [(s.root, s.action, s.share) for s in toxic_subtrees(v, ReportConfig())]
    [('a', 'collapse', 0.6), ('b', 'lock', 1.0)]
    """
    reps = view.replies
    n = len(reps)
    size, scored, toxic = [1] * n, [0] * n, [0] * n
    for r in reversed(reps):  # children come after parents: sums arrive bottom-up
        scored[r.index] += r.tox is not None
        toxic[r.index] += r.toxic
        if r.parent is not None:
            size[r.parent] += size[r.index]
            scored[r.parent] += scored[r.index]
            toxic[r.parent] += toxic[r.index]

    def share(i: int) -> float:
        return toxic[i] / scored[i] if scored[i] else 0.0

    def collapse(i: int) -> bool:
        return (size[i] >= config.subtree_min_size and toxic[i] >= config.subtree_min_toxic
                and share(i) >= config.subtree_min_share)

    found: list[tuple[int, str]] = []
    for action, qualifies in (("collapse", collapse),
                              ("lock", lambda i: collapse(i) and share(i) >= config.subtree_lock_share)):
        covered = [False] * n
        for r in reps:
            above = r.parent is not None and (covered[r.parent] or qualifies(r.parent))
            covered[r.index] = above
            if qualifies(r.index) and not above:
                found.append((r.index, action))
    out = []
    for i, action in sorted(found):
        inside = _subtree(view, i)
        out.append(ToxicSubtree(
            root=reps[i].comment_id, action=action, size=size[i], n_scored=scored[i], n_toxic=toxic[i],
            share=round(share(i), 6), toxic_replies=_ids(view, [k for k in inside if reps[k].toxic]),
            authors=tuple(dict.fromkeys(reps[k].author or ANONYMOUS for k in inside))))
    return out


def _subtree(view: ThreadView, i: int) -> list[int]:
    """Reply ``i`` and its descendants: a contiguous run in forest order."""
    end, depth = i + 1, view.replies[i].depth
    while end < len(view.replies) and view.replies[end].depth > depth:
        end += 1
    return list(range(i, end))


# --- repeat offenders --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Offender:
    """An author with at least ``offender_min_toxic`` toxic replies in the thread.

    ``action`` is ``timeout`` when they have ``offender_timeout_toxic`` or more toxic
    replies or any severe reply (a ``severe_attributes`` flag), else ``warn``.
    Anonymous replies are not attributed to anyone.
    """

    author: str
    n_toxic: int
    n_replies: int
    replies: tuple[str, ...]
    peak: float | None
    severe: bool
    action: str


def repeat_offenders(view: ThreadView, config: ReportConfig) -> list[Offender]:
    """Repeat offenders, most toxic replies first.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({
    ...     "comment_id": list("abc"), "parent_id": [None, "a", "b"], "author": ["x", "y", "x"],
    ...     "text": ["idiot", "hm", "moron"], "toxicity": [0.8, 0.1, 0.7]}))
    >>> [(o.author, o.n_toxic, o.action) for o in repeat_offenders(v, ReportConfig())]
    [('x', 2, 'warn')]
    """
    by_author: dict[str, list[int]] = {}
    count: dict[str, int] = {}
    for r in view.replies:
        if r.author is None:
            continue
        count[r.author] = count.get(r.author, 0) + 1
        if r.toxic:
            by_author.setdefault(r.author, []).append(r.index)
    out = []
    for author, idx in by_author.items():
        if len(idx) < config.offender_min_toxic:
            continue
        severe = any(view.replies[i].severe for i in idx)
        action = "timeout" if severe or len(idx) >= config.offender_timeout_toxic else "warn"
        out.append(Offender(author, len(idx), count[author], _ids(view, idx), _peak(view, idx), severe, action))
    return sorted(out, key=lambda o: (-o.n_toxic, -(o.peak or 0.0), o.author))


# --- conspiracy-framing clusters -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConspiracyCluster:
    """Conspiracy-framed replies that answer one another.

    A conspiratorial reply joins the cluster of its nearest conspiratorial ancestor
    when that ancestor is at most ``cluster_max_gap`` levels up; otherwise it starts
    a new cluster, which it roots. The cluster *spread* when it holds a reply by an
    author other than the root's (two anonymous replies count as different people);
    ``spread_to`` lists those replies. ``cue_kinds`` are the cue kinds found in it.
    """

    root: str
    author: str | None
    replies: tuple[str, ...]
    authors: tuple[str, ...]
    spread: bool
    spread_to: tuple[str, ...]
    cue_kinds: tuple[str, ...]
    peak: float | None


def conspiracy_clusters(view: ThreadView, config: ReportConfig) -> list[ConspiracyCluster]:
    """Every conspiracy-framing cluster (singletons included), in page order of their roots.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({
    ...     "comment_id": list("abc"), "parent_id": [None, "a", None], "author": ["x", "y", "z"],
    ...     "text": ["staged", "yes staged", "ok"], "conspiracy": [0.9, 0.8, 0.1]}))
    >>> [(c.root, c.replies, c.spread) for c in conspiracy_clusters(v, ReportConfig())]
    [('a', ('a', 'b'), True)]
    """
    reps = view.replies
    cluster_of: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for r in reps:
        if not r.conspiratorial:
            continue
        up, home = r.parent, None
        for _ in range(config.cluster_max_gap):
            if up is None:
                break
            if up in cluster_of:
                home = cluster_of[up]
                break
            up = reps[up].parent
        home = r.index if home is None else home
        cluster_of[r.index] = home
        members.setdefault(home, []).append(r.index)
    out = []
    for root, idx in members.items():
        author = reps[root].author
        spread = [i for i in idx[1:] if author is None or reps[i].author != author]
        kinds = sorted({str(c.get("kind")) for i in idx for c in reps[i].cues if c.get("kind")})
        scores = [reps[i].conspiracy for i in idx if reps[i].conspiracy is not None]
        out.append(ConspiracyCluster(
            root=reps[root].comment_id, author=author, replies=_ids(view, idx),
            authors=tuple(dict.fromkeys(reps[i].author or ANONYMOUS for i in idx)), spread=bool(spread),
            spread_to=_ids(view, spread), cue_kinds=tuple(kinds), peak=max(scores) if scores else None))
    return out
