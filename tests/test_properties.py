"""Property tests: round trips through a page format, and no input crashes a parser."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modkit.errors import ParseError
from modkit.model import validate_forest
from modkit.parse import decode_bytes, parse_text
from modkit.registry import page_formats
from modkit.synth import render_disqus_text

from .conftest import SEEDS

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
sentence = st.lists(words, min_size=1, max_size=8).map(lambda ws: " ".join(ws).capitalize() + ".")
body = st.lists(sentence, min_size=0, max_size=3).map(lambda ps: "\n\n".join(ps))
author = st.one_of(st.none(), st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,11}", fullmatch=True))


@st.composite
def forests(draw):
    """(depth, author, text) rows in page order that describe a valid forest."""
    n = draw(st.integers(min_value=0, max_value=25))
    rows, depth = [], 0
    for i in range(n):
        depth = 0 if i == 0 else draw(st.integers(min_value=0, max_value=depth + 1))
        who = draw(author)
        text = draw(body)
        if who is None and not text:
            text = draw(sentence)  # an anonymous comment needs words on its numbered line
        rows.append((depth, who, text))
    return rows


@FAST
@given(forests())
def test_disqus_text_round_trip_keeps_the_thread(rows):
    page = render_disqus_text("A title", "An article body.", rows)
    (t,) = parse_text(page, "gen.txt", fmt="disqus_text")
    assert [(c.depth, c.author, c.text) for c in t.comments] == rows
    assert t.article == "An article body."


@FAST
@given(forests())
def test_parsing_twice_gives_identical_results(rows):
    page = render_disqus_text("A title", "Body.", rows)
    a, b = parse_text(page, "gen.txt"), parse_text(page, "gen.txt")
    assert [(c.comment_id, c.parent_id, c.text) for c in a[0].comments] == \
           [(c.comment_id, c.parent_id, c.text) for c in b[0].comments]


@pytest.mark.parametrize("fmt", page_formats.names())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=400))
def test_no_text_crashes_a_parser_and_every_output_is_a_forest(fmt, text):
    try:
        threads = parse_text(text, "fuzz", fmt=fmt)
    except ParseError:
        return
    for t in threads:
        validate_forest(t.comments)


markupish = st.lists(st.sampled_from([
    "<div>", "</div>", "<li class='comment depth-2' id='comment-1'>", "</li>", "<ul class='children'>",
    "  1. x Avatar", "\n", "    2. hi", "24 thoughts on “x”", "What's new", "{", "}", "[", "]",
    '"kind": "t1"', '"parent_id": "t1_a"', "<post dsq:id='1'>", "<wp:comment>", "<parent dsq:id='1'/>",
    "<blockquote>", "said:", "<article class='message'>", "&amp;", "<![CDATA[", "]]>", "text words",
]), max_size=60).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=markupish)
def test_markup_like_junk_only_raises_parse_errors(text):
    try:
        threads = parse_text(text, "junk")
    except ParseError:
        return
    for t in threads:
        validate_forest(t.comments)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_decoding_arbitrary_bytes_gives_text_or_a_parse_error(data):
    with contextlib.suppress(ParseError):
        assert isinstance(decode_bytes(data, "b"), str)


ASSET_PAGES = sorted(p for p in (Path(__file__).parent / "assets").rglob("*") if p.is_file())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.sampled_from(ASSET_PAGES), cut=st.integers(0, 10_000), span=st.integers(0, 400),
       junk=st.binary(max_size=64), how=st.sampled_from(["delete", "duplicate", "insert", "truncate"]))
def test_mutated_pages_of_every_format_never_crash_score_and_good_pages_are_written(tmp_path_factory, page, cut,
                                                                                    span, junk, how):
    import pandas as pd
    from typer.testing import CliRunner

    from modkit.cli import app

    data = page.read_bytes()
    cut %= max(len(data), 1)
    mutated = {"delete": data[:cut] + data[cut + span:], "duplicate": data[:cut + span] + data[cut:],
               "insert": data[:cut] + junk + data[cut:], "truncate": data[:cut]}[how]
    d = tmp_path_factory.mktemp("mutated")
    (d / f"mutated{page.suffix}").write_bytes(mutated)
    (d / "good.txt").write_text(next(SEEDS.glob("001_*")).read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(app, ["score", str(d), "-o", str(d / "out.parquet"), "--top", "0"])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    table = pd.read_parquet(d / "out.parquet")
    assert (table["source"].str.endswith("good.txt")).sum() == 79  # the good page is always written
