"""Reddit API JSON: parent ids, nested replies, more stubs, removed bodies, flat dumps."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from modkit.errors import ParseError
from modkit.model import FLAG_EMPTY, FLAG_ORPHAN, FLAG_REMOVED, Thread
from modkit.parse import parse_file, parse_text
from modkit.parse.decode import read_page

from .conftest import ASSETS, SHARED, by_key, cid, needs_shared, shape

HERE = ASSETS / "reddit_json"
GRAW = SHARED / "threads" / "graw_reddit_json"


@pytest.fixture(scope="module")
def thread() -> Thread:
    (t,) = parse_file(HERE / "askcity_buslanes.json")
    return t


def test_reddit_json_reads_the_post_as_title_article_and_stated_count(thread):
    assert thread.platform == "reddit_json"
    assert thread.title == "Should Main Street get bus lanes? Parking & traffic questions"
    assert thread.article == "The council votes Tuesday.\n\n> Is it worth losing 200 parking spaces?\n\nDiscuss."
    assert thread.coverage.stated_count == 16


def test_reddit_json_builds_the_tree_from_parent_ids(thread):
    assert shape(thread) == [
        ("ann_b", 0, None), ("bob_c", 1, "ann_b"), (None, 2, "bob_c"), ("cy_d", 3, None),
        # nested under dee in the JSON, but its parent_id names ann: the id wins
        ("fay_g", 1, "ann_b"),
        (None, 0, None), ("dee_e", 0, None),
    ]
    assert by_key(thread, "t1_e1aaaa7").parent_id == cid(thread, "t1_e1aaaa1")


def test_reddit_json_flags_removed_and_deleted_bodies(thread):
    for key in ("t1_e1aaaa3", "t1_e1aaaa5"):
        c = by_key(thread, key)
        assert (c.author, c.text, c.flags) == (None, "", (FLAG_REMOVED, FLAG_EMPTY))


def test_reddit_json_unescapes_bodies_and_strips_quotes_of_the_parent(thread):
    bob = by_key(thread, "t1_e1aaaa2")
    assert bob.text == "They are packed at rush hour, which is the point."
    assert bob.quotes == (cid(thread, "t1_e1aaaa1"),)
    # A quote of the post's text is not the replier's words either: cut, linking no comment.
    dee = by_key(thread, "t1_e1aaaa6")
    assert (dee.text, dee.quotes) == ("Yes. Fewer cars & more buses <3", ())


def test_reddit_json_spoilers_and_lines_after_a_quote_are_the_repliers_words():
    (t,) = parse_file(HERE / "quote_rule.json")
    fay = by_key(t, "t1_q106")
    assert (fay.text, fay.quotes) == (">!Bridge trolls!< are real.\n\nand I will be there.", ())


def test_reddit_json_converts_created_utc_to_iso_8601(thread):
    assert by_key(thread, "t1_e1aaaa1").timestamp == "2018-07-07T21:56:40+00:00"
    assert by_key(thread, "t1_e1aaaa6").timestamp == "2018-07-07T22:25:00+00:00"  # a float epoch


def test_reddit_json_more_stubs_become_truncated_branches(thread):
    assert thread.coverage.truncated == {
        cid(thread, "t1_e1aaaa1"): 4,   # "load more comments" under ann
        cid(thread, "t1_e1aaaa4"): -1,  # count 0, no children: "continue this thread"
        None: 7,                        # top-level stub
    }


def test_reddit_json_flat_dump_groups_comments_by_post_and_reports_orphans():
    first, second = parse_file(HERE / "pushshift_dump.json")
    assert shape(first) == [("gus_h", 0, None), (None, 1, "gus_h"), ("ida_j", 0, None)]
    orphan = by_key(first, "t1_f2bbbb3")
    assert orphan.flags == (FLAG_ORPHAN,)
    assert first.coverage.orphans == [orphan.comment_id]
    assert by_key(first, "t1_f2bbbb5").timestamp == "2018-10-20T01:55:00+00:00"  # a string epoch
    assert [c.text for c in second.comments] == ["Different thread entirely."]
    assert first.thread_id != second.thread_id


def test_reddit_json_accepts_a_single_listing_and_a_bare_comment_list():
    comment = {"kind": "t1", "data": {"name": "t1_a", "parent_id": "t3_p", "link_id": "t3_p",
                                      "author": "ann", "body": "Hello", "replies": ""}}
    listing = json.dumps({"kind": "Listing", "data": {"children": [comment]}})
    for page in (listing, json.dumps([comment])):
        (t,) = parse_text(page, "x.json")
        assert t.platform == "reddit_json"
        assert [(c.author, c.text) for c in t.comments] == [("ann", "Hello")]


def test_reddit_json_rejects_broken_json_and_post_listings():
    with pytest.raises(ParseError, match="not valid JSON"):
        parse_text('[{"kind": "Listing", "data": {', "cut.json")
    posts = {"kind": "Listing", "data": {"children": [
        {"kind": "t3", "data": {"name": "t3_a", "title": "A"}},
        {"kind": "t3", "data": {"name": "t3_b", "title": "B"}}]}}
    with pytest.raises(ParseError, match="listing of 2 Reddit posts"):
        parse_text(json.dumps(posts), "sub.json")


def test_reddit_json_deep_chains_parse_and_absurd_nesting_is_a_clean_error():
    node: dict | str = ""
    for i in reversed(range(100)):
        parent = f"t1_c{i - 1}" if i else "t3_p"
        node = {"kind": "t1", "data": {"name": f"t1_c{i}", "parent_id": parent, "body": f"level {i}",
                                       "author": "x", "replies": {"kind": "Listing", "data": {
                                           "children": [node] if node else []}}}}
    (t,) = parse_text(json.dumps([node]), "deep.json")
    assert (t.n_comments, t.comments[-1].depth, t.comments[-1].text) == (100, 99, "level 99")
    with pytest.raises(ParseError, match="deep.json"):
        parse_text("[" * 100_000 + "]" * 100_000, "deep.json", fmt="reddit_json")


# --- the real API responses ----------------------------------------------------------
# Expected numbers from counting '"kind": "t1"' in each file and walking parent_id by hand.
REAL = {
    "ThreadCrossPostParentDeleted.json": ("Error 404", 20, 11, 4, 21),
    "ThreadImageGallery.json": (
        "An outfit I made for my Mata Hari cosplay: top and pants, belt, headdress and necklaces",
        39, 26, 2, 39),
    "ThreadWithPreview.json": ("🔥😆", 21, 14, 3, 25),
}


@needs_shared
@pytest.mark.parametrize("name", sorted(REAL))
def test_reddit_json_real_threads_match_their_comment_count(name):
    title, n, top, depth, stated = REAL[name]
    text = read_page(GRAW / name)
    (t,) = parse_text(text, name)
    assert text.count('"kind": "t1"') == t.n_comments == n
    assert (t.title, sum(c.parent_id is None for c in t.comments)) == (title, top)
    assert (max(c.depth for c in t.comments), t.coverage.stated_count) == (depth, stated)
    assert t.coverage.truncated == {}


@needs_shared
def test_reddit_json_real_thread_parents_removed_comment_and_quote():
    (cross,) = parse_file(GRAW / "ThreadCrossPostParentDeleted.json")
    assert by_key(cross, "t1_ire8lk8").parent_id == cid(cross, "t1_ire7h1s")
    assert by_key(cross, "t1_ireu8ed").depth == 4
    assert Counter(c.depth for c in cross.comments) == Counter({0: 11, 1: 4, 2: 3, 3: 1, 4: 1})
    (gallery,) = parse_file(GRAW / "ThreadImageGallery.json")
    removed = by_key(gallery, "t1_jl5kytw")
    assert (removed.author, removed.text, removed.flags) == (None, "", (FLAG_REMOVED, FLAG_EMPTY))
    assert by_key(gallery, "t1_jl7wbjs").parent_id == removed.comment_id
    bot = by_key(gallery, "t1_jl5ziag")  # ">Thank you!\n\nYou're welcome!" under "Thank you!"
    assert (bot.text, bot.quotes) == ("You're welcome!", (cid(gallery, "t1_jl5zhc7"),))
    assert by_key(gallery, "t1_jl5gj56").timestamp == "2023-05-22T13:04:30+00:00"
