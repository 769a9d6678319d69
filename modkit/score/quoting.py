"""Find where a reply repeats its parent's words, so a scorer can judge the reply's own words.

A reply that disputes a claim often quotes it first ("'the attack was staged'?
nonsense"). Scoring the quoted claim as the reply's own framing would flag the
person who pushes back. :func:`mask_parent_quotes` blanks every run of at least
:data:`MIN_QUOTE_WORDS` words that also occurs in the parent, keeping the
reply's length so that character offsets (cue spans) stay valid.
"""

from __future__ import annotations

import re

#: Shortest run of words copied from the parent that counts as a quote. Four
#: words is about where shared stock phrases ("in the middle of") end and
#: copied claims ("ISIL attack is pre arranged") begin; five keeps the two apart
#: with a margin.
MIN_QUOTE_WORDS = 5

_WORD = re.compile(r"\w+(?:['’]\w+)*")


def _words(text: str) -> list[re.Match]:
    return list(_WORD.finditer(text))


def quoted_spans(text: str, parent_text: str | None) -> list[tuple[int, int]]:
    """Character spans of ``text`` that repeat at least :data:`MIN_QUOTE_WORDS` words of the parent.

    Matching ignores case and punctuation between words. Runs in time linear
    in the two lengths (word n-gram hashing), so long texts are cheap.

    Examples
    --------
    >>> quoted_spans("ISIL attack is pre arranged by Maliki? Nonsense.", "ISIL attack is pre arranged by Maliki")
    [(0, 37)]
    >>> quoted_spans("I agree with you", None)
    []
    """
    if not text or not parent_text:
        return []
    n = MIN_QUOTE_WORDS
    parent_words = _WORD.findall(parent_text.lower())
    if len(parent_words) < n:
        return []
    shingles = {" ".join(parent_words[i:i + n]) for i in range(len(parent_words) - n + 1)}
    words = _WORD.findall(text.lower())
    hits = [i for i in range(len(words) - n + 1) if " ".join(words[i:i + n]) in shingles]
    if not hits:
        return []  # the common case, decided without building match objects
    matches = _words(text)
    if len(matches) != len(words):  # lower-casing changed the tokens ("İ"): match on the original
        words = [m.group().lower() for m in matches]
        hits = [i for i in range(len(words) - n + 1) if " ".join(words[i:i + n]) in shingles]
    spans: list[tuple[int, int]] = []
    for i in hits:
        start, end = matches[i].start(), matches[i + n - 1].end()
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)  # overlapping shingles form one quote
        else:
            spans.append((start, end))
    return spans


def mask_parent_quotes(text: str, parent_text: str | None) -> str:
    """``text`` with the words it quotes from ``parent_text`` replaced by spaces (same length).

    Examples
    --------
    >>> mask_parent_quotes("'the whole thing is planned by Iran' - rubbish", "The whole thing is planned by Iran.")
    "'                                  ' - rubbish"
    """
    spans = quoted_spans(text, parent_text)
    if not spans:
        return text
    pieces, last = [], 0
    for start, end in spans:
        pieces += [text[last:start], " " * (end - start)]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)
