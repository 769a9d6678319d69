"""The label store: an append-only log of review decisions in SQLite (WAL).

Every keystroke that decides something is one event row, committed before the
reviewer sees the next item, so a reviewer killed mid-session (even ``kill -9``)
loses no decision already confirmed on screen. Nothing is ever updated or
deleted: undo, relabelling and adjudication are new events, and the current
label of an item is derived by replaying the log (:mod:`modkit.review.labels`).
Several reviewers can write at once: SQLite serialises the appends.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from modkit.errors import ModkitError
from modkit.model import normalize_text

#: On-disk format of the store; a store written by a newer modkit is refused.
STORE_VERSION = 1
#: Where the store lives unless ``--store`` says otherwise.
DEFAULT_STORE = Path("labels") / "labels.sqlite"

#: Decisions a reviewer can record.
ACTIONS = ("label", "skip", "flag", "unflag", "undo", "adjudicate", "note")

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


class StoreError(ModkitError, ValueError):
    """The label store is missing, corrupt, or from a newer modkit."""


def text_hash(text: str) -> str:
    """Hash of a reply's normalised text: a label whose item's text changes is detected.

    Examples
    --------
    >>> text_hash("Hello  world") == text_hash("hello world")
    True
    """
    return hashlib.blake2b(normalize_text(text).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


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


class LabelStore:
    """Append-only event log of review decisions.

    Examples
    --------
    >>> import tempfile, os
    >>> store = LabelStore(os.path.join(tempfile.mkdtemp(), "labels.sqlite"))
    >>> eid = store.append(Event("c1", "h", "ann", "label", {"toxic": True, "conspiracy": False}))
    >>> [e.labels for e in store.events()]
    [{'toxic': True, 'conspiracy': False}]
    """

    def __init__(self, path: str | Path = DEFAULT_STORE, create: bool = True):
        self.path = Path(path)
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

    def append(self, event: Event) -> int:
        """Append one event in its own transaction; returns its id once it is durable."""
        if event.action not in ACTIONS:
            raise ValueError(f"unknown action {event.action!r}; one of {', '.join(ACTIONS)}")
        row = (event.item_id, event.text_hash, event.thread_id, event.reviewer, event.action,
               json.dumps(event.labels) if event.labels is not None else None, event.note,
               event.target_event, event.created_at or time.time(), event.guideline_version,
               json.dumps(event.scores or {}), event.session)
        try:
            cur = self._db.execute(
                "INSERT INTO events (item_id, text_hash, thread_id, reviewer, action, labels, note, "
                "target_event, created_at, guideline_version, scores, session) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: could not record the decision ({exc}); nothing was written") from None
        return int(cur.lastrowid)

    def events(self, reviewer: str | None = None) -> Iterator[Event]:
        """All events in log order, optionally one reviewer's."""
        q = "SELECT * FROM events" + (" WHERE reviewer = ?" if reviewer else "") + " ORDER BY event_id"
        try:
            cur = self._db.execute(q, (reviewer,) if reviewer else ())
            cols = [d[0] for d in cur.description]
            for values in cur:
                r = dict(zip(cols, values, strict=True))
                yield Event(item_id=r["item_id"], text_hash=r["text_hash"], reviewer=r["reviewer"],
                            action=r["action"], labels=json.loads(r["labels"]) if r["labels"] else None,
                            note=r["note"], thread_id=r["thread_id"], target_event=r["target_event"],
                            guideline_version=r["guideline_version"], scores=json.loads(r["scores"] or "{}"),
                            session=r["session"], created_at=r["created_at"], event_id=r["event_id"])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot read label store ({exc})") from None

    def reviewers(self) -> list[str]:
        return [r for (r,) in self._db.execute("SELECT DISTINCT reviewer FROM events ORDER BY reviewer")]

    def close(self) -> None:
        self._db.close()
