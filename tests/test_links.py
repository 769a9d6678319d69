"""Links back to the live comment: what each format reads, the comments table, and the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import modkit
from modkit.parse.formats.disqus_html import DisqusHtml
from modkit.parse.formats.hackernews_html import HackerNewsHtml
from modkit.parse.formats.reddit_html import RedditHtml
from modkit.parse.formats.reddit_json import RedditJson
from modkit.parse.formats.wordpress_html import WordPressHtml
from modkit.parse.links import web_url
from modkit.tables import read_table, write_comments

from .conftest import ASSETS, SHARED, needs_shared


def _urls(path: Path | str) -> dict[str | None, list[str | None]]:
    """Each author's comment links, in page order, for the first thread of a file."""
    t = next(iter(modkit.parse_threads(str(path))))
    out: dict[str | None, list[str | None]] = {}
    for c in t.comments:
        out.setdefault(c.author, []).append(c.url)
    return out


# --- the formats ------------------------------------------------------------------------
def test_reddit_json_links_each_comment_to_its_permalink():
    urls = _urls(ASSETS / "reddit_json" / "askcity_buslanes.json")
    everyone = [u for us in urls.values() for u in us]
    assert all(u and u.startswith("https://www.reddit.com/r/AskCity/comments/8xyz01/") for u in everyone)
    assert "https://www.reddit.com/r/AskCity/comments/8xyz01/should_main_street_get_bus_lanes/e1aaaa1/" in everyone


def test_reddit_dump_without_permalinks_links_from_the_post_and_comment_ids():
    urls = _urls(ASSETS / "reddit_json" / "pushshift_dump.json")
    assert urls["gus_h"] == ["https://www.reddit.com/comments/9aaa01/_/f2bbbb1/"]


def test_reddit_json_never_keeps_a_permalink_that_is_not_a_web_address():
    page = json.dumps([{"kind": "t1", "data": {"name": "t1_a", "parent_id": "t3_x", "link_id": "t3_x",
                                               "author": "ann", "body": "hi",
                                               "permalink": "javascript:alert(1)//"}}])
    [c] = RedditJson().parse(page, "x.json")[0].comments
    assert c.url == "https://www.reddit.com/comments/x/_/a/"  # the ids still make a real link


def test_reddit_html_reads_data_permalink_then_the_permalink_button():
    thing = ('<div class="thing comment" data-fullname="t1_{id}" {attr}><div class="entry">'
             '<p class="tagline"><a class="author">{id}</a></p>'
             '<div class="usertext-body"><div class="md"><p>words</p></div></div>'
             '<ul class="flat-list buttons"><li><a href="{href}" data-event-action="permalink">permalink</a>'
             '</li></ul></div></div>')
    page = ('<html><body><div class="sitetable nestedlisting" id="siteTable_t3_p1">'
            + thing.format(id="a", attr='data-permalink="/r/x/comments/p1/t/a/"', href="javascript:void(0)")
            + thing.format(id="b", attr="", href="https://old.reddit.com/r/x/comments/p1/t/b/")
            + thing.format(id="c", attr='data-permalink="javascript:alert(1)"', href="javascript:void(0)")
            + "</div></body></html>")
    t = RedditHtml().parse(page, "r.html")[0]
    assert [c.url for c in t.comments] == ["https://www.reddit.com/r/x/comments/p1/t/a/",
                                           "https://old.reddit.com/r/x/comments/p1/t/b/",
                                           "https://www.reddit.com/comments/p1/_/c/"]


def test_reddit_html_fixture_links_every_comment():
    urls = _urls(ASSETS / "reddit_html" / "askcity_bridge.html")
    assert urls["alice_w"] == [
        "https://old.reddit.com/r/AskCity/comments/9abc12/is_the_new_river_bridge_worth_the_money/e5aa001/"]
    assert all(u is not None for us in urls.values() for u in us)


def test_hacker_news_links_each_comment_to_its_item_page():
    urls = _urls(ASSETS / "hackernews_html" / "ask_hn_item.html")
    assert urls["sre_maria"] == ["https://news.ycombinator.com/item?id=39100311"]
    assert all(u and u.startswith("https://news.ycombinator.com/item?id=") for us in urls.values() for u in us)


def test_hacker_news_row_without_an_item_id_has_no_link():
    row = ('<tr class="athing comtr"><td><table><tr><td class="ind" indent="0"></td><td class="default">'
           '<span class="comhead"><a class="hnuser">ann</a></span><div class="comment">'
           '<div class="commtext">Hi</div></div></td></tr></table></td></tr>')
    page = f'<html><body><table class="comment-tree">{row}</table></body></html>'
    [c] = HackerNewsHtml().parse(page, "item.html")[0].comments
    assert c.url is None


def test_wordpress_prefers_a_comments_own_date_link_then_the_canonical_url():
    urls = _urls(ASSETS / "wordpress_html" / "twentytwenty.html")
    assert urls["Priya Raman"][0] == "https://lab.example.org/2021/03/why-bazel/#comment-101"
    # No canonical URL on this page: a comment without its own date link gets none.
    kubrick = _urls(ASSETS / "wordpress_html" / "kubrick_unclosed.html")
    assert kubrick["Hanne"][0] == "http://gartenblog.example.de/2010/10/tomaten/#comment-201"
    assert kubrick["Ute"] == [None]


_WP = ('<html><head><link rel="canonical" href="https://blog.example.org/post/"></head><body>'
       '<ol class="commentlist">{items}</ol></body></html>')


def test_wordpress_ignores_a_link_planted_in_the_comment_words():
    item = ('<li id="comment-5" class="comment depth-1"><cite class="fn">ann</cite>'
            '<div class="comment-content"><p><a href="https://evil.example/#comment-5">me</a></p></div></li>')
    [c] = WordPressHtml().parse(_WP.format(items=item), "p.html")[0].comments
    assert c.url == "https://blog.example.org/post/#comment-5"


def test_wordpress_finds_the_comment_anchor_inside_an_li_comment_item():
    item = ('<li id="li-comment-9" class="comment depth-1"><div id="comment-9"><cite class="fn">ann</cite>'
            '<div class="comment-content"><p>Hi</p></div></div></li>')
    [c] = WordPressHtml().parse(_WP.format(items=item), "p.html")[0].comments
    assert c.url == "https://blog.example.org/post/#comment-9"


def test_wordpress_export_links_comments_on_the_posts_link():
    urls = _urls(ASSETS / "wordpress_wxr" / "riverside_blog.xml")
    assert all(u and u.startswith("https://riverside.example/2023/11/budget-vote/#comment-")
               for us in urls.values() for u in us)


def test_disqus_links_posts_on_the_canonical_thread_url():
    urls = _urls(ASSETS / "disqus_html" / "riverside_news.html")
    assert urls["Karen_W"] == ["https://riverside-gazette.example.com/news/2022/11/flood-defences-delayed"
                               "#comment-4001"]


def test_disqus_in_an_iframe_srcdoc_links_on_the_host_page():
    urls = _urls(ASSETS / "disqus_html" / "singlefile_srcdoc.html")
    assert urls["Nora V"] == ["https://transit-notes.example.net/2021/tram-timetable-review/#comment-5100"]


_DISQUS = ('<html><head>{head}</head><body><div id="disqus_thread"><ul id="post-list">'
           '<li class="post" id="post-77"><span class="author">ann</span>'
           '<span class="post-meta"><a class="time-ago" href="{href}" title="x">1 day ago</a></span>'
           '<div class="post-message" data-role="message"><p>Hi</p></div></li></ul></div></body></html>')


@pytest.mark.parametrize(("head", "href", "expected"), [
    # The thread URL from disqus_config when the page has no canonical link.
    ("<script>var disqus_config = function () { this.page.url = 'https://b.example/p/1'; };</script>",
     "#comment-77", "https://b.example/p/1#comment-77"),
    # The time link on the thread's own site wins.
    ('<link rel="canonical" href="https://b.example/p/1">', "https://b.example/p/1?page=2#comment-77",
     "https://b.example/p/1?page=2#comment-77"),
    # A time link to another site is not the comment's: the canonical URL is used.
    ('<link rel="canonical" href="https://b.example/p/1">', "https://evil.example/#comment-77",
     "https://b.example/p/1#comment-77"),
    # No thread URL at all: no link, rather than a made-up one.
    ("", "#comment-77", None),
    ('<link rel="canonical" href="javascript:alert(1)">', "#comment-77", None),
])
def test_disqus_post_links(head, href, expected):
    [c] = DisqusHtml().parse(_DISQUS.format(head=head, href=href), "d.html")[0].comments
    assert c.url == expected


def test_disqus_export_links_posts_on_the_threads_link():
    urls = _urls(ASSETS / "disqus_xml" / "citypaper_export.xml")
    assert urls["Maria K."] == ["https://citypaper.example/news/2019/budget-vote/#comment-9001"]


def test_formats_without_comment_ids_give_no_links():
    urls = _urls(ASSETS / "phpbb_html" / "phpbb33_topic.html")
    assert all(u is None for us in urls.values() for u in us)


@needs_shared
def test_real_old_reddit_page_links_to_the_permalink_buttons():
    t = next(iter(modkit.parse_threads(str(SHARED / "threads" / "fiit_reddit_oldhtml" /
                                          "test-comment-worldnews.html"))))
    urls = [c.url for c in t.comments]
    assert all(u is not None for u in urls)
    assert ("https://www.reddit.com/r/worldnews/comments/579q17/bob_dylan_has_been_awarded_the_2016_nobel_prize/"
            "d8q5qyo") in urls


@needs_shared
@pytest.mark.parametrize("page", ["trafilatura_wordpress/netzpolitik.org.abmahnungen.html",
                                  "trafilatura_more/happyface313.com.plantur.html"])
def test_real_wordpress_pages_link_every_comment_on_their_canonical_url(page):
    t = next(iter(modkit.parse_threads(str(SHARED / "threads" / page))))
    assert t.comments and all(c.url and "#comment-" in c.url and c.url.startswith("http") for c in t.comments)


# --- the comments table -------------------------------------------------------------------
@pytest.mark.parametrize("ext", [".csv", ".jsonl", ".parquet"])
def test_url_column_survives_every_table_format(tmp_path, ext):
    threads = list(modkit.parse_threads(str(ASSETS / "hackernews_html" / "ask_hn_item.html")))
    path = tmp_path / f"c{ext}"
    write_comments(threads, path)
    df = read_table(path)
    assert df["url"].tolist() == [c.url for c in threads[0].comments]


def test_url_column_is_empty_for_pages_without_links():
    df = modkit.parse(str(ASSETS / "phpbb_html" / "phpbb33_topic.html"))
    assert "url" in df.columns and df["url"].isna().all()


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/html,x", "//evil.example/x", "vbscript:x",
                                 "https://a.example/\nx", "http:///nohost", " java\tscript:x", None, 7])
def test_web_url_keeps_only_http_addresses(bad):
    assert web_url(bad) is None


def test_builder_drops_a_bad_link_whatever_a_format_sets():
    from modkit.parse import RawPost
    from modkit.parse.build import build_thread

    t = build_thread(platform="x", source="s", title="T", article="",
                     posts=[RawPost("a", url="javascript:alert(1)"), RawPost("b", url="https://ok.example/1")])
    assert [c.url for c in t.comments] == [None, "https://ok.example/1"]


def test_threads_to_frame_has_the_url_column():
    from modkit.tables import threads_to_frame

    t = next(iter(modkit.parse_threads(str(ASSETS / "reddit_json" / "pushshift_dump.json"))))
    frame = threads_to_frame([t])
    assert isinstance(frame, pd.DataFrame) and frame["url"].notna().all()


# --- the reports ----------------------------------------------------------------------------
def _scored(urls: dict[str, object]) -> pd.DataFrame:
    """A scored thread: a calm post, two hostile replies answering it, each with the given ``url``."""
    rows = [("p", None, "pat", 0.05), ("a", "p", "ann", 0.9), ("b", "a", "bob", 0.95)]
    return pd.DataFrame([{
        "thread_id": "t1", "comment_id": cid, "parent_id": parent, "position": i, "author": author,
        "text": f"reply {cid}", "flags": [], "source": "t1.html", "platform": "reddit_json", "title": "T",
        "toxicity": tox, "insult": tox, "conspiracy": 0.0, "flagged": tox >= 0.5,
        "flag_reasons": ["insult"] if tox >= 0.5 else [], "url": urls.get(cid)}
        for i, (cid, parent, author, tox) in enumerate(rows)])


LIVE = {"p": "https://www.reddit.com/r/x/comments/1/t/p/", "a": "https://www.reddit.com/r/x/comments/1/t/a/",
        "b": "https://news.example.com/item?id=3&x=(1)"}


def test_reports_link_evidence_to_the_live_comments(tmp_path):
    from modkit.report import report

    report(_scored(LIVE), tmp_path)
    md = (tmp_path / "threads" / "t1.md").read_text(encoding="utf-8")
    html = (tmp_path / "threads" / "t1.html").read_text(encoding="utf-8")
    doc = json.loads((tmp_path / "threads" / "t1.json").read_text(encoding="utf-8"))
    evidence = md.split("## Top evidence, in context", 1)[1]
    assert f"[#3](<{LIVE['b']}>)" in evidence and f"[#2](<{LIVE['a']}>)" in evidence
    assert f'<a class="live" href="{LIVE["a"]}" rel="noopener noreferrer" target="_blank"' in html
    assert 'href="https://news.example.com/item?id=3&amp;x=(1)"' in html  # escaped in the attribute
    assert {r["comment_id"]: r["url"] for r in doc["replies"]} == LIVE
    assert doc["top_evidence"][0]["reply"]["url"] in (LIVE["a"], LIVE["b"])


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>",
                                 'https://x.example/" onmouseover="alert(1)', "//evil.example/x", "#r1"])
def test_reports_never_link_to_anything_but_http(tmp_path, bad):
    from modkit.report import report

    report(_scored({"a": bad, "b": bad}), tmp_path)
    html = (tmp_path / "threads" / "t1.html").read_text(encoding="utf-8")
    md = (tmp_path / "threads" / "t1.md").read_text(encoding="utf-8")
    doc = json.loads((tmp_path / "threads" / "t1.json").read_text(encoding="utf-8"))
    assert 'class="live"' not in html and "](<" not in md
    assert "javascript" not in html.lower() and "onmouseover" not in html
    assert all(r["url"] is None for r in doc["replies"])


def test_reports_of_tables_without_a_url_column_have_no_live_links(tmp_path):
    from modkit.report import report

    report(_scored({}).drop(columns=["url"]), tmp_path)
    html = (tmp_path / "threads" / "t1.html").read_text(encoding="utf-8")
    doc = json.loads((tmp_path / "threads" / "t1.json").read_text(encoding="utf-8"))
    assert 'class="live"' not in html and all(r["url"] is None for r in doc["replies"])


def test_json_reply_urls_follow_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from modkit.report import report
    from modkit.report.render_json import schema

    report(_scored(LIVE), tmp_path, formats="json")
    doc = json.loads((tmp_path / "threads" / "t1.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema()).validate(doc)
    doc["replies"][0]["url"] = "javascript:alert(1)"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema()).validate(doc)
