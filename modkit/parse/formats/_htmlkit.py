"""What the HTML comment-page formats share (private: not a page format).

Placeholders of removed comments, the article body, and the way WordPress and
Disqus pages are read: each comment element after the replies nested in it
have been read and removed, into a :class:`~._quotes.Draft` whose quotes are
decided once the whole page is known. Node selection and text live in
:mod:`modkit.parse.html`, dates in :mod:`modkit.parse.timestamps`, counts in
:mod:`modkit.parse.numbers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.model import FLAG_REMOVED, normalize_text
from modkit.parse.base import RawPost
from modkit.parse.formats._quotes import Draft, take_quotes
from modkit.parse.html import drop, node_text
from modkit.parse.links import anchored, web_url

T = TypeVar("T")

#: Whole bodies that stand in for a deleted or moderated comment.
REMOVED_BODIES = frozenset(normalize_text(s).rstrip(".") for s in (
    "[removed]", "[deleted]", "[flagged]", "[dead]", "[dupe]",
    "This comment was deleted.", "This comment has been deleted.", "This comment was removed.",
    "This comment has been removed.", "This comment was removed by a moderator.",
    "This comment has been removed by a moderator.", "Comment removed by moderator.",
    "This comment was marked as spam.", "This comment is awaiting moderation.",
    "Dieser Kommentar wurde gelöscht.", "Kommentar gelöscht.",
))
_COMMENT_LINK = re.compile(r"#comment-(\d+)$")


def is_removed(text: str) -> bool:
    """Whether a body is only a removed/deleted placeholder.

    Examples
    --------
    >>> is_removed("[deleted]"), is_removed(" [Deleted] "), is_removed("This comment was deleted")
    (True, True, True)
    >>> is_removed("I deleted it"), is_removed("deleted my post")
    (False, False)
    """
    return normalize_text(text).rstrip(".") in REMOVED_BODIES


# --- comment elements read one by one -------------------------------------------------------
def comment_keys(nodes: Sequence[LexborNode], id_pattern: re.Pattern[str]) -> list[str]:
    """Each comment's key: its element id when it has the platform's form, else ``#<index>``.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> comment_keys(parse_html('<li id="post-7"></li><li id="x"></li>').css("li"), re.compile(r"^post-\\d+$"))
    ['post-7', '#1']
    """
    return [n.id if id_pattern.match(n.id or "") else f"#{i}" for i, n in enumerate(nodes)]


def comment_link(href: str, prefix: str) -> str | None:
    """The key (``prefix`` + id) of the comment a ``…#comment-123`` link points at.

    Examples
    --------
    >>> comment_link("https://b.org/p/#comment-12", "post-"), comment_link("#respond", "post-")
    ('post-12', None)
    """
    m = _COMMENT_LINK.search(href)
    return f"{prefix}{m.group(1)}" if m else None


def own_link(node: LexborNode, links: str, fragment: str, page_url: str | None) -> str | None:
    """The comment's live address: its own permalink, else the page's URL plus ``#fragment``.

    Themes link a comment's date to ``https://blog/post/#comment-12``: the page's own word for
    where the comment lives (on the right comment page, when comments are paged), so it wins
    over an address put together from the ids. Only links matching the ``links`` selector (the
    comment's header, never its words, where a commenter could plant any link) that end in
    ``#fragment`` count, and only on the page's own host when the page's URL is known. ``None``
    when nothing gives an http(s) address.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> n = parse_html('<li><span class="meta"><a href="http://b.org/p/2/#comment-12">May 1</a></span>'
    ...                '<p><a href="https://evil.example/#comment-12">see</a></p></li>').css_first("li")
    >>> own_link(n, ".meta a[href]", "comment-12", "https://b.org/p/")
    'http://b.org/p/2/#comment-12'
    >>> own_link(n, "p a[href]", "comment-12", "https://b.org/p/")  # another host: planted, not its own
    'https://b.org/p/#comment-12'
    >>> own_link(n, ".meta a[href]", "comment-12", None)
    'http://b.org/p/2/#comment-12'
    >>> own_link(parse_html("<li>x</li>").css_first("li"), ".meta a[href]", "comment-12", None) is None
    True
    """
    page = web_url(page_url)
    host = urlsplit(page).hostname if page else None
    for a in node.css(links):
        href = (a.attributes.get("href") or "").strip()
        url = web_url(href, page) if href.endswith("#" + fragment) else None
        if url is not None and (host is None or urlsplit(url).hostname == host):
            return url
    return anchored(page, fragment)


def read_own_markup(nodes: Sequence[LexborNode], read: Callable[[int, LexborNode], T]) -> list[T]:
    """``read(i, node)`` for every node, in page order, each seeing only its own markup.

    Nodes are read last to first and removed once read, so the replies nested
    in a comment are gone before the comment is read and no selector picks up
    a reply's author, date or words.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> t = parse_html("<ul><li>a<ul><li>b</li></ul></li></ul>")
    >>> read_own_markup(t.css("li"), lambda i, n: n.text())
    ['a', 'b']
    """
    out: list[T] = []
    for i in range(len(nodes) - 1, -1, -1):
        out.append(read(i, nodes[i]))
        nodes[i].decompose()
    out.reverse()
    return out


def comment_draft(body: LexborNode | None, *, key: str, author: str | None, timestamp: str | None,
                  parent: str | None, link_key: Callable[[str], str | None], url: str | None = None) -> Draft:
    """A comment's draft: quotes cut from its body, a removed placeholder emptied and flagged.

    ``key`` is the comment's key; one made up from its position (``#3``) is no
    platform id. ``url`` is the live comment's address, if known.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> body = parse_html("<div><p>[deleted]</p></div>").css_first("div")
    >>> d = comment_draft(body, key="#0", author="", timestamp=None, parent=None, link_key=lambda h: None)
    >>> d.post.text, d.post.flags, d.post.author, d.post.platform_id
    ('', ('removed',), None, None)
    """
    quotes = take_quotes(body, link_key) if body is not None else []
    words = node_text(body)
    flags: tuple[str, ...] = ()
    if is_removed(words):
        words, flags = "", (FLAG_REMOVED,)
    platform_id = key if not key.startswith("#") else None
    post = RawPost(words, author=author or None, timestamp=timestamp, key=key, platform_id=platform_id,
                   parent_key=parent, flags=flags, url=url)
    return Draft(post, quotes, parent)


# --- the article --------------------------------------------------------------------------
#: Where blog and news pages keep the article body, most specific first.
ARTICLE_SELECTORS = (
    "[itemprop=articleBody]", ".entry-content", "article .post-content", ".post-content",
    ".article-content", ".article-body", ".post-body", ".entry", "article",
)
#: Chrome inside an article body that is not the article.
ARTICLE_CHROME = (
    "nav, aside, form, footer, .postmetadata, .sharedaddy, .share, .sharing, .social-share, .share-buttons, "
    ".jp-relatedposts, .related, .related-posts, .wp-block-buttons, #comments, .comments, "
    ".comments-area, .comment-list, .commentlist, #disqus_thread, .post-navigation, .navigation, "
    ".screen-reader-text, .sidebar, #sidebar, .widget, .advert, .ad, .ads, .newsletter, "
    "[role=navigation], [role=complementary], [aria-hidden=true]"
)


def article_text(tree: LexborHTMLParser, selectors: Sequence[str] = ARTICLE_SELECTORS) -> str:
    """The article's text: the first selector with text, chrome removed. Mutates ``tree``.

    Examples
    --------
    >>> t = LexborHTMLParser('<article><h1>T</h1><p>Body.</p><nav>Next</nav></article>')
    >>> article_text(t)
    'T\\n\\nBody.'
    """
    for sel in selectors:
        for node in tree.css(sel):
            drop(node, ARTICLE_CHROME)
            text = node_text(node)
            if text:
                return text
    return ""
