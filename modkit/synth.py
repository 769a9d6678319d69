"""Synthetic threads rendered as pages, for benchmarks and round-trip tests.

:func:`render_disqus_text` writes a thread in the Disqus-style text layout that
:class:`~modkit.parse.formats.disqus_text.DisqusText` reads, and
:func:`iter_disqus_dump` streams a random dump of any size line by line.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

_WORDS = ["iran", "iraq", "army", "the", "a", "of", "to", "is", "and", "they", "we", "you", "not", "this", "that", "why", "so", "government", "militia", "war", "peace", "border", "news", "report", "say", "think", "know", "really", "never", "always", "plan", "secret", "people", "country", "power", "oil", "deal", "lol", "ok", "right", "wrong", "facts", "read", "history"]


def render_disqus_text(title: str, article: str, comments: Sequence[tuple[int, str | None, str]]) -> str:
    """Render ``(depth, author, text)`` rows, in page order, as a Disqus-style text dump.

    Depths must describe a forest (each depth at most the previous depth + 1).

    Examples
    --------
    >>> print(render_disqus_text("T", "Body.", [(0, "ann", "Hi"), (1, None, "Yo")]))
    T
    <BLANKLINE>
    Body.
    <BLANKLINE>
      1. ann Avatar
    <BLANKLINE>
        Hi
    <BLANKLINE>
        1. Yo
    <BLANKLINE>
    """
    lines = [title, "", article, ""]
    counters: list[int] = []
    for depth, author, text in comments:
        del counters[depth + 1:]
        if len(counters) <= depth:
            counters.append(0)
        counters[depth] += 1
        pad = "  " * (depth + 1)
        body = [pad + "  " + line if line else "" for line in text.split("\n")]
        if author:
            lines += [f"{pad}{counters[depth]}. {author} Avatar", "", *body, ""]
        else:
            first, *rest = body or [""]
            lines += [f"{pad}{counters[depth]}. {first.strip()}", *([""] + rest if rest else []), ""]
    return "\n".join(lines)


def iter_disqus_dump(n_comments: int, seed: int = 0, max_depth: int = 8) -> Iterator[str]:
    """Stream a random Disqus-style dump with ``n_comments`` comments, one line at a time.

    Examples
    --------
    >>> lines = list(iter_disqus_dump(3, seed=1))
    >>> sum(line.endswith(" Avatar") for line in lines)
    3
    """
    rng = random.Random(seed)
    yield "Synthetic thread"
    yield ""
    yield "An article about " + " ".join(rng.choices(_WORDS, k=40)) + "."
    yield ""
    counters: list[int] = []
    depth = 0
    authors = [f"user{i}" for i in range(500)]
    for _ in range(n_comments):
        depth = rng.randint(0, min(depth + 1, max_depth)) if counters else 0
        del counters[depth + 1:]
        if len(counters) <= depth:
            counters.append(0)
        counters[depth] += 1
        pad = "  " * (depth + 1)
        yield f"{pad}{counters[depth]}. {rng.choice(authors)} Avatar"
        yield ""
        yield pad + "  " + " ".join(rng.choices(_WORDS, k=rng.randint(3, 30)))
        yield ""
