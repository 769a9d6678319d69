"""Review and labels: the append-only store, one-key sessions, undo, resume, agreement, export."""

from __future__ import annotations

import json
import multiprocessing as mp
import re
import sqlite3

import pandas as pd
import pytest
from typer.testing import CliRunner

from modkit.cli import app
from modkit.review import LabelStore, agreement, export_labels, label, load_labels
from modkit.review.export import reconcile
from modkit.review.labels import derive
from modkit.review.store import Event, StoreError
from modkit.tables import read_table, write_table

from .conftest import ROOT

runner = CliRunner()


@pytest.fixture
def scored(tmp_path):
    df = pd.DataFrame({
        "comment_id": ["a", "b", "c", "d", "e"],
        "thread_id": ["t1", "t1", "t1", "t2", "t3"],
        "parent_id": [None, "a", "a", None, None],
        "position": [0, 1, 2, 0, 0],
        "author": ["ann", "bob", "cy", "dee", "eve"],
        "text": ["You are an idiot", "It was all planned by them", "fine point", "ok", "what"],
        "toxicity": [0.95, 0.3, 0.1, 0.52, 0.2],
        "conspiracy": [0.05, 0.9, 0.0, 0.1, 0.48],
        "conspiracy_cues": [[], [{"kind": "secret_plot", "start": 11, "end": 18, "text": "planned"}], [], [], []],
        "flagged": [True, True, False, True, False],
    })
    path = write_table(df, tmp_path / "scored.parquet")
    return df, path


class _Run:
    """A line-driven session's printed screens (``stdout``) and its result."""

    def __init__(self, stdout: str, result):
        self.stdout, self.result, self.exit_code, self.stderr = stdout, result, 0, ""


def _review(path, store, reviewer, keys, *extra):
    """Drive the line-driven reviewer (what scripts use; `modkit review` itself needs a terminal,
    see test_review_screen.py) with one key per line."""
    import io

    from rich.console import Console

    from modkit.review import KeyReader, review

    opts = dict(zip(extra[::2], extra[1::2], strict=True))
    out = io.StringIO()
    res = review(read_table(path), LabelStore(store), reviewer, order=opts.get("--order", "risk"),
                 only=opts.get("--only", "flagged"), keys=KeyReader(io.StringIO(keys)),
                 console=Console(file=out, width=120))
    return _Run(out.getvalue(), res)


def test_review_one_key_per_decision_saves_and_advances(scored, tmp_path):
    df, path = scored
    store = tmp_path / "l.sqlite"
    result = _review(path, store, "ana", "t\nc\nf\n")
    assert "1 of 3" in result.stdout and "queue done" in result.stdout
    assert (result.result.decided, result.result.by_answer) == (3, {"toxic": 1, "conspiracy": 1, "fine": 1})
    state = load_labels(LabelStore(store))
    assert state.final("a") == {"toxic": True, "conspiracy": False}
    assert state.final("b") == {"toxic": False, "conspiracy": True}
    assert state.final("d") == {"toxic": False, "conspiracy": False}


def test_review_shows_context_scores_cues_and_keys(scored, tmp_path):
    _, path = scored
    result = _review(path, tmp_path / "l.sqlite", "ana", "q\n", "--order", "thread")
    assert "You are an idiot" in result.stdout
    result = _review(path, tmp_path / "l.sqlite", "ana", "s\nq\n", "--order", "thread")
    screen = result.stdout
    assert "↳ ann: You are an idiot" in screen           # parent chain of b
    assert "siblings:" in screen and "fine point" in screen
    assert "conspiracy 0.90" in screen and "planned (secret_plot)" in screen
    assert "t toxic" in screen and "u undo" in screen


def test_a_threat_flag_shows_the_idiom_behind_it(tmp_path):
    df = pd.DataFrame({"comment_id": ["a"], "thread_id": ["t1"], "parent_id": [None], "author": ["ann"],
                       "text": ["Keep it up. I know where you live."], "threat": [0.72], "conspiracy": [0.0],
                       "conspiracy_cues": [[]], "flagged": [True], "flag_reasons": [["threat"]]})
    path = write_table(df, tmp_path / "scored.parquet")
    screen = _review(path, tmp_path / "l.sqlite", "ana", "q\n").stdout
    assert "I know where you live (knows_where_you_live)" in screen


def test_review_resumes_and_never_shows_a_decided_item(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    _review(path, store, "ana", "t\nq\n")
    second = _review(path, store, "ana", "q\n")
    assert "╭─ ann" not in second.stdout  # a's panel (its text may still show as b's parent)
    assert "1 of 2" in second.stdout
    other = _review(path, store, "ben", "q\n")
    assert "╭─ ann" in other.stdout  # another reviewer still sees it


def test_undo_is_a_new_event_and_shows_the_item_again(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    result = _review(path, store, "ana", "t\nu\nf\nq\n")
    assert "undid toxic for #1 by ann (a)" in result.stdout
    assert result.result.decided == 1 and result.result.by_answer == {"fine": 1}  # the undone label is not counted
    s = LabelStore(store)
    assert [e.action for e in s.events()] == ["label", "undo", "label"]
    assert load_labels(s).final("a") == {"toxic": False, "conspiracy": False}


def test_undo_reaches_back_into_earlier_sessions(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    _review(path, store, "ana", "t\nq\n")
    _review(path, store, "ana", "u\nb\nq\n")
    assert load_labels(LabelStore(store)).final("a") == {"toxic": True, "conspiracy": True}


def test_flag_note_unknown_key_and_guidelines(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    result = _review(path, store, "ana", "x\nn needs a second look\nz\nT\ng\nq\n")
    assert "flagged for a second look" in result.stdout
    assert "note saved on #1 by ann (a)" in result.stdout
    assert "unknown key 'z': nothing recorded" in result.stdout
    assert "guidelines v1.0" in result.stdout
    actions = [(e.action, e.note) for e in LabelStore(store).events()]
    assert actions == [("flag", None), ("note", "needs a second look")]


def test_uncertain_order_puts_scores_nearest_the_threshold_first(scored, tmp_path):
    _, path = scored
    # distances to 0.5: a .45, b .20, c .40, d .02 (toxicity .52), e .02 (conspiracy .48)
    result = _review(path, tmp_path / "l.sqlite", "ana", "s\ns\ns\nq\n", "--order", "uncertain", "--only", "all")
    assert re.findall(r"╭─ (\w+)", result.stdout) == ["dee", "eve", "bob", "cy"]


def test_events_record_who_what_when_guideline_and_scores(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    _review(path, store, "ana", "t\nq\n")
    (ev,) = LabelStore(store).events()
    assert ev.reviewer == "ana" and ev.action == "label" and ev.guideline_version == "1.0"
    assert ev.scores == {"toxicity": 0.95, "conspiracy": 0.05} and ev.created_at > 0
    assert ev.thread_id == "t1" and ev.text_hash


def test_label_command_writes_the_same_events(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    result = runner.invoke(app, ["label", "b", "--reviewer", "bot", "--label", "conspiracy",
                                 "--store", str(store), "--scored", str(path)])
    assert result.exit_code == 0, result.stderr
    (ev,) = LabelStore(store).events()
    assert (ev.item_id, ev.labels, ev.scores["conspiracy"]) == ("b", {"toxic": False, "conspiracy": True}, 0.9)


def test_label_command_rejects_unknown_label_and_item(scored, tmp_path):
    _, path = scored
    r = runner.invoke(app, ["label", "b", "--reviewer", "x", "--label", "rude", "--store", str(tmp_path / "s")])
    assert r.exit_code == 2
    assert r.stderr.strip() == "Error: unknown label 'rude'; choose one of: toxic, conspiracy, both, fine, skip"
    r = runner.invoke(app, ["label", "zz", "--reviewer", "x", "--label", "fine", "--store",
                            str(tmp_path / "s"), "--scored", str(path)])
    assert r.stderr.strip() == "Error: item 'zz' is not in the scored table"


def test_review_rejects_scored_file_without_needed_columns(tmp_path):
    bad = write_table(pd.DataFrame({"text": ["x"]}), tmp_path / "bad.csv")
    r = runner.invoke(app, ["review", str(bad), "--reviewer", "ana", "--store", str(tmp_path / "l.sqlite")])
    assert r.exit_code == 1  # the table is checked before the terminal
    assert r.stderr.strip() == "Error: bad.csv is missing columns: comment_id."


def test_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "l.sqlite"
    LabelStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(StoreError, match="format 99 is newer"):
        LabelStore(path)


def test_corrupt_store_is_a_clear_error_and_is_left_alone(tmp_path):
    path = tmp_path / "l.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    before = path.read_bytes()
    r = runner.invoke(app, ["labels", "agreement", "--store", str(path)])
    assert r.exit_code == 1 and "not a readable label store" in r.stderr
    assert path.read_bytes() == before


def _append_many(path, reviewer, n):
    store = LabelStore(path)
    for i in range(n):
        store.append(Event(f"item{i}", "h", reviewer, "label", {"toxic": i % 2 == 0, "conspiracy": False}))


def test_two_reviewers_labelling_at_once_lose_nothing(tmp_path):
    path = tmp_path / "l.sqlite"
    LabelStore(path).close()
    # fork: the children need not import this test module (spawn fails under the pytest script)
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    procs = [ctx.Process(target=_append_many, args=(path, who, 150)) for who in ("ana", "ben")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    events = list(LabelStore(path).events())
    assert len(events) == 300
    assert {e.reviewer for e in events} == {"ana", "ben"}


def test_agreement_and_adjudication_over_two_reviewers(scored, tmp_path):
    df, path = scored
    store = tmp_path / "l.sqlite"
    s = LabelStore(store)
    for item, a, b in [("a", "toxic", "toxic"), ("b", "conspiracy", "fine"), ("d", "fine", "fine")]:
        label(s, item, "ana", a, df)
        label(s, item, "ben", b, df)
    table = agreement(s).set_index("label")
    assert table.loc["overall", "percent"] == pytest.approx(2 / 3)
    assert table.loc["toxic", "cohen_kappa"] == pytest.approx(1.0)
    assert table.loc["conspiracy", "items_multiply_rated"] == 3
    assert load_labels(s).disagreements() == ["b"]
    import io

    from rich.console import Console

    from modkit.review import KeyReader, adjudicate

    shown = io.StringIO()
    res = adjudicate(df, LabelStore(store), "lead", keys=KeyReader(io.StringIO("c\n")), console=Console(file=shown))
    assert "ana → conspiracy" in shown.getvalue() and "ben → fine" in shown.getvalue()
    assert (res.decided, res.remaining) == (1, 0)
    state = load_labels(LabelStore(store))
    assert state.disagreements() == [] and state.final("b") == {"toxic": False, "conspiracy": True}
    r = runner.invoke(app, ["labels", "agreement", "--store", str(store)])
    assert r.exit_code == 0, r.stderr
    assert "Krippendorff's α" in r.stdout and "krippendorff_alpha" not in r.stdout
    assert "66.7%" in r.stdout  # overall agreement as a percentage, not 0.667
    assert "1 items with disagreeing labels (0 not yet adjudicated)" in r.stdout
    assert "b  ana: conspiracy · ben: fine  → adjudicated conspiracy" in r.stdout


def test_agreement_says_why_a_coefficient_is_undefined_and_lists_open_disagreements(scored, tmp_path):
    df, _ = scored
    store = tmp_path / "l.sqlite"
    s = LabelStore(store)
    label(s, "a", "ana", "toxic", df)
    r = runner.invoke(app, ["labels", "agreement", "--store", str(store)])
    assert r.exit_code == 0, r.stderr
    assert "n/a" in r.stdout and "no item has labels from two reviewers yet" in r.stdout
    for who in ("ben", "cy"):
        label(s, "a", who, "fine", df)
    r = runner.invoke(app, ["labels", "agreement", "--store", str(store)])
    assert "Cohen's κ n/a: it compares exactly two reviewers (3 here)" in r.stdout
    assert "1 items with disagreeing labels (1 not yet adjudicated)" in r.stdout
    assert "a  ana: toxic · ben: fine · cy: fine" in r.stdout


def test_review_without_a_terminal_exits_2_and_points_at_modkit_label(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    r = runner.invoke(app, ["review", str(path), "--reviewer", "ana", "--store", str(store)], input="t\n")
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "needs a terminal" in r.stderr and "modkit label" in r.stderr
    assert r.stdout == "" and not store.exists()  # nothing shown, nothing recorded
    r = runner.invoke(app, ["labels", "adjudicate", str(path), "--reviewer", "lead", "--store", str(store)])
    assert r.exit_code == 2 and "needs a terminal" in r.stderr


def test_default_store_is_per_user_and_the_seed_store_is_only_read(scored, tmp_path, monkeypatch):
    df, path = scored
    monkeypatch.delenv("MODKIT_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    seed = ROOT / "labels" / "labels.sqlite"
    before = seed.read_bytes()
    r = runner.invoke(app, ["label", "b", "--reviewer", "ana", "--label", "fine", "--scored", str(path)])
    assert r.exit_code == 0, r.stderr
    mine = tmp_path / "data" / "modkit" / "labels.sqlite"
    assert [e.item_id for e in LabelStore(mine).events()] == ["b"]
    r = runner.invoke(app, ["labels", "agreement"])  # reads the same per-user store
    assert r.exit_code == 0 and "rated twice+" in r.stdout
    monkeypatch.setenv("MODKIT_STORE", str(tmp_path / "env.sqlite"))
    runner.invoke(app, ["label", "c", "--reviewer", "ana", "--label", "fine"])
    assert [e.item_id for e in LabelStore(tmp_path / "env.sqlite").events()] == ["c"]
    # Exporting from the seed store, named with --store, works and leaves it byte for byte as committed.
    salt = seed.with_suffix(".salt")
    had_salt = salt.exists()
    try:
        r = runner.invoke(app, ["labels", "export", str(ROOT / "labels" / "seeds_scored.parquet"), "-o",
                                str(tmp_path / "seeds.jsonl"), "--store", str(seed)])
        r2 = runner.invoke(app, ["labels", "agreement", "--store", str(seed)])
    finally:
        if not had_salt:
            salt.unlink(missing_ok=True)
    assert r.exit_code == 0, r.stderr
    assert len(read_table(tmp_path / "seeds.jsonl")) > 100 and "0.938" in r2.stdout
    assert seed.read_bytes() == before  # (a -wal file may exist while another process reads it)


def test_export_splits_by_thread_pseudonymises_and_writes_card_and_prodigy(scored, tmp_path):
    df, path = scored
    store = tmp_path / "l.sqlite"
    s = LabelStore(store)
    for item, ans in [("a", "toxic"), ("b", "conspiracy"), ("c", "fine"), ("d", "fine"), ("e", "both")]:
        label(s, item, "ana", ans, df)
    out = tmp_path / "ds" / "seeds.jsonl"
    out.parent.mkdir()
    r = runner.invoke(app, ["labels", "export", str(path), "-o", str(out), "--store", str(store)])
    assert r.exit_code == 0, r.stderr
    rows = read_table(out)
    assert len(rows) == 5
    assert rows.groupby("thread_id")["split"].nunique().max() == 1
    assert set(rows["split"]) <= {"train", "dev", "test"}
    assert not set(rows["author"]) & {"ann", "bob", "cy", "dee", "eve"}
    assert rows.set_index("item_id").loc["b", "parent_text"] == "You are an idiot"
    assert rows.set_index("item_id").loc["e", ["toxic", "conspiracy"]].tolist() == [1, 1]
    card = out.with_suffix(".md").read_text()
    assert "Splits are grouped by thread" in card and "krippendorff_alpha" in card
    prodigy = [json.loads(x) for x in (tmp_path / "ds" / "seeds.prodigy.jsonl").read_text().splitlines()]
    assert prodigy[0]["answer"] == "accept" and {o["id"] for o in prodigy[0]["options"]} == {"toxic", "conspiracy"}
    kept = export_labels(s, df, tmp_path / "k.csv", keep_authors=True)
    assert "ann" in set(read_table(kept["data"])["author"])


def test_labels_on_changed_or_vanished_items_are_reported_not_dropped_silently(scored, tmp_path):
    df, path = scored
    store = tmp_path / "l.sqlite"
    s = LabelStore(store)
    label(s, "a", "ana", "toxic", df)
    label(s, "b", "ana", "fine", df)
    changed = df.copy()
    changed.loc[changed["comment_id"] == "a", "text"] = "You are wonderful"
    changed = changed[changed["comment_id"] != "b"]
    rec = reconcile(derive(s.events()), changed)
    assert rec.changed == ["a"] and rec.missing == ["b"]
    new_path = write_table(changed, tmp_path / "reparsed.parquet")
    r = runner.invoke(app, ["labels", "export", str(new_path), "-o", str(tmp_path / "x.jsonl"), "--store", str(store)])
    assert "1 labelled items changed text since labelling (first: a)" in r.stderr
    assert "1 labelled items are not in the scored table (first: b)" in r.stderr
    assert len(list(s.events())) == 2  # nothing in the store was touched


def test_packaged_guidelines_match_the_repository_copy():
    assert (ROOT / "modkit" / "review" / "GUIDELINES.md").read_text() == (ROOT / "labels" / "GUIDELINES.md").read_text()


def test_a_bad_thread_or_report_is_one_line_before_any_terminal_is_needed(scored, tmp_path):
    _, path = scored
    base = ["review", str(path), "--reviewer", "ana", "--store", str(tmp_path / "l.sqlite")]
    r = runner.invoke(app, [*base, "--thread", "nope"])
    assert (r.exit_code, r.stderr) == (2, "Error: thread 'nope' is not in the scored table\n")
    r = runner.invoke(app, [*base, "--from-report", str(tmp_path / "missing.json")])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "missing.json: not a readable report" in r.stderr
    index = tmp_path / "index.json"
    index.write_text('{"kind": "modkit.report_index", "threads": []}')
    r = runner.invoke(app, [*base, "--from-report", str(index)])
    assert r.exit_code == 2 and "not a thread report" in r.stderr
    r = runner.invoke(app, [*base, "--keys", "toxic=T"])
    assert r.exit_code == 2 and "use one lower-case letter" in r.stderr
