"""Moderators' final decisions, joined onto a scored table so reports follow them.

A report built with decisions (``modkit report --labels STORE``, or ``labels =`` in a
batch config) treats a reply marked *fine* as neither evidence nor a target, and one
marked *toxic* or *conspiracy* as certain ("confirmed by review"). A decision counts
only while the reply's text is the text that was reviewed: an edited reply goes back
to its scores.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from modkit.model import COMMENT_ID, REVIEW, TEXT
from modkit.review.labels import answer_of, derive
from modkit.review.store import LabelStore, text_hash


def final_decisions(store: str | Path | LabelStore) -> dict[str, tuple[str, str | None]]:
    """``{comment_id: (answer, text hash)}`` for every reply with a final decision.

    The answer is ``toxic``, ``conspiracy``, ``both`` or ``fine``: the adjudicated label,
    else the reviewers' majority (ties and skips give no decision).

    Examples
    --------
    >>> import tempfile, os
    >>> from modkit.review.store import Event
    >>> s = LabelStore(os.path.join(tempfile.mkdtemp(), "l.sqlite"))
    >>> _ = s.append(Event("c1", text_hash("you fool"), "ann", "label", {"toxic": False, "conspiracy": False}))
    >>> final_decisions(s)["c1"][0]
    'fine'
    """
    own = not isinstance(store, LabelStore)
    db = LabelStore(store, create=False) if own else store
    try:
        state = derive(db.events())
    finally:
        if own:
            db.close()
    hashes: dict[str, str | None] = {}
    for (item, _), ev in state.decisions.items():
        hashes.setdefault(item, ev.text_hash)
    for item, ev in state.adjudicated.items():
        hashes[item] = ev.text_hash or hashes.get(item)
    out = {}
    for item in {i for i, _ in state.decisions} | set(state.adjudicated):
        final = state.final(item)
        if final is not None:
            out[item] = (answer_of(final), hashes.get(item))
    return out


def with_decisions(scored: pd.DataFrame, decisions: dict[str, tuple[str, str | None]]) -> tuple[pd.DataFrame, int]:
    """``scored`` with a ``review`` column (the decision, or ``None``); and how many decisions were set
    aside because the reply's text changed since it was reviewed.

    Examples
    --------
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "text": ["x", "y"]})
    >>> out, stale = with_decisions(df, {"a": ("fine", text_hash("x")), "b": ("toxic", text_hash("old"))})
    >>> out["review"].tolist(), stale
    (['fine', None], 1)
    """
    out = scored.copy()
    review: list[str | None] = []
    stale = 0
    for cid, text in zip(out[COMMENT_ID], out[TEXT].fillna(""), strict=True):
        found = decisions.get(cid)
        if found is not None and found[1] and found[1] != text_hash(str(text)):
            stale += 1
            found = None
        review.append(found[0] if found else None)
    out[REVIEW] = pd.Series(review, index=out.index, dtype=object)
    return out, stale
