"""Disqus XML exports: many threads per file, parents by id, spam, deletions, unsafe XML."""

from __future__ import annotations

import time

import pytest

from modkit.errors import ParseError
from modkit.model import FLAG_EMPTY, FLAG_ORPHAN, FLAG_REMOVED, Thread
from modkit.parse import parse_file, parse_text
from modkit.parse.decode import read_page

from .conftest import ASSETS, SHARED, by_key, cid, needs_shared, shape

EXPORT = ASSETS / "disqus_xml" / "citypaper_export.xml"
ISSO = SHARED / "threads" / "isso_exports" / "disqus.xml"


@pytest.fixture(scope="module")
def threads() -> list[Thread]:
    return parse_file(EXPORT)


def test_disqus_xml_gives_one_thread_per_commented_thread_plus_a_placeholder(threads):
    assert [(t.platform, t.title, t.n_comments) for t in threads] == [
        ("disqus_xml", "Council passes the 2019 budget", 5),
        ("disqus_xml", "https://citypaper.example/?p=512", 1),  # no title: titled by its link
        ("disqus_xml", "", 1),  # its thread 6999 is not in the export
    ]
    assert threads[0].article == "The council passed the budget 7–2."
    assert len({t.thread_id for t in threads}) == 3


def test_disqus_xml_links_replies_by_parent_id_even_when_listed_first(threads):
    budget = threads[0]
    assert shape(budget) == [
        ("Maria K.", 0, None), ("Tom R.", 1, "Maria K."), ("angry_guy", 1, "Maria K."),
        ("Ann Lee", 0, None), (None, 0, None),
    ]
    assert by_key(budget, "9002").parent_id == cid(budget, "9001")


def test_disqus_xml_drops_spam_and_orphans_its_replies(threads):
    budget = threads[0]
    assert "Best Deals" not in [c.author for c in budget.comments]
    reply_to_spam = by_key(budget, "9004")
    assert (reply_to_spam.parent_id, reply_to_spam.flags) == (None, (FLAG_ORPHAN,))
    assert budget.coverage.orphans == [reply_to_spam.comment_id]


def test_disqus_xml_keeps_deleted_posts_flagged_removed(threads):
    budget = threads[0]
    deleted = by_key(budget, "9005")
    assert (deleted.text, deleted.flags) == ("You people are idiots.", (FLAG_REMOVED,))
    blank = by_key(budget, "9006")
    assert (blank.author, blank.text, blank.flags) == (None, "", (FLAG_REMOVED, FLAG_EMPTY))


def test_disqus_xml_reads_html_messages_strips_parent_quotes_and_times(threads):
    budget = threads[0]
    maria, tom = by_key(budget, "9001"), by_key(budget, "9002")
    assert maria.text == "Finally some money for the buses.\n\nAbout time & well done."
    assert maria.timestamp == "2019-03-01T09:30:00+00:00"
    assert (tom.text, tom.quotes) == ("Money the city does not have.", (maria.comment_id,))


def test_disqus_xml_truncated_export_keeps_what_it_holds():
    text = read_page(EXPORT)
    cut = text[: text.index("<isDeleted>true</isDeleted>")]  # inside post 9005
    budget = parse_text(cut, "cut.xml")[0]
    assert [c.author for c in budget.comments] == ["Maria K.", "Tom R.", "Ann Lee"]


def test_disqus_xml_does_not_expand_entities_or_read_files():
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    page = ('<?xml version="1.0"?><!DOCTYPE disqus [<!ENTITY l0 "lol">' + laughs
            + '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
            '<thread dsq:id="1"><title>T</title></thread>'
            '<post dsq:id="2"><message>a &xxe; b</message><thread dsq:id="1"/></post>'
            '<post dsq:id="3"><message>c &l9; d</message><thread dsq:id="1"/></post></disqus>')
    start = time.perf_counter()
    threads = parse_text(page, "bomb.xml")
    assert time.perf_counter() - start < 1.0
    texts = [c.text for t in threads for c in t.comments]
    assert texts[0] == "a &xxe; b"  # the reference stays a reference
    assert not any("root:" in x or "lollol" in x for x in texts)


def test_disqus_xml_unreadable_file_is_a_parse_error():
    with pytest.raises(ParseError, match="not readable as XML"):
        parse_text("a plain text file, no markup", "bad.xml", fmt="disqus_xml")


@needs_shared
def test_disqus_xml_real_isso_export():
    text = read_page(ISSO)
    threads = parse_text(text, str(ISSO))
    # 6 <post> elements, none spam; thread 2 holds four, thread 7 one, absent thread 1337 one.
    assert text.count("<post ") == sum(t.n_comments for t in threads) == 6
    assert [(t.title, t.n_comments) for t in threads] == [
        ("Hello, World!", 4), ("http://localhost:4000/blog/2013/02/12/redacted/index.html", 1), ("", 1)]
    hello = threads[0]
    assert shape(hello) == [("peter", 0, None), ("user", 1, "peter"), ("peter", 0, None), ("user", 1, "peter")]
    assert by_key(hello, "5").parent_id == cid(hello, "4")
    assert by_key(hello, "11").parent_id == cid(hello, "9")
    assert by_key(hello, "9").flags == (FLAG_REMOVED, FLAG_EMPTY)
    assert by_key(hello, "5").text == "Hello, World."
    assert by_key(hello, "4").timestamp == "2013-10-10T19:20:29+00:00"
    assert [c.author for c in threads[2].comments] == ["where am I?"]
