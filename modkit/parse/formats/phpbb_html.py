"""phpBB 3 topic pages (prosilver and its descendants) saved as HTML.

Posts are ``div.post`` with ``id="p123"``; the author is in ``p.author``
("by <strong>X</strong> » date", with a ``time[datetime]`` since 3.2), the
body in ``.content`` and the signature in ``div.signature`` (dropped). A quote
is a ``blockquote`` whose ``cite`` reads "X wrote:" and, since 3.2, links to
the quoted post (``a[href$="#p123"]``, ``data-post-id``); phpBB 3.0 cites
name only the author, so such a quote links to that author's most recent
earlier post containing the quoted text (else their most recent earlier post;
see :mod:`modkit.parse.formats._forum_html`). Only the outermost quote is a
reply link, and all quoted text is cut from the reply.

Every post is a comment: on page 1 the opening post is the first one, and the
article is left empty. The pagination's "N posts" gives the stated count (N:
the replies and the opening post), and a next page is recorded as a truncated
top-level branch.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.parse.formats._forum_html import ForumHtml, ForumPage, ForumPost, QuoteRef, replies_stated
from modkit.parse.formats._forum_markup import (
    forum_timestamp,
    page_head,
    quote_ref,
    read_body,
)
from modkit.parse.html import (
    below,
    canonical_url,
    classes,
    clean_text,
    drop,
    first_text,
    looks_like_html,
    select,
)
from modkit.parse.numbers import first_int
from modkit.registry import page_formats

_POST_ID = re.compile(r"p(\d+)")
_POST_LINK = re.compile(r"(?:#p|[?&]p=)(\d+)")
_START = re.compile(r"[?&]start=(\d+)")
#: "X wrote:" in the languages phpBB ships most; the name is what precedes it.
_WROTE = re.compile(r"\s*(?:wrote|hat geschrieben|a écrit|escribió|ha scritto|schreef|skrev|napisał\(a\)|"
                    r"написал\(а\)|escreveu|kirjoitti|yazdı)\s*:\s*$", re.I)
#: Attachments and code-box chrome inside a body are not the poster's words.
_CHROME = ".attachbox, dl.file, dl.thumbnail, .codebox p, .codebox dt, .signature, .notice"


def _cite(quote: LexborNode) -> LexborNode | None:
    """The quote's own ``cite`` (not one of a nested quote)."""
    for cite in below(quote, "cite"):
        cur = cite.parent
        while cur is not None and cur.tag != "blockquote":
            cur = cur.parent
        if cur is not None and cur.mem_id == quote.mem_id:
            return cite
    return None


def _quote(node: LexborNode) -> QuoteRef:
    cite = _cite(node)
    m = _POST_LINK.search(node.attributes.get("cite") or "")
    key = m.group(1) if m else None
    author = None
    if cite is not None:
        for a in cite.css("a"):
            pid = a.attributes.get("data-post-id") or ""
            m = _POST_LINK.search(a.attributes.get("href") or "")
            if pid.isdigit() or m:
                key = pid if pid.isdigit() else m.group(1)
        member = cite.css_first('a[href*="memberlist.php"]')
        if member is not None:
            author = clean_text(member.text()) or None
        else:
            # The cite's own text, without the date and the jump-to-post arrow.
            drop(cite, ".responsive-hide, a, span")
            author = _WROTE.sub("", clean_text(cite.text())) or None
        cite.decompose()
    return quote_ref(node, key, author, "blockquote")


def _author(div: LexborNode) -> str | None:
    return first_text(div, ("p.author .username", "p.author .username-coloured", "p.author strong",
                            ".postprofile .username", ".postprofile .username-coloured",
                            ".postprofile dt a"))


def _timestamp(div: LexborNode) -> str | None:
    when = div.css_first("p.author time[datetime]")
    if when is not None:
        return forum_timestamp(when.attributes.get("datetime"))
    line = first_text(div, ("p.author",)) or ""
    return forum_timestamp(line.rsplit("»", 1)[-1]) if "»" in line else None


def _post(div: LexborNode, key: str) -> ForumPost:
    body = div.css_first(".postbody .content") or div.css_first(".content")
    text, quotes = read_body(body, "blockquote", _quote, _CHROME)
    return ForumPost(text, _author(div), _timestamp(div), key, None, quotes, removed="deleted" in classes(div))


def _paging(tree: LexborHTMLParser, url: str | None) -> tuple[int | None, bool, int | None]:
    """Current page, whether a next page exists, and the topic's post total."""
    nav = tree.css_first(".pagination")
    page = total = None
    more = False
    if nav is not None:
        # "25 posts" is the pagination block's own text, ahead of the page links.
        own = " ".join(n.text_content or "" for n in nav.iter(include_text=True) if n.tag == "-text")
        total = first_int(own)
        active = nav.css_first("li.active")
        if active is not None:
            page = first_int(active.text())
            more = bool(select(nav, 'a[rel="next"], li.next'))
        else:  # phpBB 3.0: "Page <strong>2</strong> of <strong>3</strong>"
            strongs = [first_int(s.text()) for s in nav.css("strong")]
            if len(strongs) >= 2 and None not in strongs[:2]:
                page, more = strongs[0], strongs[0] < strongs[1]
    if page is None and url:
        m = _START.search(url)
        page = 2 if m and int(m.group(1)) > 0 else None
    return page, more, total


def _title(tree: LexborHTMLParser) -> str:
    title = first_text(tree.body, ("h2.topic-title", "#page-body h2")) if tree.body else None
    return title or first_text(tree.root, ("title",)) or ""


@page_formats.register
class PhpBBHtml(ForumHtml):
    """A phpBB 3 topic page; reply links come from quotes.

    Examples
    --------
    >>> post = ('<div id="p{0}" class="post"><div class="postbody"><p class="author">by '
    ...         '<strong><a class="username">{1}</a></strong></p><div class="content">{2}</div>'
    ...         '<div class="signature">sig</div></div></div>')
    >>> quote = ('<blockquote><div><cite>bob wrote: <a href="./viewtopic.php?p=2#p2">↑</a></cite>'
    ...          'Hi</div></blockquote>No')
    >>> page = "<html><body id='phpbb'>" + post.format(1, "ann", "Topic") + \\
    ...     post.format(2, "bob", "Hi") + post.format(3, "cy", quote) + "</body></html>"
    >>> t = PhpBBHtml().parse(page, "t.html")[0]
    >>> [(c.author, c.depth, c.text) for c in t.comments]
    [('ann', 0, 'Topic'), ('bob', 0, 'Hi'), ('cy', 1, 'No')]
    """

    name = "phpbb_html"
    description = "phpBB 3 topic page (HTML): flat posts, replies through quotes"

    def sniff(self, text: str, source: str) -> float:
        if not looks_like_html(text):
            return 0.0
        marked = 'class="postbody"' in text and 'class="post ' in text
        head = page_head(text)
        if marked and ('id="phpbb"' in head or "phpBB" in text):
            return 0.95
        if marked and "viewtopic.php" in text:
            return 0.85
        return 0.0

    def read(self, tree: LexborHTMLParser) -> ForumPage:
        posts = []
        for div in tree.css('div.post[id^="p"]'):
            m = _POST_ID.fullmatch(div.attributes.get("id") or "")
            if m:
                posts.append(_post(div, m.group(1)))
        url = canonical_url(tree)
        page, more, total = _paging(tree, url)
        return ForumPage(_title(tree), url, posts, page=page, more_pages=more, stated_count=replies_stated(total))
