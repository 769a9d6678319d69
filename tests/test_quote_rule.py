"""One quote rule for every comment format (README, "Page formats").

Each fixture ``quote_rule.*`` holds the same thread in one format: ann writes;
bob quotes ann and answers (a reply); dee quotes bob and adds nothing (a reply
to bob); cy quotes bob without replying to him (top level); eve quotes a line
from elsewhere. Quoted text is never a reply's own words: it is cut, and the
quoted comment, when there is one, goes into ``quotes`` while the reply keeps
its real parent.
"""

from __future__ import annotations

import pytest

from modkit.model import FLAG_EMPTY, Comment, Thread
from modkit.parse import parse_file
from modkit.parse.base import RawPost
from modkit.parse.formats._quotes import Draft, Quote, mark, resolve_quotes, take_markdown_quotes, take_quotes
from modkit.parse.html import node_text, parse_html

from .conftest import ASSETS

FIXTURES = ["reddit_json/quote_rule.json", "reddit_html/quote_rule.html", "hackernews_html/quote_rule.html",
            "wordpress_html/quote_rule.html", "disqus_html/quote_rule.html", "disqus_xml/quote_rule.xml",
            "wordpress_wxr/quote_rule.xml"]
ANN = "The old bridge is perfectly fine. We should repair it instead of building a new one."
BOB = "Repairs cost more than a new bridge, according to the council report."


def _thread(name: str) -> tuple[Thread, dict[str, Comment]]:
    (t,) = parse_file(ASSETS / name)
    assert t.platform == name.split("/")[0]
    return t, {c.author: c for c in t.comments if c.author}


@pytest.mark.parametrize("name", FIXTURES)
def test_a_quote_of_the_parent_is_cut_and_recorded(name):
    _, by = _thread(name)
    ann, bob = by["ann"], by["bob"]
    assert (ann.text, ann.quotes) == (ANN, ())
    assert (bob.text, bob.quotes, bob.parent_id) == (BOB, (ann.comment_id,), ann.comment_id)


@pytest.mark.parametrize("name", FIXTURES)
def test_a_quote_of_an_earlier_comment_that_is_not_the_parent_keeps_the_real_parent(name):
    _, by = _thread(name)
    cy = by["cy"]
    assert (cy.text, cy.quotes, cy.parent_id, cy.depth) == (
        "Source? The report says the opposite.", (by["bob"].comment_id,), None, 0)


@pytest.mark.parametrize("name", FIXTURES)
def test_a_reply_that_is_only_a_quote_is_kept_empty(name):
    t, by = _thread(name)
    dee = by["dee"]
    assert (dee.text, dee.flags, dee.quotes, dee.parent_id) == (
        "", (FLAG_EMPTY,), (by["bob"].comment_id,), by["bob"].comment_id)
    assert t.n_comments >= 5


@pytest.mark.parametrize("name", FIXTURES)
def test_a_quote_from_elsewhere_is_cut_and_links_nothing(name):
    _, by = _thread(name)
    assert (by["eve"].text, by["eve"].quotes) == ("Vote yes on Tuesday.", ())


def test_a_short_quote_links_only_an_ancestor():
    # "Thank you!" is too short to tell which of many comments it repeats, unless it is an ancestor's.
    drafts = [Draft(RawPost("Thank you!", key="a")), Draft(RawPost("Thank you!", key="b")),
              Draft(RawPost(mark(0) + "Welcome", key="c", parent_key="a"), [Quote("Thank you!")]),
              Draft(RawPost(mark(0) + "Hm", key="d"), [Quote("Thank you!")])]
    assert [(p.text, p.quotes) for p in resolve_quotes(drafts)] == [
        ("Thank you!", ()), ("Thank you!", ()), ("Welcome", ("a",)), ("Hm", ())]


def test_a_trimmed_quote_links_by_its_longest_line_and_an_explicit_link_wins():
    drafts = [Draft(RawPost("Cats sleep all day long, really. And they snore.", key="a")),
              Draft(RawPost("Something else entirely.", key="b")),
              Draft(RawPost(mark(0) + "True", key="c"), [Quote("he said\ncats sleep all day long\n[...]")]),
              Draft(RawPost(mark(0) + "Yes", key="d"), [Quote("cats sleep all day long", key="b")])]
    assert [p.quotes for p in resolve_quotes(drafts)][2:] == [("a",), ("b",)]


def test_a_tentative_quote_that_repeats_nobody_is_put_back_in_place():
    drafts = [Draft(RawPost("Nothing to see here at all.", key="a")),
              Draft(RawPost("One" + mark(0) + "two" + mark(1) + "three", key="b"),
                    [Quote("emphasis only, not a quote", sure=False), Quote("nothing to see here", sure=False)])]
    assert resolve_quotes(drafts)[1].text == "One\n\nemphasis only, not a quote\n\ntwo\n\nthree"
    assert drafts[1].post.quotes == ("a",)


def test_a_quote_of_a_reply_that_quoted_someone_else_links_the_reply():
    # cy quotes bob's reply, nested quote of ann included; bob's own words are what it repeats.
    ann = "Bridges last forever if you maintain them."
    bob_md = "> Bridges last forever\n\nNot this one, it is rusting away."
    cy_md = ">> Bridges last forever\n> Not this one, it is rusting away.\n\nIt was painted last year."
    drafts = [Draft(RawPost(ann, key="a"))]
    for key, parent, body in (("b", "a", bob_md), ("c", None, cy_md)):
        text, quotes = take_markdown_quotes(body)
        drafts.append(Draft(RawPost(text, key=key, parent_key=parent), quotes))
    body = parse_html("<div><blockquote><blockquote>Bridges last forever</blockquote>"
                      "Not this one, it is rusting away.</blockquote><p>It was painted.</p></div>").css_first("div")
    quotes = take_quotes(body)
    drafts.append(Draft(RawPost(node_text(body), key="d"), quotes))
    assert [(p.text, p.quotes) for p in resolve_quotes(drafts)][1:] == [
        ("Not this one, it is rusting away.", ("a",)), ("It was painted last year.", ("b",)),
        ("It was painted.", ("b",))]
