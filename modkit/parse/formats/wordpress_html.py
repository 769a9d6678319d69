"""WordPress comment markup saved as HTML.

``wp_list_comments`` renders each comment as ``li.comment`` (or ``div.comment``)
with the id ``comment-123`` and the classes ``depth-N``, ``even``/``odd``,
``byuser``…; replies sit in a nested ``ul.children``/``ol.children``. Themes vary
the inside (``.comment-author .fn``, ``cite.fn``, ``.comment-author strong``;
``time[datetime]`` or a plain date; ``.comment-content``, ``.comment-text`` or
bare paragraphs), so each field is looked up through a list of selectors.

Real pages often leave a ``</li>`` unclosed, which moves a comment inside the
previous one in the DOM. The ``depth-N`` class is the page's explicit signal,
so a comment's parent is the nearest earlier comment of depth N-1; the DOM
ancestor is used only where there is no depth class. Pingbacks and trackbacks
are dropped; the comment count in the heading ("24 thoughts on …", "12
Kommentare") counts them too, so they are subtracted before it becomes
``coverage.stated_count``. Block quotes are cut by modkit's one quote rule
(README, "Page formats"; :mod:`modkit.parse.formats._quotes`); a link in a
quote to ``#comment-123`` names the quoted comment.
"""

from __future__ import annotations

import re
from functools import partial

from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.model import Coverage, Thread
from modkit.parse.base import PageFormat
from modkit.parse.build import build_thread
from modkit.parse.formats._htmlkit import (
    article_text,
    comment_draft,
    comment_keys,
    comment_link,
    own_link,
    read_own_markup,
)
from modkit.parse.formats._quotes import Draft, resolve_quotes
from modkit.parse.html import (
    canonical_url,
    classes,
    clean_text,
    drop,
    enclosing,
    first_text,
    looks_like_html,
    og_title,
    own_first,
    page_title,
    parse_html,
)
from modkit.parse.numbers import count_in
from modkit.parse.timestamps import printed_timestamp
from modkit.registry import page_formats

_ID = re.compile(r"^comment-(\d+)$")
_DEPTH = re.compile(r"^depth-(\d+)$")
_KINDS = frozenset({"comment", "pingback", "trackback"})
_PINGS = frozenset({"pingback", "trackback"})
_LISTS = ".commentlist, .comment-list"

_AUTHOR = (".comment-author .fn", "cite.fn", ".fn", ".comment-author cite", ".comment-author strong",
           ".comment-author b", ".comment-author-name", ".comment_author", ".comment-author a")
_DATE_TEXT = (".comment-metadata a", ".commentmetadata a", ".comment-metadata", ".commentmetadata",
              ".comment-date", ".comment-time", ".comment-meta a")
_BODY = (".comment-content", ".comment-text", ".comment_text", ".commenttext", ".comment-entry",
         ".comment-body")
#: Everything around the words: who, when, avatar, reply/edit links, moderation notes.
_CHROME = (".comment-meta, .comment-metadata, .commentmetadata, .comment-author, .says, "
           ".avatar, .reply, .comment-reply, .comment-reply-link, .comment-edit-link, .edit-link, "
           ".comment-actions, .comment-awaiting-moderation, .children, .sharedaddy, .comment-likes")
_TITLES = ("#comments-title", "h2#comments", "h3#comments", "h4#comments", ".comments-title",
           "[class*=comments-title]", "[class*=comments__title]", "[class*=comments__headline]",
           "[class*=comments-headline]", "#comments h2", "#comments h3", ".comments-area h2",
           ".comments-area h3", "#comments h4")
#: Where themes put the link to a comment itself (its date, in the comment's header).
_PERMALINKS = (".comment-metadata a[href], .commentmetadata a[href], .comment-meta a[href], "
               ".comment-date a[href], .comment-time a[href], a.comment-permalink[href]")
_PAGING = ".comment-navigation a, .comments-pagination a, [id^=comment-nav] a, .comment-nav a"
_WP_MARKS = "#commentform, .comment-respond, .comments-title, #comments-title"
_link_key = partial(comment_link, prefix="comment-")


def _depth(node: LexborNode) -> int | None:
    for c in classes(node):
        m = _DEPTH.match(c)
        if m:
            return int(m.group(1))
    return None


def comment_nodes(tree: LexborHTMLParser) -> list[LexborNode]:
    """The comment, pingback and trackback elements, in page order.

    Examples
    --------
    >>> t = parse_html('<ol class="commentlist"><li id="comment-1" class="comment depth-1">x</li></ol>'
    ...                '<ul><li class="comment">a widget, not a comment</li></ul>')
    >>> [n.id for n in comment_nodes(t)]
    ['comment-1']
    """
    # Items under a comment list. (A descendant selector, ".commentlist li", makes lexbor climb every
    # item's ancestors: quadratic in a thread nested thousands deep; one pass per list is linear.)
    listed = {n.mem_id for lst in tree.css(_LISTS) for n in lst.css("li")}
    out = []
    for node in tree.css(".comment, .pingback, .trackback"):
        if node.tag not in ("li", "div", "article") or not _KINDS & set(classes(node)):
            continue
        if _ID.match(node.id or "") or _depth(node) is not None or node.mem_id in listed:
            out.append(node)
    return out


def _anchor(node: LexborNode, key: str) -> str | None:
    """The ``comment-N`` anchor a comment's live link ends in: its key, else an inner element's id.

    Some themes id the list item ``li-comment-N`` and its inner block ``comment-N`` (the anchor
    WordPress links to); the key stays as it was, so comment ids do not change.

    Examples
    --------
    >>> _anchor(parse_html('<li id="li-comment-7"><div id="comment-7">x</div></li>').css_first("li"), "#0")
    'comment-7'
    >>> _anchor(parse_html('<li id="x">x</li>').css_first("li"), "#0") is None
    True
    """
    if _ID.match(key):
        return key
    return next((n.id for n in node.css("[id^=comment-]") if _ID.match(n.id or "")), None)


def _timestamp(node: LexborNode) -> str | None:
    time = node.css_first("time[datetime]")
    if time is not None:
        stamp = printed_timestamp(time.attributes.get("datetime"))
        if stamp:
            return stamp
    for sel in _DATE_TEXT:
        found = node.css_first(sel)
        if found is not None:
            stamp = printed_timestamp(found.text())
            if stamp:
                return stamp
    # Some themes print the date as bare text beside the author's name.
    meta = own_first(node, (".comment-author", ".comment-meta"))
    if meta is not None:
        bare = " ".join(t.text_content or "" for t in meta.iter(include_text=True) if t.tag == "-text")
        return printed_timestamp(bare)
    return None


def _title(tree: LexborHTMLParser) -> str:
    """The post's title: og:title, the entry title, the post's heading, else the page title."""
    return og_title(tree) or first_text(tree, (".entry-title", ".post-title", "[itemprop=headline]",
                                               "[id^=post-] h1", "[id^=post-] h2")) or page_title(tree)


def _stated_count(tree: LexborHTMLParser) -> int | None:
    for sel in _TITLES:
        for node in tree.css(sel):
            if _inside_reply_form(node):
                continue
            n = count_in(node.text())
            if n is not None:
                return n
    return None


def _inside_reply_form(node: LexborNode) -> bool:
    cur: LexborNode | None = node
    while cur is not None:
        if cur.id == "respond" or "comment-respond" in classes(cur) or cur.tag == "form":
            return True
        cur = cur.parent
    return False


@page_formats.register
class WordPressHtml(PageFormat):
    """WordPress comments (``li.comment`` with ``depth-N`` classes) in a saved HTML page.

    Examples
    --------
    >>> page = ('<html><body><article><div class="entry-content"><p>Post.</p></div></article>'
    ...         '<ol class="commentlist"><li id="comment-1" class="comment depth-1">'
    ...         '<cite class="fn">ann</cite><p>Hello</p><ul class="children">'
    ...         '<li id="comment-2" class="comment depth-2"><cite class="fn">bob</cite><p>Hi</p>'
    ...         '</li></ul></li></ol></body></html>')
    >>> t = WordPressHtml().parse(page, "p.html")[0]
    >>> t.article, [(c.depth, c.author, c.text) for c in t.comments]
    ('Post.', [(0, 'ann', 'Hello'), (1, 'bob', 'Hi')])
    """

    name = "wordpress_html"
    description = "WordPress comment markup (li.comment, depth-N classes, ul.children) in saved HTML"
    kind = "html"

    def sniff(self, text: str, source: str) -> float:
        if not looks_like_html(text) or "comment" not in text:
            return 0.0
        tree = parse_html(text)
        if comment_nodes(tree):
            return 0.9
        # A WordPress page whose comments are closed, empty or not rendered.
        return 0.4 if tree.css_first(_WP_MARKS) is not None else 0.0

    def parse(self, text: str, source: str) -> list[Thread]:
        tree = parse_html(text)
        title, url = _title(tree), canonical_url(tree)
        coverage = Coverage(stated_count=_stated_count(tree))
        if any(n.text(strip=True) for n in tree.css(_PAGING)):
            coverage.truncated[None] = -1  # other comment pages exist
        nodes = comment_nodes(tree)
        drafts, pings = self._drafts(nodes, url)
        if coverage.stated_count is not None:
            coverage.stated_count = max(coverage.stated_count - pings, 0)
        posts = resolve_quotes(drafts)
        return [build_thread(platform=self.name, source=source, title=title,
                             article=article_text(tree), posts=posts, coverage=coverage, url=url,
                             by="parent")]

    def _drafts(self, nodes: list[LexborNode], page_url: str | None) -> tuple[list[Draft], int]:
        """Drafts of the comments in page order, and how many pingbacks were dropped."""
        keys = comment_keys(nodes, _ID)
        parents = _parent_keys(nodes, keys)
        drafts = read_own_markup(nodes, lambda i, node: None if _PINGS & set(classes(node))
                                 else self._draft(node, keys[i], parents[i], page_url))
        kept = [d for d in drafts if d is not None]
        return kept, len(drafts) - len(kept)

    @staticmethod
    def _draft(node: LexborNode, key: str, parent: str | None, page_url: str | None) -> Draft:
        stamp = _timestamp(node)
        anchor = _anchor(node, key)
        url = own_link(node, _PERMALINKS, anchor, page_url) if anchor else None
        author_node = own_first(node, _AUTHOR)
        author = None
        if author_node is not None:
            author = clean_text(author_node.text())
            author_node.decompose()  # some themes put the name beside the words, not in a header
        drop(node, _CHROME)
        return comment_draft(own_first(node, _BODY) or node, key=key, author=author, timestamp=stamp,
                             parent=parent, link_key=_link_key, url=url)


def _parent_keys(nodes: list[LexborNode], keys: list[str]) -> list[str | None]:
    """Each comment's parent key: from ``depth-N`` classes, else from DOM nesting.

    A depth-N comment replies to the nearest earlier comment of depth N-1 (or,
    failing that, to a DOM ancestor of depth N-1); one with neither points at a
    key that is not on the page, so the builder reports it as an orphan.
    """
    dom = enclosing(nodes)
    latest: dict[int, str] = {}
    deepest = 0
    out: list[str | None] = []
    for i, node in enumerate(nodes):
        depth = _depth(node)
        dom_parent = keys[dom[i]] if dom[i] is not None else None
        if depth is None:
            out.append(dom_parent)
            continue
        if depth <= 1:
            parent = None
        else:
            parent = latest.get(depth - 1)
            if parent is None and dom[i] is not None and _depth(nodes[dom[i]]) in (depth - 1, None):
                parent = dom_parent
            if parent is None:
                parent = f"{keys[i]}/absent-parent"
        out.append(parent)
        latest[depth] = keys[i]
        while deepest > depth:  # each depth is forgotten once after it is set: linear overall
            latest.pop(deepest, None)
            deepest -= 1
        deepest = max(deepest, depth)
    return out
