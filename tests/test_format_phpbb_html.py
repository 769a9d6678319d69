"""phpBB 3 topic pages: flat posts, reply links through quote cites, signatures dropped."""

from __future__ import annotations

import pytest

from modkit.model import FLAG_REMOVED, Thread
from modkit.parse import parse_file

from .conftest import ASSETS, by_key, shape

HERE = ASSETS / "phpbb_html"


@pytest.fixture(scope="module")
def topic() -> Thread:
    (t,) = parse_file(HERE / "phpbb33_topic.html")
    return t


@pytest.fixture(scope="module")
def old_page2() -> Thread:
    (t,) = parse_file(HERE / "phpbb30_page2.html")
    return t


def test_phpbb_html_first_post_is_the_first_comment_and_the_title_is_the_topic(topic):
    assert topic.platform == "phpbb_html"
    assert topic.title == "Raspberry Pi won't boot after update"  # not the board's <h1>
    assert topic.article == ""
    op = topic.comments[0]
    assert op.comment_id == by_key(topic, "1001").comment_id
    assert (op.author, op.parent_id, op.depth, op.position) == ("pi_paula", None, 0, 0)
    assert op.text == "After apt upgrade my Pi 4 shows only the rainbow screen.\n\nGreen LED blinks four times."


def test_phpbb_html_builds_the_reply_tree_from_quotes(topic):
    assert shape(topic) == [("pi_paula", 0, None), ("sudo_sam", 0, None), ("kernel_kim", 1, "sudo_sam"),
                            ("dd_dan", 0, None), ("sudo_sam", 1, "dd_dan"), ("Guest_Gus", 0, None),
                            ("cheap_pills", 0, None)]


def test_phpbb_html_drops_signatures(topic):
    assert by_key(topic, "1001").text.endswith("Green LED blinks four times.")
    assert by_key(topic, "1002").text == ("Four blinks means start.elf is missing or corrupt. "
                                          "Copy the boot files from a fresh image.")


def test_phpbb_html_nested_quote_links_only_the_outermost_quote(topic):
    kim = by_key(topic, "1003")
    assert kim.parent_id == by_key(topic, "1002").comment_id
    assert kim.quotes == (by_key(topic, "1002").comment_id,)
    assert kim.text == "Or the update filled the SD card. Check with df -h first."


def test_phpbb_html_quote_of_an_off_page_post_stays_top_level(topic):
    dan = by_key(topic, "1004")
    assert (dan.parent_id, dan.quotes) == (None, ())
    assert dan.text == "That was bad advice in the other topic and it still is. Keep it updated."


def test_phpbb_html_two_quotes_link_the_first_and_record_both(topic):
    sam = by_key(topic, "1006")
    assert sam.parent_id == by_key(topic, "1004").comment_id
    assert sam.quotes == (by_key(topic, "1004").comment_id, by_key(topic, "1003").comment_id)
    assert sam.text == "Agreed. Also good advice."


def test_phpbb_html_uncited_quote_code_caption_and_attachments_are_not_text(topic):
    gus = by_key(topic, "1005")
    assert gus.text == "Old saying. Here is my config:\n\ndtoverlay=vc4-kms-v3d"
    assert (gus.author, gus.parent_id) == ("Guest_Gus", None)


def test_phpbb_html_deleted_post_is_flagged_removed(topic):
    pills = by_key(topic, "1007")
    assert pills.flags == (FLAG_REMOVED,) and pills.text == "[deleted]"


def test_phpbb_html_reads_time_elements_and_post_count(topic):
    assert by_key(topic, "1002").timestamp == "2022-06-01T18:40:00+00:00"
    assert topic.coverage.stated_count == 7 and topic.coverage.truncated == {}  # "7 posts"


def test_phpbb_html_3_0_page_two_has_no_article(old_page2):
    assert old_page2.title == "Tomato leaves curling"
    assert old_page2.article == ""
    assert old_page2.n_comments == 4
    assert old_page2.coverage.stated_count == 14  # "14 posts", the opening post (on page 1) among them


def test_phpbb_html_author_only_cites_link_the_authors_earlier_post(old_page2):
    assert shape(old_page2) == [("rosa", 0, None), ("basil", 1, "rosa"), ("rosa", 2, "basil"),
                                ("chard", 0, None)]
    # "rosa wrote:" quotes words of post 2001; "basil wrote:" quotes words matching none of basil's
    # posts, so it falls back to basil's most recent earlier post; "mint" has no post on the page.
    assert by_key(old_page2, "2002").parent_id == by_key(old_page2, "2001").comment_id
    assert by_key(old_page2, "2003").parent_id == by_key(old_page2, "2002").comment_id
    assert by_key(old_page2, "2004").quotes == ()


def test_phpbb_html_3_0_texts_dates_and_unclosed_tags(old_page2):
    assert [c.text for c in old_page2.comments] == [
        "Leaf roll in heat is harmless. The plant protects itself from losing water.",
        "So I should not water more?", "Only if the soil is dry two fingers deep.",
        "Not always, see above.\nWater in the morning."]
    assert by_key(old_page2, "2001").timestamp == "2013-07-04T18:20:00"
