"""Copy a label store into another, event for event: SQLite to PostgreSQL and back.

Events keep their ids (an ``undo`` names the event it cancels by id), their times and
their JSON exactly, so the destination derives the same labels. Running it again copies
only what is new: events already in the destination with the same id and content are
skipped, and an id holding a *different* event means the stores have diverged, which is
refused before anything is written. The copy is one transaction: interrupted, it leaves
the destination as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modkit.review.store import Event, LabelStore, StoreError


@dataclass
class MigrateResult:
    """What a migration did."""

    copied: int = 0
    already: int = 0
    #: Events only the destination has (decisions made there since an earlier copy); left as they are.
    only_in_destination: int = 0


def _fields(e: Event) -> tuple:
    return (e.event_id, e.item_id, e.text_hash, e.thread_id, e.reviewer, e.action, e.labels, e.note,
            e.target_event, e.created_at, e.guideline_version, e.scores or {}, e.session)


def migrate(src: str | Path | LabelStore, dst: str | Path | LabelStore) -> MigrateResult:
    """Copy every event of ``src`` that ``dst`` lacks into ``dst``; idempotent.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> a = LabelStore(os.path.join(d, "a.sqlite"))
    >>> _ = a.append(Event("c1", "h", "ann", "label", {"toxic": True, "conspiracy": False}))
    >>> migrate(a, os.path.join(d, "b.sqlite")).copied, migrate(a, os.path.join(d, "b.sqlite")).copied
    (1, 0)
    """
    own_src = not isinstance(src, LabelStore)
    own_dst = not isinstance(dst, LabelStore)
    source = LabelStore(src, create=False) if own_src else src
    try:
        dest = LabelStore(dst) if own_dst else dst
        try:
            return _copy(source, dest)
        finally:
            if own_dst:
                dest.close()
    finally:
        if own_src:
            source.close()


def _copy(source: LabelStore, dest: LabelStore) -> MigrateResult:
    if source.location == dest.location and source.backend == dest.backend:
        raise StoreError(f"{source.location}: source and destination are the same store")
    have = {e.event_id: e for e in dest.events()}
    result = MigrateResult()
    todo: list[Event] = []
    seen: set[int | None] = set()
    for ev in source.events():
        seen.add(ev.event_id)
        there = have.get(ev.event_id)
        if there is None:
            todo.append(ev)
        elif _fields(there) == _fields(ev):
            result.already += 1
        else:
            raise StoreError(f"{dest.location}: event {ev.event_id} differs from {source.location}'s "
                             f"({there.reviewer} {there.action} {there.item_id} there, {ev.reviewer} {ev.action} "
                             f"{ev.item_id} here): the stores have diverged; nothing was copied")
    result.only_in_destination = sum(1 for eid in have if eid not in seen)
    if todo:
        dest.copy_in(todo)
    result.copied = len(todo)
    return result
