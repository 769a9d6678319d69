"""Bad input: each bad file gets one clear line, every good file is still parsed and written."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from modkit.cli import app
from modkit.errors import ParseError
from modkit.parse import decode_bytes, parse_file, parse_text
from modkit.synth import iter_disqus_dump

from .conftest import SEEDS

runner = CliRunner()
GOOD = (SEEDS / "001_f1b2f21fdc22b40c.txt").read_text(encoding="utf-8")


def test_empty_file_is_a_parse_error_naming_the_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"  \n")
    with pytest.raises(ParseError, match=r"empty\.txt: empty file"):
        parse_file(p)


def test_binary_file_is_a_parse_error(tmp_path):
    p = tmp_path / "image.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(ParseError, match="binary file"):
        parse_file(p)


def test_utf16_with_bom_parses_like_utf8(tmp_path):
    p = tmp_path / "utf16.txt"
    p.write_bytes(GOOD.encode("utf-16"))
    assert parse_file(p)[0].n_comments == 79


def test_utf16_without_bom_is_detected():
    assert decode_bytes("Title\n\nBody text here".encode("utf-16-le")) == "Title\n\nBody text here"


def test_cp1252_page_decodes_its_quotes_and_accents(tmp_path):
    page = "Caf\u00e9 news\n\nThe \u201cbig\u201d story \u2014 na\u00efve and r\u00e9sum\u00e9.\n"
    p = tmp_path / "legacy.txt"
    p.write_bytes(page.encode("cp1252"))
    (t,) = parse_file(p)
    assert t.title == "Caf\u00e9 news" and "\u201cbig\u201d story \u2014 na\u00efve" in t.article


def test_stray_undecodable_bytes_are_replaced_with_a_warning(caplog):
    text = decode_bytes(GOOD.encode("utf-8") + b"\xff tail", "odd.txt")
    assert text.endswith("\ufffd tail")
    assert "undecodable bytes replaced" in caplog.text


def test_truncated_dump_still_parses_what_is_there():
    cut = GOOD[: len(GOOD) // 2]
    (t,) = parse_text(cut, "cut.txt")
    assert 0 < t.n_comments < 79


def test_50_mb_page_parses_completely(tmp_path):
    p = tmp_path / "big.txt"
    with open(p, "w", encoding="utf-8") as fh:
        for line in iter_disqus_dump(450_000, seed=3):
            fh.write(line + "\n")
    assert p.stat().st_size > 50 * 2**20
    (t,) = parse_file(p)
    assert t.n_comments == 450_000


def test_directory_mixing_good_and_bad_files_writes_good_ones_and_names_bad_ones(tmp_path):
    d = tmp_path / "pages"
    d.mkdir()
    (d / "good.txt").write_text(GOOD, encoding="utf-8")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.dat").write_bytes(bytes(range(256)) * 8)
    (d / "legacy.txt").write_bytes("R\u00e9sum\u00e9\n\nBody \u2014 text.".encode("cp1252"))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["parse", str(d), "-o", str(out)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("empty.txt: empty file" in e for e in errors)
    assert any("binary.dat: binary file" in e for e in errors)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 79


def test_failed_run_leaves_an_existing_output_untouched(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    result = runner.invoke(app, ["parse", str(tmp_path / "missing.txt"), "-o", str(out), "--format", "nope"])
    assert result.exit_code == 2
    assert out.read_text() == "previous\n"


def _hostile_directory(root):
    """Good pages beside entries that must be skipped: a non-UTF-8 name, a dangling symlink,
    a symlink loop, a named pipe (reading it would block forever) and a link back to the directory."""
    import os

    root.mkdir()
    (root / "good.txt").write_text(GOOD, encoding="utf-8")
    with open(os.path.join(os.fsencode(root), b"caf\xe9.txt"), "wb") as fh:
        fh.write(GOOD.encode("utf-8"))
    os.symlink("nowhere.txt", root / "dangling.txt")
    os.symlink("loop2.txt", root / "loop1.txt")
    os.symlink("loop1.txt", root / "loop2.txt")
    os.mkfifo(root / "pipe.txt")
    os.symlink(".", root / "again")
    return root


@pytest.mark.parametrize("command", ["parse", "score"])
def test_bad_directory_entries_are_named_and_skipped_and_good_pages_written(tmp_path, command):
    import pandas as pd

    pages = _hostile_directory(tmp_path / "pages")
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, [command, str(pages), "-o", str(out)])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert sorted(e.split(": ", 2)[-1] for e in errors) == [
        "skipped, a dangling symlink", "skipped, a named pipe", "skipped, a symlink loop", "skipped, a symlink loop"]
    table = pd.read_parquet(out)
    assert len(table) == 2 * 79  # good.txt and the non-UTF-8 name, read and shown escaped
    assert any("caf\\xe9.txt" in s for s in table["source"].unique())


def test_batch_names_bad_directory_entries_and_scores_the_rest(tmp_path):
    pages = _hostile_directory(tmp_path / "pages")
    result = runner.invoke(app, ["batch", str(pages), "--state", str(tmp_path / "state"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout[result.stdout.index("{"):])
    assert summary["failures"] == {
        "caf\\xe9.txt": "skipped, the file name is not UTF-8 (shown escaped); rename the file to score it",
        "dangling.txt": "skipped, a dangling symlink", "loop1.txt": "skipped, a symlink loop",
        "loop2.txt": "skipped, a symlink loop", "pipe.txt": "skipped, a named pipe"}
    assert summary["pages_new"] == 1
    again = runner.invoke(app, ["batch", str(pages), "--state", str(tmp_path / "state"), "-o", str(tmp_path / "out")])
    assert again.exit_code == 3  # the next run is not blocked, and names them again


FORMULAS = ["=HYPERLINK(\"http://evil\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "'=already quoted",
            "plain text", "-1 for this post"]


def test_csv_output_neutralises_formulas_and_round_trips_exactly(tmp_path):
    import csv

    import pandas as pd

    from modkit.tables import read_table, write_table

    path = write_table(pd.DataFrame({"text": FORMULAS, "n": range(len(FORMULAS))}), tmp_path / "t.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        cells = [row["text"] for row in csv.DictReader(fh)]
    assert all(not c or c[0] not in "=+-@\t\r" for c in cells)
    assert read_table(path)["text"].tolist() == FORMULAS
    assert write_table(pd.DataFrame({"text": []}), tmp_path / "empty.csv") and read_table(tmp_path / "empty.csv").empty


def test_streamed_comments_csv_neutralises_formulas(tmp_path):
    import csv

    page = tmp_path / "page.txt"
    page.write_text("Title\n\nArticle.\n\n  1. ann Avatar\n\n    =HYPERLINK(\"http://evil\")\n", encoding="utf-8")
    out = tmp_path / "c.csv"
    assert runner.invoke(app, ["parse", str(page), "-o", str(out)]).exit_code == 0
    with open(out, newline="", encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    assert texts == ["'=HYPERLINK(\"http://evil\")"]


def _hostile_reddit_dump(path):
    """A Reddit API dump whose JSON escapes decode to terminal control sequences (text dumps with
    raw control bytes are refused as binary, so JSON and HTML are how such text arrives)."""
    rows = [{"id": "a1", "parent_id": "t3_x1", "link_id": "t3_x1", "author": "m\x1b]52;c;ZXZpbA==\x07al",
             "body": "clear \x1b[2J\x1b[H screen \x1b]8;;http://evil\x07link\x1b]8;;\x07 \x9b31m red",
             "created_utc": 1540000000}]
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["parse"], ["score", "-o", "{out}", "--top", "5"]])
def test_terminal_views_never_pass_control_sequences_from_pages(tmp_path, command):
    page = _hostile_reddit_dump(tmp_path / "dump.json")
    args = [a.replace("{out}", str(tmp_path / "s.parquet")) for a in command]
    result = runner.invoke(app, [args[0], str(page), *args[1:]])
    assert result.exit_code == 0, result.output
    shown = result.stdout + result.stderr
    assert "\x1b" not in shown and "\x9b" not in shown and "\x07" not in shown
    if command[0] == "parse":
        assert "␛[2J" in shown  # made visible, not dropped


def test_the_review_screen_shows_control_characters_as_symbols():
    import pandas as pd
    from rich.console import Console

    from modkit.review.queue import ItemView
    from modkit.review.ui import render

    row = pd.Series({"comment_id": "c1", "text": "hi \x1b]52;c;ZXZpbA==\x07 there", "author": "m\x1b[2Jx",
                     "title": "T\x1b[H", "toxicity": 0.1})
    console = Console(record=True, width=100)
    console.print(render(ItemView(row, [], [], 0), 1, 1, 0, False))
    text = console.export_text()
    assert "\x1b" not in text and "\x07" not in text and "␛]52" in text


def test_the_report_index_shows_control_characters_as_symbols(tmp_path):
    page = _hostile_reddit_dump(tmp_path / "dump.json")
    scored = tmp_path / "s.parquet"
    assert runner.invoke(app, ["score", str(page), "-o", str(scored)]).exit_code == 0
    import pandas as pd

    table = pd.read_parquet(scored).assign(title="T\x1b[2J\x1b]52;c;ZXZpbA==\x07")
    table.to_parquet(scored)
    result = runner.invoke(app, ["report", str(scored), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout + result.stderr and "␛[2J" in result.stdout


@pytest.mark.parametrize("command", [["parse", "{missing}", "-o", "{out}.parquet"],
                                     ["score", "{missing}", "-o", "{out}.parquet"],
                                     ["report", "{missing}.parquet", "-o", "{out}"]])
def test_a_mistyped_input_leaves_the_previous_output_as_it_was(tmp_path, command):
    out = tmp_path / "out"
    good = [a.replace("{missing}", str(SEEDS)).replace("{out}", str(out)) for a in command]
    if command[0] == "report":
        scored = tmp_path / "scored.parquet"
        assert runner.invoke(app, ["score", str(SEEDS), "-o", str(scored)]).exit_code == 0
        good[1] = str(scored)
    assert runner.invoke(app, good).exit_code == 0
    target = out if command[0] == "report" else tmp_path / "out.parquet"
    before = sorted((p.relative_to(tmp_path), p.stat().st_size) for p in tmp_path.rglob("*") if p.is_file())
    bad = [a.replace("{missing}", str(tmp_path / "seedz")).replace("{out}", str(out)) for a in command]
    result = runner.invoke(app, bad)
    assert result.exit_code == 1
    assert "nothing was read" in result.stderr and f"{target} left as it was" in result.stderr
    after = sorted((p.relative_to(tmp_path), p.stat().st_size) for p in tmp_path.rglob("*") if p.is_file())
    assert after == before


def test_hostile_xml_is_not_expanded_and_the_loss_is_named(tmp_path):
    page = tmp_path / "export.xml"
    page.write_text("""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE disqus [ <!ENTITY a "&b;"> <!ENTITY b "&a;"> <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="1"><id>t1</id><link>http://example.com/a</link><title>A post</title></thread>
  <post dsq:id="p1"><message>first</message><author><name>ann</name></author><thread dsq:id="1"/></post>
  <post dsq:id="p2"><message>second &xxe; &a;</message><author><name>bob</name></author><thread dsq:id="1"/></post>
  <post dsq:id="p3"><message>third</message><author><name>cy</name></author><thread dsq:id="1"/></post>
</disqus>""", encoding="utf-8")
    import subprocess
    import sys

    # as a user runs it: the entry point turns library warnings into stderr lines
    result = subprocess.run([sys.executable, "-m", "modkit.cli", "parse", str(page)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"warning: {page}: damaged XML, only the part before its first error was read" in result.stderr
    assert "root:" not in result.stdout and "ann: first" in result.stdout  # no file contents, the good post kept


def test_an_output_location_that_cannot_be_created_is_one_error_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    for args in (["parse", str(SEEDS), "-o", str(blocker / "p.parquet")],
                 ["report", str(SEEDS), "-o", str(blocker / "reports")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {blocker}")  # one line, no traceback


def test_a_reviewer_name_that_is_not_utf8_is_a_usage_error(tmp_path):
    import os

    name = os.fsdecode(b"\xff\xfe")
    result = runner.invoke(app, ["label", "c1", "--reviewer", name, "--label", "fine", "--store",
                                 str(tmp_path / "l.sqlite")])
    assert result.exit_code == 2 and "not valid UTF-8" in result.output
    assert not (tmp_path / "l.sqlite").exists()  # refused before the store is touched


def test_scores_that_are_not_numbers_in_the_unit_interval_are_read_as_unscored(tmp_path, caplog):
    import pandas as pd

    table = tmp_path / "scored.csv"
    pd.DataFrame({"comment_id": ["a", "b", "c"], "thread_id": "t", "parent_id": [None, "a", "a"],
                  "text": ["x", "y", "z"], "toxicity": [float("inf"), "high", 0.2],
                  "flagged": [False, False, False]}).to_csv(table, index=False)
    result = runner.invoke(app, ["report", str(table), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "toxicity holds 2 values outside [0, 1] or not a number" in caplog.text
    result = runner.invoke(app, ["review", str(table), "--reviewer", "ann", "--store", str(tmp_path / "l.sqlite"),
                                 "--only", "all"], input="")
    assert result.exit_code == 2 and "needs a terminal" in result.output  # the table was read without a crash


def test_a_page_nested_past_the_cap_is_refused_naming_the_file(tmp_path):
    import sys

    sys.path.insert(0, str(SEEDS.parent / "benchmarks"))
    from bench_parse_depth import reddit_chain, wordpress_chain

    from modkit.parse.html import MAX_NESTING

    deep = tmp_path / "deep.html"
    deep.write_text(wordpress_chain(MAX_NESTING), encoding="utf-8")  # two container levels per comment
    with pytest.raises(ParseError, match=rf"deep\.html: markup nested {2 * MAX_NESTING + 3:,} levels deep"):
        parse_file(deep)
    ok = tmp_path / "ok.html"
    ok.write_text(wordpress_chain(300), encoding="utf-8")
    assert max(c.depth for c in parse_file(ok)[0].comments) == 299
    chain = tmp_path / "chain.json"
    chain.write_text(reddit_chain(20_000), encoding="utf-8")
    comments = parse_file(chain)[0].comments
    assert len(comments) == 20_000 and comments[-1].depth == 19_999


def test_a_page_on_one_huge_line_keeps_a_short_title_and_says_so(tmp_path, caplog):
    page = tmp_path / "one.txt"
    page.write_text("word " * 400_000, encoding="utf-8")  # 2 MB on one line
    thread = parse_file(page)[0]
    assert len(thread.title) == 1_000 and thread.title.endswith("…")
    assert "one.txt: title of 1,999,999 characters cut to 1,000" in caplog.text


def test_a_batch_of_fewer_characters_than_the_longest_n_gram_scores():
    # one-letter replies ("k", "x") once crashed the character n-gram hashing
    import modkit

    for texts in (["x"], ["k", "?"], ["ab"], ["x", ""]):
        out = modkit.score(texts)
        assert out["toxicity"].between(0, 1).all() and not out["flagged"].any()


def test_a_text_dump_whose_title_has_a_little_markup_is_still_read(tmp_path):
    import modkit

    from .conftest import SEEDS

    seed = next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8").splitlines()
    seed[2] = "Will <b>Iran</b> Intervene in <i>Iraq</i>?"
    page = tmp_path / "forum.txt"
    page.write_text("\n".join(seed) + "\n", encoding="utf-8")
    threads = list(modkit.parse_threads(page))
    assert [t.platform for t in threads] == ["forum_text"] and threads[0].title.startswith("Will <b>Iran</b>")
    assert len(threads[0].comments) == 11  # the opening post and 10 replies
