"""Risk level, reason codes and recommended actions, from one thread's metrics.

Each finding becomes a :class:`Reason` with a stable code, the level it implies
and the ids of the replies that are its evidence. The thread's level is the
highest level among its reasons (``none`` without any). The codes, in rising
order of level:

=====================  ==========  ====================================================
code                   level       when
=====================  ==========  ====================================================
``toxic_reply``        watch       some reply is toxic (none reaches ``remove_threshold``)
``escalating_path``    watch       the steepest root-to-leaf path rises by ``path_min_rise`` to a toxic reply
``conspiracy_framing`` watch       a conspiracy-framing cluster that did not spread
``abusive_reply``      intervene   a reply's ``tox`` reaches ``remove_threshold``
``heated_exchange``    intervene   a heated exchange (see :class:`~.patterns.Exchange`)
``pile_on``            intervene   a pile-on (see :class:`~.patterns.PileOn`)
``toxic_subtree``      intervene   a subtree to collapse or lock
``repeat_offender``    intervene   an author with ``offender_min_toxic`` toxic replies
``conspiracy_spread``  intervene   a conspiracy-framing cluster that spread to others
``severe_reply``       urgent      a reply flagged for a ``severe_attributes`` attribute
``many_patterns``      urgent      ``urgent_min_patterns`` distinct intervene-level codes
=====================  ==========  ====================================================

Actions: ``lock_subtree``, ``timeout_author``, ``remove_reply``, ``slow_down`` (a
subthread or the whole thread), ``collapse_subtree``, ``warn_author`` and
``review_framing`` (check a spreading cluster against the conspiracy guideline),
listed in that order, most pressing first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modkit.report.config import ReportConfig
from modkit.report.patterns import ANONYMOUS
from modkit.report.tree import ThreadView, attack_label

if TYPE_CHECKING:
    from modkit.report.build import ThreadMetrics

#: Threat levels, lowest first. ``unscored``: most of the thread is in a language no scorer reads, so
#: "none" would claim a reading that never happened.
LEVELS = ("unscored", "none", "watch", "intervene", "urgent")
REASON_LEVELS: dict[str, str] = {
    "toxic_reply": "watch", "escalating_path": "watch", "conspiracy_framing": "watch",
    "abusive_reply": "intervene", "heated_exchange": "intervene", "pile_on": "intervene",
    "toxic_subtree": "intervene", "repeat_offender": "intervene", "conspiracy_spread": "intervene",
    "severe_reply": "urgent", "many_patterns": "urgent",
}
ACTION_ORDER = ("lock_subtree", "timeout_author", "remove_reply", "slow_down", "collapse_subtree",
                "warn_author", "review_framing")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a thread has its level: a stable ``code``, its ``level``, a short ``subject``
    (who or what, e.g. ``"ann ⇄ bob"``), one readable ``summary`` line and the
    ``evidence`` reply ids (page order)."""

    code: str
    level: str
    subject: str
    summary: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Action:
    """A recommended moderator action.

    ``target_type`` is ``reply`` (target: a comment id), ``author`` (an author
    name), ``subthread`` (the comment id of its top reply) or ``thread``.
    ``reasons`` are the codes that call for it, ``note`` says why in words.
    """

    kind: str
    target_type: str
    target: str
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True)
class Risk:
    """A thread's level, its reasons (most severe first) and its recommended actions."""

    level: str
    reasons: tuple[Reason, ...]
    actions: tuple[Action, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The distinct reason codes, most severe first."""
        return tuple(dict.fromkeys(r.code for r in self.reasons))


def level_rank(level: str) -> int:
    """0 for ``unscored``, 1 for ``none`` up to 4 for ``urgent``.

    Examples
    --------
    >>> level_rank("intervene") > level_rank("watch")
    True
    """
    return LEVELS.index(level)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _who(author: str | None) -> str:
    return author if author is not None else "(anonymous)"


def assess(view: ThreadView, m: ThreadMetrics, config: ReportConfig) -> Risk:
    """The :class:`Risk` of a thread from its metrics.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.build import measure
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b"], "parent_id": [None, "a"], "author": ["x", "y"],
    ...                           "text": ["hi", "you idiot"], "toxicity": [0.1, 0.85]}))
    >>> risk = assess(v, measure(v, ReportConfig()), ReportConfig())
    >>> risk.level, risk.codes, [(a.kind, a.target) for a in risk.actions]
    ('intervene', ('abusive_reply', 'escalating_path'), [('remove_reply', 'b')])
    """
    reps = view.replies
    by_id = {r.comment_id: r for r in reps}
    reasons: list[Reason] = []
    actions: list[Action] = []

    def ids(indices) -> tuple[str, ...]:
        return tuple(reps[i].comment_id for i in sorted(indices))

    toxic = [r.index for r in reps if r.toxic]
    abusive = [i for i in toxic if (reps[i].tox or 0.0) >= config.remove_threshold]
    severe = [r.index for r in reps if r.severe]
    if severe:
        reasons.append(Reason("severe_reply", "urgent", _count(severe, "reply", "replies"),
                              f"{_count(severe, 'reply', 'replies')} flagged for "
                              f"{' or '.join(config.severe_attributes)}", ids(severe)))
        for i in severe:
            actions.append(Action("remove_reply", "reply", reps[i].comment_id, ("severe_reply",),
                                  (reps[i].comment_id,), f"flagged {', '.join(reps[i].flag_reasons) or 'severe'}"))
            if reps[i].author is not None:
                actions.append(Action("timeout_author", "author", reps[i].author, ("severe_reply",),
                                      (reps[i].comment_id,), "posted a severe reply"))
    if abusive:
        reasons.append(Reason("abusive_reply", "intervene", _count(abusive, "reply", "replies"),
                              f"{_count(abusive, 'reply', 'replies')} at or over {config.remove_threshold:.2f} "
                              f"(peak {_fmt(max(reps[i].tox for i in abusive))})", ids(abusive)))
        for i in abusive:
            actions.append(Action("remove_reply", "reply", reps[i].comment_id, ("abusive_reply",),
                                  (reps[i].comment_id,), attack_label(reps[i])))
    elif toxic:
        reasons.append(Reason("toxic_reply", "watch", _count(toxic, "reply", "replies"),
                              f"{_count(toxic, 'toxic reply', 'toxic replies')} "
                              f"(peak {_fmt(max(reps[i].tox or 0.0 for i in toxic))})", ids(toxic)))

    for ex in m.exchanges:
        a, b = ex.authors
        reasons.append(Reason("heated_exchange", "intervene", f"{a} ⇄ {b}",
                              f"{a} and {b}: {len(ex.replies)} alternating replies, rising "
                              f"{_fmt(by_id[ex.rise_from].tox)} → {_fmt(by_id[ex.rise_to].tox)}", ex.replies))
        actions.append(_slow_down(ex.subthread, "heated_exchange", ex.replies,
                                  f"{a} and {b} trade {len(ex.replies)} replies"))
        for who in ex.authors:
            own = tuple(c for c in ex.replies if by_id[c].author == who and by_id[c].toxic)
            actions.append(Action("warn_author", "author", who, ("heated_exchange",), own,
                                  "in a heated exchange"))
    for p in m.pile_ons:
        reasons.append(Reason("pile_on", "intervene", f"on {p.target}",
                              f"{len(p.attackers)} authors pile on {p.target}: "
                              f"{', '.join(p.attackers)}", p.replies))
        actions.append(_slow_down(p.subthread, "pile_on", p.replies,
                                  f"{len(p.attackers)} authors converge on {p.target}"))
        for who in p.attackers:
            if who == ANONYMOUS:
                continue  # no account to warn
            own = tuple(c for c in p.replies if (by_id[c].author or ANONYMOUS) == who)
            actions.append(Action("warn_author", "author", who, ("pile_on",), own,
                                  f"piling on {p.target}"))
    for s in m.subtrees:
        reasons.append(Reason("toxic_subtree", "intervene",
                              f"{s.action} under #{by_id[s.root].index + 1} {_who(by_id[s.root].author)}",
                              f"{s.action} the subthread under "
                              f"{_who(by_id[s.root].author)}: {s.n_toxic} of {s.n_scored} replies toxic",
                              s.toxic_replies))
        actions.append(Action(f"{s.action}_subtree", "subthread", s.root, ("toxic_subtree",), s.toxic_replies,
                              f"{s.n_toxic} of {s.n_scored} scored replies toxic ({s.share:.0%})"))
    for o in m.offenders:
        reasons.append(Reason("repeat_offender", "intervene", o.author,
                              f"{o.author}: {o.n_toxic} toxic replies of {o.n_replies}", o.replies))
        actions.append(Action(f"{o.action}_author", "author", o.author, ("repeat_offender",), o.replies,
                              f"{o.n_toxic} toxic replies in this thread (peak {_fmt(o.peak)})"
                              + ("; one is severe" if o.severe else "")))
    spread = [c for c in m.clusters if c.spread]
    for c in spread:
        reasons.append(Reason("conspiracy_spread", "intervene", f"from {_who(c.author)}",
                              f"conspiracy framing by {_who(c.author)} picked up by "
                              f"{', '.join(a for a in c.authors if a != c.author) or 'others'}", c.replies))
        actions.append(Action("review_framing", "subthread", c.root, ("conspiracy_spread",), c.replies,
                              f"{len(c.replies)} framed replies"
                              + (f" ({', '.join(c.cue_kinds)})" if c.cue_kinds else "")))
    if m.clusters and not spread:
        framed = [cid for c in m.clusters for cid in c.replies]
        reasons.append(Reason("conspiracy_framing", "watch", _count(framed, "reply", "replies"),
                              f"{_count(framed, 'reply', 'replies')} with conspiracy framing, not picked up",
                              tuple(sorted(framed, key=lambda cid: by_id[cid].index))))
    steep = m.paths.steepest
    # the chain must climb to an attack (a reply flagged toxic), not to swearing that merely scores high
    if steep is not None and steep.rise >= config.path_min_rise and by_id[steep.rise_to].toxic:
        span = by_id[steep.rise_to].depth - by_id[steep.rise_from].depth
        reasons.append(Reason("escalating_path", "watch",
                              f"{_fmt(by_id[steep.rise_from].tox)} → {_fmt(by_id[steep.rise_to].tox)}",
                              f"a reply chain climbs {_fmt(by_id[steep.rise_from].tox)} → "
                              f"{_fmt(by_id[steep.rise_to].tox)} in {span} "
                              f"{'step' if span == 1 else 'steps'}", (steep.rise_from, steep.rise_to)))
    patterns = sorted({r.code for r in reasons if r.level == "intervene"})
    if len(patterns) >= config.urgent_min_patterns:
        evidence = {cid for r in reasons if r.level == "intervene" for cid in r.evidence}
        reasons.append(Reason("many_patterns", "urgent", f"{len(patterns)} patterns",
                              f"{len(patterns)} patterns at once: "
                              f"{', '.join(patterns)}", tuple(sorted(evidence, key=lambda c: by_id[c].index))))
    reasons.sort(key=lambda r: -level_rank(r.level))  # stable: keeps detection order within a level
    level = reasons[0].level if reasons else "none"
    return Risk(level, tuple(reasons), _merge(actions, by_id))


def _count(items, one: str, many: str) -> str:
    return f"{len(items)} {one if len(items) == 1 else many}"


def _slow_down(subthread: str | None, code: str, evidence: tuple[str, ...], note: str) -> Action:
    if subthread is None:
        return Action("slow_down", "thread", "thread", (code,), evidence, note)
    return Action("slow_down", "subthread", subthread, (code,), evidence, note)


def _merge(actions: list[Action], by_id: dict) -> tuple[Action, ...]:
    """One action per (kind, target), reasons and evidence pooled; a timeout replaces a warning
    and a lock replaces a slow-down or collapse of the same subthread."""
    merged: dict[tuple[str, str], Action] = {}
    for a in actions:
        key = (a.kind, a.target)
        if key in merged:
            old = merged[key]
            reasons = tuple(dict.fromkeys(old.reasons + a.reasons))
            evidence = tuple(sorted(set(old.evidence) | set(a.evidence), key=lambda c: by_id[c].index))
            notes = old.note if a.note in old.note else f"{old.note}; {a.note}"
            merged[key] = Action(old.kind, old.target_type, old.target, reasons, evidence, notes)
        else:
            merged[key] = a
    for (kind, target) in list(merged):
        stronger = {"warn_author": "timeout_author", "slow_down": "lock_subtree",
                    "collapse_subtree": "lock_subtree"}.get(kind)
        if stronger and (stronger, target) in merged:
            weak, strong = merged.pop((kind, target)), merged[(stronger, target)]
            merged[(stronger, target)] = Action(
                strong.kind, strong.target_type, strong.target, tuple(dict.fromkeys(strong.reasons + weak.reasons)),
                tuple(sorted(set(strong.evidence) | set(weak.evidence), key=lambda c: by_id[c].index)),
                strong.note)

    def first(a: Action) -> int:
        return min((by_id[c].index for c in a.evidence), default=0)

    return tuple(sorted(merged.values(), key=lambda a: (ACTION_ORDER.index(a.kind), first(a))))
