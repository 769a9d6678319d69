"""Shared HTML helpers for the HTML page formats (selectolax's lexbor backend).

Real markup is often malformed; lexbor repairs it the way browsers do. These
helpers turn nodes into readable text (block elements become line breaks,
scripts and styles vanish), read page-level facts (title, canonical URL) and
select nodes the way comment markup needs (outermost matches, a node's own
descendants, each node once).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from selectolax.lexbor import LexborHTMLParser, LexborNode

from modkit.errors import ParseError

#: Elements that break the text flow into lines.
BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "table", "section", "article", "header", "footer", "aside", "dd", "dt", "dl", "hr",
    "figure", "figcaption", "form", "nav", "main", "address", "details", "summary",
})
#: Elements whose content is never text a reader sees.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object",
                       "button", "input", "select", "textarea", "head"})
#: Class-name fragments of images that stand for text (smilies, emoji).
EMOTICON_CLASSES = ("smil", "emoji", "emote")

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


#: Deepest nesting of list and block containers parsed. HTML tree construction scans the stack of
#: open elements on many tags, so its cost grows with the square of the depth: 8,000 nested comments
#: take seconds, 32,000 minutes. No real thread nests this deep (Reddit stops at 10, WordPress at 10).
MAX_NESTING = 5_000
_CONTAINER_TAG = re.compile(rb"<(/?)(?:ul|ol|li|div|blockquote|article|section|dl|dd)\b", re.I)


def nesting_depth(text: str) -> int:
    """The deepest nesting of container tags, counted in one linear pass over the markup.

    Examples
    --------
    >>> nesting_depth("<ul><li>a<ul><li>b</li></ul></li></ul><div></div>")
    4
    """
    depth = deepest = 0
    for m in _CONTAINER_TAG.finditer(text.encode("utf-8", "surrogatepass")):
        depth = depth - 1 if m.group(1) else depth + 1
        deepest = max(deepest, depth)
    return deepest


def parse_html(text: str) -> LexborHTMLParser:
    """Parse markup with lexbor (tolerant of truncated and malformed pages).

    A page nested deeper than :data:`MAX_NESTING` containers is refused with a
    :class:`~modkit.errors.ParseError` rather than parsed for minutes.
    """
    if text.count("<") > 2 * MAX_NESTING and nesting_depth(text) > MAX_NESTING:
        raise ParseError(f"markup nested {nesting_depth(text):,} levels deep; modkit reads at most "
                         f"{MAX_NESTING:,} (no real comment thread nests this deep)")
    return LexborHTMLParser(text)


def html_fragment(markup: str) -> LexborNode:
    """The ``<body>`` of an HTML fragment (a comment's message), parsed with lexbor.

    Examples
    --------
    >>> node_text(html_fragment("<p>Hello</p><p>World &amp; co</p>"))
    'Hello\\n\\nWorld & co'
    """
    tree = parse_html(markup)
    body = tree.body
    return body if body is not None else tree.root


#: A line of its own around each ``<pre>`` block when :func:`node_text` is asked to mark code
#: (a private-use character no page text contains), so quote detection can leave code alone.
CODE_FENCE = "\ue003"


def node_text(node: LexborNode | None, skip: frozenset[str] = frozenset(), *,
              skip_node: Callable[[LexborNode], bool] | None = None, breaks: bool = False,
              smilies: bool = False, fence_code: bool = False) -> str:
    """Readable text of a node: block elements become line breaks, paragraphs blank lines.

    ``skip`` names extra tags to leave out; ``skip_node`` is a predicate on the
    nodes below ``node``, whose subtrees it accepts are left out (another
    comment nested inside this one by malformed markup). Source line breaks are
    spaces, as in a browser, except inside ``<pre>``; ``breaks`` keeps them
    everywhere, as WordPress shows raw comment text (``wpautop`` turns them
    into ``<br>``). ``smilies`` keeps the ``alt`` text of smiley and emoji
    images. ``fence_code`` puts a :data:`CODE_FENCE` line before and after each
    ``<pre>`` block (for the caller to remove). Runs without recursion, so
    absurdly deep markup cannot overflow the stack.

    Examples
    --------
    >>> t = parse_html("<div><p>Hello <b>you</b><br>there</p><p>Bye</p><script>x()</script></div>")
    >>> node_text(t.css_first("div"))
    'Hello you\\nthere\\n\\nBye'
    >>> node_text(parse_html("<p>one\\ntwo<br>\\nthree</p>").css_first("p"))
    'one two\\nthree'
    >>> node_text(parse_html("<div><p>one\\n   line</p><pre>a\\nb</pre>x<br>y</div>").css_first("div"))
    'one line\\n\\na\\nb\\nx\\ny'
    >>> node_text(parse_html("<b>one</b>\\ntwo").body, breaks=True)
    'one\\ntwo'
    >>> body = parse_html('<div>Hi <div class="thing">nested</div><img class="smilie" alt=":)"></div>')
    >>> node_text(body.css_first("div"), skip_node=lambda n: "thing" in classes(n), smilies=True)
    'Hi :)'
    """
    if node is None:
        return ""
    parts: list[str] = []
    stack: list[tuple[LexborNode, bool, bool]] = [(node, False, breaks)]  # node, closing, raw text
    skipped = SKIP_TAGS | skip
    while stack:
        cur, closing, pre = stack.pop()
        tag = cur.tag
        if closing:
            parts.append("\n\n" if tag == "p" else "\n")
            if fence_code and tag == "pre" and not pre:
                parts.append(CODE_FENCE + "\n")
            continue
        if tag == "-text":
            raw = cur.text_content or ""
            # Source line breaks are spaces in HTML; only <pre> keeps them.
            parts.append(raw if pre else _WS.sub(" ", raw))
            continue
        if tag in skipped or tag == "-comment" or (skip_node is not None and cur is not node and skip_node(cur)):
            continue
        if tag == "br":
            parts.append("\n")
            continue
        if tag == "img" and smilies:
            if any(s in (cur.attributes.get("class") or "").casefold() for s in EMOTICON_CLASSES):
                parts.append(cur.attributes.get("alt") or "")
            continue
        if tag in BLOCK_TAGS and cur is not node:
            parts.append("\n\n" if tag == "p" else "\n")
            if fence_code and tag == "pre" and not pre:
                parts.append(CODE_FENCE + "\n")
            stack.append((cur, True, pre))
        inner = pre or tag == "pre"
        stack.extend((k, False, inner) for k in reversed(list(cur.iter(include_text=True))))
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


# --- page-level facts -------------------------------------------------------------------
def og_title(tree: LexborHTMLParser) -> str | None:
    """The page's ``og:title``, if it declares one.

    Examples
    --------
    >>> og_title(parse_html('<meta property="og:title" content=" Post ">')), og_title(parse_html("x"))
    ('Post', None)
    """
    meta = tree.css_first('meta[property="og:title"]')
    if meta is not None and (meta.attributes.get("content") or "").strip():
        return clean_text(meta.attributes["content"])
    return None


def page_title(tree: LexborHTMLParser) -> str:
    """The page's title: og:title, else the first h1, else <title>.

    Examples
    --------
    >>> page_title(parse_html("<title>Site | Post</title><h1>Post</h1>"))
    'Post'
    """
    return og_title(tree) or first_text(tree, ("h1", "title")) or ""


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


def first_text(node: LexborNode | LexborHTMLParser, selectors: Sequence[str]) -> str | None:
    """Text of the first node matching a selector (tried in order) that has text, or ``None``.

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


# --- selecting nodes --------------------------------------------------------------------
def classes(node: LexborNode) -> list[str]:
    """The node's class names.

    Examples
    --------
    >>> classes(parse_html('<p class=" a  b">x</p>').css_first("p"))
    ['a', 'b']
    """
    return (node.attributes.get("class") or "").split()


def select(root: LexborNode | LexborHTMLParser, selector: str) -> list[LexborNode]:
    """Nodes matching a selector list, each once, in page order.

    lexbor repeats a node once per selector of the list it matches.

    Examples
    --------
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


def below(root: LexborNode, selector: str) -> list[LexborNode]:
    """Nodes under ``root`` matching ``selector``, each once (lexbor's css() includes ``root``).

    Examples
    --------
    >>> t = parse_html('<div class="q"><div class="q">x</div></div>')
    >>> len(below(t.css_first("div.q"), ".q"))
    1
    """
    return [n for n in select(root, selector) if n.mem_id != root.mem_id]


def own_first(node: LexborNode, selectors: Sequence[str]) -> LexborNode | None:
    """First descendant matching any selector, trying the selectors in order.

    Examples
    --------
    >>> t = parse_html("<div><b>x</b><i>y</i></div>")
    >>> own_first(t.css_first("div"), ("u", "i", "b")).tag
    'i'
    """
    for sel in selectors:
        for found in node.css(sel):
            if found.mem_id != node.mem_id:
                return found
    return None


def enclosing(nodes: Sequence[LexborNode], within: LexborNode | None = None) -> list[int | None]:
    """For each node, the index of the nearest node of ``nodes`` that encloses it.

    Each ancestor is visited once (results are shared along the way up), so
    deeply nested markup costs linear time. ``within``, an ancestor of every node,
    stops the walks there: a search inside one comment of a 100,000-deep thread
    must not climb to the document root for each match.

    Examples
    --------
    >>> t = parse_html("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>")
    >>> enclosing(t.css("li"))
    [None, 0, None]
    """
    index = {n.mem_id: i for i, n in enumerate(nodes)}
    memo: dict[int, int | None] = {}
    stop = within.mem_id if within is not None else None
    out: list[int | None] = []
    for node in nodes:
        path: list[int] = []
        found: int | None = None
        cur = node.parent
        while cur is not None and cur.mem_id != stop:
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


def outermost(nodes: Sequence[LexborNode], within: LexborNode | None = None) -> list[LexborNode]:
    """The nodes not enclosed by another of ``nodes``, in their order (``within``: see :func:`enclosing`).

    Examples
    --------
    >>> t = parse_html("<div id=a><div id=b></div></div><div id=c></div>")
    >>> [n.id for n in outermost(t.css("div"))]
    ['a', 'c']
    >>> [n.text() for n in outermost(parse_html("<div><q>a<q>b</q></q><q>c</q></div>").css("q"))]
    ['ab', 'c']
    """
    return [n for n, up in zip(nodes, enclosing(nodes, within)) if up is None]


def drop(node: LexborNode, selector: str) -> None:
    """Remove every descendant matching ``selector`` (a selector list is fine).

    Outermost matches go, each once, so nothing is removed twice.

    Examples
    --------
    >>> t = parse_html('<div class="x"><p>keep</p><div class="x y">drop</div><i class="y">too</i></div>')
    >>> drop(t.css_first("div"), ".x, .y")
    >>> t.css_first("div").text()
    'keep'
    """
    for found in outermost(below(node, selector), within=node):
        found.decompose()
