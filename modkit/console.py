"""Terminal rendering for the CLI: consoles, reply trees and summary tables.

Library code never prints; the CLI decides what to show with these helpers.
All page text is escaped before it reaches rich's markup parser, and its control
characters are made visible (:func:`terminal_safe`): a page must never be able to
clear the moderator's screen, plant a link or write to the clipboard.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape as markup_escape
from rich.table import Table
from rich.tree import Tree

from modkit.model import (
    FLAG_OPENING_POST,
    FLAG_REASONS,
    FLAGGED,
    UNSUPPORTED_LANGUAGE,
    Thread,
    children,
)
from modkit.parse.summary import ThreadSummary

if TYPE_CHECKING:
    import pandas as pd

# Pipes and CI logs get a readable width instead of rich's 80-column fallback.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)


#: Control characters shown as visible symbols, one for one (so offsets into a text still hold):
#: C0 as Unicode's control pictures (ESC is ␛), DEL as ␡, C1 (0x80-0x9f, e.g. the 8-bit CSI) as �.
#: Newline and tab are kept.
_CONTROL = {c: 0x2400 + c for c in range(0x20) if chr(c) not in "\n\t"} | {0x7F: 0x2421} | \
           {c: 0xFFFD for c in range(0x80, 0xA0)}


def terminal_safe(text: str) -> str:
    """``text`` with its control characters made visible, length unchanged.

    Examples
    --------
    >>> terminal_safe("a\x1b[2Jb\x07 \x9b31m\tok")
    'a␛[2Jb␇ �31m\tok'
    """
    return text.translate(_CONTROL)


def escape(text: str) -> str:
    r"""Page text ready for rich markup: controls made visible, markup escaped.

    Examples
    --------
    >>> print(escape("[bold]x\x1b]52;c;AAAA\x07"))
    \[bold]x␛]52;c;AAAA␇
    """
    return markup_escape(terminal_safe(text))


def say(message: str) -> None:
    """One plain, unwrapped line on stderr (control characters from file names made visible)."""
    err.print(terminal_safe(message), markup=False, highlight=False, soft_wrap=True)


def one_line(text: str, width: int) -> str:
    """Whitespace collapsed and cut to ``width`` characters with an ellipsis.

    Examples
    --------
    >>> one_line("a\\n  b  c", 4)
    'a b…'
    """
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def thread_tree(thread: Thread, width: int = 100) -> Tree:
    """The reply tree of a thread, one line per comment."""
    head = f"[bold]{escape(thread.title or thread.source)}[/] [dim]({thread.platform}, " \
           f"{thread.n_comments} comments, {escape(thread.source)})[/]"
    root = Tree(head)
    for w in thread.coverage_warnings():
        root.add(f"[yellow]coverage: {escape(w)}[/]")
    kids = children(thread.comments)
    author = {c.comment_id: c.author or "anonymous" for c in thread.comments}
    stack = [(root, c) for c in reversed(kids.get(None, []))]
    while stack:  # iterative: deep threads must not hit Python's recursion limit
        node, c = stack.pop()
        problems = [f for f in c.flags if f != FLAG_OPENING_POST]
        flags = (f" [red]\\[{', '.join(problems)}][/]" if problems else "") + \
            (" [dim](opening post)[/]" if FLAG_OPENING_POST in c.flags else "")
        quoted = _quoted(c, author)
        branch = node.add(f"[bold]{escape(c.author or 'anonymous')}[/]{flags}{quoted}: "
                          f"{escape(one_line(c.text, width))}")
        stack.extend((branch, k) for k in reversed(kids.get(c.comment_id, [])))
    return root


def _quoted(c, author: dict[str, str]) -> str:
    """" (quotes parent)" or " (quotes ann, bob)": whose words the reply quoted (cut from its text)."""
    if not c.quotes:
        return ""
    if tuple(c.quotes) == (c.parent_id,):
        return " [cyan](quotes parent)[/]"
    return f" [cyan](quotes {escape(', '.join(author.get(q, 'a comment') for q in c.quotes))})[/]"


def parse_summary(summaries: list[ThreadSummary], n_failed: int) -> Table:
    """Threads, comments, top-level, max depth, authors and coverage, one row per thread."""
    table = Table(title="parse summary", title_justify="left")
    table.add_column("thread", max_width=34, overflow="ellipsis", no_wrap=True)
    table.add_column("format", no_wrap=True)
    for col in ("comments", "top-level", "max depth", "authors"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("coverage", min_width=36)
    for s in summaries:
        t = s.thread
        table.add_row(escape(t.title or Path(t.source).name), t.platform, str(s.n_comments),
                      str(s.top_level), str(s.max_depth), str(s.n_authors),
                      escape("; ".join(s.warnings) or "-"))
    n = sum(s.n_comments for s in summaries)
    top = sum(s.top_level for s in summaries)
    table.caption = (f"{len(summaries)} threads, {n} comments ({top} top-level)"
                     + (f"; {n_failed} files failed" if n_failed else ""))
    return table


def language_summary(scored: pd.DataFrame) -> str:
    """One line counting the replies left unscored because of their language ("" when none).

    Examples
    --------
    >>> import pandas as pd
    >>> language_summary(pd.DataFrame({"lang": ["de", "de", "ru", "en"],
    ...                                "flag_reasons": [["unsupported_language"]] * 3 + [[]]}))
    '3 replies not scored: their language is not one the scorers read (de 2, ru 1)'
    """
    if FLAG_REASONS not in scored or "lang" not in scored:
        return ""
    unread = scored[[UNSUPPORTED_LANGUAGE in r for r in scored[FLAG_REASONS]]]
    if unread.empty:
        return ""
    counts = ", ".join(f"{lang} {n}" for lang, n in unread["lang"].value_counts().items())
    return f"{len(unread)} replies not scored: their language is not one the scorers read ({counts})"


def flagged_table(scored: pd.DataFrame, top: int = 10, width: int = 90) -> Table | str:
    """The most flagged replies: highest flagged score first, with reasons and cues.

    With nothing flagged, one line saying so instead of an empty table.

    Examples
    --------
    >>> import pandas as pd
    >>> flagged_table(pd.DataFrame({"text": ["hi"], "flagged": [False], "flag_reasons": [[]]}))
    'no replies flagged (0 of 1)'
    """
    # imported here: the scoring package loads pandas, which `modkit --help` must not
    from modkit.score.evidence import shown_cues

    flagged = scored[scored[FLAGGED].fillna(False).astype(bool)] if FLAGGED in scored else scored.iloc[0:0]
    n_flagged = len(flagged)
    if not n_flagged:
        return f"no replies flagged (0 of {len(scored)})"
    peak = flagged.apply(lambda r: max(float(r[a]) for a in r[FLAG_REASONS]), axis=1)
    flagged = flagged.assign(_peak=peak).sort_values("_peak", ascending=False).head(top)
    table = Table(title=f"most flagged replies ({n_flagged} of {len(scored)} flagged)", title_justify="left")
    for col, kw in (("score", {"justify": "right"}), ("reasons", {}), ("author", {}), ("reply", {})):
        table.add_column(col, **kw)
    for _, r in flagged.iterrows():
        cues = shown_cues(r)  # conspiracy cues, and the idiom behind a threat flag
        cue_text = "; ".join(sorted({str(c.get("kind")) for c in cues}))
        reasons = ", ".join(r[FLAG_REASONS]) + (f" [dim]({escape(cue_text)})[/]" if cue_text else "")
        author = r.get("author")
        table.add_row(f"{r['_peak']:.2f}", reasons, escape(author if isinstance(author, str) else "-"),
                      escape(one_line(str(r["text"]), width)))
    return table
