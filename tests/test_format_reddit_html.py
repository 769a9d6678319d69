"""Old-Reddit HTML pages: parent links over broken nesting, removed comments, load-more stubs."""

from __future__ import annotations

from collections import Counter

import lxml.html
import pytest

from modkit.model import FLAG_EMPTY, FLAG_REMOVED, Thread, make_thread_id
from modkit.parse import parse_file
from modkit.parse.decode import read_page
from modkit.parse.html import parse_html

from .conftest import ASSETS, SHARED, by_key, cid, needs_shared

PAGE = ASSETS / "reddit_html" / "askcity_bridge.html"
REAL = SHARED / "threads" / "fiit_reddit_oldhtml" / "test-comment-worldnews.html"


def tree(t: Thread, keys: list[str]) -> list[tuple[str, int, str | None]]:
    """(key, depth, parent key) per comment in the builder's order, keys named in ``keys``."""
    name = {cid(t, k): k for k in keys}
    return [(name[c.comment_id], c.depth, name[c.parent_id] if c.parent_id else None) for c in t.comments]


@pytest.fixture(scope="module")
def page() -> Thread:
    (t,) = parse_file(PAGE)
    return t


KEYS = [f"t1_e5aa00{i}" for i in range(1, 10)]


def test_reddit_html_reads_the_self_post_as_title_article_and_stated_count(page):
    assert page.platform == "reddit_html"
    assert page.title == "Is the new river bridge worth the money?"
    assert page.article == "The council voted 7-2 to spend $40M on the new bridge.\n\nIs it worth it?"
    assert page.coverage.stated_count == 14
    # The identity is the post's fullname, not the host or slug of the saved URL.
    assert page.thread_id == make_thread_id("reddit_html", "https://www.reddit.com/comments/9abc12/")


def test_reddit_html_builds_the_tree_from_parent_links(page):
    assert tree(page, KEYS) == [
        ("t1_e5aa001", 0, None),
        ("t1_e5aa002", 1, "t1_e5aa001"),
        ("t1_e5aa003", 2, "t1_e5aa002"),
        ("t1_e5aa004", 3, "t1_e5aa003"),
        ("t1_e5aa005", 0, None),
        ("t1_e5aa006", 0, None),
        ("t1_e5aa008", 1, "t1_e5aa006"),
        ("t1_e5aa007", 0, None),
        ("t1_e5aa009", 1, "t1_e5aa007"),
    ]


def test_reddit_html_prefers_explicit_signals_over_broken_nesting(page):
    dom = parse_html(read_page(PAGE))
    # The fixture really is broken: frank's and gina's comments sit inside erin's in the DOM.
    assert dom.css_first("#thing_t1_e5aa006 #thing_t1_e5aa007") is not None
    assert dom.css_first("#thing_t1_e5aa007 #thing_t1_e5aa008") is not None
    assert by_key(page, "t1_e5aa007").parent_id is None  # data-root="true"
    assert by_key(page, "t1_e5aa008").parent_id == cid(page, "t1_e5aa006")  # its "parent" link
    assert by_key(page, "t1_e5aa009").parent_id == cid(page, "t1_e5aa007")  # a permalink parent link
    # Nested markup of other comments is not part of erin's words.
    assert by_key(page, "t1_e5aa006").text == "Property taxes will go up again, watch."


def test_reddit_html_flags_removed_and_deleted_comments(page):
    deleted, removed = by_key(page, "t1_e5aa003"), by_key(page, "t1_e5aa005")
    for c in (deleted, removed):
        assert (c.author, c.text) == (None, "")
        assert c.flags == (FLAG_REMOVED, FLAG_EMPTY)
    # A deleted account whose comment is still shown: no author, text kept, not removed.
    gone_account = by_key(page, "t1_e5aa009")
    assert (gone_account.author, gone_account.text, gone_account.flags) == (
        None, "It is on the city website, page 12.", ())


def test_reddit_html_cuts_every_quote_and_records_the_quoted_ancestor(page):
    bob = by_key(page, "t1_e5aa002")
    assert bob.quotes == (cid(page, "t1_e5aa001"),)
    # The second quote ("Be the change...") repeats no comment: cut too, linking nothing.
    assert bob.text == "Then fix the old one. Nobody asked for a shiny new one."


def test_reddit_html_spoilers_are_words_not_quotes():
    (t,) = parse_file(ASSETS / "reddit_html" / "quote_rule.html")
    fay = next(c for c in t.comments if c.author == "fay")
    assert (fay.text, fay.quotes) == ("Bridge trolls are real.\n\nand I will be there.", ())


def test_reddit_html_reads_authors_creation_times_and_flowing_text(page):
    alice = by_key(page, "t1_e5aa001")
    assert alice.author == "alice_w"
    assert alice.timestamp == "2018-09-08T10:00:00+00:00"  # not the edit time
    assert alice.text == ("Forty million is a lot, but the old bridge is falling apart.\n\n"
                          "Edit: the inspection report is here.")
    assert [c.author for c in page.comments] == [
        "alice_w", "bob_k", None, "carol_d", None, "erin_p", "gina_r", "frank_o", None]


def test_reddit_html_records_load_more_and_continue_this_thread(page):
    assert page.coverage.truncated == {
        cid(page, "t1_e5aa001"): 3,   # "load more comments (3 replies)"
        cid(page, "t1_e5aa004"): -1,  # "continue this thread"
        None: 2,                      # top-level "load more comments (2 replies)"
    }
    assert page.coverage_warnings() == [
        "page states 14 comments, 9 found", "3 truncated 'load more' branches (5 replies)"]


# --- the real saved page --------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Thread:
    (t,) = parse_file(REAL)
    return t


@needs_shared
def test_reddit_html_real_page_counts_match_an_independent_dom_count(real):
    doc = lxml.html.fromstring(REAL.read_bytes())
    things = doc.xpath('//div[starts-with(@data-fullname, "t1_")]')
    depth_by_dom = Counter(len(t.xpath('ancestor::div[starts-with(@data-fullname, "t1_")]')) for t in things)
    assert len(things) == real.n_comments == 139
    assert real.coverage.stated_count == 139
    assert real.coverage.truncated == {}
    assert Counter(c.depth for c in real.comments) == depth_by_dom == Counter(
        {0: 35, 1: 29, 2: 22, 3: 13, 4: 22, 5: 8, 6: 7, 7: 3})


@needs_shared
def test_reddit_html_real_page_structure_and_text(real):
    assert real.title == "Bob Dylan has been awarded the 2016 Nobel Prize in Literature"
    assert real.article.startswith("http://www.theguardian.com/books/live/2016/oct/13/")
    assert by_key(real, "t1_d8q5qyo").parent_id == cid(real, "t1_d8q4cw4")
    assert by_key(real, "t1_d8q5wgt").parent_id == cid(real, "t1_d8q5qyo")
    assert by_key(real, "t1_d8q9x8q").depth == 7
    first = by_key(real, "t1_d8q4cw4")
    assert (first.author, first.timestamp, first.depth) == ("dyl40011", "2016-10-13T11:54:24+00:00", 0)
    assert first.text.startswith("An english teacher of mine once read Bob Dylan lyrics to the class "
                                 "under the premise that it was a famous poet.")
    # A comment collapsed for its low score is still a comment.
    assert by_key(real, "t1_d8q5nuc").text.startswith("It's only a matter of time before someone gets")
    quoting = by_key(real, "t1_d8q986o")
    assert quoting.quotes == (quoting.parent_id,)
    assert quoting.text.startswith("Tell that to George Martin.")
    assert sum(bool(c.quotes) for c in real.comments) == 5
