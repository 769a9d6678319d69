"""The full-screen reviewer in a real pseudo-terminal: `modkit review` and `modkit labels adjudicate`
run as subprocesses, keys go in as a terminal sends them, and the screen is read back through a
terminal emulator (pyte), so assertions are about what a moderator would see."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pandas as pd
import pyte
import pytest

from modkit.review import LabelStore, label, load_labels
from modkit.tables import write_table

from .conftest import ROOT

#: Seconds to wait for a screen before failing (a hang guard, not a speed requirement).
PATIENCE = 90


class Terminal:
    """A modkit command on a pseudo-terminal of ``cols`` x ``rows``, its screen emulated."""

    def __init__(self, args: list[str], env: dict[str, str], cols: int = 100, rows: int = 30):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.proc = subprocess.Popen([sys.executable, "-m", "modkit", *args], stdin=slave, stdout=slave,
                                     stderr=slave, cwd=ROOT, close_fds=True, start_new_session=True,
                                     env={**os.environ, "TERM": "xterm-256color", **env})
        os.close(slave)
        self.raw = b""

    def _pump(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return False
        self.raw += data
        self.stream.feed(data)
        return bool(data)

    @property
    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, *needles: str) -> str:
        """Read output until every needle is on screen at once; the screen text."""
        deadline = time.monotonic() + PATIENCE
        while not all(n in self.text for n in needles):
            assert time.monotonic() < deadline, f"never showed {needles!r}; screen:\n{self.text}"
            if not self._pump(0.2) and self.proc.poll() is not None:
                raise AssertionError(f"exited {self.proc.returncode} before showing {needles!r}:\n{self.text}")
        return self.text

    def wait_until(self, check, what: str) -> str:
        """Read output until ``check(screen text)`` holds; the screen text."""
        deadline = time.monotonic() + PATIENCE
        while not check(self.text):
            assert time.monotonic() < deadline, f"never showed {what}; screen:\n{self.text}"
            if not self._pump(0.2) and self.proc.poll() is not None:
                raise AssertionError(f"exited before showing {what}:\n{self.text}")
        return self.text

    def send(self, keys: str | bytes) -> None:
        os.write(self.master, keys.encode() if isinstance(keys, str) else keys)

    def finish(self) -> int:
        """Wait for the command to exit (draining its output); its exit code."""
        deadline = time.monotonic() + PATIENCE
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, f"did not exit; screen:\n{self.text}"
            self._pump(0.1)
        while self._pump(0.05) and select.select([self.master], [], [], 0)[0]:
            pass
        os.close(self.master)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


@pytest.fixture
def scored(tmp_path):
    df = pd.DataFrame({
        "comment_id": ["a", "b", "c", "d", "e"],
        "thread_id": ["t1", "t1", "t1", "t2", "t3"],
        "parent_id": [None, "a", "a", None, None],
        "position": [0, 1, 2, 0, 0],
        "author": ["ann", "bob", None, "dee", "eve"],
        "text": ["You are an idiot", "It was all planned by them", "fine point", "ok", "what"],
        "toxicity": [0.95, 0.3, 0.1, 0.52, 0.2],
        "conspiracy": [0.05, 0.9, 0.0, 0.1, 0.48],
        "conspiracy_cues": [[], [{"kind": "secret_plot", "start": 11, "end": 18, "text": "planned"}], [], [], []],
        "flagged": [True, True, False, True, False],
        "url": ["https://example.org/t1#a", "https://example.org/t1#b", None, None, None],
    })
    return df, write_table(df, tmp_path / "scored.parquet")


def _review(path, store, *extra, cols=100, rows=30, command=("review",), reviewer="ana") -> Terminal:
    return Terminal([*command, str(path), "--reviewer", reviewer, "--store", str(store), *extra],
                    env={}, cols=cols, rows=rows)


def _labels(store):
    return [(e.item_id, e.action, e.labels) for e in LabelStore(store).events()]


def test_decide_shows_context_link_and_echo_and_records_one_event(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    term = _review(path, store)
    try:
        screen = term.wait_for("1 of 3", "You are an idiot")
        assert "https://example.org/t1#a" in screen and "thread t1 · #1 of 3" in screen
        assert "t toxic" in screen and "q quit" in screen  # the key map is on screen
        term.send("t")
        screen = term.wait_for("2 of 3")
        assert "recorded toxic for #1 by ann (a)" in screen
        assert "toxic 1 · conspiracy 0 · both 0 · fine 0 · skipped 0" in screen
        assert "↳ #1 ann: You are an idiot" in screen  # b's parent chain
        assert "anonymous" in screen and "nan" not in screen  # c, without an author, in the thread pane
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    assert _labels(store) == [("a", "label", {"toxic": True, "conspiracy": False})]
    assert b"\x1b[?1049h" in term.raw  # drawn on the alternate screen, not appended to the scrollback


def test_escape_sequences_pastes_and_upper_case_keys_record_nothing(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    term = _review(path, store)
    junk = [b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D",            # arrows
            b"\x1b[H", b"\x1b[F", b"\x1b[1~", b"\x1b[4~",           # Home/End, both encodings
            b"\x1bOP", b"\x1b[11~", b"\x1b[15;2~",                   # F1 (two encodings), Shift-F5
            b"\x1b[200~tcbf tcbf\x1b[201~",                          # a bracketed paste of answer keys
            b"TCBFSU",                                                # upper-case answer keys
            b"\x1b[116u", b"\x1b[?1;2c", b"\x1b]11;rgb:0/0/0\x07",   # sequences it does not know
            b"\x1bt"]                                                 # Alt-t
    try:
        term.wait_for("1 of 3")
        for seq in junk:
            term.send(seq)
        term.send("x")  # a real key after the junk: once its echo shows, every byte before it was read
        screen = term.wait_for("flagged #1 by ann (a)")
        assert "1 of 3" in screen  # still on the first reply
        term.send("x")
        term.wait_for("unflagged #1")
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    assert [a for _, a, _ in _labels(store)] == ["flag", "unflag"]  # no label, skip or undo
    assert load_labels(LabelStore(store)).decisions == {}


def test_undo_reaches_into_an_earlier_session_and_resume_skips_decided(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    term = _review(path, store)
    try:
        term.wait_for("1 of 3")
        term.send("t")
        term.wait_for("2 of 3")
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    term = _review(path, store)
    try:
        screen = term.wait_for("1 of 2", "It was all planned")  # resumed: a is decided, b comes first
        assert "── bob #2" in screen and "toxic 1" in screen
        term.send("u")
        screen = term.wait_for("undid toxic for #1 by ann (a)")
        assert "── ann #1" in screen and "toxic 0" in screen  # the counters follow the undo
        term.send("b")
        term.wait_for("recorded both for #1")
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    assert load_labels(LabelStore(store)).final("a") == {"toxic": True, "conspiracy": True}


def test_search_and_jump_by_number_and_id(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    term = _review(path, store)
    try:
        term.wait_for("1 of 3")
        term.send("/")
        term.wait_for("search")
        term.send("PLANNED\r")
        screen = term.wait_for("found 'PLANNED' in #2 by bob (b)")
        assert "── bob #2" in screen
        term.send("j")
        term.wait_for("jump to")
        term.send("#3\r")  # the number the reports print, in the current thread
        screen = term.wait_for("jumped to #3 by anonymous (c)")
        assert "fine point" in screen and "── anonymous #3" in screen
        term.send("f")  # c was not in the flagged queue: jumping put it there
        term.wait_for("recorded fine for #3")
        term.send("j")
        term.wait_for("jump to")
        term.send("e\r")  # by comment id
        term.wait_for("jumped to #1 by eve (e)")
        term.send("j")
        term.wait_for("jump to")
        term.send("#99\r")
        term.wait_for("no reply '#99' here")
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    assert _labels(store) == [("c", "label", {"toxic": False, "conspiracy": False})]


def test_a_reply_longer_than_the_screen_scrolls_under_a_fixed_header(tmp_path):
    lines = [f"line {i:03d} of a very long reply" for i in range(1, 201)]
    df = pd.DataFrame({"comment_id": ["p", "r"], "thread_id": "t", "parent_id": [None, "p"],
                       "author": ["op", "ranter"], "title": "A long thread", "text": ["the parent", "\n".join(lines)],
                       "toxicity": [0.1, 0.9], "flagged": [False, True]})
    path = write_table(df, tmp_path / "long.parquet")
    store = tmp_path / "l.sqlite"
    term = _review(path, store, cols=80, rows=24)
    try:
        screen = term.wait_for("line 001", "more lines")
        assert "line 200" not in screen.split("── thread")[0] and "A long thread" in screen and "↳ #1 op: the parent" in screen
        term.send("\x1b[F")  # End
        screen = term.wait_for("line 200 of a very long reply")
        reply = screen.split("── thread")[0]
        assert "A long thread" in reply and "↳ #1 op: the parent" in reply and "line 001" not in reply
        assert "1 of 1" in screen
        term.send("\x1b[5~")  # Page Up
        term.wait_for("↓")
        term.send("t")
        term.wait_for("recorded toxic for #2 by ranter (r)")
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    assert _labels(store) == [("r", "label", {"toxic": True, "conspiracy": False})]


def test_guidelines_open_in_an_overlay_that_scrolls_and_closes(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    term = _review(path, store, cols=80, rows=24)
    try:
        term.wait_for("1 of 3")
        term.send("g")
        term.wait_for("guidelines v1.0", "# modkit labelling guidelines", "more lines")
        term.send("\x1b[6~")  # Page Down inside the overlay
        term.wait_until(lambda s: "# modkit labelling guidelines" not in s, "the guidelines scrolled")
        term.send("t")  # not an answer while reading the guidelines
        term.send("g")
        term.wait_for("1 of 3", "You are an idiot")
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    assert _labels(store) == []
    assert b"Version: 1.0" not in term.raw.split(b"\x1b[?1049l")[-1]  # nothing left in the scrollback


def test_adjudication_shows_each_reviewer_label_and_note_side_by_side(scored, tmp_path):
    df, path = scored
    store = tmp_path / "l.sqlite"
    s = LabelStore(store)
    label(s, "b", "ana", "conspiracy", df, note="they say it was planned")
    label(s, "b", "ben", "fine", df, note="just a figure of speech")
    label(s, "a", "ana", "toxic", df)
    label(s, "a", "ben", "toxic", df)
    s.close()
    term = _review(path, store, command=("labels", "adjudicate"), reviewer="lead")
    try:
        screen = term.wait_for("1 of 1", "reviewer")
        rows = [line for line in screen.splitlines() if "ana" in line or "ben" in line]
        assert any("conspiracy" in r and "they say it was planned" in r for r in rows if "ana" in r)
        assert any("fine" in r and "just a figure of speech" in r for r in rows if "ben" in r)
        term.send("c")
        screen = term.wait_for("recorded conspiracy for #2 by bob (b)")
        assert "0 disagreements left" in screen
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    state = load_labels(LabelStore(store))
    assert state.disagreements() == [] and state.final("b") == {"toxic": False, "conspiracy": True}


def test_thread_option_and_report_queue_that_threads_evidence_first(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    term = _review(path, store, "--thread", "t2")
    try:
        screen = term.wait_for("1 of 3")
        assert "── dee #1" in screen
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    report = tmp_path / "t1.json"
    report.write_text(json.dumps({"kind": "modkit.thread_report", "thread": {"thread_id": "t1"},
                                  "top_evidence": [{"reply": {"comment_id": "b"}}], "replies": []}))
    term = _review(path, store, "--from-report", str(report), "--only", "all")
    try:
        screen = term.wait_for("1 of 5")
        assert "── bob #2" in screen
        term.send("o")
        assert "── ann #1" in term.wait_for("2 of 5")
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()


def test_keys_are_configurable_and_shown(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    term = _review(path, store, "--keys", "toxic=y,fine=n,note=m")
    try:
        screen = term.wait_for("1 of 3")
        assert "y toxic" in screen and "n fine" in screen
        term.send("t")  # no longer bound
        term.wait_for("'t' is not a key")
        term.send("y")
        term.wait_for("recorded toxic for #1")
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    assert _labels(store) == [("a", "label", {"toxic": True, "conspiracy": False})]


def test_kill_9_keeps_every_decision_confirmed_on_screen(scored, tmp_path):
    _, path = scored
    store = tmp_path / "l.sqlite"
    term = _review(path, store, "--only", "all")
    try:
        term.wait_for("1 of 5")
        term.send("t")
        term.wait_for("2 of 5")
        term.send("f")
        term.wait_for("3 of 5")  # the second decision was confirmed by showing the next reply
        os.kill(term.proc.pid, signal.SIGKILL)
        term.proc.wait(30)
    finally:
        term.kill()
        os.close(term.master)
    labels = [lab for _, _, lab in _labels(store)]
    assert labels == [{"toxic": True, "conspiracy": False}, {"toxic": False, "conspiracy": False}]


def test_the_parent_chain_is_collapsed_to_three_and_expands_in_full(tmp_path):
    n = 6
    df = pd.DataFrame({"comment_id": [f"r{i}" for i in range(n)], "thread_id": "t",
                       "parent_id": [None] + [f"r{i}" for i in range(n - 1)], "position": range(n),
                       "author": [f"u{i}" for i in range(n)],
                       "text": [f"reply {i} " + "blah " * 60 + f"END{i}" for i in range(n)],
                       "toxicity": [0.1] * (n - 1) + [0.9], "flagged": [False] * (n - 1) + [True]})
    path = write_table(df, tmp_path / "deep.parquet")
    term = _review(path, tmp_path / "l.sqlite", cols=120, rows=40)
    try:
        screen = term.wait_for("── u5 #6")
        assert "↑ 2 more ancestors (e expands the chain)" in screen
        assert "↳ #3 u2: reply 2" in screen and "#1 u0" not in screen.split("── thread")[0]
        assert "END4" not in screen.split("── u5")[0]  # parents cut to two lines while collapsed
        term.send("e")
        term.wait_for("parent chain in full")
        term.send("\t")  # the arrows now scroll the parent chain
        term.wait_for("arrows scroll the parent chain")
        term.send("\x1b[F")  # End
        screen = term.wait_until(lambda s: "END4" in s.split("── u5")[0], "the nearest parent in full")
        term.send("\x1b[H")  # Home
        screen = term.wait_until(lambda s: "↳ #1 u0: reply 0" in s, "the root of the chain")
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()


def test_no_link_line_without_a_url_and_bad_keys_are_one_line(scored, tmp_path):
    df, _ = scored
    path = write_table(df.drop(columns=["url"]), tmp_path / "nourl.parquet")
    term = _review(path, tmp_path / "l.sqlite")
    try:
        screen = term.wait_for("1 of 3")
        assert "http" not in screen and "None" not in screen and "nan" not in screen
        term.send("q")
        assert term.finish() == 0
    finally:
        term.kill()
    term = _review(path, tmp_path / "l.sqlite", "--keys", "toxic=f")
    try:
        assert term.finish() == 2
    finally:
        term.kill()
    assert term.raw.decode().strip() == "Error: --keys: 'f' is bound to both toxic and fine"
