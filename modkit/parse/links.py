"""Links back to the live comment: only web addresses a page gives or that follow from its ids.

Comment links end up as ``href`` attributes in HTML reports and as Markdown links, so
what a page says is a link is kept only when it is an absolute ``http``/``https``
address with a host and no spaces or control characters; anything else
(``javascript:``, ``data:``, relative paths without a base, junk) becomes ``None``.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

#: Characters a well-formed address has percent-encoded; a link with one is dropped rather than
#: repaired (``|`` would also split a Markdown table row, ``<>"'`` an HTML attribute or Markdown link).
_BAD = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\|]")
#: Longest link kept (browsers and servers reject much longer ones; a page-sized "link" is junk).
MAX_URL_CHARS = 2_000


def web_url(value: object, base: str | None = None) -> str | None:
    """``value`` as an absolute http(s) address (resolved against ``base`` if relative), else ``None``.

    Examples
    --------
    >>> web_url("/r/x/comments/1/t/c2/", "https://www.reddit.com/")
    'https://www.reddit.com/r/x/comments/1/t/c2/'
    >>> web_url("javascript:alert(1)"), web_url("/relative"), web_url("https://a.org/a b")
    (None, None, None)
    >>> web_url(" HTTPS://News.example.com/item?id=1 ")
    'https://News.example.com/item?id=1'
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_URL_CHARS or _BAD.search(value):
        return None
    if base is not None and not urlsplit(value).scheme:
        base = web_url(base)
        if base is None:
            return None
        value = urljoin(base, value)
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, parts.fragment))


def anchored(page_url: str | None, fragment: str) -> str | None:
    """The page's address with ``#fragment`` (replacing any fragment it had), or ``None`` without a page.

    Examples
    --------
    >>> anchored("https://blog.example.org/post/#respond", "comment-12")
    'https://blog.example.org/post/#comment-12'
    >>> anchored(None, "comment-12") is None, anchored("ftp://x.org/", "c") is None
    (True, True)
    """
    url = web_url(page_url)
    if url is None or not fragment:
        return None
    return url.split("#", 1)[0] + "#" + fragment
