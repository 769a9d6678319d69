"""Current labels, derived by replaying the label store's event log.

Each reviewer's decision on an item is their latest ``label`` or ``skip`` event
that no ``undo`` has cancelled; an adjudicator's ``adjudicate`` event overrides
the reviewers; ``flag``/``unflag`` mark an item for a second look. The final
label of an item is the adjudicated one, else the reviewers' majority; a tie is
a disagreement, left for ``modkit labels adjudicate``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from modkit.review.store import Event

#: The label set: each is a yes/no question about a reply.
LABELS: tuple[str, ...] = ("toxic", "conspiracy")
#: Named answers and the labels they set.
ANSWERS: dict[str, dict[str, bool]] = {
    "toxic": {"toxic": True, "conspiracy": False},
    "conspiracy": {"toxic": False, "conspiracy": True},
    "both": {"toxic": True, "conspiracy": True},
    "fine": {"toxic": False, "conspiracy": False},
}


def answer_of(labels: dict[str, bool] | None) -> str:
    """The named answer for a label dict (``skip`` for none).

    Examples
    --------
    >>> answer_of({"toxic": True, "conspiracy": True}), answer_of(None)
    ('both', 'skip')
    """
    if labels is None:
        return "skip"
    for name, value in ANSWERS.items():
        if all(bool(labels.get(k)) == v for k, v in value.items()):
            return name
    return "fine"


@dataclass
class LabelState:
    """The derived view of the log."""

    decisions: dict[tuple[str, str], Event] = field(default_factory=dict)
    adjudicated: dict[str, Event] = field(default_factory=dict)
    flagged: dict[tuple[str, str], bool] = field(default_factory=dict)
    notes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    #: Each reviewer's active decisions, most recent last (what undo pops).
    history: dict[str, list[Event]] = field(default_factory=dict)

    def decided(self, reviewer: str) -> set[str]:
        """Items this reviewer has decided (labelled or skipped)."""
        return {item for (item, who) in self.decisions if who == reviewer}

    def labels_by_item(self) -> dict[str, dict[str, dict[str, bool]]]:
        """``{item: {reviewer: labels}}`` for labelled (not skipped) items."""
        out: dict[str, dict[str, dict[str, bool]]] = {}
        for (item, who), ev in self.decisions.items():
            if ev.action == "label" and ev.labels is not None:
                out.setdefault(item, {})[who] = ev.labels
        return out

    def final(self, item: str) -> dict[str, bool] | None:
        """The item's final labels: adjudicated, else majority answer; ``None`` on a tie."""
        if item in self.adjudicated:
            return self.adjudicated[item].labels
        votes = Counter(answer_of(lab) for lab in self.labels_by_item().get(item, {}).values())
        if not votes:
            return None
        (best, n), *rest = votes.most_common()
        if rest and rest[0][1] == n:
            return None
        return dict(ANSWERS[best])

    def disagreements(self) -> list[str]:
        """Items labelled by two or more reviewers who gave different answers, not yet adjudicated."""
        out = []
        for item, by in self.labels_by_item().items():
            if item not in self.adjudicated and len({answer_of(v) for v in by.values()}) > 1:
                out.append(item)
        return out


def derive(events: Iterable[Event]) -> LabelState:
    """Replay events in log order into the current :class:`LabelState`.

    Examples
    --------
    >>> e = [Event("a", "h", "ann", "label", {"toxic": True, "conspiracy": False}, event_id=1),
    ...      Event("a", "h", "ann", "label", {"toxic": False, "conspiracy": False}, event_id=2),
    ...      Event("a", "h", "ann", "undo", target_event=2, event_id=3)]
    >>> derive(e).final("a")
    {'toxic': True, 'conspiracy': False}
    """
    state = LabelState()
    # Every decision per (item, reviewer), so undoing the latest restores the one before.
    stacks: dict[tuple[str, str], list[Event]] = {}
    adjudications: dict[str, list[Event]] = {}
    for ev in events:
        key = (ev.item_id, ev.reviewer)
        if ev.action in ("label", "skip"):
            stacks.setdefault(key, []).append(ev)
            state.history.setdefault(ev.reviewer, []).append(ev)
        elif ev.action == "adjudicate":
            adjudications.setdefault(ev.item_id, []).append(ev)
            state.history.setdefault(ev.reviewer, []).append(ev)
        elif ev.action == "undo":
            for pool in (stacks.get(key, []), adjudications.get(ev.item_id, [])):
                pool[:] = [x for x in pool if x.event_id != ev.target_event]
            hist = state.history.get(ev.reviewer, [])
            hist[:] = [x for x in hist if x.event_id != ev.target_event]
        elif ev.action in ("flag", "unflag"):
            state.flagged[key] = ev.action == "flag"
        if ev.note:
            state.notes.setdefault(key, []).append(ev.note)
    state.decisions = {k: v[-1] for k, v in stacks.items() if v}
    state.adjudicated = {k: v[-1] for k, v in adjudications.items() if v}
    return state
