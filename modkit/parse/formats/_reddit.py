"""What the two Reddit formats (old-Reddit HTML, API JSON) share.

Reddit names things by "fullname": a type prefix and a base-36 id (``t1_`` a
comment, ``t3_`` a post). Both formats key comments on the comment fullname and
derive the thread identity from the post's, so the same thread saved from
``old.``, ``www.`` or ``np.`` hosts, or with a different title slug, keeps its ids.
"""

from __future__ import annotations

from modkit.parse.links import web_url

#: Where Reddit's site-relative permalinks ("/r/sub/comments/…") live.
REDDIT = "https://www.reddit.com/"

#: Bodies Reddit shows for a comment that was removed by moderators or deleted.
GONE_BODIES = frozenset({"[removed]", "[deleted]", "[ Removed by Reddit ]", "[removed by reddit]"})
#: The author name Reddit shows for a deleted account.
DELETED_AUTHOR = "[deleted]"


def is_gone(body: str) -> bool:
    """Whether a comment body is Reddit's placeholder for a removed or deleted comment.

    Examples
    --------
    >>> is_gone(" [removed] "), is_gone("[deleted]"), is_gone("removed it myself")
    (True, True, False)
    """
    return body.strip() in GONE_BODIES


def author_name(name: str | None) -> str | None:
    """An author name, or ``None`` when the page shows none or a deleted account.

    Examples
    --------
    >>> author_name("[deleted]"), author_name(" ann "), author_name("")
    (None, 'ann', None)
    """
    name = (name or "").strip()
    return None if not name or name == DELETED_AUTHOR else name


def fullname(raw: str | None, prefix: str = "t1_") -> str | None:
    """A Reddit fullname from a fullname or a bare base-36 id.

    Examples
    --------
    >>> fullname("d8q4cw4"), fullname("t3_579q17"), fullname(" ")
    ('t1_d8q4cw4', 't3_579q17', None)
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    if len(raw) > 3 and raw[0] == "t" and raw[1].isdigit() and raw[2] == "_":
        return raw
    return prefix + raw


def parent_key(parent_id: str | None) -> str | None:
    """The parent key of a comment: ``None`` when it answers the post (``t3_…``) itself.

    Examples
    --------
    >>> parent_key("t3_abc"), parent_key("t1_xyz"), parent_key(None)
    (None, 't1_xyz', None)
    """
    name = fullname(parent_id)
    return None if name is None or name.startswith("t3_") else name


def thread_url(post_fullname: str | None) -> str | None:
    """The platform URL a thread's identity is derived from: the post's short permalink.

    Examples
    --------
    >>> thread_url("t3_579q17")
    'https://www.reddit.com/comments/579q17/'
    """
    name = fullname(post_fullname, "t3_")
    if name is None or not name.startswith("t3_"):
        return None
    return f"https://www.reddit.com/comments/{name[3:]}/"


def comment_url(permalink: str | None, comment: str | None, post: str | None) -> str | None:
    """The live comment's address: its permalink, else one made from the post's and comment's ids.

    Reddit resolves ``/comments/<post>/_/<comment>/`` whatever the title slug (``_``
    here), so a dump without permalinks still links to the real comment.

    Examples
    --------
    >>> comment_url("/r/x/comments/abc/title/d1/", "t1_d1", "t3_abc")
    'https://www.reddit.com/r/x/comments/abc/title/d1/'
    >>> comment_url(None, "t1_d1", "t3_abc")
    'https://www.reddit.com/comments/abc/_/d1/'
    >>> comment_url("javascript:void(0)", "t1_d1", None) is None
    True
    """
    url = web_url(permalink, REDDIT)
    if url is not None:
        return url
    comment, post = fullname(comment), fullname(post, "t3_")
    if comment is None or post is None or not comment.startswith("t1_") or not post.startswith("t3_"):
        return None
    return web_url(f"{REDDIT}comments/{post[3:]}/_/{comment[3:]}/")
