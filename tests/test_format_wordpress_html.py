"""WordPress comment markup: fixtures written for these tests, and real saved pages."""

from __future__ import annotations

from pathlib import Path

from modkit.model import FLAG_EMPTY, FLAG_ORPHAN, FLAG_REMOVED, Thread
from modkit.parse import parse_file

from .conftest import ASSETS, SHARED, by_key, cid, needs_shared

HERE = ASSETS / "wordpress_html"
REAL = SHARED / "threads" / "trafilatura_wordpress"


def _parse(path: Path) -> Thread:
    [thread] = parse_file(path)
    assert thread.platform == "wordpress_html"
    return thread


# --- fixtures ---------------------------------------------------------------------------
def test_wordpress_html_reads_nested_div_comments_with_authors_times_and_texts():
    t = _parse(HERE / "twentytwenty.html")
    assert t.title == "Why we moved our build to Bazel"
    assert [(c.depth, c.author) for c in t.comments] == [
        (0, "Priya Raman"), (1, "Ines"), (2, "Tomasz"), (0, "Anonymous"), (1, "Marco")]
    assert by_key(t, "comment-102").parent_id == cid(t, "comment-101")
    assert by_key(t, "comment-104").parent_id == cid(t, "comment-102")
    assert by_key(t, "comment-106").parent_id == cid(t, "comment-105")
    first = by_key(t, "comment-101")
    assert first.timestamp == "2021-03-14T09:12:44+00:00"
    assert first.text == "How did you handle the remote cache? We tried it and our CI bill doubled."
    assert by_key(t, "comment-102").text == ("We run our own cache on two machines in the office.\n"
                                            "It paid for itself in a month.")


def test_wordpress_html_drops_pingbacks_and_subtracts_them_from_the_stated_count():
    t = _parse(HERE / "twentytwenty.html")
    assert all("Pingback" not in c.text and "Build Weekly" not in c.text for c in t.comments)
    assert t.n_comments == 5
    # "7 replies" counts the pingback; the older comments page holds the missing one.
    assert t.coverage.stated_count == 6
    assert t.coverage.truncated == {None: -1}


def test_wordpress_html_keeps_only_the_repliers_own_words_and_records_the_quote():
    t = _parse(HERE / "twentytwenty.html")
    reply = by_key(t, "comment-104")
    assert reply.text == "Only because you do not count the hours somebody spends babysitting those machines."
    assert reply.quotes == (cid(t, "comment-102"),)


def test_wordpress_html_a_quote_linking_to_a_comment_records_it_whatever_its_words():
    (t,) = parse_file(HERE / "quote_rule.html")
    gus = by_key(t, "comment-106")
    assert (gus.text, gus.quotes, gus.parent_id) == ("Not for long.", (cid(t, "comment-101"),), None)


def test_wordpress_html_flags_deleted_bodies_and_drops_moderation_notes():
    t = _parse(HERE / "twentytwenty.html")
    deleted = by_key(t, "comment-105")
    assert deleted.text == "" and set(deleted.flags) == {FLAG_REMOVED, FLAG_EMPTY}
    assert by_key(t, "comment-106").text == "No need to be rude about it."


def test_wordpress_html_article_is_the_post_body_without_share_buttons():
    t = _parse(HERE / "twentytwenty.html")
    assert t.article == ("Our monorepo had grown to 400 packages and a clean build took 47 minutes.\n\n"
                         "After two months with Bazel, a typical change rebuilds in under three minutes.")


def test_wordpress_html_depth_classes_win_over_nesting_broken_by_unclosed_tags():
    t = _parse(HERE / "kubrick_unclosed.html")
    assert t.title == "Tomaten im Kübel überwintern?"
    # comment-203 sits inside comment-201's children in the DOM, but its class says depth-1.
    assert by_key(t, "comment-203").parent_id is None
    assert by_key(t, "comment-205").parent_id == cid(t, "comment-203")
    assert by_key(t, "comment-202").parent_id == cid(t, "comment-201")
    assert [(c.depth, c.author) for c in t.comments] == [
        (0, "Hanne"), (1, "Gärtnerin"), (0, "Jörg"), (1, "Hanne"), (0, "Ute")]


def test_wordpress_html_reads_old_theme_dates_and_unclosed_paragraphs():
    t = _parse(HERE / "kubrick_unclosed.html")
    first = by_key(t, "comment-201")
    assert first.timestamp == "2010-10-04T08:15:00"
    assert first.text == "Bei mir hat das nie geklappt, die Blattläuse waren schneller."
    assert by_key(t, "comment-206").timestamp is None


def test_wordpress_html_reports_a_comment_whose_depth_has_no_parent_as_an_orphan():
    t = _parse(HERE / "kubrick_unclosed.html")
    ute = by_key(t, "comment-206")  # depth-3 after a trackback: its depth-2 parent is not on the page
    assert ute.parent_id is None and FLAG_ORPHAN in ute.flags
    assert t.coverage.orphans == [ute.comment_id]
    assert t.coverage.stated_count == 5  # "6 Antworten" minus the trackback
    assert all("Linkliste" not in c.text for c in t.comments)


# --- real pages -----------------------------------------------------------------------------
@needs_shared
def test_wordpress_html_parses_lemire_with_its_five_comments():
    t = _parse(REAL / "lemire.me.json.html")
    assert (t.n_comments, sum(c.depth == 0 for c in t.comments), max(c.depth for c in t.comments)) == (5, 3, 1)
    assert t.coverage.stated_count == 5 and t.coverage_warnings() == []
    assert by_key(t, "comment-422230").parent_id == cid(t, "comment-422154")
    assert by_key(t, "comment-422257").parent_id == cid(t, "comment-422240")
    assert by_key(t, "comment-422257").author == "Daniel Lemire"
    assert by_key(t, "comment-421882").timestamp == "2019-08-03T04:11:57+00:00"
    assert by_key(t, "comment-422257").text == ("We support a conventional DOM traversal as well as JSON "
                                               "pointers. Our DOM tree is immutable.\n\nPlease try it out!")


@needs_shared
def test_wordpress_html_parses_moritz_meyer_avada_theme_without_its_pingbacks():
    t = _parse(REAL / "moritz-meyer.net.vreni.html")
    # 36 items on the page: 20 li.comment + 16 li.pingback (counted with grep).
    assert (t.n_comments, sum(c.depth == 0 for c in t.comments), max(c.depth for c in t.comments)) == (20, 11, 3)
    assert t.coverage.stated_count == 20 and t.coverage_warnings() == []
    assert by_key(t, "comment-133").parent_id == cid(t, "comment-131")
    assert by_key(t, "comment-131").parent_id == cid(t, "comment-123")
    assert by_key(t, "comment-123").parent_id == cid(t, "comment-114")
    first = by_key(t, "comment-114")
    assert (first.author, first.timestamp) == ("Ben", "2018-06-19T15:28:00")
    assert first.text.startswith("Bei der Privatheit denkt das Gericht vermutlich so:")
    assert "Antworten" not in first.text


@needs_shared
def test_wordpress_html_parses_netzpolitik_and_reports_the_missing_comments():
    t = _parse(REAL / "netzpolitik.org.abmahnungen.html")
    # grep counts 74 li.comment: 36 depth-1, 17 depth-2, 10 depth-3, 7 depth-4, 4 depth-5.
    assert (t.n_comments, sum(c.depth == 0 for c in t.comments), max(c.depth for c in t.comments)) == (74, 36, 4)
    assert [sum(c.depth == d for c in t.comments) for d in range(5)] == [36, 17, 10, 7, 4]
    assert t.coverage.stated_count == 91  # "91 Ergänzungen"
    assert by_key(t, "comment-2058525").parent_id == cid(t, "comment-2058522")
    assert by_key(t, "comment-2058749").parent_id == cid(t, "comment-2058482")
    assert by_key(t, "comment-2058483").parent_id == cid(t, "comment-2058226")
    assert by_key(t, "comment-2058226").author == "blah blubb"
    assert by_key(t, "comment-2058226").timestamp == "2016-06-23T17:21:09+02:00"
    assert all(c.author and c.timestamp for c in t.comments)
    assert t.title == "Die Cider Connection: Abmahnungen gegen Nutzer von Creative-Commons-Bildern"
    assert t.article.startswith("Zwei Männer Arm in Arm.")
