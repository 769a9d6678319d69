"""Where a review session starts: a thread's evidence first (``modkit review --thread`` or
``--from-report``), so a moderator reading a report can settle its replies straight away.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from modkit.errors import ConfigError
from modkit.model import COMMENT_ID, THREAD_ID
from modkit.review.queue import score_columns


def thread_evidence(scored: pd.DataFrame, thread_id: str) -> list[str]:
    """A thread's replies to review first: flagged ones by highest score, then the rest by score.

    Examples
    --------
    >>> df = pd.DataFrame({"comment_id": ["a", "b", "c"], "thread_id": ["t", "t", "u"], "text": "x",
    ...                    "toxicity": [0.2, 0.9, 0.99], "flagged": [False, True, True]})
    >>> thread_evidence(df, "t")
    ['b', 'a']
    >>> thread_evidence(df, "zz")
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: thread 'zz' is not in the scored table
    """
    if THREAD_ID not in scored.columns or not (scored[THREAD_ID] == thread_id).any():
        raise ConfigError(f"thread {thread_id!r} is not in the scored table")
    df = scored[scored[THREAD_ID] == thread_id]
    cols = score_columns(df)
    key = df[cols].max(axis=1).fillna(-1.0) if cols else pd.Series(0.0, index=df.index)
    flagged = df["flagged"].fillna(False).astype(bool) if "flagged" in df.columns else pd.Series(False, index=df.index)
    order = df.assign(_f=~flagged, _k=-key).sort_values(["_f", "_k"], kind="stable")
    return list(order[COMMENT_ID])


def report_evidence(path: str | Path) -> tuple[str, list[str]]:
    """``(thread_id, [comment ids])`` from a thread report's JSON: its top evidence, then its other
    flagged replies, in the report's order.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "r.json")
    >>> _ = open(p, "w").write(json.dumps({"kind": "modkit.thread_report", "thread": {"thread_id": "t"},
    ...     "top_evidence": [{"reply": {"comment_id": "b"}}],
    ...     "replies": [{"comment_id": "a", "flagged": True}, {"comment_id": "b", "flagged": True}]}))
    >>> report_evidence(p)
    ('t', ['b', 'a'])
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable report ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != "modkit.thread_report":
        raise ConfigError(f"{path}: not a thread report (the .json that `modkit report` writes per thread)")
    try:
        thread = str(doc["thread"]["thread_id"])
        ids = [str(e["reply"]["comment_id"]) for e in doc.get("top_evidence") or []]
        ids += [str(r["comment_id"]) for r in doc.get("replies") or [] if r.get("flagged")]
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: thread report without {exc}") from None
    return thread, list(dict.fromkeys(ids))
