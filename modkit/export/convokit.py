"""Write threads as a ConvoKit corpus directory (``modkit export convokit``).

ConvoKit's on-disk corpus is ``utterances.jsonl`` plus ``speakers.json``,
``conversations.json``, ``corpus.json`` and ``index.json``. Each thread becomes one
conversation whose single root is the article (utterance id = thread id, as
ConvoKit's Reddit corpora root each conversation at the post); top-level comments
reply to it. Anonymous comments share the speaker ``[anonymous]``, as ConvoKit's
corpora use ``[deleted]``. modkit fields ride along in ``meta``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from modkit.errors import ConfigError
from modkit.model import Thread
from modkit.parse.timestamps import utc_datetime

ANONYMOUS = "[anonymous]"
ARTICLE_SPEAKER = "[article]"


def _epoch(ts: str | None) -> float | None:
    """ConvoKit timestamps are numbers; ISO strings are converted (a naive time is UTC, as in
    the comments table), unknown ones dropped.

    Examples
    --------
    >>> _epoch("2013-10-10T19:20:29Z"), _epoch("2013-10-10T19:20:29")
    (1381432829.0, 1381432829.0)
    >>> _epoch("yesterday") is None
    True
    """
    if ts is None:
        return None
    try:
        return float(ts)
    except ValueError:
        pass
    when = utc_datetime(ts)
    return when.timestamp() if when is not None else None


def _index_types(metas: Iterable[dict], index: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """ConvoKit's index: for each meta key, the Python types its values have."""
    index = {} if index is None else index
    for meta in metas:
        for k, v in meta.items():
            types = index.setdefault(k, [])
            t = str(type(v))
            if t not in types:
                types.append(t)
    return index


def is_modkit_corpus(path: Path) -> bool:
    """Whether ``path`` holds a corpus modkit wrote (its ``corpus.json`` names modkit as producer)."""
    try:
        return json.loads((path / "corpus.json").read_text(encoding="utf-8")).get("producer") == "modkit"
    except (OSError, ValueError, AttributeError):
        return False


def check_output_dir(out_dir: Path) -> None:
    """Refuse an output directory that holds anything but a corpus modkit wrote: it is replaced whole.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "thesis.tex").write_text("years of work")
    >>> check_output_dir(d)
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: ... is not empty and holds no modkit corpus; refusing to replace it (choose a new directory)
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir} exists and is not a directory; choose a new directory for the corpus")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not is_modkit_corpus(out_dir):
        raise ConfigError(f"{out_dir} is not empty and holds no modkit corpus; refusing to replace it "
                          "(choose a new directory)")


def export_convokit(threads: Iterable[Thread], out_dir: str | Path) -> dict[str, int]:
    """Write ``threads`` as a ConvoKit corpus in ``out_dir``; returns counts.

    The directory is written to a temporary sibling and moved into place, so a
    failure never leaves a half-written corpus. ``out_dir`` must be new, empty, or
    a corpus modkit wrote before (which is replaced); anything else is refused
    before any file is written.

    Examples
    --------
    >>> import tempfile, os
    >>> from modkit.model import Thread, Comment
    >>> t = Thread("t1", "s", "p", "T", "Body",
    ...            [Comment("c1", "t1", None, 0, 0, "ann", None, "hi")])
    >>> export_convokit([t], os.path.join(tempfile.mkdtemp(), "corpus"))
    {'conversations': 1, 'utterances': 2, 'speakers': 2}
    """
    out_dir = Path(out_dir).resolve()
    check_output_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    speakers: dict[str, dict] = {}
    conversations: dict[str, dict] = {}
    utt_index: dict[str, list[str]] = {}
    n_utts = 0
    try:
        with open(tmp / "utterances.jsonl", "w", encoding="utf-8") as fh:
            for t in threads:
                conv_meta = {"title": t.title, "source": t.source, "platform": t.platform,
                             "n_comments": t.n_comments, "coverage": t.coverage.to_dict()}
                conversations[t.thread_id] = {"meta": conv_meta, "vectors": []}
                root_meta = {"is_article": True, "depth": -1}
                rows = [{"id": t.thread_id, "conversation_id": t.thread_id, "text": t.article,
                         "speaker": ARTICLE_SPEAKER, "meta": root_meta, "reply-to": None,
                         "timestamp": None, "vectors": []}]
                speakers.setdefault(ARTICLE_SPEAKER, {"meta": {}, "vectors": []})
                for c in t.comments:
                    speaker = c.author or ANONYMOUS
                    speakers.setdefault(speaker, {"meta": {}, "vectors": []})
                    meta = {"is_article": False, "depth": c.depth, "position": c.position,
                            "quotes": list(c.quotes), "flags": list(c.flags), "timestamp_raw": c.timestamp}
                    rows.append({"id": c.comment_id, "conversation_id": t.thread_id, "text": c.text,
                                 "speaker": speaker, "meta": meta,
                                 "reply-to": c.parent_id or t.thread_id,
                                 "timestamp": _epoch(c.timestamp), "vectors": []})
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                _index_types((r["meta"] for r in rows), utt_index)
                n_utts += len(rows)
        (tmp / "speakers.json").write_text(json.dumps(speakers, ensure_ascii=False), encoding="utf-8")
        (tmp / "conversations.json").write_text(json.dumps(conversations, ensure_ascii=False),
                                                encoding="utf-8")
        (tmp / "corpus.json").write_text(json.dumps({"producer": "modkit"}), encoding="utf-8")
        index = {"utterances-index": utt_index, "speakers-index": {},
                 "conversations-index": _index_types(c["meta"] for c in conversations.values()),
                 "overall-index": {"producer": [str(str)]}, "version": 1, "vectors": []}
        (tmp / "index.json").write_text(json.dumps(index), encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"conversations": len(conversations), "utterances": n_utts, "speakers": len(speakers)}
