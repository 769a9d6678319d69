"""Disqus comments rendered and saved as HTML (fixtures written for these tests)."""

from __future__ import annotations

from modkit.model import FLAG_EMPTY, FLAG_REMOVED, Thread
from modkit.parse import parse_file

from .conftest import ASSETS, by_key, cid

HERE = ASSETS / "disqus_html"


def _parse(name: str) -> Thread:
    [thread] = parse_file(HERE / name)
    assert thread.platform == "disqus_html"
    return thread


def test_disqus_html_reads_nested_posts_with_authors_and_times():
    t = _parse("riverside_news.html")
    assert t.title == "Flood defences delayed again"
    assert [(c.depth, c.author) for c in t.comments] == [
        (0, "Karen_W"), (1, "Dave"), (2, None), (3, "Mill Lane Residents"), (4, "Guest"), (0, "Tom H")]
    assert by_key(t, "post-4002").parent_id == cid(t, "post-4001")
    assert by_key(t, "post-4001").timestamp == "2022-11-21T09:14:00"
    assert by_key(t, "post-4001").text == "The council knew about the flooding risk for years."
    assert by_key(t, "post-4002").text == "They did, and the minutes of the March meeting prove it.\n\nPage 14."


def test_disqus_html_parent_link_wins_over_flattened_nesting():
    t = _parse("riverside_news.html")
    # post-4006 is listed beside post-4005 in the DOM; its "in reply to" link names post-4005.
    assert by_key(t, "post-4006").parent_id == cid(t, "post-4005")
    assert by_key(t, "post-4006").depth == 4


def test_disqus_html_flags_deleted_posts_and_keeps_their_replies():
    t = _parse("riverside_news.html")
    deleted = by_key(t, "post-4004")
    assert deleted.text == "" and set(deleted.flags) == {FLAG_REMOVED, FLAG_EMPTY}
    assert by_key(t, "post-4005").parent_id == deleted.comment_id


def test_disqus_html_strips_a_quoted_post_and_an_unclosed_bold_tag():
    t = _parse("riverside_news.html")
    tom = by_key(t, "post-4003")
    assert tom.text == "Which minutes? Link please."
    assert tom.quotes == (cid(t, "post-4002"),)


def test_disqus_html_records_load_more_and_show_more_replies_as_truncated():
    t = _parse("riverside_news.html")
    assert t.coverage.truncated == {cid(t, "post-4003"): 2, None: -1}
    assert t.coverage.stated_count == 7
    assert t.article == ("The riverside flood wall will not be finished before spring, the council "
                         "confirmed on Monday.\n\nResidents of Mill Lane were flooded twice last winter.")


def test_disqus_html_reads_an_embed_saved_inside_an_iframe_srcdoc():
    t = _parse("singlefile_srcdoc.html")
    assert [(c.depth, c.author, c.text) for c in t.comments] == [
        (0, "Nora V", "Six minutes is optimistic, I waited twelve on Friday."),
        (1, "Guest", "Friday had a signal failure at the depot.")]
    assert t.title == "Review: the new tram timetable"
    assert t.coverage.truncated == {}  # the hidden "Load more" button means nothing is left
    assert t.coverage.stated_count == 2


def test_disqus_html_reports_an_embed_that_never_loaded_as_truncated():
    t = _parse("unloaded_embed.html")
    assert t.n_comments == 0
    assert t.coverage.truncated == {None: -1}
    assert t.coverage.stated_count == 12
    assert t.article.startswith("Line 4 now runs every six minutes")


# --- the thread's title: the host page's, not the embed iframe's ----------------------------------------
_POSTS = ('<div id="disqus_thread"><ul id="post-list"><li class="post" id="post-31">'
          '<span class="author">ann</span><div class="post-message" data-role="message"><p>Да.</p></div>'
          '</li></ul></div>')
_THREAD_DATA = ('<script type="text/json" id="disqus-threadData">{"code": 0, "response": {"thread": '
                '{"id": "9001", "title": "Новый мост: за и против", "clean_title": "Новый мост: за и против", '
                '"link": "https://gazeta.example.ru/2023/most/"}, "posts": []}}</script>')


def _title(head: str, body: str = "") -> str:
    from modkit.parse.formats.disqus_html import DisqusHtml

    page = f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>{body}{_POSTS}</body></html>"
    return DisqusHtml().parse(page, "page.html")[0].title


def test_a_page_saved_from_inside_the_disqus_iframe_takes_the_threads_own_title_and_link():
    from modkit.parse.formats.disqus_html import DisqusHtml

    page = f"<html><head><title>Комментарии Disqus</title>{_THREAD_DATA}</head><body>{_POSTS}</body></html>"
    [t] = DisqusHtml().parse(page, "embed.html")
    assert t.title == "Новый мост: за и против"
    assert [c.url for c in t.comments] == ["https://gazeta.example.ru/2023/most/#comment-31"]


def test_the_embeds_generic_heading_does_not_beat_the_host_pages_title():
    # The old rule (og:title, else the first h1, else <title>) took the embed's heading.
    assert _title("<title>Новый мост: за и против | Газета</title>",
                  "<h1>Комментарии Disqus</h1>") == "Новый мост: за и против | Газета"


def test_og_title_still_wins_and_a_generic_title_is_kept_when_there_is_nothing_else():
    assert _title('<meta property="og:title" content="Bridge vote"><title>Disqus Comments</title>') == "Bridge vote"
    assert _title("<title>Disqus Comments</title>") == "Disqus Comments"


def test_a_headline_that_mentions_disqus_is_a_real_title():
    assert _title("<title>Why we moved our comments off Disqus</title>") == "Why we moved our comments off Disqus"
