"""The command line: exit codes, exact one-line errors, outputs in each table format."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from modkit.cli import app
from modkit.model import COMMENT_COLUMNS
from modkit.tables import read_comments

from .conftest import SEEDS

runner = CliRunner()


def test_cli_parse_prints_trees_and_summary_for_the_seeds():
    result = runner.invoke(app, ["parse", str(SEEDS)])
    assert result.exit_code == 0
    assert "Iran deploys forces in Iraq to fight Sunni militants" in result.stdout
    assert "ISIL attack is pre arranged by Maliki" in result.stdout
    assert "5 threads, 109 comments (32 top-level)" in result.stderr
    assert "page states 24 comments, 19 found" in result.stderr


@pytest.mark.parametrize("ext", [".jsonl", ".parquet", ".csv"])
def test_cli_parse_writes_one_row_per_comment(tmp_path, ext):
    out = tmp_path / f"comments{ext}"
    result = runner.invoke(app, ["parse", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    df = read_comments(out)
    assert len(df) == 109  # seed 004's opening post is a comment
    assert list(df.columns) == list(COMMENT_COLUMNS)
    assert df["thread_id"].nunique() == 3
    row = df[df["text"].str.startswith("ISIL attack is pre arranged")].iloc[0]
    assert row["author"] == "wargame1" and int(row["depth"]) == 2
    quoted = df[df["text"].str.startswith("you should also ask your ally")].iloc[0]
    assert len(list(quoted["quotes"])) == 1


def test_cli_parse_outputs_agree_across_formats(tmp_path):
    frames = []
    for ext in (".jsonl", ".parquet", ".csv"):
        out = tmp_path / f"c{ext}"
        runner.invoke(app, ["parse", str(SEEDS), "-o", str(out)])
        df = read_comments(out)
        frames.append(df[["comment_id", "parent_id", "text"]].fillna("").astype(str))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_cli_unknown_format_prints_one_line_error():
    result = runner.invoke(app, ["parse", str(SEEDS), "--format", "nope"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: Unknown page format 'nope'; choose one of: " + ", ".join(
            __import__("modkit").page_formats.names()) + "."]


def test_cli_format_override_is_used(tmp_path):
    out = tmp_path / "c.jsonl"
    result = runner.invoke(app, ["parse", str(next(SEEDS.glob("001_*"))), "-f", "article_text", "-o", str(out)])
    assert result.exit_code == 0
    assert out.read_text() == ""


def test_cli_bad_output_extension_fails_before_parsing(tmp_path):
    result = runner.invoke(app, ["parse", str(SEEDS), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert "unknown table format '.xlsx'" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_missing_file_is_named(tmp_path):
    result = runner.invoke(app, ["parse", str(tmp_path / "nothere.html")])
    assert result.exit_code == 1
    assert "nothere.html: cannot read" in result.stderr


def test_cli_formats_lists_every_registered_format():
    result = runner.invoke(app, ["formats"])
    assert result.exit_code == 0
    for name in __import__("modkit").page_formats.names():
        assert name in result.stdout


def test_cli_export_convokit_writes_a_corpus(tmp_path):
    out = tmp_path / "corpus"
    result = runner.invoke(app, ["export", "convokit", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "5 conversations, 114 utterances" in result.stderr
    utts = [json.loads(line) for line in (out / "utterances.jsonl").read_text().splitlines()]
    assert len(utts) == 114


def _all_commands():
    import typer

    def walk(cmd, path):
        yield path
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


def test_every_command_has_help_with_an_example():
    commands = _all_commands()
    assert ["labels", "migrate"] in commands and ["export", "convokit"] in commands
    for path in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        if path and path not in (["export"], ["labels"]):
            assert "Example:" in result.stdout, path
        # a flag takes no value, so its row shows no type
        assert "<bool>" not in result.stdout, path


def test_help_does_not_import_the_heavy_libraries():
    """`modkit --help` in cron scripts and shells must be quick: no pandas or scikit-learn at start-up."""
    import subprocess
    import sys

    code = ("import sys, modkit.cli; "
            "print(sorted(m for m in ('pandas', 'sklearn', 'pyarrow', 'numpy') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_version_and_bad_values_are_usage_errors_with_a_suggestion(tmp_path):
    import modkit

    assert runner.invoke(app, ["--version"]).stdout.strip() == f"modkit {modkit.__version__}"
    result = runner.invoke(app, ["score", str(SEEDS), "-o", str(tmp_path / "s.csv"), "--toxicity", "lit"])
    assert result.exit_code == 2 and "did you mean 'lite'?" in result.stderr
    assert "MiniLM" not in result.stderr  # the bad value is reported before anything else is said
    assert not (tmp_path / "s.csv").exists()
    result = runner.invoke(app, ["review", str(tmp_path / "s.csv"), "--reviewer", "ana", "--order", "risky"])
    assert result.exit_code == 2 and "did you mean 'risk'?" in result.stderr  # before the terminal check


def test_metrics_tables_stack_on_narrow_terminals():
    from rich.console import Console

    from modkit.cli import _metrics_table
    from modkit.train.metrics import METRIC_NAMES
    from modkit.train.report import Report

    cell = {"value": 0.9123, "low": 0.9011, "high": 0.9234}
    rep = Report("toxicity", "d.csv", "5-fold cross-validation", {
        name: {"n": 400, "positives": 90, "threshold": 0.5, "confusion": {"tn": 1, "fp": 2, "fn": 3, "tp": 4},
               **{m: cell for m in METRIC_NAMES}} for name in ("lite-68f6f317+tb-35195574", "apc")})
    console = Console(width=80, record=True)
    console.print(_metrics_table(rep, width=80))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "0.912 [0.901, 0.923]" in text and "…" not in text  # nothing cut
