"""Hacker News item pages saved as HTML (fixtures written for these tests)."""

from __future__ import annotations

from modkit.model import FLAG_EMPTY, FLAG_REMOVED, Thread, make_thread_id
from modkit.parse import parse_file
from modkit.parse.formats.hackernews_html import HackerNewsHtml

from .conftest import ASSETS, by_key, cid

HERE = ASSETS / "hackernews_html"
FMT = HackerNewsHtml()


def _parse(name: str) -> Thread:
    [thread] = parse_file(HERE / name)
    assert thread.platform == "hackernews_html"
    return thread


def test_hackernews_html_nests_flat_rows_by_their_indent():
    t = _parse("ask_hn_item.html")
    assert [(c.depth, c.author) for c in t.comments] == [
        (0, "sre_maria"), (1, "kbolt"), (2, "throwaway_4412"), (3, "kbolt"), (0, None), (1, "ops_gnome"),
        (0, "dana_k")]
    assert by_key(t, "39100388").parent_id == cid(t, "39100311")
    assert by_key(t, "39100431").parent_id == cid(t, "39100420")
    assert by_key(t, "39100517").parent_id == cid(t, "39100502")
    assert by_key(t, "39100640").parent_id is None


def test_hackernews_html_reads_times_as_utc_and_drops_reply_links():
    t = _parse("ask_hn_item.html")
    first = by_key(t, "39100311")
    assert first.timestamp == "2024-01-24T15:20:40+00:00"
    assert first.text == ("Pay for it. Every page outside working hours is paid, no matter how short.\n\n"
                          "Once it cost money, management suddenly cared about the alert noise.")
    assert all("reply" not in c.text for c in t.comments)


def test_hackernews_html_cuts_a_quote_of_the_parent_and_records_it():
    t = _parse("ask_hn_item.html")
    reply = by_key(t, "39100388")
    assert reply.text == "Same here. We cut pages by 80% in a quarter."
    assert reply.quotes == (cid(t, "39100311"),)


def test_hackernews_html_code_blocks_are_no_quotes(tmp_path):
    """A REPL's '>>>' or a shell's '>' inside <pre> is the replier's code, not a quote to cut."""
    page = (ASSETS / "hackernews_html" / "ask_hn_item.html").read_text(encoding="utf-8").replace(
        "Please don&#x27;t. Read the guidelines.",
        "Try this:<pre><code>  &gt;&gt;&gt; import this\n  &gt; echo hi\n</code></pre><p>&gt; Read the guidelines.<p>Ok.")
    (tmp_path / "item.html").write_text(page, encoding="utf-8")
    (t,) = parse_file(tmp_path / "item.html")
    (c,) = [c for c in t.comments if c.text.startswith("Try this")]
    assert c.text == "Try this:\n>>> import this\n> echo hi\n\nOk."  # the ">" paragraph after it is a quote
    assert "\ue003" not in "".join(x.text for x in t.comments)


def test_hackernews_html_italic_paragraphs_are_quotes_only_when_they_repeat_a_comment():
    t = _parse("quote_rule.html")
    # cy's italic paragraph repeats bob's words: cut and linked; fay's repeats nobody's: emphasis, kept.
    assert (by_key(t, "9103").text, by_key(t, "9103").quotes) == (
        "Source? The report says the opposite.", (cid(t, "9102"),))
    assert (by_key(t, "9106").text, by_key(t, "9106").quotes) == (
        "Nobody here has read the report.\n\nThat is the real problem.", ())


def test_hackernews_html_flags_dead_and_deleted_comments_as_removed():
    t = _parse("ask_hn_item.html")
    dead = by_key(t, "39100420")
    assert dead.flags == (FLAG_REMOVED,)
    assert dead.text == "Or just hire people who can handle pressure, snowflakes."
    deleted = by_key(t, "39100502")
    assert (deleted.author, deleted.text) == (None, "")
    assert set(deleted.flags) == {FLAG_REMOVED, FLAG_EMPTY}


def test_hackernews_html_reads_title_toptext_count_and_more_link():
    t = _parse("ask_hn_item.html")
    assert t.title == "Ask HN: How do you keep on-call from burning out your team?"
    assert t.article == ("We are six engineers sharing a weekly rotation.\n\nTwo people quit last quarter "
                         "and both named on-call in their exit interviews. What has worked for you?")
    assert t.coverage.stated_count == 11
    assert t.coverage.truncated == {None: -1}
    assert t.thread_id == make_thread_id("hackernews_html", "https://news.ycombinator.com/item?id=39100200")


def test_hackernews_html_reads_old_markup_with_spacer_widths_and_no_row_ids():
    t = _parse("old_markup_2015.html")
    assert t.title == "Show HN: A static site generator in 300 lines of Go"
    # The third row's spacer is 120px (3 levels) under a depth-1 row: clamped to depth 2.
    assert [(c.depth, c.author) for c in t.comments] == [
        (0, "lurker42"), (1, "gopher_ann"), (2, "pedant"), (0, "webdev_ro")]
    assert by_key(t, "9961071").parent_id == cid(t, "9961050")
    assert by_key(t, "9961090").parent_id == cid(t, "9961071")
    assert by_key(t, "9961071").text == ("Not yet: it rebuilds everything, which takes 40ms for my blog.\n\n"
                                        "Happy to take a PR though.")
    assert all(c.timestamp is None for c in t.comments)  # only "2 hours ago": no timestamp
    assert t.coverage.stated_count == 4 and t.coverage.truncated == {}
    assert t.thread_id == make_thread_id("hackernews_html", "https://news.ycombinator.com/item?id=9961000")


def test_hackernews_html_keeps_the_last_comment_of_a_file_cut_off_mid_comment():
    t = _parse("old_markup_2015.html")
    assert by_key(t, "9961102").text == "Bookmarked. The README is great"


def test_hackernews_html_does_not_claim_the_front_page():
    front = ('<html><body><table id="hnmain"><tr class="athing submission" id="1"><td class="title">'
             '<span class="titleline"><a href="https://x.org">A story</a></span></td></tr></table></body></html>')
    assert FMT.sniff(front, "news.html") == 0.0
