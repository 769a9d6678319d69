"""What the forum-software HTML formats (XenForo, vBulletin, phpBB) share.

Forum threads are flat lists of posts; the only reply links are quotes. Each
format is a :class:`ForumHtml` that reads its product's markup (with the
helpers of :mod:`~modkit.parse.formats._forum_markup`) into a :class:`ForumPage`:
:class:`ForumPost` records (own text with quotes cut out, plus a
:class:`QuoteRef` per outermost quote) and the page's facts.
:func:`forum_thread` then turns quotes into reply links:

* a quote that links to a post on the page makes the quoting post a reply to it
  (the first such quote wins; every quoted on-page post goes to ``quotes``);
* a quote linking to a post that is not on the page leaves the reply top-level;
* a quote naming only an author links to that author's most recent earlier post
  whose text contains the quoted text, else to that author's most recent
  earlier post, and a quote naming nobody to the most recent earlier post
  whose text contains it (:func:`resolve_quote`; the text match is modkit's one
  quote rule, :mod:`modkit.parse.formats._quotes`);
* every post is a comment, the opening post included: on a thread's first page
  it is the first comment (top level, position 0), scored and reported like any
  reply, and a post quoting it replies to it; the article is left empty (the
  thread's ``title`` holds the topic). A post that quotes nothing stays top
  level, a sibling of the opening post: forum posts are flat, and only a quote
  says what a post answers.
"""

from __future__ import annotations

import dataclasses
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from modkit.model import FLAG_OPENING_POST, FLAG_REMOVED, Coverage, Thread, normalize_text
from modkit.parse.base import PageFormat, RawPost
from modkit.parse.build import build_thread
from modkit.parse.formats._htmlkit import is_removed
from modkit.parse.formats._quotes import MIN_QUOTE_CHARS, QUOTE_LOOKBACK, comparable, contains_quote
from modkit.parse.html import parse_html


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


@dataclass(slots=True)
class ForumPage:
    """What a forum format reads from one thread page.

    ``page`` is the page number the navigation shows (``None`` when it shows
    none), ``more_pages`` whether it links to a next page, ``stated_count`` the
    number of replies the page states.

    Examples
    --------
    >>> ForumPage("T", None, [ForumPost("Topic")], page=2).page
    2
    """

    title: str
    url: str | None
    posts: list[ForumPost]
    page: int | None = None
    more_pages: bool = False
    stated_count: int | None = None


def replies_stated(posts_total: int | None) -> int | None:
    """The reply count a page states through its post total: the opening post is no reply.

    Examples
    --------
    >>> replies_stated(25), replies_stated(None), replies_stated(0)
    (24, None, None)
    """
    return posts_total - 1 if posts_total else None


# --- quotes become reply links -----------------------------------------------------------------
def _author_key(name: str | None) -> str:
    return normalize_text(name or "")


def resolve_quote(quote: QuoteRef, index: int, posts: Sequence[ForumPost],
                  position_of: dict[str, int]) -> int | None:
    """The page index of the post a quote refers to, or ``None`` when it is not on the page.

    A quote with a post id resolves by id only. A quote naming only an author
    resolves to that author's most recent post before ``index`` whose text
    contains the quoted text (:func:`~modkit.parse.formats._quotes.contains_quote`:
    a trimmed quote by its longest line), else to that author's most recent
    earlier post. A quote naming nobody resolves to the most recent earlier
    post containing its text, if the quote has at least
    :data:`~modkit.parse.formats._quotes.MIN_QUOTE_CHARS` characters (a
    shorter one matches by chance). Names are compared after
    :func:`modkit.model.normalize_text`.

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
    >>> resolve_quote(QuoteRef(text="Cats sleep all day"), 2, posts, {})
    0
    """
    if quote.key is not None:
        return position_of.get(quote.key)
    if not quote.author:
        if len(comparable(quote.text)) < MIN_QUOTE_CHARS:
            return None
        return next((j for j in range(index - 1, max(index - QUOTE_LOOKBACK, 0) - 1, -1)
                     if contains_quote(posts[j].text, quote.text)), None)
    who = _author_key(quote.author)
    earlier = [j for j in range(index - 1, -1, -1) if _author_key(posts[j].author) == who]
    for j in earlier:
        if contains_quote(posts[j].text, quote.text):
            return j
    return earlier[0] if earlier else None


def link_posts(posts: Sequence[ForumPost]) -> list[RawPost]:
    """Every post as a comment, in page order, with quotes turned into parent links.

    The comments are :class:`RawPost` records whose ``parent_key`` and
    ``quotes`` hold only keys of posts on the page; the opening post is a
    comment like the others, so quoting it is a reply link too.

    Examples
    --------
    >>> posts = [ForumPost("Topic", "op", key="1"), ForumPost("Hi", "ann", key="2"),
    ...          ForumPost("No", "bob", key="3", quotes=[QuoteRef("2")]),
    ...          ForumPost("Me", "cy", key="4", quotes=[QuoteRef("1"), QuoteRef("7")])]
    >>> [(r.key, r.parent_key, r.quotes) for r in link_posts(posts)]
    [('1', None, ()), ('2', None, ()), ('3', '2', ('2',)), ('4', '1', ('1',))]
    """
    keys = [p.key if p.key is not None else f"@{i}" for i, p in enumerate(posts)]
    position_of: dict[str, int] = {}
    for i, p in enumerate(posts):
        if p.key is not None:
            position_of.setdefault(p.key, i)
    out: list[RawPost] = []
    for i, post in enumerate(posts):
        targets: list[int] = []
        for q in post.quotes:
            j = resolve_quote(q, i, posts, position_of)
            if j is not None and j != i and j not in targets:
                targets.append(j)
        parent = next((j for j in targets if j < i), None)
        flags = (FLAG_REMOVED,) if post.removed or is_removed(post.text) else ()
        out.append(RawPost(post.text, author=post.author, timestamp=post.timestamp, key=keys[i],
                           platform_id=post.key, parent_key=keys[parent] if parent is not None else None,
                           quotes=tuple(keys[j] for j in targets), flags=flags))
    return out


def forum_thread(platform: str, source: str, page: ForumPage) -> Thread:
    """Assemble a forum thread: every post a comment, reply links from quotes, coverage.

    The article is empty: the opening post is the first comment. The stated
    count is the page's reply count plus the opening post, since the opening
    post is a comment too. A link to a next page is recorded as a truncated
    top-level branch of unknown size.

    Examples
    --------
    >>> page = ForumPage("T", None, [ForumPost("Topic", key="1"), ForumPost("Hi", key="2")],
    ...                  more_pages=True, stated_count=3)
    >>> t = forum_thread("x", "f.html", page)
    >>> t.article, [c.text for c in t.comments], t.coverage.stated_count, t.coverage.truncated
    ('', ['Topic', 'Hi'], 4, {None: -1})
    """
    stated = page.stated_count + 1 if page.stated_count is not None else None
    coverage = Coverage(stated_count=stated)
    if page.more_pages:
        coverage.truncated[None] = -1
    return build_thread(platform=platform, source=source, title=page.title, article="",
                        posts=_mark_opening(link_posts(page.posts), page), coverage=coverage, url=page.url,
                        by="parent")


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


def _mark_opening(posts: list[RawPost], page: ForumPage) -> list[RawPost]:
    """Flag the thread's opening post (see :func:`opens_thread`) ``opening_post``."""
    if posts and opens_thread(page.posts[0].number, page.page):
        first = posts[0]
        posts[0] = dataclasses.replace(first, flags=(*first.flags, FLAG_OPENING_POST))
    return posts


class ForumHtml(PageFormat):
    """A forum product's thread pages: a subclass reads a page's posts, this class builds the thread."""

    kind = "html"

    @abstractmethod
    def read(self, tree: LexborHTMLParser) -> ForumPage:
        """The posts and page facts of one parsed page."""

    def parse(self, text: str, source: str) -> list[Thread]:
        return [forum_thread(self.name, source, self.read(parse_html(text)))]
