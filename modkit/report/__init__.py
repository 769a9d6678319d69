"""Stage 4: per-thread escalation reports and a ranked index (``modkit report``).

:func:`report` reads a scored table (the output of :func:`modkit.score.score`) and
writes, for every thread, a report in Markdown, self-contained HTML and/or JSON,
plus an index ranking the threads by risk; it returns the index as a DataFrame.
:func:`thread_reports` returns the reports as objects without writing anything.

Modules: :mod:`~.tree` (a thread's replies as a tree), :mod:`~.metrics` (first
flagged reply, toxicity by depth and along paths, coverage), :mod:`~.patterns`
(heated exchanges, pile-ons, toxic subtrees, repeat offenders, conspiracy
clusters), :mod:`~.risk` (level, reason codes, actions), :mod:`~.config` (every
threshold, named and explained), the renderers and ``schema.json``. Every metric is
defined in its docstring and in ``METRICS.md``.

Coverage. A comments table has no coverage column, so the report shows what the
table reveals (replies whose parent is missing from it, replies the parser flagged
``orphan``, removed replies). Pass ``coverage={thread_id: [warning, ...]}`` to add
what only the pages know (a stated comment count larger than the found count,
truncated "load more" branches, missing list numbers): ``modkit report`` fills it
from :meth:`modkit.model.Thread.coverage_warnings` when it is given pages.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from modkit.errors import ConfigError
from modkit.report.build import ThreadReport, thread_report
from modkit.report.config import ReportConfig
from modkit.report.present import action_rows, file_stem
from modkit.report.risk import LEVELS
from modkit.report.tree import check_scored, split_threads

__all__ = ["report", "thread_reports", "iter_thread_reports", "ReportConfig", "ThreadReport", "FORMATS",
           "LEVELS", "INDEX_COLUMNS", "parse_formats"]

log = logging.getLogger(__name__)

FORMATS = ("md", "html", "json")
#: Columns of the index table :func:`report` returns, in order.
INDEX_COLUMNS = ("rank", "thread_id", "title", "platform", "level", "reasons", "n_replies", "n_authors", "n_toxic",
                 "n_flagged", "peak_toxicity", "n_actions", "top_action", "md", "html", "json")
#: Per-thread files go in this folder under the output directory, so no thread can be named like the index.
THREADS_DIR = "threads"


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """Output formats from ``"md,html"`` or a sequence; unknown names raise :class:`ConfigError`.

    Examples
    --------
    >>> parse_formats("html, md")
    ('html', 'md')
    >>> parse_formats("pdf")
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: unknown report format 'pdf'; choose from: md, html, json
    """
    names = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats)]
    names = [n for n in names if n]
    for n in names:
        if n not in FORMATS:
            raise ConfigError(f"unknown report format {n!r}; choose from: {', '.join(FORMATS)}")
    if not names:
        raise ConfigError(f"no report format given; choose from: {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(names))


def _config(config: ReportConfig | Mapping[str, Any] | None) -> ReportConfig:
    if config is None:
        return ReportConfig()
    if isinstance(config, ReportConfig):
        config.validate()
        return config
    if isinstance(config, Mapping):
        return ReportConfig.from_dict(dict(config))
    raise ConfigError(f"config must be a ReportConfig or a dict of settings, got {type(config).__name__}")


def iter_thread_reports(scored: pd.DataFrame, config: ReportConfig | Mapping[str, Any] | None = None,
                        coverage: Mapping[str, Sequence[str]] | None = None) -> Iterator[ThreadReport]:
    """Yield each thread's :class:`ThreadReport`, in order of first appearance in the table.

    Examples
    --------
    >>> df = pd.DataFrame({"thread_id": ["t2", "t1"], "comment_id": ["a", "b"], "text": ["x", "y"],
    ...                    "toxicity": [0.1, 0.9]})
    >>> [r.thread_id for r in iter_thread_reports(df)]
    ['t2', 't1']
    """
    cfg = _config(config)
    coverage = coverage or {}
    for view in split_threads(scored, cfg):
        yield thread_report(view, cfg, coverage.get(view.thread_id, ()))


def thread_reports(scored: pd.DataFrame, config: ReportConfig | Mapping[str, Any] | None = None,
                   coverage: Mapping[str, Sequence[str]] | None = None) -> list[ThreadReport]:
    """The report of every thread in a scored table, most urgent first.

    Parameters
    ----------
    scored : DataFrame
        A scored comments table: ``comment_id`` and ``text``, at least one toxicity
        attribute or ``conspiracy``; ``thread_id``, ``parent_id``, ``author``,
        ``position``, ``flags``, ``flagged``, ``flag_reasons`` and the scorer version
        columns are used when present.
    config : ReportConfig or dict, optional
        Thresholds (see :class:`ReportConfig`); defaults otherwise.
    coverage : mapping, optional
        ``{thread_id: [warning, ...]}`` from the pages (see the module docstring).

    Returns
    -------
    list of ThreadReport
        Ordered as the index ranks them (:meth:`ThreadReport.rank_key`).

    Examples
    --------
    >>> df = pd.DataFrame({"thread_id": ["t1", "t1", "t2"], "comment_id": ["a", "b", "c"],
    ...                    "parent_id": [None, "a", None], "author": ["ann", "bob", "cy"],
    ...                    "text": ["hello", "shut up, idiot", "nice"], "toxicity": [0.1, 0.9, 0.0]})
    >>> [(r.thread_id, r.level, r.risk.codes) for r in thread_reports(df)]
    [('t1', 'intervene', ('abusive_reply', 'escalating_path')), ('t2', 'none', ())]
    """
    return sorted(iter_thread_reports(scored, config, coverage), key=ThreadReport.rank_key)


def _index_row(rep: ThreadReport, files: dict[str, str | None]) -> dict[str, Any]:
    rows = action_rows(rep)
    top = None
    if rows:
        first = rows[0]
        extra = f" and {len(first.targets) - 1} more" if len(first.targets) > 1 else ""
        top = f"{first.label}: {first.targets[0][0]}{extra}"
    return {"rank": 0, "thread_id": rep.thread_id, "title": rep.view.title, "platform": rep.view.platform,
            "level": rep.level, "reasons": list(rep.risk.codes), "n_replies": rep.n_replies,
            "n_authors": rep.n_authors, "n_toxic": rep.n_toxic, "n_flagged": rep.n_flagged,
            "peak_toxicity": rep.peak_toxicity, "n_actions": len(rep.risk.actions), "top_action": top,
            "changed": True, **files}


def _write(path: Path, text: str) -> None:
    """Write a file atomically: a crash never leaves a half-written report behind."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def report(scored: pd.DataFrame, out_dir: str | Path, formats: str | Iterable[str] = FORMATS,
           config: ReportConfig | Mapping[str, Any] | None = None,
           coverage: Mapping[str, Sequence[str]] | None = None,
           index: MutableMapping[str, tuple[Sequence, dict[str, Any]]] | None = None) -> pd.DataFrame:
    """Write one report per thread and a ranked index; return the index table.

    Files: ``OUT/index.{md,html,json}`` and ``OUT/threads/<thread>.{md,html,json}`` for
    each requested format. Threads are processed one at a time, so memory holds one
    thread's report plus the index rows, and time grows linearly with the replies.

    Parameters
    ----------
    scored : DataFrame
        A scored comments table (see :func:`thread_reports`).
    out_dir : str or Path
        Output directory, created if needed; files of the same name are replaced.
    formats : str or iterable of str
        Any of ``md``, ``html``, ``json`` (a comma-separated string or a sequence).
    config, coverage
        As in :func:`thread_reports`.
    index : mutable mapping, optional
        The index of threads reported earlier, ``{thread_id: (rank key, row)}``: the new
        reports are merged into it (in place) and the index files list them all, so an
        incremental run keeps every thread in the index, not just the ones it rewrote.

    Returns
    -------
    DataFrame
        One row per thread of ``scored``, most urgent first, with the columns of
        :data:`INDEX_COLUMNS` (ranks among the whole index); ``md`` / ``html`` / ``json``
        hold each report's path relative to ``out_dir``.

    Examples
    --------
    >>> import tempfile
    >>> df = pd.DataFrame({"thread_id": ["t1", "t1"], "comment_id": ["a", "b"], "parent_id": [None, "a"],
    ...                    "text": ["hello", "shut up, idiot"], "toxicity": [0.1, 0.9]})
    >>> index = report(df, tempfile.mkdtemp(), formats="md,json")
    >>> index[["rank", "thread_id", "level", "md", "html"]].to_dict("records")
    [{'rank': 1, 'thread_id': 't1', 'level': 'intervene', 'md': 'threads/t1.md', 'html': None}]
    """
    from modkit.report import render_html, render_json, render_md

    fmts = parse_formats(formats)
    cfg = _config(config)
    check_scored(scored)
    out = Path(out_dir)
    (out / THREADS_DIR).mkdir(parents=True, exist_ok=True)
    keyed: list[tuple[tuple, dict[str, Any]]] = []
    used: set[str] = set()
    for rep in iter_thread_reports(scored, cfg, coverage):
        stem = file_stem(rep.thread_id)
        if stem.lower() in used:  # case-insensitive file systems would merge the two
            stem = file_stem(rep.thread_id + "\x00")
        used.add(stem.lower())
        files: dict[str, str | None] = {}
        for fmt in FORMATS:
            if fmt not in fmts:
                files[fmt] = None
                continue
            rel = f"{THREADS_DIR}/{stem}.{fmt}"
            if fmt == "md":
                text = render_md.render_thread(rep)
            elif fmt == "html":
                text = render_html.render_thread(rep)
            else:
                text = render_json.dumps(render_json.thread_document(rep))
            _write(out / rel, text)
            files[fmt] = rel
        keyed.append((rep.rank_key(), _index_row(rep, files)))
    written = {row["thread_id"] for _, row in keyed}
    if index is not None:
        index.update({row["thread_id"]: (key, row) for key, row in keyed})
        keyed = list(index.values())
    rows = write_index(out, keyed, fmts, cfg)
    log.info("wrote %d thread reports to %s", len(written), out)
    return _index_frame([row for row in rows if row["thread_id"] in written])


def write_index(out_dir: str | Path, keyed: Iterable[tuple[Sequence, dict[str, Any]]],
                formats: str | Iterable[str] = FORMATS, config: ReportConfig | Mapping[str, Any] | None = None,
                ) -> list[dict[str, Any]]:
    """Write ``index.{md,html,json}`` from ``(rank key, row)`` entries, most urgent first; returns the rows.

    Examples
    --------
    >>> import tempfile
    >>> write_index(tempfile.mkdtemp(), [], "md")
    []
    """
    from modkit.report import render_html, render_json, render_md

    fmts, cfg, out = parse_formats(formats), _config(config), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(((tuple(key), row) for key, row in keyed), key=lambda kr: kr[0])
    rows = [row for _, row in ordered]
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    if "md" in fmts:
        _write(out / "index.md", render_md.render_index(rows))
    if "html" in fmts:
        _write(out / "index.html", render_html.render_index(rows))
    if "json" in fmts:
        _write(out / "index.json", render_json.dumps(render_json.index_document(rows, cfg.to_dict())))
    return rows


def _index_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The index rows as a table; text columns keep ``None`` (not NaN) for "nothing"."""
    data = {c: [row[c] for row in rows] for c in INDEX_COLUMNS}
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in data.items()})
    return frame.astype({c: "int64" for c in ("rank", "n_replies", "n_authors", "n_toxic", "n_flagged",
                                              "n_actions")})


from modkit._stage import make_callable as _make_callable  # noqa: E402

_make_callable(__name__)
