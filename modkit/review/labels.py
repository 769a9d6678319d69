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


class Replay:
    """Replays events one at a time, keeping a :class:`LabelState` current after each: a review
    session applies its own appends here instead of replaying the whole log per keystroke.

    Examples
    --------
    >>> r = Replay()
    >>> r.apply(Event("a", "h", "ann", "label", {"toxic": True, "conspiracy": False}, event_id=1)).final("a")
    {'toxic': True, 'conspiracy': False}
    >>> r.apply(Event("a", "h", "ann", "undo", target_event=1, event_id=2)).decided("ann")
    set()
    """

    def __init__(self) -> None:
        self.state = LabelState()
        # Every decision per (item, reviewer), so undoing the latest restores the one before.
        self._stacks: dict[tuple[str, str], list[Event]] = {}
        self._adjudications: dict[str, list[Event]] = {}

    def apply(self, ev: Event) -> LabelState:
        """Apply one event (in log order); the updated state."""
        state = self.state
        key = (ev.item_id, ev.reviewer)
        if ev.action in ("label", "skip"):
            self._stacks.setdefault(key, []).append(ev)
            state.history.setdefault(ev.reviewer, []).append(ev)
        elif ev.action == "adjudicate":
            self._adjudications.setdefault(ev.item_id, []).append(ev)
            state.history.setdefault(ev.reviewer, []).append(ev)
        elif ev.action == "undo":
            for pool in (self._stacks.get(key, []), self._adjudications.get(ev.item_id, [])):
                pool[:] = [x for x in pool if x.event_id != ev.target_event]
            hist = state.history.get(ev.reviewer, [])
            hist[:] = [x for x in hist if x.event_id != ev.target_event]
        elif ev.action in ("flag", "unflag"):
            state.flagged[key] = ev.action == "flag"
        if ev.note:
            state.notes.setdefault(key, []).append(ev.note)
        stack, adjudicated = self._stacks.get(key), self._adjudications.get(ev.item_id)
        if stack:
            state.decisions[key] = stack[-1]
        else:
            state.decisions.pop(key, None)
        if adjudicated:
            state.adjudicated[ev.item_id] = adjudicated[-1]
        else:
            state.adjudicated.pop(ev.item_id, None)
        return state

    def settle(self) -> LabelState:
        """The state with decisions in the order items were first decided (what :func:`derive` returns)."""
        self.state.decisions = {k: v[-1] for k, v in self._stacks.items() if v}
        self.state.adjudicated = {k: v[-1] for k, v in self._adjudications.items() if v}
        return self.state


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
    replay = Replay()
    for ev in events:
        replay.apply(ev)
    return replay.settle()


@dataclass
class Tally:
    """Counts of one reviewer's current decisions: what every counter on screen and in summaries shows."""

    by_answer: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    flagged: int = 0
    adjudicated: int = 0
    disagreements: int = 0

    @property
    def decided(self) -> int:
        """Items labelled (not skipped)."""
        return sum(self.by_answer.values())

    def line(self) -> str:
        """``toxic 1 · conspiracy 0 · both 0 · fine 2 · skipped 1``."""
        return " · ".join([*(f"{a} {self.by_answer.get(a, 0)}" for a in ANSWERS), f"skipped {self.skipped}"])


def tally(state: LabelState, reviewer: str, items: Iterable[str] | None = None,
          session: str | None = None) -> Tally:
    """The one place counters come from: ``reviewer``'s current decisions (after undos) on ``items``
    (default: every item), optionally only those made in ``session``; plus flags, adjudications by
    ``reviewer`` and the disagreements still open among ``items``.

    Examples
    --------
    >>> e = [Event("a", "h", "ann", "label", {"toxic": True, "conspiracy": False}, event_id=1),
    ...      Event("b", "h", "ann", "label", {"toxic": False, "conspiracy": False}, event_id=2),
    ...      Event("b", "h", "ann", "undo", target_event=2, event_id=3)]
    >>> t = tally(derive(e), "ann")
    >>> t.decided, t.by_answer, t.line()
    (1, {'toxic': 1}, 'toxic 1 · conspiracy 0 · both 0 · fine 0 · skipped 0')
    """
    keep = None if items is None else (items if isinstance(items, set | dict) else set(items))
    out = Tally()
    answers: dict[str, set[str]] = {}  # item -> the answers reviewers gave it, for open disagreements
    for (item, who), ev in state.decisions.items():
        if keep is not None and item not in keep:
            continue
        name = "skip" if ev.action == "skip" or ev.labels is None else answer_of(ev.labels)
        if name != "skip" and item not in state.adjudicated:
            answers.setdefault(item, set()).add(name)
        if who != reviewer or (session and ev.session != session):
            continue
        if name == "skip":
            out.skipped += 1
        else:
            out.by_answer[name] = out.by_answer.get(name, 0) + 1
    out.flagged = sum(1 for (item, who), on in state.flagged.items()
                      if on and who == reviewer and (keep is None or item in keep))
    out.adjudicated = sum(1 for item, ev in state.adjudicated.items()
                          if ev.reviewer == reviewer and (keep is None or item in keep)
                          and (not session or ev.session == session))
    out.disagreements = sum(1 for given in answers.values() if len(given) > 1)
    return out


def disagreeing(state: LabelState) -> list[tuple[str, dict[str, str], str | None]]:
    """Every item reviewers answered differently, settled or not: ``(item, {reviewer: answer},
    adjudicated answer or None)``, in item order.

    Examples
    --------
    >>> e = [Event("a", "h", "ann", "label", {"toxic": True, "conspiracy": False}, event_id=1),
    ...      Event("a", "h", "ben", "label", {"toxic": False, "conspiracy": False}, event_id=2)]
    >>> disagreeing(derive(e))
    [('a', {'ann': 'toxic', 'ben': 'fine'}, None)]
    """
    out = []
    for item, by in sorted(state.labels_by_item().items()):
        answers = {who: answer_of(v) for who, v in sorted(by.items())}
        if len(set(answers.values())) > 1:
            settled = state.adjudicated.get(item)
            out.append((item, answers, answer_of(settled.labels) if settled else None))
    return out
