"""One reviewer's session, apart from how it is drawn: the queue, the current reply, and the
commands (decide, skip, undo, flag, note, search, jump) that append events to the store.

Both front ends use it: the full-screen reviewer (:mod:`modkit.review.screen`) and the
line-driven one scripts and tests use (:func:`modkit.review.ui.run_review`). Every command
that records something appends one event and returns only once it is durable; counters are
always recomputed from the replayed log (:func:`modkit.review.labels.tally`), so an undo or
a resumed session can never leave them stale.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pandas as pd

from modkit.model import THREAD_ID
from modkit.review.guidelines import Guidelines
from modkit.review.labels import ANSWERS, Replay, Tally, answer_of, tally
from modkit.review.queue import Context, build_queue, score_columns, who
from modkit.review.store import Event, LabelStore, text_hash


class ReviewSession:
    """A reviewer's walk through the queue (or, with ``adjudicate=True``, through the disagreements).

    Examples
    --------
    >>> import tempfile, os
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "text": ["you idiot", "nice"], "toxicity": [0.9, 0.1]})
    >>> s = ReviewSession(df, LabelStore(os.path.join(tempfile.mkdtemp(), "l.sqlite")), "ann", only="all")
    >>> s.decide("toxic"), s.current
    ('recorded toxic for #1 by anonymous (a)', 'b')
    >>> s.undo(), s.current, s.tally().decided
    ('undid toxic for #1 by anonymous (a)', 'a', 0)
    """

    def __init__(self, scored: pd.DataFrame, store: LabelStore, reviewer: str, *, order: str = "risk",
                 only: str = "flagged", guidelines: Guidelines | None = None, first: list[str] | None = None,
                 adjudicate: bool = False, on_decision: Callable[[Event], None] | None = None,
                 copies: int | None = None):
        self.store, self.reviewer, self.adjudicate = store, reviewer, adjudicate
        #: A shared queue: each item goes to ``copies`` reviewers and no more, claimed through the store
        #: (its database decides, so reviewers on other machines see each other's decisions at once).
        self.copies = copies
        self.guidelines = guidelines or Guidelines.load()
        self.on_decision = on_decision
        self.replay = Replay()
        for ev in store.events():
            self.replay.apply(ev)
        self.state = self.replay.settle()
        self._tallies: dict[bool, Tally] = {}
        self.ctx = Context(scored)
        if adjudicate:
            self.queue = [i for i in self.state.disagreements() if i in self.ctx.rows]
        else:
            self.queue = build_queue(scored, self.state, reviewer, order, only)
            done = self.state.decided(reviewer)
            lead = [i for i in dict.fromkeys(first or []) if i in self.ctx.rows and i not in done]
            self.queue = lead + [i for i in self.queue if i not in set(lead)]
        self.i = 0
        self.session = ("adjudicate-" if adjudicate else "") + uuid.uuid4().hex[:12]
        self.undone = 0
        self.message = ""
        self.last_search = ""
        # This reviewer's undoable decisions, oldest first, including earlier sessions'.
        kinds = ("adjudicate",) if adjudicate else ("label", "skip")
        self.undo_stack = [e for e in self.state.history.get(reviewer, []) if e.action in kinds]
        self._claim()

    def _claim(self) -> None:
        """On a shared queue, make the current item the next one the store lets this reviewer take."""
        if not self.copies or self.adjudicate:
            return
        item = self.store.claim(self.queue[self.i:], self.reviewer, copies=self.copies)
        if item is None:
            self.i = len(self.queue)  # everything left is taken by others or decided
        else:
            self._show(item)

    def close(self) -> None:
        """Give back this reviewer's claims on a shared queue (an item left on screen goes to others)."""
        if self.copies and not self.adjudicate:
            self.store.release(self.reviewer, None)

    # -- where we are -------------------------------------------------------------------------
    @property
    def current(self) -> str | None:
        """The item on screen, or ``None`` when the queue is done."""
        return self.queue[self.i] if self.i < len(self.queue) else None

    @property
    def done(self) -> bool:
        return self.current is None

    def left(self) -> int:
        """Items in the queue this reviewer has not decided (adjudication: disagreements still open)."""
        if self.adjudicate:
            return sum(1 for i in self.queue if i not in self.state.adjudicated)
        decided = self.state.decided(self.reviewer)
        return sum(1 for i in self.queue if i not in decided)

    def tally(self, session_only: bool = False) -> Tally:
        """This reviewer's counts over the scored table (or only this session's decisions)."""
        if session_only not in self._tallies:  # the screen asks on every redraw; the log changes only on append
            self._tallies[session_only] = tally(self.state, self.reviewer, self.ctx.rows,
                                                self.session if session_only else None)
        return self._tallies[session_only]

    def decision(self, item: str) -> str | None:
        """This reviewer's current answer on ``item`` (``skip`` for a skip), or the adjudicated one."""
        if self.adjudicate:
            ev = self.state.adjudicated.get(item)
            return answer_of(ev.labels) if ev else None
        ev = self.state.decisions.get((item, self.reviewer))
        return None if ev is None else ("skip" if ev.action == "skip" else answer_of(ev.labels))

    def flagged(self, item: str) -> bool:
        return self.state.flagged.get((item, self.reviewer), False)

    def describe(self, item: str) -> str:
        """``#2 by bob (b)``: how messages name a reply, matching the reports' numbering."""
        return f"#{self.ctx.number.get(item, '?')} by {who(self.ctx.rows[item])} ({item})"

    def votes(self, item: str) -> list[tuple[str, str, str]]:
        """``[(reviewer, answer, notes), ...]`` for an item: what adjudication shows side by side."""
        by = self.state.labels_by_item().get(item, {})
        out = []
        for name in sorted(set(by) | {w for (i, w) in self.state.notes if i == item}):
            if name == self.reviewer and self.adjudicate and name not in by:
                continue
            notes = " / ".join(self.state.notes.get((item, name), []))
            out.append((name, answer_of(by[name]) if name in by else "-", notes))
        return out

    # -- commands -------------------------------------------------------------------------------
    def _base(self, item: str) -> dict:
        row = self.ctx.rows[item]
        thread = row.get(THREAD_ID)
        return {"item_id": item, "text_hash": text_hash(str(row.get("text") or "")),
                "thread_id": thread if isinstance(thread, str) else None, "reviewer": self.reviewer,
                "guideline_version": self.guidelines.version, "session": self.session,
                "scores": {c: float(row[c]) for c in score_columns(row.to_frame().T) if pd.notna(row[c])}}

    def _append(self, ev: Event) -> Event:
        ev.event_id = self.store.append(ev)  # durable before anything on screen changes
        self.state = self.replay.apply(ev)
        self._tallies.clear()
        return ev

    def decide(self, answer: str) -> str:
        """Record ``answer`` (one of the four answers, or ``skip``) for the current item and advance."""
        item = self.current
        if item is None:
            return self._say("the queue is done: nothing to decide")
        if self.adjudicate and answer == "skip":
            self.i += 1
            return self._say(f"left {self.describe(item)} for later")
        action = "adjudicate" if self.adjudicate else ("skip" if answer == "skip" else "label")
        ev = self._append(Event(action=action, labels=dict(ANSWERS[answer]) if answer in ANSWERS else None,
                                **self._base(item)))
        self.undo_stack.append(ev)
        if self.on_decision:
            self.on_decision(ev)
        self.i += 1
        self._claim()
        verb = "skipped" if answer == "skip" else f"recorded {answer} for"
        return self._say(f"{verb} {self.describe(item)}")

    def undo(self) -> str:
        """Undo this reviewer's latest decision (from any session) and show that item again."""
        if not self.undo_stack:
            return self._say("nothing to undo")
        last = self.undo_stack.pop()
        base = self._base(last.item_id) if last.item_id in self.ctx.rows else {
            "item_id": last.item_id, "text_hash": last.text_hash, "thread_id": last.thread_id,
            "reviewer": self.reviewer, "session": self.session}
        self._append(Event(action="undo", target_event=last.event_id, **base))
        self.undone += 1
        what = "skip" if last.action == "skip" else answer_of(last.labels)
        if last.item_id in self.ctx.rows:
            self._show(last.item_id)
            return self._say(f"undid {what} for {self.describe(last.item_id)}")
        return self._say(f"undid {what} for {last.item_id} (not in this table)")

    def flag(self) -> str:
        """Toggle the current item's flag for a second look."""
        item = self.current
        if item is None:
            return self._say("the queue is done")
        now = not self.flagged(item)
        self._append(Event(action="flag" if now else "unflag", **self._base(item)))
        return self._say(f"{'flagged' if now else 'unflagged'} {self.describe(item)}")

    def note(self, text: str) -> str:
        """Attach a free-text note to the current item."""
        item = self.current
        if item is None or not text.strip():
            return self._say("no note saved")
        self._append(Event(action="note", note=text.strip(), **self._base(item)))
        return self._say(f"note saved on {self.describe(item)}")

    def step(self, delta: int) -> str:
        """Move to the previous (-1) or next (+1) item without deciding."""
        self.i = max(0, min(len(self.queue), self.i + delta))
        return self._say("")

    def search(self, term: str) -> str:
        """Go to the next reply whose text or author contains ``term`` (case-insensitive): the queue
        first, wrapping around, then the rest of the table. An empty term repeats the last search."""
        term = (term or self.last_search).strip()
        if not term:
            return self._say("nothing to search for")
        self.last_search = term
        needle = term.casefold()

        def hit(item: str) -> bool:
            row = self.ctx.rows[item]
            return needle in str(row.get("text") or "").casefold() or needle in who(row).casefold()

        n = len(self.queue)
        order = [self.queue[(self.i + k) % n] for k in range(1, n + 1)] if n else []
        order += [i for i in self.ctx.rows if i not in set(self.queue)]
        for item in order:
            if hit(item):
                self._show(item)
                return self._say(f"found {term!r} in {self.describe(item)}")
        return self._say(f"no reply contains {term!r}")

    def jump(self, target: str) -> str:
        """Go to ``#n`` (or ``n``) in the current thread, ``THREAD#n``, or a comment id."""
        target = target.strip()
        item = self._resolve(target)
        if item is None:
            return self._say(f"no reply {target!r} here: use #n (its number in the thread, as reports "
                             "print it), THREAD#n or a comment id")
        self._show(item)
        return self._say(f"jumped to {self.describe(item)}")

    def _resolve(self, target: str) -> str | None:
        if target in self.ctx.rows:
            return target
        thread_part, sep, num = target.rpartition("#")
        if not sep:
            thread_part, num = "", target
        if not num.isdigit():
            return None
        if thread_part:
            ids = self.ctx.threads.get(thread_part)
        else:
            here = self.current or (self.queue[-1] if self.queue else None)
            ids = self.ctx.thread_of(here) if here else None
        n = int(num)
        return ids[n - 1] if ids and 1 <= n <= len(ids) else None

    def _show(self, item: str) -> None:
        """Make ``item`` the current one: move to it in the queue, or put it in at the current place."""
        if item in self.queue[self.i:]:
            self.queue.remove(item)
        elif item in self.queue:
            self.queue.remove(item)
            self.i -= 1
        self.queue.insert(self.i, item)

    def _say(self, message: str) -> str:
        self.message = message
        return message
