"""Per-thread summary statistics, computed while comments stream past."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from modkit.model import Comment, Thread


@dataclass
class ThreadSummary:
    """Counts a moderator checks first: size, shape, authors and coverage.

    Examples
    --------
    >>> t = Thread("t", "s", "p", "T", comments=[Comment("a", "t", None, 0, 0, "ann", None, "x")])
    >>> s = ThreadSummary.of(t)
    >>> (s.n_comments, s.top_level, s.max_depth, s.n_authors)
    (1, 1, 0, 1)
    """

    thread: Thread
    n_comments: int = 0
    top_level: int = 0
    max_depth: int = 0
    authors: set[str] = field(default_factory=set)

    @property
    def n_authors(self) -> int:
        return len(self.authors)

    @property
    def warnings(self) -> list[str]:
        return self.thread.coverage.warnings(self.n_comments)

    def count(self, comments: Iterable[Comment]) -> Iterator[Comment]:
        """Pass ``comments`` through, counting them on the way."""
        for c in comments:
            self.n_comments += 1
            self.top_level += c.parent_id is None
            self.max_depth = max(self.max_depth, c.depth)
            if c.author:
                self.authors.add(c.author)
            yield c

    @classmethod
    def of(cls, thread: Thread, comments: Iterable[Comment] | None = None) -> ThreadSummary:
        """Summarise a thread (consuming ``comments`` if given, else its list)."""
        s = cls(thread)
        for _ in s.count(thread.comments if comments is None else comments):
            pass
        return s
