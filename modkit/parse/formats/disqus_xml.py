"""Disqus XML exports (``<disqus xmlns="http://disqus.com">``).

An export lists ``<thread dsq:id=…>`` elements (link, title, message) and
``<post dsq:id=…>`` elements, each naming its thread (``<thread dsq:id=…/>``) and,
for a reply, its parent (``<parent dsq:id=…/>``). One file holds many threads.

Choices, so that nothing a moderator needs disappears silently:

* one :class:`Thread` per ``<thread>`` that has at least one post, in file
  order; threads without posts are left out (nothing to moderate);
* posts naming a thread the export lacks are kept, grouped under a placeholder
  thread per missing id (empty title), after the real ones;
* ``isDeleted`` posts are kept with the ``removed`` flag (and their text when
  the export still has it); ``isSpam`` posts are dropped: spam was never shown
  to readers and is not part of the discussion, and a reply to it becomes a
  flagged orphan, so the loss stays visible;
* a thread's identity is its ``dsq:id`` (stable across URL migrations, unlike
  its link); a thread without a title is titled by its link.

Messages are HTML; their block quotes are cut by modkit's one quote rule
(README, "Page formats"; :mod:`modkit.parse.formats._quotes`). The file is read with lxml with entity
expansion and network access off; a truncated file yields what it still holds.
"""

from __future__ import annotations

import logging

from lxml import etree

from modkit.model import FLAG_REMOVED, Thread
from modkit.parse.base import PageFormat, RawPost
from modkit.parse.build import build_thread
from modkit.parse.formats._quotes import Draft, resolve_quotes, take_quotes
from modkit.parse.formats._xml import child, child_text, id_attr, is_true, local, parse_xml, sniff_export
from modkit.parse.html import html_fragment, node_text
from modkit.parse.links import anchored
from modkit.parse.timestamps import iso_timestamp
from modkit.registry import page_formats

log = logging.getLogger(__name__)


def _author(post: etree._Element) -> str | None:
    author = child(post, "author")
    if author is None:
        return None
    return child_text(author, "name") or child_text(author, "username") or None


class _Posts:
    """The posts of one thread, gathered first: replies may precede their parents."""

    def __init__(self) -> None:
        self.elements: list[etree._Element] = []

    def add(self, post: etree._Element) -> None:
        self.elements.append(post)

    def posts(self) -> list[RawPost]:
        return resolve_quotes([_draft(el) for el in self.elements])


def _draft(el: etree._Element) -> Draft:
    """One ``<post>``, its block quotes cut from its message."""
    key = id_attr(el)
    body = html_fragment(child_text(el, "message"))
    quotes = take_quotes(body)
    flags = (FLAG_REMOVED,) if is_true(child_text(el, "isDeleted")) else ()
    return Draft(RawPost(node_text(body), author=_author(el), timestamp=iso_timestamp(child_text(el, "createdAt")),
                         key=key, platform_id=key, parent_key=id_attr(child(el, "parent")), flags=flags), quotes)


@page_formats.register
class DisqusXml(PageFormat):
    """Disqus XML export: many threads in one file.

    Examples
    --------
    >>> page = ('<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
    ...         '<thread dsq:id="1"><link>http://x.org/a</link><title>A</title></thread>'
    ...         '<post dsq:id="10"><message><![CDATA[<p>Hi</p>]]></message>'
    ...         '<author><name>ann</name></author><thread dsq:id="1"/></post>'
    ...         '<post dsq:id="11"><message>Yo</message><isDeleted>true</isDeleted>'
    ...         '<thread dsq:id="1"/><parent dsq:id="10"/></post></disqus>')
    >>> t = DisqusXml().parse(page, "d.xml")[0]
    >>> t.title, [(c.depth, c.author, c.text, c.flags) for c in t.comments]
    ('A', [(0, 'ann', 'Hi', ()), (1, None, 'Yo', ('removed',))])
    """

    name = "disqus_xml"
    description = "Disqus XML export (<disqus> with <thread> and <post> elements)"
    kind = "xml"

    def sniff(self, text: str, source: str) -> float:
        return sniff_export(text, "<disqus", "disqus.com")

    def parse(self, text: str, source: str) -> list[Thread]:
        root = parse_xml(text, source)
        threads: dict[str, etree._Element] = {}
        by_thread: dict[str | None, _Posts] = {}
        spam = 0
        for el in root.iter():
            name = local(el)
            parent = el.getparent()
            if name == "thread" and (parent is None or local(parent) != "post"):
                tid = id_attr(el)
                if tid is not None:
                    threads.setdefault(tid, el)
            elif name == "post":
                if is_true(child_text(el, "isSpam")):
                    spam += 1
                    continue
                by_thread.setdefault(id_attr(child(el, "thread")), _Posts()).add(el)
        if spam:
            log.debug("%s: %d spam posts dropped", source, spam)
        out = [self._thread(source, tid, threads[tid], by_thread[tid])
               for tid in threads if tid in by_thread]
        out += [self._thread(source, tid, None, posts)
                for tid, posts in by_thread.items() if tid not in threads]
        return out

    def _thread(self, source: str, tid: str | None, el: etree._Element | None, posts: _Posts) -> Thread:
        link = None
        if el is not None:
            link = child_text(el, "link")
            title = child_text(el, "title") or link
            article = node_text(html_fragment(child_text(el, "message")))
        else:
            title = article = ""
        rows = posts.posts()
        for post in rows:  # Disqus links post N as "#comment-N" on the thread's page
            post.url = anchored(link, f"comment-{post.platform_id}") if post.platform_id else None
        return build_thread(platform=self.name, source=source, title=title, article=article,
                            posts=rows, url=f"disqus:thread:{tid}" if tid else None,
                            by="parent")
