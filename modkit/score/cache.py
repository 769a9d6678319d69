"""A persistent score cache keyed on text, context and scorer version.

Re-scoring the same reply with the same scorer is skipped; any change to the
text, to its parent's text (when context is used) or to the scorer's version
misses the cache. Entries are written per batch, so a run that dies midway keeps
what it scored and the next run resumes from there.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from modkit.errors import ConfigError


def default_cache_path() -> Path:
    """``$MODKIT_CACHE_DIR/scores.sqlite``, else the user's cache folder."""
    base = os.environ.get("MODKIT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "modkit")
    return Path(base) / "scores.sqlite"


def cache_key(version: str, text: str, parent_text: str | None) -> str:
    """The cache key of one reply scored by one scorer version.

    Examples
    --------
    >>> cache_key("lite-1", "hi", None) == cache_key("lite-1", "hi", None)
    True
    >>> cache_key("lite-1", "hi", None) == cache_key("lite-1", "hi", "parent")
    False
    """
    h = hashlib.blake2b(digest_size=16)
    for part in (version, text, "\x00" if parent_text is None else parent_text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


class ScoreCache:
    """SQLite-backed cache of score dicts (WAL mode, safe for concurrent runs).

    Examples
    --------
    >>> import tempfile, os
    >>> c = ScoreCache(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
    >>> c.put_many({"k": {"toxicity": 0.5}})
    >>> c.get_many(["k", "missing"])
    {'k': {'toxicity': 0.5}}
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS scores (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"{self.path}: cannot open score cache ({exc}); pass --no-cache or "
                              "another --cache path") from None

    def get_many(self, keys: Iterable[str]) -> dict[str, dict]:
        keys = list(keys)
        out: dict[str, dict] = {}
        for i in range(0, len(keys), 900):  # SQLite's bound-parameter limit
            chunk = keys[i:i + 900]
            q = f"SELECT key, value FROM scores WHERE key IN ({','.join('?' * len(chunk))})"
            out.update((k, json.loads(v)) for k, v in self._db.execute(q, chunk))
        return out

    def put_many(self, items: dict[str, dict]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?)",
                                 ((k, json.dumps(v)) for k, v in items.items()))

    def close(self) -> None:
        self._db.close()
