"""vBulletin 3/4/5 thread pages: flat posts, reply links through quotes, signatures dropped."""

from __future__ import annotations

import pytest

from modkit.model import FLAG_EMPTY, FLAG_REMOVED, Thread
from modkit.parse import parse_file

from .conftest import ASSETS, by_key, shape

HERE = ASSETS / "vbulletin_html"


@pytest.fixture(scope="module")
def vb4() -> Thread:
    (t,) = parse_file(HERE / "vb4_thread.html")
    return t


@pytest.fixture(scope="module")
def vb3() -> Thread:
    (t,) = parse_file(HERE / "vb3_page2.html")
    return t


def test_vbulletin_html_first_post_of_page_one_is_the_first_comment(vb4):
    assert vb4.platform == "vbulletin_html"
    assert vb4.title == "Cloudy water after a water change"
    assert vb4.article == ""
    op = vb4.comments[0]
    assert op.comment_id == by_key(vb4, "5001").comment_id
    assert (op.author, op.parent_id, op.depth, op.position) == ("tetra_tom", None, 0, 0)
    assert op.text == ("Every time I change 30% of the water the tank goes milky for two days.\n\n"
                       "What am I doing wrong?")


def test_vbulletin_html_builds_the_reply_tree_from_quotes(vb4):
    assert shape(vb4) == [("tetra_tom", 0, None), ("reefer_ann", 0, None), ("guppy_gail", 1, "reefer_ann"),
                          ("pleco_pete", 2, "guppy_gail"), ("spammy", 0, None), ("reefer_ann", 0, None)]


def test_vbulletin_html_nested_quote_links_only_the_outermost_quote(vb4):
    gail = by_key(vb4, "5003")
    assert gail.parent_id == by_key(vb4, "5002").comment_id
    assert gail.quotes == (by_key(vb4, "5002").comment_id,)
    assert gail.text == "Agree with Ann. Also feed less for a few days."


def test_vbulletin_html_quote_naming_only_an_author_links_their_post_with_that_text(vb4):
    pete = by_key(vb4, "5004")
    assert pete.parent_id == by_key(vb4, "5003").comment_id
    # The anonymous quote is cut too; the unclosed <b> and <font> swallow nothing.
    assert pete.text == "How much less? Half?\n\nMy LFS says this every time."
    assert pete.author == "pleco_pete"


def test_vbulletin_html_quote_of_an_off_page_post_stays_top_level(vb4):
    ann = by_key(vb4, "5006")
    assert (ann.parent_id, ann.quotes) == (None, ())
    assert ann.text == "Please don't, as I said in the other thread."
    assert ann.timestamp is None  # "Today" cannot be placed


def test_vbulletin_html_drops_signatures(vb4):
    ann = by_key(vb4, "5002")
    assert ann.text == "That is a bacterial bloom. Your filter media is fine, leave it alone."
    assert ann.timestamp == "2016-03-14T21:30:00"


@pytest.mark.parametrize("page, key, text", [
    # vBulletin 3: the "__________________" line and what follows, pulled into the body by an unclosed <div>
    ("vb3_signatures.html", "302", "About 20 mm of free play, measured midway.\n\nCheck it at the tightest spot"),
    # ... or pasted into the body by hand; short blanks ("______ mm") are the post's own words
    ("vb3_signatures.html", "303", "Fill in your numbers: slack ______ mm, sag ______ mm.\n\nThen post them here."),
    # vBulletin 4: div.signaturecontainer inside blockquote.postcontent, blockquote.signature inside the message
    ("vb4_signatures.html", "7702", "A used 100-400 is hard to beat for the money."),
    ("vb4_signatures.html", "7703", "Rent one for a weekend before you buy."),
    # vBulletin 5: .post-signature and .b-post__signature inside the post text
    ("vb5_signatures.html", "905", "Heat stress, they uncurl at night. Water in the morning."),
    ("vb5_signatures.html", "909", "Same here, mine recovered in a week."),
])
def test_vbulletin_html_drops_signatures_inside_the_post_body(page, key, text):
    (t,) = parse_file(HERE / page)
    assert by_key(t, key).text == text


def test_vbulletin_html_deleted_post_is_kept_flagged_removed(vb4):
    spam = by_key(vb4, "5005")
    assert (spam.text, spam.flags, spam.author) == ("", (FLAG_REMOVED, FLAG_EMPTY), "spammy")


def test_vbulletin_html_records_result_count_and_next_page(vb4):
    assert vb4.coverage.stated_count == 9  # "Results 1 to 6 of 9" posts, the opening post among them
    assert vb4.coverage.truncated == {None: -1}


def test_vbulletin_html_reads_vbulletin_3_tables_on_page_two(vb3):
    assert vb3.title == "Carburetor idles rough when warm"
    assert vb3.article == ""
    assert shape(vb3) == [("norton_ned", 0, None), ("bsa_bill", 1, "norton_ned"),
                          ("triumph_tess", 2, "bsa_bill"), ("norton_ned", 0, None)]
    assert vb3.coverage.stated_count == 14 and vb3.coverage.truncated == {}


def test_vbulletin_html_3_strips_quotes_captions_and_signatures(vb3):
    assert by_key(vb3, "201").text == ("Did you check the pilot jet? A half-blocked pilot does exactly "
                                       "this once the engine is hot.")
    assert by_key(vb3, "202").text == "Cleaned it twice. It still hunts at idle.\n\npilot: 25\nmain: 220"
    tess = by_key(vb3, "203")
    assert tess.text == ("Then it is an air leak at the manifold. Spray carb cleaner around the rubbers "
                         "while it idles.")
    assert tess.quotes == (by_key(vb3, "202").comment_id,)
    assert by_key(vb3, "204").text == "Set it again anyway, they drift."
    assert by_key(vb3, "204").quotes == ()


def test_vbulletin_html_3_dates_are_iso_and_relative_dates_are_unknown(vb3):
    assert by_key(vb3, "201").timestamp == "2013-11-21T14:13:00"
    assert by_key(vb3, "203").timestamp is None


def test_vbulletin_html_reads_vbulletin_5_posts():
    (t,) = parse_file(HERE / "vb5_thread.html")
    assert t.title == "Sourdough starter smells like acetone"
    assert t.article == ""
    assert shape(t) == [("crumb", 0, None), ("levain", 0, None), ("crumb", 1, "levain")]
    assert [c.text for c in t.comments] == ["My starter smells like nail polish remover. Is it dead?",
                                           "Not dead, just hungry. Feed it twice a day.",
                                           "Did that, it smells of yoghurt now. Thanks!"]
    assert t.comments[2].timestamp == "2020-09-14T08:40:00"
