"""ConvoKit export: the corpus format, and loading it with ConvoKit itself where it is installed."""

from __future__ import annotations

import json

import pytest

from modkit.export.convokit import export_convokit
from modkit.parse import parse_threads

from .conftest import SEEDS


@pytest.fixture
def corpus_dir(tmp_path):
    out = tmp_path / "corpus"
    export_convokit(parse_threads(SEEDS), out)
    return out


def test_convokit_corpus_has_the_five_files(corpus_dir):
    names = sorted(p.name for p in corpus_dir.iterdir())
    assert names == ["conversations.json", "corpus.json", "index.json", "speakers.json", "utterances.jsonl"]


def test_convokit_each_conversation_has_one_root_and_valid_reply_links(corpus_dir):
    utts = [json.loads(line) for line in (corpus_dir / "utterances.jsonl").read_text().splitlines()]
    required = {"id", "speaker", "conversation_id", "reply-to", "timestamp", "text", "meta"}
    assert all(required <= set(u) for u in utts)
    ids = {u["id"] for u in utts}
    convs = {}
    for u in utts:
        convs.setdefault(u["conversation_id"], []).append(u)
        assert u["reply-to"] is None or u["reply-to"] in ids
    for conv_id, members in convs.items():
        roots = [u for u in members if u["reply-to"] is None]
        assert [r["id"] for r in roots] == [conv_id]
    speakers = json.loads((corpus_dir / "speakers.json").read_text())
    assert {u["speaker"] for u in utts} == set(speakers)
    index = json.loads((corpus_dir / "index.json").read_text())
    assert set(index["utterances-index"]) == {k for u in utts for k in u["meta"]}


def test_convokit_loads_the_corpus(corpus_dir):
    convokit = pytest.importorskip("convokit", reason="convokit is not installed (optional extra)")
    corpus = convokit.Corpus(filename=str(corpus_dir))
    assert len(list(corpus.iter_conversations())) == 5
    assert len(list(corpus.iter_utterances())) == 113
    convo = next(c for c in corpus.iter_conversations() if c.meta["platform"] == "disqus_text")
    convo.check_integrity(verbose=False)
    assert len(convo.get_root_to_leaf_paths()) > 40


def _thread():
    from modkit.model import Comment, Thread

    return Thread("t1", "s", "p", "T", "Body", [Comment("c1", "t1", None, 0, 0, "ann", None, "hi")])


def test_an_output_directory_with_other_files_is_refused_and_left_untouched(tmp_path):
    from modkit.errors import ConfigError
    from modkit.export.convokit import export_convokit

    (tmp_path / "thesis.tex").write_text("years of work")
    with pytest.raises(ConfigError, match="refusing to replace it"):
        export_convokit([_thread()], tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.tex"]


def test_a_file_as_output_directory_is_refused(tmp_path):
    from modkit.errors import ConfigError
    from modkit.export.convokit import export_convokit

    (tmp_path / "corpus").write_text("not a directory")
    with pytest.raises(ConfigError, match="not a directory"):
        export_convokit([_thread()], tmp_path / "corpus")


def test_a_corpus_modkit_wrote_is_replaced(tmp_path):
    from modkit.export.convokit import export_convokit

    export_convokit([_thread()], tmp_path / "corpus")
    assert export_convokit([_thread()], tmp_path / "corpus")["utterances"] == 2
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == [
        "conversations.json", "corpus.json", "index.json", "speakers.json", "utterances.jsonl"]


def test_cli_export_into_the_working_directory_refuses_and_deletes_nothing(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from modkit.cli import app

    page = tmp_path / "page.txt"
    page.write_text(next(SEEDS.glob("001_*")).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["export", "convokit", str(page), "-o", "."])
    assert result.exit_code != 0 and "refusing to replace it" in result.output + (result.stderr or "")
    assert [p.name for p in tmp_path.iterdir()] == ["page.txt"]
