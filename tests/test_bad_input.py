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
    assert result.exit_code == 1
    assert out.read_text() == "previous\n"
