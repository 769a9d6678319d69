"""Quoted text in comments: cut it out, and tell whose words it repeats.

One rule for every format (README, "Page formats"): quoted text is not the
replier's own words. Whatever a page marks as a quote (a ``<blockquote>``, a
``>`` line in Markdown or on Hacker News, a forum's quote box) is cut from the
reply's ``text``; a reply that is nothing but a quote keeps its place with an
empty text (flagged ``empty``). The quoted comment's key goes into ``quotes``
when the quote links to it, or else when the quote's words are part of an
earlier comment's own words (:func:`contains_quote`):

* the parent and its ancestors first, nearest first (two letters are enough:
  "Thank you!" under "Thank you!" quotes it);
* then the nearest earlier comments on the page, for a quote of at least
  :data:`MIN_QUOTE_CHARS` characters, since a short one matches many by chance.

A quote of the article, or of something off the page, is cut and links
nothing. A reply keeps its real parent; ``quotes`` only records whose words it
repeats (forum formats, whose only reply links are quotes, also make the
quoted post the parent: see :mod:`modkit.parse.formats._forum_html`).

Formats cut quotes into placeholders as they read each comment
(:func:`take_quotes`, :func:`take_markdown_quotes`) into a :class:`Draft`;
:func:`resolve_quotes` links them once every comment's own words are known, so
exports that list a reply before its parent are served too. A paragraph a page
may or may not mean as a quote (Hacker News's wholly italic paragraphs) is a
*tentative* quote: cut only when it repeats an earlier comment, else put back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from modkit.model import normalize_text
from modkit.parse.base import RawPost
from modkit.parse.html import CODE_FENCE, below, node_text, outermost

#: A quote of a comment other than an ancestor must be this long: shorter ones match by chance.
MIN_QUOTE_CHARS = 12
#: A trimmed quote still identifies its comment by its longest line, if the line is this long.
MIN_LINE_CHARS = 20
#: How many earlier comments a quote is looked up in (keeps huge pages linear).
QUOTE_LOOKBACK = 400
#: How many ancestors a quote is looked up in.
ANCESTOR_LIMIT = 50
_MARK = re.compile("[ \t]*\ue000(\\d+)\ue001[ \t]*")
_BLANK_RUN = re.compile(r"\n(?:[ \t]*\n)+")
#: Markdown emphasis and quote marks differ between a quote and its source.
_MARKDOWN_MARKS = str.maketrans("", "", "*_~`^>#")

#: Decides whether a subtree is left out (markup of another post nested by malformed HTML).
Skip = Callable[[LexborNode], bool]


def comparable(text: str) -> str:
    """Text as quotes and comments are compared: normalised, Markdown marks dropped.

    Examples
    --------
    >>> comparable("  Thank *YOU*\\n  so much ")
    'thank you so much'
    """
    return normalize_text(text.translate(_MARKDOWN_MARKS))


def _needles(quote: str) -> tuple[str, ...]:
    """What identifies a quote in its source: its words, and its longest line when that is long enough."""
    whole = comparable(quote)
    if sum(ch.isalnum() for ch in whole) < 2:  # ">.<" or a lone letter quotes nothing
        return ()
    longest = max((comparable(line) for line in quote.splitlines()), key=len, default="")
    return (whole, longest) if len(longest) >= MIN_LINE_CHARS and longest != whole else (whole,)


def contains_quote(text: str, quote: str) -> bool:
    """Whether ``quote`` repeats words of ``text``: all of them, or (trimmed) its longest line.

    Case, spacing and Markdown emphasis are ignored; a quote needs two letters
    or digits, and a line standing for a trimmed quote :data:`MIN_LINE_CHARS`
    characters.

    Examples
    --------
    >>> contains_quote("You are ALL wrong about this.", "all *wrong*  about")
    True
    >>> contains_quote("Cats sleep all day long, really.", "I said:\\ncats sleep all day long\\nthe end")
    True
    >>> contains_quote("Hi", ">.<")
    False
    """
    hay = comparable(text)
    return any(n in hay for n in _needles(quote))


# --- cut while reading ----------------------------------------------------------------------
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
    """Quoted text cut out of a body, and the key of the post it links to, if any.

    A quote that is not ``sure`` (a page convention that may be mere emphasis)
    is put back unless it repeats an earlier comment.
    """

    text: str
    key: str | None = None
    sure: bool = True


@dataclass(slots=True)
class Draft:
    """A post whose body still holds quote placeholders (see :func:`resolve_quotes`)."""

    post: RawPost
    quotes: list[Quote] = field(default_factory=list)
    parent: str | None = None  # the parent's key when post.parent_key is not given (depth formats)


def cut(node: LexborNode, quotes: list[Quote], quote: Quote) -> None:
    """Replace ``node`` by the placeholder of ``quote``, appended to ``quotes``.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> t = parse_html("<p>a<i>b</i></p>")
    >>> found = []
    >>> cut(t.css_first("i"), found, Quote("b", sure=False))
    >>> found, node_text(t.css_first("p")).replace("\ue000", "<").replace("\ue001", ">")
    ([Quote(text='b', key=None, sure=False)], 'a <0>')
    """
    quotes.append(quote)
    node.replace_with(mark(len(quotes) - 1))


def take_quotes(body: LexborNode, link_key: Callable[[str], str | None] | None = None,
                skip: Skip | None = None) -> list[Quote]:
    """Replace each outermost ``blockquote`` in ``body`` by a placeholder.

    ``link_key`` maps a link inside the quote (``#comment-12``) to the quoted
    post's key, or ``None``. Quotes inside subtrees ``skip`` accepts (another
    comment nested by malformed markup) are left alone.

    A quote's text leaves out the quotes nested in it (the quoted comment's own
    words did not include them), unless nothing else is left.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> t = parse_html("<div><blockquote><blockquote>A said</blockquote>B said</blockquote><p>No.</p></div>")
    >>> take_quotes(t.css_first("div"))
    [Quote(text='B said', key=None, sure=True)]
    """
    found = [bq for bq in below(body, "blockquote") if not (skip and _skipped(bq, body, skip))]
    quotes: list[Quote] = []
    for bq in outermost(found, within=body):
        key = None
        for a in bq.css("a[href]") if link_key else ():
            key = link_key(a.attributes.get("href") or "")
            if key:
                break
        outer_only = node_text(bq, skip_node=lambda n: n.tag == "blockquote" or (skip is not None and skip(n)))
        cut(bq, quotes, Quote(outer_only or node_text(bq, skip_node=skip), key))
    return quotes


def _skipped(node: LexborNode, stop: LexborNode, skip: Skip) -> bool:
    """Whether ``node`` or a node between it and ``stop`` is one ``skip`` accepts."""
    cur: LexborNode | None = node
    while cur is not None and cur.mem_id != stop.mem_id:
        if skip(cur):
            return True
        cur = cur.parent
    return False


def _quote_depth(line: str) -> int:
    """How many ``>`` open a Markdown line (0: not a quote line).

    A line indented four spaces is code, and ``>!spoiler!<`` is Reddit's spoiler.
    """
    s = line.lstrip(" ")
    if len(line) - len(s) >= 4 or not s.startswith(">") or s.startswith(">!"):
        return 0
    depth = 0
    for ch in s:
        if ch == ">":
            depth += 1
        elif ch not in " \t":
            break
    return depth


def _quote_text(block: list[tuple[int, str]]) -> str:
    """A quote's words: its outermost level's lines (nested quotes are older words), else all."""
    top = min(depth for depth, _ in block)
    own = [words for depth, words in block if depth == top and words]
    return "\n".join(own or [words for _, words in block]).strip()


def take_markdown_quotes(text: str, quotes: list[Quote] | None = None) -> tuple[str, list[Quote]]:
    """Cut the ``>`` lines of a Markdown or Hacker News body into placeholders.

    Consecutive ``>`` lines are one quote (its text leaves out more deeply
    nested ``>>`` lines); a line without ``>`` is the replier's own, even with
    no blank line before it. Reddit's ``>!spoiler!<`` is no quote, nor is code
    (indented four spaces, fenced by three backticks or tildes, or an HTML ``<pre>``
    block between :data:`~modkit.parse.html.CODE_FENCE` lines, which are dropped). New quotes
    are appended to ``quotes`` (placeholders numbered after the ones already there).

    Examples
    --------
    >>> text, found = take_markdown_quotes("> you said this\\n>and that\\nand I disagree")
    >>> found
    [Quote(text='you said this\\nand that', key=None, sure=True)]
    >>> text.replace("\ue000", "<").replace("\ue001", ">")
    '\\n\\n<0>\\n\\n\\nand I disagree'
    >>> take_markdown_quotes(">!not a quote!<\\n\\n    > code\\n```\\n> code\\n```")[1]
    []
    >>> take_markdown_quotes(">> A said\\n> B said\\n\\nNo")[1]
    [Quote(text='B said', key=None, sure=True)]
    """
    quotes = [] if quotes is None else quotes
    out: list[str] = []
    block: list[tuple[int, str]] = []
    fenced = False
    for line in [*text.split("\n"), ""]:
        if line.strip() == CODE_FENCE:  # a <pre> block's edge (node_text(fence_code=True)): no line of text
            fenced = not fenced
            continue
        depth = 0 if fenced else _quote_depth(line)
        if depth:
            block.append((depth, line.lstrip().lstrip("> \t")))
            continue
        if block:
            quotes.append(Quote(_quote_text(block)))
            out.append(mark(len(quotes) - 1))
            block = []
        if line.lstrip(" ").startswith(("```", "~~~")):
            fenced = not fenced
        out.append(line)
    return "\n".join(out[:-1]), quotes


# --- decide once every comment's words are known ----------------------------------------------
def own_words(text: str) -> str:
    """A draft's text with every placeholder dropped.

    Examples
    --------
    >>> own_words("Yes" + mark(0) + "indeed")
    'Yes\\n\\nindeed'
    """
    return _fill(text, {})


def resolve_quotes(drafts: Sequence[Draft]) -> list[RawPost]:
    """Link each draft's quotes to the comments they repeat, and finish the texts.

    Drafts are in page order. A quote's key, if it has one, wins; otherwise
    the parent and its ancestors are searched, then the nearest earlier
    comments (see the module docstring). Every quote is cut, except a
    tentative one that repeats no comment, which is put back.

    Examples
    --------
    >>> a = Draft(RawPost("You are all wrong about this.", key="1"))
    >>> b = Draft(RawPost("x" + mark(0) + "No, I am right." + mark(1), key="2", parent_key="1"),
    ...           [Quote("all wrong about this"), Quote("a song")])
    >>> [(p.text, p.quotes) for p in resolve_quotes([a, b])]
    [('You are all wrong about this.', ()), ('x\\n\\nNo, I am right.', ('1',))]
    """
    own: dict[str, str] = {}
    parent_of: dict[str, str | None] = {}
    for d in drafts:  # a reply may come before its parent in an export
        key = d.post.key
        if key is not None and key not in own:
            own[key] = comparable(own_words(d.post.text))
            parent_of[key] = d.parent if d.parent is not None else d.post.parent_key
    order: list[str] = []
    out: list[RawPost] = []
    for d in drafts:
        post = d.post
        parent = d.parent if d.parent is not None else post.parent_key
        found: list[str] = []
        kept: dict[int, str] = {}
        for i, quote in enumerate(d.quotes):
            source = quote.key or _quoted_post(quote.text, post.key, parent, parent_of, own, order)
            if source:
                found.append(source)
            elif not quote.sure:
                kept[i] = quote.text
        post.text = _fill(post.text, kept)
        post.quotes = tuple(dict.fromkeys((*post.quotes, *found)))
        if post.key is not None:
            if kept:  # a tentative quote put back is the replier's words after all
                own[post.key] = comparable(post.text)
            order.append(post.key)
        out.append(post)
    return out


def _fill(text: str, kept: dict[int, str]) -> str:
    """Put kept quotes back at their placeholders; drop the others (a text without any is unchanged)."""
    if "\ue000" not in text:
        return text
    text = _MARK.sub(lambda m: "\n\n" + kept.get(int(m.group(1)), "") + "\n\n", text)
    return _BLANK_RUN.sub("\n\n", text).strip()


def _quoted_post(text: str, key: str | None, parent: str | None, parent_of: dict[str, str | None],
                 own: dict[str, str], order: list[str]) -> str | None:
    """The key of the comment whose own words ``text`` repeats: an ancestor, else a recent comment."""
    needles = _needles(text)
    if not needles:
        return None
    seen = {key}
    cur = parent
    while cur is not None and cur not in seen and len(seen) <= ANCESTOR_LIMIT:
        seen.add(cur)
        if cur in own and any(n in own[cur] for n in needles):
            return cur
        cur = parent_of.get(cur)
    if len(needles[0]) < MIN_QUOTE_CHARS:
        return None
    for other in reversed(order[-QUOTE_LOOKBACK:]):
        if other not in seen and any(n in own[other] for n in needles):
            return other
    return None
