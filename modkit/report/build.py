"""Assemble one thread's report: metrics, risk, top evidence, and the ranking key of the index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from modkit.model import UNSUPPORTED_LANGUAGE
from modkit.report.config import ReportConfig
from modkit.report.metrics import (
    CoverageReport,
    DepthStats,
    FirstFlagged,
    PathProfile,
    coverage,
    depth_profile,
    first_flagged,
    path_profile,
)
from modkit.report.patterns import (
    ConspiracyCluster,
    Exchange,
    Offender,
    PileOn,
    ToxicSubtree,
    conspiracy_clusters,
    heated_exchanges,
    pile_ons,
    repeat_offenders,
    toxic_subtrees,
)
from modkit.report.risk import Risk, assess, level_rank
from modkit.report.tree import Reply, ThreadView


@dataclass(frozen=True, slots=True)
class ThreadMetrics:
    """Every metric of one thread (see :mod:`~modkit.report.metrics` and :mod:`~modkit.report.patterns`)."""

    first_flagged: FirstFlagged | None
    depth: list[DepthStats]
    paths: PathProfile
    exchanges: list[Exchange]
    pile_ons: list[PileOn]
    subtrees: list[ToxicSubtree]
    offenders: list[Offender]
    clusters: list[ConspiracyCluster]
    coverage: CoverageReport


def measure(view: ThreadView, config: ReportConfig, page_warnings: Sequence[str] = ()) -> ThreadMetrics:
    """Run every metric on one thread.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b"], "parent_id": [None, "a"], "author": ["x", "y"],
    ...                           "text": ["hi", "you idiot"], "toxicity": [0.1, 0.85]}))
    >>> m = measure(v, ReportConfig())
    >>> m.first_flagged.comment_id, m.exchanges, m.paths.steepest.rise
    ('b', [], 0.75)
    """
    return ThreadMetrics(
        first_flagged=first_flagged(view), depth=depth_profile(view), paths=path_profile(view),
        exchanges=heated_exchanges(view, config), pile_ons=pile_ons(view, config),
        subtrees=toxic_subtrees(view, config), offenders=repeat_offenders(view, config),
        clusters=conspiracy_clusters(view, config), coverage=coverage(view, page_warnings))


@dataclass(frozen=True, slots=True)
class Evidence:
    """A top evidence reply, shown with its parent: moderators judge replies in context.

    ``reasons`` are the codes that cite it.
    """

    reply: Reply
    parent: Reply | None
    reasons: tuple[str, ...]


@dataclass(slots=True)
class ThreadReport:
    """One thread's escalation report: the thread, its metrics, its risk and its top evidence."""

    view: ThreadView
    metrics: ThreadMetrics
    risk: Risk
    evidence: tuple[Evidence, ...]
    config: ReportConfig
    _by_id: dict[str, Reply] = field(default_factory=dict, repr=False)

    @property
    def thread_id(self) -> str:
        return self.view.thread_id

    @property
    def level(self) -> str:
        """The risk level; ``unscored`` instead of ``none`` when most of the thread's replies with words
        are in a language no scorer reads."""
        if self.risk.level == "none":
            worded = [r for r in self.view.replies if r.text.strip()]
            unread = sum(UNSUPPORTED_LANGUAGE in r.flag_reasons for r in worded)
            if worded and 2 * unread > len(worded):
                return "unscored"
        return self.risk.level

    def reply(self, comment_id: str) -> Reply:
        """The reply with ``comment_id``."""
        if not self._by_id:
            self._by_id.update((r.comment_id, r) for r in self.view.replies)
        return self._by_id[comment_id]

    @property
    def n_replies(self) -> int:
        return len(self.view.replies)

    @property
    def n_authors(self) -> int:
        return len({r.author for r in self.view.replies if r.author is not None})

    @property
    def n_scored(self) -> int:
        return sum(r.tox is not None or r.conspiracy is not None for r in self.view.replies)

    @property
    def n_toxic(self) -> int:
        return sum(r.toxic for r in self.view.replies)

    @property
    def n_flagged(self) -> int:
        return sum(r.flagged for r in self.view.replies)

    @property
    def n_flagged_by_scores(self) -> int:
        """Replies the scores flagged (whatever a reviewer later decided)."""
        return sum(_scores_flag(r) for r in self.view.replies)

    @property
    def n_reviewed(self) -> int:
        """Of :attr:`n_flagged_by_scores`, the replies a moderator has decided."""
        return sum(_scores_flag(r) and r.review is not None for r in self.view.replies)

    def review_line(self) -> str | None:
        """One sentence on moderators' decisions in this thread, or ``None`` when there are none.

        Examples
        --------
        >>> import pandas as pd
        >>> from modkit.report import thread_reports
        >>> df = pd.DataFrame({"comment_id": ["a", "b"], "text": ["x", "y"], "toxicity": [0.9, 0.1],
        ...                    "flag_reasons": [["toxicity"], []], "review": ["fine", None]})
        >>> thread_reports(df)[0].review_line()
        'Reviewed: 1 of 1 flagged replies decided by moderators (1 fine).'
        """
        decided = [r.review for r in self.view.replies if r.review is not None]
        if not decided:
            return None
        counts = {k: decided.count(k) for k in ("toxic", "conspiracy", "both", "fine") if decided.count(k)}
        parts = ", ".join(f"{n} {'confirmed ' + k if k != 'fine' else k}" for k, n in counts.items())
        return (f"Reviewed: {self.n_reviewed} of {self.n_flagged_by_scores} flagged replies decided by "
                f"moderators ({parts}).")

    @property
    def n_conspiratorial(self) -> int:
        return sum(r.conspiratorial for r in self.view.replies)

    @property
    def peak_toxicity(self) -> float | None:
        scores = [r.tox for r in self.view.replies if r.tox is not None]
        return max(scores) if scores else None

    def rank_key(self) -> tuple:
        """How the index orders threads, most urgent first (sort ascending on this key).

        Level first; then the number of distinct intervene- or urgent-level reason
        codes (more kinds of trouble first); then the peak toxicity; then the number
        of toxic replies; the thread id breaks remaining ties so the order is stable.
        """
        serious = {r.code for r in self.risk.reasons if level_rank(r.level) >= level_rank("intervene")}
        return (-level_rank(self.level), -len(serious), -(self.peak_toxicity or 0.0), -self.n_toxic,
                self.thread_id)


def _scores_flag(r: Reply) -> bool:
    return any(x != UNSUPPORTED_LANGUAGE for x in r.flag_reasons)


def top_evidence(view: ThreadView, risk: Risk, k: int) -> tuple[Evidence, ...]:
    """The ``k`` most alarming flagged replies that some reason cites, each with its parent.

    Only toxic or conspiratorial replies qualify (a calm reply cited as the start of
    an escalation still appears, as the parent of the reply that escalated). Ranked by
    a reply's ``peak`` (the larger of its toxicity and conspiracy scores), most
    alarming first; page order breaks ties.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b"], "parent_id": [None, "a"], "author": ["x", "y"],
    ...                           "text": ["hi", "you idiot"], "toxicity": [0.1, 0.85]}))
    >>> [(e.reply.comment_id, e.parent and e.parent.comment_id, e.reasons) for e in thread_report(v).evidence]
    [('b', 'a', ('abusive_reply', 'escalating_path'))]
    """
    cited: dict[str, list[str]] = {}
    for reason in risk.reasons:
        if reason.code == "many_patterns":
            continue  # it only repeats the other reasons' evidence
        for cid in reason.evidence:
            cited.setdefault(cid, []).append(reason.code)
    by_id = {r.comment_id: r for r in view.replies}
    flagged = [cid for cid in cited if by_id[cid].toxic or by_id[cid].conspiratorial]
    ranked = sorted(flagged, key=lambda cid: (-by_id[cid].peak, by_id[cid].index))
    out = []
    for cid in ranked[:k]:
        r = by_id[cid]
        out.append(Evidence(r, view.replies[r.parent] if r.parent is not None else None,
                            tuple(dict.fromkeys(cited[cid]))))
    return tuple(out)


def thread_report(view: ThreadView, config: ReportConfig | None = None,
                  page_warnings: Sequence[str] = ()) -> ThreadReport:
    """The full report of one thread: metrics, risk and top evidence.

    ``page_warnings`` are coverage warnings only the pages know (see :mod:`modkit.report`).

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a"], "text": ["hi"], "toxicity": [0.1]}))
    >>> rep = thread_report(v, page_warnings=["page states 3 comments, 1 found"])
    >>> rep.level, rep.metrics.coverage.warnings
    ('none', ('page states 3 comments, 1 found',))
    """
    config = config or ReportConfig()
    metrics = measure(view, config, page_warnings)
    risk = assess(view, metrics, config)
    return ThreadReport(view, metrics, risk, top_evidence(view, risk, config.top_evidence), config)
