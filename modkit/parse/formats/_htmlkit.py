"""Pieces the HTML comment formats share (private: not a page format).

Dates shown to readers ("August 5, 2019 at 4:43 pm", "23. Juni 2016 um
17:21 Uhr"), comment counts stated in headings, placeholders of removed
comments, nesting of comment elements, quoted text and the article body. The
page formats stay small by leaving these details here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from dateutil import parser as dateparser
from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.model import normalize_text
from modkit.parse.base import RawPost
from modkit.parse.html import clean_text, node_text


# --- dates ----------------------------------------------------------------------------
class _Names(dateparser.parserinfo):
    """Month and weekday names of the languages blogs are commonly written in."""

    MONTHS = [
        ("Jan", "January", "Januar", "Jänner", "janvier", "enero", "gennaio", "januari"),
        ("Feb", "February", "Februar", "février", "fevrier", "febrero", "febbraio", "februari"),
        ("Mar", "March", "März", "Maerz", "Mrz", "mars", "marzo", "maart"),
        ("Apr", "April", "avril", "abril", "aprile"),
        ("May", "Mai", "mayo", "maggio", "mei"),
        ("Jun", "June", "Juni", "juin", "junio", "giugno"),
        ("Jul", "July", "Juli", "juillet", "julio", "luglio"),
        ("Aug", "August", "août", "aout", "agosto", "augustus"),
        ("Sep", "Sept", "September", "septembre", "septiembre", "settembre"),
        ("Oct", "October", "Okt", "Oktober", "octobre", "octubre", "ottobre"),
        ("Nov", "November", "novembre", "noviembre"),
        ("Dec", "December", "Dez", "Dezember", "décembre", "decembre", "diciembre", "dicembre"),
    ]
    WEEKDAYS = [
        ("Mon", "Monday", "Montag", "lundi", "lunes", "lunedì", "maandag"),
        ("Tue", "Tuesday", "Dienstag", "mardi", "martes", "martedì", "dinsdag"),
        ("Wed", "Wednesday", "Mittwoch", "mercredi", "miércoles", "mercoledì", "woensdag"),
        ("Thu", "Thursday", "Donnerstag", "jeudi", "jueves", "giovedì", "donderdag"),
        ("Fri", "Friday", "Freitag", "vendredi", "viernes", "venerdì", "vrijdag"),
        ("Sat", "Saturday", "Samstag", "Sonnabend", "samedi", "sábado", "sabato", "zaterdag"),
        ("Sun", "Sunday", "Sonntag", "dimanche", "domingo", "domenica", "zondag"),
    ]
    JUMP = dateparser.parserinfo.JUMP + ["um", "uhr", "à", "de", "del", "alle", "om", "le", "el"]


_NAMES = _Names()
_RELATIVE = re.compile(r"\b(?:ago|vor|il y a|hace|fa)\b|^(?:today|yesterday|heute|gestern)\b", re.I)
# Two far-apart defaults reveal fields the text did not give (a date without a year).
_DEFAULTS = (datetime(1901, 1, 1), datetime(1902, 2, 2))


def iso_datetime(value: str | None) -> str | None:
    """An ISO 8601 timestamp from a machine or human date, or ``None``.

    Relative ages ("3 hours ago") and dates without a year or day are not
    timestamps: guessing them would invent data.

    Examples
    --------
    >>> iso_datetime("2016-06-23T17:21:09+02:00"), iso_datetime("2023-10-20T14:02:11 1697810531")
    ('2016-06-23T17:21:09+02:00', '2023-10-20T14:02:11')
    >>> iso_datetime("23. Juni 2016 um 17:21\\u00a0Uhr"), iso_datetime("3 hours ago")
    ('2016-06-23T17:21:00', None)
    """
    text = clean_text(value or "").replace("\n", " ")
    if not text or len(text) > 80 or _RELATIVE.search(text):
        return None
    iso, _, rest = text.partition(" ")
    for candidate in (text, iso) if rest.isdigit() else (text,):  # HN appends a Unix time
        try:
            return datetime.fromisoformat(candidate).isoformat()
        except ValueError:
            pass
    try:
        a, b = (dateparser.parse(text, parserinfo=_NAMES, default=d, dayfirst="." in text)
                for d in _DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    if a.year != b.year or a.day != b.day:
        return None
    return a.isoformat()


# --- counts and removed placeholders ------------------------------------------------------
_NUMBER = re.compile(r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?!\d)|\d+")
_QUOTE_CHARS = re.compile(r"[\"“”„«»‘’‚‹›]")
_COUNT_WORDS = {"no": 0, "zero": 0, "keine": 0, "one": 1, "a": 1, "ein": 1, "eine": 1, "un": 1,
                "une": 1, "two": 2, "zwei": 2, "three": 3, "drei": 3, "four": 4, "vier": 4,
                "five": 5, "fünf": 5}


def count_in(text: str) -> int | None:
    """The comment count a heading states ("24 thoughts on “…”"), or ``None``.

    The number must come before any quoted title, so a heading that only
    quotes "Top 10 tips" states no count.

    Examples
    --------
    >>> count_in("24 thoughts on “Top 10 tips”"), count_in("1.234 Kommentare"), count_in("One Response")
    (24, 1234, 1)
    >>> count_in("Kommentare zu „Top 10 Tipps“") is None
    True
    """
    head = _QUOTE_CHARS.split(clean_text(text), maxsplit=1)[0]
    m = _NUMBER.search(head)
    if m:
        return int(re.sub(r"\D", "", m.group()))
    words = head.split()
    return _COUNT_WORDS.get(words[0].casefold()) if words else None


#: Whole bodies that stand in for a deleted or moderated comment.
REMOVED_BODIES = frozenset(normalize_text(s).rstrip(".") for s in (
    "[removed]", "[deleted]", "[flagged]", "[dead]", "[dupe]",
    "This comment was deleted.", "This comment has been deleted.", "This comment was removed.",
    "This comment has been removed.", "This comment was removed by a moderator.",
    "This comment has been removed by a moderator.", "Comment removed by moderator.",
    "This comment was marked as spam.", "This comment is awaiting moderation.",
    "Dieser Kommentar wurde gelöscht.", "Kommentar gelöscht.",
))


def is_removed(text: str) -> bool:
    """Whether a body is only a removed/deleted placeholder.

    Examples
    --------
    >>> is_removed("[deleted]"), is_removed("This comment was deleted"), is_removed("I deleted it")
    (True, True, False)
    """
    return normalize_text(text).rstrip(".") in REMOVED_BODIES


# --- nodes ------------------------------------------------------------------------------
def classes(node: LexborNode) -> list[str]:
    """The node's class names.

    Examples
    --------
    >>> classes(LexborHTMLParser('<p class=" a  b">x</p>').css_first("p"))
    ['a', 'b']
    """
    return (node.attributes.get("class") or "").split()


def enclosing(nodes: Sequence[LexborNode]) -> list[int | None]:
    """For each node, the index of the nearest node of ``nodes`` that encloses it.

    Each ancestor is visited once (results are shared along the way up), so
    deeply nested markup costs linear time.

    Examples
    --------
    >>> t = LexborHTMLParser("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>")
    >>> enclosing(t.css("li"))
    [None, 0, None]
    """
    index = {n.mem_id: i for i, n in enumerate(nodes)}
    memo: dict[int, int | None] = {}
    out: list[int | None] = []
    for node in nodes:
        path: list[int] = []
        found: int | None = None
        cur = node.parent
        while cur is not None:
            mid = cur.mem_id
            if mid in index:
                found = index[mid]
                break
            if mid in memo:
                found = memo[mid]
                break
            path.append(mid)
            cur = cur.parent
        for mid in path:
            memo[mid] = found
        out.append(found)
    return out


def own_first(node: LexborNode, selectors: Sequence[str]) -> LexborNode | None:
    """First descendant matching any selector, trying the selectors in order.

    Examples
    --------
    >>> t = LexborHTMLParser("<div><b>x</b><i>y</i></div>")
    >>> own_first(t.css_first("div"), ("u", "i", "b")).tag
    'i'
    """
    for sel in selectors:
        for found in node.css(sel):
            if found.mem_id != node.mem_id:  # lexbor's css() includes the node itself
                return found
    return None


def drop(node: LexborNode, selector: str) -> None:
    """Remove every descendant matching ``selector`` (outermost first, so none twice).

    Examples
    --------
    >>> t = LexborHTMLParser('<div class="x"><p>keep</p><div class="x">drop</div></div>')
    >>> drop(t.css_first("div"), ".x")
    >>> t.css_first("div").text()
    'keep'
    """
    for found in outermost([n for n in node.css(selector) if n.mem_id != node.mem_id]):
        found.decompose()


def outermost(nodes: Sequence[LexborNode]) -> list[LexborNode]:
    """The nodes not enclosed by another of ``nodes``.

    Examples
    --------
    >>> t = LexborHTMLParser("<div id=a><div id=b></div></div><div id=c></div>")
    >>> [n.id for n in outermost(t.css("div"))]
    ['a', 'c']
    """
    return [n for n, up in zip(nodes, enclosing(nodes)) if up is None]


def is_hidden(node: LexborNode) -> bool:
    """Whether the node or an ancestor is hidden (``display:none``, ``hidden``).

    Examples
    --------
    >>> is_hidden(LexborHTMLParser('<div style="display: none"><a>x</a></div>').css_first("a"))
    True
    """
    cur: LexborNode | None = node
    while cur is not None and cur.tag not in ("body", "html"):
        attrs = cur.attributes
        style = (attrs.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or "hidden" in attrs or "hidden" in classes(cur):
            return True
        cur = cur.parent
    return False


# --- quoted text --------------------------------------------------------------------------
#: Shorter quotes match too many posts by chance.
MIN_QUOTE_CHARS = 12
#: How many earlier posts a quote is looked up in (keeps huge pages linear).
QUOTE_LOOKBACK = 400
_MARK = re.compile("\ue000(\\d+)\ue001")


def mark(i: int) -> str:
    """The placeholder left in a body where its ``i``-th quote was.

    Examples
    --------
    >>> mark(0).strip() == "\ue0000\ue001"
    True
    """
    return f"\n\n\ue000{i}\ue001\n\n"


@dataclass(slots=True)
class Quote:
    """Quoted text cut out of a body, and the key of the post it links to, if any."""

    text: str
    key: str | None = None


@dataclass(slots=True)
class Draft:
    """A post whose body still holds quote placeholders (see :func:`resolve_quotes`)."""

    post: RawPost
    quotes: list[Quote] = field(default_factory=list)
    parent: str | None = None  # the parent's key, looked up first; may differ from post.parent_key


def take_quotes(body: LexborNode, link_key: Callable[[str], str | None]) -> list[Quote]:
    """Replace each outermost ``blockquote`` in ``body`` by a placeholder.

    ``link_key`` maps a link inside the quote (``#comment-12``) to the quoted
    post's key, or ``None``.

    Examples
    --------
    >>> t = LexborHTMLParser("<div><blockquote><p>You are wrong</p></blockquote><p>No.</p></div>")
    >>> take_quotes(t.css_first("div"), lambda href: None)
    [Quote(text='You are wrong', key=None)]
    """
    quotes: list[Quote] = []
    for bq in outermost([n for n in body.css("blockquote") if n.mem_id != body.mem_id]):
        key = None
        for a in bq.css("a[href]"):
            key = link_key(a.attributes.get("href") or "")
            if key:
                break
        quotes.append(Quote(node_text(bq), key))
        bq.replace_with(mark(len(quotes) - 1))
    return quotes


def take_text_quotes(text: str) -> tuple[str, list[Quote]]:
    """Cut "> quoted" paragraphs out of plain comment text (Hacker News style).

    Examples
    --------
    >>> take_text_quotes("> you said this\\n\\nand I disagree")[1]
    [Quote(text='you said this', key=None)]
    """
    quotes: list[Quote] = []
    paras = []
    for para in text.split("\n\n"):
        if para.lstrip().startswith(">"):
            lines = [line.lstrip().lstrip(">").strip() for line in para.split("\n")]
            quotes.append(Quote("\n".join(lines)))
            paras.append(mark(len(quotes) - 1).strip("\n"))
        else:
            paras.append(para)
    return "\n\n".join(paras), quotes


def resolve_quotes(drafts: Sequence[Draft]) -> list[RawPost]:
    """Decide, in page order, which quotes repeat earlier posts, and finish the texts.

    A quote that links to a post, or whose text is part of an earlier post's
    own words (the parent first, then the nearest earlier posts), is that
    post's text, not the replier's: it is cut and the post's key recorded in
    ``quotes``. Other quotes (of the article, of elsewhere) stay in the text.

    Examples
    --------
    >>> a = Draft(RawPost("You are all wrong about this.", key="1"))
    >>> b = Draft(RawPost("x" + mark(0) + "No, I am right.", key="2"),
    ...           [Quote("all wrong about this")])
    >>> [(p.text, p.quotes) for p in resolve_quotes([a, b])]
    [('You are all wrong about this.', ()), ('x\\n\\nNo, I am right.', ('1',))]
    """
    own: dict[str, str] = {}
    order: list[str] = []
    out: list[RawPost] = []
    for draft in drafts:
        post = draft.post
        found: list[str] = []
        kept: dict[int, str] = {}
        for i, quote in enumerate(draft.quotes):
            source = quote.key or _quoted_post(quote.text, draft.parent, own, order)
            if source:
                found.append(source)
            else:
                kept[i] = quote.text
        post.text = _fill(post.text, kept)
        post.quotes = tuple(dict.fromkeys((*post.quotes, *found)))
        if post.key is not None:
            own[post.key] = normalize_text(post.text)
            order.append(post.key)
        out.append(post)
    return out


def _fill(text: str, kept: dict[int, str]) -> str:
    """Put kept quotes back at their placeholders; drop the others."""
    return clean_text(_MARK.sub(lambda m: "\n\n" + kept.get(int(m.group(1)), "") + "\n\n", text))


def _quoted_post(text: str, parent: str | None, own: dict[str, str], order: list[str]) -> str | None:
    q = normalize_text(text)
    if len(q) < MIN_QUOTE_CHARS:
        return None
    if parent is not None and q in own.get(parent, ""):
        return parent
    for key in reversed(order[-QUOTE_LOOKBACK:]):
        if q in own[key]:
            return key
    return None


# --- the article --------------------------------------------------------------------------
#: Where blog and news pages keep the article body, most specific first.
ARTICLE_SELECTORS = (
    "[itemprop=articleBody]", ".entry-content", "article .post-content", ".post-content",
    ".article-content", ".article-body", ".post-body", ".entry", "article",
)
#: Chrome inside an article body that is not the article.
ARTICLE_CHROME = (
    "nav, aside, form, footer, .postmetadata, .sharedaddy, .share, .sharing, .social-share, .share-buttons, "
    ".jp-relatedposts, .related, .related-posts, .wp-block-buttons, #comments, .comments, "
    ".comments-area, .comment-list, .commentlist, #disqus_thread, .post-navigation, .navigation, "
    ".screen-reader-text, .sidebar, #sidebar, .widget, .advert, .ad, .ads, .newsletter, "
    "[role=navigation], [role=complementary], [aria-hidden=true]"
)


def article_text(tree: LexborHTMLParser, selectors: Sequence[str] = ARTICLE_SELECTORS) -> str:
    """The article's text: the first selector with text, chrome removed. Mutates ``tree``.

    Examples
    --------
    >>> t = LexborHTMLParser('<article><h1>T</h1><p>Body.</p><nav>Next</nav></article>')
    >>> article_text(t)
    'T\\n\\nBody.'
    """
    for sel in selectors:
        for node in tree.css(sel):
            drop(node, ARTICLE_CHROME)
            text = node_text(node)
            if text:
                return text
    return ""
