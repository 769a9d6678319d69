"""Quoted text in comments: cut it out, and tell whose words it repeats.

A quote of an earlier post is not the replier's own words: it is cut from the
text and the quoted post's key goes into ``quotes``. A quote from elsewhere (a
news article, a song) is part of what the replier chose to say and stays.
Formats find the quoted post in one of two ways, by what their pages promise:

* comment pages (WordPress, Disqus, Hacker News) cut quotes into placeholders
  first and decide once every earlier post is known (:func:`resolve_quotes`):
  the parent's words first, then any of the nearest earlier posts, and only a
  quote of at least :data:`MIN_QUOTE_CHARS` characters, since a short one
  matches many posts by chance;
* exports and Reddit, which name every parent, decide on the spot against the
  post's ancestors only (:func:`strip_html_quotes`,
  :func:`strip_markdown_quotes`), ignoring Markdown emphasis, which differs
  between a quote and its source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from modkit.model import normalize_text
from modkit.parse.base import RawPost
from modkit.parse.html import below, clean_text, node_text, outermost

#: Shorter quotes match too many posts by chance.
MIN_QUOTE_CHARS = 12
#: How many earlier posts a quote is looked up in (keeps huge pages linear).
QUOTE_LOOKBACK = 400
_MARK = re.compile("\ue000(\\d+)\ue001")
_MARKDOWN_MARKS = str.maketrans("", "", "*_~`^>#")

#: Decides whether a subtree is left out (markup of another post nested by malformed HTML).
Skip = Callable[[LexborNode], bool]


# --- cut now, decide when every earlier post is known ---------------------------------------
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
    >>> from modkit.parse.html import parse_html
    >>> t = parse_html("<div><blockquote><p>You are wrong</p></blockquote><p>No.</p></div>")
    >>> take_quotes(t.css_first("div"), lambda href: None)
    [Quote(text='You are wrong', key=None)]
    """
    quotes: list[Quote] = []
    for bq in outermost(below(body, "blockquote"), within=body):
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


# --- decide now, against the post's ancestors ---------------------------------------------
def _quoted_in(quote: str, sources: Sequence[tuple[str, str]]) -> str | None:
    """The key of the first source whose text contains ``quote`` (both normalised)."""
    q = normalize_text(quote.translate(_MARKDOWN_MARKS))
    if sum(ch.isalnum() for ch in q) < 2:  # ">.<" or a lone letter quotes nothing
        return None
    for key, text in sources:
        if q in normalize_text(text.translate(_MARKDOWN_MARKS)):
            return key
    return None


def _inside(node: LexborNode, stop: LexborNode, skip: Skip) -> bool:
    """Whether a node between ``node`` (excluded) and ``stop`` is a blockquote or skipped."""
    cur = node.parent
    while cur is not None and cur.mem_id != stop.mem_id:
        if cur.tag == "blockquote" or skip(cur):
            return True
        cur = cur.parent
    return False


def strip_html_quotes(body: LexborNode, sources: Sequence[tuple[str, str]],
                      skip: Skip | None = None) -> tuple[str, ...]:
    """Remove the ``<blockquote>`` elements of ``body`` that quote one of ``sources``.

    ``sources`` are ``(key, text)`` pairs, nearest first (the parent, then its
    parent...). Quotes inside nested quotes or inside subtrees ``skip`` rejects
    are left alone. Returns the keys of the quoted posts; ``body`` is modified.

    Examples
    --------
    >>> from modkit.parse.html import parse_html
    >>> body = parse_html("<div><blockquote>Thank you!</blockquote><p>Welcome</p></div>").css_first("div")
    >>> strip_html_quotes(body, [("t1_a", "Thank you!")]), node_text(body)
    (('t1_a',), 'Welcome')
    """
    # Decide on every outer quote before removing any: removing a node frees its descendants.
    skip = skip or (lambda _: False)
    outer = [bq for bq in body.css("blockquote") if not skip(bq) and not _inside(bq, body, skip)]
    found: list[str] = []
    doomed = []
    for bq in outer:
        key = _quoted_in(node_text(bq), sources)
        if key is not None:
            found.append(key)
            doomed.append(bq)
    for bq in doomed:
        bq.decompose()
    return tuple(dict.fromkeys(found))


def strip_markdown_quotes(body: str, sources: Sequence[tuple[str, str]]) -> tuple[str, tuple[str, ...]]:
    """Remove the ``>`` quote paragraphs of a Markdown body that quote one of ``sources``.

    A quote paragraph runs from a line starting with ``>`` to the next blank line
    (Markdown's lazy continuation). Returns the remaining text and the quoted keys.

    Examples
    --------
    >>> strip_markdown_quotes(">Thank you!\\n\\nYou're welcome!", [("t1_a", "Thank *you*!")])
    ("You're welcome!", ('t1_a',))
    >>> strip_markdown_quotes("> a line from a song\\n\\nNice", [("t1_a", "Hi")])[1]
    ()
    """
    paragraphs: list[list[str]] = [[]]
    for line in body.splitlines():
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    kept: list[str] = []
    found: list[str] = []
    for para in paragraphs:
        if not para:
            continue
        if para[0].lstrip().startswith(">"):
            quote = "\n".join(line.lstrip().lstrip("> ") for line in para)
            key = _quoted_in(quote, sources)
            if key is not None:
                found.append(key)
                continue
        kept.append("\n".join(line.rstrip() for line in para))
    return "\n\n".join(kept).strip(), tuple(dict.fromkeys(found))
