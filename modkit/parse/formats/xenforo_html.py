"""XenForo thread pages (XenForo 2, and XenForo 1) saved as HTML.

XenForo 2 posts are ``article.message--post`` with ``data-author`` and
``data-content="post-123"``, a ``time.u-dt[datetime]`` and the body in
``.message-body .bbWrapper``. A quote is ``blockquote.bbCodeBlock--quote`` with
``data-source="post: 123"`` (the quoted post) and ``data-quote`` (its author),
a "X said:" title and a "Click to expand..." link, all of it cut from the
replier's text; without ``data-source``, the title's jump link
(``a.bbCodeBlock-sourceJump``, ``/goto/post?id=123``) names the post. XenForo 1
posts are ``li.message`` (``id="post-123"``) with the body in
``blockquote.messageText`` and quotes in ``div.bbCodeQuote[data-author]``
linking back through the attribution's link (``goto/post?id=123#post-123``).
The post id is the quoted post's key, as a post's own id
(``data-content="post-123"``, ``id="post-123"``) is its key; a quote with
no id falls back to its words (see :func:`~._forum_html.resolve_quote`).

Posts are flat; quotes are the reply links (see
:mod:`modkit.parse.formats._forum_html`). Every post is a comment: on page 1
the opening post is the first one, and the article is left empty. XenForo 2
states the reply count in its JSON-LD, recorded as coverage (plus the opening
post), and a link to a next page is recorded as a truncated top-level branch.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.parse.formats._forum_html import ForumHtml, ForumPage, ForumPost, QuoteRef
from modkit.parse.formats._forum_markup import (
    forum_timestamp,
    json_ld_reply_count,
    page_head,
    quote_ref,
    read_body,
)
from modkit.parse.html import canonical_url, classes, first_text, looks_like_html, page_title
from modkit.parse.numbers import first_int
from modkit.parse.timestamps import iso_timestamp
from modkit.registry import page_formats

_XF2_POSTS = '.message[data-content^="post-"]'
_XF1_POSTS = 'li.message[id^="post-"]'
_XF2_QUOTE = "blockquote.bbCodeBlock--quote"
_XF1_QUOTE = "div.bbCodeQuote"
#: Link previews and the quote-selection marker are not the replier's words.
_CHROME = ".bbCodeBlock--unfurl, .js-selectToQuoteEnd, .messageTextEndMarker"
_POST_ID = re.compile(r"(?:post-|posts/|[?&]id=|post:\s*)(\d+)")


def _post_id(value: str | None) -> str | None:
    """The post id in a ``data-source``, element id or link ("post: 12", "#post-12")."""
    m = _POST_ID.search(value or "")
    return m.group(1) if m else None


def _post_number(header: LexborNode | None) -> int | None:
    """The "#21" post counter in a post's header, if shown."""
    if header is None:
        return None
    for n in header.css("a, span, li"):
        t = (n.text() or "").strip()
        if t.startswith("#") and first_int(t) is not None:
            return first_int(t)
    return None


def _own_post_link(quote: LexborNode, links: str, quote_class: str) -> str | None:
    """The post id a link in the quote's own header points at (not a link of a quote nested in it)."""
    for a in quote.css(links):
        up = a.parent
        while up is not None and up.mem_id != quote.mem_id and quote_class not in classes(up):
            up = up.parent
        if up is not None and up.mem_id == quote.mem_id:
            return _post_id(a.attributes.get("data-content-selector")) or _post_id(a.attributes.get("href"))
    return None


def _xf2_quote(node: LexborNode) -> QuoteRef:
    source = (node.attributes.get("data-source") or "").strip()
    if source:
        # A quote of a profile post or conversation names its source, which is never on the page.
        key = (_post_id(source) if source.startswith("post:") else source) or None
    else:
        key = _own_post_link(node, "a.bbCodeBlock-sourceJump", "bbCodeBlock--quote")
    author = (node.attributes.get("data-quote") or "").strip() or None
    content = node.css_first(".bbCodeBlock-expandContent") or node.css_first(".bbCodeBlock-content") or node
    return quote_ref(content, key, author, f"{_XF2_QUOTE}, .bbCodeBlock-expandLink, .bbCodeBlock-title")


def _xf1_quote(node: LexborNode) -> QuoteRef:
    key = _own_post_link(node, ".attribution a[href], a.AttributionLink", "bbCodeQuote")
    author = (node.attributes.get("data-author") or "").strip() or None
    content = node.css_first(".quote") or node.css_first(".quoteContainer") or node
    return quote_ref(content, key, author, f"{_XF1_QUOTE}, .quoteExpand, .attribution")


def _xf2_post(art: LexborNode) -> ForumPost:
    key = _post_id(art.attributes.get("data-content")) or _post_id(art.attributes.get("id"))
    author = (art.attributes.get("data-author") or "").strip() or first_text(art, (".message-name",))
    when = art.css_first(".message-attribution time[datetime]") or art.css_first("time[datetime]")
    body = art.css_first(".message-body .bbWrapper") or art.css_first(".message-body")
    text, quotes = read_body(body, _XF2_QUOTE, _xf2_quote, _CHROME)
    return ForumPost(text, author or None, forum_timestamp(when.attributes.get("datetime")) if when else None,
                     key, _post_number(art.css_first(".message-attribution-opposite")), quotes,
                     removed="message--deleted" in (art.attributes.get("class") or ""))


def _xf1_post(li: LexborNode) -> ForumPost:
    key = _post_id(li.attributes.get("id"))
    author = (li.attributes.get("data-author") or "").strip() or first_text(li, (".messageUserInfo .username",))
    when = li.css_first(".messageMeta .DateTime")
    stamp = None
    if when is not None:  # a Unix time in data-time, else the printed date
        stamp = iso_timestamp(when.attributes.get("data-time")) or \
            forum_timestamp(when.attributes.get("title")) or forum_timestamp(when.text())
    text, quotes = read_body(li.css_first("blockquote.messageText"), _XF1_QUOTE, _xf1_quote, _CHROME)
    return ForumPost(text, author or None, stamp, key,
                     _post_number(li.css_first(".messageMeta .publicControls")), quotes,
                     removed="deleted" in classes(li))


def _paging(tree: LexborHTMLParser) -> tuple[int | None, bool]:
    """Current page number (if shown) and whether a next page exists."""
    cur = tree.css_first(".pageNav-page--current")
    if cur is not None:
        return first_int(cur.text()), tree.css_first("a.pageNav-jump--next") is not None
    nav = tree.css_first(".PageNav[data-page]")
    if nav is not None:
        page, last = first_int(nav.attributes.get("data-page")), first_int(nav.attributes.get("data-last"))
        return page, page is not None and last is not None and page < last
    return None, tree.css_first('link[rel="next"]') is not None


@page_formats.register
class XenForoHtml(ForumHtml):
    """A XenForo 2 (or 1) thread page; reply links come from quotes.

    Examples
    --------
    >>> page = ('<html id="XF"><body>'
    ...   '<article class="message message--post" data-author="ann" data-content="post-1">'
    ...   '<div class="message-body"><div class="bbWrapper">Topic</div></div></article>'
    ...   '<article class="message message--post" data-author="bob" data-content="post-2">'
    ...   '<div class="message-body"><div class="bbWrapper">Hi</div></div></article>'
    ...   '<article class="message message--post" data-author="cy" data-content="post-3">'
    ...   '<div class="message-body"><div class="bbWrapper"><blockquote data-quote="bob" '
    ...   'data-source="post: 2" class="bbCodeBlock bbCodeBlock--quote">Hi</blockquote>No'
    ...   '</div></div></article></body></html>')
    >>> t = XenForoHtml().parse(page, "t.html")[0]
    >>> [(c.author, c.depth, c.text) for c in t.comments]
    [('ann', 0, 'Topic'), ('bob', 0, 'Hi'), ('cy', 1, 'No')]
    """

    name = "xenforo_html"
    description = "XenForo 2/1 thread page (HTML): flat posts, replies through quotes"

    def sniff(self, text: str, source: str) -> float:
        if not looks_like_html(text):
            return 0.0
        head = page_head(text)
        if ('id="XF"' in head or "data-xf-init" in text) and \
                ('data-content="post-' in text or "message--post" in text):
            return 0.95
        if 'id="XenForo"' in head and "messageText" in text:
            return 0.95
        return 0.0

    def read(self, tree: LexborHTMLParser) -> ForumPage:
        nodes = tree.css(_XF2_POSTS)
        posts = [_xf2_post(n) for n in nodes] if nodes else [_xf1_post(n) for n in tree.css(_XF1_POSTS)]
        page, more = _paging(tree)
        return ForumPage(page_title(tree), canonical_url(tree), posts, page=page, more_pages=more,
                         stated_count=json_ld_reply_count(tree))
