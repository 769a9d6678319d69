"""WordPress WXR exports (RSS with the ``wp:`` export namespace).

Each ``<item>`` is a post, page or attachment (title, link, ``content:encoded``);
its ``<wp:comment>`` elements carry ``wp:comment_id``, ``wp:comment_parent``
(``0`` for top level), author, dates, content, type and approval status. One
file holds many threads.

Choices:

* one :class:`Thread` per item with at least one kept comment, whatever its
  post type or status (an attachment page with comments is a real discussion);
  items without comments are left out (nothing to moderate);
* pingbacks, trackbacks and other non-comment types (plugin notes,
  webmentions) are dropped; ``comment``, ``review`` and the empty type are kept;
* approval ``spam`` is dropped (never shown to readers; a reply to it becomes a
  flagged orphan); ``trash``/``post-trashed`` is kept with the ``removed`` flag
  and its text; ``0`` (held for moderation) is kept unflagged;
* timestamps are ``wp:comment_date_gmt`` in UTC, or the local
  ``wp:comment_date`` (without offset) when the GMT date is missing or zero;
* a thread's identity is the item's ``guid`` (stable when slugs change), else its
  link.

Comment content is WordPress's raw text, whose line breaks are meaningful; block
quotes are cut by modkit's one quote rule (README, "Page formats";
:mod:`modkit.parse.formats._quotes`).
The file is read with lxml with entity expansion and network access off; a
truncated export yields what it still holds.
"""

from __future__ import annotations

from lxml import etree

from modkit.model import FLAG_REMOVED, Thread
from modkit.parse.base import PageFormat, RawPost
from modkit.parse.build import build_thread
from modkit.parse.formats._quotes import Draft, resolve_quotes, take_quotes
from modkit.parse.formats._xml import child_text, children, local, parse_xml, sniff_export
from modkit.parse.html import html_fragment, node_text
from modkit.parse.links import anchored
from modkit.parse.timestamps import iso_timestamp
from modkit.registry import page_formats

#: Comment types that are people talking; pingbacks, trackbacks and notes are not.
KEPT_TYPES = frozenset({"", "comment", "review"})
_DROPPED_STATUS = frozenset({"spam"})
_REMOVED_STATUS = frozenset({"trash", "post-trashed"})
_NAMESPACE_MARK = "wordpress.org/export/"


def _timestamp(comment: etree._Element) -> str | None:
    return iso_timestamp(child_text(comment, "comment_date_gmt"), naive_is_utc=True) \
        or iso_timestamp(child_text(comment, "comment_date"))


def _kept(comment: etree._Element) -> bool:
    if not child_text(comment, "comment_id") and not child_text(comment, "comment_content"):
        return False  # an empty shell, as a truncated export ends
    status = child_text(comment, "comment_approved").lower()
    return child_text(comment, "comment_type").lower() in KEPT_TYPES and status not in _DROPPED_STATUS


def _parent(comment: etree._Element) -> str | None:
    parent = child_text(comment, "comment_parent")
    return None if parent in ("", "0") else parent


def _posts(item: etree._Element) -> list[RawPost]:
    return resolve_quotes([_draft(c) for c in children(item, "comment") if _kept(c)])


def _key(comment: etree._Element) -> str | None:
    return child_text(comment, "comment_id") or None


def _draft(comment: etree._Element) -> Draft:
    """One ``<wp:comment>``, its block quotes cut from its content."""
    key = _key(comment)
    body = html_fragment(child_text(comment, "comment_content"))
    quotes = take_quotes(body)
    removed = child_text(comment, "comment_approved").lower() in _REMOVED_STATUS
    post = RawPost(node_text(body, breaks=True), author=child_text(comment, "comment_author") or None,
                   timestamp=_timestamp(comment), key=key, platform_id=key, parent_key=_parent(comment),
                   flags=(FLAG_REMOVED,) if removed else ())
    return Draft(post, quotes)


@page_formats.register
class WordpressWxr(PageFormat):
    """WordPress WXR export: one thread per post with comments.

    Examples
    --------
    >>> page = ('<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>T</title>'
    ...         '<link>http://b.org/t/</link><wp:comment><wp:comment_id>5</wp:comment_id>'
    ...         '<wp:comment_author>ann</wp:comment_author><wp:comment_content>Hi</wp:comment_content>'
    ...         '<wp:comment_parent>0</wp:comment_parent></wp:comment><wp:comment>'
    ...         '<wp:comment_id>6</wp:comment_id><wp:comment_type>pingback</wp:comment_type>'
    ...         '</wp:comment></item></channel></rss>')
    >>> t = WordpressWxr().parse(page, "w.xml")[0]
    >>> t.title, [(c.author, c.text) for c in t.comments]
    ('T', [('ann', 'Hi')])
    """

    name = "wordpress_wxr"
    description = "WordPress WXR export (RSS with wp: comments), one thread per post"
    kind = "xml"

    def sniff(self, text: str, source: str) -> float:
        return sniff_export(text, "<rss", _NAMESPACE_MARK)

    def parse(self, text: str, source: str) -> list[Thread]:
        root = parse_xml(text, source)
        out: list[Thread] = []
        for item in root.iter():
            if local(item) != "item":
                continue
            posts = _posts(item)
            if not posts:
                continue
            link = child_text(item, "link")
            for post in posts:  # WordPress links comment N as "#comment-N" on the post's page
                post.url = anchored(link, f"comment-{post.platform_id}") if post.platform_id else None
            identity = child_text(item, "guid") or link or None
            article = node_text(html_fragment(child_text(item, "encoded")), breaks=True)
            out.append(build_thread(platform=self.name, source=source, title=child_text(item, "title"),
                                    article=article, posts=posts, url=identity, by="parent"))
        return out
