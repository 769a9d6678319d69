"""Hacker News item pages saved as HTML (fixtures written for these tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from modkit.model import (
    FLAG_EMPTY,
    FLAG_REMOVED,
    Comment,
    Thread,
    make_comment_id,
    make_thread_id,
    validate_forest,
)
from modkit.parse import detect_format, parse_file, read_page
from modkit.parse.formats.hackernews_html import HackerNewsHtml

ASSETS = Path(__file__).parent / "assets"
HERE = ASSETS / "hackernews_html"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
FMT = HackerNewsHtml()


def _parse(name: str) -> Thread:
    [thread] = parse_file(HERE / name)
    assert thread.platform == "hackernews_html"
    return thread


def _cid(thread: Thread, item: str) -> str:
    return make_comment_id(thread.thread_id, item)


def _get(thread: Thread, item: str) -> Comment:
    return next(c for c in thread.comments if c.comment_id == _cid(thread, item))


def test_hackernews_html_nests_flat_rows_by_their_indent():
    t = _parse("ask_hn_item.html")
    assert [(c.depth, c.author) for c in t.comments] == [
        (0, "sre_maria"), (1, "kbolt"), (2, "throwaway_4412"), (3, "kbolt"), (0, None), (1, "ops_gnome"),
        (0, "dana_k")]
    assert _get(t, "39100388").parent_id == _cid(t, "39100311")
    assert _get(t, "39100431").parent_id == _cid(t, "39100420")
    assert _get(t, "39100517").parent_id == _cid(t, "39100502")
    assert _get(t, "39100640").parent_id is None


def test_hackernews_html_reads_times_as_utc_and_drops_reply_links():
    t = _parse("ask_hn_item.html")
    first = _get(t, "39100311")
    assert first.timestamp == "2024-01-24T15:20:40+00:00"
    assert first.text == ("Pay for it. Every page outside working hours is paid, no matter how short.\n\n"
                          "Once it cost money, management suddenly cared about the alert noise.")
    assert all("reply" not in c.text for c in t.comments)


def test_hackernews_html_cuts_a_quote_of_the_parent_and_records_it():
    t = _parse("ask_hn_item.html")
    reply = _get(t, "39100388")
    assert reply.text == "Same here. We cut pages by 80% in a quarter."
    assert reply.quotes == (_cid(t, "39100311"),)


def test_hackernews_html_flags_dead_and_deleted_comments_as_removed():
    t = _parse("ask_hn_item.html")
    dead = _get(t, "39100420")
    assert dead.flags == (FLAG_REMOVED,)
    assert dead.text == "Or just hire people who can handle pressure, snowflakes."
    deleted = _get(t, "39100502")
    assert (deleted.author, deleted.text) == (None, "")
    assert set(deleted.flags) == {FLAG_REMOVED, FLAG_EMPTY}


def test_hackernews_html_reads_title_toptext_count_and_more_link():
    t = _parse("ask_hn_item.html")
    assert t.title == "Ask HN: How do you keep on-call from burning out your team?"
    assert t.article == ("We are six engineers sharing a weekly rotation.\n\nTwo people quit last quarter "
                         "and both named on-call in their exit interviews. What has worked for you?")
    assert t.coverage.stated_count == 11
    assert t.coverage.truncated == {None: -1}
    assert t.thread_id == make_thread_id("hackernews_html", "https://news.ycombinator.com/item?id=39100200")


def test_hackernews_html_reads_old_markup_with_spacer_widths_and_no_row_ids():
    t = _parse("old_markup_2015.html")
    assert t.title == "Show HN: A static site generator in 300 lines of Go"
    # The third row's spacer is 120px (3 levels) under a depth-1 row: clamped to depth 2.
    assert [(c.depth, c.author) for c in t.comments] == [
        (0, "lurker42"), (1, "gopher_ann"), (2, "pedant"), (0, "webdev_ro")]
    assert _get(t, "9961071").parent_id == _cid(t, "9961050")
    assert _get(t, "9961090").parent_id == _cid(t, "9961071")
    assert _get(t, "9961071").text == ("Not yet: it rebuilds everything, which takes 40ms for my blog.\n\n"
                                        "Happy to take a PR though.")
    assert all(c.timestamp is None for c in t.comments)  # only "2 hours ago": no timestamp
    assert t.coverage.stated_count == 4 and t.coverage.truncated == {}
    assert t.thread_id == make_thread_id("hackernews_html", "https://news.ycombinator.com/item?id=9961000")


def test_hackernews_html_keeps_the_last_comment_of_a_file_cut_off_mid_comment():
    t = _parse("old_markup_2015.html")
    assert _get(t, "9961102").text == "Bookmarked. The README is great"


@pytest.mark.parametrize("name", ["ask_hn_item.html", "old_markup_2015.html"])
def test_hackernews_html_survives_a_page_cut_off_anywhere(name):
    text = read_page(HERE / name)
    [full] = FMT.parse(text, name)
    for cut in range(0, len(text), max(1, len(text) // 25)):
        [t] = FMT.parse(text[:cut], name)
        validate_forest(t.comments)
        if cut > text.index("comments</a>"):
            assert {c.comment_id for c in t.comments} <= {c.comment_id for c in full.comments}


def test_hackernews_html_is_detected_on_its_fixtures():
    for path in HERE.glob("*.html"):
        assert detect_format(read_page(path), str(path)).name == "hackernews_html"


def test_hackernews_html_does_not_claim_other_formats_pages():
    paths = sorted(SEEDS.glob("*.txt"))
    paths += sorted(p for p in ASSETS.rglob("*") if p.is_file() and p.parent != HERE)
    if SHARED.exists():
        paths += sorted(p for p in (SHARED / "threads").rglob("*")
                        if p.is_file() and not p.name.startswith("LICENSE"))
    assert [p.name for p in paths if FMT.sniff(read_page(p), str(p)) > 0] == []


def test_hackernews_html_does_not_claim_the_front_page():
    front = ('<html><body><table id="hnmain"><tr class="athing submission" id="1"><td class="title">'
             '<span class="titleline"><a href="https://x.org">A story</a></span></td></tr></table></body></html>')
    assert FMT.sniff(front, "news.html") == 0.0
