"""Pieces the Reddit and export formats share: timestamps, quoted text, "load more" stubs.

Quoted text is only removed when it is found in the post being replied to (or
further up its chain): a quote from elsewhere (a news article, a song) is part of
what the replier chose to say, a quote of an earlier post is not their own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from selectolax.lexbor import LexborNode

from modkit.model import Coverage, normalize_text
from modkit.parse.html import BLOCK_TAGS, SKIP_TAGS, clean_text, parse_html

# Markdown emphasis and quote markers differ between a quote and its source.
_MARKDOWN_MARKS = str.maketrans("", "", "*_~`^>#")
_SOURCE_SPACE = re.compile(r"[ \t\r\n\f]+")


#: Decides whether a subtree is left out (markup of another post nested by malformed HTML).
Skip = Callable[[LexborNode], bool]


def flow_text(node: LexborNode | None, skip: Skip | None = None, *, breaks: bool = False) -> str:
    """Readable text of HTML, like :func:`modkit.parse.html.node_text`, with two additions.

    ``skip`` is a predicate on nodes: subtrees it accepts are left out (another
    comment nested inside this one by malformed markup, its buttons). ``breaks``
    keeps the line breaks of the source text everywhere, as WordPress shows raw
    comment and post text (``wpautop`` turns them into ``<br>`` and paragraphs);
    otherwise they are spaces, as in a browser, except inside ``<pre>``.

    Examples
    --------
    >>> body = parse_html("<div><p>one\\n   line</p><pre>a\\nb</pre>x<br>y</div>").css_first("div")
    >>> flow_text(body)
    'one line\\n\\na\\nb\\nx\\ny'
    >>> flow_text(parse_html("<b>one</b>\\ntwo").body, breaks=True)
    'one\\ntwo'
    """
    if node is None:
        return ""
    parts: list[str] = []
    stack: list[tuple[LexborNode, bool, bool]] = [(node, False, breaks)]
    while stack:
        cur, closing, in_pre = stack.pop()
        tag = cur.tag
        if closing:
            parts.append("\n\n" if tag == "p" else "\n")
            continue
        if tag == "-text":
            raw = cur.text_content or ""
            parts.append(raw if in_pre else _SOURCE_SPACE.sub(" ", raw))
            continue
        if tag in SKIP_TAGS or tag == "-comment" or (skip is not None and cur is not node and skip(cur)):
            continue
        if tag == "br":
            parts.append("\n")
            continue
        if tag in BLOCK_TAGS and cur is not node:
            parts.append("\n\n" if tag == "p" else "\n")
            stack.append((cur, True, in_pre))
        inner_pre = in_pre or tag == "pre"
        stack.extend((k, False, inner_pre) for k in reversed(list(cur.iter(include_text=True))))
    return clean_text("".join(parts))


def iso_timestamp(value: object, *, naive_is_utc: bool = False) -> str | None:
    """An ISO 8601 string from an epoch number or a date string, ``None`` if unreadable.

    ``naive_is_utc`` attaches UTC to a date string without an offset (a field the
    export documents as GMT); otherwise such a string stays naive (local time).

    Examples
    --------
    >>> iso_timestamp(1665137617)
    '2022-10-07T10:13:37+00:00'
    >>> iso_timestamp("2013-10-10T19:20:29Z"), iso_timestamp("2014-01-14 17:32:12", naive_is_utc=True)
    ('2013-10-10T19:20:29+00:00', '2014-01-14T17:32:12+00:00')
    >>> iso_timestamp("0000-00-00 00:00:00") is None
    True
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC).isoformat()
        s = str(value).strip()
        if not s:
            return None
        try:
            return datetime.fromtimestamp(float(s), UTC).isoformat()
        except ValueError:
            pass
        dt = datetime.fromisoformat(s)
    except (ValueError, OverflowError, OSError):
        return None
    if dt.tzinfo is None and naive_is_utc:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat()


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
    >>> body = parse_html("<div><blockquote>Thank you!</blockquote><p>Welcome</p></div>").css_first("div")
    >>> strip_html_quotes(body, [("t1_a", "Thank you!")]), flow_text(body)
    (('t1_a',), 'Welcome')
    """
    # Decide on every outer quote before removing any: removing a node frees its descendants.
    skip = skip or (lambda _: False)
    outer = [bq for bq in body.css("blockquote") if not skip(bq) and not _inside(bq, body, skip)]
    found: list[str] = []
    doomed = []
    for bq in outer:
        key = _quoted_in(flow_text(bq), sources)
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


def ancestors_first(keys: Sequence[str | None], parents: Sequence[str | None]) -> list[int]:
    """Indices of posts ordered so that each comes after its ancestors (page order otherwise).

    Exports list replies before the posts they answer; quote detection needs the
    parent's text first. Cycles and absent parents count as top level.

    Examples
    --------
    >>> ancestors_first(["b", "a", "c"], ["a", None, "zz"])
    [1, 2, 0]
    """
    index: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k is not None:
            index.setdefault(k, i)
    depth: list[int | None] = [None] * len(keys)
    for i in range(len(keys)):
        path: list[int] = []
        on_path: set[int] = set()
        j: int | None = i
        while j is not None and depth[j] is None and j not in on_path:
            on_path.add(j)
            path.append(j)
            p = parents[j]
            j = index.get(p) if p is not None else None
        base = depth[j] if j is not None and depth[j] is not None else -1
        for m in reversed(path):
            base += 1
            depth[m] = base
    return sorted(range(len(keys)), key=lambda i: depth[i] or 0)


def chain(key: str | None, parent_of: dict[str, str | None], text_of: dict[str, str],
          limit: int = 50) -> list[tuple[str, str]]:
    """The ``(key, text)`` pairs of a post's ancestors seen so far, nearest first.

    Examples
    --------
    >>> chain("b", {"a": None, "b": "a"}, {"a": "A", "b": "B"})
    [('b', 'B'), ('a', 'A')]
    """
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    while key is not None and key in text_of and key not in seen and len(out) < limit:
        seen.add(key)
        out.append((key, text_of[key]))
        key = parent_of.get(key)
    return out


def add_truncated(coverage: Coverage, parent_key: str | None, count: int) -> None:
    """Record a "load more" stub under ``parent_key``: known counts add up, ``-1`` is unknown.

    Examples
    --------
    >>> cov = Coverage()
    >>> for n in (3, -1, 2):
    ...     add_truncated(cov, "t1_a", n)
    >>> cov.truncated
    {'t1_a': 5}
    """
    prev = coverage.truncated.get(parent_key)
    if prev is None or prev < 0:
        coverage.truncated[parent_key] = count
    elif count > 0:
        coverage.truncated[parent_key] = prev + count


def html_fragment(markup: str) -> LexborNode:
    """The ``<body>`` of an HTML fragment (a comment's message), parsed with lexbor.

    Examples
    --------
    >>> flow_text(html_fragment("<p>Hello</p><p>World &amp; co</p>"))
    'Hello\\n\\nWorld & co'
    """
    tree = parse_html(markup)
    body = tree.body
    return body if body is not None else tree.root


def first_int(text: str) -> int | None:
    """The first whole number in a label ("1,234 comments", "(12 replies)").

    Examples
    --------
    >>> first_int("load more comments (1,234 replies)"), first_int("comment")
    (1234, None)
    """
    digits: list[str] = []
    for ch in text:
        if ch.isdigit():
            digits.append(ch)
        elif digits and ch in ",.\u00a0\u202f ":
            continue
        elif digits:
            break
    return int("".join(digits)) if digits else None
