"""The full-screen reviewer ``modkit review`` runs in a terminal (prompt_toolkit, alternate screen).

Layout: a header (title, thread, the reply's ``#n`` as reports print it, its link), the parent
chain (collapsed to the nearest three, ``e`` expands every ancestor in full), the reply (scrolls
when longer than the screen), the whole thread with the current reply highlighted, a status bar
(position, counts per answer from the one tally, what was just recorded) and the key map.
Guidelines and help open in a scrollable overlay; search, jump and notes in a one-line prompt.

prompt_toolkit reads escape sequences (arrows, Home/End, F-keys, bracketed paste) as whole
keys; :class:`~modkit.review.keys.EscapeFilter` swallows any it does not know. Only a plain
keystroke bound in the :class:`~modkit.review.keys.KeyMap` runs a command, so no sequence and no
upper-case letter can record a label.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
from prompt_toolkit.application import Application, get_app
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import (
    ConditionalContainer,
    DynamicContainer,
    Float,
    FloatContainer,
    HSplit,
    Layout,
    VSplit,
    Window,
)
from prompt_toolkit.layout.controls import FormattedTextControl, UIContent, UIControl
from prompt_toolkit.layout.dimension import Dimension
from prompt_toolkit.styles import Style
from prompt_toolkit.utils import get_cwidth
from prompt_toolkit.widgets import Frame, TextArea

from modkit.console import terminal_safe
from modkit.review.keys import EscapeFilter, KeyMap
from modkit.review.labels import ANSWERS
from modkit.review.queue import score_columns, who
from modkit.review.session import ReviewSession

Lines = list[StyleAndTextTuples]
#: Ancestors shown while the chain is collapsed, and lines of each.
COLLAPSED_ANCESTORS = 3
COLLAPSED_LINES = 2
#: Terminals at least this wide put the thread beside the reply; narrower ones put it below.
WIDE = 110
STYLE = Style.from_dict({
    "header": "bold", "dim": "fg:ansibrightblack", "author": "bold fg:ansicyan", "cue": "bg:ansiyellow fg:ansiblack",
    "status": "reverse", "current": "reverse bold", "key": "bold", "flag": "fg:ansired bold",
    "recorded": "fg:ansigreen", "more": "fg:ansibrightblack italic", "link": "underline fg:ansiblue",
    "frame.label": "bold",
})


def wrap(fragments: StyleAndTextTuples, width: int) -> Lines:
    """Word-wrap styled fragments to ``width`` columns (wide characters count double); ``\\n`` breaks.

    Examples
    --------
    >>> [["".join(t for _, t in line)] for line in wrap([("", "one two three"), ("b", " four")], 8)]
    [['one two '], ['three '], ['four']]
    """
    width = max(1, width)
    lines: Lines = [[]]
    col = 0
    for style, text in fragments:
        for part in re.split(r"(\n)", text):
            if part == "\n":
                lines.append([])
                col = 0
                continue
            for tok in re.findall(r"\S+\s*|\s+", part):
                if col and col + get_cwidth(tok.rstrip()) > width:
                    lines.append([])
                    col = 0
                if not col:
                    tok = tok.lstrip() or tok[:0]
                if col + get_cwidth(tok) > width:
                    tok = tok.rstrip()  # spaces past the edge would spill onto the next row
                while tok and get_cwidth(tok) > width - col:
                    cut, used = 0, 0
                    while cut < len(tok) and used + get_cwidth(tok[cut]) <= width - col:
                        used += get_cwidth(tok[cut])
                        cut += 1
                    if cut == 0 and col:
                        lines.append([])
                        col = 0
                        continue
                    cut = max(cut, 1)
                    lines[-1].append((style, tok[:cut]))
                    lines.append([])
                    col, tok = 0, tok[cut:]
                if tok:
                    lines[-1].append((style, tok))
                    col += get_cwidth(tok)
    return lines


class Pane(UIControl):
    """Lines made for the window's width, scrolled by ``offset``; ``follow`` keeps one line in view."""

    def __init__(self, make: Callable[[int], Lines], follow: Callable[[], int | None] | None = None,
                 focusable: bool = False):
        self.make, self.follow, self.focusable = make, follow, focusable
        self.offset = 0
        self.height = 1

    def reset(self) -> None:
        self.offset = 0

    def scroll(self, delta: int) -> None:
        self.offset = max(0, self.offset + delta)

    def preferred_height(self, width, max_available_height, wrap_lines, get_line_prefix) -> int:
        return len(self.make(max(1, width - 1)))

    def is_focusable(self) -> bool:
        # Only the reply pane takes focus (it has no keys of its own): the global keys then reach it,
        # and the prompt hands focus back to it.
        return self.focusable

    def create_content(self, width: int, height: int) -> UIContent:
        # One column short of the edge: a character in a terminal's last column leaves the cursor in a
        # pending wrap, and some terminals then push what follows onto the next row.
        lines = self.make(max(1, width - 1))
        self.height = height
        room = height if len(lines) <= height else max(1, height - 1)  # the last row says what is below
        target = self.follow() if self.follow is not None else None
        if target is not None and not self.offset <= target < self.offset + room:
            self.offset = max(0, target - room // 2)
        self.offset = max(0, min(self.offset, len(lines) - room))
        shown = lines[self.offset:self.offset + room]
        below = len(lines) - self.offset - len(shown)
        if len(lines) > height:
            shown.append([("class:more", f"↓ {below} more lines" if below else
                           f"end · ↑ {self.offset} lines above")])
        return UIContent(get_line=lambda i: shown[i], line_count=len(shown), show_cursor=False)


class ReviewScreen:
    """The application around a :class:`ReviewSession`."""

    def __init__(self, session: ReviewSession, keymap: KeyMap | None = None):
        self.s = session
        self.keymap = keymap or KeyMap()
        self.escapes = EscapeFilter()
        self.expanded = False
        self.overlay_title = ""
        self.overlay_text = ""
        self.prompt_kind = ""
        self.stopped = False
        self.context = Pane(self._context_lines)
        self.reply = Pane(self._reply_lines, focusable=True)
        self.thread = Pane(self._thread_lines, follow=self._thread_current)
        self.overlay = Pane(lambda w: wrap([("", terminal_safe(self.overlay_text))], w))
        self.panes = [self.reply, self.context, self.thread]
        self.focus = 0
        self.depths: dict[str, int] = {}
        self.shown = session.current
        self.prompt = TextArea(multiline=False, height=1, prompt=self._prompt_label,
                               accept_handler=self._accept)
        self.app = Application(layout=Layout(self._root()), key_bindings=self._bindings(), style=STYLE,
                               full_screen=True, mouse_support=False)

    # -- content ---------------------------------------------------------------------------
    def _item(self) -> str | None:
        item = self.s.current
        if item != self.shown:  # a new reply starts at its top
            self.shown = item
            self.reply.reset()
            self.context.reset()
        return item

    def _header(self) -> StyleAndTextTuples:
        item = self._item()
        if item is None:
            return [("class:header", " modkit review")]
        row = self.s.ctx.rows[item]
        title = row.get("title")
        thread = self.s.ctx.thread_of(item)
        out: StyleAndTextTuples = [("class:header", " " + terminal_safe(title.strip()) + " · ")
                                   if isinstance(title, str) and title.strip() else ("", " ")]
        tid = row.get("thread_id")
        out += [("", f"thread {terminal_safe(tid)} · " if isinstance(tid, str) else ""),
                ("class:header", f"#{self.s.ctx.number[item]}"), ("", f" of {len(thread)} · id "),
                ("", terminal_safe(item))]
        url = row.get("url")
        if isinstance(url, str) and url.strip():
            out += [("", "\n "), ("class:link", terminal_safe(url.strip()))]
        return out

    def _context_lines(self, width: int) -> Lines:
        item = self._item()
        if item is None:
            return []
        chain = self.s.ctx.chain(item)
        shown = chain if self.expanded else chain[:COLLAPSED_ANCESTORS]
        lines: Lines = []
        if len(chain) > len(shown):
            hidden = len(chain) - len(shown)
            lines.append([("class:more", f"↑ {hidden} more ancestor{'s' if hidden > 1 else ''} "
                                         f"({self.keymap.keys['expand']} expands the chain)")])
        for depth, anc in enumerate(reversed(shown)):
            pad = "  " * min(depth, 6)
            text = terminal_safe(str(anc.get("text") or ""))
            head = [("class:dim", f"{pad}↳ #{self.s.ctx.number.get(anc['comment_id'], '?')} "),
                    ("class:author", terminal_safe(who(anc))), ("class:dim", ": ")]
            body = wrap(head + [("class:dim", text if self.expanded else " ".join(text.split()))], width)
            if not self.expanded and len(body) > COLLAPSED_LINES:
                body = body[:COLLAPSED_LINES]
                body[-1] = body[-1] + [("class:more", " …")]
            lines += body
        return lines

    def _reply_title(self) -> StyleAndTextTuples:
        item = self._item()
        if item is None:
            return [("class:header", "─" * 3 + " queue done ")]
        row = self.s.ctx.rows[item]
        out: StyleAndTextTuples = [("", "── "), ("class:author", terminal_safe(who(row))),
                                   ("", f" #{self.s.ctx.number[item]}  ")]
        for c in score_columns(row.to_frame().T):
            if pd.notna(row[c]):
                out.append(("", f"{c} {float(row[c]):.2f}  "))
        if self.s.flagged(item):
            out.append(("class:flag", "⚑ flagged for a second look  "))
        done = self.s.decision(item)
        if done:
            out.append(("class:recorded", f"decided: {done}"))
        return out

    def _votes(self) -> StyleAndTextTuples:
        item = self._item()
        if item is None:
            return []
        votes = self.s.votes(item)
        wn = max([8, *(get_cwidth(terminal_safe(n)) for n, _, _ in votes)])
        out: StyleAndTextTuples = [("class:dim", f" {'reviewer':<{wn}}  {'label':<10}  note\n")]
        for name, answer, note in votes:
            name = terminal_safe(name)
            out += [("class:author", f" {name}{' ' * (wn - get_cwidth(name))}  "), ("class:key", f"{answer:<10}  "),
                    ("", terminal_safe(note) or "-"), ("", "\n")]
        return out[:-1]

    def _reply_lines(self, width: int) -> Lines:
        item = self._item()
        if item is None:
            k = self.keymap.keys
            return wrap([("", f"Nothing left in the queue. {k['undo']} undoes the last decision, "
                              f"{k['search']} searches, {k['jump']} jumps to a reply, {k['quit']} quits.")], width)
        row = self.s.ctx.rows[item]
        text = terminal_safe(str(row.get("text") or ""))  # same length: cue offsets still hold
        marks = [(0, len(text))]
        from modkit.score.evidence import shown_cues

        cues = shown_cues(row)  # conspiracy cues, and the idiom behind a threat flag
        spans = []
        if cues:
            for cue in cues:
                try:
                    spans.append((int(cue["start"]), int(cue["end"])))
                except (KeyError, TypeError, ValueError):
                    continue
        frags: StyleAndTextTuples = []
        at = 0
        for start, end in sorted(s for s in spans if 0 <= s[0] < s[1] <= marks[0][1]):
            if start < at:
                continue
            frags += [("", text[at:start]), ("class:cue", text[start:end])]
            at = end
        frags.append(("", text[at:]))
        if cues:
            frags.append(("class:dim", "\n\ncues: " + ", ".join(
                f"{terminal_safe(str(c.get('text')))} ({terminal_safe(str(c.get('kind')))})"
                for c in cues if isinstance(c, dict))))
        return wrap(frags, width)

    def _thread_lines(self, width: int) -> Lines:
        item = self._item() or (self.s.queue[-1] if self.s.queue else None)
        if item is None:
            return []
        lines: Lines = []
        for cid in self.s.ctx.thread_of(item):
            row = self.s.ctx.rows[cid]
            done = self.s.decision(cid)
            mark = f"[{self.keymap.keys.get(done, done[:1])}]" if done else "   "
            flagged = row.get("flagged")
            try:
                flag = "!" if flagged in (True, 1) else " "  # numpy booleans too; NaN is not flagged
            except (TypeError, ValueError):
                flag = " "
            if cid not in self.depths:
                self.depths[cid] = self.s.ctx.depth(cid)
            pad = " " * min(2 * self.depths[cid], 12)
            here = "▶" if cid == self.s.current else " "
            line = f"{here}{mark}{flag}{pad}#{self.s.ctx.number[cid]} {who(row)}: {' '.join(str(row.get('text') or '').split())}"
            line = terminal_safe(line)
            cut, used = 0, 0
            while cut < len(line) and used + get_cwidth(line[cut]) <= width:
                used += get_cwidth(line[cut])
                cut += 1
            lines.append([("class:current" if cid == self.s.current else "", line[:cut])])
        return lines

    def _thread_current(self) -> int | None:
        item = self.s.current
        return None if item is None else self.s.ctx.thread_of(item).index(item)

    def _status(self) -> StyleAndTextTuples:
        s = self.s
        t = s.tally()
        line = f" {min(s.i + 1, len(s.queue))} of {len(s.queue)} · {s.left()} "
        if s.adjudicate:
            line += f"open · {t.adjudicated} adjudicated by you · {t.disagreements} disagreements left"
        else:
            line += f"left · {t.line()}"
        flags = f"⚑ {t.flagged} flagged · " if t.flagged else ""
        # The message gets a row of its own: on a narrow screen the counts would push it off.
        return [("class:status", line + " \n "), ("class:status", flags), ("class:status bold", s.message or " ")]

    def _keys(self) -> StyleAndTextTuples:
        out: StyleAndTextTuples = []
        for key, command in self.keymap.legend():
            out += [("class:key", key), ("", f"\u00a0{command}  ")]  # no break between a key and its name
        if get_app().output.get_size().columns < WIDE:
            return out  # ? lists the scrolling keys; on a narrow screen every row goes to the reply
        return out + [("class:dim", "↑↓ PgUp PgDn Home End scroll · Tab pane")]

    def _prompt_label(self) -> str:
        return {"note": "note: ", "search": "search (Enter repeats): ", "jump": "jump to #n, THREAD#n or id: "
                }.get(self.prompt_kind, "")

    # -- layout ----------------------------------------------------------------------------
    def _root(self) -> FloatContainer:
        def rows() -> int:
            return get_app().output.get_size().rows

        def cols() -> int:
            return get_app().output.get_size().columns

        context = Window(self.context, height=lambda: Dimension(max=max(1, rows() // (2 if self.expanded else 5))),
                         dont_extend_height=True)
        votes = ConditionalContainer(Window(FormattedTextControl(self._votes), dont_extend_height=True),
                                     filter=Condition(lambda: self.s.adjudicate))
        self.reply_window = Window(self.reply)
        left = HSplit([context, votes, Window(FormattedTextControl(self._reply_title), height=1),
                       self.reply_window])
        thread_title = Window(FormattedTextControl(lambda: [("class:dim", "── thread ──")]), height=1)

        def body():
            if cols() >= WIDE:
                return VSplit([left, Window(width=1, char="│", style="class:dim"),
                               HSplit([thread_title, Window(self.thread)], width=Dimension(weight=2))],
                              )
            # Narrow: the thread goes below the reply, with a third of the rows.
            item = self.s.current or (self.s.queue[-1] if self.s.queue else None)
            room = min(max(3, rows() // 4), len(self.s.ctx.thread_of(item)) + 1 if item else 1)
            return HSplit([left, HSplit([thread_title, Window(self.thread)], height=Dimension.exact(room + 1))])

        main = HSplit([
            Window(FormattedTextControl(self._header), height=Dimension(max=2), dont_extend_height=True,
                   wrap_lines=True),
            DynamicContainer(body),
            Window(FormattedTextControl(self._status), height=2, style="class:status"),
            ConditionalContainer(self.prompt, filter=Condition(lambda: bool(self.prompt_kind))),
            Window(Pane(lambda w: wrap(self._keys(), w)), height=Dimension(max=3), dont_extend_height=True),
        ])
        overlay = Frame(Window(self.overlay), title=lambda: self.overlay_title)
        return FloatContainer(main, floats=[Float(ConditionalContainer(
            overlay, filter=Condition(lambda: bool(self.overlay_title))), top=1, bottom=1, left=2, right=2)])

    # -- keys ------------------------------------------------------------------------------
    def _bindings(self) -> KeyBindings:
        kb = KeyBindings()
        normal = Condition(lambda: not self.prompt_kind and not self.overlay_title)
        overlay = Condition(lambda: bool(self.overlay_title))
        prompting = Condition(lambda: bool(self.prompt_kind))

        @kb.add(Keys.Any, filter=normal)
        def _(event: KeyPressEvent) -> None:
            self._key(event)

        @kb.add(Keys.Any, filter=overlay)
        def _(event: KeyPressEvent) -> None:
            key = event.key_sequence[0].key
            if self.escapes.swallow(key if isinstance(key, str) else key.value):
                return
            if event.data in (self.keymap.keys["quit"], self.keymap.keys["guidelines"], self.keymap.keys["help"]):
                self.overlay_title = ""

        @kb.add("escape", filter=~prompting)
        def _(event: KeyPressEvent) -> None:
            self.escapes.swallow("escape")
            if self.overlay_title and not event.is_repeat:
                self.overlay_title = ""

        @kb.add("escape", filter=prompting)
        @kb.add("c-c", filter=prompting)
        def _(event: KeyPressEvent) -> None:
            self.prompt_kind = ""
            self.s.message = "cancelled"
            event.app.layout.focus(self.reply_window)

        @kb.add("c-c", filter=~prompting)
        @kb.add("c-d", filter=~prompting)
        def _(event: KeyPressEvent) -> None:
            self.stopped = not self.s.done
            event.app.exit()

        def scroller(delta: Callable[[Pane], int]):
            def handler(event: KeyPressEvent) -> None:
                self.escapes.swallow(event.key_sequence[0].key.value)  # a known sequence ends any partial one
                self.escapes.state = ""
                pane = self.overlay if self.overlay_title else self.panes[self.focus]
                pane.scroll(delta(pane))
            return handler

        for key, delta in [("up", lambda p: -1), ("down", lambda p: 1), ("pageup", lambda p: -max(1, p.height - 2)),
                           ("pagedown", lambda p: max(1, p.height - 2)), ("home", lambda p: -10**9),
                           ("end", lambda p: 10**9)]:
            kb.add(key, filter=~prompting)(scroller(delta))

        @kb.add("tab", filter=normal)
        def _(event: KeyPressEvent) -> None:
            self.focus = (self.focus + 1) % len(self.panes)
            self.s.message = f"arrows scroll the {('reply', 'parent chain', 'thread')[self.focus]}"

        @kb.add(Keys.BracketedPaste, filter=~prompting)
        def _(event: KeyPressEvent) -> None:
            self.s.message = "pasted text ignored: nothing recorded"

        return kb

    def _key(self, event: KeyPressEvent) -> None:
        key = event.key_sequence[0].key
        name = key if isinstance(key, str) else key.value
        if self.escapes.swallow(name):
            return
        if not isinstance(key, str) or len(name) != 1:
            self.s.message = f"{name} does nothing: nothing recorded"
            return
        command = self.keymap.command(name)
        s = self.s
        if command is None:
            hint = " (keys are lower-case)" if name != name.lower() else ""
            s.message = f"{name!r} is not a key{hint}: nothing recorded; {self.keymap.keys['help']} lists the keys"
        elif command in ANSWERS or command == "skip":
            s.decide(command)
        elif command == "undo":
            s.undo()
        elif command == "flag":
            s.flag()
        elif command == "expand":
            self.expanded = not self.expanded
            s.message = "parent chain in full" if self.expanded else "parent chain collapsed"
        elif command in ("previous", "next"):
            s.step(-1 if command == "previous" else 1)
        elif command in ("note", "search", "jump"):
            if command == "note" and s.done:
                s.message = "the queue is done: no reply to note"
                return
            self.prompt_kind = command
            self.prompt.text = ""
            event.app.layout.focus(self.prompt)
        elif command == "guidelines":
            self._open(f" guidelines v{s.guidelines.version} · ↑↓ PgUp PgDn scroll · Esc closes ", s.guidelines.text)
        elif command == "help":
            keys = "\n".join(f"  {k}   {c}" for k, c in self.keymap.legend())
            self._open(" keys · Esc closes ", f"{keys}\n\n  ↑ ↓ PgUp PgDn Home End   scroll\n  Tab   switch the "
                       "pane the arrows scroll (reply, parent chain, thread)\n\nChange them with --keys, "
                       "e.g. --keys toxic=y,fine=n. Upper-case letters and special keys never record anything.")
        elif command == "quit":
            self.stopped = not s.done
            event.app.exit()

    def _open(self, title: str, text: str) -> None:
        self.overlay_title, self.overlay_text = title, text
        self.overlay.reset()

    def _accept(self, buffer) -> bool:
        kind, self.prompt_kind = self.prompt_kind, ""
        text = buffer.text
        if kind == "note":
            self.s.note(text)
        elif kind == "search":
            self.s.search(text)
        elif kind == "jump":
            self.s.jump(text)
        self.app.layout.focus(self.reply_window)
        return False

    def run(self) -> bool:
        """Run until ``q``; True when the reviewer stopped before the queue was done."""
        self.app.run()
        return self.stopped


def run_screen(session: ReviewSession, keymap: KeyMap | None = None) -> bool:
    """Run the full-screen reviewer over ``session`` in this terminal; True when stopped early.

    Examples
    --------
    Keys from a pipe instead of a keyboard (a Down arrow, an upper-case T, then t and q):

    >>> import os, tempfile
    >>> from prompt_toolkit.application import create_app_session
    >>> from prompt_toolkit.input import create_pipe_input
    >>> from prompt_toolkit.output import DummyOutput
    >>> from modkit.review.store import LabelStore
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "text": ["you idiot", "nice"], "toxicity": [0.9, 0.1]})
    >>> s = ReviewSession(df, LabelStore(os.path.join(tempfile.mkdtemp(), "l.sqlite")), "ann", only="all")
    >>> with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
    ...     keys.send_text("\x1b[BTtq")
    ...     run_screen(s)
    True
    >>> s.tally().by_answer, s.message
    ({'toxic': 1}, 'recorded toxic for #1 by anonymous (a)')
    """
    return ReviewScreen(session, keymap).run()
