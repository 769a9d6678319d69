"""The label store: an append-only log of review decisions, in SQLite (WAL) or PostgreSQL.

Every keystroke that decides something is one event row, committed before the
reviewer sees the next item, so a reviewer killed mid-session (even ``kill -9``)
loses no decision already confirmed on screen. Nothing is ever updated or
deleted: undo, relabelling and adjudication are new events, and the current
label of an item is derived by replaying the log (:mod:`modkit.review.labels`).

One interface, two backends: :class:`LabelStore` opens a SQLite file for one
person (the default), or a PostgreSQL database for a team when given a
``postgresql://`` URL (:mod:`modkit.review.pgstore`). Both serialise appends in
the database, and both hand out items of a shared queue through
:meth:`LabelStore.claim`, so several reviewers on one queue never get an item
that already has its reviewers. A URL's password never appears in a message:
stores are named by :func:`redact`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from modkit.errors import ModkitError
from modkit.model import normalize_text
from modkit.review.location import default_store

#: On-disk format of the store; a store written by a newer modkit is refused.
STORE_VERSION = 1
#: Where the store lives unless ``--store`` (or ``MODKIT_STORE``) says otherwise: a per-user file, never
#: the committed seed store labels/labels.sqlite (see :mod:`modkit.review.location`).
DEFAULT_STORE = default_store()
#: URL schemes that select the PostgreSQL backend.
POSTGRES_SCHEMES = ("postgresql", "postgres")
#: Seconds a claimed item stays reserved for its reviewer without a decision (then others may get it).
DEFAULT_LEASE = 15 * 60
#: Candidates a claim looks at per query, front of the queue first.
CLAIM_WINDOW = 64

#: Decisions a reviewer can record.
ACTIONS = ("label", "skip", "flag", "unflag", "undo", "adjudicate", "note")
#: Columns of an event row, in insert order (after event_id).
COLUMNS = ("item_id", "text_hash", "thread_id", "reviewer", "action", "labels", "note", "target_event",
           "created_at", "guideline_version", "scores", "session")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    thread_id TEXT,
    reviewer TEXT NOT NULL,
    action TEXT NOT NULL,
    labels TEXT,
    note TEXT,
    target_event INTEGER,
    created_at REAL NOT NULL,
    guideline_version TEXT,
    scores TEXT,
    session TEXT
);
CREATE INDEX IF NOT EXISTS events_item ON events(item_id);
CREATE INDEX IF NOT EXISTS events_reviewer ON events(reviewer);
"""
# Leases of the shared queue. Added to version-1 stores the first time a queue is shared: older modkits
# ignore the table, so it needs no new format version.
_CLAIMS_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    item_id TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (item_id, reviewer)
);
CREATE INDEX IF NOT EXISTS events_target ON events(target_event);
"""


class StoreError(ModkitError, ValueError):
    """The label store is missing, corrupt, unreachable, or from a newer modkit."""


def text_hash(text: str) -> str:
    """Hash of a reply's normalised text: a label whose item's text changes is detected.

    Examples
    --------
    >>> text_hash("Hello  world") == text_hash("hello world")
    True
    """
    return hashlib.blake2b(normalize_text(text).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def is_url(location: str | Path) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than a SQLite file.

    Examples
    --------
    >>> is_url("postgresql://ana@db.example/modkit"), is_url("labels/labels.sqlite")
    (True, False)
    """
    return isinstance(location, str) and location.split(":", 1)[0].lower() in POSTGRES_SCHEMES \
        and "://" in location


def as_location(value: str | Path) -> str | Path:
    """``value`` as a URL string or a file path: a URL that went through :class:`~pathlib.Path` (which folds
    ``//`` into ``/``, as a command-line option typed as a path does) is restored.

    Examples
    --------
    >>> as_location(Path("postgresql://ana@db.example/modkit"))
    'postgresql://ana@db.example/modkit'
    >>> as_location(Path("labels/labels.sqlite"))
    PosixPath('labels/labels.sqlite')
    """
    text = str(value)
    folded = re.match(r"(?i)(postgres(?:ql)?):/(?!/)", text)
    if isinstance(value, Path) and folded:
        return f"{folded.group(1)}://{text[folded.end():]}"
    return text if is_url(text) else value


def redact(location: str | Path) -> str:
    """``location`` fit to print: a URL's password (in the user part or the query) becomes ``***``.

    Examples
    --------
    >>> redact("postgresql://ana:s3cret@db.example:5432/modkit?sslmode=require&password=s3cret")
    'postgresql://ana:***@db.example:5432/modkit?sslmode=require&password=***'
    >>> redact("labels/labels.sqlite")
    'labels/labels.sqlite'
    """
    location = as_location(location)
    if not is_url(location):
        return str(location)
    try:
        parts = urlsplit(str(location))
        netloc = parts.netloc
        if "@" in netloc:
            user, host = netloc.rsplit("@", 1)
            if ":" in user:
                user = user.split(":", 1)[0] + ":***"
            netloc = f"{user}@{host}"
        query = parts.query
        if query:
            pairs = [(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(query, keep_blank_values=True)]
            query = urlencode(pairs, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        # A URL too broken to parse is shown by its scheme only: it may hold a password anywhere.
        return str(location).split(":", 1)[0] + "://(unparsable URL)"


def scrub(message: str, location: str | Path) -> str:
    """``message`` with any secret of ``location`` (its password) removed: for driver errors that echo it.

    Examples
    --------
    >>> scrub('password "s3cret" rejected', "postgresql://ana:s3cret@h/db")
    'password "***" rejected'
    """
    location = as_location(location)
    if not is_url(location):
        return message
    secrets_ = []
    try:
        parts = urlsplit(str(location))
        if parts.password:
            secrets_.append(parts.password)
        secrets_ += [v for k, v in parse_qsl(parts.query) if k.lower() == "password" and v]
    except ValueError:
        pass
    for secret in sorted(set(secrets_), key=len, reverse=True):
        message = message.replace(secret, "***")
    return re.sub(r"(?i)(password\s*=\s*)\S+", r"\1***", message)


@dataclass
class Event:
    """One row of the log."""

    item_id: str
    text_hash: str
    reviewer: str
    action: str
    labels: dict[str, bool] | None = None
    note: str | None = None
    thread_id: str | None = None
    target_event: int | None = None
    guideline_version: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    session: str | None = None
    created_at: float = 0.0
    event_id: int | None = None


def event_row(event: Event) -> tuple:
    """The values of :data:`COLUMNS` for ``event`` (labels and scores as JSON text)."""
    if event.action not in ACTIONS:
        raise ValueError(f"unknown action {event.action!r}; one of {', '.join(ACTIONS)}")
    return (event.item_id, event.text_hash, event.thread_id, event.reviewer, event.action,
            json.dumps(event.labels) if event.labels is not None else None, event.note,
            event.target_event, event.created_at or time.time(), event.guideline_version,
            json.dumps(event.scores or {}), event.session)


def row_event(r: dict) -> Event:
    """An :class:`Event` from a row read back as ``{column: value}``."""
    return Event(item_id=r["item_id"], text_hash=r["text_hash"], reviewer=r["reviewer"],
                 action=r["action"], labels=json.loads(r["labels"]) if r["labels"] else None,
                 note=r["note"], thread_id=r["thread_id"], target_event=r["target_event"],
                 guideline_version=r["guideline_version"], scores=json.loads(r["scores"] or "{}"),
                 session=r["session"], created_at=r["created_at"], event_id=r["event_id"])


class _SQLiteBackend:
    """The single-user store: one SQLite file in WAL mode; SQLite's write lock serialises writers."""

    name = "sqlite"

    def __init__(self, path: Path, create: bool):
        self.path = path
        self.where = str(path)
        if not self.path.exists() and not create:
            raise StoreError(f"{self.path}: no label store here; label something first or pass --store")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we manage transactions, one per appended event.
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > STORE_VERSION:
                raise StoreError(f"{self.path}: label store format {version} is newer than this modkit "
                                 f"understands ({STORE_VERSION}); upgrade modkit")
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed decision survives even an OS crash, not just a killed process.
            self._db.execute("PRAGMA synchronous=FULL")
            if version == 0:
                # Idempotent, so two reviewers creating the store at once is harmless.
                self._db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version={STORE_VERSION}; COMMIT;")
            self._db.execute("SELECT count(*) FROM events").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a readable label store ({exc})") from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open label store ({exc})") from None
        self._claims_ready = False

    def append(self, event: Event) -> int:
        row = event_row(event)
        try:
            with self._write():
                cur = self._db.execute(f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES "
                                       f"({', '.join('?' * len(COLUMNS))})", row)
                if event.action == "skip" and self._has_claims(recheck=True):
                    # A skip hands the item back to the shared queue at once, not when the lease runs out.
                    self._db.execute("DELETE FROM claims WHERE item_id = ? AND reviewer = ?",
                                     (event.item_id, event.reviewer))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: could not record the decision ({exc}); nothing was written") from None
        return int(cur.lastrowid)

    def copy_in(self, events: Sequence[Event]) -> None:
        """Insert events keeping their ids, all or none."""
        cols = ("event_id", *COLUMNS)
        try:
            with self._write():
                self._db.executemany(f"INSERT INTO events ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                     [(e.event_id, *event_row(e)) for e in events])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: could not copy events in ({exc}); nothing was written") from None

    def events(self, reviewer: str | None) -> Iterator[Event]:
        q = "SELECT * FROM events" + (" WHERE reviewer = ?" if reviewer else "") + " ORDER BY event_id"
        try:
            cur = self._db.execute(q, (reviewer,) if reviewer else ())
            cols = [d[0] for d in cur.description]
            for values in cur:
                yield row_event(dict(zip(cols, values, strict=True)))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot read label store ({exc})") from None

    def reviewers(self) -> list[str]:
        try:
            return [r for (r,) in self._db.execute("SELECT DISTINCT reviewer FROM events ORDER BY reviewer")]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot read label store ({exc})") from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction holding the database's write lock (BEGIN IMMEDIATE): all or nothing."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _has_claims(self, recheck: bool = False) -> bool:
        # recheck: another process may have shared the queue since this one looked.
        if not self._claims_ready or recheck:
            self._claims_ready = self._db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'claims'").fetchone() is not None
        return self._claims_ready

    def claim(self, candidates: Sequence[str], reviewer: str, copies: int, lease: float) -> str | None:
        now = time.time()
        try:
            if not self._has_claims():
                self._db.executescript(f"BEGIN IMMEDIATE; {_CLAIMS_SCHEMA} COMMIT;")
                self._claims_ready = True
            # The write lock makes the check and the claim one step for every process on this file,
            # which is what a row lock does on PostgreSQL.
            with self._write():
                row = None
                # Window by window: the next item is usually near the front, so a claim costs the
                # same on a queue of 100 items or 100,000.
                for start in range(0, len(candidates), CLAIM_WINDOW):
                    window = json.dumps(list(candidates[start:start + CLAIM_WINDOW]))
                    row = self._db.execute(_SQLITE_NEXT, {"items": window, "r": reviewer, "copies": copies,
                                                          "now": now}).fetchone()
                    if row is not None:
                        break
                if row is not None:
                    self._db.execute("INSERT INTO claims (item_id, reviewer, expires_at) VALUES (?, ?, ?) "
                                     "ON CONFLICT (item_id, reviewer) DO UPDATE SET expires_at = excluded.expires_at",
                                     (row[0], reviewer, now + lease))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: could not take the next item ({exc})") from None
        return row[0] if row else None

    def release(self, reviewer: str, item_id: str | None) -> int:
        if not self._has_claims():
            return 0
        try:
            cur = self._db.execute("DELETE FROM claims WHERE reviewer = ?" + (" AND item_id = ?" if item_id else ""),
                                   (reviewer, item_id) if item_id else (reviewer,))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: could not release claims ({exc})") from None
        return cur.rowcount

    def salt(self) -> str:
        from modkit.review.export import store_salt

        return store_salt(self.path)

    def close(self) -> None:
        self._db.close()


# The first candidate (in queue order) this reviewer has not decided and that fewer than `copies` other
# reviewers hold: a decision of theirs not undone, or a live claim. A skip does not hold an item.
_SQLITE_NEXT = """
SELECT c.value FROM json_each(:items) AS c
WHERE NOT EXISTS (
    SELECT 1 FROM events e WHERE e.item_id = c.value AND e.reviewer = :r AND e.action IN ('label', 'skip')
      AND NOT EXISTS (SELECT 1 FROM events u WHERE u.action = 'undo' AND u.target_event = e.event_id))
  AND (SELECT count(*) FROM (
        SELECT e.reviewer FROM events e WHERE e.item_id = c.value AND e.reviewer <> :r AND e.action = 'label'
          AND NOT EXISTS (SELECT 1 FROM events u WHERE u.action = 'undo' AND u.target_event = e.event_id)
        UNION
        SELECT k.reviewer FROM claims k WHERE k.item_id = c.value AND k.reviewer <> :r AND k.expires_at > :now
      )) < :copies
ORDER BY c.key LIMIT 1
"""


class LabelStore:
    """Append-only event log of review decisions: a SQLite file, or a PostgreSQL database by URL.

    ``path_or_url`` is a file path (SQLite, the default) or ``postgresql://user@host/db``
    (PostgreSQL through psycopg 3; the password may come from the URL, ``PGPASSWORD`` or
    ``~/.pgpass``). ``create=False`` refuses to create a store that is not there yet.

    Examples
    --------
    >>> import tempfile, os
    >>> store = LabelStore(os.path.join(tempfile.mkdtemp(), "labels.sqlite"))
    >>> eid = store.append(Event("c1", "h", "ann", "label", {"toxic": True, "conspiracy": False}))
    >>> [e.labels for e in store.events()]
    [{'toxic': True, 'conspiracy': False}]
    >>> store.claim(["c1", "c2"], "ben")  # c1 already has its one reviewer
    'c2'
    """

    def __init__(self, path_or_url: str | Path = DEFAULT_STORE, create: bool = True):
        path_or_url = as_location(path_or_url)
        if is_url(path_or_url):
            from modkit.review.pgstore import PostgresBackend

            self._impl = PostgresBackend(str(path_or_url), create)
            #: The SQLite file, or ``None`` for a database store (see :attr:`location`).
            self.path: Path | None = None
        else:
            self._impl = _SQLiteBackend(Path(path_or_url), create)
            self.path = self._impl.path

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._impl.name

    @property
    def location(self) -> str:
        """Where the store is, fit to print: a file path, or the URL with its password redacted."""
        return self._impl.where

    def __repr__(self) -> str:
        return f"LabelStore({self.location!r})"

    def append(self, event: Event) -> int:
        """Append one event in its own transaction; returns its id once it is durable."""
        return self._impl.append(event)

    def events(self, reviewer: str | None = None) -> Iterator[Event]:
        """All events in log order, optionally one reviewer's."""
        return self._impl.events(reviewer)

    def reviewers(self) -> list[str]:
        """Everyone who has an event in the store, sorted."""
        return self._impl.reviewers()

    def claim(self, candidates: Sequence[str], reviewer: str, *, copies: int = 1,
              lease: float = DEFAULT_LEASE) -> str | None:
        """Reserve the next item of a shared queue for ``reviewer``; ``None`` when none is left.

        The item is the first of ``candidates`` (the reviewer's queue, in order) that the
        reviewer has not decided and that fewer than ``copies`` other reviewers hold, by a
        decision (a skip does not count) or by a claim younger than ``lease`` seconds. So a
        single-review queue (``copies=1``) never serves an item another reviewer has decided or is
        deciding, and a double-review queue (``copies=2``) serves each item to two reviewers and no
        more. The check and the reservation are one transaction in the database, so reviewers
        in other processes or on other machines are coordinated. Claiming again returns the
        reviewer's own live claim first, so a resumed session gets back the item it was showing.
        """
        if copies < 1:
            raise ValueError("copies must be at least 1")
        return self._impl.claim(list(candidates), reviewer, copies, lease)

    def release(self, reviewer: str, item_id: str | None = None) -> int:
        """Drop ``reviewer``'s claims (one item's, or all) so others may take them; returns how many."""
        return self._impl.release(reviewer, item_id)

    def copy_in(self, events: Iterable[Event]) -> None:
        """Insert events with their own ids, in one transaction (all or none): what migration uses."""
        self._impl.copy_in(list(events))

    def salt(self) -> str:
        """The salt of exported author pseudonyms: ``MODKIT_AUTHOR_SALT``, else one kept with the store."""
        return self._impl.salt()

    def close(self) -> None:
        """Close the connection; every appended event is already durable."""
        self._impl.close()

    def __enter__(self) -> LabelStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

