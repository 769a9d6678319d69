"""Reading posts that name their parent (exports, Reddit): ancestors first, "load more" stubs.

Exports and API dumps list a reply before the post it answers as often as
after, but quote detection (:mod:`modkit.parse.formats._quotes`) needs a
post's ancestors read first. :func:`read_replies` is that loop, shared by the
formats; page order is restored for the builder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from modkit.model import Coverage
from modkit.parse.base import RawPost

T = TypeVar("T")


def ancestors_first(keys: Sequence[str | None], parents: Sequence[str | None]) -> list[int]:
    """Indices of posts ordered so that each comes after its ancestors (page order otherwise).

    Cycles and absent parents count as top level.

    Examples
    --------
    >>> ancestors_first(["b", "a", "c"], ["a", None, "zz"])
    [1, 2, 0]
    """
    index: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k is not None:
            index.setdefault(k, i)
    depth: list[int | None] = [None] * len(keys)
    for i in range(len(keys)):
        path: list[int] = []
        on_path: set[int] = set()
        j: int | None = i
        while j is not None and depth[j] is None and j not in on_path:
            on_path.add(j)
            path.append(j)
            p = parents[j]
            j = index.get(p) if p is not None else None
        base = depth[j] if j is not None and depth[j] is not None else -1
        for m in reversed(path):
            base += 1
            depth[m] = base
    return sorted(range(len(keys)), key=lambda i: depth[i] or 0)


def chain(key: str | None, parent_of: dict[str, str | None], text_of: dict[str, str],
          limit: int = 50) -> list[tuple[str, str]]:
    """The ``(key, text)`` pairs of a post's ancestors seen so far, nearest first.

    Examples
    --------
    >>> chain("b", {"a": None, "b": "a"}, {"a": "A", "b": "B"})
    [('b', 'B'), ('a', 'A')]
    """
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    while key is not None and key in text_of and key not in seen and len(out) < limit:
        seen.add(key)
        out.append((key, text_of[key]))
        key = parent_of.get(key)
    return out


def read_replies(items: Sequence[T], keys: Sequence[str | None], parents: Sequence[str | None],
                 read: Callable[[T, list[tuple[str, str]]], RawPost]) -> list[RawPost]:
    """Read each item after its ancestors; the posts come back in page order.

    ``read(item, ancestors)`` turns one item into its post, given the
    ``(key, text)`` of its ancestors read so far, nearest first (what its
    quotes are looked up in). A key listed twice keeps its first text.

    Examples
    --------
    >>> seen = []
    >>> def read(text, ancestors):
    ...     seen.append((text, [k for k, _ in ancestors]))
    ...     return RawPost(text)
    >>> [p.text for p in read_replies(["re", "op"], ["2", "1"], ["1", None], read)], seen
    (['re', 'op'], [('op', []), ('re', ['1'])])
    """
    out: list[RawPost | None] = [None] * len(items)
    text_of: dict[str, str] = {}
    parent_of: dict[str, str | None] = {}
    for i in ancestors_first(keys, parents):
        key, parent = keys[i], parents[i]
        post = read(items[i], chain(parent, parent_of, text_of))
        if key is not None:
            text_of.setdefault(key, post.text)
            parent_of.setdefault(key, parent)
        out[i] = post
    return [p for p in out if p is not None]


def add_truncated(coverage: Coverage, parent_key: str | None, count: int) -> None:
    """Record a "load more" stub under ``parent_key``: known counts add up, ``-1`` is unknown.

    Examples
    --------
    >>> cov = Coverage()
    >>> for n in (3, -1, 2):
    ...     add_truncated(cov, "t1_a", n)
    >>> cov.truncated
    {'t1_a': 5}
    """
    prev = coverage.truncated.get(parent_key)
    if prev is None or prev < 0:
        coverage.truncated[parent_key] = count
    elif count > 0:
        coverage.truncated[parent_key] = prev + count
