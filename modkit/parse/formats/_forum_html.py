"""What the forum-software HTML formats (XenForo, vBulletin, phpBB) share.

Forum threads are flat lists of posts; the only reply links are quotes. Each
format module reads its product's markup into :class:`ForumPost` records (own
text with quotes cut out, plus a :class:`QuoteRef` per outermost quote) and
hands them to :func:`build_forum_thread`, which turns quotes into reply links:

* a quote that links to a post on the page makes the quoting post a reply to it
  (the first such quote wins; every quoted on-page post goes to ``quotes``);
* a quote linking to a post that is not on the page leaves the reply top-level;
* a quote naming only an author links to that author's most recent earlier post
  whose text contains the quoted text, else to that author's most recent
  earlier post (:func:`resolve_quote`);
* on a thread's first page the first post is the opening post: it becomes the
  article, and quoting it leaves a reply top-level; on later pages every post
  is a comment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.model import FLAG_REMOVED, Coverage, Thread, normalize_text
from modkit.parse.base import RawPost
from modkit.parse.build import build_thread
from modkit.parse.html import BLOCK_TAGS, SKIP_TAGS, clean_text

#: Bodies that stand for a post someone took down.
REMOVED_BODIES = frozenset({"[removed]", "[deleted]"})
#: Quoted lines shorter than this are too common ("lol", "+1") to identify a post.
MIN_MATCH_CHARS = 20

_WS = re.compile(r"\s+")
_INT = re.compile(r"\d[\d.,\u00a0\u202f ]*")
#: Localised date layouts the three products print when they give no machine date.
_DATE_FORMATS = (
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


@dataclass(slots=True)
class QuoteRef:
    """One outermost quote in a post: whose words, from which post, what text.

    ``key`` is the quoted post's id when the quote links to it; ``author`` the
    name the quote gives; ``text`` the quoted words (nested quotes left out).

    Examples
    --------
    >>> QuoteRef("102", "bob", "flea dirt").key
    '102'
    """

    key: str | None = None
    author: str | None = None
    text: str = ""


@dataclass(slots=True)
class ForumPost:
    """One post as a forum format reads it, before quotes become reply links.

    ``text`` is the post's own words (quotes cut out), ``key`` the page's post
    id, ``number`` the post's counter in the thread ("#21"), ``removed`` whether
    the page marks it deleted.

    Examples
    --------
    >>> ForumPost("No.", "cy", key="3", number=3, quotes=[QuoteRef("2")]).quotes[0].key
    '2'
    """

    text: str
    author: str | None = None
    timestamp: str | None = None
    key: str | None = None
    number: int | None = None
    quotes: list[QuoteRef] = field(default_factory=list)
    removed: bool = False


# --- text ---------------------------------------------------------------------------------
def _is_emoticon(node: LexborNode) -> bool:
    cls = (node.attributes.get("class") or "").casefold()
    return any(s in cls for s in ("smil", "emoji", "emote"))


def post_text(node: LexborNode | None, skip: frozenset[str] = frozenset()) -> str:
    """Readable text of a post body, with HTML's whitespace rules.

    Unlike :func:`modkit.parse.html.node_text`, a line break in the source is a
    space (as a browser shows it) except inside ``pre``, so ``<br>`` followed by
    a newline stays one line break; smilies keep their ``alt`` text.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> t = parse_html('<div>Hi,<br>\\nyou <img class="smilie" alt=":)"><br>\\n<br>\\nBye</div>')
    >>> post_text(t.css_first("div"))
    'Hi,\\nyou :)\\n\\nBye'
    """
    if node is None:
        return ""
    parts: list[str] = []
    skipped = SKIP_TAGS | skip
    # (node, closing, inside <pre>)
    stack: list[tuple[LexborNode, bool, bool]] = [(node, False, False)]
    while stack:
        cur, closing, pre = stack.pop()
        tag = cur.tag
        if closing:
            parts.append("\n\n" if tag == "p" else "\n")
            continue
        if tag == "-text":
            raw = cur.text_content or ""
            parts.append(raw if pre else _WS.sub(" ", raw))
            continue
        if tag in skipped or tag == "-comment":
            continue
        if tag == "br":
            parts.append("\n")
            continue
        if tag == "img":
            if _is_emoticon(cur):
                parts.append(cur.attributes.get("alt") or "")
            continue
        if tag in BLOCK_TAGS and cur is not node:
            parts.append("\n\n" if tag == "p" else "\n")
            stack.append((cur, True, pre))
        inner = pre or tag == "pre"
        stack.extend((k, False, inner) for k in reversed(list(cur.iter(include_text=True))))
    return clean_text("".join(parts))


def is_removed_body(text: str) -> bool:
    """Whether a body is a removal placeholder.

    Examples
    --------
    >>> is_removed_body(" [Deleted] "), is_removed_body("deleted my post")
    (True, False)
    """
    return text.strip().casefold() in REMOVED_BODIES


# --- markup helpers ---------------------------------------------------------------------
def below(root: LexborNode, selector: str) -> list[LexborNode]:
    """Nodes under ``root`` matching ``selector`` (selectolax would include ``root`` itself).

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> t = parse_html('<div class="q"><div class="q">x</div></div>')
    >>> len(below(t.css_first("div.q"), ".q"))
    1
    """
    return [n for n in root.css(selector) if n.mem_id != root.mem_id]


def select(root: LexborNode | LexborHTMLParser, selector: str) -> list[LexborNode]:
    """Nodes matching a selector list, each once, in page order (lexbor repeats a node
    once per selector of the list it matches).

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> len(select(parse_html('<li class="a b">x</li>'), "li.a, li.b"))
    1
    """
    seen: set[int] = set()
    out = []
    for n in root.css(selector):
        if n.mem_id not in seen:
            seen.add(n.mem_id)
            out.append(n)
    return out


def outermost(nodes: Iterable[LexborNode], root: LexborNode) -> list[LexborNode]:
    """The nodes not inside another of ``nodes`` (below ``root``), in page order.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> t = parse_html("<div><q>a<q>b</q></q><q>c</q></div>")
    >>> [n.text() for n in outermost(t.css("q"), t.css_first("div"))]
    ['ab', 'c']
    """
    nodes = list(nodes)
    ids = {n.mem_id for n in nodes}
    out = []
    for n in nodes:
        cur = n.parent
        while cur is not None and cur.mem_id != root.mem_id and cur.mem_id not in ids:
            cur = cur.parent
        if cur is None or cur.mem_id not in ids:
            out.append(n)
    return out


def remove_all(root: LexborNode, selectors: Sequence[str]) -> None:
    """Delete every node under ``root`` matching any of ``selectors``.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> div = parse_html("<div>keep<span class='sig'>drop</span></div>").css_first("div")
    >>> remove_all(div, (".sig",)); div.text()
    'keep'
    """
    for sel in selectors:
        for n in outermost(below(root, sel), root):
            n.decompose()


def first_int(text: str | None) -> int | None:
    """The first whole number in a text ("#1,234" -> 1234), or ``None``.

    Examples
    --------
    >>> first_int("#21"), first_int("Beiträge: 2.206"), first_int("none")
    (21, 2206, None)
    """
    m = _INT.search(text or "")
    if m is None:
        return None
    return int(re.sub(r"\D", "", m.group()))


def iso_timestamp(value: str | None) -> str | None:
    """An ISO 8601 string from a machine date, a Unix time or a printed date.

    Printed dates carry no time zone, so they come back naive; relative ones
    ("Today", "Yesterday") cannot be placed and give ``None``.

    Examples
    --------
    >>> iso_timestamp("2018-09-27T14:51:09+0200")
    '2018-09-27T14:51:09+02:00'
    >>> iso_timestamp("1385000000"), iso_timestamp("Thu Nov 21, 2013 2:13 am")
    ('2013-11-21T02:13:20+00:00', '2013-11-21T02:13:00')
    >>> iso_timestamp("Today, 02:13 AM") is None, iso_timestamp("9" * 30) is None
    (True, True)
    """
    if not value:
        return None
    s = _WS.sub(" ", value).strip().strip(",»").strip()
    if s.isdigit():
        try:
            return datetime.fromtimestamp(int(s), UTC).isoformat()
        except (OverflowError, OSError, ValueError):  # a corrupt Unix time is no date
            return None
    try:
        return datetime.fromisoformat(s).isoformat()
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(s, fmt).isoformat()
        except ValueError:
            continue
    return None


def json_ld_reply_count(tree: LexborHTMLParser) -> int | None:
    """The reply count a page declares in schema.org JSON-LD, if any.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> page = ('<script type="application/ld+json">{"@type": "DiscussionForumPosting",'
    ...         '"interactionStatistic": {"interactionType": "https://schema.org/ReplyAction",'
    ...         '"userInteractionCount": 17}}</script>')
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


def opens_thread(first_number: int | None, page: int | None) -> bool:
    """Whether the first post on the page is the thread's opening post.

    The first post's number is the surest sign; the page number the next; a
    page that shows neither is taken for page 1.

    Examples
    --------
    >>> opens_thread(1, None), opens_thread(21, 1), opens_thread(None, 2), opens_thread(None, None)
    (True, False, False, True)
    """
    if first_number is not None:
        return first_number <= 1
    if page is not None:
        return page <= 1
    return True


# --- quotes become reply links -----------------------------------------------------------------
def _author_key(name: str | None) -> str:
    return normalize_text(name or "")


def _contains(haystack: str, quoted: str) -> bool:
    h, q = normalize_text(haystack), normalize_text(quoted)
    if not q:
        return False
    if q in h:
        return True
    # Repliers trim quotes; a long enough line of the quote still identifies the post.
    lines = [normalize_text(s) for s in quoted.splitlines()]
    longest = max(lines, key=len, default="")
    return len(longest) >= MIN_MATCH_CHARS and longest in h


def resolve_quote(quote: QuoteRef, index: int, posts: Sequence[ForumPost],
                  position_of: dict[str, int]) -> int | None:
    """The page index of the post a quote refers to, or ``None`` when it is not on the page.

    A quote with a post id resolves by id only. A quote naming only an author
    resolves to that author's most recent post before ``index`` whose text
    contains the quoted text (or the quote's longest line, when that has at
    least :data:`MIN_MATCH_CHARS` characters, since repliers trim quotes), else
    to that author's most recent earlier post. Names and texts are compared
    after :func:`modkit.model.normalize_text`.

    Examples
    --------
    >>> posts = [ForumPost("Cats sleep all day long, really.", "ann"), ForumPost("Yes", "ann"),
    ...          ForumPost("...", "bob")]
    >>> resolve_quote(QuoteRef(author="Ann", text="cats sleep all day long"), 2, posts, {})
    0
    >>> resolve_quote(QuoteRef(author="ann", text="something else"), 2, posts, {})
    1
    >>> resolve_quote(QuoteRef(key="99", author="ann"), 2, posts, {}) is None
    True
    """
    if quote.key is not None:
        return position_of.get(quote.key)
    if not quote.author:
        return None
    who = _author_key(quote.author)
    earlier = [j for j in range(index - 1, -1, -1) if _author_key(posts[j].author) == who]
    for j in earlier:
        if _contains(posts[j].text, quote.text):
            return j
    return earlier[0] if earlier else None


def link_posts(posts: Sequence[ForumPost], opening: bool) -> tuple[str, list[RawPost]]:
    """Split off the opening post and turn quotes into parent links.

    Returns the article text (the opening post's, or ``""`` on later pages)
    and the comments as :class:`RawPost` records with ``parent_key`` and
    ``quotes`` holding only keys of comments on the page.

    Examples
    --------
    >>> posts = [ForumPost("Topic", "op", key="1"), ForumPost("Hi", "ann", key="2"),
    ...          ForumPost("No", "bob", key="3", quotes=[QuoteRef("2")]),
    ...          ForumPost("Me", "cy", key="4", quotes=[QuoteRef("1"), QuoteRef("7")])]
    >>> article, raws = link_posts(posts, opening=True)
    >>> article, [(r.key, r.parent_key, r.quotes) for r in raws]
    ('Topic', [('2', None, ()), ('3', '2', ('2',)), ('4', None, ())])
    """
    keys = [p.key if p.key is not None else f"@{i}" for i, p in enumerate(posts)]
    position_of: dict[str, int] = {}
    for i, p in enumerate(posts):
        if p.key is not None:
            position_of.setdefault(p.key, i)
    first = 1 if opening and posts else 0
    out: list[RawPost] = []
    for i in range(first, len(posts)):
        post = posts[i]
        targets: list[int] = []
        for q in post.quotes:
            j = resolve_quote(q, i, posts, position_of)
            # The opening post is the article, not a comment: quoting it is no reply link.
            if j is not None and j != i and j >= first and j not in targets:
                targets.append(j)
        parent = next((j for j in targets if j < i), None)
        flags = (FLAG_REMOVED,) if post.removed or is_removed_body(post.text) else ()
        out.append(RawPost(post.text, author=post.author, timestamp=post.timestamp, key=keys[i],
                           platform_id=post.key, parent_key=keys[parent] if parent is not None else None,
                           quotes=tuple(keys[j] for j in targets), flags=flags))
    article = posts[0].text if first else ""
    return article, out


def build_forum_thread(*, platform: str, source: str, title: str, url: str | None,
                       posts: Sequence[ForumPost], opening: bool, stated_count: int | None = None,
                       more_pages: bool = False) -> Thread:
    """Assemble a forum thread: article, reply links from quotes, coverage.

    ``more_pages`` (the page links to a next page) is recorded as a truncated
    top-level branch of unknown size.

    Examples
    --------
    >>> t = build_forum_thread(platform="x", source="f.html", title="T", url=None, opening=True,
    ...                        posts=[ForumPost("Topic", key="1"), ForumPost("Hi", key="2")],
    ...                        more_pages=True)
    >>> t.article, t.n_comments, t.coverage.truncated
    ('Topic', 1, {None: -1})
    """
    article, raws = link_posts(posts, opening)
    coverage = Coverage(stated_count=stated_count)
    if more_pages:
        coverage.truncated[None] = -1
    return build_thread(platform=platform, source=source, title=title, article=article, posts=raws,
                        coverage=coverage, url=url, by="parent")


def page_head(text: str, size: int = 200_000) -> str:
    """The start of a page, where sniffers look for a product's fingerprints.

    Examples
    --------
    >>> page_head("<html id='XF'>" + "x" * 10, size=14)
    "<html id='XF'>"
    """
    return text[:size]
