"""Reading forum markup (XenForo, vBulletin, phpBB): post bodies, quotes, dates, counts.

The pieces every forum format needs while it fills a
:class:`~modkit.parse.formats._forum_html.ForumPage`; turning the page into a
thread is :mod:`modkit.parse.formats._forum_html`'s part.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.parse.formats._forum_html import QuoteRef
from modkit.parse.html import below, drop, node_text, outermost
from modkit.parse.timestamps import printed_timestamp

#: Localised date layouts the three products print when they give no machine date.
DATE_LAYOUTS = (
    "%b %d, %Y at %I:%M %p",      # XenForo 1: "Nov 21, 2013 at 2:13 AM"
    "%b %d, %Y",                  # XenForo 1, older posts
    "%m-%d-%Y, %I:%M %p",         # vBulletin: "11-21-2013, 02:13 AM"
    "%m-%d-%Y %I:%M %p",
    "%d-%m-%Y, %H:%M",
    "%d.%m.%Y, %H:%M",
    "%a %b %d, %Y %I:%M %p",      # phpBB 3: "Thu Nov 21, 2013 2:13 am"
    "%a %b %d, %Y %H:%M",
    "%d %b %Y, %H:%M",            # phpBB 3 "d M Y, H:i"
    "%Y-%m-%d %H:%M",
)


def post_text(node: LexborNode | None) -> str:
    """Readable text of a post body (see :func:`modkit.parse.html.node_text`); smilies keep their ``alt``.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> t = parse_html('<div>Hi,<br>\\nyou <img class="smilie" alt=":)"><br>\\n<br>\\nBye</div>')
    >>> post_text(t.css_first("div"))
    'Hi,\\nyou :)\\n\\nBye'
    """
    return node_text(node, smilies=True)


def forum_timestamp(value: str | None) -> str | None:
    """An ISO 8601 string from a post's ``datetime`` or printed date (see :data:`DATE_LAYOUTS`).

    Printed dates carry no time zone, so they come back naive; relative ones
    ("Today", "Yesterday") cannot be placed and give ``None``.

    Examples
    --------
    >>> forum_timestamp("2018-09-27T14:51:09+0200"), forum_timestamp("Thu Nov 21, 2013 2:13 am")
    ('2018-09-27T14:51:09+02:00', '2013-11-21T02:13:00')
    >>> forum_timestamp("Today, 02:13 AM") is None
    True
    """
    return printed_timestamp(value, layouts=DATE_LAYOUTS)


def read_body(body: LexborNode | None, quote_selector: str, read_quote: Callable[[LexborNode], QuoteRef],
              chrome: str) -> tuple[str, list[QuoteRef]]:
    """A post body's own words and its outermost quotes, which are cut out; ``chrome`` is dropped.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> body = parse_html("<div><blockquote>Hi</blockquote>No<span class=sig>me</span></div>").css_first("div")
    >>> read_body(body, "blockquote", lambda q: QuoteRef(text=post_text(q)), ".sig")
    ('No', [QuoteRef(key=None, author=None, text='Hi')])
    """
    if body is None:
        return "", []
    quotes = []
    for q in outermost(below(body, quote_selector), within=body):
        quotes.append(read_quote(q))
        q.decompose()
    drop(body, chrome)
    return post_text(body), quotes


def quote_ref(content: LexborNode, key: str | None, author: str | None, chrome: str) -> QuoteRef:
    """A quote's reference, its words read from ``content`` once ``chrome`` is dropped.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> q = parse_html("<blockquote><b>ann said:</b>Cats</blockquote>").css_first("blockquote")
    >>> quote_ref(q, "1", "ann", "b")
    QuoteRef(key='1', author='ann', text='Cats')
    """
    drop(content, chrome)
    return QuoteRef(key, author, post_text(content))


def json_ld_reply_count(tree: LexborHTMLParser) -> int | None:
    """The reply count a page declares in schema.org JSON-LD, if any.

    Examples
    --------
    >>> page = ('<script type="application/ld+json">{"@type": "DiscussionForumPosting",'
    ...         '"interactionStatistic": {"interactionType": "https://schema.org/ReplyAction",'
    ...         '"userInteractionCount": 17}}</script>')
    >>> from modkit.parse.html import parse_html
    >>> json_ld_reply_count(parse_html(page))
    17
    """
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text() or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("commentCount"), int):
                return item["commentCount"]
            stats = item.get("interactionStatistic")
            for stat in stats if isinstance(stats, list) else [stats]:
                if isinstance(stat, dict) and "Reply" in str(stat.get("interactionType", "")) \
                        and isinstance(stat.get("userInteractionCount"), int):
                    return stat["userInteractionCount"]
    return None


def page_head(text: str, size: int = 200_000) -> str:
    """The start of a page, where sniffers look for a product's fingerprints.

    Examples
    --------
    >>> page_head("<html id='XF'>" + "x" * 10, size=14)
    "<html id='XF'>"
    """
    return text[:size]
