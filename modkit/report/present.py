"""Wording shared by the Markdown and HTML renderers: labels, excerpts, numbers, grouped actions.

Nothing here escapes text; each renderer escapes for its own format.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from modkit.report.build import ThreadReport
from modkit.report.risk import Reason
from modkit.report.tree import Reply, attack_label  # noqa: F401  (the renderers' wording)

REASON_LABELS: dict[str, str] = {
    "severe_reply": "severe reply (threat or severe abuse)",
    "many_patterns": "several patterns at once",
    "abusive_reply": "abusive replies",
    "heated_exchange": "heated exchange",
    "pile_on": "pile-on",
    "toxic_subtree": "toxic subthread",
    "repeat_offender": "repeat offender",
    "conspiracy_spread": "conspiracy framing spreading",
    "toxic_reply": "toxic replies",
    "escalating_path": "escalating reply chain",
    "conspiracy_framing": "conspiracy framing",
}
ACTION_LABELS: dict[str, tuple[str, str]] = {  # kind -> (one target, several targets)
    "lock_subtree": ("Lock subthread", "Lock subthreads"),
    "timeout_author": ("Time out", "Time out"),
    "remove_reply": ("Remove reply", "Remove replies"),
    "slow_down": ("Slow down", "Slow down"),
    "collapse_subtree": ("Collapse subthread", "Collapse subthreads"),
    "warn_author": ("Warn", "Warn"),
    "review_framing": ("Review framing", "Review framing"),
}
LEVEL_BLURBS: dict[str, str] = {  # completes "This thread …"
    "urgent": "needs a moderator now",
    "intervene": "needs a moderator's action",
    "watch": "is worth keeping an eye on",
    "none": "shows nothing to act on",
    "unscored": "was not scored: most of it is in a language the scorers do not read",
}
_WS = re.compile(r"\s+")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
#: Longest file stem taken from a thread id, well under every file system's name limit.
MAX_STEM = 80


def excerpt(text: str, limit: int) -> str:
    """Whitespace collapsed and cut at a word boundary to at most ``limit`` characters.

    Examples
    --------
    >>> excerpt("a  very\\nlong sentence here", 14)
    'a very long…'
    >>> excerpt("short", 10)
    'short'
    """
    text = _WS.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def score(x: float | None) -> str:
    """A score with two decimals, or an en dash when unscored.

    Examples
    --------
    >>> score(0.912), score(None)
    ('0.91', '–')
    """
    return "–" if x is None else f"{x:.2f}"


def who(r: Reply) -> str:
    """A reply's author, or ``anonymous``."""
    return r.author if r.author is not None else "anonymous"


def number(r: Reply) -> str:
    """A reply's label in every rendering: ``#k``, its 1-based place in the thread.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report.tree import view_of
    >>> v = view_of(pd.DataFrame({"comment_id": ["a", "b"], "text": ["x", "y"], "toxicity": [0.1, 0.2]}))
    >>> number(v.replies[1]), who(v.replies[1])
    ('#2', 'anonymous')
    """
    return f"#{r.index + 1}"


def file_stem(thread_id: str) -> str:
    """A file name for a thread id: the id itself when safe, else a cleaned id plus a hash.

    Examples
    --------
    >>> file_stem("t_abc123")
    't_abc123'
    >>> file_stem("../etc/passwd")
    '_etc_passwd-42540b52'
    """
    clean = _UNSAFE_NAME.sub("_", thread_id)[:MAX_STEM].strip(".") or "thread"
    if clean == thread_id:
        return clean
    clean = re.sub(r"_+", "_", clean)
    return f"{clean}-{hashlib.blake2b(thread_id.encode('utf-8', 'surrogatepass'), digest_size=4).hexdigest()}"


@dataclass(frozen=True, slots=True)
class ReasonGroup:
    """The reasons sharing one code, so a thread with five exchanges reads as one line."""

    code: str
    level: str
    label: str
    items: list[Reason]

    @property
    def subjects(self) -> str:
        return ", ".join(r.subject for r in self.items)


def reason_groups(report: ThreadReport) -> list[ReasonGroup]:
    """The thread's reasons grouped by code, most severe first (order of first appearance).

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report import thread_reports
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "parent_id": [None, "a"], "text": ["x", "y"],
    ...                    "toxicity": [0.1, 0.9]})
    >>> [(g.code, g.subjects) for g in reason_groups(thread_reports(df)[0])]
    [('abusive_reply', '1 reply'), ('escalating_path', '0.10 → 0.90')]
    """
    groups: dict[str, ReasonGroup] = {}
    for r in report.risk.reasons:
        if r.code not in groups:
            groups[r.code] = ReasonGroup(r.code, r.level, REASON_LABELS[r.code], [])
        groups[r.code].items.append(r)
    return list(groups.values())


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One line of the actions list as shown to a moderator: ``label`` applies to ``targets``.

    A target is ``(text, reply)``: the reply it points at (for a link), or ``None`` for an author.
    """

    kind: str
    label: str
    targets: list[tuple[str, Reply | None]]
    note: str


def action_rows(report: ThreadReport) -> list[ActionRow]:
    """The actions, with reply removals and author warnings/time-outs grouped into one line each.

    Subthread actions stay one per line: each has its own reason.

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report import thread_reports
    >>> df = pd.DataFrame({"comment_id": list("abc"), "parent_id": [None, "a", "a"], "author": ["x", "y", "z"],
    ...                    "text": ["x", "y", "z"], "toxicity": [0.1, 0.9, 0.95]})
    >>> [(r.label, [t for t, _ in r.targets]) for r in action_rows(thread_reports(df)[0])]
    [('Remove replies', ['#2 by y', '#3 by z']), ('Collapse subthread', ['under #1 by x'])]
    """
    rows: list[ActionRow] = []
    grouped: dict[str, ActionRow] = {}
    for a in report.risk.actions:
        one, many = ACTION_LABELS[a.kind]
        if a.target_type == "reply":
            r = report.reply(a.target)
            target = (f"{number(r)} by {who(r)}", r)
        elif a.target_type == "subthread":
            r = report.reply(a.target)
            target = (f"under {number(r)} by {who(r)}", r)
        elif a.target_type == "author":
            # a warning or time-out names the replies that justify it
            cited = [number(report.reply(c)) for c in a.evidence[:4]]
            more = f" and {len(a.evidence) - 4} more" if len(a.evidence) > 4 else ""
            target = (f"{a.target} ({', '.join(cited)}{more})" if cited else a.target, None)
        else:
            target = ("whole thread", None)
        if a.kind in ("remove_reply", "warn_author", "timeout_author"):
            if a.kind in grouped:
                row = grouped[a.kind]
                row.targets.append(target)
                continue
            note = {"remove_reply": f"an attack (insult, threat, identity attack, severe toxicity) at or over "
                                    f"{report.config.remove_threshold:.2f}, or severe",
                    "warn_author": "in a heated exchange, a pile-on, or repeatedly toxic",
                    "timeout_author": "repeatedly toxic, or posted a severe reply"}[a.kind]
            row = ActionRow(a.kind, one, [target], note)
            grouped[a.kind] = row
            rows.append(row)
        else:
            rows.append(ActionRow(a.kind, one, [target], a.note))
    return [ActionRow(r.kind, ACTION_LABELS[r.kind][len(r.targets) > 1], r.targets, r.note) for r in rows]


def spark(scores: list[float | None], width: int = 60) -> str:
    """Scores as a one-line bar chart of block characters, one per reply (bucketed by max).

    Unscored replies show as a middle dot.

    Examples
    --------
    >>> spark([0.0, 0.5, 1.0, None])
    '▁▅█·'
    """
    if len(scores) > width:
        size = -(-len(scores) // width)
        buckets = [[s for s in scores[i:i + size] if s is not None] for i in range(0, len(scores), size)]
        scores = [max(b) if b else None for b in buckets]
    blocks = "▁▂▃▄▅▆▇█"
    return "".join("·" if s is None else blocks[min(int(s * len(blocks)), len(blocks) - 1)] for s in scores)
