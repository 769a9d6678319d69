"""Numbers printed in page labels: post counters, "load more" stubs, comment-count headings.

Pages group digits with commas, dots, spaces or narrow no-break spaces
("1,234", "2.206", "1 234"), so a number runs across those separators.
"""

from __future__ import annotations

import re

from modkit.parse.html import clean_text

_INT = re.compile(r"\d[\d.,\u00a0\u202f ]*")
# Thousands groups must be whole ("1.234"), so "24 2019" is 24, not 242019.
_COUNT = re.compile(r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?!\d)|\d+")
_QUOTE_CHARS = re.compile(r"[\"“”„«»‘’‚‹›]")
_COUNT_WORDS = {"no": 0, "zero": 0, "keine": 0, "one": 1, "a": 1, "ein": 1, "eine": 1, "un": 1,
                "une": 1, "two": 2, "zwei": 2, "three": 3, "drei": 3, "four": 4, "vier": 4,
                "five": 5, "fünf": 5}


def first_int(text: str | None) -> int | None:
    """The first whole number in a text, its group separators skipped, or ``None``.

    Examples
    --------
    >>> first_int("load more comments (1,234 replies)"), first_int("#21"), first_int("Beiträge: 2.206")
    (1234, 21, 2206)
    >>> first_int("comment"), first_int(None)
    (None, None)
    """
    m = _INT.search(text or "")
    if m is None:
        return None
    return int(re.sub(r"\D", "", m.group()))


def count_in(text: str) -> int | None:
    """The comment count a heading states ("24 thoughts on “…”"), or ``None``.

    The number must come before any quoted title, so a heading that only
    quotes "Top 10 tips" states no count; a count may be a word ("One Response").

    Examples
    --------
    >>> count_in("24 thoughts on “Top 10 tips”"), count_in("1.234 Kommentare"), count_in("One Response")
    (24, 1234, 1)
    >>> count_in("Kommentare zu „Top 10 Tipps“") is None
    True
    """
    head = _QUOTE_CHARS.split(clean_text(text), maxsplit=1)[0]
    m = _COUNT.search(head)
    if m:
        return int(re.sub(r"\D", "", m.group()))
    words = head.split()
    return _COUNT_WORDS.get(words[0].casefold()) if words else None
