"""Safe, tolerant XML reading for the export formats (lxml).

Exports are untrusted files: entities are never expanded (no "billion laughs"),
nothing is fetched from the network, and a truncated or malformed file yields
what can be recovered instead of failing. Elements are matched by local name so
that an export with a missing or different namespace declaration still reads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from lxml import etree

from modkit.errors import ParseError

log = logging.getLogger(__name__)

def sniff_export(text: str, *marks: str) -> float:
    """How surely ``text`` is an export whose first 8 KiB hold every one of ``marks``.

    A saved HTML page that merely mentions the marks (a blog post about exports) is not one.

    Examples
    --------
    >>> sniff_export('<rss xmlns:wp="http://wordpress.org/export/1.2/">', "<rss", "wordpress.org/export/")
    0.95
    >>> sniff_export("<html><body><rss wordpress.org/export/", "<rss", "wordpress.org/export/")
    0.0
    """
    head = text[:8192]
    if not all(m in head for m in marks):
        return 0.0
    return 0.0 if "<html" in head.lower() else 0.95


def parse_xml(text: str, source: str = "<xml>") -> etree._Element:
    """Parse decoded XML text safely; :class:`ParseError` when nothing is recoverable.

    The text is already decoded, so the file's own encoding declaration is
    overridden rather than trusted.

    Examples
    --------
    >>> root = parse_xml('<?xml version="1.0" encoding="latin-1"?><a><b>caf\\u00e9</b>')
    >>> local(root), child_text(root, "b")
    ('a', 'café')
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=True,
                             load_dtd=False, encoding="utf-8")
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"{source}: not readable as XML ({exc})") from None
    if root is None:
        raise ParseError(f"{source}: not readable as XML (nothing recoverable)")
    errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
    if errors:
        # lxml's recovery stops at a fatal error (an entity loop, a broken tag): the rest of the file is lost.
        log.warning("%s: damaged XML, only the part before its first error was read (%s)", source,
                    errors[0].message.strip())
    return root


def local(el: etree._Element) -> str:
    """An element's tag without its namespace (``""`` for comments and processing instructions).

    Examples
    --------
    >>> local(etree.fromstring('<x:a xmlns:x="urn:x"/>'))
    'a'
    """
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    # Recovered files may keep an undeclared prefix in the name ("wp:comment").
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def children(el: etree._Element, name: str) -> Iterator[etree._Element]:
    """Direct children of ``el`` with local name ``name``.

    Examples
    --------
    >>> [c.text for c in children(etree.fromstring("<a><b>1</b><c/><b>2</b></a>"), "b")]
    ['1', '2']
    """
    return (c for c in el if local(c) == name)


def child(el: etree._Element, name: str) -> etree._Element | None:
    """The first direct child of ``el`` with local name ``name``, or ``None``.

    Examples
    --------
    >>> child(etree.fromstring("<a><b/></a>"), "c") is None
    True
    """
    return next(children(el, name), None)


def child_text(el: etree._Element, name: str) -> str:
    """The stripped text of the first child named ``name`` (CDATA included), ``""`` if absent.

    Examples
    --------
    >>> child_text(etree.fromstring("<a><b>\\n  <![CDATA[<p>hi</p>]]></b></a>"), "b")
    '<p>hi</p>'
    """
    c = child(el, name)
    return "".join(c.itertext()).strip() if c is not None else ""


def id_attr(el: etree._Element | None) -> str | None:
    """The value of an element's ``id`` attribute in any namespace (``dsq:id``), or ``None``.

    Examples
    --------
    >>> id_attr(etree.fromstring('<t xmlns:d="urn:d" d:id=" 7 "/>'))
    '7'
    """
    if el is None:
        return None
    for key, value in el.attrib.items():
        if key.rsplit("}", 1)[-1].rsplit(":", 1)[-1] == "id":
            return value.strip() or None
    return None


def is_true(text: str) -> bool:
    """Whether an export's boolean field is set ("true", "1").

    Examples
    --------
    >>> is_true(" True "), is_true("false"), is_true("")
    (True, False, False)
    """
    return text.strip().lower() in ("true", "1", "yes")
