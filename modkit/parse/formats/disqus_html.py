"""Disqus comments as rendered in a browser and saved as HTML.

The embed renders ``ul#post-list`` with one ``li.post`` per comment (id
``post-123456``) and replies in a nested ``ul.children``. A reply's header
links to its parent (``a.parent-link`` to ``#comment-123``): that explicit link
wins over the DOM nesting, which Disqus flattens beyond its maximum depth. The
author is ``[data-role=username]`` / ``.post-byline .author``, the time the
``title`` of ``a.time-ago``, the words ``[data-role=message]`` /
``.post-message``. "This comment was deleted." bodies are removed comments;
"Load more comments" and "Show more replies" stubs are truncated branches.

Browsers save the embed either inline (a DOM snapshot) or, with SingleFile and
similar tools, inside the iframe's ``srcdoc``; both are read. A page whose
Disqus iframe never loaded (``#disqus_thread`` and nothing in it) parses to no
comments and a truncated top level, since its comments exist but were not saved.

The thread's title is the host page's (og:title, its heading, the title Disqus was
given in ``disqus-threadData``, its ``<title>``), never the embed's own generic title
("Disqus Comments", "Комментарии Disqus"), which a page saved from inside the iframe
carries. Each comment links back to ``<thread URL>#comment-<id>``, Disqus's own
permalink: its time link when that is an address on the thread's site, else the
thread URL (canonical link, ``disqus_config``'s ``page.url``, the thread data's
``link``, SingleFile's ``url:`` note) plus the post id.
"""

from __future__ import annotations

import json
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
    enclosing,
    first_text,
    looks_like_html,
    og_title,
    own_first,
    parse_html,
)
from modkit.parse.links import web_url
from modkit.parse.numbers import count_in
from modkit.parse.timestamps import printed_timestamp
from modkit.registry import page_formats

_ID = re.compile(r"^post-(\d+)$")
_INSIDE = "[data-role=post-content], .post-content, [data-role=message], .post-message"
_AUTHOR = (".post-byline [data-role=username]", ".post-byline .author", "[data-role=username]",
           ".author")
_TIME = ("a.time-ago[title]", "[data-role=relative-time][title]", ".post-meta a[title]")
_BODY = ("[data-role=message]", ".post-message")
_PARENT = ("a[data-role=parent-link]", "a.parent-link")
_MORE_REPLIES = "[data-action=show-children], .show-children"
_MORE_POSTS = "[data-action=more-posts], .load-more a, .load-more__button"
_COUNTS = (".comment-count", "[data-role=comment-count]", ".disqus-comment-count",
           'a[href$="#disqus_thread"]')
#: A comment's time link, Disqus's permalink to it.
_PERMALINKS = "a.time-ago[href], a[data-role=relative-time][href], .post-meta a[href]"
#: The host page's address as its Disqus set-up script or a SingleFile save note gives it.
_PAGE_URL = (re.compile(r"""(?:\bthis\.page\.url|\bdisqus_url)\s*=\s*(["'])(.+?)\1"""),
             re.compile(r"Page saved with SingleFile\s+url:\s*(?P<q>)(\S+)"))
#: A ``#comment-123`` link names the Disqus post ``post-123``.
_link_key = partial(comment_link, prefix="post-")


def is_hidden(node: LexborNode) -> bool:
    """Whether the node or an ancestor is hidden (``display:none``, ``hidden``).

    Examples
    --------
    >>> is_hidden(parse_html('<div style="display: none"><a>x</a></div>').css_first("a"))
    True
    """
    cur: LexborNode | None = node
    while cur is not None and cur.tag not in ("body", "html"):
        attrs = cur.attributes
        style = (attrs.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or "hidden" in attrs or "hidden" in classes(cur):
            return True
        cur = cur.parent
    return False


def post_nodes(tree: LexborHTMLParser) -> list[LexborNode]:
    """The Disqus posts (``li.post``) of a document, in page order.

    Blog themes use ``li.post`` for lists of articles too; a Disqus post sits in
    the post list or carries Disqus's own inner markup.

    Examples
    --------
    >>> t = parse_html('<ul id="post-list"><li class="post" id="post-7">x</li></ul>'
    ...                '<ul class="recent"><li class="post" id="post-8">an article</li></ul>')
    >>> [n.id for n in post_nodes(t)]
    ['post-7']
    """
    # Scoped searches: a descendant selector checks every post's ancestors, quadratic in the nesting depth.
    listed = {n.mem_id for lst in tree.css("#post-list, .post-list") for n in lst.css("li.post")}
    return [n for n in tree.css("li.post")
            if n.mem_id in listed or (_ID.match(n.id or "") and n.css_first(_INSIDE) is not None)]


def _embedded(tree: LexborHTMLParser) -> LexborHTMLParser | None:
    """The Disqus document a saving tool inlined as an iframe's ``srcdoc``, if any."""
    for frame in tree.css("iframe[srcdoc]"):
        doc = frame.attributes.get("srcdoc") or ""
        if "post-list" in doc or "post-message" in doc:
            inner = parse_html(doc)
            if post_nodes(inner):
                return inner
    return None


def is_embed_title(title: str) -> bool:
    """Whether a title is the Disqus embed's own ("Disqus Comments", in any language), not a thread's.

    Examples
    --------
    >>> is_embed_title("Комментарии Disqus"), is_embed_title("Disqus-Kommentare"), is_embed_title("Disqus")
    (True, True, True)
    >>> is_embed_title("Why we moved our comments off Disqus"), is_embed_title("Flood defences delayed")
    (False, False)
    """
    words = re.findall(r"\w+", title.casefold())
    # The embed's title is "Disqus" plus a word or two ("Comments", "Comentarios de"); a headline is longer.
    return "disqus" in words and len(words) <= 3


def thread_data(tree: LexborHTMLParser) -> dict:
    """The ``thread`` object of the embed's ``script#disqus-threadData`` JSON, or ``{}``.

    Examples
    --------
    >>> thread_data(parse_html('<script type="text/json" id="disqus-threadData">'
    ...                        '{"response": {"thread": {"title": "Hi"}}}</script>'))
    {'title': 'Hi'}
    """
    node = tree.css_first("script#disqus-threadData")
    try:
        data = json.loads(node.text()) if node is not None else {}
    except ValueError:
        return {}
    response = data.get("response") if isinstance(data, dict) else None
    thread = response.get("thread") if isinstance(response, dict) else None
    return thread if isinstance(thread, dict) else {}


def thread_title(host: LexborHTMLParser, doc: LexborHTMLParser) -> str:
    """The discussion's title: the host page's, never the embed iframe's generic one.

    Candidates, in order: the host's og:title, its first heading, the title the site
    gave Disqus (``disqus-threadData``), the host's ``<title>``, the embed's
    ``<title>``. The first that is not a generic embed title wins; if all are, the
    first there is.

    Examples
    --------
    >>> host = parse_html("<title>Комментарии Disqus</title><script type='text/json' id='disqus-threadData'>"
    ...                   '{"response": {"thread": {"clean_title": "Tram timetable review"}}}</script>')
    >>> thread_title(host, host)
    'Tram timetable review'
    >>> thread_title(parse_html("<title>Disqus Comments</title>"), parse_html(""))
    'Disqus Comments'
    """
    data = thread_data(doc) or thread_data(host)
    candidates = [og_title(host), first_text(host, ("h1",)),
                  *(clean_text(str(data.get(k) or "")) for k in ("clean_title", "title")),
                  first_text(host, ("head title", "title")), first_text(doc, ("title",))]
    found = [c for c in candidates if c]
    return next((c for c in found if not is_embed_title(c)), found[0] if found else "")


def thread_url(host: LexborHTMLParser, doc: LexborHTMLParser, text: str) -> str | None:
    """The discussion's web address: canonical link, Disqus set-up, thread data, SingleFile note.

    Examples
    --------
    >>> page = "<script>var disqus_config = function () { this.page.url = 'https://b.org/p/'; };</script>"
    >>> thread_url(parse_html(page), parse_html(page), page)
    'https://b.org/p/'
    """
    found = [canonical_url(host), *(m.group(2) for p in _PAGE_URL for m in [p.search(text)] if m),
             thread_data(doc).get("link"), thread_data(host).get("link")]
    return next((u for u in map(web_url, found) if u is not None), None)


def _count(node: LexborNode | None) -> int:
    n = count_in(node.text()) if node is not None else None
    return n if n is not None and n > 0 else -1


@page_formats.register
class DisqusHtml(PageFormat):
    """Disqus comments rendered in a saved HTML page.

    Examples
    --------
    >>> page = ('<html><body><div id="disqus_thread"><ul id="post-list">'
    ...         '<li class="post" id="post-1"><span class="author">ann</span>'
    ...         '<div class="post-message" data-role="message"><p>First!</p></div>'
    ...         '<ul class="children"><li class="post" id="post-2"><span class="author">bob</span>'
    ...         '<div class="post-message" data-role="message"><p>Second.</p></div></li></ul>'
    ...         '</li></ul></div></body></html>')
    >>> t = DisqusHtml().parse(page, "p.html")[0]
    >>> [(c.depth, c.author, c.text) for c in t.comments]
    [(0, 'ann', 'First!'), (1, 'bob', 'Second.')]
    """

    name = "disqus_html"
    description = "Disqus comments rendered in a browser (li.post, ul.children) saved as HTML"
    kind = "html"

    def sniff(self, text: str, source: str) -> float:
        if not looks_like_html(text) or ("disqus" not in text and "post-list" not in text):
            return 0.0
        tree = parse_html(text)
        if post_nodes(tree) or _embedded(tree) is not None:
            return 0.9
        return 0.6 if tree.css_first("#disqus_thread") is not None else 0.0

    def parse(self, text: str, source: str) -> list[Thread]:
        host = parse_html(text)
        doc = host if post_nodes(host) else (_embedded(host) or host)
        title, url = thread_title(host, doc), thread_url(host, doc, text)
        coverage = Coverage(stated_count=self._stated_count(doc, host))
        nodes = post_nodes(doc)
        if not nodes and host.css_first("#disqus_thread") is not None:
            coverage.truncated[None] = -1  # the embed never loaded: its comments were not saved
        keys = comment_keys(nodes, _ID)
        self._stubs(doc, nodes, keys, coverage)
        drafts = self._drafts(nodes, keys, url)
        return [build_thread(platform=self.name, source=source, title=title,
                             article=article_text(host), posts=resolve_quotes(drafts),
                             coverage=coverage, url=url, by="parent")]

    @staticmethod
    def _stated_count(doc: LexborHTMLParser, host: LexborHTMLParser) -> int | None:
        for tree in (doc, host):
            for sel in _COUNTS:
                for node in tree.css(sel):
                    n = count_in(node.text())
                    if n is not None:
                        return n
        return None

    @staticmethod
    def _stubs(doc: LexborHTMLParser, nodes: list[LexborNode], keys: list[str],
               coverage: Coverage) -> None:
        """Record "Show more replies" under their post and "Load more comments" at top level."""
        stubs = [s for s in doc.css(_MORE_REPLIES) if not is_hidden(s)]
        owners = enclosing([*nodes, *stubs])[len(nodes):]
        for stub, owner in zip(stubs, owners):
            coverage.truncated[keys[owner] if owner is not None else None] = _count(stub)
        if any(not is_hidden(s) for s in doc.css(_MORE_POSTS)):
            coverage.truncated.setdefault(None, -1)

    def _drafts(self, nodes: list[LexborNode], keys: list[str], page_url: str | None) -> list[Draft]:
        dom = enclosing(nodes)
        return read_own_markup(nodes, lambda i, node: self._draft(
            node, keys[i], keys[dom[i]] if dom[i] is not None else None, page_url))

    @staticmethod
    def _draft(node: LexborNode, key: str, dom_parent: str | None, page_url: str | None) -> Draft:
        author_node = own_first(node, _AUTHOR)
        when = own_first(node, _TIME)
        link = own_first(node, _PARENT)
        parent = _link_key(link.attributes.get("href") or "") if link is not None else None
        post_id = _ID.match(key)
        # Disqus links post 123 as "#comment-123" on the thread's page.
        url = own_link(node, _PERMALINKS, f"comment-{post_id.group(1)}", page_url) if post_id else None
        return comment_draft(own_first(node, _BODY), key=key,
                             author=clean_text(author_node.text()) if author_node is not None else None,
                             timestamp=printed_timestamp(when.attributes.get("title")) if when is not None else None,
                             parent=parent or dom_parent, link_key=_link_key, url=url)
