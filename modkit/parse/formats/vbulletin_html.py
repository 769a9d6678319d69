"""vBulletin thread pages (vBulletin 3, 4 and 5) saved as HTML.

* vBulletin 5: ``li.b-post[data-node-id]``, body ``.js-post__content-text``,
  counter ``.b-post__count``;
* vBulletin 4: ``li.postcontainer``/``li.postbit``/``li.postbitlegacy`` with
  ``id="post_123"``, author ``.username``, date ``.postdate``, counter
  ``a.postcounter`` ("#2"), body ``#post_message_123 blockquote.postcontent``;
* vBulletin 3: ``table#post123`` with ``a.bigusername``, the date in the first
  ``td.thead``, counter ``a#postcount123[name]`` and body ``div#post_message_123``.

vBulletin 4 and 5 quote with ``div.bbcode_quote`` (``.bbcode_postedby`` holds
"Originally Posted by <strong>X</strong>" and a ``showthread.php?p=123#post123``
link); vBulletin 3 with a ``div`` holding a "Quote:" caption and a table. Only
the outermost quote is a reply link; all quoted text is cut from the reply, and
signatures are dropped. A quote that names only its author links to that
author's most recent earlier post containing the quoted text (else their most
recent earlier post); see :mod:`modkit.parse.formats._forum_html`.

Every post is a comment: on page 1 the opening post is the first one, and the
article is left empty. "Results 1 to 10 of 25" gives the stated count (25
posts: 24 replies and the opening post) and a link to a next page is recorded
as a truncated branch.
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
from modkit.parse.html import below, canonical_url, first_text, looks_like_html, og_title, select
from modkit.parse.numbers import first_int
from modkit.registry import page_formats

_VB5_POSTS = ".b-post[data-node-id]"
_VB4_POSTS = 'li.postcontainer[id^="post_"], li.postbit[id^="post_"], li.postbitlegacy[id^="post_"]'
_VB3_POSTS = 'table[id^="post"]'
_VB45_QUOTE = ".bbcode_quote"
#: vBulletin 3 quotes have no class: a block holding a caption ("Quote:") and a table.
_VB3_QUOTE = "div:has(> div.smallfont + table)"
#: Signatures, and the "Code:"/"Quote:" captions of code blocks (BB code cannot set classes,
#: so these classes inside a body are always the software's chrome).
_CHROME = (".signature, .signaturecontainer, .b-post__signature, .post-signature, .js-post-signature, "
           "div.smallfont, .bbcode_description")
#: vBulletin 3's signature separator: a line of underscores (18 in the stock templates).
_SIG_RULE = re.compile(r"^[ \t]*_{10,}[ \t]*$", re.M)
_POST_LINK = re.compile(r"(?:[?&]p=|#post|[?&]postid=)(\d+)")
_VB3_ID = re.compile(r"post(\d+)")


def _post_link(node: LexborNode | None) -> str | None:
    """The id of the post a quote header links to, if it links to one."""
    if node is None:
        return None
    for a in node.css("a[href]"):
        m = _POST_LINK.search(a.attributes.get("href") or "")
        if m:
            return m.group(1)
    return None


def _vb45_quote(node: LexborNode) -> QuoteRef:
    by = node.css_first(".bbcode_postedby")
    author = first_text(by, ("strong",)) if by is not None else None
    content = node.css_first(".message") or node.css_first(".quote_container") or node
    return quote_ref(content, _post_link(by), author,
                     f"{_VB45_QUOTE}, .bbcode_postedby, .bbcode_quote_container")


def _vb3_quote(node: LexborNode) -> QuoteRef:
    cell = node.css_first("td") or node
    # The header is the cell's first block when it names a poster ("Originally Posted by X").
    header = next((d for d in cell.iter() if d.tag == "div"), None)
    author = key = None
    if header is not None and header.css_first("strong") is not None and not below(header, "table"):
        author, key = first_text(header, ("strong",)), _post_link(header)
        header.decompose()
    return quote_ref(cell, key, author, _VB3_QUOTE)


def _quote(node: LexborNode) -> QuoteRef:
    return _vb45_quote(node) if "bbcode_quote" in (node.attributes.get("class") or "") else _vb3_quote(node)


def cut_signature(text: str) -> str:
    """A post's text without a signature set off by a line of underscores.

    The post ends at its last line made only of underscores (ten or more;
    vBulletin prints eighteen). A post with no such line is returned whole.

    Examples
    --------
    >>> cut_signature("Check the jet.\\n\\n__________________\\n'68 Commando")
    'Check the jet.'
    >>> cut_signature("Name: ________ (fill in)")
    'Name: ________ (fill in)'
    """
    rules = list(_SIG_RULE.finditer(text))
    return text[:rules[-1].start()].rstrip() if rules else text


def _body(node: LexborNode | None) -> tuple[str, list[QuoteRef]]:
    text, quotes = read_body(node, f"{_VB45_QUOTE}, {_VB3_QUOTE}", _quote, _CHROME)
    return cut_signature(text), quotes


def _vb5_post(li: LexborNode) -> ForumPost:
    when = li.css_first(".b-post__timestamp time[datetime]") or li.css_first("time[datetime]")
    text, quotes = _body(li.css_first(".js-post__content-text"))
    return ForumPost(text, first_text(li, (".b-userinfo__details .author", ".author")),
                     forum_timestamp(when.attributes.get("datetime")) if when else None,
                     li.attributes.get("data-node-id"), first_int(first_text(li, (".b-post__count",))),
                     quotes)


def _vb4_post(li: LexborNode) -> ForumPost:
    key = (li.attributes.get("id") or "").removeprefix("post_") or None
    body = li.css_first('[id^="post_message_"] blockquote.postcontent') or li.css_first('[id^="post_message_"]')
    text, quotes = _body(body)
    classes = li.attributes.get("class") or ""
    return ForumPost(text, first_text(li, (".username_container .username", ".username")),
                     forum_timestamp(first_text(li, (".postdate .date", ".postdate"))), key,
                     first_int(first_text(li, ("a.postcounter",))), quotes,
                     removed="postbitdeleted" in classes or body is None)


def _vb3_post(table: LexborNode, key: str) -> ForumPost:
    body = table.css_first(f"#post_message_{key}")
    text, quotes = _body(body)
    counter = table.css_first('a[id^="postcount"]')
    number = first_int(counter.attributes.get("name") or counter.text()) if counter is not None else None
    return ForumPost(text, first_text(table, (".bigusername",)),
                     forum_timestamp(first_text(table, ("td.thead",))), key, number, quotes,
                     removed=body is None)


def _posts(tree: LexborHTMLParser) -> list[ForumPost]:
    nodes = tree.css(_VB5_POSTS)
    if nodes:
        return [_vb5_post(n) for n in nodes]
    nodes = select(tree, _VB4_POSTS)
    if nodes:
        return [_vb4_post(n) for n in nodes]
    out = []
    for table in tree.css(_VB3_POSTS):
        m = _VB3_ID.fullmatch(table.attributes.get("id") or "")
        if m:
            out.append(_vb3_post(table, m.group(1)))
    return out


def _paging(tree: LexborHTMLParser) -> tuple[int | None, bool, int | None]:
    """Current page (if shown), whether a next page exists, and the thread's post total."""
    cur = first_text(tree.body, (".pagination span.selected", ".pagenav td.alt2 strong",
                                 ".js-pagenav-current-button")) if tree.body else None
    more = bool(select(tree, '.pagination a[rel="next"], .pagenav a[rel="next"], link[rel="next"]'))
    stats = first_text(tree.body, ("#postpagestats_above", "#postpagestats")) if tree.body else None
    if stats is None:
        shown = tree.css_first(".pagenav td.alt2 span[title]")
        stats = shown.attributes.get("title") if shown is not None else None
    total = None
    if stats:  # "Results 11 to 20 of 25": the last number is the thread's post count
        nums = [first_int(w) for w in stats.split()]
        total = next((n for n in reversed(nums) if n is not None), None)
    return first_int(cur), more, total


def _title(tree: LexborHTMLParser) -> str:
    shown = first_text(tree.body, (".threadtitle", "h1.main-title", "td.navbar strong")) if tree.body else None
    return og_title(tree) or shown or first_text(tree.root, ("title",)) or ""


@page_formats.register
class VBulletinHtml(ForumHtml):
    """A vBulletin 3/4/5 thread page; reply links come from quotes.

    Examples
    --------
    >>> post = ('<li class="postcontainer" id="post_{0}"><a class="username"><strong>{1}</strong></a>'
    ...         '<div id="post_message_{0}"><blockquote class="postcontent">{2}</blockquote></div></li>')
    >>> quote = ('<div class="bbcode_quote"><div class="bbcode_postedby">Originally Posted by '
    ...          '<strong>bob</strong> <a href="showthread.php?p=2#post2">View Post</a></div>'
    ...          '<div class="message">Hi</div></div>No')
    >>> page = "<html><body><ol id='posts'>" + post.format(1, "ann", "Topic") + \\
    ...     post.format(2, "bob", "Hi") + post.format(3, "cy", quote) + "</ol></body></html>"
    >>> t = VBulletinHtml().parse(page, "t.html")[0]
    >>> [(c.author, c.depth, c.text) for c in t.comments]
    [('ann', 0, 'Topic'), ('bob', 0, 'Hi'), ('cy', 1, 'No')]
    """

    name = "vbulletin_html"
    description = "vBulletin 3/4/5 thread page (HTML): flat posts, replies through quotes"

    def sniff(self, text: str, source: str) -> float:
        if not looks_like_html(text):
            return 0.0
        marked = 'id="post_message_' in text or "js-post__content-text" in text
        if marked and "vBulletin" in page_head(text):
            return 0.95
        if marked and "showthread.php" in text:
            return 0.85
        return 0.0

    def read(self, tree: LexborHTMLParser) -> ForumPage:
        posts = _posts(tree)
        page, more, total = _paging(tree)
        return ForumPage(_title(tree), canonical_url(tree), posts, page=page, more_pages=more,
                         stated_count=replies_stated(total))
