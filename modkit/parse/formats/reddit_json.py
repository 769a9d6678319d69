"""Reddit API JSON (``/comments/<id>.json``) and comment dumps.

The API returns two Listings: the post (``t3``) and its comment forest (``t1``
things whose ``replies`` is a nested Listing, or ``""``). Each comment names its
parent (``parent_id``: ``t1_…``, or the post's ``t3_…`` at top level), which is
what the tree is built from. ``more`` stubs stand for replies the API did not
send ("load more comments", or "continue this thread" when ``count`` is 0 and
``children`` empty); they become ``coverage.truncated`` under their parent.

Also accepted: a single Listing, a bare list of comment things, and flat dumps of
comment objects (Pushshift style: ``id``, ``parent_id``, ``link_id``, ``body``).
Comments of a dump without the post are grouped into one thread per ``link_id``.

Bodies are Markdown with ``&``, ``<`` and ``>`` escaped as entities; they are
unescaped, and their ``>`` quotes are cut by modkit's one quote rule (README,
"Page formats"; :mod:`modkit.parse.formats._quotes`). ``[removed]``/``[deleted]`` bodies
become empty texts flagged ``removed``; a ``[deleted]`` author becomes ``None``
(a deleted account whose comment is still there keeps its text, unflagged). A
link post's article is its URL, a self post's its text.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from modkit.errors import ParseError
from modkit.model import FLAG_REMOVED, Coverage, Thread
from modkit.parse.base import PageFormat, RawPost
from modkit.parse.build import build_thread
from modkit.parse.formats._quotes import Draft, Quote, resolve_quotes, take_markdown_quotes
from modkit.parse.formats._reddit import author_name, comment_url, fullname, is_gone, parent_key, thread_url
from modkit.parse.formats._replies import add_truncated
from modkit.parse.timestamps import iso_timestamp
from modkit.registry import page_formats

# A JSON sniff, not markup: the "kind" tags of Reddit things near the start.
_KIND = re.compile(r'"kind"\s*:\s*"(?:t1|t3|more|Listing)"')
_SNIFF_CHARS = 65_536
_BLANK_RUN = re.compile(r"\n{2,}")


def _thing(obj: Any) -> tuple[str | None, dict]:
    """``(kind, data)`` of a Reddit thing, or of a bare comment/post object."""
    if not isinstance(obj, dict):
        return None, {}
    data = obj.get("data")
    if isinstance(obj.get("kind"), str) and isinstance(data, dict):
        return obj["kind"], data
    if "body" in obj and ("parent_id" in obj or "id" in obj):
        return "t1", obj
    if "title" in obj and ("selftext" in obj or "num_comments" in obj):
        return "t3", obj
    return None, {}


def _top_things(data: Any) -> list[Any]:
    """The top-level things of any accepted layout, Listings unwrapped, in order."""
    if isinstance(data, dict):
        if data.get("kind") == "Listing" and isinstance(data.get("data"), dict):
            return list(data["data"].get("children") or [])
        if isinstance(data.get("data"), list):  # {"data": [comment, ...]} dumps
            return list(data["data"])
        return [data]
    if isinstance(data, list):
        out: list[Any] = []
        for item in data:
            if isinstance(item, dict) and item.get("kind") == "Listing":
                out.extend(_top_things(item))
            else:
                out.append(item)
        return out
    return []


@dataclass
class _Group:
    """One thread being collected: its comment objects in page order, and its coverage."""

    items: list[dict] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    link_title: str = ""

    def posts(self) -> list[RawPost]:
        return resolve_quotes([_draft(d) for d in self.items])


def _tidy(body: str) -> str:
    """A Markdown body with trailing spaces and runs of blank lines gone (indentation kept).

    Examples
    --------
    >>> _tidy("  Hi  \\r\\n \\n\\n    code\\n")
    'Hi\\n\\n    code'
    """
    return _BLANK_RUN.sub("\n\n", "\n".join(line.rstrip() for line in body.splitlines())).strip()


def _draft(data: dict) -> Draft:
    """One comment object, its ``>`` quotes cut from its body."""
    key, parent = fullname(data.get("name") or data.get("id")), parent_key(data.get("parent_id"))
    body = html.unescape(data.get("body") or "")
    flags: tuple[str, ...] = ()
    quotes: list[Quote] = []
    if is_gone(body):
        text, flags = "", (FLAG_REMOVED,)
    else:
        text, quotes = take_markdown_quotes(_tidy(body))
    post = RawPost(text, author=author_name(data.get("author")),
                   timestamp=iso_timestamp(data.get("created_utc", data.get("created"))),
                   key=key, platform_id=key, parent_key=parent, flags=flags,
                   url=comment_url(data.get("permalink"), key, fullname(data.get("link_id"), "t3_")))
    return Draft(post, quotes)


def _more(data: dict, group: _Group) -> None:
    kids = data.get("children") or []
    count = data.get("count") if isinstance(data.get("count"), int) else 0
    # count 0 with no children is "continue this thread": replies exist, number unknown.
    add_truncated(group.coverage, parent_key(data.get("parent_id")), count or len(kids) or -1)


@page_formats.register
class RedditJson(PageFormat):
    """Reddit API JSON: the post listing and its comment forest.

    Examples
    --------
    >>> page = json.dumps([
    ...     {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {
    ...         "name": "t3_x", "title": "Hi", "selftext": "Body", "is_self": True, "num_comments": 3}}]}},
    ...     {"kind": "Listing", "data": {"children": [
    ...         {"kind": "t1", "data": {"name": "t1_a", "parent_id": "t3_x", "author": "ann",
    ...          "body": "Top", "created_utc": 0, "replies": {"kind": "Listing", "data": {"children": [
    ...              {"kind": "t1", "data": {"name": "t1_b", "parent_id": "t1_a", "author": "[deleted]",
    ...               "body": "[removed]", "replies": ""}}]}}}}]}}])
    >>> t = RedditJson().parse(page, "x.json")[0]
    >>> [(c.depth, c.author, c.text, c.flags) for c in t.comments]
    [(0, 'ann', 'Top', ()), (1, None, '', ('removed', 'empty'))]
    >>> t.title, t.article, t.coverage.stated_count
    ('Hi', 'Body', 3)
    """

    name = "reddit_json"
    description = "Reddit API JSON (/comments/<id>.json listings, comment dumps)"
    kind = "json"

    def sniff(self, text: str, source: str) -> float:
        head = text[:_SNIFF_CHARS]
        if not head.lstrip("\ufeff \t\r\n").startswith(("[", "{")):
            return 0.0
        if _KIND.search(head):
            return 0.95
        if '"parent_id"' in head and '"link_id"' in head and '"body"' in head:
            return 0.8
        return 0.0

    def parse(self, text: str, source: str) -> list[Thread]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        post: dict | None = None
        n_posts = 0
        groups: dict[str | None, _Group] = {}
        # Depth-first in page order with an explicit stack: deep threads cannot overflow it.
        stack = list(reversed(_top_things(data)))
        while stack:
            kind, item = _thing(stack.pop())
            if kind == "t3":
                post = post or item
                n_posts += 1
                continue
            if kind not in ("t1", "more"):
                continue
            link = None if post is not None else fullname(item.get("link_id"), "t3_")
            group = groups.setdefault(link, _Group())
            if kind == "more":
                _more(item, group)
                continue
            group.link_title = group.link_title or html.unescape(item.get("link_title") or "")
            group.items.append(item)
            replies = item.get("replies")
            if isinstance(replies, dict):
                stack.extend(reversed(_top_things(replies)))
        if n_posts > 1 and not groups:
            raise ParseError(f"{source}: a listing of {n_posts} Reddit posts, not a comment thread")
        if post is not None:
            # The post listing may follow comments gathered before it was seen.
            merged = _Group()
            for g in groups.values():
                merged.items.extend(g.items)
                for k, n in g.coverage.truncated.items():
                    add_truncated(merged.coverage, k, n)
            return [self._thread(source, post, merged)]
        if not groups:
            raise ParseError(f"{source}: no Reddit post or comments in this JSON")
        return [self._thread(source, {"name": link, "title": g.link_title}, g)
                for link, g in groups.items()]

    def _thread(self, source: str, post: dict, group: _Group) -> Thread:
        title = html.unescape(post.get("title") or "")
        selftext = html.unescape(post.get("selftext") or "")
        if is_gone(selftext):
            selftext = ""
        url = post.get("url") or ""
        article = selftext or ("" if post.get("is_self") or not url.startswith("http") else url)
        if isinstance(post.get("num_comments"), int):
            group.coverage.stated_count = post["num_comments"]
        name = fullname(post.get("name") or post.get("id"), "t3_")
        return build_thread(platform=self.name, source=source, title=title, article=article,
                            posts=group.posts(), coverage=group.coverage, url=thread_url(name),
                            by="parent")
