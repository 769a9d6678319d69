"""Old-Reddit comment pages (``old.reddit.com``) saved as HTML.

Every post and comment is a ``div.thing`` carrying its fullname
(``data-fullname="t1_…"``, ``id="thing_t1_…"``); replies sit in the comment's
``div.child > div.sitetable``. The parent of a comment is read from the page's
explicit signals first, DOM nesting last, because saved pages are often
malformed (an unclosed ``div`` nests the next comment inside the previous one):

1. a ``data-parent`` attribute on the thing;
2. the comment's own "parent" link (``a[data-event-action=parent]``, ``#<id>``
   or a permalink ending in the parent's id);
3. ``data-root="true"`` on its embed link: a top-level comment;
4. the nearest enclosing comment thing.

"load more comments (N replies)" (``morechildren`` things, ``span.morecomments``)
and "continue this thread" (``morerecursion``, ``span.deepthread``) become
``coverage.truncated`` under their parent (``-1`` when no number is shown). The
link post is the article: its self text, or for a link post the linked URL; its
"N comments" label is the stated count (any language: the first number).
Removed and deleted comments keep their place with an empty text and the
``removed`` flag; a ``[deleted]`` author becomes ``None``. Block quotes are
cut by modkit's one quote rule (README, "Page formats";
:mod:`modkit.parse.formats._quotes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.model import FLAG_REMOVED, Coverage, Thread
from modkit.parse.base import PageFormat, RawPost
from modkit.parse.build import build_thread
from modkit.parse.formats._quotes import Draft, Quote, resolve_quotes, take_quotes
from modkit.parse.formats._reddit import author_name, comment_url, fullname, is_gone, parent_key, thread_url
from modkit.parse.formats._replies import add_truncated
from modkit.parse.html import canonical_url, classes, clean_text, looks_like_html, node_text, parse_html
from modkit.parse.numbers import first_int
from modkit.parse.timestamps import iso_timestamp
from modkit.registry import page_formats

_STUB_CLASSES = frozenset({"morechildren", "morerecursion"})
_FOREIGN_CLASSES = frozenset({"thing", "child", "buttons"})
# Per-thing facts, each found with one document-wide query and assigned to its nearest thing.
_OWN = {
    "author": "a.author",
    "time": "time[datetime]",
    "body": "div.usertext-body div.md",
    "parent_link": 'a[data-event-action="parent"]',
    "root": "a[data-root]",
    "deleted": "p.tagline em",
    "permalink": 'a[data-event-action="permalink"]',
}


def _foreign(node: LexborNode) -> bool:
    """Markup inside a comment's body that is not its words: nested things, buttons, replies."""
    return node.tag in ("div", "ul") and not _FOREIGN_CLASSES.isdisjoint(classes(node))


def _is_thing(node: LexborNode) -> bool:
    return node.tag == "div" and "thing" in classes(node)


def _thing_of(node: LexborNode | None) -> LexborNode | None:
    """The nearest ``div.thing`` at or above ``node``."""
    while node is not None and not _is_thing(node):
        node = node.parent
    return node


def _is_comment(thing: LexborNode) -> bool:
    names = classes(thing)
    if not _STUB_CLASSES.isdisjoint(names):
        return False
    return "comment" in names or thing.attributes.get("data-type") == "comment" \
        or (thing.attributes.get("data-fullname") or "").startswith("t1_")


def _thing_key(thing: LexborNode) -> str | None:
    name = (thing.attributes.get("data-fullname") or "").strip()
    if not name:
        ident = (thing.attributes.get("id") or "").strip()
        name = ident[len("thing_"):] if ident.startswith("thing_") else ""
    return name or None


def _enclosing_comment(thing: LexborNode) -> LexborNode | None:
    cur = _thing_of(thing.parent)
    while cur is not None and not _is_comment(cur):
        cur = _thing_of(cur.parent)
    return cur


def _own_nodes(tree: LexborHTMLParser, selector: str) -> dict[int, LexborNode]:
    """First node matching ``selector`` per thing (keyed by the thing's ``mem_id``)."""
    out: dict[int, LexborNode] = {}
    for node in tree.css(selector):
        thing = _thing_of(node)
        if thing is not None:
            out.setdefault(thing.mem_id, node)
    return out


def _id_from_link(href: str) -> str | None:
    """The comment id a parent link points at: ``#d8q4cw4`` or ``…/comments/x/slug/d8q4cw4/``."""
    href = href.strip()
    if href.startswith("#"):
        return fullname(href[1:])
    parts = [p for p in urlsplit(href).path.split("/") if p]
    if "comments" in parts and len(parts) >= parts.index("comments") + 4:
        return fullname(parts[parts.index("comments") + 3])
    return None


class _Page:
    """One parsed page and the per-thing facts read from it."""

    def __init__(self, text: str) -> None:
        self.tree = parse_html(text)
        self.things = self.tree.css("div.thing")
        self.own = {name: _own_nodes(self.tree, sel) for name, sel in _OWN.items()}

    def get(self, what: str, thing: LexborNode) -> LexborNode | None:
        return self.own[what].get(thing.mem_id)

    def parent_of(self, thing: LexborNode) -> str | None:
        declared = (thing.attributes.get("data-parent") or "").strip()
        if declared:
            return parent_key(declared)
        link = self.get("parent_link", thing)
        if link is not None:
            target = _id_from_link(link.attributes.get("href") or "")
            if target:
                return parent_key(target)
        root = self.get("root", thing)
        if root is not None and (root.attributes.get("data-root") or "").lower() == "true":
            return None
        up = _enclosing_comment(thing)
        return _thing_key(up) if up is not None else None


def _timestamp(page: _Page, thing: LexborNode) -> str | None:
    node = page.get("time", thing)
    if node is not None and "edited-timestamp" in classes(node):
        # The edit time came first; the creation time is its tagline sibling.
        tagline = node.parent
        node = next((t for t in (tagline.css("time[datetime]") if tagline else [])
                     if "edited-timestamp" not in classes(t)), None)
    return iso_timestamp(node.attributes.get("datetime")) if node is not None else None


def _author(page: _Page, thing: LexborNode) -> str | None:
    node = page.get("author", thing)
    name = clean_text(node.text()) if node is not None else thing.attributes.get("data-author")
    return author_name(name)


def _permalink(page: _Page, thing: LexborNode, key: str | None, post: str | None) -> str | None:
    """The comment's live address: ``data-permalink``, its "permalink" button, else from the ids."""
    link = page.get("permalink", thing)
    for candidate in (thing.attributes.get("data-permalink"), link.attributes.get("href") if link else None):
        url = comment_url(candidate, None, None)
        if url is not None:
            return url
    return comment_url(None, key, post)


def _comment(page: _Page, thing: LexborNode, key: str | None, parent: str | None, post: str | None) -> Draft:
    """One comment thing, its block quotes cut from its body (not those of comments nested in it)."""
    body = page.get("body", thing)
    quotes: list[Quote] = []
    text = node_text(body, skip_node=_foreign)
    # A "[deleted]" tagline with a body still shown is a deleted account, not a deleted comment.
    mark = page.get("deleted", thing)
    removed = "deleted" in classes(thing) or is_gone(text) or (
        not text and mark is not None and is_gone(mark.text()))
    if removed:
        text = ""
    elif text:
        quotes = take_quotes(body, skip=_foreign)
        text = node_text(body, skip_node=_foreign)
    return Draft(RawPost(text, author=_author(page, thing), timestamp=_timestamp(page, thing), key=key,
                         platform_id=key, parent_key=parent, flags=(FLAG_REMOVED,) if removed else (),
                         url=_permalink(page, thing, key, post)), quotes)


def _stubs(page: _Page) -> Iterable[tuple[str | None, int]]:
    """``(parent key, count)`` of every "load more" / "continue this thread" stub."""
    seen: set[int] = set()
    for node in page.tree.css("span.morecomments, span.deepthread"):
        thing = _thing_of(node)
        if thing is not None and not _STUB_CLASSES.isdisjoint(classes(thing)):
            if thing.mem_id in seen:  # one stub thing, one count
                continue
            seen.add(thing.mem_id)
        deep = "deepthread" in classes(node) or (thing is not None and "morerecursion" in classes(thing))
        if thing is not None and _is_comment(thing):
            parent = _thing_key(thing)
        elif thing is not None and (thing.attributes.get("data-parent") or "").strip():
            parent = parent_key(thing.attributes["data-parent"])
        else:
            up = _enclosing_comment(thing) if thing is not None else None
            parent = _thing_key(up) if up is not None else None
        link = node.css_first("a[href]")
        if deep and link is not None:
            # "continue this thread" links to the permalink of the comment it continues.
            parent = _id_from_link(link.attributes.get("href") or "") or parent
        count = -1 if deep else (first_int(node_text(node)) or -1)
        yield parent_key(parent), count


def _article(link: LexborNode | None) -> str:
    if link is None:
        return ""
    self_text = link.css_first("div.expando div.md")
    if self_text is not None and not is_gone(node_text(self_text)):
        return node_text(self_text)
    url = (link.attributes.get("data-url") or "").strip()
    domain = link.attributes.get("data-domain") or ""
    return url if url.startswith("http") and not domain.startswith("self.") else ""


def _title(page: _Page, link: LexborNode | None) -> str:
    node = link.css_first("a.title") if link is not None else None
    if node is not None and node.text(strip=True):
        return " ".join(node.text().split())
    head = page.tree.css_first("title")
    # Old Reddit titles read "Post title : subreddit".
    return " ".join(head.text().split()).rsplit(" : ", 1)[0] if head is not None else ""


def _stated_count(page: _Page, link: LexborNode | None) -> int | None:
    for node in ([link.css_first("a.comments")] if link is not None else []) + \
            [page.tree.css_first("div.panestack-title span.title")]:
        if node is not None:
            n = first_int(node_text(node))
            if n is not None:
                return n
    return None


@page_formats.register
class RedditHtml(PageFormat):
    """Old-Reddit comment pages saved as HTML.

    Examples
    --------
    >>> page = ('<html><body><div class="sitetable nestedlisting">'
    ...         '<div class="thing comment" data-fullname="t1_a" data-author="ann">'
    ...         '<div class="entry"><div class="usertext-body"><div class="md"><p>Hi</p></div></div></div>'
    ...         '<div class="child"><div class="sitetable">'
    ...         '<div class="thing comment" data-fullname="t1_b"><div class="entry">'
    ...         '<p class="tagline"><a class="author">bob</a></p>'
    ...         '<div class="usertext-body"><div class="md"><p>[removed]</p></div></div>'
    ...         '</div></div></div></div></div></div></body></html>')
    >>> t = RedditHtml().parse(page, "r.html")[0]
    >>> [(c.depth, c.author, c.text, c.flags) for c in t.comments]
    [(0, 'ann', 'Hi', ()), (1, 'bob', '', ('removed', 'empty'))]
    """

    name = "reddit_html"
    description = "old-Reddit comment page saved as HTML (div.thing comments)"
    kind = "html"

    def sniff(self, text: str, source: str) -> float:
        if not looks_like_html(text):
            return 0.0
        if ("thing_t1_" in text or "thing_t3_" in text) and ("sitetable" in text or "siteTable" in text):
            return 0.95
        if 'data-fullname="t1_' in text and 'class="md"' in text:
            return 0.8
        return 0.0

    def parse(self, text: str, source: str) -> list[Thread]:
        page = _Page(text)
        link = next((t for t in page.things
                     if (t.attributes.get("data-fullname") or "").startswith("t3_")), None)
        coverage = Coverage(stated_count=_stated_count(page, link))
        post_name = _thing_key(link) if link is not None else None
        if post_name is None:
            listing = page.tree.css_first('div.nestedlisting[id^="siteTable_t3_"]')
            post_name = (listing.attributes.get("id") or "")[len("siteTable_"):] if listing else None
        drafts = [_comment(page, thing, _thing_key(thing), page.parent_of(thing), post_name)
                  for thing in page.things if _is_comment(thing)]
        posts = resolve_quotes(drafts)
        for parent, count in _stubs(page):
            add_truncated(coverage, parent, count)
        url = thread_url(post_name) or canonical_url(page.tree)
        return [build_thread(platform=self.name, source=source, title=_title(page, link),
                             article=_article(link), posts=posts, coverage=coverage, url=url,
                             by="parent")]
