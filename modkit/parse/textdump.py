"""Shared pieces for plain-text page dumps (what a browser's "save as text" gives).

Dumps lose the markup, so the text formats rely on layout: indentation, list
numbers, blank lines. This module holds what they share: boilerplate detection,
indentation and joining lines back into paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Whole lines that are share widgets, navigation or footer chrome, never content.
BOILERPLATE_LINES = frozenset(s.casefold() for s in (
    "Print Friendly, PDF & Email", "Print Friendly", "Facebooktwittermail", "Facebook", "Twitter",
    "Email", "Share this:", "Share", "Tweet", "Like this:", "Like", "Loading...", "Related",
    "What's new", "Top Bottom", "Top", "Bottom", "Click to expand...", "Reply", "Report",
    "Log in", "Register", "Menu", "Search", "New posts", "Forums", "Leave a Reply",
    "Leave a Reply Cancel reply", "Cancel reply", "Reactions:", "Share:", "Follow", "Subscribe",
    "Load more comments", "Show more replies", "Sort by", "Newest", "Oldest", "Best",
))
_SHARE_JOINED = re.compile(r"^(?:facebook|twitter|email|mail|linkedin|reddit|whatsapp|pinterest|print){2,}$", re.I)


def is_boilerplate(line: str) -> bool:
    """Whether a stripped line is page chrome rather than content.

    Examples
    --------
    >>> is_boilerplate("Facebooktwittermail"), is_boilerplate("Top Bottom"), is_boilerplate("Hello")
    (True, True, False)
    """
    s = line.strip()
    return s.casefold() in BOILERPLATE_LINES or bool(_SHARE_JOINED.match(s))


def indent_of(line: str) -> int:
    """Leading-space width (a tab counts as four).

    Examples
    --------
    >>> indent_of("\\t  x")
    6
    """
    n = 0
    for ch in line:
        if ch == " ":
            n += 1
        elif ch == "\t":
            n += 4
        else:
            break
    return n


def join_paragraphs(lines: Iterable[str]) -> str:
    """Join dump lines back into text: line breaks kept, blank runs become one blank line.

    Examples
    --------
    >>> join_paragraphs(["  a", "  b", "", "", "  c", ""])
    'a\\nb\\n\\nc'
    """
    out: list[str] = []
    blank = False
    for line in lines:
        s = line.strip()
        if not s:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(s)
    return "\n".join(out)


def split_title(lines: list[str]) -> tuple[str, int]:
    """The first content line as the title, and the index just after it.

    Examples
    --------
    >>> split_title(["", "What's new", "My title", "body"])
    ('My title', 3)
    """
    for i, line in enumerate(lines):
        if line.strip() and not is_boilerplate(line):
            return line.strip(), i + 1
    return "", len(lines)


def article_text(lines: Iterable[str]) -> str:
    """Article body from dump lines, with boilerplate lines dropped.

    Examples
    --------
    >>> article_text(["Body.", "", "Print Friendly, PDF & Email", "Facebooktwittermail"])
    'Body.'
    """
    return join_paragraphs(line for line in lines if not is_boilerplate(line))


_MARKUP = re.compile(r"^\s*(?:<|\{|\[)")
#: Tags that only a page's own markup has, never a dump's text.
_PAGE_TAG = re.compile(r"<(?:html|head|body|!doctype|\?xml|rss|channel)\b", re.I)
_CLOSING_TAG = re.compile(r"</[a-z][a-z0-9]*\s*>", re.I)
#: Closing tags a text dump's first 4,000 characters may hold and still be read as text.
MAX_INLINE_TAGS = 8


def is_plain_text(text: str) -> bool:
    """Whether a page is a text dump rather than HTML, XML or JSON.

    Examples
    --------
    >>> is_plain_text("Title\\n\\nBody"), is_plain_text("<!DOCTYPE html><html>")
    (True, False)
    >>> is_plain_text("Will <b>Iran</b> intervene?\\n\\nBody")  # a little inline markup in a dump's text
    True
    """
    head = text[:4000]
    if _MARKUP.match(head[:1000]) or _PAGE_TAG.search(head):
        return False
    # a saved page is mostly markup; a text dump may quote a few tags in its title or posts
    return len(_CLOSING_TAG.findall(head)) <= MAX_INLINE_TAGS
