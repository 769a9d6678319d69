"""XenForo thread pages: flat posts, reply links through quotes, the opening post as first comment."""

from __future__ import annotations

import pytest

from modkit.model import FLAG_EMPTY, FLAG_REMOVED, Thread
from modkit.parse import parse_file, parse_text
from modkit.parse.html import parse_html

from .conftest import ASSETS, SHARED, by_key, needs_shared, shape

HERE = ASSETS / "xenforo_html"
KATZEN = SHARED / "threads" / "trafilatura_forums" / "katzen-forum.net-Pepe.html"


@pytest.fixture(scope="module")
def page1() -> Thread:
    (t,) = parse_file(HERE / "xf2_page1.html")
    return t


def test_xenforo_html_first_post_of_page_one_is_the_first_comment(page1):
    assert page1.platform == "xenforo_html"
    assert page1.title == "Indoor cat suddenly tracks dirt everywhere"
    assert page1.article == ""  # the opening post is a comment, not repeated in the article
    assert page1.n_comments == 9
    op = page1.comments[0]
    assert op.comment_id == by_key(page1, "101").comment_id
    assert (op.author, op.parent_id, op.depth, op.position) == ("alice", None, 0, 0)
    assert op.text == ("Hi all,\nMy indoor cat Miso leaves little dark crumbs on her blanket every "
                       "night.\n\nIs this normal for an indoor cat?")


def test_xenforo_html_builds_the_reply_tree_from_quotes(page1):
    assert shape(page1) == [
        ("alice", 0, None), ("dave", 1, "alice"), ("gina", 2, "dave"),
        ("bob", 0, None), ("carol", 1, "bob"), ("erin", 2, "carol"), ("carol", 1, "bob"),
        ("bob", 0, None), ("frank", 0, None),
    ]


def test_xenforo_html_strips_quoted_text_title_and_click_to_expand(page1):
    carol = by_key(page1, "103")
    assert carol.text == "Agreed. Comb her over a white towel and you will see it."
    assert carol.parent_id == by_key(page1, "102").comment_id
    assert carol.quotes == (by_key(page1, "102").comment_id,)


def test_xenforo_html_nested_quote_links_only_the_outermost_quote(page1):
    erin = by_key(page1, "105")
    assert erin.parent_id == by_key(page1, "103").comment_id
    assert erin.quotes == (by_key(page1, "103").comment_id,)
    assert erin.text == "The towel trick works, thanks :)"


def test_xenforo_html_quote_of_the_opening_post_replies_to_it(page1):
    dave, op = by_key(page1, "104"), by_key(page1, "101")
    assert (dave.parent_id, dave.depth, dave.quotes) == (op.comment_id, 1, (op.comment_id,))
    assert dave.text == "Could also be dried litter stuck in her paws."


def test_xenforo_html_quote_of_an_off_page_post_is_stripped_and_stays_top_level(page1):
    bob = by_key(page1, "106")
    assert (bob.parent_id, bob.quotes) == (None, ())
    assert bob.text == "That advice from the other thread is plain wrong.\nAsk your vet."


def test_xenforo_html_author_only_quote_links_the_post_containing_the_quoted_text(page1):
    # bob's latest post is 106, but only 102 contains the quoted words.
    carol = by_key(page1, "107")
    assert carol.parent_id == by_key(page1, "102").comment_id
    assert carol.text == "Miso never goes outside and still got fleas from our dog."


def test_xenforo_html_two_quotes_link_the_first_and_record_both(page1):
    gina = by_key(page1, "109")
    assert gina.parent_id == by_key(page1, "104").comment_id
    assert gina.quotes == (by_key(page1, "104").comment_id, by_key(page1, "102").comment_id)
    assert gina.text == "Litter would be grey, not dark.\nAnd this."


def test_xenforo_html_deleted_post_is_kept_flagged_removed_and_empty(page1):
    frank = by_key(page1, "108")
    assert frank.text == "" and frank.flags == (FLAG_REMOVED, FLAG_EMPTY)
    assert frank.author == "frank"


def test_xenforo_html_signatures_and_reply_buttons_are_not_text(page1):
    texts = " ".join(c.text for c in page1.comments)
    assert "since 2015" not in texts and "Reply" not in texts and "Like" not in texts


def test_xenforo_html_records_stated_count_and_next_page(page1):
    assert page1.coverage.stated_count == 12  # 11 replies in the JSON-LD, and the opening post
    assert page1.coverage.truncated == {None: -1}


def test_xenforo_html_timestamps_are_iso_8601(page1):
    assert by_key(page1, "102").timestamp == "2021-03-02T09:01:30+01:00"


def test_xenforo_html_ids_come_from_post_ids(page1):
    # Stability across parses is in the contract.
    assert by_key(page1, "109").author == "gina"


def test_xenforo_html_page_two_has_no_article_and_every_post_is_a_comment():
    (t,) = parse_file(HERE / "xf2_page2.html")
    assert t.article == ""
    assert shape(t) == [("hank", 0, None), ("alice", 1, "hank"), ("bob", 0, None)]
    assert [c.text for c in t.comments] == ["Update please, did the comb show anything?",
                                           "Yes, fleas. She is treated now.", "Told you so."]
    assert t.comments[2].quotes == ()  # post 103 is on page 1
    assert t.coverage.stated_count == 23 and t.coverage.truncated == {}  # 22 replies + the opening post


def test_xenforo_html_reads_xenforo_1_markup():
    (t,) = parse_file(HERE / "xf1_thread.html")
    assert t.title == "Best budget road bike?"
    assert t.article == ""
    assert shape(t) == [("ride_on", 0, None), ("gearhead", 0, None), ("spoke", 1, "gearhead"),
                        ("ride_on", 2, "spoke"), ("troll99", 0, None)]
    assert [c.text for c in t.comments] == [
        "Looking for a road bike under 800. Aluminium frame is fine.\nAny advice?",
        "Look at last year's models, they drop a lot in price.",
        "This. I got mine for half price in October.", "Which shop was that?", ""]
    assert t.comments[1].timestamp == "2015-04-04T17:15:00+00:00"
    assert FLAG_REMOVED in t.comments[4].flags


def test_xenforo_html_page_without_posts_gives_an_empty_thread():
    (t,) = parse_text('<html id="XF"><body><div class="message message--post"></div></body></html>',
                      "empty.html", fmt="xenforo_html")
    assert (t.n_comments, t.article) == (0, "")


@needs_shared
def test_xenforo_html_parses_the_real_katzen_forum_thread():
    raw = KATZEN.read_text(encoding="utf-8")
    # Independent count: one data-content attribute per post, the opening post included.
    posts = parse_html(raw).css('article.message--post[data-content^="post-"]')
    assert len(posts) == raw.count('data-content="post-') == 18
    (t,) = parse_file(KATZEN)
    assert t.platform == "xenforo_html"
    assert t.title == "Jede Nacht verliert Pepe soviel Dreck aus dem Fell"
    assert t.article == ""
    assert t.comments[0].text.startswith("Hallo,\nPepe schläft nachts mit mir im Schlafzimmer")
    assert t.n_comments == 18 and t.coverage.stated_count == 18  # 17 replies + the opening post
    assert max(c.depth for c in t.comments) == 1
    assert sum(c.depth == 1 for c in t.comments) == 2
    page_order = sorted(t.comments, key=lambda c: c.timestamp)
    assert [c.author for c in page_order] == [
        "Pepemaus", "yellowkitty", "Lov100", "Pepemaus", "Pepemaus", "MoeC", "yellowkitty", "Lehmann", "Pepemaus",
        "Lehmann", "Pepemaus", "MoeC", "Catbert", "Pepemaus", "Pepemaus", "AnnaAn", "Pepemaus",
        "Pepemaus"]
    # yellowkitty's #7 quotes Pepemaus' #4; Catbert's #13 quotes Pepemaus' #11.
    for reply, quoted in (("6331617", "6331459"), ("6332049", "6331930")):
        c = by_key(t, reply)
        assert c.parent_id == by_key(t, quoted).comment_id and c.quotes == (c.parent_id,)
        assert "hat gesagt" not in c.text and "Zum Vergrößern" not in c.text
    assert by_key(t, "6331617").text.startswith("Dann hat er wohl keine Milben")
    assert by_key(t, "6331423").timestamp == "2018-09-27T15:11:51+02:00"


def test_xenforo_html_2_links_quotes_by_post_id_then_title_link_then_words():
    (t,) = parse_file(HERE / "xf2_quote_links.html")
    bob, carol = by_key(t, "202"), by_key(t, "203")
    # data-source="post: 202" decides, though the quoted words were trimmed and reworded.
    assert (carol.text, carol.quotes, carol.parent_id) == (
        "A hundred years is exactly why it needs replacing.", (bob.comment_id,), bob.comment_id)
    # No data-source: the title's /goto/post?id=202 link names the post, not bob's latest post (204).
    dave = by_key(t, "205")
    assert (dave.text, dave.quotes) == ("And new foundations, says the survey.", (bob.comment_id,))
    # A [QUOTE] naming no post and no author: the post whose words it repeats.
    erin = by_key(t, "206")
    assert (erin.text, erin.quotes, erin.parent_id) == (
        "Old is not the same as unsafe.", (carol.comment_id,), carol.comment_id)
    # A quote of a post on another page is cut and links nothing.
    frank = by_key(t, "207")
    assert (frank.text, frank.quotes, frank.parent_id) == ("They do not.", (), None)
    # Nothing but a quote: kept, empty, a reply to the quoted opening post.
    hank = by_key(t, "208")
    assert (hank.text, hank.flags, hank.quotes) == ("", (FLAG_EMPTY,), (by_key(t, "201").comment_id,))
    assert hank.parent_id == by_key(t, "201").comment_id


def test_xenforo_html_1_attribution_link_names_the_quoted_post():
    post = ('<li id="post-{0}" class="message" data-author="{1}"><div class="messageContent">'
            '<blockquote class="messageText">{2}</blockquote></div></li>')
    quote = ('<div class="bbCodeBlock bbCodeQuote" data-author="ann"><aside><div class="attribution type">'
             'ann said: <a href="goto/post?id=1#post-1">&uarr;</a></div><blockquote class="quoteContainer">'
             '<div class="quote">Something quite different</div><div class="quoteExpand">Click to expand...</div>'
             '</blockquote></aside></div>No.')
    page = ('<html id="XenForo"><body><ol id="messageList">' + post.format(1, "ann", "Cats sleep a lot.")
            + post.format(2, "ann", "Dogs too.") + post.format(3, "bob", quote) + "</ol></body></html>")
    (t,) = parse_text(page, "xf1.html", fmt="xenforo_html")
    bob = by_key(t, "3")
    assert (bob.text, bob.quotes, bob.parent_id) == ("No.", (by_key(t, "1").comment_id,), by_key(t, "1").comment_id)


@needs_shared
def test_xenforo_html_real_quotes_link_by_post_id_and_fall_back_to_title_links_and_words():
    raw = KATZEN.read_text(encoding="utf-8")
    # Independent: the page's own data-source ids are the posts its two quotes link to.
    sources = sorted(m.split('"')[0] for m in raw.split('data-source="post: ')[1:])
    (t,) = parse_file(KATZEN)
    linked = sorted(k for c in t.comments for k in c.quotes)
    assert linked == sorted(by_key(t, s).comment_id for s in sources) and len(sources) == 2
    # Without data-source (older XenForo 2), the title's jump link names the same posts; without
    # that link too, the quote's author and words do.
    for page in (raw.replace("data-source=", "data-gone="),
                 raw.replace("data-source=", "data-gone=").replace("/goto/post?id=", "/nowhere?x=")
                 .replace('data-content-selector="#post-', 'data-gone="#')):
        (older,) = parse_text(page, "katzen.html")
        assert [(c.comment_id, c.quotes, c.text) for c in older.comments] == \
            [(c.comment_id, c.quotes, c.text) for c in t.comments]


@pytest.mark.parametrize(("fmt", "page", "first_is_opening"), [
    ("xenforo_html", "xf2_page1.html", True), ("xenforo_html", "xf2_page2.html", False),
    ("xenforo_html", "xf1_thread.html", True), ("vbulletin_html", "vb4_thread.html", True),
    ("vbulletin_html", "vb3_page2.html", False), ("phpbb_html", "phpbb33_topic.html", True),
    ("phpbb_html", "phpbb30_page2.html", False)])
def test_only_a_threads_first_post_is_flagged_as_its_opening_post(fmt, page, first_is_opening):
    (t,) = parse_file(ASSETS / fmt / page)
    flagged = [i for i, c in enumerate(t.comments) if "opening_post" in c.flags]
    assert flagged == ([0] if first_is_opening else [])
