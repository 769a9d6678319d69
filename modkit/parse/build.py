"""Turn a format's :class:`RawPost` records into a valid comment forest.

The one place that assigns stable ids, depths and positions, repairs what real
pages get wrong (parents missing or appearing after their children, cycles,
depth jumps, duplicated markup) and records what it repaired as coverage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence

from modkit.model import (
    FLAG_EMPTY,
    FLAG_OPENING_POST,
    FLAG_ORPHAN,
    Comment,
    Coverage,
    Thread,
    make_comment_id,
    make_thread_id,
)
from modkit.parse.base import RawPost, thread_identity
from modkit.parse.links import web_url

log = logging.getLogger(__name__)


def _flags(post: RawPost, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    flags = list(post.flags) + list(extra)
    if not post.text.strip() and FLAG_EMPTY not in flags:
        flags.append(FLAG_EMPTY)
    return tuple(dict.fromkeys(flags))


def iter_comments_by_depth(thread_id: str, posts: Iterable[RawPost]) -> Iterator[Comment]:
    """Stream comments from posts that carry only a nesting depth.

    The parent of a post is the nearest earlier post one level up. A depth that
    jumps by more than one level (malformed indentation) is clamped to the
    previous depth + 1. Runs in constant memory per nesting level, so it serves
    arbitrarily long dumps. Quotes must be given as keys of earlier posts.

    Examples
    --------
    >>> cs = list(iter_comments_by_depth("t", [RawPost("a", depth=0), RawPost("b", depth=3)]))
    >>> [(c.depth, c.parent_id == cs[0].comment_id) for c in cs]
    [(0, False), (1, True)]
    """
    stack: list[str] = []  # comment ids of the current ancestors, by depth
    counts: list[int] = [0]  # sibling counters along the current path
    path: list[int] = []
    key_to_id: dict[str, str] = {}
    for position, post in enumerate(posts):
        depth = max(0, min(post.depth or 0, len(stack)))
        del stack[depth:]
        del path[depth:]
        del counts[depth + 1:]
        index = counts[depth]
        counts[depth] += 1
        counts.append(0)
        path.append(index)
        cid = make_comment_id(thread_id, post.platform_id, path=path, text=post.text)
        parent = stack[-1] if stack else None
        quotes = tuple(key_to_id[q] for q in post.quotes if q in key_to_id)
        if post.key:
            key_to_id[post.key] = cid
        stack.append(cid)
        # Every link passes web_url here, whatever a format did: reports put it in an href.
        yield Comment(cid, thread_id, parent, depth, position, post.author, post.timestamp,
                      post.text, quotes, _flags(post), web_url(post.url))


#: Longest title kept (a real title is under 300 characters).
MAX_TITLE_CHARS = 1_000


def _spell(link: tuple | None) -> tuple[int | str, ...]:
    """The path of sibling positions from the root, from its linked form ``(position, parent link)``."""
    out: list[int | str] = []
    while link is not None:
        out.append(link[0])
        link = link[1]
    return tuple(reversed(out))


def _root_links(kept: Sequence[RawPost], roots: Sequence[int]) -> list[tuple[int, int, tuple]]:
    """Stack entries ``(post, depth 0, link)`` of the top-level posts, in page order.

    A forum's opening post (flagged ``opening_post``) is spelled ``op`` and does not
    count among its siblings: the replies keep the paths, hence the ids, they had
    when the opening post was the article (labels are keyed on those ids).
    """
    out: list[tuple[int, int, tuple]] = []
    n = 0
    for r in roots:
        if FLAG_OPENING_POST in kept[r].flags:
            out.append((r, 0, ("op", None)))
        else:
            out.append((r, 0, (n, None)))
            n += 1
    return out


def comments_by_parent(thread_id: str, posts: Sequence[RawPost],
                       coverage: Coverage) -> list[Comment]:
    """Build comments from posts that name their parent's key.

    Posts whose parent is absent become top-level orphans (flagged, and listed in
    ``coverage.orphans``); a post listed twice under one key keeps its first
    occurrence; cycles are broken; children that appear before their parent
    are moved after it, otherwise page order is kept.

    Examples
    --------
    >>> cov = Coverage()
    >>> cs = comments_by_parent("t", [RawPost("b", key="2", parent_key="1"),
    ...                               RawPost("a", key="1")], cov)
    >>> [(c.text, c.depth) for c in cs]
    [('a', 0), ('b', 1)]
    """
    seen: dict[str, int] = {}
    kept: list[RawPost] = []
    for post in posts:
        if post.key is not None:
            if post.key in seen:
                log.debug("duplicate post key %s dropped", post.key)
                continue
            seen[post.key] = len(kept)
        kept.append(post)

    parent_of: list[int | None] = []
    orphan: list[bool] = []
    for i, post in enumerate(kept):
        p = seen.get(post.parent_key) if post.parent_key is not None else None
        is_orphan = post.parent_key is not None and p is None
        if p == i:
            p, is_orphan = None, True
        parent_of.append(p)
        orphan.append(is_orphan)

    # Break cycles, visiting each post once (linear even for a 100,000-long reply chain): walk up
    # from each unvisited post; meeting a post on the current walk closes a cycle, which is cut
    # at its earliest post (that post loses its parent).
    state = [0] * len(kept)  # 0 unvisited, 1 on the current walk, 2 done
    for i in range(len(kept)):
        walk: list[int] = []
        j: int | None = i
        while j is not None and state[j] == 0:
            state[j] = 1
            walk.append(j)
            j = parent_of[j]
        if j is not None and state[j] == 1:
            first = min(walk[walk.index(j):])
            parent_of[first], orphan[first] = None, True
        for x in walk:
            state[x] = 2

    kids: dict[int | None, list[int]] = {}
    for i, p in enumerate(parent_of):
        kids.setdefault(p, []).append(i)

    out: list[Comment] = []
    ids: list[str | None] = [None] * len(kept)
    key_to_id: dict[str, str] = {}
    # Depth-first from the roots in page order; roots sorted by page index. A post's path of sibling
    # positions is kept as a linked (position, parent link) pair and spelled out only for a post
    # without a platform id, so a deep chain of platform-id posts costs linear time.
    stack: list[tuple[int, int, tuple]] = list(reversed(_root_links(kept, kids.get(None, []))))
    while stack:
        i, depth, link = stack.pop()
        post = kept[i]
        cid = make_comment_id(thread_id, post.platform_id, path=() if post.platform_id else _spell(link),
                              text=post.text)
        ids[i] = cid
        if post.key is not None:
            key_to_id[post.key] = cid
        p = parent_of[i]
        extra = (FLAG_ORPHAN,) if orphan[i] else ()
        if orphan[i]:
            coverage.orphans.append(cid)
        out.append(Comment(cid, thread_id, ids[p] if p is not None else None, depth, 0,
                           post.author, post.timestamp, post.text, post.quotes, _flags(post, extra),
                           web_url(post.url)))
        stack.extend((k, depth + 1, (n, link)) for n, k in reversed(list(enumerate(kids.get(i, [])))))
    for pos, c in enumerate(out):
        c.position = pos
        c.quotes = tuple(key_to_id[q] for q in c.quotes if q in key_to_id)
    # Formats record "load more" stubs under the parent's page key; report comment ids.
    coverage.truncated = {(key_to_id.get(k, k) if k is not None else None): n
                          for k, n in coverage.truncated.items()}
    return out


def build_thread(*, platform: str, source: str, title: str, article: str,
                 posts: Sequence[RawPost], coverage: Coverage | None = None,
                 url: str | None = None, by: str = "parent") -> Thread:
    """Assemble a :class:`Thread` from a format's posts.

    ``by="parent"`` uses each post's ``parent_key``; ``by="depth"`` its ``depth``.

    Examples
    --------
    >>> t = build_thread(platform="x", source="p.txt", title="T", article="",
    ...                  posts=[RawPost("hi", depth=0), RawPost("yo", depth=1)], by="depth")
    >>> [c.depth for c in t.comments], t.n_comments
    ([0, 1], 2)
    """
    coverage = coverage or Coverage()
    if len(title) > MAX_TITLE_CHARS:
        # The title is repeated on every comment row: a 200 MB "title" (a page on one line) would be
        # copied thousands of times. Cut it, saying so; the id still comes from the whole title.
        log.warning("%s: title of %s characters cut to %s", source, f"{len(title):,}", f"{MAX_TITLE_CHARS:,}")
    thread_id = make_thread_id(platform, thread_identity(source, title, url))
    title = title if len(title) <= MAX_TITLE_CHARS else title[:MAX_TITLE_CHARS - 1] + "…"
    if by == "depth":
        comments = list(iter_comments_by_depth(thread_id, posts))
    elif by == "parent":
        comments = comments_by_parent(thread_id, posts, coverage)
    else:
        raise ValueError(f"by must be 'parent' or 'depth', got {by!r}")
    return Thread(thread_id, source, platform, title, article, comments, coverage)
