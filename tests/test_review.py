"""Review and labels: the append-only store, one-key sessions, undo, resume, agreement, export."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time

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


def _review(path, store, reviewer, keys, *extra):
    return runner.invoke(app, ["review", str(path), "--reviewer", reviewer, "--store", str(store), *extra],
                         input=keys)


def test_review_one_key_per_decision_saves_and_advances(scored, tmp_path):
    df, path = scored
    store = tmp_path / "l.sqlite"
    result = _review(path, store, "ana", "t\nc\nf\n")
    assert result.exit_code == 0, result.stderr
    assert "1 of 3" in result.stdout and "queue done" in result.stdout
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
    assert "undid label of a" in result.stdout
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
    result = _review(path, store, "ana", "x\nn needs a second look\nz\ng\nq\n")
    assert "flagged for a second look" in result.stdout
    assert "note saved" in result.stdout
    assert "unknown key 'z'" in result.stdout
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
    assert r.exit_code == 1
    assert r.stderr.strip() == "Error: unknown label 'rude'; choose one of: toxic, conspiracy, both, fine, skip"
    r = runner.invoke(app, ["label", "zz", "--reviewer", "x", "--label", "fine", "--store",
                            str(tmp_path / "s"), "--scored", str(path)])
    assert r.stderr.strip() == "Error: item 'zz' is not in the scored table"


def test_review_rejects_scored_file_without_needed_columns(tmp_path):
    bad = write_table(pd.DataFrame({"text": ["x"]}), tmp_path / "bad.csv")
    r = _review(bad, tmp_path / "l.sqlite", "ana", "q\n")
    assert r.exit_code == 1
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


def test_kill_9_mid_session_loses_no_confirmed_decision(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    proc = subprocess.Popen([sys.executable, "-m", "modkit", "review", str(path), "--reviewer", "ana",
                             "--store", str(store), "--only", "all"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=ROOT)
    seen = b""
    for key in (b"t\n", b"f\n"):
        proc.stdin.write(key)
        proc.stdin.flush()
        target = b"2 of 5" if key == b"t\n" else b"3 of 5"
        deadline = time.time() + 60
        while target not in seen and time.time() < deadline:
            seen += os.read(proc.stdout.fileno(), 65536)
    assert b"3 of 5" in seen  # the second decision was confirmed by showing the next item
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    labels = [e.labels for e in LabelStore(store).events()]
    assert labels == [{"toxic": True, "conspiracy": False}, {"toxic": False, "conspiracy": False}]


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
    r = runner.invoke(app, ["labels", "adjudicate", str(path), "--reviewer", "lead", "--store", str(store)],
                      input="c\n")
    assert r.exit_code == 0, r.stderr
    assert "ana → conspiracy" in r.stdout and "ben → fine" in r.stdout
    state = load_labels(LabelStore(store))
    assert state.disagreements() == [] and state.final("b") == {"toxic": False, "conspiracy": True}
    r = runner.invoke(app, ["labels", "agreement", "--store", str(store)])
    assert "krippendorff_alpha" in r.stdout


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


def test_review_in_a_terminal_takes_single_keystrokes_without_enter(scored, tmp_path):
    import pty

    _, path = scored
    store = tmp_path / "l.sqlite"
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "LINES": "50", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "modkit", "review", str(path), "--reviewer", "ana",
                             "--store", str(store)], stdin=slave, stdout=slave, stderr=slave, env=env,
                            cwd=ROOT, close_fds=True)
    os.close(slave)

    def read_until(marker: bytes, timeout: float = 60) -> bytes:
        seen, deadline = b"", time.time() + timeout
        while marker not in seen and time.time() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        return seen

    try:
        assert b"1 of 3" in read_until(b"quit")
        os.write(master, b"t")  # one keystroke, no Enter
        assert b"2 of 3" in read_until(b"2 of 3")
        os.write(master, b"q")
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 0
    assert [e.labels for e in LabelStore(store).events()] == [{"toxic": True, "conspiracy": False}]
