"""The page-format interface: what one format module implements.

A format module subclasses :class:`PageFormat`, sets ``name`` and ``description``,
implements ``sniff`` (how confident it is that a page is in its format) and
``parse`` (the page's threads), and registers itself with
``@page_formats.register``. Formats emit :class:`RawPost` records in page order and
hand them to :mod:`modkit.parse.build`, which assigns stable ids, depths, positions
and enforces the forest invariants, so no format re-implements that logic.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from modkit.model import Thread


@dataclass(slots=True)
class RawPost:
    """One post as a format module sees it, before ids and depths are assigned.

    Give either ``parent_key`` (the page's explicit parent id; ``None`` for top level)
    or ``depth`` (nesting level from indentation or depth classes), not both: the
    builder derives the missing one. ``key`` is the page's own id for the post, if
    any; ``quotes`` holds the keys (or, without keys, indices into the post list)
    of posts it quotes. ``url`` is the live comment's address (see
    :func:`modkit.parse.links.web_url`; only http(s), else ``None``).
    """

    text: str
    author: str | None = None
    timestamp: str | None = None
    key: str | None = None
    platform_id: str | None = None
    parent_key: str | None = None
    depth: int | None = None
    quotes: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    url: str | None = None


class PageFormat(ABC):
    """One page or export format.

    Subclasses set ``name`` (used by ``--format``) and ``description`` and implement
    :meth:`sniff` and :meth:`parse`. Formats are stateless; one instance is shared.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: "text" formats get the decoded page; "html"/"xml"/"json" formats too, but
    #: the detector only asks formats whose kind matches the page's look.
    kind: ClassVar[str] = "text"

    @abstractmethod
    def sniff(self, text: str, source: str) -> float:
        """Confidence in [0, 1] that ``text`` is a page of this format."""

    @abstractmethod
    def parse(self, text: str, source: str) -> list[Thread]:
        """Parse a decoded page into its threads (usually one; exports hold many)."""

    def __repr__(self) -> str:
        return f"<PageFormat {self.name}>"


def thread_identity(source: str, title: str, url: str | None = None) -> str:
    """The identity a thread id is derived from.

    A canonical URL (or platform id) wins; otherwise the file's name plus the
    title, so the same page parsed from another folder keeps its ids while two
    different pages both called ``index.html`` do not collide.

    Examples
    --------
    >>> thread_identity("/tmp/a/page.html", "Hi")
    'page.html\\x1fHi'
    >>> thread_identity("/tmp/a/page.html", "Hi", "https://x.org/p/1")
    'https://x.org/p/1'
    """
    if url:
        return url
    return f"{os.path.basename(source)}\x1f{title}"
