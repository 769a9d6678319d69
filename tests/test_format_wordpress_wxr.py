"""WordPress WXR exports: one thread per commented item, pingbacks and spam out, trash flagged."""

from __future__ import annotations

import pytest

from modkit.errors import ParseError
from modkit.model import FLAG_ORPHAN, FLAG_REMOVED, Thread, make_thread_id
from modkit.parse import parse_file, parse_text
from modkit.parse.decode import read_page

from .conftest import ASSETS, SHARED, by_key, cid, needs_shared, shape

EXPORT = ASSETS / "wordpress_wxr" / "riverside_blog.xml"
ISSO = SHARED / "threads" / "isso_exports" / "wordpress.xml"


@pytest.fixture(scope="module")
def threads() -> list[Thread]:
    return parse_file(EXPORT)


def test_wordpress_wxr_keeps_items_with_comments_only(threads):
    # The page without comments and the post with only a pingback are left out.
    assert [(t.platform, t.title, t.n_comments) for t in threads] == [
        ("wordpress_wxr", "Budget vote: what it means for the river path", 7),
        ("wordpress_wxr", "river-path-map", 1),
    ]
    post = threads[0]
    assert post.article == "The council approved $2M for the river path.\n\nWork starts in spring."
    assert post.thread_id == make_thread_id("wordpress_wxr", "https://riverside.example/?p=101")  # the guid


def test_wordpress_wxr_builds_the_tree_from_comment_parent(threads):
    post = threads[0]
    assert shape(post) == [
        ("Hannah", 0, None), ("Greg", 1, "Hannah"), ("Igor", 2, "Greg"), ("Ken", 1, "Hannah"),
        ("Jess", 0, None), ("Lena", 0, None), (None, 0, None),
    ]


def test_wordpress_wxr_drops_pingbacks_trackbacks_and_spam(threads):
    authors = {c.author for t in threads for c in t.comments}
    assert not authors & {"Cycling Weekly", "Local Roundup", "cheap pills", "Another Blog"}
    reply_to_spam = by_key(threads[0], "206")
    assert reply_to_spam.flags == (FLAG_ORPHAN,)
    assert threads[0].coverage.orphans == [reply_to_spam.comment_id]


def test_wordpress_wxr_flags_trash_as_removed_and_keeps_pending(threads):
    trashed = by_key(threads[0], "207")
    assert (trashed.text, trashed.flags) == ("The mayor is a crook and everyone knows it.", (FLAG_REMOVED,))
    pending = by_key(threads[0], "208")
    assert (pending.text, pending.flags) == ("Waiting for approval, will the path be lit at night?", ())


def test_wordpress_wxr_keeps_line_breaks_and_strips_quotes_of_ancestors(threads):
    post = threads[0]
    assert by_key(post, "201").text == "Great news, the path floods every winter.\nWe need this."
    greg, igor = by_key(post, "202"), by_key(post, "211")
    assert (greg.text, greg.quotes) == ("Two million for a path nobody uses? Typical.", (cid(post, "201"),))
    # Igor is listed before Greg in the file; his quote of Greg is still found.
    assert (igor.text, igor.quotes) == ("I use it every day.", (greg.comment_id,))


def test_wordpress_wxr_timestamps_use_gmt_or_fall_back_to_local_time(threads):
    post = threads[0]
    assert by_key(post, "201").timestamp == "2023-11-14T10:30:00+00:00"
    nameless = by_key(post, "209")  # GMT date 0000-00-00: the local date, without offset
    assert (nameless.author, nameless.timestamp) == (None, "2023-11-14T17:00:00")


def test_wordpress_wxr_truncated_export_keeps_what_it_holds():
    text = read_page(EXPORT)
    cut = text[: text.index("<wp:comment_id>203</wp:comment_id>")]
    (post,) = parse_text(cut, "cut.xml")
    assert [c.author for c in post.comments] == ["Hannah", "Greg", "Igor"]


def test_wordpress_wxr_does_not_expand_entities():
    page = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>T</title>'
            '<wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_content>hi &b; &x;'
            '</wp:comment_content></wp:comment></item></channel></rss>')
    (t,) = parse_text(page, "bomb.xml")
    assert t.comments[0].text == "hi &b; &x;"


def test_wordpress_wxr_unreadable_file_is_a_parse_error():
    with pytest.raises(ParseError, match="not readable as XML"):
        parse_text("plain words, no markup", "bad.xml", fmt="wordpress_wxr")


@needs_shared
def test_wordpress_wxr_real_isso_export():
    text = read_page(ISSO)
    threads = parse_text(text, str(ISSO))
    # 8 <wp:comment> elements, all plain comments; the third item has none.
    assert text.count("<wp:comment>") == sum(t.n_comments for t in threads) == 8
    assert [(t.title, t.n_comments) for t in threads] == [("Hello, World…", 7), ("...", 1)]
    hello = threads[0]
    assert shape(hello) == [
        ("Ohai", 0, None), ("Tester", 0, None), ("Tester", 1, "Tester"), ("Tester", 2, "Tester"),
        ("Tester", 2, "Tester"), ("Multiline Author", 0, None), ("Letzter :/", 0, None),
    ]
    assert by_key(hello, "8").parent_id == cid(hello, "7")
    assert by_key(hello, "9").parent_id == cid(hello, "7")
    assert by_key(hello, "7").parent_id == cid(hello, "6")
    multiline = by_key(hello, "10")
    assert multiline.text == "When you have a comment with multiple lines:\nWordPress exports it like this."
    assert multiline.timestamp == "2022-06-06T02:13:14+00:00"
    assert by_key(hello, "2").text == "Erster!1"
    # Comment ids repeat across posts (both have an 11); each thread keeps its own.
    assert by_key(threads[1], "11").author == "Anonymous"
