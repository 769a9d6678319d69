"""Stage tables in memory and on disk: the only code that reads and writes them.

The output file's extension picks the format: ``.jsonl``, ``.parquet`` or ``.csv``.
:class:`CommentWriter` streams rows in batches so a million-comment dump never
sits in memory as one table; list columns (``quotes``, ``flags``) are Parquet lists,
JSON arrays in JSONL and ``|``-joined strings in CSV.

``timestamp`` is a time zone-aware column: ``datetime64[ns, UTC]`` in pandas (``NaT``
when unknown), ``timestamp[ns, tz=UTC]`` in Parquet, and an ISO 8601 string in UTC in
JSONL and CSV. Pages often print times without a zone; such a naive time is taken as
UTC. Tables written before the column was typed (ISO strings, Parquet included)
are converted when read.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from modkit.errors import ConfigError, SchemaError
from modkit.model import COMMENT_COLUMNS, FLAGS, QUOTES, TIMESTAMP, Comment, Thread
from modkit.parse.timestamps import utc_datetime

FORMATS = (".jsonl", ".parquet", ".csv")
LIST_COLUMNS = (QUOTES, FLAGS)

COMMENT_SCHEMA = pa.schema([
    ("thread_id", pa.string()), ("comment_id", pa.string()), ("parent_id", pa.string()),
    ("depth", pa.int32()), ("position", pa.int32()), ("author", pa.string()),
    ("timestamp", pa.timestamp("ns", tz="UTC")), ("text", pa.string()), ("quotes", pa.list_(pa.string())),
    ("flags", pa.list_(pa.string())), ("source", pa.string()), ("platform", pa.string()),
    ("title", pa.string()), ("url", pa.string()),
])


#: The pandas dtype of the ``timestamp`` column.
TIMESTAMP_DTYPE = pd.DatetimeTZDtype(unit="ns", tz="UTC")


def iso_utc(value: object) -> str | None:
    """A timestamp as it is written to JSONL and CSV: ISO 8601 in UTC (see :func:`utc_datetime`).

    Examples
    --------
    >>> iso_utc("2018-09-27T14:51:09+02:00"), iso_utc(None)
    ('2018-09-27T12:51:09+00:00', None)
    """
    when = utc_datetime(value)
    return when.isoformat() if when is not None else None


def utc_timestamps(values: pd.Series) -> pd.Series:
    """A ``timestamp`` column as ``datetime64[ns, UTC]``: strings parsed, naive times taken as UTC.

    Examples
    --------
    >>> utc_timestamps(pd.Series(["2018-09-27T14:51:09+02:00", None, "2013-11-21T14:13:00"])).tolist()
    [Timestamp('2018-09-27 12:51:09+0000', tz='UTC'), NaT, Timestamp('2013-11-21 14:13:00+0000', tz='UTC')]
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(TIMESTAMP_DTYPE)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.dt.tz_localize("UTC").astype(TIMESTAMP_DTYPE)
    return pd.Series([utc_datetime(v) for v in values], index=values.index, dtype=TIMESTAMP_DTYPE, name=values.name)


def table_format(path: str | Path) -> str:
    """The table format an output path asks for, by extension.

    Examples
    --------
    >>> table_format("out/comments.parquet")
    '.parquet'
    >>> table_format("out.xlsx")
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: out.xlsx: unknown table format '.xlsx'; use .jsonl, .parquet or .csv.
    """
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise ConfigError(f"{path}: unknown table format {ext!r}; use .jsonl, .parquet or .csv.")
    return ext


def comment_row(thread: Thread, c: Comment) -> dict:
    """One comments-table row for comment ``c`` of ``thread``; its timestamp is a UTC datetime or ``None``."""
    return {
        "thread_id": c.thread_id, "comment_id": c.comment_id, "parent_id": c.parent_id,
        "depth": c.depth, "position": c.position, "author": c.author, "timestamp": utc_datetime(c.timestamp),
        "text": c.text, "quotes": list(c.quotes), "flags": list(c.flags), "source": thread.source,
        "platform": thread.platform, "title": thread.title, "url": c.url,
    }


def iter_rows(threads: Iterable[Thread]) -> Iterator[dict]:
    for t in threads:
        for c in t.comments:
            yield comment_row(t, c)


def threads_to_frame(threads: Iterable[Thread]) -> pd.DataFrame:
    """The comments table of ``threads`` as a DataFrame (``timestamp`` as ``datetime64[ns, UTC]``).

    Examples
    --------
    >>> from modkit.model import Thread, Comment
    >>> t = Thread("t", "s", "p", "T", comments=[Comment("c", "t", None, 0, 0, None, None, "hi")])
    >>> threads_to_frame([t])[["comment_id", "text"]].to_dict("records")
    [{'comment_id': 'c', 'text': 'hi'}]
    >>> threads_to_frame([t])["timestamp"].dtype
    datetime64[ns, UTC]
    """
    rows = list(iter_rows(threads))
    df = pd.DataFrame(rows, columns=list(COMMENT_COLUMNS))
    df[TIMESTAMP] = utc_timestamps(df[TIMESTAMP])
    return df.astype({"depth": "int64", "position": "int64"})


class CommentWriter:
    """Write comment rows to ``path`` in batches; use as a context manager.

    The file appears atomically: rows go to a temporary file renamed into place on
    a clean close, so a crash never leaves a half-written table behind.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "c.jsonl")
    >>> with CommentWriter(p) as w:
    ...     w.write_rows([{"thread_id": "t", "comment_id": "c", "text": "hi"}])
    >>> open(p).read().count("\\n")
    1
    """

    def __init__(self, path: str | Path, batch_size: int = 50_000):
        self.path = Path(path)
        self.ext = table_format(path)
        self.batch_size = batch_size
        self.rows_written = 0
        self._tmp = self.path.with_name(f".{self.path.name}.tmp{os.getpid()}")
        self._buf: list[dict] = []
        self._fh = None
        self._pq = None
        self._csv = None

    def __enter__(self) -> CommentWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.ext == ".parquet":
            import pyarrow.parquet as pq

            self._pq = pq.ParquetWriter(self._tmp, COMMENT_SCHEMA)
        else:
            self._fh = open(self._tmp, "w", encoding="utf-8", newline="")
            if self.ext == ".csv":
                self._csv = csv.DictWriter(self._fh, fieldnames=list(COMMENT_COLUMNS), extrasaction="ignore")
                self._csv.writeheader()
        return self

    def write_threads(self, threads: Iterable[Thread]) -> None:
        self.write_rows(iter_rows(threads))

    def write_rows(self, rows: Iterable[dict]) -> None:
        for row in rows:
            self._buf.append(row)
            if len(self._buf) >= self.batch_size:
                self._flush()

    def _flush(self) -> None:
        if not self._buf:
            return
        if self._pq is not None:
            cols = {name: [r.get(name) for r in self._buf] for name in COMMENT_SCHEMA.names}
            cols[TIMESTAMP] = [utc_datetime(v) for v in cols[TIMESTAMP]]
            self._pq.write_table(pa.table(cols, schema=COMMENT_SCHEMA))
        elif self._csv is not None:
            for r in self._buf:
                row = {**r, **{k: "|".join(r.get(k) or ()) for k in LIST_COLUMNS}, TIMESTAMP: iso_utc(r.get(TIMESTAMP))}
                self._csv.writerow({k: csv_cell(v) for k, v in row.items()})
        else:
            self._fh.writelines(json.dumps({**{k: r.get(k) for k in COMMENT_COLUMNS}, TIMESTAMP: iso_utc(r.get(TIMESTAMP))},
                                           ensure_ascii=False) + "\n" for r in self._buf)
        self.rows_written += len(self._buf)
        self._buf.clear()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._flush()
        finally:
            if self._pq is not None:
                self._pq.close()
            if self._fh is not None:
                self._fh.close()
        if exc_type is None:
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)


def write_comments(threads: Iterable[Thread], path: str | Path) -> int:
    """Write the comments table of ``threads`` to ``path``; returns the row count.

    Examples
    --------
    >>> import tempfile, os
    >>> from modkit.model import Comment, Thread
    >>> t = Thread("t1", "page.txt", "forum_text", "Hi", comments=[Comment("c1", "t1", None, 0, 0, "ann", None, "hi")])
    >>> write_comments([t], os.path.join(tempfile.mkdtemp(), "c.parquet"))
    1
    """
    with CommentWriter(path) as w:
        w.write_threads(threads)
    return w.rows_written


def _is_nested(v: object) -> bool:
    return isinstance(v, (list, tuple, dict)) or (hasattr(v, "tolist") and not isinstance(v, str))


def _plain(v: object) -> object:
    """NumPy arrays and tuples (from Parquet round trips) as plain lists, recursively."""
    if hasattr(v, "tolist") and not isinstance(v, str):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


#: A CSV cell that a spreadsheet would run as a formula (OWASP's list), possibly behind quotes we added.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def csv_cell(value: object) -> object:
    """A value as written to CSV: text a spreadsheet would run as a formula gets a leading ``'``.

    Only CSV output is changed, and :func:`read_table` takes the quote off again, so a table
    survives the round trip (Parquet and JSONL are written as they are).

    Examples
    --------
    >>> csv_cell("=1+1"), csv_cell("-1 for this"), csv_cell("fine"), csv_cell(-1)
    ("'=1+1", "'-1 for this", 'fine', -1)
    """
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def _uncsv_cell(value: object) -> object:
    if isinstance(value, str) and _FORMULA.match(value) and value.startswith("'"):
        return value[1:]
    return value


def _times_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its datetime columns as ISO 8601 strings (``None`` for ``NaT``), for JSONL and CSV."""
    times = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c].dtype)]
    if not times:
        return df
    return df.assign(**{c: pd.Series([None if pd.isna(v) else v.isoformat() for v in df[c]],
                                     index=df.index, dtype=object) for c in times})


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write any stage table atomically; nested columns (lists, dicts) survive every format.

    In CSV, nested values are JSON-encoded (the comments table's ``quotes`` and
    ``flags`` keep their ``|``-joined form so CSVs stay readable in a spreadsheet).
    ``timestamp`` is written as a UTC timestamp column in Parquet and as ISO 8601
    strings in JSONL and CSV (:func:`utc_timestamps`), whatever form it has in ``df``;
    other datetime columns are ISO 8601 strings in JSONL and CSV too.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = write_table(pd.DataFrame({"text": ["hi"], "cues": [[{"kind": "x"}]]}), p)
    >>> read_table(p)["cues"][0]
    [{'kind': 'x'}]
    """
    path = Path(path)
    ext = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if TIMESTAMP in df.columns:
        df = df.assign(**{TIMESTAMP: utc_timestamps(df[TIMESTAMP])})
    if ext != ".parquet":
        df = _times_as_text(df)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        if ext == ".parquet":
            df.to_parquet(tmp, index=False)
        elif ext == ".jsonl":
            with open(tmp, "w", encoding="utf-8") as fh:
                for rec in df.to_dict("records"):
                    fh.write(json.dumps({k: _plain(v) for k, v in rec.items()}, ensure_ascii=False,
                                        default=str) + "\n")
        else:
            out = df.copy()
            for col in out.columns:
                if out[col].map(_is_nested).any():
                    if col in LIST_COLUMNS:
                        out[col] = out[col].map(lambda v: "|".join(map(str, _plain(v) or [])))
                    else:
                        out[col] = out[col].map(lambda v: json.dumps(_plain(v), ensure_ascii=False))
            for col in out.columns:
                if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
                    out[col] = out[col].map(csv_cell)
            # Every text cell quoted: a bare carriage return inside one would otherwise split the row.
            out.to_csv(tmp, index=False, quoting=csv.QUOTE_NONNUMERIC)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_table(path: str | Path, required: Iterable[str] = ()) -> pd.DataFrame:
    """Read a table: ``.jsonl``, ``.csv``, ``.parquet``, or a ``.json`` array of records (as PAN's
    data is published); :class:`SchemaError` names the file and any missing columns.

    JSON-encoded nested values in CSV come back as lists and dicts, and a
    ``timestamp`` column as ``datetime64[ns, UTC]`` in every format (ISO 8601
    strings, from JSONL, CSV or an older Parquet file, are parsed; naive times
    are taken as UTC).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = write_table(pd.DataFrame({"text": ["=1+1", "hi"], "flag_reasons": [["insult"], []]}), path)
    >>> read_table(path, required=["text"]).to_dict("list")
    {'text': ['=1+1', 'hi'], 'flag_reasons': [['insult'], []]}
    >>> read_table(path, required=["author"])
    Traceback (most recent call last):
    ...
    modkit.errors.SchemaError: ...t.csv is missing columns: author.
    >>> p = os.path.join(tempfile.mkdtemp(), "d.json")
    >>> _ = open(p, "w").write('[{"text": "hi", "category": "CRITICAL"}]')
    >>> read_table(p).columns.tolist()
    ['text', 'category']
    """
    ext = ".json" if Path(path).suffix.lower() == ".json" else table_format(path)
    try:
        if ext == ".json":
            df = pd.read_json(path, dtype=False)
            if not isinstance(df.index, pd.RangeIndex):  # an object of objects, not an array of records
                raise ValueError("expected a JSON array of records")
        elif ext == ".parquet":
            df = pd.read_parquet(path)
            for col in df.columns:
                if df[col].dtype == object and df[col].map(_is_nested).any():
                    df[col] = df[col].map(_plain)
        elif ext == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
            df = df.apply(lambda col: col.map(_uncsv_cell))
            for col in df.columns:
                if col in LIST_COLUMNS:
                    df[col] = df[col].map(lambda v: [] if pd.isna(v) or v == "" else str(v).split("|"))
                elif df[col].map(lambda v: isinstance(v, str) and v[:1] in "[{").all() and len(df):
                    with contextlib.suppress(ValueError):  # not JSON after all: keep the strings
                        df[col] = df[col].map(json.loads)
        else:
            df = pd.read_json(path, lines=True, dtype=False)
    except FileNotFoundError:
        raise SchemaError(f"{path}: no such file") from None
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise SchemaError(f"{path}: cannot read table ({type(exc).__name__}: {exc})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise SchemaError(f"{Path(path).name} is missing columns: {', '.join(missing)}.")
    if TIMESTAMP in df.columns:
        df[TIMESTAMP] = utc_timestamps(df[TIMESTAMP])
    return df


def read_comments(path: str | Path) -> pd.DataFrame:
    """Read a comments table written by :func:`write_comments` (or any table with ``text``).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "c.csv")
    >>> pd.DataFrame({"text": ["hi"]}).to_csv(p, index=False)
    >>> list(read_comments(p).columns)
    ['text']
    """
    return read_table(path, required=["text"])
