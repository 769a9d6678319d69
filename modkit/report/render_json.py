"""JSON reports for other programs, following ``schema.json`` beside this module.

Each document names itself (``kind``: ``modkit.thread_report`` or
``modkit.report_index``) and its ``schema_version``; the version changes only when a
field is removed or changes meaning. Replies are named by ``comment_id`` throughout:
join on it with the scored table for anything not repeated here. Reply text appears
only in ``top_evidence``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

import modkit
from modkit.report.build import ThreadReport
from modkit.report.tree import Reply, ThreadView

SCHEMA_VERSION = 1
THREAD_KIND = "modkit.thread_report"
INDEX_KIND = "modkit.report_index"


@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema (draft 2020-12) of both documents.

    Examples
    --------
    >>> sorted(schema()["$defs"])[:3]
    ['action', 'cluster', 'config']
    """
    return json.loads(files("modkit.report").joinpath("schema.json").read_text(encoding="utf-8"))


def _num(x: float | None) -> float | None:
    return None if x is None else round(float(x), 6)


def _reply(v: ThreadView, r: Reply, *, text: bool = False) -> dict[str, Any]:
    parent = v.replies[r.parent].comment_id if r.parent is not None else r.missing_parent
    out: dict[str, Any] = {
        "comment_id": r.comment_id, "number": r.index + 1, "parent_id": parent,
        "depth": r.depth, "position": r.position, "author": r.author, "timestamp": r.timestamp,
        "flags": list(r.flags), "tox": _num(r.tox), "scores": {k: _num(v) for k, v in r.scores.items()},
        "conspiracy": _num(r.conspiracy), "toxic": r.toxic, "conspiratorial": r.conspiratorial,
        "severe": r.severe, "flagged": r.flagged, "flag_reasons": list(r.flag_reasons), "review": r.review,
        "url": r.url,
    }
    if text:
        out["text"] = r.text
        out["cues"] = r.cues
    return out


def _plain(obj: Any) -> Any:
    """A metrics dataclass as JSON values: tuples become lists, floats are rounded.

    (``dataclasses.asdict`` deep-copies every value; this walk does not, which matters
    at 10,000 threads.)
    """
    fields = getattr(obj, "__dataclass_fields__", None)
    if fields is not None:
        return {k: _plain(getattr(obj, k)) for k in fields}
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, float):
        return _num(obj)
    return obj


def thread_document(report: ThreadReport) -> dict[str, Any]:
    """One thread's report as a JSON-ready dict (see ``schema.json``, ``$defs/thread_report``).

    Examples
    --------
    >>> import pandas as pd
    >>> from modkit.report import thread_reports
    >>> df = pd.DataFrame({"comment_id": ["a", "b"], "parent_id": [None, "a"], "text": ["x", "y"],
    ...                    "toxicity": [0.1, 0.9]})
    >>> doc = thread_document(thread_reports(df)[0])
    >>> doc["kind"], doc["risk"]["level"], [r["parent_id"] for r in doc["replies"]]
    ('modkit.thread_report', 'intervene', [None, 'a'])
    """
    v, m = report.view, report.metrics
    steep = m.paths.steepest
    return {
        "kind": THREAD_KIND,
        "schema_version": SCHEMA_VERSION,
        "generator": f"modkit {modkit.__version__}",
        "thread": {
            "thread_id": v.thread_id, "title": v.title, "source": v.source, "platform": v.platform,
            "n_replies": report.n_replies, "n_authors": report.n_authors, "n_scored": report.n_scored,
            "n_toxic": report.n_toxic, "n_flagged": report.n_flagged, "n_conspiratorial": report.n_conspiratorial,
            "peak_toxicity": _num(report.peak_toxicity), "attributes": list(v.attributes),
        },
        "scorers": {k: list(vs) for k, vs in v.scorers.items()},
        "risk": {"level": report.level,
                 "reasons": [_plain(r) for r in report.risk.reasons]},
        "actions": [_plain(a) for a in report.risk.actions],
        "first_flagged": _plain(m.first_flagged),
        "toxicity_by_depth": [_plain(d) for d in m.depth],
        "paths": [_plain(p) for p in m.paths.paths],
        "steepest_path": None if steep is None else {
            **_plain(steep), "replies": list(m.paths.steepest_ids),
            "scores": [_num(s) for s in m.paths.steepest_scores]},
        "heated_exchanges": [_plain(e) for e in m.exchanges],
        "pile_ons": [_plain(p) for p in m.pile_ons],
        "toxic_subtrees": [_plain(s) for s in m.subtrees],
        "repeat_offenders": [_plain(o) for o in m.offenders],
        "conspiracy_clusters": [_plain(c) for c in m.clusters],
        "coverage": _plain(m.coverage),
        "top_evidence": [{"reply": _reply(v, e.reply, text=True),
                          "parent": _reply(v, e.parent, text=True) if e.parent is not None else None,
                          "reasons": list(e.reasons)} for e in report.evidence],
        "replies": [_reply(v, r) for r in v.replies],
        "config": report.config.to_dict(),
    }


def index_document(rows: list[dict], config: dict[str, Any]) -> dict[str, Any]:
    """The ranked index as a JSON-ready dict (see ``schema.json``, ``$defs/report_index``).

    Examples
    --------
    >>> index_document([], {})["kind"]
    'modkit.report_index'
    """
    return {"kind": INDEX_KIND, "schema_version": SCHEMA_VERSION, "generator": f"modkit {modkit.__version__}",
            "config": config, "threads": [{k: _plain(v) for k, v in row.items()} for row in rows]}


def dumps(document: dict[str, Any]) -> str:
    """Serialise a document compactly on one line: UTF-8, stable key order, no NaN (invalid JSON).

    Compact output uses the C encoder (indenting falls back to pure Python, several
    times slower); pipe through ``python -m json.tool`` to read one by eye.

    Examples
    --------
    >>> dumps({"a": [1, None], "b": "é"})
    '{"a":[1,null],"b":"é"}\\n'
    """
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
