"""The label store against both backends: SQLite (a file) and PostgreSQL (a real server).

The PostgreSQL cases start a throwaway server in a temporary directory with the server binaries of
Debian's ``postgresql`` package (:mod:`modkit.review.pgserver`). As root, ``initdb`` refuses to run, so
the server runs as ``nobody`` through ``runuser`` (``MODKIT_PG_USER`` names another account). Where no
server binary exists the PostgreSQL cases skip, naming why; under CI (``CI`` set) they fail instead, so a
CI machine without the package cannot pass by skipping them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter

import pytest
from typer.testing import CliRunner

from modkit.cli import app
from modkit.review.labels import derive
from modkit.review.migrate import migrate
from modkit.review.pgserver import TempPostgres, server_bin
from modkit.review.store import Event, LabelStore, StoreError, redact

from .conftest import ROOT

BACKENDS = ("sqlite", "postgresql")
PASSWORD = "hunter2-secret"
runner = CliRunner()


def _unavailable() -> str | None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    if server_bin() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql"
    return None


@pytest.fixture(scope="module")
def pg():
    why = _unavailable()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests cannot run under CI: {why}")
        pytest.skip(why)
    server = TempPostgres().start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def location(backend, request, tmp_path):
    """A new, empty store's location for the backend: a file path, or a URL of a new database."""
    if backend == "sqlite":
        return str(tmp_path / "labels.sqlite")
    return request.getfixturevalue("pg").create_database()


def _ev(item, who="ana", action="label", **kw):
    labels = kw.pop("labels", {"toxic": True, "conspiracy": False} if action == "label" else None)
    return Event(item, "h" + item, who, action, labels, **kw)


def test_append_reads_back_exactly(location):
    s = LabelStore(location)
    first = s.append(Event("c1", "abc", "ana", "label", {"toxic": True, "conspiracy": False}, thread_id="t1",
                           guideline_version="3", scores={"toxicity": 0.875}, session="s1", created_at=1.5))
    s.append(Event("c1", "abc", "ana", "undo", target_event=first, note="oops — ünïcode ✓"))
    s.append(Event("c2", "def", "ben", "skip"))
    evs = list(s.events())
    assert [e.event_id for e in evs] == sorted(e.event_id for e in evs)
    assert evs[0] == Event("c1", "abc", "ana", "label", {"toxic": True, "conspiracy": False}, None, "t1", None,
                           "3", {"toxicity": 0.875}, "s1", 1.5, first)
    assert evs[1].note == "oops — ünïcode ✓" and evs[1].target_event == first
    assert [e.item_id for e in s.events("ben")] == ["c2"]
    assert s.reviewers() == ["ana", "ben"]
    s.close()
    # Reopened (as another reviewer would), the log is the same.
    assert list(LabelStore(location, create=False).events()) == evs


def test_missing_store_is_refused_without_create(backend, request, tmp_path):
    where = str(tmp_path / "none.sqlite") if backend == "sqlite" else request.getfixturevalue("pg").create_database()
    with pytest.raises(StoreError, match="label something first"):
        LabelStore(where, create=False)


def test_store_from_a_newer_version_is_refused_in_one_line(location, backend):
    LabelStore(location).append(_ev("a"))
    if backend == "sqlite":
        import sqlite3

        with sqlite3.connect(location) as db:
            db.execute("PRAGMA user_version=99")
    else:
        import psycopg

        with psycopg.connect(location, autocommit=True) as db:
            db.execute("UPDATE modkit_meta SET value = '99' WHERE key = 'store_version'")
    with pytest.raises(StoreError) as err:
        LabelStore(location)
    assert "format 99 is newer than this modkit understands (1); upgrade modkit" in str(err.value)
    assert "\n" not in str(err.value)


def _append_many(location, reviewer, n):
    store = LabelStore(location)
    for i in range(n):
        store.append(_ev(f"item{i}", reviewer, labels={"toxic": i % 2 == 0, "conspiracy": False}))
    store.close()


def _fork():
    # fork: the children need not import this test module (spawn fails under the pytest script)
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def _run_all(target, args_list):
    procs = [_fork().Process(target=target, args=args) for args in args_list]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    assert [p.exitcode for p in procs] == [0] * len(procs)


def test_four_writers_200_decisions_each_lose_nothing_and_duplicate_nothing(location):
    LabelStore(location).close()
    who = ("ana", "ben", "cy", "dee")
    _run_all(_append_many, [(location, w, 200) for w in who])
    events = list(LabelStore(location).events())
    assert len(events) == 800
    assert len({e.event_id for e in events}) == 800
    assert Counter((e.reviewer, e.item_id) for e in events) == Counter({(w, f"item{i}"): 1 for w in who
                                                                        for i in range(200)})


def _review_shared(location, reviewer, items, copies):
    """A reviewer working a shared queue: take the next item, decide it, until none is left."""
    store = LabelStore(location)
    while (item := store.claim(items, reviewer, copies=copies)) is not None:
        store.append(_ev(item, reviewer))
    store.close()


def test_single_review_queue_serves_each_item_once_across_four_processes(location):
    items = [f"i{n:03d}" for n in range(800)]
    LabelStore(location).close()
    _run_all(_review_shared, [(location, w, items, 1) for w in ("ana", "ben", "cy", "dee")])
    events = list(LabelStore(location).events())
    by_item = Counter(e.item_id for e in events)
    assert len(events) == 800 and set(by_item) == set(items) and set(by_item.values()) == {1}


def test_double_review_queue_serves_each_item_to_two_reviewers_and_no_more(location):
    items = [f"i{n:03d}" for n in range(150)]
    LabelStore(location).close()
    _run_all(_review_shared, [(location, w, items, 2) for w in ("ana", "ben", "cy", "dee")])
    events = list(LabelStore(location).events())
    pairs = Counter((e.item_id, e.reviewer) for e in events)
    assert set(pairs.values()) == {1}  # nobody decided an item twice
    per_item = Counter(item for item, _ in pairs)
    assert len(events) == 300 and set(per_item) == set(items) and set(per_item.values()) == {2}


def test_claims_follow_decisions_skips_undos_and_leases(location):
    s = LabelStore(location)
    q = ["a", "b", "c"]
    assert s.claim(q, "ana") == "a"
    assert s.claim(q, "ana") == "a"  # a resumed session gets back the item it was showing
    assert s.claim(q, "ben") == "b"  # a is ana's while she decides it
    s.append(_ev("a", "ana"))
    assert s.claim(q, "ana") == "c"  # b is ben's
    skip = s.append(_ev("b", "ben", "skip"))
    assert skip > 0 and s.claim(q, "cy") == "b"  # a skip hands the item back at once
    assert s.claim(q, "dee") is None  # a decided, b and c claimed: nothing left for a single review
    assert s.claim(q, "dee", copies=2) == "a"  # double review: a has one reviewer, so one more
    assert s.release("cy") == 1 and s.claim(q, "eve") == "b"
    # An undone decision no longer holds the item.
    lab = s.append(_ev("c", "ana"))
    s.release("ana")
    assert s.claim(["c"], "fay") is None
    s.append(Event("c", "hc", "ana", "undo", target_event=lab))
    assert s.claim(["c"], "fay") == "c"
    # A lease that ran out frees the item for others (lease=-1: expired when taken).
    assert s.claim(["z"], "gus", lease=-1) == "z" and s.claim(["z"], "hal") == "z"
    with pytest.raises(ValueError, match="copies"):
        s.claim(q, "ana", copies=0)


_REVIEWER = textwrap.dedent("""
    import sys
    from modkit.review.store import Event, LabelStore, StoreError
    store = LabelStore(sys.argv[1])
    items = [f"i{n}" for n in range(100)]
    for line in sys.stdin:
        try:
            item = store.claim(items, "ana")
            eid = store.append(Event(item, "h", "ana", "label", {"toxic": line.strip() == "t", "conspiracy": False}))
        except StoreError as exc:
            print(f"Error: {exc}", file=sys.stderr, flush=True)
            sys.exit(1)
        print(f"confirmed {eid} {item}", flush=True)  # what the reviewer sees before the next reply
""")


def _start_reviewer(location):
    return subprocess.Popen([sys.executable, "-c", _REVIEWER, location], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def _decide(proc, key):
    proc.stdin.write(key + "\n")
    proc.stdin.flush()
    return proc.stdout.readline().split()


def test_kill_9_mid_session_keeps_every_confirmed_decision(location):
    LabelStore(location).close()
    proc = _start_reviewer(location)
    confirmed = [_decide(proc, k) for k in "tftft"]
    assert all(c[0] == "confirmed" for c in confirmed)
    proc.stdin.write("t\n")  # a sixth decision in flight, never confirmed
    proc.stdin.flush()
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    events = {e.event_id: e for e in LabelStore(location).events()}
    for _, eid, item in confirmed:
        assert events[int(eid)].item_id == item
    assert [events[int(eid)].labels["toxic"] for _, eid, _ in confirmed] == [True, False, True, False, True]
    assert len(events) in (5, 6)  # the unconfirmed one may or may not have landed, never half


def test_server_restart_mid_session_is_one_clear_error_and_loses_nothing_confirmed(pg):
    location = pg.create_database().replace("modkit@", f"modkit:{PASSWORD}@")
    LabelStore(location).close()
    proc = _start_reviewer(location)
    confirmed = [_decide(proc, k) for k in "tf"]
    pg.restart()
    proc.stdin.write("t\n")
    proc.stdin.close()
    assert proc.wait(60) == 1
    err = proc.stderr.read()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"Error: {redact(location)}: ") and "lost the connection to the label store" in err
    assert PASSWORD not in err
    events = {e.event_id: e.item_id for e in LabelStore(location).events()}
    assert {int(eid): item for _, eid, item in confirmed} == events


def _sample_store(location):
    s = LabelStore(location)
    a = s.append(Event("a", "ha", "ana", "label", {"toxic": True, "conspiracy": False}, thread_id="t1",
                       guideline_version="2", scores={"toxicity": 0.9123456789012345}, session="x"))
    s.append(Event("a", "ha", "ana", "undo", target_event=a, session="x"))
    s.append(Event("a", "ha", "ana", "label", {"toxic": False, "conspiracy": True}, note="cabal ✓ \"quoted\""))
    s.append(Event("a", "ha", "ben", "label", {"toxic": False, "conspiracy": False}))
    s.append(Event("a", "ha", "lead", "adjudicate", {"toxic": False, "conspiracy": True}))
    s.append(Event("b", "hb", "ben", "flag"))
    s.append(Event("b", "hb", "ben", "skip"))
    return s


@pytest.mark.parametrize("there", BACKENDS)
def test_migrate_round_trips_a_store_exactly_and_idempotently(location, backend, there, pg, tmp_path):
    src = _sample_store(location)
    mid = str(tmp_path / "mid.sqlite") if there == "sqlite" else pg.create_database()
    back = str(tmp_path / "back.sqlite") if backend == "postgresql" else pg.create_database()
    assert migrate(src, mid).copied == 7
    again = migrate(src, mid)
    assert (again.copied, again.already) == (0, 7)
    assert migrate(mid, back).copied == 7
    original = list(src.events())
    assert list(LabelStore(mid).events()) == original == list(LabelStore(back).events())
    assert derive(LabelStore(back).events()).final("a") == {"toxic": False, "conspiracy": True}
    # New decisions after a copy: only they are copied next time, and the copies go on numbering after them.
    src.append(Event("c", "hc", "cy", "label", {"toxic": True, "conspiracy": False}))
    assert migrate(src, mid).copied == 1
    dst = LabelStore(mid)
    new_id = dst.append(Event("d", "hd", "dee", "skip"))
    assert new_id > max(e.event_id for e in src.events())


def test_migrate_refuses_diverged_stores_and_writes_nothing(location, tmp_path):
    _sample_store(location).close()
    other = LabelStore(tmp_path / "other.sqlite")
    other.append(Event("zz", "h", "zed", "label", {"toxic": True, "conspiracy": False}))
    with pytest.raises(StoreError, match="event 1 differs .* the stores have diverged; nothing was copied"):
        migrate(location, other)
    assert [e.item_id for e in other.events()] == ["zz"]


def test_labels_migrate_command_and_credentials_never_printed(pg, tmp_path):
    src = tmp_path / "mine.sqlite"
    _sample_store(str(src)).close()
    url = pg.create_database().replace("modkit@", f"modkit:{PASSWORD}@")
    r = runner.invoke(app, ["labels", "migrate", str(src), url])
    assert r.exit_code == 0, r.stderr
    assert "copied 7 events" in r.stderr and PASSWORD not in r.stdout + r.stderr and "modkit:***@" in r.stderr
    r = runner.invoke(app, ["labels", "migrate", str(src), url])
    assert r.exit_code == 0 and "copied 0 events (7 already there)" in r.stderr
    # The team store works wherever --store is accepted, MODKIT_STORE included.
    r = runner.invoke(app, ["labels", "agreement"], env={"MODKIT_STORE": url})
    assert r.exit_code == 0, r.stderr
    assert "Krippendorff's α" in r.stdout
    r = runner.invoke(app, ["label", "c", "--reviewer", "ana", "--label", "fine", "--store", url])
    assert r.exit_code == 0, r.stderr
    assert [e.item_id for e in LabelStore(url).events()][-1] == "c"
    # A server that is not there: one line, no password, nothing written anywhere.
    down = url.replace(f":{pg.port}/", ":1/")
    r = runner.invoke(app, ["labels", "agreement", "--store", down])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("Error: postgresql://modkit:***@127.0.0.1:1/") and PASSWORD not in r.stderr
    r = runner.invoke(app, ["labels", "migrate", str(src), down])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and PASSWORD not in r.stderr


def test_bad_urls_are_one_clear_line_without_the_password():
    for url in (f"postgresql://ana:{PASSWORD}@127.0.0.1:notaport/db",
                f"postgresql://ana@127.0.0.1:1/db?password={PASSWORD}&connect_timeout=2"):
        with pytest.raises(StoreError) as err:
            LabelStore(url)
        msg = str(err.value)
        assert PASSWORD not in msg and "\n" not in msg and msg.startswith("postgresql://ana"), msg


def test_export_from_a_team_store_keeps_pseudonyms_stable_and_the_url_out(pg, tmp_path):
    import pandas as pd

    from modkit.review import export_labels, label

    df = pd.DataFrame({"comment_id": ["a", "b"], "thread_id": ["t1", "t2"], "author": ["ann", "bob"],
                       "text": ["you idiot", "fine"], "toxicity": [0.9, 0.1], "flagged": [True, False]})
    url = pg.create_database().replace("modkit@", f"modkit:{PASSWORD}@")
    s = LabelStore(url)
    label(s, "a", "ana", "toxic", df)
    label(s, "b", "ana", "fine", df)
    first = export_labels(s, df, tmp_path / "one.csv", split=None)
    second = export_labels(LabelStore(url), df, tmp_path / "two.csv", split=None)
    import modkit.tables as tables

    authors = [tables.read_table(p["data"])["author"].tolist() for p in (first, second)]
    assert authors[0] == authors[1] and "ann" not in authors[0]
    for p in (*first.values(), *second.values()):
        text = p.read_text()
        assert PASSWORD not in text and "127.0.0.1" not in text
    assert not list(tmp_path.glob("*.salt")) and not (ROOT / "postgresql:").exists()
