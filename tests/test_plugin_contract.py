"""The contract every registered page format keeps, checked on every page we hold.

Each file under ``tests/assets/<format>/`` is a page of that format; the seeds
and the shared real pages name theirs in the tables below. For every page:

* detection picks its format, and no other format claims it: a specific format
  sniffs 0, and the fallback of the page's kind (``html_page``,
  ``article_text``) sniffs less than the page's own format;
* every other format, handed the page anyway, reads it into valid forests or
  refuses it with :class:`ParseError`, never anything else;
* its threads are valid forests whose rows fit the comments table's schema;
* parsing it twice gives identical threads;
* a page cut off anywhere still parses (or, for a JSON or XML page, fails with
  :class:`ParseError`): valid forests, no more comments than the whole page,
  and, once the cut keeps the thread's identity, the whole page's comments.

Format-specific structure (counts, parent links, authors, texts) is tested in
``test_format_<name>.py``.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pytest

from modkit.errors import ParseError
from modkit.model import COMMENT_COLUMNS, KNOWN_FLAGS, Thread, validate_forest
from modkit.parse import MIN_CONFIDENCE, detect_format, parse_file, read_page
from modkit.registry import page_formats
from modkit.tables import COMMENT_SCHEMA, threads_to_frame

from .conftest import ASSETS, SEEDS, SHARED, needs_shared

#: The format of each seed page, by its number.
SEED_FORMATS = {"000": "article_text", "001": "disqus_text", "002": "article_text",
                "003": "wordpress_text", "004": "forum_text"}
#: The format of each real page under ``../shared/datasets/threads``.
SHARED_FORMATS = {
    "fiit_reddit_oldhtml/test-comment-worldnews.html": "reddit_html",
    "graw_reddit_json/ThreadCrossPostParentDeleted.json": "reddit_json",
    "graw_reddit_json/ThreadImageGallery.json": "reddit_json",
    "graw_reddit_json/ThreadWithPreview.json": "reddit_json",
    "isso_exports/disqus.xml": "disqus_xml",
    "isso_exports/wordpress.xml": "wordpress_wxr",
    "trafilatura_forums/katzen-forum.net-Pepe.html": "xenforo_html",
    "trafilatura_wordpress/lemire.me.json.html": "wordpress_html",
    "trafilatura_wordpress/moritz-meyer.net.vreni.html": "wordpress_html",
    "trafilatura_wordpress/netzpolitik.org.abmahnungen.html": "wordpress_html",
}
#: The format that weakly claims every page of its kind, so that any specific format wins.
FALLBACKS = {"html": "html_page", "text": "article_text"}
#: How many places each page is cut at.
CUTS = 25

FORMATS = [pytest.param(fmt, id=fmt.name) for fmt in page_formats.items()]


class Page(NamedTuple):
    path: Path
    fmt: str  # the registered format the page is written in


def _pages() -> list:
    pages = [pytest.param(Page(p, p.relative_to(ASSETS).parts[0]), id=f"assets/{p.relative_to(ASSETS)}")
             for p in sorted(ASSETS.rglob("*")) if p.is_file()]
    pages += [pytest.param(Page(p, SEED_FORMATS[p.name[:3]]), id=f"seeds/{p.name}")
              for p in sorted(SEEDS.glob("*.txt"))]
    pages += [pytest.param(Page(SHARED / "threads" / name, fmt), id=f"shared/{name}", marks=needs_shared)
              for name, fmt in SHARED_FORMATS.items()]
    return pages


PAGES = _pages()
#: Every page paired with every format it is not written in.
FOREIGN = [pytest.param(p.values[0], f.values[0], id=f"{p.id}-{f.id}", marks=p.marks)
           for p in PAGES for f in FORMATS if f.id != p.values[0].fmt]


@cache
def _text(path: Path) -> str:
    return read_page(path)


def _check_rows(threads: list[Thread]) -> None:
    """Valid forests whose rows fit the comments table (columns, types, flags, quotes, dates)."""
    frame = threads_to_frame(threads)
    assert list(frame.columns) == list(COMMENT_COLUMNS)
    assert len(frame) == sum(t.n_comments for t in threads)
    pa.Table.from_pandas(frame, schema=COMMENT_SCHEMA, preserve_index=False)  # raises on a misfit
    for t in threads:
        validate_forest(t.comments)
        ids = {c.comment_id for c in t.comments}
        for c in t.comments:
            assert set(c.flags) <= KNOWN_FLAGS, c
            assert set(c.quotes) <= ids, c
            assert c.timestamp is None or datetime.fromisoformat(c.timestamp), c


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_has_pages_to_check(fmt):
    pages = [p.values[0] for p in PAGES]
    assert any(p.fmt == fmt.name for p in pages), f"no fixture page for {fmt.name}"
    assert FALLBACKS.get(fmt.kind, fmt.name) in page_formats.names()


@pytest.mark.parametrize("page", PAGES)
def test_detection_picks_the_pages_format(page):
    assert detect_format(_text(page.path), str(page.path)).name == page.fmt
    assert page_formats.get(page.fmt).sniff(_text(page.path), str(page.path)) >= MIN_CONFIDENCE


@pytest.mark.parametrize(("page", "fmt"), FOREIGN)
def test_other_formats_neither_claim_the_page_nor_break_on_it(page, fmt):
    text, source = _text(page.path), str(page.path)
    own = page_formats.get(page.fmt)
    if fmt.name == FALLBACKS.get(own.kind):
        assert fmt.sniff(text, source) < own.sniff(text, source)
    else:
        assert fmt.sniff(text, source) == 0.0
    try:
        threads = fmt.parse(text, source)
    except ParseError:
        return
    for t in threads:
        validate_forest(t.comments)


@pytest.mark.parametrize("page", PAGES)
def test_threads_are_valid_forests_in_the_comments_schema(page):
    threads = parse_file(page.path)
    assert threads and {t.platform for t in threads} == {page.fmt}
    _check_rows(threads)


@pytest.mark.parametrize("page", PAGES)
def test_parsing_twice_gives_identical_threads(page):
    first, again = parse_file(page.path), parse_file(page.path)
    assert [t.thread_id for t in first] == [t.thread_id for t in again]
    assert [[c.comment_id for c in t.comments] for t in first] == [[c.comment_id for c in t.comments]
                                                                   for t in again]
    assert first == again


@pytest.mark.parametrize("page", PAGES)
def test_a_page_cut_off_anywhere_still_parses(page):
    fmt = page_formats.get(page.fmt)
    text, name = _text(page.path), page.path.name
    whole = fmt.parse(text, name)
    assert len(whole) == 1 or fmt.kind != "html"  # an HTML page is one thread
    full = {t.thread_id: {c.comment_id for c in t.comments} for t in whole}
    n_full = sum(len(ids) for ids in full.values())
    for cut in range(0, len(text), max(1, len(text) // CUTS)):
        try:
            threads = fmt.parse(text[:cut], name)
        except ParseError:
            # lexbor repairs any HTML the way browsers do; a cut JSON or XML file may be beyond repair.
            assert fmt.kind != "html", f"cut at {cut}"
            continue
        if fmt.kind == "html":
            assert len(threads) == 1, f"cut at {cut}"
        _check_rows(threads)
        assert sum(t.n_comments for t in threads) <= n_full, f"cut at {cut}"
        for t in threads:
            if t.thread_id not in full:  # the cut changed the identity (a title cut short)
                continue
            unknown = {c.comment_id for c in t.comments} - full[t.thread_id]
            # HTML comments are keyed by their element's id, which a cut keeps whole; in a text
            # dump or an export the one comment the cut goes through may lose words or its id.
            assert len(unknown) <= (0 if fmt.kind == "html" else 1), f"cut at {cut}: {unknown}"
