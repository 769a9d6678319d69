"""WordPress comment markup: fixtures written for these tests, and real saved pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from modkit.model import (
    FLAG_EMPTY,
    FLAG_ORPHAN,
    FLAG_REMOVED,
    Comment,
    Thread,
    make_comment_id,
    validate_forest,
)
from modkit.parse import detect_format, parse_file, read_page
from modkit.parse.formats.wordpress_html import WordPressHtml

ASSETS = Path(__file__).parent / "assets"
HERE = ASSETS / "wordpress_html"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
REAL = SHARED / "threads" / "trafilatura_wordpress"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared/datasets not present")
FMT = WordPressHtml()


def _parse(path: Path) -> Thread:
    [thread] = parse_file(path)
    assert thread.platform == "wordpress_html"
    return thread


def _cid(thread: Thread, pid: str) -> str:
    return make_comment_id(thread.thread_id, pid)


def _get(thread: Thread, pid: str) -> Comment:
    return next(c for c in thread.comments if c.comment_id == _cid(thread, pid))


# --- fixtures ---------------------------------------------------------------------------
def test_wordpress_html_reads_nested_div_comments_with_authors_times_and_texts():
    t = _parse(HERE / "twentytwenty.html")
    assert t.title == "Why we moved our build to Bazel"
    assert [(c.depth, c.author) for c in t.comments] == [
        (0, "Priya Raman"), (1, "Ines"), (2, "Tomasz"), (0, "Anonymous"), (1, "Marco")]
    assert _get(t, "comment-102").parent_id == _cid(t, "comment-101")
    assert _get(t, "comment-104").parent_id == _cid(t, "comment-102")
    assert _get(t, "comment-106").parent_id == _cid(t, "comment-105")
    first = _get(t, "comment-101")
    assert first.timestamp == "2021-03-14T09:12:44+00:00"
    assert first.text == "How did you handle the remote cache? We tried it and our CI bill doubled."
    assert _get(t, "comment-102").text == ("We run our own cache on two machines in the office.\n"
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
    reply = _get(t, "comment-104")
    assert reply.text == "Only because you do not count the hours somebody spends babysitting those machines."
    assert reply.quotes == (_cid(t, "comment-102"),)


def test_wordpress_html_flags_deleted_bodies_and_drops_moderation_notes():
    t = _parse(HERE / "twentytwenty.html")
    deleted = _get(t, "comment-105")
    assert deleted.text == "" and set(deleted.flags) == {FLAG_REMOVED, FLAG_EMPTY}
    assert _get(t, "comment-106").text == "No need to be rude about it."


def test_wordpress_html_article_is_the_post_body_without_share_buttons():
    t = _parse(HERE / "twentytwenty.html")
    assert t.article == ("Our monorepo had grown to 400 packages and a clean build took 47 minutes.\n\n"
                         "After two months with Bazel, a typical change rebuilds in under three minutes.")


def test_wordpress_html_depth_classes_win_over_nesting_broken_by_unclosed_tags():
    t = _parse(HERE / "kubrick_unclosed.html")
    assert t.title == "Tomaten im Kübel überwintern?"
    # comment-203 sits inside comment-201's children in the DOM, but its class says depth-1.
    assert _get(t, "comment-203").parent_id is None
    assert _get(t, "comment-205").parent_id == _cid(t, "comment-203")
    assert _get(t, "comment-202").parent_id == _cid(t, "comment-201")
    assert [(c.depth, c.author) for c in t.comments] == [
        (0, "Hanne"), (1, "Gärtnerin"), (0, "Jörg"), (1, "Hanne"), (0, "Ute")]


def test_wordpress_html_reads_old_theme_dates_and_unclosed_paragraphs():
    t = _parse(HERE / "kubrick_unclosed.html")
    first = _get(t, "comment-201")
    assert first.timestamp == "2010-10-04T08:15:00"
    assert first.text == "Bei mir hat das nie geklappt, die Blattläuse waren schneller."
    assert _get(t, "comment-206").timestamp is None


def test_wordpress_html_reports_a_comment_whose_depth_has_no_parent_as_an_orphan():
    t = _parse(HERE / "kubrick_unclosed.html")
    ute = _get(t, "comment-206")  # depth-3 after a trackback: its depth-2 parent is not on the page
    assert ute.parent_id is None and FLAG_ORPHAN in ute.flags
    assert t.coverage.orphans == [ute.comment_id]
    assert t.coverage.stated_count == 5  # "6 Antworten" minus the trackback
    assert all("Linkliste" not in c.text for c in t.comments)


@pytest.mark.parametrize("name", ["twentytwenty.html", "kubrick_unclosed.html"])
def test_wordpress_html_survives_a_page_cut_off_anywhere(name):
    text = read_page(HERE / name)
    [full] = FMT.parse(text, name)
    start = text.index('class="comment ')
    for cut in range(0, len(text), max(1, len(text) // 25)):
        [t] = FMT.parse(text[:cut], name)
        validate_forest(t.comments)
        if cut > start:
            assert {c.comment_id for c in t.comments} <= {c.comment_id for c in full.comments}


def test_wordpress_html_ids_are_stable_across_reparses():
    a, b = _parse(HERE / "twentytwenty.html"), _parse(HERE / "twentytwenty.html")
    assert [c.comment_id for c in a.comments] == [c.comment_id for c in b.comments]


# --- detection ----------------------------------------------------------------------------
def test_wordpress_html_is_detected_on_its_fixtures():
    for path in HERE.glob("*.html"):
        assert detect_format(read_page(path), str(path)).name == "wordpress_html"


def _other_inputs() -> list[Path]:
    paths = sorted(SEEDS.glob("*.txt"))
    paths += sorted(p for p in ASSETS.rglob("*") if p.is_file() and p.parent != HERE)
    if SHARED.exists():
        paths += sorted(p for p in (SHARED / "threads").rglob("*")
                        if p.is_file() and p.parent != REAL and not p.name.startswith("LICENSE"))
    return paths


def test_wordpress_html_does_not_claim_other_formats_pages():
    claimed = [p.name for p in _other_inputs() if FMT.sniff(read_page(p), str(p)) > 0]
    assert claimed == []


# --- real pages -----------------------------------------------------------------------------
@needs_shared
def test_wordpress_html_parses_lemire_with_its_five_comments():
    t = _parse(REAL / "lemire.me.json.html")
    assert (t.n_comments, sum(c.depth == 0 for c in t.comments), max(c.depth for c in t.comments)) == (5, 3, 1)
    assert t.coverage.stated_count == 5 and t.coverage_warnings() == []
    assert _get(t, "comment-422230").parent_id == _cid(t, "comment-422154")
    assert _get(t, "comment-422257").parent_id == _cid(t, "comment-422240")
    assert _get(t, "comment-422257").author == "Daniel Lemire"
    assert _get(t, "comment-421882").timestamp == "2019-08-03T04:11:57+00:00"
    assert _get(t, "comment-422257").text == ("We support a conventional DOM traversal as well as JSON "
                                               "pointers. Our DOM tree is immutable.\n\nPlease try it out!")


@needs_shared
def test_wordpress_html_parses_moritz_meyer_avada_theme_without_its_pingbacks():
    t = _parse(REAL / "moritz-meyer.net.vreni.html")
    # 36 items on the page: 20 li.comment + 16 li.pingback (counted with grep).
    assert (t.n_comments, sum(c.depth == 0 for c in t.comments), max(c.depth for c in t.comments)) == (20, 11, 3)
    assert t.coverage.stated_count == 20 and t.coverage_warnings() == []
    assert _get(t, "comment-133").parent_id == _cid(t, "comment-131")
    assert _get(t, "comment-131").parent_id == _cid(t, "comment-123")
    assert _get(t, "comment-123").parent_id == _cid(t, "comment-114")
    first = _get(t, "comment-114")
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
    assert _get(t, "comment-2058525").parent_id == _cid(t, "comment-2058522")
    assert _get(t, "comment-2058749").parent_id == _cid(t, "comment-2058482")
    assert _get(t, "comment-2058483").parent_id == _cid(t, "comment-2058226")
    assert _get(t, "comment-2058226").author == "blah blubb"
    assert _get(t, "comment-2058226").timestamp == "2016-06-23T17:21:09+02:00"
    assert all(c.author and c.timestamp for c in t.comments)
    assert t.title == "Die Cider Connection: Abmahnungen gegen Nutzer von Creative-Commons-Bildern"
    assert t.article.startswith("Zwei Männer Arm in Arm.")
