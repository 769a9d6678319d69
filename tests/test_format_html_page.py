"""The generic HTML fallback: title and article, no comments, never an error."""

from __future__ import annotations

import pytest

from modkit.parse import MIN_CONFIDENCE, parse_file, parse_text, read_page
from modkit.parse.formats.html_page import HtmlPage

from .conftest import ASSETS

HERE = ASSETS / "html_page"
FMT = HtmlPage()


def test_html_page_keeps_the_article_and_drops_navigation_share_and_footer():
    [t] = parse_file(HERE / "council_news.html")
    assert (t.platform, t.title, t.n_comments) == ("html_page", "Library opening hours extended", 0)
    assert t.article.startswith("Library opening hours extended\n\nPublished 2 May 2023\n\nFrom 15 May")
    assert "Saturday: 10am to 4pm" in t.article
    for chrome in ("Bins and recycling", "Share on Twitter", "Related news", "Privacy", "Skip to content"):
        assert chrome not in t.article


def test_html_page_reads_a_file_cut_off_mid_tag():
    [t] = parse_file(HERE / "cut_off.html")
    assert t.title == "Heatwave warning issued for Thursday"
    assert t.article == ("Temperatures could reach 34C in the south east, forecasters said.\n\n"
                         "The warning runs from Thursday morning until Saturday midnight\n\n"
                         "Brighton beach on Tuesday")


def test_html_page_thread_id_follows_the_canonical_url():
    [a] = parse_file(HERE / "council_news.html")
    [b] = parse_text(read_page(HERE / "council_news.html"), "/elsewhere/copy.html")
    assert a.thread_id == b.thread_id


@pytest.mark.parametrize("junk", [
    "<html>", "<html><body>", "<!DOCTYPE html>", "<html><head><title>", "<html><body><p>\x00\x01\x02",
    "<html><body>" + "<div>" * 5000 + "deep", "<html><body><table><tr><td><li><ul><p>mixed</html>",
    "<html><body><script>document.write('<div>')", "<html><body>&#xFFFFFFF; &bogus; <p/>",
])
def test_html_page_never_raises_on_junk(junk):
    [t] = FMT.parse(junk, "junk.html")
    assert t.n_comments == 0


def test_html_page_claims_html_weakly_but_above_the_detection_threshold():
    # That it loses to every specific format, and claims no text, JSON or XML, is in the contract.
    assert FMT.sniff("<html><body>x</body></html>", "x.html") >= MIN_CONFIDENCE
