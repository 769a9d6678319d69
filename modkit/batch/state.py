"""The state directory: a run lock and a manifest of the pages already scored.

``STATE/lock`` is held with ``fcntl.flock`` for the whole run, so only one run per
state directory works at a time; the kernel drops the lock when the process dies,
even on ``kill -9``, so a crash never leaves a stale lock. ``STATE/manifest.sqlite``
records, per page, its size, mtime, content hash and the Parquet part holding its
rows. SQLite transactions make each update atomic: a page is recorded together
with the part that holds its rows, in one commit.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from modkit.errors import ModkitError

__all__ = ["RunLock", "RunLockedError", "Manifest", "PageRecord", "LOCK_FILE", "MANIFEST_FILE"]

LOCK_FILE = "lock"
MANIFEST_FILE = "manifest.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (page TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, hash TEXT,
                                  part TEXT, run_id TEXT);
CREATE TABLE IF NOT EXISTS parts (part TEXT PRIMARY KEY, run_id TEXT, n_rows INTEGER);
CREATE TABLE IF NOT EXISTS dirty (part TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS unreported (part TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS index_rows (thread_id TEXT PRIMARY KEY, rank_key TEXT, row TEXT);
CREATE TABLE IF NOT EXISTS moves (part TEXT, old TEXT, new TEXT, PRIMARY KEY (part, old));
"""


class RunLockedError(ModkitError, RuntimeError):
    """Another run holds the state directory's lock."""


class RunLock:
    """An exclusive, non-blocking ``flock`` on ``STATE/lock``; use as a context manager.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with RunLock(d):
    ...     with RunLock(d):
    ...         pass
    Traceback (most recent call last):
    ...
    modkit.batch.state.RunLockedError: another modkit batch run (pid ...) holds .../lock; wait for it to finish
    """

    def __init__(self, state_dir: str | Path, name: str = LOCK_FILE):
        self.path = Path(state_dir) / name
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RunLockedError(f"another modkit batch run (pid {holder}) holds {self.path}; "
                                 "wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


@dataclass(frozen=True)
class PageRecord:
    """What the manifest knows of one page (``page`` is its path relative to the input dir)."""

    page: str
    size: int
    mtime_ns: int
    hash: str
    part: str | None = None


class Manifest:
    """The SQLite manifest of scored pages and written parts.

    Examples
    --------
    >>> import tempfile
    >>> m = Manifest(tempfile.mkdtemp())
    >>> m.commit("run=r1/part-00000.parquet", "r1", 2, [PageRecord("a.txt", 10, 1, "h1")])
    >>> m.pages()["a.txt"].part
    'run=r1/part-00000.parquet'
    >>> m.commit("run=r2/part-00000.parquet", "r2", 2, [PageRecord("a.txt", 11, 2, "h2")])
    >>> m.dirty_parts(), m.live_pages("run=r1/part-00000.parquet")
    (['run=r1/part-00000.parquet'], set())
    """

    def __init__(self, state_dir: str | Path):
        Path(state_dir).mkdir(parents=True, exist_ok=True)
        self.path = Path(state_dir) / MANIFEST_FILE
        self._db = sqlite3.connect(self.path, isolation_level=None)
        # WAL + FULL sync: a committed page survives power loss and kill -9.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def pages(self) -> dict[str, PageRecord]:
        rows = self._db.execute("SELECT page, size, mtime_ns, hash, part FROM pages")
        return {r[0]: PageRecord(*r) for r in rows}

    def parts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT part, n_rows FROM parts"))

    def commit(self, part: str | None, run_id: str, n_rows: int, pages: Iterable[PageRecord]) -> None:
        """Record ``pages`` as scored into ``part`` (``None``: pages without replies), atomically.

        A page's previous part, if another, is marked dirty: its stale rows must go.
        """
        with self._tx() as db:
            if part is not None:
                db.execute("INSERT OR REPLACE INTO parts VALUES (?, ?, ?)", (part, run_id, n_rows))
                # Its threads' reports are owed until record_reports says they are written.
                db.execute("INSERT OR IGNORE INTO unreported VALUES (?)", (part,))
            for p in pages:
                old = db.execute("SELECT part FROM pages WHERE page = ?", (p.page,)).fetchone()
                if old and old[0] and old[0] != part:
                    db.execute("INSERT OR IGNORE INTO dirty VALUES (?)", (old[0],))
                db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?)",
                           (p.page, p.size, p.mtime_ns, p.hash, part, run_id))

    def touch(self, pages: Iterable[PageRecord]) -> None:
        """Update size and mtime of pages whose content (hash) did not change."""
        with self._tx() as db:
            db.executemany("UPDATE pages SET size = ?, mtime_ns = ? WHERE page = ?",
                           [(p.size, p.mtime_ns, p.page) for p in pages])

    def move(self, old: str, page: PageRecord) -> str | None:
        """Record that page ``old`` now lives at ``page.page`` with the same content; returns its part.

        Its rows stay where they are but name the old path, so the part is marked dirty
        with the rename pending (:meth:`moves`) and its threads' reports owed again.
        """
        with self._tx() as db:
            row = db.execute("SELECT part FROM pages WHERE page = ?", (old,)).fetchone()
            part = row[0] if row else None
            db.execute("UPDATE pages SET page = ?, size = ?, mtime_ns = ? WHERE page = ?",
                       (page.page, page.size, page.mtime_ns, old))
            if part:
                # a page moved twice before its part was rewritten: the rows still name the first path
                first = db.execute("SELECT old FROM moves WHERE part = ? AND new = ?", (part, old)).fetchone()
                db.execute("DELETE FROM moves WHERE part = ? AND new = ?", (part, old))
                db.execute("INSERT OR REPLACE INTO moves VALUES (?, ?, ?)", (part, first[0] if first else old,
                                                                             page.page))
                db.execute("INSERT OR IGNORE INTO dirty VALUES (?)", (part,))
                db.execute("INSERT OR IGNORE INTO unreported VALUES (?)", (part,))
        return part

    def moves(self, part: str) -> dict[str, str]:
        """Renames (old path -> new path) still to be applied to a part's rows."""
        return dict(self._db.execute("SELECT old, new FROM moves WHERE part = ?", (part,)))

    def forget_part(self, part: str) -> int:
        """Drop a part whose file is gone, and its pages, so the next run scores them again."""
        with self._tx() as db:
            n = db.execute("DELETE FROM pages WHERE part = ?", (part,)).rowcount
            db.execute("DELETE FROM parts WHERE part = ?", (part,))
            db.execute("DELETE FROM dirty WHERE part = ?", (part,))
            db.execute("DELETE FROM unreported WHERE part = ?", (part,))
            db.execute("DELETE FROM moves WHERE part = ?", (part,))
        return n

    def dirty_parts(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT part FROM dirty ORDER BY part")]

    def live_pages(self, part: str) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT page FROM pages WHERE part = ?", (part,))}

    def cleaned(self, part: str, n_rows: int) -> None:
        """Record that a dirty part now holds only live rows (``n_rows == 0``: it was deleted)."""
        with self._tx() as db:
            db.execute("DELETE FROM dirty WHERE part = ?", (part,))
            db.execute("DELETE FROM moves WHERE part = ?", (part,))
            if n_rows:
                db.execute("UPDATE parts SET n_rows = ? WHERE part = ?", (n_rows, part))
            else:
                db.execute("DELETE FROM parts WHERE part = ?", (part,))
                db.execute("DELETE FROM unreported WHERE part = ?", (part,))

    def retire(self, pages: Iterable[str]) -> None:
        """Forget pages deleted from the input: their parts become dirty, so their rows go."""
        with self._tx() as db:
            for page in pages:
                row = db.execute("SELECT part FROM pages WHERE page = ?", (page,)).fetchone()
                db.execute("DELETE FROM pages WHERE page = ?", (page,))
                if row and row[0]:
                    db.execute("INSERT OR IGNORE INTO dirty VALUES (?)", (row[0],))

    def drop_index_entries(self, thread_ids: Iterable[str]) -> None:
        """Forget the index lines of threads that no longer have any rows."""
        with self._tx() as db:
            db.executemany("DELETE FROM index_rows WHERE thread_id = ?", [(t,) for t in thread_ids])

    def unreported_parts(self) -> list[str]:
        """Parts whose threads have no report yet: a killed run's, or this run's before reporting."""
        return [r[0] for r in self._db.execute("SELECT part FROM unreported ORDER BY part")]

    def index_entries(self) -> dict[str, tuple[list, dict]]:
        """The report index of every thread reported so far: ``{thread_id: (rank_key, row)}``."""
        return {t: (json.loads(k), json.loads(r)) for t, k, r in
                self._db.execute("SELECT thread_id, rank_key, row FROM index_rows")}

    def record_reports(self, parts: Iterable[str], entries: dict[str, tuple[list, dict]]) -> None:
        """Record, atomically, that the threads of ``parts`` are reported, with the index as written."""
        with self._tx() as db:
            db.executemany("INSERT OR REPLACE INTO index_rows VALUES (?, ?, ?)",
                           [(t, json.dumps(list(k)), json.dumps(r, default=str)) for t, (k, r) in entries.items()])
            db.executemany("DELETE FROM unreported WHERE part = ?", [(p,) for p in parts])

    @contextlib.contextmanager
    def _tx(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
