"""The comments table's ``timestamp``: ``datetime64[ns, UTC]`` in pandas, a UTC timestamp in Parquet,
ISO 8601 text in JSONL and CSV, and older tables with text timestamps still read."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modkit.batch import outputs
from modkit.model import Thread
from modkit.parse import parse_file
from modkit.report import report
from modkit.score import score
from modkit.tables import (
    TIMESTAMP_DTYPE,
    read_comments,
    read_table,
    threads_to_frame,
    write_comments,
    write_table,
)

from .conftest import ASSETS, cid

UTC = "UTC"


@pytest.fixture(scope="module")
def threads() -> list[Thread]:
    # XenForo 2 gives offsets (+01:00), vBulletin 3 prints naive local times and "Today" (unknown).
    return [t for page in (ASSETS / "xenforo_html" / "xf2_page1.html", ASSETS / "vbulletin_html" / "vb3_page2.html")
            for t in parse_file(page)]


def _stamp(frame: pd.DataFrame, thread: Thread, key: str) -> pd.Timestamp:
    return frame.loc[frame["comment_id"] == cid(thread, key), "timestamp"].item()


def test_threads_to_frame_has_a_utc_timestamp_column(threads):
    xf, vb = threads
    frame = threads_to_frame(threads)
    assert frame["timestamp"].dtype == TIMESTAMP_DTYPE
    assert xf.comments[0].timestamp is not None
    # An offset is converted to UTC; a naive time is taken as UTC; an unknown one is NaT.
    assert _stamp(frame, xf, "102") == pd.Timestamp("2021-03-02T08:01:30", tz=UTC)
    assert _stamp(frame, vb, "201") == pd.Timestamp("2013-11-21T14:13:00", tz=UTC)
    assert _stamp(frame, vb, "203") is pd.NaT


@pytest.mark.parametrize("ext", [".parquet", ".jsonl", ".csv"])
def test_comments_tables_read_back_with_the_utc_timestamp_dtype(threads, tmp_path, ext):
    path = tmp_path / f"comments{ext}"
    write_comments(threads, path)
    back = read_comments(path)
    assert back["timestamp"].dtype == TIMESTAMP_DTYPE
    pd.testing.assert_series_equal(back["timestamp"], threads_to_frame(threads)["timestamp"])
    # write_table (what the score stage writes) round-trips too.
    again = read_table(write_table(back, tmp_path / f"again{ext}"))
    pd.testing.assert_series_equal(again["timestamp"], back["timestamp"])


def test_parquet_holds_a_utc_timestamp_and_text_formats_hold_iso_8601_in_utc(threads, tmp_path):
    write_comments(threads, tmp_path / "c.parquet")
    assert pq.read_schema(tmp_path / "c.parquet").field("timestamp").type == pa.timestamp("ns", tz="UTC")
    write_comments(threads, tmp_path / "c.jsonl")
    stamps = [json.loads(line)["timestamp"] for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert "2021-03-02T08:01:30+00:00" in stamps and "2013-11-21T14:13:00+00:00" in stamps and None in stamps
    write_comments(threads, tmp_path / "c.csv")
    assert ",2021-03-02T08:01:30+00:00," in (tmp_path / "c.csv").read_text()


def _old_frame(threads: list[Thread]) -> pd.DataFrame:
    """A comments table as modkit wrote it before timestamps were typed: the pages' ISO strings."""
    return threads_to_frame(threads).assign(timestamp=[c.timestamp for t in threads for c in t.comments])


def test_an_old_parquet_table_with_text_timestamps_still_reads(threads, tmp_path):
    old = _old_frame(threads)
    old.to_parquet(tmp_path / "old.parquet", index=False)
    kind = pq.read_schema(tmp_path / "old.parquet").field("timestamp").type
    assert pa.types.is_string(kind) or pa.types.is_large_string(kind)
    back = read_comments(tmp_path / "old.parquet")
    pd.testing.assert_series_equal(back["timestamp"], threads_to_frame(threads)["timestamp"])
    # Old and new tables concatenate into one typed column.
    both = pd.concat([back, read_comments(Path(write_table(threads_to_frame(threads), tmp_path / "new.parquet")))],
                     ignore_index=True)
    assert both["timestamp"].dtype == TIMESTAMP_DTYPE


@pytest.mark.parametrize("old_first", [True, False])
def test_batch_parts_with_text_and_typed_timestamps_read_back_together(threads, tmp_path, old_first):
    xf, vb = threads
    old = _old_frame([xf]).assign(page="a.html")
    new = threads_to_frame([vb]).assign(page="b.html")
    runs = ("run=1", "run=2") if old_first else ("run=2", "run=1")
    old_part = outputs.to_arrow(old.assign(timestamp=pd.NaT))
    at = old_part.schema.get_field_index("timestamp")
    old_part = old_part.set_column(at, "timestamp", pa.array(old["timestamp"].tolist(), pa.string()))
    for run, part in zip(runs, (old_part, outputs.to_arrow(new)), strict=True):
        (tmp_path / "scores" / run).mkdir(parents=True)
        pq.write_table(part, tmp_path / "scores" / run / "part-00000.parquet")
    back = outputs.read_threads(tmp_path, [xf.thread_id, vb.thread_id])
    assert back["timestamp"].dtype == TIMESTAMP_DTYPE
    assert _stamp(back, xf, "102") == pd.Timestamp("2021-03-02T08:01:30", tz=UTC)
    assert _stamp(back, vb, "201") == pd.Timestamp("2013-11-21T14:13:00", tz=UTC)


def test_scored_tables_keep_the_dtype_and_reports_give_iso_8601(threads, tmp_path):
    scored = score(threads_to_frame(threads), toxicity="lite", conspiracy=None)
    assert scored["timestamp"].dtype == TIMESTAMP_DTYPE
    back = read_table(write_table(scored, tmp_path / "scored.parquet"))
    assert back["timestamp"].dtype == TIMESTAMP_DTYPE
    report(back, tmp_path / "reports", formats="json")
    doc = json.loads((tmp_path / "reports" / "threads" / f"{threads[1].thread_id}.json").read_text())
    stamps = {r["comment_id"]: r["timestamp"] for r in doc["replies"]}
    assert stamps[cid(threads[1], "201")] == "2013-11-21T14:13:00+00:00"
    assert stamps[cid(threads[1], "203")] is None
