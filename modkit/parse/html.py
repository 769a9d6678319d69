"""Shared HTML helpers for the HTML page formats (selectolax's lexbor backend).

Real markup is often malformed; lexbor repairs it the way browsers do. These
helpers turn nodes into readable text (block elements become line breaks,
scripts and styles vanish) and read page-level facts (title, canonical URL).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

#: Elements that break the text flow into lines.
BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "table", "section", "article", "header", "footer", "aside", "dd", "dt", "dl", "hr",
    "figure", "figcaption", "form", "nav", "main", "address", "details", "summary",
})
#: Elements whose content is never text a reader sees.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object",
                       "button", "input", "select", "textarea", "head"})

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_WS = re.compile(r"\s+")
_BLANKS = re.compile(r"\n\s*\n\s*(?:\n\s*)+")


def looks_like_html(text: str) -> bool:
    """Whether a page is HTML markup.

    Examples
    --------
    >>> looks_like_html("<!doctype html><html><body>x</body></html>"), looks_like_html("Title")
    (True, False)
    """
    head = text[:4096].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body", "<meta", "<!--", "<div")) \
        or "<html" in head or "<body" in head


def parse_html(text: str) -> LexborHTMLParser:
    """Parse markup with lexbor (tolerant of truncated and malformed pages)."""
    return LexborHTMLParser(text)


def node_text(node: LexborNode | None, skip: frozenset[str] = frozenset()) -> str:
    """Readable text of a node: block elements become line breaks, paragraphs blank lines.

    ``skip`` names extra CSS-free tag names to leave out. Runs without recursion,
    so absurdly deep markup cannot overflow the stack.

    Examples
    --------
    >>> t = parse_html("<div><p>Hello <b>you</b><br>there</p><p>Bye</p><script>x()</script></div>")
    >>> node_text(t.css_first("div"))
    'Hello you\\nthere\\n\\nBye'
    >>> node_text(parse_html("<p>one\\ntwo<br>\\nthree</p>").css_first("p"))
    'one two\\nthree'
    """
    if node is None:
        return ""
    parts: list[str] = []
    stack: list[tuple[LexborNode, bool, bool]] = [(node, False, False)]  # node, closing, inside <pre>
    skipped = SKIP_TAGS | skip
    while stack:
        cur, closing, pre = stack.pop()
        tag = cur.tag
        if closing:
            parts.append("\n\n" if tag == "p" else "\n")
            continue
        if tag == "-text":
            raw = cur.text_content or ""
            # Source line breaks are spaces in HTML; only <pre> keeps them.
            parts.append(raw if pre else _WS.sub(" ", raw))
            continue
        if tag in skipped or tag == "-comment":
            continue
        if tag == "br":
            parts.append("\n")
            continue
        block = tag in BLOCK_TAGS and cur is not node
        if block:
            parts.append("\n\n" if tag == "p" else "\n")
            stack.append((cur, True, pre))
        kids = list(cur.iter(include_text=True))
        inner = pre or tag in ("pre", "textarea")
        stack.extend((k, False, inner) for k in reversed(kids))
    return clean_text("".join(parts))


def clean_text(text: str) -> str:
    """Collapse runs of spaces, trim lines, keep at most one blank line between paragraphs.

    Examples
    --------
    >>> clean_text("  a \\u00a0 b \\n\\n\\n\\n c ")
    'a b\\n\\nc'
    """
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def page_title(tree: LexborHTMLParser) -> str:
    """The page's title: og:title, else the first h1, else <title>.

    Examples
    --------
    >>> page_title(parse_html("<title>Site | Post</title><h1>Post</h1>"))
    'Post'
    """
    meta = tree.css_first('meta[property="og:title"]')
    if meta is not None and (meta.attributes.get("content") or "").strip():
        return clean_text(meta.attributes["content"])
    for sel in ("h1", "title"):
        n = tree.css_first(sel)
        if n is not None and n.text(strip=True):
            return clean_text(n.text())
    return ""


def canonical_url(tree: LexborHTMLParser) -> str | None:
    """The page's canonical URL (link rel=canonical or og:url), if it declares one.

    Examples
    --------
    >>> canonical_url(parse_html('<link rel="canonical" href="https://x.org/a">'))
    'https://x.org/a'
    """
    for sel, attr in (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        n = tree.css_first(sel)
        if n is not None and (n.attributes.get(attr) or "").strip():
            return n.attributes[attr].strip()
    return None


def first_text(node: LexborNode, selectors: tuple[str, ...]) -> str | None:
    """Text of the first node matching any selector, or ``None``.

    Examples
    --------
    >>> first_text(parse_html("<div><cite>ann</cite></div>").body, (".author", "cite"))
    'ann'
    """
    for sel in selectors:
        n = node.css_first(sel)
        if n is not None:
            t = clean_text(n.text())
            if t:
                return t
    return None
