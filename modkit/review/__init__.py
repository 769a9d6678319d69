"""Stage 3: review scored replies into labels (``modkit review``, ``modkit label``, ``modkit labels``).

The label store is an append-only event log; current labels are derived from it.
Library functions here are what the CLI commands call.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from modkit.errors import ConfigError
from modkit.model import COMMENT_ID
from modkit.review.agreement import agreement_table
from modkit.review.export import (
    dataset_card,
    export_rows,
    ratings_by_label,
    reconcile,
    write_prodigy,
)
from modkit.review.guidelines import Guidelines
from modkit.review.labels import ANSWERS, LABELS, LabelState, derive
from modkit.review.queue import check_scored
from modkit.review.store import DEFAULT_STORE, Event, LabelStore
from modkit.review.ui import KeyReader, run_adjudication, run_review

__all__ = ["review", "label", "load_labels", "agreement", "export_labels", "adjudicate", "LabelStore",
           "Event", "LABELS", "ANSWERS", "DEFAULT_STORE", "KeyReader", "Guidelines"]

review = run_review
adjudicate = run_adjudication


def label(store: LabelStore, item_id: str, reviewer: str, answer: str, scored: pd.DataFrame | None = None,
          note: str | None = None, guidelines: Guidelines | None = None) -> int:
    """Record one decision without the interactive queue; returns the event id.

    Examples
    --------
    >>> import tempfile, os
    >>> s = LabelStore(os.path.join(tempfile.mkdtemp(), "l.sqlite"))
    >>> label(s, "c1", "ann", "toxic") > 0
    True
    >>> load_labels(s).final("c1")
    {'toxic': True, 'conspiracy': False}
    """
    from modkit.review.ui import item_event

    if answer not in (*ANSWERS, "skip"):
        raise ConfigError(f"unknown label {answer!r}; choose one of: {', '.join((*ANSWERS, 'skip'))}")
    row = None
    if scored is not None:
        check_scored(scored)
        match = scored[scored[COMMENT_ID] == item_id]
        if match.empty:
            raise ConfigError(f"item {item_id!r} is not in the scored table")
        row = match.iloc[0]
    version = (guidelines or Guidelines.load()).version
    return store.append(item_event(row, item_id, reviewer, answer, version, note))


def load_labels(store: LabelStore) -> LabelState:
    """The current labels derived from the store's log.

    Examples
    --------
    >>> import tempfile, os
    >>> store = LabelStore(os.path.join(tempfile.mkdtemp(), "l.sqlite"))
    >>> _ = label(store, "c1", "ana", "toxic")
    >>> load_labels(store).final("c1")
    {'toxic': True, 'conspiracy': False}
    """
    return derive(store.events())


def agreement(store: LabelStore) -> pd.DataFrame:
    """Agreement per label and overall: percent, Cohen's and Fleiss' kappa, Krippendorff's alpha.

    Examples
    --------
    >>> import tempfile, os
    >>> store = LabelStore(os.path.join(tempfile.mkdtemp(), "l.sqlite"))
    >>> for who, answer in (("ana", "toxic"), ("ben", "toxic")):
    ...     _ = label(store, "c1", who, answer)
    >>> len(agreement(store)) > 0
    True
    """
    return agreement_table(ratings_by_label(load_labels(store)))


def export_labels(store: LabelStore, scored: pd.DataFrame, out: str | Path, *, split: str | None = "thread",
                  keep_authors: bool = False, guidelines: Guidelines | None = None) -> dict[str, Path]:
    """Write the dataset, its card (``.md``) and a Prodigy JSONL beside it; returns the paths.

    The table format follows ``out``'s extension (``.jsonl``, ``.csv``, ``.parquet``).

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> store = LabelStore(os.path.join(d, "l.sqlite"))
    >>> scored = pd.DataFrame({"comment_id": ["c1"], "thread_id": ["t"], "text": ["you idiot"]})
    >>> _ = label(store, "c1", "ana", "toxic", scored)
    >>> sorted(export_labels(store, scored, os.path.join(d, "data.jsonl")))
    [...]
    """
    from modkit.tables import write_table

    out = Path(out)
    state = load_labels(store)
    salt = store.salt()  # kept with the store: beside a SQLite file, in a PostgreSQL database
    df = export_rows(state, scored, keep_authors=keep_authors, salt=salt, split=split)
    rec = reconcile(state, scored)
    paths = {"data": write_table(df, out)}
    card = dataset_card(df, state, rec, (guidelines or Guidelines.load()).version, keep_authors)
    paths["card"] = out.with_suffix(".md")
    paths["card"].write_text(card, encoding="utf-8")
    paths["prodigy"] = write_prodigy(df, out.with_name(out.stem + ".prodigy.jsonl"))
    return paths


from modkit._stage import make_callable as _make_callable  # noqa: E402

_make_callable(__name__)
