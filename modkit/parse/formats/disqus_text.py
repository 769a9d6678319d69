"""Disqus-style nested threads saved as text.

Layout: the article, then numbered comments whose numbers restart at each level;
nesting is the indentation of the number. A comment opens with ``N. NAME Avatar``
(sometimes followed by the name again on its own line) and its body below, or,
for anonymous comments, with the body on the numbered line itself. A comment
whose body is gone (a removed image) is kept as an empty comment.

Parsing streams line by line (:meth:`DisqusText.stream`), so a dump of any size
runs in memory proportional to one comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from modkit.model import Comment, Thread, make_thread_id
from modkit.parse.base import PageFormat, RawPost, thread_identity
from modkit.parse.build import iter_comments_by_depth
from modkit.parse.textdump import (
    article_text,
    indent_of,
    is_boilerplate,
    is_plain_text,
    join_paragraphs,
)
from modkit.registry import page_formats

_ITEM = re.compile(r"^( +)(\d{1,7})\. (.*\S)?\s*$")
_AVATAR = " Avatar"


def _item(line: str) -> tuple[int, int, str] | None:
    m = _ITEM.match(line)
    if m is None:
        return None
    return len(m.group(1)), int(m.group(2)), (m.group(3) or "").strip()


class _Levels:
    """Indentation stack: maps an item's indent to its depth, tolerating odd steps."""

    def __init__(self) -> None:
        self.indents: list[int] = []
        self.numbers: list[int] = []

    def depth_for(self, indent: int) -> int:
        while self.indents and indent < self.indents[-1]:
            self.indents.pop()
            self.numbers.pop()
        if not self.indents or indent > self.indents[-1]:
            self.indents.append(indent)
            self.numbers.append(0)
        return len(self.indents) - 1

    def expects(self, indent: int, number: int, is_author_line: bool) -> bool:
        """Whether an item line starts a comment (not a numbered list inside a body)."""
        if is_author_line:
            return True
        if not self.indents:
            return number == 1
        if indent in self.indents:
            return number == self.numbers[self.indents.index(indent)] + 1
        return indent > self.indents[-1] and number == 1


@page_formats.register
class DisqusText(PageFormat):
    """Nested Disqus-style comments dumped as text.

    Examples
    --------
    >>> page = ("Title\\n\\nArticle.\\n\\n  1. ann Avatar\\n\\n    Hello\\n\\n"
    ...         "    1. Hi back, anonymously\\n\\n  2. bob Avatar\\n    bob\\n\\n")
    >>> t = DisqusText().parse(page, "p.txt")[0]
    >>> [(c.depth, c.author, c.text) for c in t.comments]
    [(0, 'ann', 'Hello'), (1, None, 'Hi back, anonymously'), (0, 'bob', '')]
    """

    name = "disqus_text"
    description = "Disqus-style nested thread saved as text (numbered, indented, 'NAME Avatar')"

    def sniff(self, text: str, source: str) -> float:
        if not is_plain_text(text):
            return 0.0
        head = text[:200_000]
        hits = sum(1 for line in head.splitlines()
                   if line.endswith(_AVATAR) and _item(line) is not None)
        return 0.9 if hits >= 1 else 0.0

    def parse(self, text: str, source: str) -> list[Thread]:
        thread, comments = self.stream(text.splitlines(), source)
        thread.comments = list(comments)
        return [thread]

    def stream(self, lines: Iterable[str], source: str) -> tuple[Thread, Iterator[Comment]]:
        """Read the article eagerly, then stream the comments.

        Returns the thread (without comments) and an iterator over its comments;
        consume the iterator before reading ``lines`` elsewhere.
        """
        it = iter(lines)
        head: list[str] = []
        first_item: str | None = None
        for line in it:
            line = line.rstrip("\r\n")
            parsed = _item(line)
            if parsed and (parsed[2].endswith(_AVATAR) or parsed[1] == 1) and parsed[0] >= 2:
                first_item = line
                break
            head.append(line)
        title = next((h.strip() for h in head if h.strip()), "")
        body = head[head.index(next(h for h in head if h.strip())) + 1:] if title else head
        thread = Thread(make_thread_id(self.name, thread_identity(source, title)), source, self.name,
                        title, article_text(_dedupe_adjacent(body)))
        posts = self._posts(first_item, it) if first_item is not None else iter(())
        return thread, iter_comments_by_depth(thread.thread_id, posts)

    def _posts(self, first: str, it: Iterator[str]) -> Iterator[RawPost]:
        levels = _Levels()
        current: dict | None = None
        line: str | None = first
        while line is not None:
            line = line.rstrip("\r\n")
            parsed = _item(line)
            if parsed is not None:
                indent, number, rest = parsed
                author_line = rest.endswith(_AVATAR)
                if levels.expects(indent, number, author_line):
                    if current is not None:
                        yield _finish(current)
                    depth = levels.depth_for(indent)
                    levels.numbers[depth] = number
                    if author_line:
                        current = {"depth": depth, "author": rest[: -len(_AVATAR)].strip(), "body": [],
                                   "skip_name": True}
                    else:
                        current = {"depth": depth, "author": None, "body": [rest], "skip_name": False}
                    line = next(it, None)
                    continue
            if current is not None and not is_boilerplate(line):
                if current["skip_name"] and line.strip():
                    current["skip_name"] = False
                    if line.strip() == current["author"] and indent_of(line) > 0:
                        line = next(it, None)
                        continue
                current["body"].append(line)
            line = next(it, None)
        if current is not None:
            yield _finish(current)


def _finish(cur: dict) -> RawPost:
    return RawPost(join_paragraphs(cur["body"]), author=cur["author"] or None, depth=cur["depth"])


def _dedupe_adjacent(lines: list[str]) -> list[str]:
    """Drop a line that repeats the previous content line (image alt text + caption)."""
    out: list[str] = []
    last = None
    for line in lines:
        s = line.strip()
        if s and s == last:
            continue
        if s:
            last = s
        out.append(line)
    return out
