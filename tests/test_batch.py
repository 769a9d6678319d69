"""Batch runs: new/changed detection, idempotence, crash recovery, the lock, config errors, engines."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from modkit.batch import RunLockedError, run_batch
from modkit.batch.state import RunLock
from modkit.cli import app
from modkit.errors import ConfigError
from modkit.synth import render_disqus_text

runner = CliRunner()
#: One page per part, so a run writes several parts (what the crash tests need).
TINY_PARTS = {"batch": {"part_bytes": 1, "report_formats": ["md", "json"]}}
#: All pages in one part, so a changed page leaves stale rows in a part shared with others.
ONE_PART = {"batch": {"part_bytes": 1 << 30, "report_formats": ["md"]}}
REPLIES = [(0, "ann", "hello all"), (1, "bob", "shut up, idiot"), (0, "cy", "they staged it, a false flag"),
           (1, "dee", "source?")]


def write_page(path: Path, title: str, replies=REPLIES) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_disqus_text(title, f"About {title}.", replies), encoding="utf-8")


@pytest.fixture
def pages(tmp_path) -> Path:
    d = tmp_path / "pages"
    for i in range(4):
        write_page(d / f"site{i % 2}" / f"p{i}.txt", f"Thread {i}")
    return d


def scores(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "scores")


def canonical(df: pd.DataFrame) -> pd.DataFrame:
    """Rows independent of the run and of part order, for comparing outputs."""
    df = df.drop(columns=["run", "source"]).sort_values("comment_id").reset_index(drop=True)
    return df.astype({c: "object" for c in df.columns if str(df[c].dtype) in ("category", "string")})


def run(pages: Path, tmp_path: Path, config=TINY_PARTS, out="out", **kw):
    return run_batch(pages, tmp_path / "state", tmp_path / out, config, **kw)


def test_batch_scores_every_page_once_and_a_second_run_writes_nothing(pages, tmp_path):
    first = run(pages, tmp_path)
    assert (first.pages_new, first.rows_written, first.parts_written, first.exit_code) == (4, 16, 4, 0)
    assert first.threads_reported == 4
    second = run(pages, tmp_path)
    assert (second.pages_unchanged, second.rows_written, second.threads_reported) == (4, 0, 0)
    df = scores(tmp_path / "out")
    assert len(df) == 16 and df["comment_id"].is_unique
    assert {"thread_id", "page", "toxicity", "conspiracy", "flagged", "run"} <= set(df.columns)
    assert sorted(df["page"].unique()) == ["site0/p0.txt", "site0/p2.txt", "site1/p1.txt", "site1/p3.txt"]
    summary = json.loads((tmp_path / "out" / "runs" / f"{second.run_id}.json").read_text())
    assert summary["pages_unchanged"] == 4 and summary["exit_code"] == 0


def test_batch_rescores_only_new_and_changed_pages_and_drops_their_old_rows(pages, tmp_path):
    run(pages, tmp_path, ONE_PART)
    write_page(pages / "site0" / "p0.txt", "Thread 0", [(0, "ann", "a brand new first reply")])
    write_page(pages / "site9" / "new.txt", "Thread new")
    s = run(pages, tmp_path, ONE_PART)
    assert (s.pages_new, s.pages_changed, s.pages_unchanged, s.rows_written) == (1, 1, 3, 5)
    df = scores(tmp_path / "out")
    assert len(df) == 3 * 4 + 1 + 4 and df["comment_id"].is_unique
    assert df.loc[df["page"] == "site0/p0.txt", "text"].tolist() == ["a brand new first reply"]
    assert s.threads_reported == 2
    index = (tmp_path / "out" / "reports" / "index.md").read_text()
    # the index lists every thread reported so far, not only the ones this run rewrote
    assert all(f"Thread {t}" in index for t in ("new", 0, 1, 2, 3)) and index.count("Thread 0 |") == 1
    # ... and marks the threads this run changed
    assert "| ● Thread 0 |" in index and "| ● Thread new |" in index and "| ● Thread 1 |" not in index
    assert sum(s.threads_by_level.values()) == 5 and s.flagged_replies >= 0
    summary = json.loads((tmp_path / "out" / "runs" / f"{s.run_id}.json").read_text())
    assert summary["threads_by_level"] == s.threads_by_level


def test_batch_does_not_rescore_a_page_whose_mtime_changed_but_content_did_not(pages, tmp_path):
    run(pages, tmp_path)
    os.utime(pages / "site0" / "p0.txt", ns=(1, 1))
    s = run(pages, tmp_path)
    assert (s.pages_unchanged, s.rows_written) == (4, 0)


def test_batch_reports_a_bad_page_and_scores_the_rest(pages, tmp_path):
    (pages / "empty.txt").write_bytes(b"")
    (pages / "binary.txt").write_bytes(bytes(range(256)) * 8)
    s = run(pages, tmp_path)
    assert s.exit_code == 3 and sorted(s.failures) == ["binary.txt", "empty.txt"]
    assert s.pages_scored == 4 and len(scores(tmp_path / "out")) == 16
    again = run(pages, tmp_path)  # failed pages are retried, good ones are not
    assert sorted(again.failures) == ["binary.txt", "empty.txt"] and again.rows_written == 0


def test_cli_batch_exit_code_3_and_json_summary_when_a_page_fails(pages, tmp_path):
    (pages / "empty.txt").write_bytes(b"")
    cfg = tmp_path / "modkit.toml"
    cfg.write_text('[batch]\nreport_formats = ["md"]\n')
    result = runner.invoke(app, ["batch", str(pages), "--state", str(tmp_path / "st"), "-o",
                                 str(tmp_path / "o"), "--config", str(cfg)])
    assert result.exit_code == 3, result.stderr
    assert json.loads(result.stdout)["failures"].keys() == {"empty.txt"}
    assert " ERROR modkit.batch: page empty.txt failed (retried next run): " in result.stderr


KILLER = textwrap.dedent("""
    import os, signal, sys
    import modkit.batch.outputs as outputs
    from modkit.batch import run_batch
    real, calls = outputs.publish, []
    def publish(out, part):
        calls.append(part)
        if len(calls) == 3:  # recorded in the manifest, not yet renamed into scores/
            os.kill(os.getpid(), signal.SIGKILL)
        return real(out, part)
    outputs.publish = publish
    run_batch(sys.argv[1], sys.argv[2], sys.argv[3], {"batch": {"part_bytes": 1, "report_formats": []}})
""")


def test_batch_killed_with_sigkill_mid_run_resumes_to_the_same_outputs(pages, tmp_path):
    proc = subprocess.run([sys.executable, "-c", KILLER, str(pages), str(tmp_path / "state"), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    partial = scores(tmp_path / "out")  # readable: every visible part is complete
    assert len(partial) == 8 and partial["comment_id"].is_unique
    s = run(pages, tmp_path, {"batch": {"part_bytes": 1, "report_formats": []}})
    assert s.recovered["parts_published"] == 1 and s.pages_new == 1
    clean = run_batch(pages, tmp_path / "ref_state", tmp_path / "ref", {"batch": {"report_formats": []}})
    assert clean.rows_written == 16
    pd.testing.assert_frame_equal(canonical(scores(tmp_path / "out")), canonical(scores(tmp_path / "ref")))


def test_batch_failure_before_commit_leaves_no_part_and_the_next_run_finishes(pages, tmp_path, monkeypatch):
    from modkit.batch.state import Manifest

    real, calls = Manifest.commit, []

    def failing_commit(self, *args):
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk went away")
        return real(self, *args)

    monkeypatch.setattr(Manifest, "commit", failing_commit)
    with pytest.raises(OSError):
        run(pages, tmp_path)
    assert len(scores(tmp_path / "out")) == 4
    assert len(list((tmp_path / "out" / ".staging").iterdir())) == 1  # staged, never published
    monkeypatch.setattr(Manifest, "commit", real)
    s = run(pages, tmp_path)
    assert s.recovered["strays_removed"] == 1 and s.pages_new == 3
    df = scores(tmp_path / "out")
    assert len(df) == 16 and df["comment_id"].is_unique


def test_batch_refuses_to_start_while_another_run_holds_the_state(pages, tmp_path):
    with RunLock(tmp_path / "state"):
        with pytest.raises(RunLockedError, match=f"pid {os.getpid()}"):
            run(pages, tmp_path)
        result = runner.invoke(app, ["batch", str(pages), "--state", str(tmp_path / "state"), "-o",
                                     str(tmp_path / "out")])
    assert result.exit_code == 4
    assert result.stderr == (f"Error: another modkit batch run (pid {os.getpid()}) holds "
                             f"{tmp_path / 'state' / 'lock'}; wait for it to finish\n")


@pytest.mark.parametrize(("toml", "message"), [
    ("[batch]\nengin = 'dask'\n", "Error: unknown key 'batch.engin'; valid keys: engine, input_dir, labels, out_dir, "
                                  "page_format, part_bytes, processes, report_formats, retire_deleted, scheduler, "
                                  "state_dir, workers\n"),
    ("[scores]\n", "Error: {cfg}: unknown section [scores]; valid sections: batch, report, score\n"),
    ("[batch]\nworkers = 'two'\n", "Error: batch.workers = 'two' must be a int\n"),
    ("[score]\ntoxicity = 'lyte'\n", "Error: Unknown scorer 'lyte'; did you mean 'lite'? choose one of: "),
    ("[score.thresholds]\ntoxicity = 2\n", "Error: threshold toxicity=2.0 is outside [0, 1]\n"),
    ("[report]\ntoxic_treshold = 0.5\n", "Error: unknown report setting 'toxic_treshold'; valid settings: "),
    ("[batch\n", "Error: {cfg}: cannot read TOML ("),
])
def test_cli_batch_config_errors_are_one_line(pages, tmp_path, toml, message):
    cfg = tmp_path / "modkit.toml"
    cfg.write_text(toml)
    result = runner.invoke(app, ["batch", str(pages), "--state", str(tmp_path / "state"), "-o",
                                 str(tmp_path / "out"), "--config", str(cfg)])
    assert result.exit_code == 2  # a bad setting is bad usage
    assert result.stderr.startswith(message.format(cfg=cfg)) and result.stderr.count("\n") == 1
    assert not (tmp_path / "out" / "scores").exists()


def test_cli_flags_override_the_config_file_paths(pages, tmp_path):
    cfg = tmp_path / "modkit.toml"
    cfg.write_text(f'[batch]\ninput_dir = "{tmp_path / "nowhere"}"\nstate_dir = "{tmp_path / "st"}"\n'
                   f'out_dir = "{tmp_path / "o"}"\nreport_formats = []\n')
    result = runner.invoke(app, ["batch", str(pages), "--config", str(cfg)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows_written"] == 16
    with pytest.raises(ConfigError, match="no state_dir given"):
        run_batch(pages, None, tmp_path / "o")
    result = runner.invoke(app, ["batch", str(pages)])  # the message names the flag to pass
    assert result.exit_code == 2 and "pass --state DIR" in result.stderr
    result = runner.invoke(app, ["batch", str(pages), "--state", str(tmp_path / "s"), "-o", str(tmp_path / "o"),
                                 "--engine", "dsk"])
    assert result.exit_code == 2 and "did you mean 'dask'?" in result.stderr


def test_batch_dask_engine_writes_the_same_outputs_as_the_local_engine(pages, tmp_path):
    pytest.importorskip("distributed")
    config = {"batch": {"part_bytes": 1, "report_formats": ["md", "json"], "workers": 2, "processes": False}}
    local = run_batch(pages, tmp_path / "s1", tmp_path / "local", config)
    dask = run_batch(pages, tmp_path / "s2", tmp_path / "dask", config, engine="dask")
    assert (dask.engine, dask.rows_written, dask.parts_written) == ("dask", local.rows_written, local.parts_written)
    pd.testing.assert_frame_equal(canonical(scores(tmp_path / "local")), canonical(scores(tmp_path / "dask")))
    for path in sorted((tmp_path / "local" / "reports").rglob("*.md")):
        rel = path.relative_to(tmp_path / "local")
        assert path.read_text() == (tmp_path / "dask" / rel).read_text()


def test_batch_skips_its_own_state_and_outputs_inside_the_input_dir(pages, tmp_path):
    first = run_batch(pages, pages / "state", pages / "out", TINY_PARTS)
    again = run_batch(pages, pages / "state", pages / "out", TINY_PARTS)
    assert (first.pages_seen, again.pages_seen, again.rows_written, again.failures) == (4, 4, 0, {})


def test_batch_reports_many_changed_threads_in_groups(pages, tmp_path, monkeypatch):
    import modkit.batch

    monkeypatch.setattr(modkit.batch, "REPORT_ROWS", 4)  # one thread (4 replies) per report call
    s = run(pages, tmp_path)
    assert s.threads_reported == 4
    assert len(list((tmp_path / "out" / "reports" / "threads").glob("*.md"))) == 4


KILL_WHILE = textwrap.dedent("""
    import os, signal, sys
    import modkit.batch as batch
    import modkit.batch.outputs as outputs
    from modkit.batch import run_batch
    where = sys.argv[4]
    if where == "scoring":  # after two parts are published, before any report
        real, calls = outputs.publish, []
        def publish(out, part):
            calls.append(part)
            if len(calls) == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(out, part)
        outputs.publish = publish
    else:  # while reporting: after the first group's reports, before the index is recorded
        real_report, calls = batch.report, []
        def report(*args, **kw):
            calls.append(1)
            out = real_report(*args, **kw)
            os.kill(os.getpid(), signal.SIGKILL)
            return out
        batch.report = report
        batch.REPORT_ROWS = 4  # one thread per group
    run_batch(sys.argv[1], sys.argv[2], sys.argv[3], {"batch": {"part_bytes": 1, "report_formats": ["md", "json"]}})
""")


@pytest.mark.parametrize("where", ["scoring", "reporting"])
def test_a_run_killed_while_scoring_or_reporting_leaves_reports_the_next_run_finishes(pages, tmp_path, where):
    proc = subprocess.run([sys.executable, "-c", KILL_WHILE, str(pages), str(tmp_path / "state"),
                           str(tmp_path / "out"), where], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    cfg = {"batch": {"part_bytes": 1, "report_formats": ["md", "json"]}}
    again = run(pages, tmp_path, cfg)
    assert again.exit_code == 0
    reports = tmp_path / "out" / "reports"
    assert len(list((reports / "threads").glob("*.md"))) == 4  # every scored thread has its report
    index = json.loads((reports / "index.json").read_text())
    assert len(index["threads"]) == 4
    third = run(pages, tmp_path, cfg)  # nothing owed any more: nothing rewritten
    assert third.threads_reported == 0 and len(json.loads((reports / "index.json").read_text())["threads"]) == 4


def test_a_deleted_page_loses_its_rows_report_and_index_line(pages, tmp_path):
    cfg = {"batch": {"part_bytes": 1, "report_formats": ["md", "json"]}}
    first = run(pages, tmp_path, cfg)
    assert first.pages_new == 4
    reports = tmp_path / "out" / "reports"
    gone = pages / "site0" / "p0.txt"
    title = gone.read_text().splitlines()[0]
    gone.unlink()
    second = run(pages, tmp_path, cfg)
    assert second.pages_retired == 1 and second.exit_code == 0
    df = scores(tmp_path / "out")
    assert "site0/p0.txt" not in set(df["page"]) and len(df) == 12
    assert len(list((reports / "threads").glob("*.md"))) == 3
    assert len(json.loads((reports / "index.json").read_text())["threads"]) == 3
    assert title not in (reports / "index.md").read_text()


def test_a_page_moved_into_a_subfolder_is_recognised_by_its_content_not_scored_again(pages, tmp_path):
    run(pages, tmp_path)
    before = canonical(scores(tmp_path / "out"))
    (pages / "site9").mkdir()
    (pages / "site0" / "p0.txt").rename(pages / "site9" / "p0.txt")
    s = run(pages, tmp_path)
    assert s.moved == {"site0/p0.txt": "site9/p0.txt"}
    assert (s.pages_new, s.pages_scored, s.pages_retired, s.pages_missing, s.rows_written) == (0, 0, 0, 0, 0)
    df = scores(tmp_path / "out")
    assert len(df) == 16 and df["comment_id"].is_unique
    moved = df[df["page"] == "site9/p0.txt"]
    assert len(moved) == 4 and moved["source"].str.endswith("site9/p0.txt").all()
    assert "site0/p0.txt" not in set(df["page"])
    after = canonical(df)
    assert after.drop(columns="page").equals(before.drop(columns="page"))  # same rows, same scores
    # the moved thread's report is written again, naming the new place; a third run does nothing
    assert s.threads_reported == 1
    third = run(pages, tmp_path)
    assert (third.moved, third.pages_scored, third.threads_reported) == ({}, 0, 0)


def test_a_moved_page_that_also_changed_or_was_renamed_is_scored_again(pages, tmp_path):
    run(pages, tmp_path)
    (pages / "site0" / "p0.txt").rename(pages / "site0" / "renamed.txt")  # a new name may mean new thread ids
    write_page(pages / "site9" / "p1.txt", "Thread 1", [*REPLIES, (0, "eve", "new")])
    (pages / "site1" / "p1.txt").unlink()
    s = run(pages, tmp_path)
    assert s.moved == {} and s.pages_new == 2 and s.pages_retired == 2
    df = scores(tmp_path / "out")
    assert df["comment_id"].is_unique and len(df) == 17
    assert {"site0/p0.txt", "site1/p1.txt"}.isdisjoint(df["page"])


def test_a_copy_of_a_page_that_is_still_there_is_a_new_page(pages, tmp_path):
    run(pages, tmp_path)
    (pages / "site9").mkdir()
    (pages / "site9" / "p0.txt").write_bytes((pages / "site0" / "p0.txt").read_bytes())
    s = run(pages, tmp_path)
    assert s.moved == {} and s.pages_new == 1 and s.pages_scored == 1


def test_a_run_killed_after_recording_a_move_renames_the_rows_next_time(pages, tmp_path, monkeypatch):
    from modkit.batch import outputs

    run(pages, tmp_path)
    (pages / "site9").mkdir()
    (pages / "site0" / "p0.txt").rename(pages / "site9" / "p0.txt")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies between the manifest's commit and the rewrite

    monkeypatch.setattr(outputs, "rewrite_without_stale", killed)
    with pytest.raises(KeyboardInterrupt):
        run(pages, tmp_path)
    monkeypatch.undo()
    s = run(pages, tmp_path)
    assert s.recovered.get("parts_cleaned") == 1 and s.pages_scored == 0
    df = scores(tmp_path / "out")
    assert len(df[df["page"] == "site9/p0.txt"]) == 4 and "site0/p0.txt" not in set(df["page"])


def test_two_runs_with_different_state_directories_cannot_share_an_output_directory(pages, tmp_path):
    from modkit.batch.state import RunLock, RunLockedError

    with RunLock(tmp_path / "out", ".lock"), pytest.raises(RunLockedError, match="out/.lock"):
        run_batch(pages, tmp_path / "other_state", tmp_path / "out", TINY_PARTS)


def test_batch_reports_follow_the_label_store_named_in_the_config(pages, tmp_path):
    from modkit.review import LabelStore
    from modkit.review import label as record

    first = run(pages, tmp_path)
    df = scores(tmp_path / "out")
    bob = df[(df["author"] == "bob") & (df["title"] == "Thread 0")].iloc[0]
    doc = json.loads(next((tmp_path / "out" / "reports" / "threads").glob("*.json")).read_text())
    assert first.threads_reported == 4 and doc["kind"]
    store = tmp_path / "labels.sqlite"
    record(LabelStore(store), bob["comment_id"], "ana", "toxic", df)
    write_page(pages / "site0" / "p0.txt", "Thread 0", [*REPLIES, (0, "eve", "a new reply")])
    run(pages, tmp_path, {"batch": {**TINY_PARTS["batch"], "labels": str(store)}})
    reports = [json.loads(p.read_text()) for p in (tmp_path / "out" / "reports" / "threads").glob("*.json")]
    reviewed = [r for doc in reports for r in doc["replies"] if r["review"]]
    assert [(r["author"], r["review"]) for r in reviewed] == [("bob", "toxic")]


def test_cli_dask_runs_keep_distributed_chatter_out_of_cron_mail(pages, tmp_path):
    pytest.importorskip("distributed")
    import subprocess
    import sys

    args = [sys.executable, "-m", "modkit", "batch", str(pages), "--state", str(tmp_path / "st"), "-o",
            str(tmp_path / "out"), "--engine", "dask"]
    quiet = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    lines = quiet.stderr.splitlines()
    assert lines and all(" modkit.batch" in line for line in lines), lines  # modkit's own lines only
