"""WordPress "N thoughts on …" comment lists saved as text.

Layout: the article, a header stating the comment count ("24 thoughts on
“Title”"), then a flat numbered list. Bodies span many paragraphs and may hold
numbered lists of their own (indented like the body, not like the items). A
comment whose list number was lost in the dump shows up as a paragraph after
two or more blank lines where the numbering has a gap. The header's count is
kept as coverage, so a page showing fewer comments than it states says so.
"""

from __future__ import annotations

import re

from modkit.model import Coverage, Thread
from modkit.parse.base import PageFormat, RawPost
from modkit.parse.build import build_thread
from modkit.parse.textdump import (
    article_text,
    indent_of,
    is_boilerplate,
    is_plain_text,
    join_paragraphs,
    split_title,
)
from modkit.registry import page_formats

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10}
_HEADER = re.compile(
    r"^\s*(\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
    r"(?:thoughts?|comments?|responses?|replies|reactions?)\s+(?:on|to)\b.*$", re.I)
_ITEM = re.compile(r"^( *)(\d{1,7})\.\s+(\S.*)$")
#: Lines that end the comment list (the reply form under it).
_END = re.compile(r"^(?:leave a (?:reply|comment)|you must be logged in|comments are closed)", re.I)


def _count(word: str) -> int:
    w = word.lower().replace(",", "")
    return _WORDS[w] if w in _WORDS else int(w)


@page_formats.register
class WordPressText(PageFormat):
    """A WordPress flat comment list dumped as text.

    Examples
    --------
    >>> page = ("Title\\n\\nArticle.\\n\\n3 thoughts on “Title”\\n\\n  1. First.\\n\\n"
    ...         "    Still first.\\n\\n  2. Second.\\n")
    >>> t = WordPressText().parse(page, "p.txt")[0]
    >>> [c.text for c in t.comments], t.coverage_warnings()
    (['First.\\n\\nStill first.', 'Second.'], ['page states 3 comments, 2 found'])
    """

    name = "wordpress_text"
    description = "WordPress 'N thoughts on …' flat numbered comment list saved as text"

    def sniff(self, text: str, source: str) -> float:
        if not is_plain_text(text):
            return 0.0
        return 0.85 if any(_HEADER.match(line) for line in text[:500_000].splitlines()) else 0.0

    def parse(self, text: str, source: str) -> list[Thread]:
        lines = text.splitlines()
        title, start = split_title(lines)
        header = next((i for i in range(start, len(lines)) if _HEADER.match(lines[i])), len(lines))
        coverage = Coverage()
        if header < len(lines):
            coverage.stated_count = _count(_HEADER.match(lines[header]).group(1))
        posts = self._posts(lines[header + 1:], coverage)
        return [build_thread(platform=self.name, source=source, title=title,
                             article=article_text(lines[start:header]), posts=posts,
                             coverage=coverage)]

    def _posts(self, lines: list[str], coverage: Coverage) -> list[RawPost]:
        item_indent = next((len(m.group(1)) for m in map(_ITEM.match, lines) if m), None)
        if item_indent is None:
            return []
        # Segment into (number or None, body lines); None marks a candidate unnumbered comment.
        segments: list[tuple[int | None, list[str]]] = []
        blanks = 0
        for line in lines:
            if _END.match(line.strip()):
                break
            if not line.strip():
                blanks += 1
                if segments:
                    segments[-1][1].append("")
                continue
            m = _ITEM.match(line)
            if m and len(m.group(1)) == item_indent:
                segments.append((int(m.group(2)), [m.group(3)]))
            elif segments and blanks >= 2 and indent_of(line) > item_indent:
                segments.append((None, [line]))
            elif segments and not is_boilerplate(line):
                segments[-1][1].append(line)
            blanks = 0
        return [RawPost(join_paragraphs(body)) for body in self._resolve(segments, coverage)]

    @staticmethod
    def _resolve(segments: list[tuple[int | None, list[str]]], coverage: Coverage) -> list[list[str]]:
        """Accept an unnumbered segment as a comment only where the numbering has a gap."""
        out: list[list[str]] = []
        last = 0
        for i, (number, body) in enumerate(segments):
            if number is not None:
                coverage.missing_numbers.extend(range(last + 1, number))
                last = number
                out.append(body)
                continue
            nxt = next((n for n, _ in segments[i + 1:] if n is not None), None)
            if out and nxt is not None and nxt > last + 1:
                last += 1  # the comment whose number the dump lost
                out.append(body)
            elif out:
                out[-1].extend(["", *body])
        return out
