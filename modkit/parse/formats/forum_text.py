"""Forum threads (XenForo, vBulletin, phpBB) saved as text, with no post delimiters.

The dump keeps no author lines or post boxes, so posts are recovered from layout
and repetition:

* the first content line is the thread title, navigation and footer chrome
  ("What's new", "Top Bottom", …) is dropped;
* the opening post is the first comment (the article is left empty), and the
  posts after it are comments at top level unless they quote;
* a new post starts where a line follows the previous one with no blank line
  between (a paragraph break inside a post leaves a blank line) unless it begins
  in lower case (a wrapped sentence of the same post), and after two or more
  blank lines;
* a line that repeats an earlier post's line is quoted text: the quoting post
  replies to (and quotes) that post, and the quoted lines are not its own words;
  a repeat of a line from the same block starts the quoting post.
"""

from __future__ import annotations

from modkit.model import FLAG_OPENING_POST, Thread, normalize_text
from modkit.parse.base import PageFormat, RawPost
from modkit.parse.build import build_thread
from modkit.parse.textdump import is_boilerplate, is_plain_text, join_paragraphs, split_title
from modkit.registry import page_formats

#: Lines characteristic of forum software, used to recognise a dump.
_FORUM_MARKERS = ("What's new", "Top Bottom", "Click to expand...", "New posts", "Reply to thread",
                  "Thread starter")
#: Shorter repeated lines ("lol", "+1") are coincidence, not quotation.
MIN_QUOTE_CHARS = 20


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = []
    blanks = 2  # the first content line always opens a block
    for line in lines:
        s = line.strip()
        if not s or is_boilerplate(s):
            if not s:
                blanks += 1
            continue
        new = blanks >= 2 or (blanks == 0 and not s[0].islower())
        if new or not blocks:
            blocks.append([])
        elif blanks:
            blocks[-1].append("")
        blocks[-1].append(s)
        blanks = 0
    return blocks


def _split_self_quotes(block: list[str]) -> list[list[str]]:
    """Split a block where a line repeats an earlier line of the same block."""
    parts: list[list[str]] = [[]]
    seen: set[str] = set()
    for line in block:
        key = normalize_text(line)
        if line and key in seen and len(key) >= MIN_QUOTE_CHARS:
            while parts[-1] and parts[-1][-1] == "":
                parts[-1].pop()
            parts.append([])
            seen = set()
        if line:
            seen.add(key)
        parts[-1].append(line)
    return [p for p in parts if p]


@page_formats.register
class ForumText(PageFormat):
    """A flat forum thread dumped as text; replies are recovered through quotes.

    Examples
    --------
    >>> page = ("What's new\\n\\nTopic\\n\\nOpening post.\\nI think the plan will fail badly.\\n"
    ...         "I think the plan will fail badly.\\n\\nNo, it will work.\\n\\nTop Bottom\\n")
    >>> t = ForumText().parse(page, "f.txt")[0]
    >>> t.article, [(c.text, c.depth) for c in t.comments]
    ('', [('Opening post.', 0), ('I think the plan will fail badly.', 0), ('No, it will work.', 1)])
    """

    name = "forum_text"
    description = "forum thread (XenForo, vBulletin, phpBB) saved as text, posts without delimiters"

    def sniff(self, text: str, source: str) -> float:
        if not is_plain_text(text):
            return 0.0
        lines = {line.strip() for line in text[:500_000].splitlines()}
        hits = sum(1 for m in _FORUM_MARKERS if m in lines)
        return min(0.8, 0.4 * hits)

    def parse(self, text: str, source: str) -> list[Thread]:
        lines = text.splitlines()
        title, start = split_title(lines)
        blocks = [part for block in _blocks(lines[start:]) for part in _split_self_quotes(block)]
        owner: dict[str, int] = {}  # a line's normalised text -> the post it was first written in
        posts: list[RawPost] = []
        for i, block in enumerate(blocks):
            quoted: list[int] = []
            own: list[str] = []
            for line in block:
                key = normalize_text(line)
                src = owner.get(key) if len(key) >= MIN_QUOTE_CHARS else None
                if src is not None:
                    if src not in quoted:
                        quoted.append(src)
                    continue
                own.append(line)
            for line in own:
                owner.setdefault(normalize_text(line), i)
            keys = tuple(str(q) for q in quoted)
            posts.append(RawPost(join_paragraphs(own), key=str(i), parent_key=keys[0] if keys else None,
                                 quotes=keys, flags=(FLAG_OPENING_POST,) if i == 0 else ()))
        return [build_thread(platform=self.name, source=source, title=title, article="", posts=posts)]
