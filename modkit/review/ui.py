"""The one-key reviewer: show a reply in context, take one keystroke, save, advance.

Works in a terminal (single keystrokes, no Enter) and in a pipe (one key per
line, so scripts and tests drive it through stdin). Every decision is appended
to the label store before the next reply is shown.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from modkit.console import escape, terminal_safe
from modkit.model import CONSPIRACY_CUES, THREAD_ID
from modkit.review.guidelines import Guidelines
from modkit.review.labels import ANSWERS, answer_of, derive
from modkit.review.queue import Context, ItemView, build_queue, score_columns
from modkit.review.store import Event, LabelStore, text_hash

#: Key -> command. Shown on screen under every reply.
KEYS: dict[str, str] = {
    "t": "toxic", "c": "conspiracy", "b": "both", "f": "fine", "s": "skip",
    "u": "undo", "x": "flag", "n": "note", "g": "guidelines", "q": "quit",
}
LEGEND = "  ".join(f"[bold]{k}[/] {v}" for k, v in KEYS.items())
#: Characters of context replies shown before trimming.
CONTEXT_CHARS = 240


class KeyReader:
    """Reads one command key at a time: raw keystrokes on a TTY, lines otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdin
        self.tty = self.stream.isatty()

    def key(self) -> str:
        """The next key, lower-cased; ``q`` at end of input."""
        if self.tty:
            import termios
            import tty

            fd = self.stream.fileno()
            old = termios.tcgetattr(fd)
            try:
                # TCSANOW: keys typed ahead stay queued (the default TCSAFLUSH would drop them).
                tty.setraw(fd, termios.TCSANOW)
                ch = os.read(fd, 1).decode("utf-8", "replace")
            finally:
                termios.tcsetattr(fd, termios.TCSADRAIN, old)
            return "q" if ch in ("\x03", "\x04", "") else ch.lower()
        line = self.stream.readline()
        if not line:
            return "q"
        line = line.strip()
        self._rest = line[1:].strip()
        return line[:1].lower() or " "

    def line(self, prompt: str, console: Console) -> str:
        """A line of free text (for notes); in a pipe, the rest of the key's line or the next line."""
        if not self.tty and getattr(self, "_rest", ""):
            rest, self._rest = self._rest, ""
            return rest
        console.print(prompt, end="")
        return self.stream.readline().strip()


@dataclass
class SessionResult:
    """What a review session did."""

    decided: int = 0
    skipped: int = 0
    undone: int = 0
    flagged: int = 0
    remaining: int = 0
    stopped: bool = False
    by_answer: dict[str, int] = field(default_factory=dict)


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
    """The screen for one reply."""
    row = view.row
    parts: list = []
    title = row.get("title")
    head = f"[dim]{escape(str(title))}[/]  " if isinstance(title, str) and title else ""
    parts.append(Text.from_markup(f"{head}[bold]{position} of {total}[/] in queue · "
                                  f"{done_before} decided before this session"
                                  + ("  [red]⚑ flagged for a second look[/]" if flagged else "")))
    for depth, anc in enumerate(reversed(view.ancestors)):
        parts.append(Text.from_markup(f"{'  ' * depth}[dim]↳ {escape(str(anc.get('author') or 'anonymous'))}: "
                                      f"{escape(_trim(anc.get('text')))}[/]"))
    author = row.get("author") if isinstance(row.get("author"), str) else "anonymous"
    body = _highlight(str(row.get("text") or ""), row.get(CONSPIRACY_CUES))
    parts.append(Panel(body, title=escape(author), title_align="left", border_style="cyan"))
    scores = "  ".join(f"{c} [bold]{float(row[c]):.2f}[/]" for c in score_columns(row.to_frame().T)
                       if pd.notna(row[c]))
    if scores:
        parts.append(Text.from_markup(scores))
    cues = row.get(CONSPIRACY_CUES)
    if isinstance(cues, list) and cues:
        parts.append(Text.from_markup("cues: " + ", ".join(
            f"[yellow]{escape(str(c.get('text')))}[/] ({escape(str(c.get('kind')))})" for c in cues)))
    if view.siblings:
        more = view.n_siblings - len(view.siblings)
        parts.append(Text.from_markup("[dim]siblings:[/]"))
        for sib in view.siblings:
            parts.append(Text.from_markup(f"[dim]  · {escape(str(sib.get('author') or 'anonymous'))}: "
                                          f"{escape(_trim(sib.get('text'), 120))}[/]"))
        if more > 0:
            parts.append(Text.from_markup(f"[dim]  · and {more} more[/]"))
    parts.append(Text.from_markup(LEGEND))
    return Group(*parts)


def run_review(scored: pd.DataFrame, store: LabelStore, reviewer: str, *, order: str = "risk",
               only: str = "flagged", guidelines: Guidelines | None = None,
               keys: KeyReader | None = None, console: Console | None = None,
               on_decision: Callable[[Event], None] | None = None) -> SessionResult:
    """Run one review session until the queue is empty or the reviewer quits.

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
    guidelines = guidelines or Guidelines.load()
    keys = keys or KeyReader()
    console = console or Console()
    state = derive(store.events())
    queue = build_queue(scored, state, reviewer, order, only)
    ctx = Context(scored)
    rows = ctx.rows
    session = uuid.uuid4().hex[:12]
    # This reviewer's undoable decisions, oldest first (including earlier sessions).
    undo_stack = [e for e in state.history.get(reviewer, []) if e.action in ("label", "skip")]
    done_before = len(state.decided(reviewer))
    result = SessionResult()
    i = 0
    message = ""
    while i < len(queue):
        item = queue[i]
        row = rows[item]
        is_flagged = state.flagged.get((item, reviewer), False)
        console.print(render(ctx.view(item), i + 1, len(queue), done_before, is_flagged))
        if message:
            console.print(message)
            message = ""
        k = keys.key()
        cmd = KEYS.get(k)
        base = {"item_id": item, "text_hash": text_hash(str(row.get("text") or "")),
                "thread_id": row.get(THREAD_ID) if isinstance(row.get(THREAD_ID), str) else None,
                "reviewer": reviewer, "guideline_version": guidelines.version, "session": session,
                "scores": {c: float(row[c]) for c in score_columns(row.to_frame().T) if pd.notna(row[c])}}
        if cmd in ANSWERS or cmd == "skip":
            ev = Event(action="label" if cmd in ANSWERS else "skip",
                       labels=dict(ANSWERS[cmd]) if cmd in ANSWERS else None, **base)
            ev.event_id = store.append(ev)
            undo_stack.append(ev)
            result.decided += cmd in ANSWERS
            result.skipped += cmd == "skip"
            result.by_answer[cmd] = result.by_answer.get(cmd, 0) + 1
            if on_decision:
                on_decision(ev)
            i += 1
        elif cmd == "undo":
            if not undo_stack:
                message = "[yellow]nothing to undo[/]"
                continue
            last = undo_stack.pop()
            store.append(Event(action="undo", target_event=last.event_id,
                               **{**base, "item_id": last.item_id, "text_hash": last.text_hash,
                                  "thread_id": last.thread_id}))
            result.undone += 1
            if last.item_id in rows:
                if last.item_id in queue[:i]:
                    queue.remove(last.item_id)
                    i -= 1
                queue.insert(i, last.item_id)
            message = f"[yellow]undid {last.action} of {escape(last.item_id)}[/]"
        elif cmd == "flag":
            now = not is_flagged
            store.append(Event(action="flag" if now else "unflag", **base))
            state.flagged[(item, reviewer)] = now
            result.flagged += now
        elif cmd == "note":
            note = keys.line("note: ", console)
            if note:
                store.append(Event(action="note", note=note, **base))
                message = "[green]note saved[/]"
        elif cmd == "guidelines":
            console.print(Panel(guidelines.text, title=f"guidelines v{guidelines.version}"))
        elif cmd == "quit":
            result.stopped = True
            break
        else:
            message = f"[red]unknown key {escape(repr(k))}[/]; keys: " + ", ".join(KEYS)
    result.remaining = len(queue) - i
    if not result.stopped:
        console.print("[green]queue done[/]" if queue else "[green]nothing left to review[/]")
    return result


def run_adjudication(scored: pd.DataFrame, store: LabelStore, adjudicator: str, *,
                     guidelines: Guidelines | None = None, keys: KeyReader | None = None,
                     console: Console | None = None) -> SessionResult:
    """Walk the items reviewers disagree on; one key records the final label.

    Keys: the four answers, ``s`` to leave an item for later, ``q`` to stop.
    """
    guidelines = guidelines or Guidelines.load()
    keys = keys or KeyReader()
    console = console or Console()
    state = derive(store.events())
    ctx = Context(scored)
    items = [i for i in state.disagreements() if i in ctx.rows]
    votes = state.labels_by_item()
    result = SessionResult(remaining=len(items))
    for n, item in enumerate(items, 1):
        row = ctx.rows[item]
        console.print(render(ctx.view(item), n, len(items), 0, False))
        console.print("reviewers: " + ", ".join(f"{escape(who)} → [bold]{answer_of(v)}[/]"
                                                for who, v in sorted(votes[item].items())))
        while True:
            cmd = KEYS.get(keys.key())
            if cmd in ANSWERS or cmd in ("skip", "quit"):
                break
            console.print("[red]adjudicate with t, c, b or f; s leaves it, q stops[/]")
        if cmd == "quit":
            result.stopped = True
            break
        result.remaining -= 1
        if cmd == "skip":
            result.skipped += 1
            continue
        store.append(Event(item_id=item, text_hash=text_hash(str(row.get("text") or "")),
                           thread_id=row.get(THREAD_ID) if isinstance(row.get(THREAD_ID), str) else None,
                           reviewer=adjudicator, action="adjudicate", labels=dict(ANSWERS[cmd]),
                           guideline_version=guidelines.version, session="adjudicate"))
        result.decided += 1
        result.by_answer[cmd] = result.by_answer.get(cmd, 0) + 1
    return result


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
