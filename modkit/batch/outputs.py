"""Partitioned Parquet parts of scored replies, written so a crash never leaves half a part.

Layout: ``OUT/scores/run=<run_id>/part-<n>.parquet`` (hive-style, so
``pandas.read_parquet(OUT/scores)`` reads every part and adds a ``run`` column).
Each row is a scored reply with ``thread_id`` and ``page`` (the page's path relative
to the input directory) as columns; a page's rows all sit in one part.

A part is written to ``OUT/.staging/`` and fsynced, recorded in the manifest, then
renamed into ``OUT/scores``: a part in ``scores`` is complete, and one not yet
recorded never appears there. When a changed page is scored again, its old part is
rewritten without the page's rows (or deleted when nothing in it is still live).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from modkit.model import CONSPIRACY_CUES, FLAG_REASONS, FLAGGED, TIMESTAMP
from modkit.tables import COMMENT_SCHEMA, utc_timestamps

__all__ = ["PAGE", "SCORES_DIR", "STAGING_DIR", "part_name", "to_arrow", "stage_part", "publish",
           "rewrite_without_stale", "stray_files", "read_threads"]

log = logging.getLogger(__name__)

PAGE = "page"
SCORES_DIR = "scores"
STAGING_DIR = ".staging"
_PART_RE = re.compile(r"^run=[^/]+/part-\d+\.parquet$")

#: Fixed types for columns whose type pandas cannot infer from an all-empty part; every
#: part then has the same schema and the directory reads as one table.
_KNOWN_TYPES: dict[str, pa.DataType] = {
    **{f.name: f.type for f in COMMENT_SCHEMA},
    PAGE: pa.string(),
    FLAGGED: pa.bool_(),
    FLAG_REASONS: pa.list_(pa.string()),
    CONSPIRACY_CUES: pa.list_(pa.struct([("kind", pa.string()), ("start", pa.int64()),
                                         ("end", pa.int64()), ("text", pa.string())])),
    "toxicity_scorer": pa.string(),
    "conspiracy_scorer": pa.string(),
}


def part_name(run_id: str, n: int) -> str:
    """The part's path relative to ``OUT/scores``.

    Examples
    --------
    >>> part_name("20260101T000000Z", 3)
    'run=20260101T000000Z/part-00003.parquet'
    """
    return f"run={run_id}/part-{n:05d}.parquet"


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """A scored frame as an Arrow table with the fixed types (scores are float64).

    Examples
    --------
    >>> t = to_arrow(pd.DataFrame({"text": ["a"], "parent_id": [None], "toxicity": [0.5],
    ...                            "flag_reasons": [[]]}))
    >>> [str(f.type) for f in t.schema]
    ['string', 'string', 'double', 'list<item: string>']
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for f in table.schema:
        kind = _KNOWN_TYPES.get(f.name)
        if kind is None:
            kind = pa.string() if pa.types.is_null(f.type) or pa.types.is_large_string(f.type) else f.type
        fields.append(pa.field(f.name, kind))
    return table.cast(pa.schema(fields))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durable(table: pa.Table, path: Path) -> None:
    """Write to a temporary name, fsync, rename: ``path`` is either complete or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def staged_path(out_dir: Path, part: str) -> Path:
    return Path(out_dir) / STAGING_DIR / part.replace("/", "__")


def stage_part(frame: pd.DataFrame, out_dir: Path, part: str) -> Path:
    """Write a part, durably, to the staging folder (not yet visible in ``OUT/scores``)."""
    path = staged_path(out_dir, part)
    _write_durable(to_arrow(frame), path)
    return path


def publish(out_dir: Path, part: str) -> bool:
    """Move a staged (and recorded) part into ``OUT/scores``; ``False`` when nothing was staged."""
    src, dst = staged_path(out_dir, part), Path(out_dir) / SCORES_DIR / part
    if not src.exists():
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)
    _fsync_dir(dst.parent)
    return True


def rewrite_without_stale(out_dir: Path, part: str, live: set[str], moves: Mapping[str, str] | None = None) -> int:
    """Keep only the rows of ``live`` pages in a part; returns the rows left (0: part deleted).

    ``moves`` (old path -> new path) renames the rows of pages moved since they were
    scored, in their ``page`` column and at the end of their ``source``. Applying it
    twice changes nothing, so a rewrite cut short by a kill is simply done again.
    """
    path = Path(out_dir) / SCORES_DIR / part
    if not path.exists():
        return 0
    if not live:
        path.unlink()
        _fsync_dir(path.parent)
        return 0
    table = pq.read_table(path)
    changed = False
    if moves:
        pages = table[PAGE].to_pylist()
        if any(p in moves for p in pages):
            changed = True
            table = table.set_column(table.schema.get_field_index(PAGE), PAGE,
                                     pa.array([moves.get(p, p) for p in pages], pa.string()))
            if "source" in table.column_names:
                sources = [_moved_source(s, old, moves) for s, old in zip(table["source"].to_pylist(), pages,
                                                                          strict=True)]
                table = table.set_column(table.schema.get_field_index("source"), "source",
                                         pa.array(sources, pa.string()))
    mask = pc.is_in(table[PAGE], value_set=pa.array(sorted(live), pa.string()))
    kept = table.filter(mask)
    if changed or kept.num_rows != table.num_rows:
        _write_durable(kept, path)
    return kept.num_rows


def _moved_source(source: str | None, page: str, moves: Mapping[str, str]) -> str | None:
    """The file path a row names, after its page moved (unchanged when it does not end with the page).

    Examples
    --------
    >>> _moved_source("/in/a.html", "a.html", {"a.html": "old/a.html"})
    '/in/old/a.html'
    """
    if page not in moves or not source or not source.endswith(page):
        return source
    return source[: len(source) - len(page)] + moves[page]


def stray_files(out_dir: Path, known_parts: Iterable[str]) -> list[Path]:
    """Staged files and part files the manifest does not know: leftovers of a killed run."""
    out_dir = Path(out_dir)
    known = set(known_parts)
    strays = [p for p in (out_dir / STAGING_DIR).glob("*") if p.is_file()]
    scores = out_dir / SCORES_DIR
    for p in scores.glob("run=*/*"):
        rel = p.relative_to(scores).as_posix()
        half_written = p.name.startswith(".") and ".tmp" in p.name
        if half_written or (_PART_RE.match(rel) and rel not in known):
            strays.append(p)
    return strays


def part_threads(out_dir: Path, part: str) -> dict[str, int]:
    """The threads of one published part and their row counts."""
    import pyarrow.parquet as pq

    column = pq.read_table(Path(out_dir) / SCORES_DIR / part, columns=["thread_id"]).column("thread_id")
    return pd.Series(column.to_pylist()).value_counts().to_dict()


def threads_of_pages(out_dir: Path, pages: Iterable[str]) -> set[str]:
    """The thread ids of the current rows of some pages."""
    wanted = sorted(set(pages))
    scores = Path(out_dir) / SCORES_DIR
    if not wanted or not any(scores.glob("run=*/part-*.parquet")):
        return set()
    import pyarrow.dataset as ds

    table = ds.dataset(scores, format="parquet", partitioning="hive").to_table(
        columns=["thread_id"], filter=ds.field(PAGE).isin(wanted))
    return set(table.column("thread_id").to_pylist())


def threads_present(out_dir: Path, thread_ids: Iterable[str]) -> set[str]:
    """Which of ``thread_ids`` still have rows."""
    return set(read_threads(out_dir, thread_ids).get("thread_id", pd.Series(dtype=object)).unique())


def read_threads(out_dir: Path, thread_ids: Iterable[str]) -> pd.DataFrame:
    """The current scored rows of some threads, read back from ``OUT/scores``; ``timestamp`` in UTC.

    Parts from before ``timestamp`` was a Parquet timestamp column (ISO strings) read
    back alongside newer parts.
    """
    ids = sorted(set(thread_ids))
    scores = Path(out_dir) / SCORES_DIR
    if not ids or not any(scores.glob("run=*/part-*.parquet")):
        return pd.DataFrame()
    import pyarrow.dataset as ds

    dataset = ds.dataset(scores, format="parquet", partitioning="hive")
    if TIMESTAMP in dataset.schema.names:
        # Parts written before timestamps were typed hold ISO strings: read every part's as text
        # (a typed one casts to ISO text too), then type the column.
        schema = dataset.schema.set(dataset.schema.get_field_index(TIMESTAMP), pa.field(TIMESTAMP, pa.string()))
        dataset = ds.dataset(scores, format="parquet", partitioning="hive", schema=schema)
    frame = dataset.to_table(filter=ds.field("thread_id").isin(ids)).to_pandas()
    if TIMESTAMP in frame.columns:
        frame[TIMESTAMP] = utc_timestamps(frame[TIMESTAMP])
    return frame
