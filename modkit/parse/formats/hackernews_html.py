"""Hacker News item pages saved as HTML.

Comments are rows of one flat table (``tr.athing.comtr``, id = item id): there
is no DOM nesting, and the depth is the indent (``td.ind[indent]``, or the
width of the spacer image, 40px per level, on older pages). The author is
``a.hnuser``, the time the ``title`` of ``span.age``, the words ``.commtext``
minus the reply link. ``[flagged]``, ``[dead]`` and ``[deleted]`` comments are
removed comments. The story's title is ``span.titleline a``, its own text
(Ask HN) is the article, the "N comments" link is the stated count and a
"More" link (``a.morelink``) means more top-level comments on the next page.
Quotes follow HN's convention of paragraphs starting with ">"; a paragraph set
wholly in italics is a quote too when it repeats an earlier comment (italics
alone may be emphasis). Quotes follow modkit's one rule (README, "Page
formats"; :mod:`modkit.parse.formats._quotes`).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.model import FLAG_REMOVED, Coverage, Thread
from modkit.parse.base import PageFormat, RawPost
from modkit.parse.build import build_thread
from modkit.parse.formats._htmlkit import is_removed
from modkit.parse.formats._quotes import Draft, Quote, cut, resolve_quotes, take_markdown_quotes
from modkit.parse.html import (
    clean_text,
    drop,
    first_text,
    looks_like_html,
    node_text,
    own_first,
    page_title,
    parse_html,
)
from modkit.parse.numbers import count_in
from modkit.parse.timestamps import printed_timestamp
from modkit.registry import page_formats

#: Pixels of spacer image per nesting level on pages without ``indent`` attributes.
INDENT_PX = 40
_ITEM = re.compile(r"item\?id=(\d+)")
_MARKS = ("[dead]", "[flagged]", "[deleted]")
_TITLE = ("span.titleline > a", ".titleline a", "a.storylink", ".fatitem td.title a")
_BODY = (".commtext", "span.comment", "div.comment")
_ITEM_URL = "https://news.ycombinator.com/item?id={}"


def comment_rows(tree: LexborHTMLParser) -> list[LexborNode]:
    """The comment rows, in page order (older pages lack the ``comtr`` class).

    Examples
    --------
    >>> t = parse_html('<table class="comment-tree"><tr class="athing comtr" id="9"><td>'
    ...                '<table><tr><td class="ind" indent="0"></td></tr></table></td></tr></table>')
    >>> [r.id for r in comment_rows(t)]
    ['9']
    """
    rows = tree.css("tr.athing.comtr")
    if rows:
        return rows
    # The item itself (a story, or the comment a comment page is about) is not a reply.
    focal = {r.mem_id for r in tree.css(".fatitem tr.athing")}
    return [r for r in tree.css("tr.athing") if r.mem_id not in focal and r.css_first("td.ind") is not None]


def _depth(row: LexborNode) -> int:
    ind = row.css_first("td.ind")
    if ind is None:
        return 0
    for value, scale in ((ind.attributes.get("indent"), 1),
                         (_attr(ind.css_first("img"), "width"), INDENT_PX)):
        if value and value.strip().isdigit():
            return int(value) // scale
    return 0


def _attr(node: LexborNode | None, name: str) -> str | None:
    return node.attributes.get(name) if node is not None else None


def _item_id(row: LexborNode) -> str | None:
    if row.id and row.id.isdigit():
        return row.id
    vote = row.css_first("a[id^=up_]")
    if vote is not None and (vote.id or "")[3:].isdigit():
        return vote.id[3:]
    for a in row.css(".comhead a[href]"):
        m = _ITEM.search(a.attributes.get("href") or "")
        if m:
            return m.group(1)
    return None


def _story_id(tree: LexborHTMLParser) -> str | None:
    story = tree.css_first("table.fatitem tr.athing")
    if story is not None and (story.id or "").isdigit():
        return story.id
    score = tree.css_first("span.score[id^=score_]")  # older pages: the story row has no id
    if score is not None and (score.id or "")[6:].isdigit():
        return score.id[6:]
    return None


def _alone(node: LexborNode | None, forward: bool) -> bool:
    """Whether only blank text lies between ``node`` and the paragraph's edge (a ``<p>`` or none)."""
    while node is not None and node.tag != "p":
        if node.tag != "-text" or (node.text() or "").strip():
            return False
        node = node.next if forward else node.prev
    return True


def take_italic_quotes(body: LexborNode) -> list[Quote]:
    """Cut each paragraph set wholly in ``<i>`` into a tentative quote (HN's other quote convention).

    Examples
    --------
    >>> t = parse_html('<div class="commtext"><i>the whole point</i><p>No. <i>Really</i> not.</div>')
    >>> take_italic_quotes(t.css_first("div"))
    [Quote(text='the whole point', key=None, sure=False)]
    """
    quotes: list[Quote] = []
    for i in body.css("i"):
        up = i.parent
        if up is None or not (up.mem_id == body.mem_id or (up.tag == "p" and up.parent is not None
                                                           and up.parent.mem_id == body.mem_id)):
            continue
        words = node_text(i)
        if words and not words.startswith(">") and _alone(i.prev, False) and _alone(i.next, True):
            cut(i, quotes, Quote(words, sure=False))
    return quotes


def _author(row: LexborNode) -> str | None:
    node = own_first(row, ("a.hnuser", '.comhead a[href^="user?id="]'))
    if node is None:
        return None
    return clean_text(node.text()) or None


@page_formats.register
class HackerNewsHtml(PageFormat):
    """A Hacker News item page (story or comment) with its comment tree.

    Examples
    --------
    >>> row = ('<tr class="athing comtr" id="{i}"><td><table><tr><td class="ind" indent="{d}"></td>'
    ...        '<td class="default"><span class="comhead"><a class="hnuser">{a}</a></span>'
    ...        '<div class="comment"><div class="commtext c00">{t}</div></div></td></tr></table></td></tr>')
    >>> page = ('<html><body><table class="fatitem"><tr class="athing" id="1"><td class="title">'
    ...         '<span class="titleline"><a href="x">Show HN: a thing</a></span></td></tr></table>'
    ...         '<table class="comment-tree">' + row.format(i=2, d=0, a="ann", t="Neat")
    ...         + row.format(i=3, d=1, a="bob", t="Agreed") + '</table></body></html>')
    >>> t = HackerNewsHtml().parse(page, "item.html")[0]
    >>> t.title, [(c.depth, c.author, c.text) for c in t.comments]
    ('Show HN: a thing', [(0, 'ann', 'Neat'), (1, 'bob', 'Agreed')])
    """

    name = "hackernews_html"
    description = "Hacker News item page (tr.athing.comtr rows, depth from the indent)"
    kind = "html"

    def sniff(self, text: str, source: str) -> float:
        if not looks_like_html(text) or "athing" not in text:
            return 0.0
        tree = parse_html(text)
        rows = comment_rows(tree)
        if rows and any(r.css_first(".comhead, .commtext, span.comment") is not None for r in rows[:20]):
            return 0.9
        # A story page with no comments yet (the front page has no .fatitem: not a thread).
        return 0.8 if tree.css_first("table.fatitem tr.athing") is not None else 0.0

    def parse(self, text: str, source: str) -> list[Thread]:
        tree = parse_html(text)
        coverage = Coverage(stated_count=self._stated_count(tree))
        if tree.css_first("a.morelink") is not None:
            coverage.truncated[None] = -1
        story = _story_id(tree)
        url = _ITEM_URL.format(story) if story else None
        title = self._title(tree)
        article = self._article(tree)
        posts = resolve_quotes(self._drafts(comment_rows(tree)))
        return [build_thread(platform=self.name, source=source, title=title, article=article,
                             posts=posts, coverage=coverage, url=url, by="depth")]

    @staticmethod
    def _title(tree: LexborHTMLParser) -> str:
        return first_text(tree, _TITLE) or page_title(tree).removesuffix(" | Hacker News")

    @staticmethod
    def _article(tree: LexborHTMLParser) -> str:
        # A story's own text; on a comment's item page, that comment is what the replies answer.
        for sel in (".fatitem .toptext", ".toptext", ".fatitem .commtext"):
            node = tree.css_first(sel)
            if node is not None:
                drop(node, ".reply")
                return node_text(node)
        return ""

    @staticmethod
    def _stated_count(tree: LexborHTMLParser) -> int | None:
        for a in tree.css(".fatitem .subtext a, .fatitem .subline a, td.subtext a"):
            words = a.text()
            if "comment" in words or words.strip() == "discuss":
                return count_in(words) or 0
        return None

    @staticmethod
    def _drafts(rows: list[LexborNode]) -> list[Draft]:
        drafts: list[Draft] = []
        above: list[str] = []  # keys of the current ancestors, by depth, for quote lookups
        for i, row in enumerate(rows):
            depth = _depth(row)
            item = _item_id(row)
            key = item or f"#{i}"
            head = own_first(row, (".comhead",))
            head_text = head.text() if head is not None else ""
            age = own_first(row, ("span.age[title]",))
            # span.age titles are UTC without saying so.
            stamp = printed_timestamp(age.attributes.get("title"), naive_is_utc=True) if age is not None else None
            drop(row, ".reply")
            body = own_first(row, _BODY)
            if item is None and head is None and body is None:
                continue  # the shell of a row cut off by a truncated save
            quotes = take_italic_quotes(body) if body is not None else []
            # code blocks are no quotes: a REPL's '>>>' or a shell's '>' stays the replier's
            words, quotes = take_markdown_quotes(node_text(body, fence_code=True), quotes)
            flags = ()
            if any(m in head_text for m in _MARKS) or is_removed(words):
                flags = (FLAG_REMOVED,)
                if is_removed(words):
                    words = ""
            del above[depth:]
            parent = above[-1] if above else None
            above.append(key)
            # Every item, comments included, has its own page on HN: that is the live comment.
            post = RawPost(words, author=_author(row), timestamp=stamp, key=key, platform_id=item,
                           depth=depth, flags=flags, url=_ITEM_URL.format(item) if item else None)
            drafts.append(Draft(post, quotes, parent))
        return drafts
