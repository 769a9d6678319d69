"""The line-driven reviewer: one command per input line, for scripts, tests and notebooks.

A person in a terminal gets the full-screen reviewer (:mod:`modkit.review.screen`, what
``modkit review`` runs); this front end reads the same single-key commands from a stream, one per
line, and prints each reply as a block. Both drive a :class:`~modkit.review.session.ReviewSession`,
so every decision is appended to the label store before the next reply is shown.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from modkit.console import escape, terminal_safe
from modkit.model import THREAD_ID
from modkit.review.guidelines import Guidelines
from modkit.review.keys import KeyMap
from modkit.review.labels import ANSWERS
from modkit.review.queue import ItemView, score_columns, who
from modkit.review.session import ReviewSession
from modkit.review.store import Event, LabelStore, text_hash

#: Key -> command, the default map (see :mod:`modkit.review.keys`).
KEYS: dict[str, str] = {k: c for c, k in KeyMap().keys.items()}
LEGEND = "  ".join(f"[bold]{escape(k)}[/] {v}" for k, v in KEYS.items())
#: Characters of context replies shown before trimming.
CONTEXT_CHARS = 240


class KeyReader:
    """Reads one command per line from a stream (the first character; the rest is a note's text)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdin
        self._rest = ""

    def key(self) -> str:
        """The next key, as typed (upper-case letters run nothing); ``""`` at end of input."""
        line = self.stream.readline()
        if not line:
            return ""
        line = line.strip()
        self._rest = line[1:].strip()
        return line[:1] or " "

    def line(self, prompt: str, console: Console) -> str:
        """A line of free text (a note, a search): the rest of the key's line, else the next line."""
        if self._rest:
            rest, self._rest = self._rest, ""
            return rest
        console.print(prompt, end="")
        return self.stream.readline().strip()


@dataclass
class SessionResult:
    """What a review session did. Counts come from :func:`modkit.review.labels.tally` over this
    session's decisions that still stand (an undone label is not counted)."""

    decided: int = 0
    skipped: int = 0
    undone: int = 0
    flagged: int = 0
    remaining: int = 0
    stopped: bool = False
    by_answer: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, session: ReviewSession, stopped: bool) -> SessionResult:
        """The result of ``session``, all counters from the one tally."""
        t = session.tally(session_only=True)
        return cls(decided=t.adjudicated if session.adjudicate else t.decided, skipped=t.skipped,
                   undone=session.undone, flagged=t.flagged, remaining=session.left(), stopped=stopped,
                   by_answer=dict(t.by_answer))


def _highlight(text: str, cues: object) -> Text:
    out = Text(terminal_safe(text))  # same length: the cue offsets still point at their words
    if isinstance(cues, list):
        for cue in cues:
            try:
                out.stylize("bold black on yellow", int(cue["start"]), int(cue["end"]))
            except (KeyError, TypeError, ValueError):
                continue
    return out


def _trim(text: object, n: int = CONTEXT_CHARS) -> str:
    s = " ".join(str(text or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"


def render(view: ItemView, position: int, total: int, done_before: int, flagged: bool) -> Group:
    """The block printed for one reply; ``done_before`` is how many of the table this reviewer has decided."""
    row = view.row
    parts: list = []
    title = row.get("title")
    head = f"[dim]{escape(str(title))}[/]  " if isinstance(title, str) and title else ""
    parts.append(Text.from_markup(f"{head}[bold]{position} of {total}[/] in queue · "
                                  f"{done_before} decided"
                                  + ("  [red]⚑ flagged for a second look[/]" if flagged else "")))
    for depth, anc in enumerate(reversed(view.ancestors)):
        parts.append(Text.from_markup(f"{'  ' * depth}[dim]↳ {escape(who(anc))}: "
                                      f"{escape(_trim(anc.get('text')))}[/]"))
    from modkit.score.evidence import shown_cues

    cues = shown_cues(row)  # conspiracy cues, and the idiom behind a threat flag
    body = _highlight(str(row.get("text") or ""), cues)
    number = f" #{view.number}" if view.number else ""
    parts.append(Panel(body, title=escape(who(row)) + number, title_align="left", border_style="cyan"))
    url = row.get("url")
    if isinstance(url, str) and url.strip():
        parts.append(Text.from_markup(f"[dim]link:[/] {escape(url.strip())}"))
    scores = "  ".join(f"{c} [bold]{float(row[c]):.2f}[/]" for c in score_columns(row.to_frame().T)
                       if pd.notna(row[c]))
    if scores:
        parts.append(Text.from_markup(scores))
    if cues:
        parts.append(Text.from_markup("cues: " + ", ".join(
            f"[yellow]{escape(str(c.get('text')))}[/] ({escape(str(c.get('kind')))})" for c in cues)))
    if view.siblings:
        more = view.n_siblings - len(view.siblings)
        parts.append(Text.from_markup("[dim]siblings:[/]"))
        for sib in view.siblings:
            parts.append(Text.from_markup(f"[dim]  · {escape(who(sib))}: {escape(_trim(sib.get('text'), 120))}[/]"))
        if more > 0:
            parts.append(Text.from_markup(f"[dim]  · and {more} more[/]"))
    parts.append(Text.from_markup(LEGEND))
    return Group(*parts)


def _drive(session: ReviewSession, keys: KeyReader, console: Console, keymap: KeyMap) -> bool:
    """Run commands from ``keys`` until the queue is done or ``q``; True when stopped by the reviewer."""
    while not session.done:
        item = session.current
        console.print(render(session.ctx.view(item), session.i + 1, len(session.queue),
                             session.tally().decided, session.flagged(item)))
        if session.adjudicate:
            console.print("reviewers: " + ", ".join(
                f"{escape(name)} → [bold]{answer}[/]" + (f" ({escape(note)})" if note else "")
                for name, answer, note in session.votes(item)))
        k = keys.key()
        cmd = keymap.command(k)
        if cmd in ANSWERS or cmd == "skip":
            session.decide(cmd)
        elif cmd == "undo":
            session.undo()
        elif cmd == "flag":
            session.flag()
        elif cmd == "note":
            session.note(keys.line("note: ", console))
        elif cmd == "search":
            session.search(keys.line("search: ", console))
        elif cmd == "jump":
            session.jump(keys.line("jump to: ", console))
        elif cmd in ("previous", "next"):
            session.step(-1 if cmd == "previous" else 1)
        elif cmd == "guidelines":
            console.print(Panel(session.guidelines.text, title=f"guidelines v{session.guidelines.version}"))
            continue
        elif cmd == "quit" or k == "":
            return True
        else:
            session.message = f"unknown key {k!r}: nothing recorded; keys: " + ", ".join(keymap.keys.values())
        if session.message:
            console.print(escape(session.message), markup=True)
    console.print("[green]queue done[/]" if session.queue else "[green]nothing left to review[/]")
    return False


def run_review(scored: pd.DataFrame, store: LabelStore, reviewer: str, *, order: str = "risk",
               only: str = "flagged", guidelines: Guidelines | None = None,
               keys: KeyReader | None = None, console: Console | None = None,
               on_decision: Callable[[Event], None] | None = None, first: list[str] | None = None,
               keymap: KeyMap | None = None) -> SessionResult:
    """Run one line-driven review session until the queue is empty or the reviewer quits.

    Examples
    --------
    >>> import io, tempfile, os
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "text": ["you idiot", "nice"],
    ...                    "toxicity": [0.9, 0.1], "flagged": [True, False]})
    >>> store = LabelStore(os.path.join(tempfile.mkdtemp(), "l.sqlite"))
    >>> res = run_review(df, store, "ann", only="all", keys=KeyReader(io.StringIO("t\\nf\\n")),
    ...                  console=Console(file=io.StringIO()))
    >>> res.decided, res.by_answer
    (2, {'toxic': 1, 'fine': 1})
    """
    session = ReviewSession(scored, store, reviewer, order=order, only=only, guidelines=guidelines,
                            first=first, on_decision=on_decision)
    stopped = _drive(session, keys or KeyReader(), console or Console(), keymap or KeyMap())
    return SessionResult.of(session, stopped)


def run_adjudication(scored: pd.DataFrame, store: LabelStore, adjudicator: str, *,
                     guidelines: Guidelines | None = None, keys: KeyReader | None = None,
                     console: Console | None = None, keymap: KeyMap | None = None) -> SessionResult:
    """Walk the items reviewers disagree on, showing each reviewer's answer and notes; one key records
    the final label (``s`` leaves an item for later, ``q`` stops).

    Examples
    --------
    >>> import io, tempfile, os
    >>> df = pd.DataFrame({"comment_id": ["a"], "text": ["hm"]})
    >>> store = LabelStore(os.path.join(tempfile.mkdtemp(), "l.sqlite"))
    >>> for who_, ans in [("ann", "toxic"), ("ben", "fine")]:
    ...     _ = store.append(Event("a", text_hash("hm"), who_, "label", dict(ANSWERS[ans])))
    >>> run_adjudication(df, store, "lead", keys=KeyReader(io.StringIO("f\\n")),
    ...                  console=Console(file=io.StringIO())).decided
    1
    """
    session = ReviewSession(scored, store, adjudicator, guidelines=guidelines, adjudicate=True)
    stopped = _drive(session, keys or KeyReader(), console or Console(), keymap or KeyMap())
    return SessionResult.of(session, stopped)


def item_event(scored_row: pd.Series | None, item_id: str, reviewer: str, answer: str,
               guideline_version: str, note: str | None = None) -> Event:
    """The event ``modkit label`` appends for one non-interactive decision."""
    text = str(scored_row.get("text") or "") if scored_row is not None else ""
    thread = scored_row.get(THREAD_ID) if scored_row is not None else None
    scores = {}
    if scored_row is not None:
        scores = {c: float(scored_row[c]) for c in score_columns(scored_row.to_frame().T)
                  if pd.notna(scored_row[c])}
    return Event(item_id=item_id, text_hash=text_hash(text) if scored_row is not None else "",
                 thread_id=thread if isinstance(thread, str) else None, reviewer=reviewer,
                 action="skip" if answer == "skip" else "label",
                 labels=None if answer == "skip" else dict(ANSWERS[answer]), note=note,
                 guideline_version=guideline_version, scores=scores, session="cli")


__all__ = ["KEYS", "KeyReader", "SessionResult", "run_review", "run_adjudication", "render", "item_event"]
